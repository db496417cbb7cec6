package httpserver_test

import (
	"bufio"
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
