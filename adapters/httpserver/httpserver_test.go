package httpserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"httpkafka/adapters/httpserver"
	"httpkafka/internal/core"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/telemetry"
)

// onlyReader hides strings.Reader's Len, so net/http sends the body
// chunked, without a Content-Length.
type onlyReader struct{ io.Reader }

func TestBodies(t *testing.T) {
	cluster := kafkatest.New(t, 1, "t")
	svc := core.New(core.Options{
		AccessPoints:    map[string]core.AccessPoint{"datahub-a": {Topic: "t"}},
		MaxRequestBytes: 200,
		Logger:          slog.New(slog.DiscardHandler),
	}, cluster.Producer(t))
	srv := httptest.NewServer(httpserver.Handler(svc))
	defer srv.Close()

	body := func(n int) string {
		prefix, suffix := `{"DataHubId":"datahub-a","Message":[{"Body":"`, `"}]}`
		return prefix + strings.Repeat("x", n-len(prefix)-len(suffix)) + suffix
	}
	for _, tt := range []struct {
		name    string
		body    io.Reader
		code    string
		message string
	}{
		{"at the limit", strings.NewReader(body(200)), "", ""},
		{"at the limit, chunked", onlyReader{strings.NewReader(body(200))}, "", ""},
		{"over the limit", strings.NewReader(body(201)), "RequestSizeLimitExceeded", "request body is 201 bytes, limit 200"},
		{"over the limit, chunked", onlyReader{strings.NewReader(body(5000))}, "RequestSizeLimitExceeded", "request body is more than 200 bytes, limit 200"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/any/path", tt.body)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-TC-Action", "SendMessage")
			req.Header.Set("X-TC-Version", "2019-08-19")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var env struct {
				Response struct {
					MessageId []string
					Error     *struct{ Code, Message string }
				}
			}
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			switch e := env.Response.Error; {
			case tt.code == "" && (e != nil || len(env.Response.MessageId) != 1):
				t.Errorf("got %+v %+v, want one MessageId", env.Response, e)
			case tt.code != "" && (e == nil || e.Code != tt.code || e.Message != tt.message):
				t.Errorf("got %+v, want %s %q", e, tt.code, tt.message)
			}
		})
	}
}

// TestUnreadableBody: a body that breaks off mid-way still gets an envelope.
func TestUnreadableBody(t *testing.T) {
	svc := core.New(core.Options{Logger: slog.New(slog.DiscardHandler)}, nil)
	srv := httptest.NewServer(httpserver.Handler(svc))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-TC-Action: SendMessage\r\n"+
		"X-TC-Version: 2019-08-19\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"Dat\r\nzz\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(string(body), `"Code":"InvalidParameter","Message":"request body could not be read: `) {
		t.Errorf("got %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// TestSCFWebHeaders: only the SCF web function handler reads the request
// id and client address SCF's front end adds; the plain handler, which
// clients reach directly, ignores the same headers.
func TestSCFWebHeaders(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	// No access points: ResourceNotFound; the request line shows the source.
	svc := core.New(core.Options{Logger: log, Observer: telemetry.NewRecorder(log, nil)}, nil)
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
