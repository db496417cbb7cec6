package behindgateway

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"

	"httpkafka/adapters/aws"
	"httpkafka/adapters/scf"
	"httpkafka/internal/core"
	"httpkafka/internal/tcauth/sdktest"
)

// gateway builds an event from a request; stage is the stage prefix the
// gateway strips from the path it calls the resource path.
type gateway struct {
	name   string
	stage  string // "" for gateways without a stage in the path
	event  func(r *http.Request, body []byte, stage string) any
	invoke func(ctx context.Context, svc *core.Service, payload []byte) ([]byte, error)
	// domain, when set, is the gateway's own host name: the SDK sends and
	// signs it while its connections go to the test server. The captured
	// Node SDK requests, signed for another host, are not replayed there.
	domain string
}

var gateways = []gateway{
	{name: "API Gateway REST (payload 1.0)", stage: "/prod", event: restEvent, invoke: aws.Invoke},
	{name: "API Gateway HTTP API (payload 2.0)", stage: "/prod", event: httpAPIEvent, invoke: aws.Invoke},
	{name: "Lambda function URL", event: functionURLEvent, invoke: aws.Invoke},
	{name: "ALB", event: albEvent, invoke: aws.Invoke},
	// Called on a custom domain: no stage in the path.
	{name: "Tencent API Gateway (SCF)", event: scfEvent, invoke: scf.Invoke},
	// Called on the gateway's own domain,
	// https://service-....apigw.tencentcs.com/release/...: the event's
	// path leaves the stage out (requestContext.stage holds it) and the
	// adapter puts it back, so signatures over the real path verify.
	{name: "Tencent API Gateway (SCF) release stage", stage: "/release", event: scfEvent, invoke: scf.Invoke,
		domain: "service-abc123-1250000000.gz.apigw.tencentcs.com"},
	// The SCF function URL; its SDK endpoint is the URL's host.
	{name: "Tencent SCF function URL", event: scfFunctionURLEvent, invoke: scf.Invoke},
	{name: "Tencent SCF function URL on its own domain", event: scfFunctionURLEvent, invoke: scf.Invoke,
		domain: "1250000000-abcd1234.ap-guangzhou.tencentscf.com"},
}

// TestFunctionURLWithoutHost: an SCF function URL event without a host
// header (Tencent's sample event has none) cannot carry a signature that
// verifies; the SDK is told why.
func TestFunctionURLWithoutHost(t *testing.T) {
	env := sdktest.New(t)
	g := gateway{name: "SCF function URL, no host header", invoke: scf.Invoke,
		event: func(r *http.Request, body []byte, stage string) any {
			e := scfFunctionURLEvent(r, body, stage).(map[string]any)
			delete(e["headers"].(map[string]string), "host")
			return e
		}}
	srv := httptest.NewServer(g.handler(t, env.Service))
	t.Cleanup(srv.Close)
	client := sdktest.Client(t, strings.TrimPrefix(srv.URL, "http://"), common.NewCredential(sdktest.SecretID, sdktest.SecretKey), nil)
	_, err := sdktest.Send(client, sdktest.DataHub, "no host", "k", nil)
	var sdkErr *sdkerrors.TencentCloudSDKError
	if !errors.As(err, &sdkErr) || sdkErr.GetCode() != core.CodeSignatureFailure || !strings.Contains(sdkErr.GetMessage(), "without a Host header") {
		t.Fatalf("SendMessage: %v, want AuthFailure.SignatureFailure saying the Host header is missing", err)
	}
	t.Logf("SDK error: %v", sdkErr)
}

func TestSDKThroughGateways(t *testing.T) {
	env := sdktest.New(t)
	for _, g := range gateways {
		t.Run(g.name, func(t *testing.T) {
			srv := httptest.NewServer(g.handler(t, env.Service))
			t.Cleanup(srv.Close)
			addr := strings.TrimPrefix(srv.URL, "http://")
			host := cmp.Or(g.domain, addr)
			endpoint := host + g.stage + "/sendmessage"
			if g.stage == "" {
				endpoint = host
			}
			if g.domain != "" {
				env.RunVia(t, endpoint, addr)
				return
			}
			env.Run(t, endpoint)
			t.Run("Node SDK", func(t *testing.T) { env.ReplayNode(t, srv.URL) })
		})
	}
}

// handler is the gateway: request in, event to the adapter, response out.
func (g gateway) handler(t *testing.T, svc *core.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		stage := ""
		if g.stage != "" && strings.HasPrefix(r.URL.Path, g.stage+"/") {
			stage = g.stage
		}
		payload, err := json.Marshal(g.event(r, body, stage))
		if err != nil {
			t.Errorf("event: %v", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out, err := g.invoke(r.Context(), svc, payload)
		if err != nil { // the gateway answers 502 when the function fails
			t.Errorf("%s: %v", g.name, err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var resp struct {
			StatusCode        int                 `json:"statusCode"`
			Headers           map[string]string   `json:"headers"`
			MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
			Body              string              `json:"body"`
			IsBase64Encoded   bool                `json:"isBase64Encoded"`
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Errorf("%s response %s: %v", g.name, out, err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		for k, vs := range resp.MultiValueHeaders {
			w.Header()[http.CanonicalHeaderKey(k)] = vs
		}
		respBody := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if respBody, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
				t.Errorf("%s response body: %v", g.name, err)
			}
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(respBody)
	})
}

// Header maps as gateways pass them on.
func singleHeaders(r *http.Request, lower bool) map[string]string {
	h := map[string]string{}
	for k, vs := range r.Header {
		if lower {
			k = strings.ToLower(k)
		}
		h[k] = strings.Join(vs, ",")
	}
	host := "Host"
	if lower {
		host = "host"
	}
	h[host] = r.Host
	return h
}

func multiHeaders(r *http.Request, lower bool) map[string][]string {
	h := map[string][]string{}
	for k, v := range singleHeaders(r, lower) {
		h[k] = []string{v}
	}
	return h
}

// textBody is how API Gateway HTTP APIs and function URLs decide whether to
// base64-encode a body: text types pass as they are.
func textBody(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == ""
}

func sourceIP(r *http.Request) string {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return host
}

// restEvent: REST APIs keep header case, send the query parsed and decoded,
// and put the path without the stage in path and with it in
// requestContext.path.
func restEvent(r *http.Request, body []byte, stage string) any {
	single := map[string]string{}
	for k, vs := range r.URL.Query() {
		single[k] = vs[len(vs)-1]
	}
	return map[string]any{
		"resource":                        "/{proxy+}",
		"path":                            strings.TrimPrefix(r.URL.Path, stage),
		"httpMethod":                      r.Method,
		"headers":                         singleHeaders(r, false),
		"multiValueHeaders":               multiHeaders(r, false),
		"queryStringParameters":           single,
		"multiValueQueryStringParameters": r.URL.Query(),
		"requestContext": map[string]any{
			"path": r.URL.Path, "stage": strings.TrimPrefix(stage, "/"), "requestId": "rest-req",
			"identity": map[string]any{"sourceIp": sourceIP(r)},
		},
		"body":            string(body),
		"isBase64Encoded": false,
	}
}

func v2Event(r *http.Request, body []byte, stage, domain string) map[string]any {
	b, b64 := string(body), false
	if !textBody(r) {
		b, b64 = base64.StdEncoding.EncodeToString(body), true
	}
	if stage == "" {
		stage = "$default"
	}
	return map[string]any{
		"version":        "2.0",
		"routeKey":       "$default",
		"rawPath":        r.URL.EscapedPath(),
		"rawQueryString": r.URL.RawQuery,
		"headers":        singleHeaders(r, true),
		"requestContext": map[string]any{
			"domainName": domain, "requestId": "v2-req", "stage": strings.TrimPrefix(stage, "/"),
			"http": map[string]any{"method": r.Method, "path": r.URL.Path, "sourceIp": sourceIP(r)},
		},
		"body":            b,
		"isBase64Encoded": b64,
	}
}

// httpAPIEvent: payload 2.0 lower-cases header names, keeps the raw path
// (stage included) and raw query, and base64-encodes non-text bodies.
func httpAPIEvent(r *http.Request, body []byte, stage string) any {
	return v2Event(r, body, stage, "abcdef123.execute-api.us-east-1.amazonaws.com")
}

func functionURLEvent(r *http.Request, body []byte, _ string) any {
	return v2Event(r, body, "", "abcdefghijklmnop.lambda-url.us-east-1.on.aws")
}

// albEvent: the ALB passes query names and values still percent-encoded,
// and lower-cases header names.
func albEvent(r *http.Request, body []byte, _ string) any {
	query := map[string]string{}
	for pair := range strings.SplitSeq(r.URL.RawQuery, "&") {
		if k, v, _ := strings.Cut(pair, "="); k != "" {
			query[k] = v
		}
	}
	b, b64 := string(body), false
	if !textBody(r) {
		b, b64 = base64.StdEncoding.EncodeToString(body), true
	}
	return map[string]any{
		"requestContext":        map[string]any{"elb": map[string]any{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1"}},
		"httpMethod":            r.Method,
		"path":                  r.URL.Path,
		"queryStringParameters": query,
		"headers":               singleHeaders(r, true),
		"body":                  b,
		"isBase64Encoded":       b64,
	}
}

// parsedQuery is the query as Tencent's triggers send it: parsed, a list
// for a repeated name.
func parsedQuery(r *http.Request) map[string]any {
	query := map[string]any{}
	for k, vs := range r.URL.Query() {
		if len(vs) == 1 {
			query[k] = vs[0]
		} else {
			query[k] = vs
		}
	}
	return query
}

// scfEvent: Tencent API Gateway lower-cases header names, sends the query
// parsed (a list for a repeated name) and the path without the stage.
func scfEvent(r *http.Request, body []byte, stage string) any {
	return map[string]any{
		"httpMethod":  r.Method,
		"path":        strings.TrimPrefix(r.URL.Path, stage),
		"headers":     singleHeaders(r, true),
		"queryString": parsedQuery(r),
		"body":        string(body),
		"requestContext": map[string]any{
			"serviceId": "service-abc123", "path": r.URL.Path, "httpMethod": "ANY", "requestId": "scf-req",
			"sourceIp": sourceIP(r), "stage": cmp.Or(strings.TrimPrefix(stage, "/"), "release"),
		},
	}
}

// scfFunctionURLEvent: an SCF function URL (doc 583/96099) sends the API
// Gateway event without requestContext, isBase64Encoded and the
// *Parameters maps: header names lower-cased, the path as sent, the query
// parsed, the client's address in x-scf-remote-addr.
func scfFunctionURLEvent(r *http.Request, body []byte, _ string) any {
	headers := singleHeaders(r, true)
	headers["x-scf-remote-addr"] = sourceIP(r)
	return map[string]any{
		"httpMethod":  r.Method,
		"path":        r.URL.Path,
		"headers":     headers,
		"queryString": parsedQuery(r),
		"body":        string(body),
	}
}
