package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"httpkafka/internal/core"
	"httpkafka/internal/kafkatest"
)

// envelope is the TencentCloud reply, decoded the way the SDKs read it.
type envelope struct {
	Response struct {
		MessageId []string
		Error     *struct{ Code, Message string }
		RequestId string
	}
}

func decodeEnvelope(t *testing.T, resp *core.Response) envelope {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 (the SDKs drop the body of any other status)", resp.StatusCode)
	}
	if resp.ContentType != "application/json" {
		t.Fatalf("content type %q", resp.ContentType)
	}
	var env envelope
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		t.Fatalf("reply is not JSON: %v: %s", err, resp.Body)
	}
	if env.Response.RequestId == "" || env.Response.RequestId != resp.RequestID {
		t.Fatalf("RequestId %q, response says %q", env.Response.RequestId, resp.RequestID)
	}
	return env
}

func sendMessage(body string) *core.Request {
	return &core.Request{
		Method: "POST",
		Host:   "ckafka.tencentcloudapi.com",
		Path:   "/",
		Header: http.Header{
			"Content-Type": {"application/json"},
			"X-Tc-Action":  {"SendMessage"},
			"X-Tc-Version": {"2019-08-19"},
		},
		Body: []byte(body),
	}
}

func with(r *core.Request, change func(*core.Request)) *core.Request {
	change(r)
	return r
}

func messages(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"Body":"m%d"}`, i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// TestErrors covers every error code the validation answers with. None of
// these requests may write anything, which the test checks at the end.
func TestErrors(t *testing.T) {
	cluster := kafkatest.New(t, 4, "topicDev")
	svc := core.New(core.Options{
		AccessPoints: map[string]core.AccessPoint{
			"datahub-dev":    {Topic: "topicDev"},
			"datahub-paused": {Topic: "topicDev", Suspended: true},
		},
		MaxMessages:     5,
		MaxMessageBytes: 16,
		MaxRequestBytes: 1024,
		Logger:          quiet,
	}, cluster.Producer(t))

	big := strings.Repeat("x", 17)
	tests := []struct {
		name    string
		req     *core.Request
		code    string
		message string // the whole message, or a prefix ending in "..."
	}{
		{"put", with(sendMessage(`{}`), func(r *core.Request) { r.Method = "PUT" }),
			"UnsupportedProtocol", "method PUT is not supported; use POST (or GET for small requests)"},
		{"no action", with(sendMessage(`{}`), func(r *core.Request) { r.Header.Del("X-Tc-Action") }),
			"MissingParameter", "missing parameter Action (the X-TC-Action header, or Action in a form or query)"},
		{"other action", with(sendMessage(`{}`), func(r *core.Request) { r.Header.Set("X-TC-Action", "DescribeInstances") }),
			"InvalidAction", `action "DescribeInstances" does not exist; this endpoint serves SendMessage`},
		{"no version", with(sendMessage(`{}`), func(r *core.Request) { r.Header.Del("X-Tc-Version") }),
			"MissingParameter", "missing parameter Version (the X-TC-Version header, or Version in a form or query)"},
		{"other version", with(sendMessage(`{}`), func(r *core.Request) { r.Header.Set("X-TC-Version", "2017-03-12") }),
			"NoSuchVersion", `version "2017-03-12" does not exist; SendMessage is version 2019-08-19`},
		{"content type", with(sendMessage(`{}`), func(r *core.Request) { r.Header.Set("Content-Type", "text/plain") }),
			"InvalidParameter", `Content-Type "text/plain" is not supported; send application/json`},
		{"not json", sendMessage(`{"DataHubId":`),
			"InvalidParameter", "request body is not valid JSON: unexpected end of JSON input at byte 13"},
		{"trailing data", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"a"}]} {}`),
			"InvalidParameter", "request body is not valid JSON..."},
		{"array body", sendMessage(`[1,2]`),
			"InvalidParameter", "request body must be a JSON object, got array"},
		{"DataHubId type", sendMessage(`{"DataHubId":7,"Message":[]}`),
			"InvalidParameter", "DataHubId must be a string, got number"},
		{"Message type", sendMessage(`{"DataHubId":"datahub-dev","Message":"hello"}`),
			"InvalidParameter", "Message must be an array of {Body, Key} objects, got string"},
		{"message type", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"a"},"b"]}`),
			"InvalidParameter", "Message[1] must be an object with Body and Key, got string"},
		{"Body type", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"a"},{"Body":"b"},{"Body":{"x":1}}]}`),
			"InvalidParameter", "Message[2].Body must be a string, got object"},
		{"Key type", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"a","Key":12}]}`),
			"InvalidParameter", "Message[0].Key must be a string, got number"},
		{"unknown parameter", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"a"}],"Partition":3}`),
			"UnknownParameter", "unknown parameter Partition"},
		{"unknown message field", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"a"},{"Body":"b","Headers":{}}]}`),
			"UnknownParameter", "unknown parameter Message[1].Headers"},
		{"no DataHubId", sendMessage(`{"Message":[{"Body":"a"}]}`),
			"MissingParameter", "missing parameter DataHubId"},
		{"empty DataHubId", sendMessage(`{"DataHubId":"","Message":[{"Body":"a"}]}`),
			"MissingParameter", "missing parameter DataHubId"},
		{"no Message", sendMessage(`{"DataHubId":"datahub-dev"}`),
			"MissingParameter", "missing parameter Message"},
		{"null Message", sendMessage(`{"DataHubId":"datahub-dev","Message":null}`),
			"MissingParameter", "missing parameter Message"},
		{"empty Message", sendMessage(`{"DataHubId":"datahub-dev","Message":[]}`),
			"InvalidParameterValue", "Message is empty; send 1 to 5 messages"},
		{"too many messages", sendMessage(`{"DataHubId":"datahub-dev","Message":` + messages(6) + `}`),
			"InvalidParameterValue", "Message has 6 messages, limit 5"},
		{"no Body", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"a"},{"Key":"k"}]}`),
			"MissingParameter", "missing parameter Message[1].Body"},
		{"null Body", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":null}]}`),
			"MissingParameter", "missing parameter Message[0].Body"},
		{"Body too large", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"a"},{"Body":"b"},{"Body":"c"},{"Body":"` + big + `"}]}`),
			"InvalidParameterValue", "Message[3].Body is 17 bytes, limit 16"},
		{"Body and Key too large", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"0123456789","Key":"0123456"}]}`),
			"InvalidParameterValue", "Message[0] is 17 bytes (Body 10 + Key 7), limit 16"},
		{"request too large", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"` + strings.Repeat("y", 1024) + `"}]}`),
			"RequestSizeLimitExceeded", "request body is 1075 bytes, limit 1024"},
		{"unknown access point", sendMessage(`{"DataHubId":"datahub-nope","Message":[{"Body":"a"}]}`),
			"ResourceNotFound", "access point datahub-nope does not exist"},
		{"suspended", sendMessage(`{"DataHubId":"datahub-paused","Message":[{"Body":"a"}]}`),
			"FailedOperation", "task status suspended [datahub-paused]"},
		{"a bad message 7 writes nothing", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"1"},{"Body":"2"},{"Body":"3"},{"Body":"4"},{"Body":5}]}`),
			"InvalidParameter", "Message[4].Body must be a string, got number"},
		{"form: unknown parameter", with(sendMessage(`DataHubId=datahub-dev&Message.0.Body=a&Message.0.Partition=1`), func(r *core.Request) {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}), "UnknownParameter", "unknown parameter Message.0.Partition"},
		{"form: gap in messages", with(sendMessage(`DataHubId=datahub-dev&Message.0.Body=a&Message.2.Body=c`), func(r *core.Request) {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}), "MissingParameter", "missing parameter Message[1].Body"},
		{"get: too many messages", with(sendMessage(``), func(r *core.Request) {
			r.Method = "GET"
			r.RawQuery = "DataHubId=datahub-dev&Message.999999.Body=a"
		}), "InvalidParameterValue", "parameter Message.999999.Body is past the message limit: Message.0 to Message.4"},
		{"form: repeated parameter", with(sendMessage(`DataHubId=datahub-dev&DataHubId=datahub-paused&Message.0.Body=a`), func(r *core.Request) {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}), "InvalidParameter", "parameter DataHubId is given 2 times"},
		{"form: JSON sent as a form", with(sendMessage(` {"DataHubId":"datahub-dev","Message":[{"Body":"a"}]}`), func(r *core.Request) {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}), "InvalidParameter", "the body looks like JSON but its Content-Type says form: send Content-Type: application/json"},
		{"long unknown parameter is clipped", sendMessage(`{"DataHubId":"datahub-dev","Message":[{"Body":"a"}],"` + strings.Repeat("z", 300) + `":1}`),
			"UnknownParameter", "unknown parameter " + strings.Repeat("z", 64) + "..."},
		{"Body not UTF-8", sendMessage("{\"DataHubId\":\"datahub-dev\",\"Message\":[{\"Body\":\"a\"},{\"Body\":\"\xff\xfe\"}]}"),
			"InvalidParameter", "Message[1].Body is not valid UTF-8 (JSON text must be); send bytes that are not text base64-encoded"},
		{"get: action in query", with(sendMessage(``), func(r *core.Request) {
			r.Method = "GET"
			r.Header = http.Header{}
			r.RawQuery = "Action=SendMessage&Version=2020-01-01&DataHubId=datahub-dev&Message.0.Body=a"
		}), "NoSuchVersion", `version "2020-01-01" does not exist; SendMessage is version 2019-08-19`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := decodeEnvelope(t, svc.Handle(context.Background(), tt.req))
			e := env.Response.Error
			if e == nil {
				t.Fatalf("no error in %+v", env)
			}
			if e.Code != tt.code {
				t.Errorf("code %s, want %s (message %q)", e.Code, tt.code, e.Message)
			}
			if prefix, ok := strings.CutSuffix(tt.message, "..."); ok {
				if !strings.HasPrefix(e.Message, prefix) {
					t.Errorf("message %q, want it to start %q", e.Message, prefix)
				}
			} else if e.Message != tt.message {
				t.Errorf("message %q, want %q", e.Message, tt.message)
			}
			if env.Response.MessageId != nil {
				t.Errorf("error reply has MessageId %v", env.Response.MessageId)
			}
		})
	}
	for p, n := range cluster.EndOffsets(t, "topicDev") {
		if n != 0 {
			t.Errorf("partition %d holds %d records; no request above may write", p, n)
		}
	}
}

var quiet = slog.New(slog.DiscardHandler)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestID(t *testing.T) {
	svc := core.New(core.Options{Logger: quiet}, nil)
	r := sendMessage(`{}`)
	r.Method = "DELETE"
	a := decodeEnvelope(t, svc.Handle(context.Background(), r))
	b := decodeEnvelope(t, svc.Handle(context.Background(), r))
	for _, id := range []string{a.Response.RequestId, b.Response.RequestId} {
		if !uuidPattern.MatchString(id) {
			t.Errorf("RequestId %q is not a v4 UUID", id)
		}
	}
	if a.Response.RequestId == b.Response.RequestId {
		t.Errorf("two requests got the same RequestId %s", a.Response.RequestId)
	}
	r.RequestID = `gw-"1"`
	if got := decodeEnvelope(t, svc.Handle(context.Background(), r)).Response.RequestId; got != r.RequestID {
		t.Errorf("RequestId %q, want the gateway's %q", got, r.RequestID)
	}
}

// brokenProducer stands for a bug below the core: it is not Kafka, whose
// failures the kafka package's tests produce on a real cluster.
type brokenProducer struct{ panics bool }

func (b brokenProducer) Produce(context.Context, string, []core.Message, []core.Placement) error {
	if b.panics {
		panic("boom")
	}
	return errors.New("undocumented failure with secret detail")
}

func TestInternalErrorHidesDetails(t *testing.T) {
	for _, panics := range []bool{false, true} {
		svc := core.New(core.Options{AccessPoints: map[string]core.AccessPoint{"datahub-a": {Topic: "t"}}, Logger: quiet}, brokenProducer{panics})
		env := decodeEnvelope(t, svc.Handle(context.Background(), sendMessage(`{"DataHubId":"datahub-a","Message":[{"Body":"x"}]}`)))
		e := env.Response.Error
		if e == nil || e.Code != "InternalError" {
			t.Fatalf("panics=%v: got %+v, want InternalError", panics, env.Response)
		}
		if strings.Contains(e.Message, "secret") || strings.Contains(e.Message, "boom") {
			t.Errorf("InternalError message leaks the cause: %q", e.Message)
		}
	}
}

func TestDeadlineFromContext(t *testing.T) {
	// The caller's deadline (a function's invocation deadline) less the
	// reply margin bounds the request even when the timeout is longer.
	cluster := kafkatest.New(t, 1, "slow")
	cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		cluster.SleepControl(func() { time.Sleep(2 * time.Second) })
		return nil, nil, false
	})
	svc := core.New(core.Options{
		AccessPoints: map[string]core.AccessPoint{"datahub-slow": {Topic: "slow"}},
		Timeout:      time.Minute,
		ReplyMargin:  250 * time.Millisecond, // due at 350ms: 200ms of slack for a loaded machine
		Logger:       quiet,
	}, cluster.Producer(t))
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	start := time.Now()
	env := decodeEnvelope(t, svc.Handle(ctx, sendMessage(`{"DataHubId":"datahub-slow","Message":[{"Body":"x"}]}`)))
	elapsed := time.Since(start)
	if e := env.Response.Error; e == nil || e.Code != "FailedOperation" || !strings.Contains(e.Message, "may or may not have been written") {
		t.Fatalf("got %+v, want FailedOperation saying the outcome is unknown", env.Response)
	}
	if elapsed > 550*time.Millisecond {
		t.Errorf("answered after %s; the context ended at 600ms and the margin is 250ms", elapsed)
	}
}

// TestSlowUploadWritesNothing: when receiving the request used up the
// time, nothing is produced and the reply says so.
func TestSlowUploadWritesNothing(t *testing.T) {
	cluster := kafkatest.New(t, 1, "t")
	svc := core.New(core.Options{
		AccessPoints: map[string]core.AccessPoint{"datahub-a": {Topic: "t"}},
		Timeout:      time.Second,
		Logger:       quiet,
	}, cluster.Producer(t))
	r := sendMessage(`{"DataHubId":"datahub-a","Message":[{"Body":"x"},{"Body":"y"}]}`)
	r.Received = time.Now().Add(-2 * time.Second)
	e := decodeEnvelope(t, svc.Handle(context.Background(), r)).Response.Error
	// 2s, or a few milliseconds more on a loaded machine.
	if e == nil || e.Code != "FailedOperation" || !regexp.MustCompile(`^request timed out before any message was sent \(2(\.\d{1,3})?s after it was received\): 0 of 2 messages written`).MatchString(e.Message) {
		t.Fatalf("got %+v", e)
	}
	if n := cluster.EndOffsets(t, "t")[0]; n != 0 {
		t.Errorf("topic holds %d records", n)
	}
}

func TestContentTypes(t *testing.T) {
	cluster := kafkatest.New(t, 1, "t")
	svc := core.New(core.Options{AccessPoints: map[string]core.AccessPoint{"datahub-a": {Topic: "t"}}, Logger: quiet}, cluster.Producer(t))
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON", ""} {
		r := sendMessage(`{"DataHubId":"datahub-a","Message":[{"Body":"x"}]}`)
		r.Header.Set("Content-Type", ct)
		if env := decodeEnvelope(t, svc.Handle(context.Background(), r)); env.Response.Error != nil {
			t.Errorf("Content-Type %q: %+v", ct, env.Response.Error)
		}
	}
}
