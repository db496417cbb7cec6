package scf_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
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
	h["X-TC-Action"] = "SendMessage"
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
		gatewaytest.Object(m, "headers")["X-TC-Action"] = "DescribeInstances"
	}},
	{Name: "apigw-put", Event: "tencent-scf-apigw-request-doc-sample.json", Edit: func(m map[string]any) {
		m["httpMethod"] = "PUT"
	}},
}

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
	var e scf.Event
	if err := json.Unmarshal(gatewaytest.Marshal(t, m), &e); err != nil {
		t.Fatal(err)
	}
	r := scf.Request(&e)
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
		e.Headers["host"] = host
		if got := scf.Request(&e).Path; got != want {
			t.Errorf("host %s: Path = %q, want %q", host, got, want)
		}
	}

	var q scf.QueryString
	if err := json.Unmarshal([]byte(`{"n":1.5,"z":null,"f":false,"s":"a b&c"}`), &q); err != nil {
		t.Fatal(err)
	}
	if got := q.Encode(); got != "n=1.5&s=a+b%26c" {
		t.Errorf("Encode = %q", got)
	}
}

// TestNotAPIGateway checks that only payloads that are not API Gateway
// events are Go errors.
func TestNotAPIGateway(t *testing.T) {
	t.Parallel()
	for name, payload := range map[string]string{
		"timer":        `{"Type":"Timer","TriggerName":"t","Time":"2019-02-21T11:49:00Z","Message":""}`,
		"array":        `[]`,
		"not json":     `{"httpMethod"`,
		"bad query":    `{"httpMethod":"POST","queryString":{"a":[1]}}`,
		"empty object": `{}`,
	} {
		_, err := scf.Invoke(context.Background(), nil, []byte(payload))
		if !errors.Is(err, scf.ErrNotAPIGateway) {
			t.Errorf("%s: err = %v, want ErrNotAPIGateway", name, err)
		}
	}
}
