package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"

	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/kafkatest"
)

// TestTelemetry runs the SCF binary with CORS and record headers on: a
// browser's preflight through the API Gateway event, a success and a
// failure. Each request leaves one JSON INFO line with the figures CLS
// charts (SCF has no metrics endpoint); replies carry X-TC-RequestId.
func TestTelemetry(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.New(t, 1, "demo")
	f := start(t)
	env := map[string]string{
		"KAFKA_BROKERS":          strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS":  "datahub-demo=demo",
		"DATAHUB_AUTH":           "none",
		"DATAHUB_CORS_ORIGINS":   "*",
		"DATAHUB_RECORD_HEADERS": "request-id,source-ip",
	}
	// A preflight through each trigger: API Gateway and function URL.
	var resp *messages.InvokeResponse
	for _, event := range []string{"scf-apigw.json", "scf-function-url.json"} {
		m := gatewaytest.Event(t, filepath.Join("..", "..", "events", event))
		m["httpMethod"] = "OPTIONS"
		m["body"] = ""
		gatewaytest.SetHeader(m, "origin", "https://app.example")
		gatewaytest.SetHeader(m, "access-control-request-method", "POST")
		resp = f.invoke(t, "inv-pre-"+event, gatewaytest.Marshal(t, m), env)
		var r integratedResponse
		if resp.Error != nil || json.Unmarshal(resp.Payload, &r) != nil {
			t.Fatalf("%s preflight: %+v %s", event, resp.Error, resp.Payload)
		}
		t.Logf("%s preflight answer: %s", event, resp.Payload)
		if r.StatusCode != 204 || r.Headers["Access-Control-Allow-Origin"] != "*" || !strings.Contains(r.Headers["Access-Control-Allow-Headers"], "X-TC-Action") {
			t.Errorf("%s preflight answer %s", event, resp.Payload)
		}
	}

	resp = f.invoke(t, "inv-ok", readyMadeEvent(t, nil), env)
	var r integratedResponse
	json.Unmarshal(resp.Payload, &r)
	if r.Headers["X-TC-RequestId"] != "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" || r.Headers["Access-Control-Allow-Origin"] != "" {
		// No Origin header: no CORS headers.
		t.Errorf("success reply headers %v", r.Headers)
	}
	f.invoke(t, "inv-bad", readyMadeEvent(t, func(m map[string]any) {
		m["body"] = `{"DataHubId":"datahub-nope","Message":[{"Body":"lost"}]}`
	}), env)

	recs := cluster.ReadAll(t, "demo")
	if len(recs) != 2 || len(recs[0].Headers) != 2 || recs[0].Headers[0].Key != "httpkafka-request-id" ||
		string(recs[0].Headers[0].Value) != "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" || string(recs[0].Headers[1].Value) != "10.0.2.14" {
		t.Errorf("records %v", recs)
	}

	var lines []map[string]any
	for deadline := time.Now().Add(5 * time.Second); len(lines) < 4 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		lines = nil
		for _, l := range strings.Split(f.proc.Stderr(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" {
				lines = append(lines, m)
			}
		}
	}
	if len(lines) != 4 {
		t.Fatalf("%d request lines for 4 requests:\n%s", len(lines), f.proc.Stderr())
	}
	ok, bad := lines[2], lines[3]
	if lines[0]["method"] != "OPTIONS" || lines[0]["cold_start"] != true || ok["cold_start"] != false ||
		ok["code"] != "OK" || ok["messages"] != 2.0 || ok["source_ip"] != "10.0.2.14" || ok["request_bytes"].(float64) < 50 || ok["produce_ms"].(float64) <= 0 {
		t.Errorf("lines %v", lines)
	}
	if bad["code"] != "ResourceNotFound" || bad["error"] != "access point datahub-nope does not exist" || bad["datahub_id"] != "datahub-nope" {
		t.Errorf("failure line %v", bad)
	}
	t.Logf("success: %v\nfailure: %v", ok, bad)
}
