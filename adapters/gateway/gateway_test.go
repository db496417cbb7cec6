package gateway_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// service is a core with a small body limit and no Kafka: every request
// here fails before the produce.
func service() *core.Service {
	return core.New(core.Options{MaxRequestBytes: 64, MaxMessageBytes: 64,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
}

func code(t *testing.T, resp *core.Response) string {
	t.Helper()
	body := string(resp.Body)
	i := strings.Index(body, `"Code":"`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`"Code":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestServeBody: a base64 body is decoded when the event says so, its
// size refused before decoding, bad base64 answered; the Host comes from
// the header when the shape left it empty.
func TestServeBody(t *testing.T) {
	t.Parallel()
	svc := service()
	big := base64.StdEncoding.EncodeToString(make([]byte, 100))
	for _, tt := range []struct {
		name, body string
		b64        bool
		want       string // error code, or "" for a body that reached validation
		message    string
	}{
		{"text", `{"DataHubId":"x","Message":[{"Body":"a"}]}`, false, "ResourceNotFound", "access point x does not exist"},
		{"base64", base64.StdEncoding.EncodeToString([]byte(`{"DataHubId":"y","Message":[{"Body":"a"}]}`)), true, "ResourceNotFound", "access point y does not exist"},
		{"base64 too large", big, true, "RequestSizeLimitExceeded", "request body is about 102 bytes, limit 64"},
		{"text too large", strings.Repeat("a", 65), false, "RequestSizeLimitExceeded", "request body is 65 bytes, limit 64"},
		{"bad base64", "!!!!", true, "InvalidParameter", "request body is not valid base64"},
	} {
		req := &core.Request{Method: "POST", Header: http.Header{"Host": {"h.example"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}}}
		resp := gateway.Serve(context.Background(), svc, req, tt.body, tt.b64)
		if got := code(t, resp); got != tt.want || !strings.Contains(string(resp.Body), tt.message) {
			t.Errorf("%s: %s, want %s %q", tt.name, resp.Body, tt.want, tt.message)
		}
		if req.Host != "h.example" {
			t.Errorf("%s: Host %q, want the Host header's", tt.name, req.Host)
		}
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	h := gateway.Headers(map[string]string{"x-tc-action": "SendMessage", "x-list": "a, b"})
	if h.Get("X-Tc-Action") != "SendMessage" || len(h["X-List"]) != 1 || h["X-List"][0] != "a, b" {
		t.Errorf("Headers = %v", h)
	}
	m := gateway.MultiHeaders(map[string][]string{"x-a": {"1", "2"}, "X-A": {"3"}})
	if len(m["X-A"]) != 3 {
		t.Errorf("MultiHeaders = %v, want the three values under X-A", m)
	}
	if got := gateway.LastForwardedFor(http.Header{"X-Forwarded-For": {"1.1.1.1, 2.2.2.2", "3.3.3.3 , 4.4.4.4 "}}); got != "4.4.4.4" {
		t.Errorf("LastForwardedFor = %q", got)
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	params := map[string][]string{"b": {"x y", gateway.Flag}, "a": {"1&2"}}
	if got := gateway.Query(params, true); got != "a=1%262&b=x+y&b" {
		t.Errorf("escaped: %q", got)
	}
	if got := gateway.Query(params, false); got != "a=1&2&b=x y&b" {
		t.Errorf("as received: %q", got)
	}
}

// TestReply: the status is never zero, the Content-Type never empty.
func TestReply(t *testing.T) {
	t.Parallel()
	r := gateway.NewReply(&core.Response{Body: []byte("{}")})
	if r.StatusCode != 200 || r.Headers["Content-Type"] != "application/json" || r.Body != "{}" {
		t.Errorf("reply %+v", r)
	}
	r = gateway.NewReply(&core.Response{StatusCode: 200, ContentType: "text/plain"})
	if r.Headers["Content-Type"] != "text/plain" {
		t.Errorf("reply %+v", r)
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	unknown := errors.New("unknown")
	type ev struct{ Kind string }
	detect := func(e *ev) (string, error) {
		if e.Kind == "" {
			return "", unknown
		}
		return e.Kind, nil
	}
	if _, s, err := gateway.Decode([]byte(`{"Kind":"a"}`), unknown, detect); err != nil || s != "a" {
		t.Errorf("Decode = %q, %v", s, err)
	}
	for _, p := range []string{`{}`, `[1]`, `{"Kind":1}`, `{`} {
		if _, _, err := gateway.Decode([]byte(p), unknown, detect); !errors.Is(err, unknown) {
			t.Errorf("%s: err = %v, want the unknown error", p, err)
		}
	}
}
