package aws_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"httpkafka/adapters/aws"
	"httpkafka/internal/gatewaytest"
)

// lambdaRequestID is the invocation id the tests' Lambda context carries;
// ALB events have no id of their own, so their envelopes use it.
const lambdaRequestID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"

// asSendMessage turns a real event into a POST SendMessage to dataHubID.
func asSendMessage(m map[string]any, dataHubID string) {
	if _, ok := m["httpMethod"]; ok {
		m["httpMethod"] = "POST"
	}
	if rc, ok := m["requestContext"].(map[string]any); ok {
		if h, ok := rc["http"].(map[string]any); ok {
			h["method"] = "POST"
		}
	}
	// Every shape has a headers map except an ALB with multi-value
	// headers turned on, which sends multiValueHeaders only.
	if _, multi := m["multiValueHeaders"]; !multi {
		gatewaytest.Object(m, "headers")
	}
	gatewaytest.SetHeader(m, "content-type", "application/json")
	gatewaytest.SetHeader(m, "X-TC-Action", "SendMessage")
	gatewaytest.SetHeader(m, "x-tc-version", "2019-08-19")
	m["body"] = gatewaytest.SendMessageBody(dataHubID, "hello from "+dataHubID)
	m["isBase64Encoded"] = false
}

var goldenCases = []gatewaytest.GoldenCase{
	{Name: "rest-v1", Event: "aws-apigw-v1-rest-proxy-request.json", OK: true},
	{Name: "rest-v1-base64", Event: "aws-apigw-v1-rest-proxy-request.json", OK: true, Edit: func(m map[string]any) {
		m["body"] = base64.StdEncoding.EncodeToString([]byte(m["body"].(string)))
		m["isBase64Encoded"] = true
	}},
	{Name: "rest-v1-bad-base64", Event: "aws-apigw-v1-rest-proxy-request.json", Edit: func(m map[string]any) {
		m["body"] = "eyJEYXRhSHViSWQiOi!!"
		m["isBase64Encoded"] = true
	}},
	{Name: "rest-v1-unknown-datahub", Event: "aws-apigw-v1-rest-proxy-request.json", Edit: func(m map[string]any) {
		m["body"] = gatewaytest.SendMessageBody("datahub-nope", "lost")
	}},
	{Name: "http-api", Event: "aws-apigw-v2-http-api-request.json", OK: true},
	{Name: "http-api-missing-action", Event: "aws-apigw-v2-http-api-request.json", Edit: func(m map[string]any) {
		gatewaytest.SetHeader(m, "X-TC-Action", "")
	}},
	{Name: "function-url", Event: "aws-lambda-function-url-request.json", OK: true},
	{Name: "function-url-bad-version", Event: "aws-lambda-function-url-request.json", Edit: func(m map[string]any) {
		gatewaytest.SetHeader(m, "x-tc-version", "2017-03-12")
	}},
	{Name: "alb", Event: "aws-alb-target-group-request.json", OK: true},
	{Name: "alb-suspended", Event: "aws-alb-target-group-request.json"},
	{Name: "alb-multivalue", Event: "aws-alb-target-group-request-multivalue-headers.json", OK: true},
	{Name: "alb-multivalue-bad-json", Event: "aws-alb-target-group-request-multivalue-headers.json", Edit: func(m map[string]any) {
		m["body"] = `{"DataHubId":"datahub-alb-multivalue-bad-json","Message":[{"Body":"x"}`
	}},
}

// TestGolden sends real gateway events, edited into SendMessage requests,
// through a real core.Service on kfake and compares the gateway responses
// with testdata/golden.
func TestGolden(t *testing.T) {
	t.Parallel()
	newCtx := func() context.Context {
		return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: lambdaRequestID})
	}
	gatewaytest.RunGolden(t, goldenCases, asSendMessage, newCtx, aws.Invoke, "datahub-alb-suspended")
}

// TestUnknownEvent checks that only payloads that are not gateway events
// are Go errors.
func TestUnknownEvent(t *testing.T) {
	t.Parallel()
	for name, payload := range map[string]string{
		"s3 event":     `{"Records":[{"eventSource":"aws:s3"}]}`,
		"empty object": `{}`,
		"array":        `[1,2]`,
		"string":       `"POST"`,
		"not json":     `{"httpMethod":`,
		"v1 no method": `{"version":"1.0","path":"/"}`,
		"wrong type":   `{"httpMethod":"POST","headers":["a"]}`,
	} {
		_, err := aws.Invoke(context.Background(), nil, []byte(payload))
		if !errors.Is(err, aws.ErrUnknownEvent) {
			t.Errorf("%s: err = %v, want ErrUnknownEvent", name, err)
		}
	}
}

// TestRequestShape checks what each shape hands the core, beyond the
// envelope: headers, query, path, host and source address.
func TestRequestShape(t *testing.T) {
	t.Parallel()
	// The function URL sample has "header2": "value1,value2" and cookies.
	m := gatewaytest.Event(t, "testdata/aws-lambda-function-url-request.json")
	asSendMessage(m, "datahub-x")
	got := aws.DebugRequest(t, gatewaytest.Marshal(t, m))
	if v := got.Header["Header2"]; len(v) != 1 || v[0] != "value1,value2" {
		t.Errorf("Header2 = %q, want one value \"value1,value2\"", v)
	}
	if got.Header.Get("Cookie") != "cookie1; cookie2" || got.RawQuery != "parameter1=value1&parameter1=value2&parameter2=value" ||
		got.Path != "/my/path" || got.SourceIP != "123.123.123.123" || got.Method != "POST" {
		t.Errorf("function URL request = %+v", got)
	}

	m = gatewaytest.Event(t, "testdata/aws-apigw-v1-rest-proxy-request.json")
	asSendMessage(m, "datahub-x")
	got = aws.DebugRequest(t, gatewaytest.Marshal(t, m))
	if v := got.Header["X-Forwarded-For"]; len(v) != 1 || v[0] != "54.240.196.186, 54.182.214.83" {
		t.Errorf("X-Forwarded-For = %q, want one value", v)
	}
	if got.Host != "gy415nuibc.execute-api.us-east-1.amazonaws.com" || got.RawQuery != "name=me" || got.SourceIP != "192.168.196.186" || got.RequestID != "deef4878-7910-11e6-8f14-25afc3e9ae33" {
		t.Errorf("REST request = %+v", got)
	}

	m = gatewaytest.Event(t, "testdata/aws-alb-target-group-request-multivalue-headers.json")
	asSendMessage(m, "datahub-x")
	gatewaytest.Object(m, "multiValueQueryStringParameters")["q"] = []any{"a%20b", "c"}
	got = aws.DebugRequest(t, gatewaytest.Marshal(t, m))
	if got.RawQuery != "key=hello&q=a%20b&q=c" || got.SourceIP != "72.21.198.67" || got.Host != "lambda-test-alb-1234567.us-east-1.elb.amazonaws.com" {
		t.Errorf("ALB request = %+v", got)
	}
}

// BenchmarkDecode compares the adapter's one decode into a union struct
// with probing the shape first and then decoding the aws-lambda-go type.
func BenchmarkDecode(b *testing.B) {
	m := gatewaytest.Event(b, "testdata/aws-apigw-v1-rest-proxy-request.json")
	asSendMessage(m, "datahub-x")
	m["body"] = strings.Repeat(`{"DataHubId":"datahub-x","Message":[{"Body":"0123456789"}]}`, 1000)
	payload := gatewaytest.Marshal(b, m)
	b.Run("union", func(b *testing.B) {
		for b.Loop() {
			aws.DebugDecode(payload)
		}
	})
	b.Run("probe+type", func(b *testing.B) {
		for b.Loop() {
			var probe struct {
				Version        string `json:"version"`
				HTTPMethod     string `json:"httpMethod"`
				RequestContext struct {
					ELB        json.RawMessage `json:"elb"`
					DomainName string          `json:"domainName"`
				} `json:"requestContext"`
			}
			json.Unmarshal(payload, &probe)
			var e events.APIGatewayProxyRequest
			json.Unmarshal(payload, &e)
		}
	})
}

// TestHeaderMaps checks which of payload 1.0's two header and query maps
// each shape reads: REST takes the multi-value map whenever it is sent
// (even empty), each of headers and query on its own; an ALB reads both
// multi-value maps in multi-value mode (multiValueHeaders sent), else both
// single ones; payload 2.0 reads headers only.
func TestHeaderMaps(t *testing.T) {
	t.Parallel()
	const maps = `"headers":{"x-single":"s","x-both":"1"},"multiValueHeaders":{"x-multi":["m1","m2"],"X-BOTH":["2","3"]},` +
		`"queryStringParameters":{"a":"1"},"multiValueQueryStringParameters":{"b":["2","3"]}`
	for _, tt := range []struct {
		name, payload string
		header        http.Header
		query         string
	}{
		{"rest", `{"httpMethod":"POST",` + maps + `}`,
			http.Header{"X-Multi": {"m1", "m2"}, "X-Both": {"2", "3"}}, "b=2&b=3"},
		{"rest single", `{"httpMethod":"POST","headers":{"x-single":"s"},"multiValueHeaders":null,"queryStringParameters":{"a":"1"}}`,
			http.Header{"X-Single": {"s"}}, "a=1"},
		{"rest empty multi", `{"httpMethod":"POST","headers":{"x-single":"s"},"multiValueHeaders":{},"queryStringParameters":{"a":"1"},"multiValueQueryStringParameters":{}}`,
			http.Header{}, ""},
		{"rest multi headers only", `{"httpMethod":"POST","headers":{"x-single":"s"},"multiValueHeaders":{"x-multi":["m"]},"queryStringParameters":{"a":"1"}}`,
			http.Header{"X-Multi": {"m"}}, "a=1"},
		{"alb multi", `{"httpMethod":"POST","requestContext":{"elb":{}},` + maps + `}`,
			http.Header{"X-Multi": {"m1", "m2"}, "X-Both": {"2", "3"}}, "b=2&b=3"},
		{"alb single", `{"httpMethod":"POST","requestContext":{"elb":{}},"headers":{"x-single":"s"},` +
			`"queryStringParameters":{"a":"1"},"multiValueQueryStringParameters":{"b":["2"]}}`,
			http.Header{"X-Single": {"s"}}, "a=1"},
		{"v2", `{"version":"2.0","requestContext":{"http":{"method":"POST"}},"rawQueryString":"r=1",` + maps + `}`,
			http.Header{"X-Single": {"s"}, "X-Both": {"1"}}, "r=1"},
	} {
		got := aws.DebugRequest(t, []byte(tt.payload))
		if !reflect.DeepEqual(got.Header, tt.header) || got.RawQuery != tt.query {
			t.Errorf("%s: header %v query %q, want %v %q", tt.name, got.Header, got.RawQuery, tt.header, tt.query)
		}
	}
}
