package scf_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tencentyun/scf-go-lib/functioncontext"

	"httpkafka/adapters/scf"
	"httpkafka/internal/gatewaytest"
)

// invocationID is the SCF invocation id of the tests' function context;
// events without requestContext.requestId answer with it.
const invocationID = "0f6c5f2e-2a1b-4d8e-9c1a-7e3b5d9a1c42"

// asSendMessage turns a real event into a POST SendMessage to dataHubID.
func asSendMessage(m map[string]any, dataHubID string) {
	m["httpMethod"] = "POST"
	h := gatewaytest.Object(m, "headers")
	h["content-type"] = "application/json"
	h["x-tc-action"] = "SendMessage"
	h["x-tc-version"] = "2019-08-19"
	m["body"] = gatewaytest.SendMessageBody(dataHubID, "hello from "+dataHubID)
}

var goldenCases = []gatewaytest.GoldenCase{
	{Name: "apigw", Event: "tencent-scf-apigw-request-doc-sample.json", OK: true},
	{Name: "apigw-captured", Event: "tencent-scf-apigw-request-captured.json", OK: true},
	{Name: "apigw-base64", Event: "tencent-scf-apigw-request-doc-sample.json", OK: true, Edit: func(m map[string]any) {
		m["body"] = base64.StdEncoding.EncodeToString([]byte(m["body"].(string)))
		m["isBase64Encoded"] = true
	}},
	{Name: "apigw-bad-base64", Event: "tencent-scf-apigw-request-doc-sample.json", Edit: func(m map[string]any) {
		m["body"] = "not base64 at all"
		m["isBase64Encoded"] = true
	}},
	{Name: "apigw-unknown-datahub", Event: "tencent-scf-apigw-request-doc-sample.json", Edit: func(m map[string]any) {
		m["body"] = gatewaytest.SendMessageBody("datahub-nope", "lost")
	}},
	{Name: "apigw-wrong-action", Event: "tencent-scf-apigw-request-captured.json", Edit: func(m map[string]any) {
		gatewaytest.Object(m, "headers")["x-tc-action"] = "DescribeInstances"
	}},
	// Lists of numbers and flags are query values like any other: the
	// request is answered, not failed.
	{Name: "apigw-query-lists", Event: "tencent-scf-apigw-request-captured.json", OK: true, Edit: func(m map[string]any) {
		m["queryString"] = map[string]any{"a": []any{1, 2}, "b": []any{true, "x"}}
	}},
	{Name: "apigw-put", Event: "tencent-scf-apigw-request-doc-sample.json", Edit: func(m map[string]any) {
		m["httpMethod"] = "PUT"
	}},

	// The function URL event as Tencent documents it: no requestContext,
	// so the RequestId is the invocation's.
	{Name: "function-url", Event: furlEvent, OK: true},
	{Name: "function-url-unknown-datahub", Event: furlEvent, Edit: func(m map[string]any) {
		m["body"] = gatewaytest.SendMessageBody("datahub-nope", "lost")
	}},
	{Name: "function-url-bad-json", Event: furlEvent, Edit: func(m map[string]any) {
		m["body"] = `{"DataHubId":"datahub-function-url-bad-json","Message":[`
	}},
	{Name: "function-url-missing-version", Event: furlEvent, Edit: func(m map[string]any) {
		delete(m["headers"].(map[string]any), "x-tc-version")
	}},
	{Name: "function-url-get", Event: furlEvent, Edit: func(m map[string]any) {
		m["httpMethod"] = "GET" // a GET reads its parameters from the query: the sample's a=1 is none of them
	}},
}

// furlEvent is Tencent's function URL event sample (testdata/README.md).
const furlEvent = "tencent-scf-function-url-doc-sample.json"

// TestGolden sends real API Gateway trigger events, edited into SendMessage
// requests, through a real core.Service on kfake and compares the
// integrated responses with testdata/golden.
func TestGolden(t *testing.T) {
	t.Parallel()
	newCtx := func() context.Context {
		return functioncontext.NewContext(context.Background(), &functioncontext.FunctionContext{RequestID: invocationID})
	}
	gatewaytest.RunGolden(t, goldenCases, asSendMessage, newCtx, scf.Invoke)
}

// TestRequest checks the request handed to the core: canonical headers,
// the query rebuilt from the three queryString value forms, the ids.
func TestRequest(t *testing.T) {
	t.Parallel()
	m := gatewaytest.Event(t, "testdata/tencent-scf-apigw-request-captured.json")
	gatewaytest.Object(m, "headers")["x-list"] = "a, b"
	r := scf.DebugRequest(t, gatewaytest.Marshal(t, m))
	if r.RawQuery != "a=b&a=c&i&x=y" {
		t.Errorf("RawQuery = %q, want a=b&a=c&i&x=y", r.RawQuery)
	}
	if v := r.Header["X-List"]; len(v) != 1 || v[0] != "a, b" {
		t.Errorf("X-List = %q, want one value", v)
	}
	if r.Host != "service-xxx-123456.ap-shanghai.apigateway.myqcloud.com" || r.Header.Get("X-Qualifier") != "$LATEST" ||
		r.SourceIP != "8.8.8.8" || r.Method != "GET" {
		t.Errorf("request = %+v", r)
	}
	// Called on the gateway's own domain: the URL was /test/ritchiechen-apigw-test.
	if r.Path != "/test/ritchiechen-apigw-test" {
		t.Errorf("Path = %q, want the stage put back: /test/ritchiechen-apigw-test", r.Path)
	}
	for host, want := range map[string]string{
		"service-abc-1250000000.gz.apigw.tencentcs.com":     "/test/ritchiechen-apigw-test",
		"SERVICE-ABC-1250000000.GZ.APIGW.TENCENTCS.COM:443": "/test/ritchiechen-apigw-test",
		"ingest.example.com":                                "/ritchiechen-apigw-test", // a custom domain: no stage in the URL
	} {
		gatewaytest.Object(m, "headers")["host"] = host
		if got := scf.DebugRequest(t, gatewaytest.Marshal(t, m)).Path; got != want {
			t.Errorf("host %s: Path = %q, want %q", host, got, want)
		}
	}
}

// TestFunctionURLRequest checks what the function URL shape hands the
// core: the client address from x-scf-remote-addr, the path as sent, the
// query rebuilt, no gateway request id, and no Host when the event has none.
func TestFunctionURLRequest(t *testing.T) {
	t.Parallel()
	m := gatewaytest.Event(t, "testdata/"+furlEvent)
	r := scf.DebugRequest(t, gatewaytest.Marshal(t, m))
	if r.SourceIP != "111.206.96.145" || r.Path != "/" || r.RawQuery != "a=1&b=2" || r.RequestID != "" || r.Host != "" ||
		r.Method != "POST" || r.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("request = %+v", r)
	}
	gatewaytest.Object(m, "headers")["host"] = "1250000000-abcd1234.ap-guangzhou.tencentscf.com"
	m["path"] = "/sendmessage"
	if r := scf.DebugRequest(t, gatewaytest.Marshal(t, m)); r.Host != "1250000000-abcd1234.ap-guangzhou.tencentscf.com" || r.Path != "/sendmessage" {
		t.Errorf("with a host header: Host %q Path %q", r.Host, r.Path)
	}
}

// TestReadyMadeEvent checks the repository's own event, the one the
// README and the binary's test send: on the gateway's default domain, its
// path gets the stage back.
func TestReadyMadeEvent(t *testing.T) {
	t.Parallel()
	m := gatewaytest.Event(t, filepath.Join("..", "..", "events", "scf-apigw.json"))
	r := scf.DebugRequest(t, gatewaytest.Marshal(t, m))
	if r.Path != "/release/sendmessage" {
		t.Errorf("Path = %q (Host %s), want /release/sendmessage: the stage-prefix path", r.Path, r.Host)
	}
}

// TestQueryString checks the queryString value forms, alone and in lists:
// strings, numbers as their text, true as a bare name, null and false as
// no value.
func TestQueryString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, in, want string }{
		{"scalars", `{"n":1.5,"z":null,"f":false,"s":"a b&c","t":true}`, "n=1.5&s=a+b%26c&t"},
		{"list of strings", `{"a":["b","c"]}`, "a=b&a=c"},
		{"list of numbers", `{"a":[1,2]}`, "a=1&a=2"},
		{"list of mixed", `{"a":[true,"x",null,false,-3e2]}`, "a&a=x&a=-3e2"},
		{"list of nothing", `{"a":[null,false],"b":[]}`, ""},
		{"empty", `{}`, ""},
		{"null", `null`, ""},
	} {
		got, err := scf.DebugQuery(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("%s: %s encodes as %q, %v; want %q", tt.name, tt.in, got, err, tt.want)
		}
	}
}

// TestUnknownEvent checks that only payloads that are neither function URL nor API Gateway
// events are Go errors.
func TestUnknownEvent(t *testing.T) {
	t.Parallel()
	for name, payload := range map[string]string{
		"timer":               `{"Type":"Timer","TriggerName":"t","Time":"2019-02-21T11:49:00Z","Message":""}`,
		"array":               `[]`,
		"not json":            `{"httpMethod"`,
		"query not an object": `{"httpMethod":"POST","queryString":["a"]}`,
		"empty object":        `{}`,
	} {
		_, err := scf.Invoke(context.Background(), nil, []byte(payload))
		if !errors.Is(err, scf.ErrUnknownEvent) {
			t.Errorf("%s: err = %v, want ErrUnknownEvent", name, err)
		}
	}
}

// queryCases are queryString values in every form, for the walk and its
// reference.
var queryCases = []string{
	`{"n":1.5,"z":null,"f":false,"s":"a b&c","t":true}`, `{"a":["b","c"]}`, `{"a":[1,2]}`,
	`{"a":[true,"x",null,false,-3e2]}`, `{"a":[null,false],"b":[]}`, `{}`, `null`,
	` { "a" : [ 1 , { "x" : [ 2, "]" ] } , [ ] ] , "o" : { "k" : "}" } , "e" : "\u00e9\"\\" } `,
	`{"a":"1","a":null}`, `{"a":null,"a":"2"}`, `{"a":["1"],"a":[]}`,
	"{\"\xff\":\"\xfe\",\"k\":[\"\xed\xa0\x80\"]}",
	`[]`, `"a"`, `1`, `true`,
}

// FuzzQueryString: the walk decodes every queryString as the reference
// does, and fails exactly when it fails.
//
//	go test -run '^$' -fuzz FuzzQueryString ./adapters/scf
func FuzzQueryString(f *testing.F) {
	for _, c := range queryCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !json.Valid([]byte(raw)) {
			return // encoding/json refuses it before any UnmarshalJSON
		}
		got, err := scf.DebugQuery(raw)
		want, wantErr := scf.DebugQueryRaw(raw)
		if got != want || (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Errorf("%s: %q, %v; want %q, %v", raw, got, err, want, wantErr)
		}
	})
}
