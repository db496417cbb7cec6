package httpserver_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"httpkafka/adapters/httpserver"
	"httpkafka/internal/core"
)

// TestSCFWebHeaders: only the SCF web function handler reads the request
// id and client address SCF's front end adds; the plain handler, which
// clients reach directly, ignores the same headers.
func TestSCFWebHeaders(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	svc := core.New(core.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, nil) // no access points: ResourceNotFound
	send := func(h http.Handler, header map[string]string) string {
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{"DataHubId":"datahub-x","Message":[{"Body":"a"}]}`))
		req.RemoteAddr = "10.0.0.1:5555"
		req.Header.Set("X-TC-Action", "SendMessage")
		req.Header.Set("X-TC-Version", "2019-08-19")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var env struct{ Response struct{ RequestId string } }
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
			t.Fatalf("%v: %s", err, w.Body)
		}
		return env.Response.RequestId
	}
	scf := map[string]string{"X-Scf-Request-Id": "scf-id-1", "X-Scf-Remote-Addr": "198.51.100.9"}

	if id := send(httpserver.SCFWeb(svc), scf); id != "scf-id-1" || !strings.Contains(logs.String(), "source_ip=198.51.100.9") {
		t.Errorf("SCFWeb: RequestId %q, log %s; want SCF's id and address", id, logs.String())
	}
	logs.Reset()
	if id := send(httpserver.SCFWeb(svc), map[string]string{"X-Forwarded-For": "1.2.3.4, 192.0.2.1"}); len(id) != 36 || !strings.Contains(logs.String(), "source_ip=192.0.2.1") {
		t.Errorf("SCFWeb without SCF's headers: RequestId %q, log %s; want a UUID and the last X-Forwarded-For", id, logs.String())
	}
	logs.Reset()
	if id := send(httpserver.Handler(svc), scf); id == "scf-id-1" || !strings.Contains(logs.String(), "source_ip=10.0.0.1") {
		t.Errorf("Handler: RequestId %q, log %s; want the headers ignored", id, logs.String())
	}
}
