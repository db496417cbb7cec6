package main

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/rpc"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"
	"github.com/twmb/franz-go/pkg/kmsg"

	"httpkafka/internal/app"
	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/platformtest"
)

// mainBin is the function binary, built once by TestMain as `make build`
// builds it (for the host's platform).
var mainBin string

func TestMain(m *testing.M) { gatewaytest.TestMainWithBinary(m, &mainBin, "main") }

// runningFunction is the running binary and the SCF runtime's RPC client
// to it.
type runningFunction struct {
	proc *gatewaytest.Process
	scf  *platformtest.SCF
}

// start runs the binary with env, usually none (SCF passes a function's
// variables with each invocation), and waits until it answers Ping. The
// port is picked before the function binds it: when another process takes
// it in between, start tries again on another port.
func start(t *testing.T, env ...string) *runningFunction {
	t.Helper()
	for attempt := 1; ; attempt++ {
		f, err := tryStart(t, env...)
		if err == nil {
			return f
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("attempt %d: %v; trying another port", attempt, err)
	}
}

// errPortTaken is tryStart's error when the picked port was taken.
var errPortTaken = errors.New("the picked port was taken before the function bound it")

func tryStart(t *testing.T, env ...string) (*runningFunction, error) {
	t.Helper()
	port, err := platformtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	proc := gatewaytest.Start(t, mainBin, append([]string{fmt.Sprintf("_LAMBDA_SERVER_PORT=%d", port)}, env...)...)
	exited := func() error {
		if strings.Contains(proc.Stderr(), "address already in use") {
			return fmt.Errorf("%w: port %d: %s", errPortTaken, port, proc.Stderr())
		}
		return fmt.Errorf("the function exited: %s", proc.Stderr())
	}
	scf, err := platformtest.DialSCF(port, 20*time.Millisecond, 10*time.Second, proc.Exited())
	if errors.Is(err, platformtest.ErrExited) {
		return nil, exited()
	} else if err != nil {
		return nil, err
	}
	// The port may be the other process's: only the function answers Ping.
	if err := scf.Ping(10*time.Second, proc.Exited()); err != nil {
		scf.Close()
		if _, gone := proc.Wait(2 * time.Second); gone {
			return nil, exited()
		}
		return nil, err
	}
	t.Cleanup(func() { scf.Close() })
	return &runningFunction{proc: proc, scf: scf}, nil
}

// call makes one RPC with a time limit.
func (f *runningFunction) call(t *testing.T, method string, args, reply any) {
	t.Helper()
	if err := f.scf.Call(method, args, reply, 20*time.Second, f.proc.Exited()); err != nil {
		t.Fatal(err)
	}
}

// invoke sends one event with the function's environment variables and a
// deadline 15s away.
func (f *runningFunction) invoke(t *testing.T, id string, payload []byte, env map[string]string) *messages.InvokeResponse {
	t.Helper()
	var resp messages.InvokeResponse
	f.call(t, "Function.Invoke", platformtest.InvokeRequest(id, payload, env, time.Now().Add(15*time.Second)), &resp)
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
	t.Logf("integrated response: %s", resp.Payload)
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
	t.Run("function URL event", func(t *testing.T) {
		// events/scf-function-url.json: no requestContext, so the
		// invocation's id answers.
		furl, err := os.ReadFile(filepath.Join("..", "..", "events", "scf-function-url.json"))
		if err != nil {
			t.Fatal(err)
		}
		body, env := check(t, f.invoke(t, "inv-furl", furl, env))
		if env.Response.Error != nil || len(env.Response.MessageId) != 2 || env.Response.RequestId != "inv-furl" {
			t.Fatalf("envelope %s, want 2 MessageIds and the invocation's id", body)
		}
		ids = append(ids, env.Response.MessageId...)
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
	t.Run("neither a function URL nor an API Gateway event", func(t *testing.T) {
		resp := f.invoke(t, "inv-3", []byte(`{"Type":"Timer","TriggerName":"t","Time":"2026-11-24T00:00:00Z","Message":""}`), env)
		if resp.Error == nil || !strings.Contains(resp.Error.Message, "not a function URL or API Gateway trigger event") {
			t.Errorf("timer event: %+v, want an invocation error", resp.Error)
		}
	})
	t.Run("records", func(t *testing.T) {
		if len(ids) != 4 {
			t.Skip("not both successes")
		}
		recs := cluster.ReadAll(t, "demo")
		at := map[string]string{}
		for _, r := range recs {
			at[fmt.Sprintf("datahub-demo:demo:%d:%d:", r.Partition, r.Offset)] = string(r.Key) + "|" + string(r.Value)
		}
		want := []string{"user-1|hello from scf-apigw", "|second message, no key", "user-1|hello from scf-function-url", "|second message, no key"}
		for i, id := range ids {
			parts := strings.Split(id, ":")
			if got := at[strings.Join(parts[:4], ":")+":"]; got != want[i] {
				t.Errorf("record %s = %q, want %q", id, got, want[i])
			}
		}
		if len(recs) != 4 {
			t.Errorf("%d records in demo, want 4", len(recs))
		}
	})
}

// readyMadeEvent is events/scf-apigw.json, edited by edit when not nil.
func readyMadeEvent(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	m := gatewaytest.Event(t, filepath.Join("..", "..", "events", "scf-apigw.json"))
	if edit != nil {
		edit(m)
	}
	return gatewaytest.Marshal(t, m)
}

// TestShutdownDrains: SIGTERM while an invocation waits on Kafka lets it
// finish. Its reply goes out, its record is written, then the process
// exits cleanly.
func TestShutdownDrains(t *testing.T) {
	t.Parallel()
	// Kafka answers the produce after longer than the 2s the shutdown
	// gives the producer's flush: only waiting for the invocation itself
	// gets its reply out.
	const slowProduce = 2500 * time.Millisecond
	cluster := kafkatest.New(t, 1, "slow")
	produceSeen := make(chan struct{}, 1)
	cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		select {
		case produceSeen <- struct{}{}:
			cluster.SleepControl(func() { time.Sleep(slowProduce) })
		default:
		}
		return nil, nil, false
	})
	f := start(t)
	env := map[string]string{"KAFKA_BROKERS": strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS": "datahub-slow=slow", "DATAHUB_AUTH": "none"}
	payload := readyMadeEvent(t, func(m map[string]any) {
		m["body"] = `{"DataHubId":"datahub-slow","Message":[{"Body":"in flight"}]}`
	})
	var resp messages.InvokeResponse
	call := f.scf.Client.Go("Function.Invoke", platformtest.InvokeRequest("inv-slow", payload, env, time.Now().Add(15*time.Second)), &resp, make(chan *rpc.Call, 1))
	select {
	case <-produceSeen:
	case <-time.After(10 * time.Second):
		t.Fatal("the invocation never reached Kafka")
	}
	sent := time.Now()
	if err := f.proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-call.Done:
		if call.Error != nil {
			t.Fatalf("the invocation in flight at SIGTERM lost its reply: %v", call.Error)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no reply to the invocation in flight")
	}
	body, env2 := check(t, &resp)
	if env2.Response.Error != nil || len(env2.Response.MessageId) != 1 {
		t.Fatalf("in-flight invocation answered %s, want its MessageId", body)
	}
	if err, exited := f.proc.Wait(10 * time.Second); !exited || err != nil {
		t.Errorf("after SIGTERM: exited=%v err=%v, want a clean exit", exited, err)
	}
	t.Logf("reply and exit %s after SIGTERM", time.Since(sent).Round(time.Millisecond))
	if recs := cluster.ReadAll(t, "slow"); len(recs) != 1 || string(recs[0].Value) != "in flight" {
		t.Errorf("topic holds %v, want the one record", recs)
	}
}

// TestDeadline: with a Kafka that never answers produce, the reply, a
// FailedOperation envelope, still goes out before the invocation's
// deadline, when SCF would stop the function.
func TestDeadline(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.New(t, 1, "demo")
	cluster.StallProduce(t)
	f := start(t)
	env := map[string]string{"KAFKA_BROKERS": strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS": "datahub-demo=demo", "DATAHUB_AUTH": "none"}
	sent := time.Now()
	deadline := sent.Add(1500 * time.Millisecond)
	var resp messages.InvokeResponse
	f.call(t, "Function.Invoke", platformtest.InvokeRequest("inv-deadline", readyMadeEvent(t, nil), env, deadline), &resp)
	answered := time.Now()
	body, e := check(t, &resp)
	if e.Response.Error == nil || e.Response.Error.Code != "FailedOperation" {
		t.Errorf("envelope %s, want FailedOperation", body)
	}
	if answered.After(deadline) {
		t.Errorf("answered %s after the invocation, %s past its deadline", answered.Sub(sent), answered.Sub(deadline))
	}
	t.Logf("deadline %s after the invocation, answered after %s (%s to spare)",
		deadline.Sub(sent), answered.Sub(sent).Round(time.Millisecond), deadline.Sub(answered).Round(time.Millisecond))
}

// TestSignedStagePath sends events/scf-apigw.json, which comes from the
// gateway's default domain, with signatures required. A client calling
// https://<Host>/release/sendmessage signs that path, stage included,
// while the event's path leaves the stage out: the adapter puts it back,
// so the client's signature verifies and one over the event's path does
// not.
func TestSignedStagePath(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.New(t, 1, "demo")
	f := start(t)
	env := map[string]string{"KAFKA_BROKERS": strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS": "datahub-demo=demo", "DATAHUB_CREDENTIALS": "AKIDstage:stage-secret"}
	for i, c := range []struct{ signedPath, wantCode string }{
		{"/release/sendmessage", ""},
		{"/sendmessage", "AuthFailure.SignatureFailure"},
	} {
		payload := readyMadeEvent(t, func(m map[string]any) {
			signTC3(m, c.signedPath, "AKIDstage", "stage-secret", time.Now())
		})
		body, e := check(t, f.invoke(t, fmt.Sprintf("inv-%d", i), payload, env))
		code := ""
		if e.Response.Error != nil {
			code = e.Response.Error.Code
		}
		if code != c.wantCode {
			t.Errorf("signed over %s: envelope %s, want error code %q", c.signedPath, body, c.wantCode)
		}
	}
}

// signTC3 signs the event's request with TC3-HMAC-SHA256 the way the
// Node SDK does: over path as given, the Host header, and the
// content-type, for service ckafka. With no Host header it signs host
// "1250000000-abcd1234.ap-guangzhou.tencentscf.com", a function URL's.
func signTC3(m map[string]any, path, secretID, secretKey string, now time.Time) {
	h := m["headers"].(map[string]any)
	hexSHA256 := func(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	date := now.UTC().Format("2006-01-02")
	scope := date + "/ckafka/tc3_request"
	canonical := "POST\n" + path + "\n\n" +
		"content-type:" + strings.ToLower(headerValue(h, "Content-Type")) + "\nhost:" + cmp.Or(headerValue(h, "Host"), furlHost) + "\n\n" +
		"content-type;host\n" + hexSHA256(m["body"].(string))
	key := mac(mac(mac([]byte("TC3"+secretKey), date), "ckafka"), "tc3_request")
	sig := hex.EncodeToString(mac(key, "TC3-HMAC-SHA256\n"+ts+"\n"+scope+"\n"+hexSHA256(canonical)))
	h["Authorization"] = "TC3-HMAC-SHA256 Credential=" + secretID + "/" + scope + ", SignedHeaders=content-type;host, Signature=" + sig
	h["X-TC-Timestamp"] = ts
}

// TestConfigFromProcessEnvironment: with the function's variables in the
// process environment at start, the function reads them and connects to
// Kafka before it serves: it answers the runtime's first call only once it
// has its producer id, which the cluster here is slow to give, and the
// first invocation then needs no variables. Against an unreachable Kafka
// it still starts serving within the warm-up bound.
func TestConfigFromProcessEnvironment(t *testing.T) {
	t.Parallel()
	t.Run("connected before serving", func(t *testing.T) {
		t.Parallel()
		cluster := kafkatest.New(t, 3, "demo")
		const slowGrant = 300 * time.Millisecond
		granted := make(chan struct{})
		var once sync.Once
		cluster.ControlKey(int16(kmsg.InitProducerID), func(kmsg.Request) (kmsg.Response, error, bool) {
			cluster.KeepControl()
			cluster.SleepControl(func() { time.Sleep(slowGrant) })
			once.Do(func() { close(granted) }) // kfake answers next
			return nil, nil, false
		})
		began := time.Now()
		f := start(t, "KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","),
			"DATAHUB_ACCESS_POINTS=datahub-demo=demo", "DATAHUB_AUTH=none", "LOG_LEVEL=DEBUG")
		select {
		case <-granted:
			t.Logf("serving %s after start", time.Since(began).Round(time.Millisecond))
		default:
			t.Fatal("the function answered Ping before it had a producer id")
		}
		payload, err := os.ReadFile(filepath.Join("..", "..", "events", "scf-apigw.json"))
		if err != nil {
			t.Fatal(err)
		}
		_, env := check(t, f.invoke(t, "inv-1", payload, map[string]string{}))
		if env.Response.Error != nil || len(env.Response.MessageId) != 2 {
			t.Fatalf("got %+v, want two MessageIds", env.Response)
		}
		if !strings.Contains(f.proc.Stderr(), "kafka warm-up done") {
			t.Errorf("the log does not say the warm-up is done:\n%s", f.proc.Stderr())
		}
	})
	t.Run("topic missing", func(t *testing.T) {
		// The warm-up stands for the start-up check: it names what is
		// missing, and the access points whose topics exist still work.
		t.Parallel()
		cluster := kafkatest.New(t, 1, "demo")
		f := start(t, "KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","),
			"DATAHUB_ACCESS_POINTS=datahub-demo=demo,datahub-gone=gone", "DATAHUB_AUTH=none")
		logs := f.proc.Stderr()
		if !strings.Contains(logs, "kafka warm-up incomplete") || !strings.Contains(logs, "topics do not exist: gone") {
			t.Errorf("the log does not name the missing topic:\n%s", logs)
		}
		if strings.Contains(logs, "start-up check") {
			t.Errorf("Kafka checked twice at start:\n%s", logs)
		}
		payload, err := os.ReadFile(filepath.Join("..", "..", "events", "scf-apigw.json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, env := check(t, f.invoke(t, "inv-1", payload, map[string]string{})); env.Response.Error != nil {
			t.Fatalf("datahub-demo: %+v", env.Response.Error)
		}
	})
	t.Run("unreachable Kafka", func(t *testing.T) {
		t.Parallel()
		dead, err := platformtest.FreePort() // nothing listens there now
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		f := start(t, fmt.Sprintf("KAFKA_BROKERS=127.0.0.1:%d", dead),
			"DATAHUB_ACCESS_POINTS=datahub-demo=demo", "DATAHUB_AUTH=none")
		took := time.Since(began)
		t.Logf("serving %s after start", took.Round(time.Millisecond))
		if took > app.WarmLimit+5*time.Second {
			t.Errorf("serving %s after start; the warm-up is bounded by %s", took, app.WarmLimit)
		}
		if !strings.Contains(f.proc.Stderr(), "kafka warm-up incomplete") {
			t.Errorf("no warning about the warm-up in the log:\n%s", f.proc.Stderr())
		}
	})
}

// headerValue is an event header's value whatever the case of its name.
func headerValue(h map[string]any, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v.(string)
		}
	}
	return ""
}
