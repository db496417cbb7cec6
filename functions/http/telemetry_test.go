package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	ckafka "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/ckafka/v20190819"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"httpkafka/internal/kafkatest"
)

// requestLines waits up to 5s for n "request" lines in the server's JSON
// log and returns every JSON line.
func requestLines(t *testing.T, s *server, n int) (all, reqs []map[string]any) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		all, reqs = nil, nil
		for _, line := range strings.Split(s.logs.String(), "\n") {
			var m map[string]any
			if line == "" {
				continue
			}
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line is not JSON (stderr is no terminal): %q", line)
			}
			all = append(all, m)
			if m["msg"] == "request" {
				reqs = append(reqs, m)
			}
		}
		if len(reqs) >= n || time.Now().After(deadline) {
			return all, reqs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signatures records the Authorization headers an SDK client sends.
type signatures struct {
	mu   sync.Mutex
	seen []string
}

func (s *signatures) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.seen = append(s.seen, r.Header.Get("Authorization"))
	s.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRequestLog signs requests with the official SDK against the binary
// (local mode, signatures on): each request leaves exactly one JSON INFO
// line with its figures, and no line holds a body, a key, the SecretKey or
// a signature. The replies carry X-TC-RequestId; /healthz, /readyz and
// /metrics answer; a browser's preflight is answered.
func TestRequestLog(t *testing.T) {
	const (
		id, key = "AKIDhttpLogTest0001", "httpLogTestSecretKey0123456789ab"
		body    = "body-marker-7f3a"
		msgKey  = "key-marker-91c2"
	)
	s := start(t, "DATAHUB_CREDENTIALS="+id+":"+key, "DATAHUB_CORS_ORIGINS=https://app.example")
	sigs := &signatures{}
	client := func(secret string) *ckafka.Client {
		cpf := profile.NewClientProfile()
		cpf.HttpProfile.Endpoint = strings.TrimPrefix(s.endpoint, "http://")
		cpf.HttpProfile.Scheme = "HTTP"
		c, err := ckafka.NewClient(common.NewCredential(id, secret), "ap-guangzhou", cpf)
		if err != nil {
			t.Fatal(err)
		}
		c.WithHttpTransport(sigs)
		return c
	}
	send := func(c *ckafka.Client) (*ckafka.SendMessageResponse, error) {
		req := ckafka.NewSendMessageRequest()
		req.DataHubId = common.StringPtr("datahub-local")
		req.Message = []*ckafka.BatchContent{{Body: common.StringPtr(body), Key: common.StringPtr(msgKey)}}
		return c.SendMessage(req)
	}
	ok, err := send(client(key))
	if err != nil {
		t.Fatalf("signed request: %v", err)
	}
	if _, err := send(client("wrongSecretKey0123456789abcdefgh")); err == nil || !strings.Contains(err.Error(), "AuthFailure.SignatureFailure") {
		t.Fatalf("badly signed request: %v", err)
	}

	// The RequestId is a response header too, and an allowed origin
	// gets the CORS headers on the actual response.
	r, resp := post(t, s.endpoint, `{"DataHubId":"datahub-nope","Message":[{"Body":"x"}]}`, map[string]string{"Origin": "https://app.example"})
	if got := resp.Header.Get("X-TC-RequestId"); got == "" || got != r.Response.RequestId {
		t.Errorf("X-TC-RequestId %q, envelope RequestId %q", got, r.Response.RequestId)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || resp.Header.Get("Access-Control-Expose-Headers") != "X-TC-RequestId" {
		t.Errorf("CORS headers on the reply: %v", resp.Header)
	}
	// A browser's preflight.
	pre, _ := http.NewRequest("OPTIONS", s.endpoint, nil)
	pre.Header.Set("Origin", "https://app.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-tc-action,x-tc-timestamp,x-tc-version")
	presp, err := http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	if presp.StatusCode != 204 || presp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(presp.Header.Get("Access-Control-Allow-Headers"), "X-TC-Timestamp") {
		t.Errorf("preflight: %d %v", presp.StatusCode, presp.Header)
	}
	// A preflight from an origin not on the list gets no CORS headers.
	pre.Header.Set("Origin", "https://evil.example")
	presp, err = http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	if presp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin allowed: %v", presp.Header)
	}

	_, reqs := requestLines(t, s, 5)
	if len(reqs) != 5 {
		t.Fatalf("%d request lines for 5 requests:\n%s", len(reqs), s.logs.String())
	}
	first := reqs[0]
	if first["request_id"] != *ok.Response.RequestId || first["code"] != "OK" || first["datahub_id"] != "datahub-local" ||
		first["topic"] != "local" || first["messages"] != 1.0 || first["source_ip"] != "127.0.0.1" || first["cold_start"] != true || first["level"] != "INFO" {
		t.Errorf("success line %v", first)
	}
	if a, _ := first["auth_ms"].(float64); a <= 0 {
		t.Errorf("success line auth_ms %v, want the signature check timed", first["auth_ms"])
	}
	if reqs[1]["code"] != "AuthFailure.SignatureFailure" || reqs[1]["cold_start"] != false {
		t.Errorf("failure line %v", reqs[1])
	}
	t.Logf("success: %v\nfailure: %v", first, reqs[1])

	raw := s.logs.String()
	secrets := []string{body, msgKey, key, "wrongSecretKey"}
	sigs.mu.Lock()
	for _, auth := range sigs.seen {
		m := regexp.MustCompile(`Signature=([0-9a-f]{64})`).FindStringSubmatch(auth)
		if m == nil {
			t.Fatalf("no signature in %q", auth)
		}
		secrets = append(secrets, m[1])
	}
	sigs.mu.Unlock()
	for _, secret := range secrets {
		if strings.Contains(raw, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}

	// Health, readiness and metrics.
	if code, b := get(t, s.endpoint+"healthz"); code != 200 || b != "ok\n" {
		t.Errorf("/healthz: %d %q", code, b)
	}
	if code, b := get(t, s.endpoint+"readyz"); code != 200 || b != "ready\n" {
		t.Errorf("/readyz: %d %q", code, b)
	}
	code, metrics := get(t, s.endpoint+"metrics")
	for _, want := range []string{
		`httpkafka_requests_total{code="OK",datahub_id="datahub-local"} 1`,
		`httpkafka_requests_total{code="AuthFailure.SignatureFailure",datahub_id="unknown"} 1`,
		`httpkafka_messages_total{code="OK",datahub_id="datahub-local"} 1`,
		`httpkafka_produce_duration_seconds_bucket{datahub_id="datahub-local",le="+Inf"} 1`,
		`httpkafka_cold_starts_total 1`,
		`httpkafka_kafka_buffered_produce_records_total 0`,
		`httpkafka_kafka_connects_total{node_id=`,
	} {
		if code != 200 || !strings.Contains(metrics, want) {
			t.Errorf("/metrics (%d) lacks %s", code, want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", metrics)
	}
}

// TestReadiness: with a real cluster where one access point's topic is
// missing, /readyz answers 503 naming it, the start-up check warns about
// it, and the service still starts and serves the other access point.
func TestReadiness(t *testing.T) {
	cluster := kafkatest.New(t, 1, "demo")
	s := start(t,
		"KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS=datahub-demo=demo,datahub-gone=gone",
		"DATAHUB_AUTH=none",
	)
	code, b := get(t, s.endpoint+"readyz")
	if code != 503 || !strings.Contains(b, "topics do not exist: gone") {
		t.Errorf("/readyz: %d %q, want 503 naming topic gone", code, b)
	}
	if r, _ := post(t, s.endpoint, `{"DataHubId":"datahub-demo","Message":[{"Body":"x"}]}`, nil); r.Response.Error != nil {
		t.Errorf("not ready for one access point, but the other must work: %+v", r.Response.Error)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.logs.String(), "start-up check: kafka is not ready") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "start-up check: kafka is not ready") || !strings.Contains(logs, "gone") {
		t.Errorf("no start-up warning naming topic gone:\n%s", logs)
	}
	// Unknown paths stay SendMessage; a POST to /readyz too.
	if r, _ := post(t, s.endpoint+"readyz", `{"DataHubId":"datahub-demo","Message":[{"Body":"y"}]}`, nil); r.Response.Error != nil {
		t.Errorf("POST /readyz: %+v", r.Response.Error)
	}
}

// TestLogFormat: LOG_FORMAT=text writes text lines; json (and the default
// when stderr is not a terminal) JSON.
func TestLogFormat(t *testing.T) {
	s := start(t, "LOG_FORMAT=text")
	post(t, s.endpoint, `{"DataHubId":"datahub-local","Message":[{"Body":"x"}]}`, nil)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.logs.String(), "msg=request") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "level=INFO msg=request request_id=") || !strings.Contains(logs, "code=OK") {
		t.Errorf("LOG_FORMAT=text wrote:\n%s", logs)
	}
}
