package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/app"
	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/platformtest"
)

// bootstrap is the function binary, built once by TestMain the way
// `make build` builds it.
var bootstrap string

func TestMain(m *testing.M) {
	gatewaytest.TestMainWithBinary(m, &bootstrap, "bootstrap", "lambda.norpc")
}

// runtimeAPI is the Lambda Runtime API as the bootstrap sees it, for one
// test; proc is the function process, whose exit fails an invocation at
// once.
type runtimeAPI struct {
	*platformtest.RuntimeAPI
	proc *gatewaytest.Process
}

func newRuntimeAPI(t *testing.T) *runtimeAPI {
	api, err := platformtest.NewRuntimeAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Close)
	return &runtimeAPI{RuntimeAPI: api}
}

func (api *runtimeAPI) addr() string { return api.Addr() }

// invoke queues one invocation with 15s to answer and waits for the
// function's answer.
func (api *runtimeAPI) invoke(t *testing.T, id string, payload []byte) platformtest.Result {
	t.Helper()
	res, _ := api.invokeWithin(t, id, payload, 15*time.Second)
	return res
}

// invokeWithin queues one invocation that the function must answer within
// timeout of receiving it, waits for the answer, and returns it with the
// invocation's deadline.
func (api *runtimeAPI) invokeWithin(t *testing.T, id string, payload []byte, timeout time.Duration) (platformtest.Result, time.Time) {
	t.Helper()
	inv := api.Queue(id, payload, timeout)
	res, err := inv.Wait(timeout+20*time.Second, api.proc.Exited())
	if err != nil {
		t.Fatal(err)
	}
	return res, inv.Deadline
}

// shape is one gateway: its ready-made event in events/ and how to read
// its response.
type shape struct {
	name, event string
	// requestID is the RequestId the envelope must carry ("" = the
	// Lambda invocation id).
	requestID string
	// multiValue responses carry Content-Type in multiValueHeaders.
	multiValue bool
	alb        bool
}

var shapes = []shape{
	{name: "rest-api", event: "rest-api.json", requestID: "deef4878-7910-11e6-8f14-25afc3e9ae33"},
	{name: "http-api", event: "http-api.json", requestID: "LV7fzho-PHcEJPw="},
	{name: "function-url", event: "function-url.json", requestID: "id"},
	{name: "alb", event: "alb.json", alb: true},
	{name: "alb-multivalue", event: "alb-multivalue.json", alb: true, multiValue: true},
}

// gatewayResponse is the union of the shapes' responses.
type gatewayResponse struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription *string             `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// check reads a response of shape s and returns its envelope.
func (s shape) check(t *testing.T, res platformtest.Result) string {
	t.Helper()
	if res.Kind != "response" {
		t.Fatalf("function failed the invocation: %s", res.Body)
	}
	t.Logf("%s response: %s", s.name, res.Body)
	var raw map[string]json.RawMessage
	var r gatewayResponse
	if err := json.Unmarshal(res.Body, &raw); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	json.Unmarshal(res.Body, &r)
	if r.StatusCode != 200 || r.IsBase64Encoded {
		t.Errorf("statusCode %d isBase64Encoded %v, want 200 false", r.StatusCode, r.IsBase64Encoded)
	}
	switch {
	case s.multiValue:
		if _, ok := raw["headers"]; ok || len(r.MultiValueHeaders["Content-Type"]) != 1 || r.MultiValueHeaders["Content-Type"][0] != "application/json" {
			t.Errorf("multi-value ALB response headers: %s", res.Body)
		}
	default:
		if _, ok := raw["multiValueHeaders"]; ok || r.Headers["Content-Type"] != "application/json" {
			t.Errorf("response headers: %s", res.Body)
		}
	}
	if s.alb != (r.StatusDescription != nil) || (s.alb && *r.StatusDescription != "200 OK") {
		t.Errorf("statusDescription: %s", res.Body)
	}
	return r.Body
}

type envelope struct {
	Response struct {
		MessageId []string
		Error     *struct{ Code, Message string }
		RequestId string
	}
}

// TestBootstrap runs the bootstrap binary against a Runtime API served
// here and a kfake cluster: each gateway's ready-made event from events/
// (a success) and the same event for an unknown access point (an API
// error), then reads the records back from Kafka.
func TestBootstrap(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.New(t, 3, "demo")
	api := newRuntimeAPI(t)
	api.proc = gatewaytest.Start(t, bootstrap,
		"AWS_LAMBDA_RUNTIME_API="+api.addr(),
		"KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS=datahub-demo=demo",
		"DATAHUB_AUTH=none", // signing has its own end-to-end tests
		"LOG_LEVEL=DEBUG",
	)
	type sent struct {
		id   string // MessageId
		body string
		key  string
	}
	var written []sent
	// answer is one shape's two envelopes, made comparable; a shape
	// whose subtest failed has none.
	type answer struct{ shape, ok, bad string }
	var answers []answer
	for i, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("..", "..", "events", s.event))
			if err != nil {
				t.Fatal(err)
			}
			lambdaID := fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i)
			wantID := s.requestID
			if wantID == "" {
				wantID = lambdaID
			}

			body := s.check(t, api.invoke(t, lambdaID, payload))
			var env envelope
			if err := json.Unmarshal([]byte(body), &env); err != nil {
				t.Fatalf("envelope: %v: %s", err, body)
			}
			if env.Response.Error != nil || len(env.Response.MessageId) != 2 || env.Response.RequestId != wantID {
				t.Fatalf("success envelope %s, want 2 MessageIds and RequestId %s", body, wantID)
			}
			written = append(written,
				sent{env.Response.MessageId[0], "hello from " + s.name, "user-1"},
				sent{env.Response.MessageId[1], "second message, no key", ""})
			okEnvelope := gatewaytest.Comparable(body)

			var m map[string]any
			json.Unmarshal(payload, &m)
			m["body"] = `{"DataHubId":"datahub-nope","Message":[{"Body":"lost"}]}`
			bad, _ := json.Marshal(m)
			wantErrID := s.requestID
			if wantErrID == "" {
				wantErrID = lambdaID + "-e"
			}
			body = s.check(t, api.invoke(t, lambdaID+"-e", bad))
			env = envelope{}
			json.Unmarshal([]byte(body), &env)
			if env.Response.Error == nil || env.Response.Error.Code != "ResourceNotFound" || env.Response.RequestId != wantErrID {
				t.Errorf("error envelope %s, want ResourceNotFound", body)
			}
			answers = append(answers, answer{s.name, okEnvelope, gatewaytest.Comparable(body)})
		})
	}
	t.Run("identical envelopes", func(t *testing.T) {
		// The same envelopes as SCF's (its test checks the same strings).
		wantOK := `{"Response":{"MessageId":["datahub-demo:demo:<partition>:<offset>:<received>:<sent>","datahub-demo:demo:<partition>:<offset>:<received>:<sent>"],"RequestId":"<id>"}}`
		wantBad := `{"Response":{"Error":{"Code":"ResourceNotFound","Message":"access point datahub-nope does not exist"},"RequestId":"<id>"}}`
		if len(answers) != len(shapes) {
			t.Errorf("%d of %d shapes answered both requests", len(answers), len(shapes))
		}
		for _, a := range answers {
			if a.ok != wantOK || a.bad != wantBad {
				t.Errorf("%s answers differently:\n%s\n%s\nwant\n%s\n%s", a.shape, a.ok, a.bad, wantOK, wantBad)
			}
		}
	})
	t.Run("records", func(t *testing.T) {
		recs := cluster.ReadAll(t, "demo")
		if len(recs) != len(written) {
			t.Fatalf("%d records in demo, want %d", len(recs), len(written))
		}
		at := map[string]string{}
		for _, r := range recs {
			at[fmt.Sprintf("datahub-demo:demo:%d:%d:", r.Partition, r.Offset)] = string(r.Key) + "|" + string(r.Value)
		}
		for _, w := range written {
			prefix := w.id[:strings.LastIndex(w.id[:strings.LastIndexByte(w.id, ':')], ":")+1]
			if got := at[prefix]; got != w.key+"|"+w.body {
				t.Errorf("record %s = %q, want %q", w.id, got, w.key+"|"+w.body)
			}
		}
	})
	t.Run("not a gateway event", func(t *testing.T) {
		res := api.invoke(t, "c0ffee00-0000-4000-8000-00000000ffff", []byte(`{"Records":[{"eventSource":"aws:s3"}]}`))
		if res.Kind != "error" || !strings.Contains(string(res.Body), "not an API Gateway, function URL or ALB event") {
			t.Errorf("got %s %s, want an invocation error", res.Kind, res.Body)
		}
	})
}

// TestBootstrapConfigError checks that a function without KAFKA_BROKERS
// reports an init error naming it and exits.
func TestBootstrapConfigError(t *testing.T) {
	t.Parallel()
	api := newRuntimeAPI(t)
	p := gatewaytest.Start(t, bootstrap, "AWS_LAMBDA_RUNTIME_API="+api.addr(), "DATAHUB_ACCESS_POINTS=datahub-demo=demo")
	select {
	case body := <-api.InitError():
		if !strings.Contains(string(body), "KAFKA_BROKERS") {
			t.Errorf("init error %s does not name KAFKA_BROKERS", body)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no init error")
	}
	err, exited := p.Wait(10 * time.Second)
	if !exited || err == nil {
		t.Errorf("process exited=%v err=%v, want a non-zero exit", exited, err)
	}
	if !strings.Contains(p.Stderr(), `"level":"ERROR"`) {
		t.Errorf("no JSON error log: %s", p.Stderr())
	}
}

// TestBootstrapDeadline: with a Kafka that never answers produce, the
// reply, a FailedOperation envelope, still reaches the Runtime API before
// the invocation's deadline, when Lambda would stop the function.
func TestBootstrapDeadline(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.New(t, 1, "demo")
	cluster.StallProduce(t)
	api := newRuntimeAPI(t)
	api.proc = gatewaytest.Start(t, bootstrap,
		"AWS_LAMBDA_RUNTIME_API="+api.addr(),
		"KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS=datahub-demo=demo",
		"DATAHUB_AUTH=none",
	)
	payload, err := os.ReadFile(filepath.Join("..", "..", "events", "rest-api.json"))
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 1500 * time.Millisecond
	res, deadline := api.invokeWithin(t, "c0ffee00-0000-4000-8000-0000000dead1", payload, timeout)
	body := shapes[0].check(t, res)
	var env envelope
	if err := json.Unmarshal([]byte(body), &env); err != nil || env.Response.Error == nil || env.Response.Error.Code != "FailedOperation" {
		t.Errorf("envelope %s, want FailedOperation", body)
	}
	given := deadline.Add(-timeout)
	if res.At.After(deadline) {
		t.Errorf("answered %s after the invocation, %s past its deadline", res.At.Sub(given), res.At.Sub(deadline))
	}
	t.Logf("deadline %s after the invocation, answered after %s (%s to spare)",
		timeout, res.At.Sub(given).Round(time.Millisecond), deadline.Sub(res.At).Round(time.Millisecond))
}

// TestProvisionedConcurrencyConnectsDuringInit: initialised for provisioned
// concurrency, the function has its producer id (and so its connections)
// before it polls for the first invocation; on demand it gets it beside
// that poll, before any invocation; against an unreachable Kafka the init
// still ends within the warm-up bound.
func TestProvisionedConcurrencyConnectsDuringInit(t *testing.T) {
	t.Parallel()
	for _, initType := range []string{"provisioned-concurrency", "on-demand"} {
		t.Run(initType, func(t *testing.T) {
			t.Parallel()
			cluster := kafkatest.New(t, 3, "demo")
			gotID := cluster.ProducerIDRequested()
			api := newRuntimeAPI(t)
			api.proc = gatewaytest.Start(t, bootstrap,
				"AWS_LAMBDA_RUNTIME_API="+api.addr(),
				"AWS_LAMBDA_INITIALIZATION_TYPE="+initType,
				"KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","),
				"DATAHUB_ACCESS_POINTS=datahub-demo=demo",
				"DATAHUB_AUTH=none",
				"LOG_LEVEL=DEBUG",
			)
			select {
			case <-api.Polled():
			case <-time.After(20 * time.Second):
				t.Fatal("no poll for an invocation")
			}
			if initType == "provisioned-concurrency" {
				select {
				case <-gotID:
				default:
					t.Fatal("the function polled before it had a producer id")
				}
			}
			select {
			case <-gotID:
			case <-time.After(10 * time.Second):
				t.Fatal("no producer id asked for without an invocation")
			}
		})
	}
	t.Run("unreachable Kafka", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := ln.Addr().String()
		ln.Close() // nothing listens there now
		api := newRuntimeAPI(t)
		start := time.Now()
		api.proc = gatewaytest.Start(t, bootstrap,
			"AWS_LAMBDA_RUNTIME_API="+api.addr(),
			"AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency",
			"KAFKA_BROKERS="+dead,
			"DATAHUB_ACCESS_POINTS=datahub-demo=demo",
			"DATAHUB_AUTH=none",
		)
		select {
		case <-api.Polled():
			t.Logf("init ended after %s", time.Since(start))
		case <-time.After(app.WarmLimit + 10*time.Second):
			t.Fatalf("init still running after %s; the warm-up is bounded by %s", time.Since(start), app.WarmLimit)
		}
		if !strings.Contains(api.proc.Stderr(), "kafka warm-up incomplete") {
			t.Errorf("no warning about the warm-up in the log:\n%s", api.proc.Stderr())
		}
	})
}
