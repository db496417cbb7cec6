package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"

	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/kafkatest"
)

// mainBin is the function binary, built once by TestMain as `make build`
// builds it (for the host's platform).
var mainBin string

func TestMain(m *testing.M) {
	bin, cleanup, err := gatewaytest.Build(".", "main")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mainBin = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// runningFunction is the running binary and an RPC client to it, as the SCF
// runtime talks to it.
type runningFunction struct {
	proc   *gatewaytest.Process
	client *rpc.Client
}

// start runs the binary on a free port with no environment of its own:
// SCF passes a function's variables with each invocation.
func start(t *testing.T) *runningFunction {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	f := &runningFunction{proc: gatewaytest.Start(t, mainBin, fmt.Sprintf("_LAMBDA_SERVER_PORT=%d", port))}
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.client, err = rpc.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			break
		}
		select {
		case <-f.proc.Exited():
			t.Fatalf("the function exited: %s", f.proc.Stderr())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("dial the function: %v", err)
		}
	}
	t.Cleanup(func() { f.client.Close() })
	f.call(t, "Function.Ping", &messages.PingRequest{}, &messages.PingResponse{})
	return f
}

// call makes one RPC with a time limit.
func (f *runningFunction) call(t *testing.T, method string, args, reply any) {
	t.Helper()
	c := f.client.Go(method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-c.Done:
		if c.Error != nil {
			t.Fatalf("%s: %v", method, c.Error)
		}
	case <-f.proc.Exited():
		t.Fatalf("%s: the function exited", method)
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: no answer", method)
	}
}

// invoke sends one event with the function's environment variables.
func (f *runningFunction) invoke(t *testing.T, id string, payload []byte, env map[string]string) *messages.InvokeResponse {
	t.Helper()
	envJSON, _ := json.Marshal(env)
	deadline := time.Now().Add(15 * time.Second)
	req := &messages.InvokeRequest{
		Payload:   payload,
		RequestId: id,
		Deadline:  messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
		Namespace: "default", FunctionName: "httpkafka", FunctionVersion: "$LATEST",
		MemoryLimitInMb: 128, TimeLimitInMs: 15000,
		Environment:        string(envJSON),
		TencentcloudRegion: "ap-guangzhou",
	}
	var resp messages.InvokeResponse
	f.call(t, "Function.Invoke", req, &resp)
	return &resp
}

type integratedResponse struct {
	IsBase64Encoded *bool             `json:"isBase64Encoded"`
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
}

type envelope struct {
	Response struct {
		MessageId []string
		Error     *struct{ Code, Message string }
		RequestId string
	}
}

// check reads an integrated response and returns its envelope.
func check(t *testing.T, resp *messages.InvokeResponse) (string, envelope) {
	t.Helper()
	if resp.Error != nil {
		t.Fatalf("function failed the invocation: %+v", resp.Error)
	}
	t.Logf("scf-apigw response: %s", resp.Payload)
	var r integratedResponse
	if err := json.Unmarshal(resp.Payload, &r); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	if r.StatusCode != 200 || r.IsBase64Encoded == nil || *r.IsBase64Encoded || r.Headers["Content-Type"] != "application/json" {
		t.Errorf("integrated response %s, want status 200, isBase64Encoded false, JSON content type", resp.Payload)
	}
	var env envelope
	if err := json.Unmarshal([]byte(r.Body), &env); err != nil {
		t.Fatalf("envelope: %v: %s", err, r.Body)
	}
	return r.Body, env
}

// TestMainBinary runs the SCF binary as the Go1 runtime does (net/rpc on
// _LAMBDA_SERVER_PORT, environment sent with each invocation) against a
// kfake cluster, and reads the records back.
func TestMainBinary(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.New(t, 3, "demo")
	f := start(t)
	env := map[string]string{
		"KAFKA_BROKERS":         strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS": "datahub-demo=demo",
		"DATAHUB_AUTH":          "none", // signing has its own end-to-end tests
		"LOG_LEVEL":             "DEBUG",
	}
	payload, err := os.ReadFile(filepath.Join("..", "..", "events", "scf-apigw.json"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("config read on invocation", func(t *testing.T) {
		// The first invocation lacks KAFKA_BROKERS: it fails, naming it;
		// the next one, with the full environment, works.
		resp := f.invoke(t, "inv-0", payload, map[string]string{"DATAHUB_ACCESS_POINTS": "datahub-demo=demo", "DATAHUB_AUTH": "none"})
		if resp.Error == nil || !strings.Contains(resp.Error.Message, "KAFKA_BROKERS") {
			t.Fatalf("invocation without KAFKA_BROKERS: %+v, want an error naming it", resp.Error)
		}
		t.Logf("config error: %+v", *resp.Error)
	})

	var ids []string
	t.Run("success", func(t *testing.T) {
		body, env := check(t, f.invoke(t, "inv-1", payload, env))
		if env.Response.Error != nil || len(env.Response.MessageId) != 2 || env.Response.RequestId != "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" {
			t.Fatalf("envelope %s, want 2 MessageIds and the gateway's requestId", body)
		}
		ids = env.Response.MessageId
		// The same envelope as every AWS gateway's (their test checks the same string).
		want := `{"Response":{"MessageId":["datahub-demo:demo:<partition>:<offset>:<received>:<sent>","datahub-demo:demo:<partition>:<offset>:<received>:<sent>"],"RequestId":"<id>"}}`
		if got := gatewaytest.Comparable(body); got != want {
			t.Errorf("envelope %s, want %s", got, want)
		}
	})
	t.Run("API error", func(t *testing.T) {
		var m map[string]any
		json.Unmarshal(payload, &m)
		m["body"] = `{"DataHubId":"datahub-nope","Message":[{"Body":"lost"}]}`
		delete(m["requestContext"].(map[string]any), "requestId") // the invocation id answers instead
		bad, _ := json.Marshal(m)
		body, env := check(t, f.invoke(t, "inv-2", bad, env))
		if env.Response.Error == nil || env.Response.Error.Code != "ResourceNotFound" || env.Response.RequestId != "inv-2" {
			t.Errorf("envelope %s, want ResourceNotFound with RequestId inv-2", body)
		}
		// The same envelope as every AWS gateway's (their test checks the same string).
		want := `{"Response":{"Error":{"Code":"ResourceNotFound","Message":"access point datahub-nope does not exist"},"RequestId":"<id>"}}`
		if got := gatewaytest.Comparable(body); got != want {
			t.Errorf("envelope %s, want %s", got, want)
		}
	})
	t.Run("not an API Gateway event", func(t *testing.T) {
		resp := f.invoke(t, "inv-3", []byte(`{"Type":"Timer","TriggerName":"t","Time":"2026-11-24T00:00:00Z","Message":""}`), env)
		if resp.Error == nil || !strings.Contains(resp.Error.Message, "not an API Gateway trigger event") {
			t.Errorf("timer event: %+v, want an invocation error", resp.Error)
		}
	})
	t.Run("records", func(t *testing.T) {
		if len(ids) != 2 {
			t.Skip("no success")
		}
		recs := cluster.ReadAll(t, "demo")
		at := map[string]string{}
		for _, r := range recs {
			at[fmt.Sprintf("datahub-demo:demo:%d:%d:", r.Partition, r.Offset)] = string(r.Key) + "|" + string(r.Value)
		}
		want := []string{"user-1|hello from scf-apigw", "|second message, no key"}
		for i, id := range ids {
			parts := strings.Split(id, ":")
			if got := at[strings.Join(parts[:4], ":")+":"]; got != want[i] {
				t.Errorf("record %s = %q, want %q", id, got, want[i])
			}
		}
		if len(recs) != 2 {
			t.Errorf("%d records in demo, want 2", len(recs))
		}
	})
}
