package core_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"httpkafka/internal/core"
)

// recordingProducer accepts everything and keeps what it was given.
type recordingProducer struct {
	mu   sync.Mutex
	msgs []core.Message
}

func (p *recordingProducer) Produce(ctx context.Context, topic string, msgs []core.Message, out []core.Placement) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, msgs...)
	for i := range out {
		out[i] = core.Placement{Partition: 0, Offset: int64(i), Timestamp: time.Now()}
	}
	return nil
}

// observed keeps what the Observer saw.
type observed struct {
	mu    sync.Mutex
	stats []core.Stats
}

func (o *observed) Observe(ctx context.Context, r *core.Request, resp *core.Response) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stats = append(o.stats, resp.Stats)
}

func jsonRequest(body string, header ...string) *core.Request {
	h := http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &core.Request{Method: "POST", Path: "/", Header: h, Body: []byte(body), SourceIP: "198.51.100.7"}
}

func TestStatsAndObserver(t *testing.T) {
	obs := &observed{}
	svc := core.New(core.Options{AccessPoints: map[string]core.AccessPoint{"datahub-a": {Topic: "a"}}, Logger: quiet, Observer: obs}, &recordingProducer{})
	for _, tt := range []struct {
		name, body, code, dataHub, topic string
		messages                         int
	}{
		{"success", `{"DataHubId":"datahub-a","Message":[{"Body":"x"},{"Body":"y"}]}`, core.CodeOK, "datahub-a", "a", 2},
		{"unknown access point", `{"DataHubId":"datahub-b","Message":[{"Body":"x"}]}`, core.CodeResourceNotFound, "datahub-b", "", 1},
		{"not JSON", `{`, core.CodeInvalidParameter, "", "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := svc.Handle(context.Background(), jsonRequest(tt.body))
			st := resp.Stats
			if st.Code != tt.code || st.DataHubID != tt.dataHub || st.Topic != tt.topic || st.Messages != tt.messages || st.RequestBytes != len(tt.body) {
				t.Errorf("stats %+v", st)
			}
			if st.Total <= 0 || st.Total < st.Decode+st.Produce {
				t.Errorf("latency split %+v", st)
			}
			if (tt.code == core.CodeOK) != (st.Message == "") {
				t.Errorf("error message %q for code %s", st.Message, st.Code)
			}
			if got := resp.Header[core.HeaderRequestID]; len(got) != 1 || got[0] != resp.RequestID {
				t.Errorf("X-TC-RequestId %v, RequestId %s", got, resp.RequestID)
			}
		})
	}
	// Fail reports through the observer too.
	svc.Fail(context.Background(), jsonRequest(""), core.Errorf(core.CodeRequestSizeLimitExceeded, "too big"))
	if len(obs.stats) != 4 || obs.stats[3].Code != core.CodeRequestSizeLimitExceeded {
		t.Errorf("observer saw %+v", obs.stats)
	}
}

func TestCORS(t *testing.T) {
	for _, tt := range []struct {
		name      string
		origins   []string
		method    string
		header    []string
		status    int
		allow     string // Access-Control-Allow-Origin
		preflight bool
	}{
		{"off: OPTIONS is not served", nil, "OPTIONS", []string{"Origin", "https://a.example", "Access-Control-Request-Method", "POST"}, 200, "", false},
		{"listed origin: preflight", []string{"https://a.example"}, "OPTIONS", []string{"Origin", "https://A.example", "Access-Control-Request-Method", "POST"}, 204, "https://A.example", true},
		{"any origin", []string{"*"}, "OPTIONS", []string{"Origin", "https://z.example", "Access-Control-Request-Method", "POST"}, 204, "*", true},
		{"other origin: no preflight", []string{"https://a.example"}, "OPTIONS", []string{"Origin", "https://z.example", "Access-Control-Request-Method", "POST"}, 200, "", false},
		{"OPTIONS without request method", []string{"*"}, "OPTIONS", []string{"Origin", "https://z.example"}, 200, "*", false},
		{"actual request", []string{"https://a.example"}, "POST", []string{"Origin", "https://a.example"}, 200, "https://a.example", false},
		{"actual request, other origin", []string{"https://a.example"}, "POST", []string{"Origin", "https://z.example"}, 200, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			svc := core.New(core.Options{AccessPoints: map[string]core.AccessPoint{"datahub-a": {Topic: "a"}}, Logger: quiet, CORSOrigins: tt.origins}, &recordingProducer{})
			r := jsonRequest(`{"DataHubId":"datahub-a","Message":[{"Body":"x"}]}`, tt.header...)
			r.Method = tt.method
			resp := svc.Handle(context.Background(), r)
			h := resp.Header
			if resp.StatusCode != tt.status || strings.Join(h["Access-Control-Allow-Origin"], ",") != tt.allow {
				t.Errorf("status %d allow-origin %v, want %d %q", resp.StatusCode, h["Access-Control-Allow-Origin"], tt.status, tt.allow)
			}
			if got := len(h["Access-Control-Allow-Methods"]) > 0; got != tt.preflight {
				t.Errorf("preflight headers %v", h)
			}
			if tt.method == "OPTIONS" && !tt.preflight && decodeEnvelope(t, resp).Response.Error.Code != core.CodeUnsupportedProtocol {
				t.Errorf("a refused OPTIONS must answer UnsupportedProtocol: %s", resp.Body)
			}
			if len(tt.origins) > 0 && strings.Join(h["Vary"], ",") != "Origin" {
				t.Errorf("Vary %v, want Origin", h["Vary"])
			}
		})
	}
}

func TestRecordHeaders(t *testing.T) {
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	p := &recordingProducer{}
	svc := core.New(core.Options{AccessPoints: map[string]core.AccessPoint{"datahub-a": {Topic: "a"}}, Logger: quiet,
		RecordHeaders: []string{core.RecordHeaderRequestID, core.RecordHeaderSourceIP, core.RecordHeaderReceived, core.RecordHeaderTraceparent}}, p)
	r := jsonRequest(`{"DataHubId":"datahub-a","Message":[{"Body":"x"},{"Body":"y"}]}`, "Traceparent", tp)
	r.RequestID, r.TraceID = "req-1", "Root=1-abc"
	r.Received = time.Now()
	svc.Handle(context.Background(), r)
	if len(p.msgs) != 2 {
		t.Fatalf("%d messages", len(p.msgs))
	}
	want := []core.RecordHeader{{"httpkafka-request-id", []byte("req-1")}, {"httpkafka-source-ip", []byte("198.51.100.7")},
		{"httpkafka-received", []byte(r.Received.UTC().Format("2006-01-02T15:04:05.000Z"))}, {"traceparent", []byte(tp)}, {"x-amzn-trace-id", []byte("Root=1-abc")}}
	for _, m := range p.msgs {
		if len(m.Headers) != len(want) {
			t.Fatalf("headers %q", m.Headers)
		}
		for i := range want {
			if m.Headers[i].Key != want[i].Key || string(m.Headers[i].Value) != string(want[i].Value) {
				t.Errorf("header %d: %s=%s, want %s=%s", i, m.Headers[i].Key, m.Headers[i].Value, want[i].Key, want[i].Value)
			}
		}
	}
	// Off by default.
	p2 := &recordingProducer{}
	core.New(core.Options{AccessPoints: map[string]core.AccessPoint{"datahub-a": {Topic: "a"}}, Logger: quiet}, p2).Handle(context.Background(), r)
	if p2.msgs[0].Headers != nil {
		t.Errorf("headers without DATAHUB_RECORD_HEADERS: %q", p2.msgs[0].Headers)
	}
}
