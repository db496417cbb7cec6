package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/core"
	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/kafkatest"
)

// lines is a log buffer that the service and the test share, read as JSON lines.
type lines struct{ gatewaytest.SyncBuffer }

func (l *lines) all(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, line)
		}
		out = append(out, m)
	}
	return out
}

func request(body string) *core.Request {
	return &core.Request{Method: "POST", Host: "h", Path: "/", SourceIP: "203.0.113.9", Body: []byte(body),
		Header: http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}}}
}

// TestOneLinePerRequest sends a success, a caller's mistake and a Kafka
// failure through a real service over kfake and reads the log: one INFO
// "request" line each, with the figures, and nothing of the messages.
func TestOneLinePerRequest(t *testing.T) {
	cluster := kafkatest.New(t, 1, "t")
	var logs lines
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	emfOut := &lines{}
	rec := NewRecorder(log, NewEMF(emfOut, "httpkafka"))
	p := cluster.Producer(t)
	svc := core.New(core.Options{AccessPoints: map[string]core.AccessPoint{"datahub-t": {Topic: "t"}, "datahub-gone": {Topic: "gone"}},
		Logger: log, Observer: rec}, p)

	bodies := []string{
		`{"DataHubId":"datahub-t","Message":[{"Body":"secret-body-1","Key":"secret-key-1"},{"Body":"b2"}]}`,
		`{"DataHubId":"datahub-nope","Message":[{"Body":"secret-body-2"}]}`,
		`{"DataHubId":"datahub-gone","Message":[{"Body":"secret-body-3"}]}`,
	}
	ok := svc.Handle(context.Background(), request(bodies[0]))
	bad := svc.Handle(context.Background(), request(bodies[1]))
	gone := svc.Handle(context.Background(), request(bodies[2]))

	all := logs.all(t)
	var reqs []map[string]any
	for _, m := range all {
		if m["msg"] == "request" {
			reqs = append(reqs, m)
			if m["level"] != "INFO" {
				t.Errorf("request line at %v: %v", m["level"], m)
			}
		}
	}
	if len(reqs) != 3 {
		t.Fatalf("%d request lines, want 3:\n%v", len(reqs), all)
	}
	want := []struct {
		resp     *core.Response
		code     string
		messages float64
		topic    string
	}{{ok, "OK", 2, "t"}, {bad, "ResourceNotFound", 1, ""}, {gone, "ResourceNotFound", 1, "gone"}}
	for i, w := range want {
		m := reqs[i]
		if m["request_id"] != w.resp.RequestID || m["code"] != w.code || m["messages"] != w.messages || m["topic"] != w.topic ||
			m["source_ip"] != "203.0.113.9" || m["method"] != "POST" {
			t.Errorf("line %d: %v; want request_id %s code %s messages %v topic %q", i, m, w.resp.RequestID, w.code, w.messages, w.topic)
		}
		if m["request_bytes"] != float64(len(bodies[i])) {
			t.Errorf("line %d: request_bytes %v", i, m["request_bytes"])
		}
		for _, k := range []string{"auth_ms", "decode_ms", "produce_ms", "total_ms"} {
			if _, ok := m[k].(float64); !ok {
				t.Errorf("line %d: no %s: %v", i, k, m)
			}
		}
		if (i == 0) != (m["cold_start"] == true) {
			t.Errorf("line %d: cold_start %v, want it on the first request only", i, m["cold_start"])
		}
	}
	if reqs[0]["produce_ms"].(float64) <= 0 || reqs[0]["total_ms"].(float64) < reqs[0]["produce_ms"].(float64) {
		t.Errorf("success timings: produce %v total %v", reqs[0]["produce_ms"], reqs[0]["total_ms"])
	}
	if reqs[1]["error"] != "access point datahub-nope does not exist" {
		t.Errorf("failure line error %v", reqs[1]["error"])
	}
	// The Kafka failure keeps its own WARN line with the cause.
	warned := false
	for _, m := range all {
		if m["msg"] == "request failed" && m["level"] == "WARN" && m["request_id"] == gone.RequestID {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no WARN line with the cause of the Kafka failure: %v", all)
	}
	raw := logs.String() + emfOut.String()
	for _, secret := range []string{"secret-body", "secret-key"} {
		if strings.Contains(raw, secret) {
			t.Errorf("logs or metrics contain %q:\n%s", secret, raw)
		}
	}

	// EMF: one line per request, a valid directive, the unknown access
	// point collapsed to "unknown".
	emf := emfOut.all(t)
	if len(emf) != 3 {
		t.Fatalf("%d EMF lines, want 3", len(emf))
	}
	checkEMF(t, emf[0], "datahub-t", "OK", 2, 1)
	checkEMF(t, emf[1], "unknown", "ResourceNotFound", 1, 0)
	checkEMF(t, emf[2], "datahub-gone", "ResourceNotFound", 1, 0)
}

func checkEMF(t *testing.T, m map[string]any, dataHub, code string, messages, cold float64) {
	t.Helper()
	aws, _ := m["_aws"].(map[string]any)
	ts, _ := aws["Timestamp"].(float64)
	if aws == nil || time.Since(time.UnixMilli(int64(ts))) > time.Minute {
		t.Errorf("EMF _aws %v", m["_aws"])
	}
	dirs, _ := aws["CloudWatchMetrics"].([]any)
	if len(dirs) != 1 {
		t.Fatalf("EMF directives %v", aws["CloudWatchMetrics"])
	}
	d := dirs[0].(map[string]any)
	// Every metric a directive names must be a number in the line, and
	// every dimension a string: CloudWatch drops the line otherwise.
	for _, metric := range d["Metrics"].([]any) {
		name := metric.(map[string]any)["Name"].(string)
		if _, ok := m[name].(float64); !ok {
			t.Errorf("EMF metric %s is not a number in %v", name, m)
		}
	}
	for _, set := range d["Dimensions"].([]any) {
		for _, dim := range set.([]any) {
			if _, ok := m[dim.(string)].(string); !ok {
				t.Errorf("EMF dimension %s is not a string in %v", dim, m)
			}
		}
	}
	if d["Namespace"] != "httpkafka" || m["DataHubId"] != dataHub || m["Code"] != code || m["Messages"] != messages || m["Requests"] != 1.0 || m["ColdStart"] != cold {
		t.Errorf("EMF line %v; want DataHubId %s Code %s Messages %v ColdStart %v", m, dataHub, code, messages, cold)
	}
}

// multi sends to several sinks.
func TestHandlerFormat(t *testing.T) {
	for _, tt := range []struct {
		format string
		prefix string
	}{{"", "{"}, {"json", "{"}, {"JSON", "{"}, {"text", "time="}} {
		var b bytes.Buffer
		h, err := Handler(&b, tt.format, slog.LevelInfo) // a buffer is no terminal: "" is JSON
		if err != nil {
			t.Fatal(err)
		}
		slog.New(h).Info("x")
		if !strings.HasPrefix(b.String(), tt.prefix) {
			t.Errorf("LOG_FORMAT=%q wrote %q", tt.format, b.String())
		}
	}
	if _, err := Handler(io.Discard, "yaml", slog.LevelInfo); err == nil || !strings.Contains(err.Error(), `LOG_FORMAT: "yaml"`) {
		t.Errorf("LOG_FORMAT=yaml: %v", err)
	}
}
