package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/kafkatest"
)

// traceHeader is what the test Runtime API sends as Lambda-Runtime-Trace-Id.
const traceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"

// logLines are the JSON lines a process wrote (stdout and stderr), once
// it has written at least n lines for which count is true (or 5s passed:
// the reply may overtake the pipe).
func logLines(t *testing.T, p *gatewaytest.Process, n int, count func(map[string]any) bool) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var out []map[string]any
		seen := 0
		for _, line := range strings.Split(p.Stderr(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil {
				out = append(out, m)
				if count(m) {
					seen++
				}
			}
		}
		if seen >= n || time.Now().After(deadline) {
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// setMethod sets the HTTP method of a gateway event of any shape.
func setMethod(m map[string]any, method string) {
	if _, ok := m["httpMethod"]; ok {
		m["httpMethod"] = method
		return
	}
	gatewaytest.Object(gatewaytest.Object(m, "requestContext"), "http")["method"] = method
}

// TestBootstrapTelemetry runs the bootstrap with CORS and record headers
// on: a browser's preflight through every gateway shape, then a success
// and a failure, and checks the replies' headers, the one log line per
// request, the EMF lines and the record headers read back from Kafka.
func TestBootstrapTelemetry(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.New(t, 1, "demo")
	api := newRuntimeAPI(t)
	api.proc = gatewaytest.Start(t, bootstrap,
		"AWS_LAMBDA_RUNTIME_API="+api.addr(),
		"KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS=datahub-demo=demo",
		"DATAHUB_AUTH=none",
		"DATAHUB_CORS_ORIGINS=https://app.example",
		"DATAHUB_RECORD_HEADERS=request-id,source-ip,received,traceparent",
	)
	const origin = "https://app.example"
	for i, s := range shapes {
		t.Run("preflight "+s.name, func(t *testing.T) {
			m := gatewaytest.Event(t, filepath.Join("..", "..", "events", s.event))
			setMethod(m, "OPTIONS")
			m["body"] = ""
			gatewaytest.SetHeader(m, "Origin", origin)
			gatewaytest.SetHeader(m, "Access-Control-Request-Method", "POST")
			gatewaytest.SetHeader(m, "Access-Control-Request-Headers", "authorization,content-type,x-tc-action")
			res := api.invoke(t, fmt.Sprintf("c0ffee00-0000-4000-8000-0000000c0%03d", i), gatewaytest.Marshal(t, m))
			var r gatewayResponse
			if err := json.Unmarshal(res.Body, &r); err != nil || res.Kind != "response" {
				t.Fatalf("%s %s", res.Kind, res.Body)
			}
			t.Logf("%s preflight answer: %s", s.name, res.Body)
			h := r.Headers
			if s.multiValue {
				h = map[string]string{}
				for k, vs := range r.MultiValueHeaders {
					h[k] = vs[0]
				}
			}
			if r.StatusCode != 204 || h["Access-Control-Allow-Origin"] != origin || !strings.Contains(h["Access-Control-Allow-Methods"], "POST") ||
				!strings.Contains(h["Access-Control-Allow-Headers"], "X-TC-Action") || !strings.Contains(h["Access-Control-Allow-Headers"], "Authorization") {
				t.Errorf("preflight answer %s", res.Body)
			}
		})
	}

	payload, err := os.ReadFile(filepath.Join("..", "..", "events", "rest-api.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(payload, &m)
	const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	gatewaytest.SetHeader(m, "Origin", origin)
	gatewaytest.SetHeader(m, "Traceparent", traceparent)
	res := api.invoke(t, "c0ffee00-0000-4000-8000-00000000a001", gatewaytest.Marshal(t, m))
	var r gatewayResponse
	json.Unmarshal(res.Body, &r)
	const requestID = "deef4878-7910-11e6-8f14-25afc3e9ae33" // the event's
	if r.Headers["X-TC-RequestId"] != requestID || r.Headers["Access-Control-Allow-Origin"] != origin ||
		r.Headers["Access-Control-Expose-Headers"] != "X-TC-RequestId" {
		t.Errorf("success reply headers %v", r.Headers)
	}
	m["body"] = `{"DataHubId":"datahub-nope","Message":[{"Body":"lost"}]}`
	api.invoke(t, "c0ffee00-0000-4000-8000-00000000a002", gatewaytest.Marshal(t, m))

	// The records carry the configured headers.
	recs := cluster.ReadAll(t, "demo")
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	got := map[string]string{}
	for _, h := range recs[0].Headers {
		got[h.Key] = string(h.Value)
	}
	if got["httpkafka-request-id"] != requestID || got["httpkafka-source-ip"] != "192.168.196.186" ||
		got["traceparent"] != traceparent || got["x-amzn-trace-id"] != traceHeader || len(got["httpkafka-received"]) != len("2006-01-02T15:04:05.000Z") {
		t.Errorf("record headers %v", got)
	}

	// One INFO line per request (preflights included), the first one a
	// cold start; one EMF line per request.
	var reqLines, emf []map[string]any
	n := len(shapes) + 2
	isEMF := func(l map[string]any) bool { return l["_aws"] != nil }
	for _, l := range logLines(t, api.proc, n, isEMF) {
		switch {
		case l["msg"] == "request":
			reqLines = append(reqLines, l)
		case l["_aws"] != nil:
			emf = append(emf, l)
		}
	}
	if len(reqLines) != n || len(emf) != n {
		t.Fatalf("%d request lines and %d EMF lines, want %d each:\n%s", len(reqLines), len(emf), n, api.proc.Stderr())
	}
	ok, bad := reqLines[n-2], reqLines[n-1]
	if reqLines[0]["cold_start"] != true || ok["cold_start"] != false || ok["code"] != "OK" || ok["messages"] != 2.0 ||
		ok["request_id"] != requestID || ok["source_ip"] != "192.168.196.186" || ok["datahub_id"] != "datahub-demo" {
		t.Errorf("success line %v (first line %v)", ok, reqLines[0])
	}
	if bad["code"] != "ResourceNotFound" || bad["error"] != "access point datahub-nope does not exist" {
		t.Errorf("failure line %v", bad)
	}
	if emf[n-2]["DataHubId"] != "datahub-demo" || emf[n-2]["Code"] != "OK" || emf[n-2]["Messages"] != 2.0 || emf[0]["ColdStart"] != 1.0 {
		t.Errorf("EMF lines %v", emf)
	}
	t.Logf("success line: %v\nEMF line: %v", ok, emf[n-2])
}

// TestBootstrapLambdaLogControls: with Lambda's advanced logging controls
// set to JSON, lines carry timestamp, level, message and requestId as
// Lambda expects, and AWS_LAMBDA_LOG_LEVEL filters them.
func TestBootstrapLambdaLogControls(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.New(t, 1, "demo")
	payload, err := os.ReadFile(filepath.Join("..", "..", "events", "rest-api.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []string{"INFO", "WARN"} {
		api := newRuntimeAPI(t)
		api.proc = gatewaytest.Start(t, bootstrap,
			"AWS_LAMBDA_RUNTIME_API="+api.addr(),
			"KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","),
			"DATAHUB_ACCESS_POINTS=datahub-demo=demo",
			"DATAHUB_AUTH=none",
			"AWS_LAMBDA_LOG_FORMAT=JSON",
			"AWS_LAMBDA_LOG_LEVEL="+level,
		)
		api.invoke(t, "c0ffee00-0000-4000-8000-00000000b001", payload)
		var lines []map[string]any
		isEMF := func(l map[string]any) bool { return l["_aws"] != nil } // written after the request line
		for _, l := range logLines(t, api.proc, 1, isEMF) {
			if l["message"] == "request" {
				lines = append(lines, l)
			}
		}
		if level == "WARN" {
			if len(lines) != 0 {
				t.Errorf("AWS_LAMBDA_LOG_LEVEL=WARN logged %v", lines)
			}
			continue
		}
		if len(lines) != 1 {
			t.Fatalf("%d request lines, want 1:\n%s", len(lines), api.proc.Stderr())
		}
		l := lines[0]
		if l["level"] != "INFO" || l["timestamp"] == nil || l["requestId"] != "c0ffee00-0000-4000-8000-00000000b001" || l["code"] != "OK" {
			t.Errorf("Lambda JSON line %v", l)
		}
		t.Logf("Lambda JSON line: %v", l)
	}
}
