package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/rpc"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/ckafka/v20190819"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"

	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/platformtest"
	"httpkafka/internal/tcauth/sdktest"
)

// furlHost is a function URL's host, https://<appid>-<urlid>.<region>.tencentscf.com:
// the SDK endpoint a client of the function URL configures.
const furlHost = "1250000000-abcd1234.ap-guangzhou.tencentscf.com"

// furlSample is Tencent's documented function URL event (see
// adapters/scf/testdata/README.md for its source).
var furlSample = filepath.Join("..", "..", "adapters", "scf", "testdata", "tencent-scf-function-url-doc-sample.json")

// expiry matches the times in a SignatureExpire message.
var expiry = regexp.MustCompile(`X-TC-Timestamp \d+ is \S+ away from server time \d+`)

// The keys the function under test knows: furlID may send anywhere,
// limitedID only to datahub-paused.
const (
	furlID        = "AKIDfunctionUrlTest0000000001"
	furlKey       = "functionUrlTestSecretKey000001"
	furlLimitedID = "AKIDfunctionUrlLimited0000001"
	furlLimited   = "functionUrlLimitedSecretKey01"
)

// frontEnd plays the function URL's front end: it turns each HTTP request
// into the function URL event an event function receives (header names
// lower-cased, the path as sent, the query parsed, the client's address in
// x-scf-remote-addr, no requestContext), invokes the running binary over
// SCF's net/rpc protocol and writes the integrated response back as HTTP.
// The invocation id of the next request is set with next; the last raw
// integrated response is kept for the golden files.
type frontEnd struct {
	t   testing.TB
	f   *runningFunction
	env map[string]string

	mu    sync.Mutex
	id    string
	reply []byte
}

func (fe *frontEnd) next(id string) { fe.mu.Lock(); fe.id = id; fe.reply = nil; fe.mu.Unlock() }

func (fe *frontEnd) last() []byte { fe.mu.Lock(); defer fe.mu.Unlock(); return fe.reply }

func (fe *frontEnd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	headers := map[string]string{"host": r.Host, "x-scf-remote-addr": "203.0.113.7"}
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	query := map[string]any{}
	for k, vs := range r.URL.Query() {
		query[k] = vs[0]
		if len(vs) > 1 {
			query[k] = vs
		}
	}
	payload, _ := json.Marshal(map[string]any{ // plain maps always marshal
		"httpMethod": r.Method, "path": r.URL.Path, "headers": headers, "queryString": query, "body": string(body),
	})
	fe.mu.Lock()
	id := fe.id
	fe.mu.Unlock()
	// Called on the server's goroutine: failures are 502s, as at SCF,
	// never t.Fatal.
	var resp messages.InvokeResponse
	call := fe.f.scf.Client.Go("Function.Invoke", platformtest.InvokeRequest(id, payload, fe.env, time.Now().Add(15*time.Second)), &resp, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
	case <-time.After(20 * time.Second):
		call.Error = errors.New("no answer")
	}
	if call.Error != nil || resp.Error != nil {
		fe.t.Errorf("invocation %s failed: %v %+v", id, call.Error, resp.Error)
		http.Error(w, "invocation failed", http.StatusBadGateway)
		return
	}
	fe.mu.Lock()
	fe.reply = resp.Payload
	fe.mu.Unlock()
	var ir integratedResponse
	if err := json.Unmarshal(resp.Payload, &ir); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, v := range ir.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(ir.StatusCode)
	io.WriteString(w, ir.Body)
}

// TestFunctionURL sends function URL requests to the built main over the
// real SCF net/rpc protocol, with signature checks on: official Go SDK
// requests for the success and every API error the SDK can provoke, and
// edited copies of Tencent's sample event for the rest. Each integrated
// response is compared with testdata/golden/furl-<case>.json.
func TestFunctionURL(t *testing.T) {
	t.Parallel()
	cluster := kafkatest.New(t, 1, "furl", "paused")
	f := start(t)
	env := map[string]string{
		"KAFKA_BROKERS":             strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS":     "datahub-furl=furl,datahub-paused=paused",
		"DATAHUB_SUSPENDED":         "datahub-paused",
		"DATAHUB_CREDENTIALS":       furlID + ":" + furlKey + "," + furlLimitedID + ":" + furlLimited + ":datahub-paused",
		"DATAHUB_MAX_MESSAGE_BYTES": "1024",
		"DATAHUB_MAX_REQUEST_BYTES": "4096",
	}
	fe := &frontEnd{t: t, f: f, env: env}
	srv := httptest.NewServer(fe)
	t.Cleanup(srv.Close)
	// The SDK signs and sends the function URL's host; its connections go
	// to the front end.
	transport := &http.Transport{Dial: func(network, _ string) (net.Conn, error) { return net.Dial(network, srv.Listener.Addr().String()) }}
	message := func(body string) []map[string]string { return []map[string]string{{"Body": body, "Key": "k"}} }

	// sdk cases: one CkafkaClient call each, SendMessage or (through the
	// client's Send) another action or version.
	sdkCases := []struct {
		name, action, version string
		id, key               string
		adjust                func(*profile.ClientProfile)
		params                map[string]any
		code                  string // "" for success
	}{
		{name: "success", params: map[string]any{"DataHubId": "datahub-furl", "Message": message("hello from the function URL")}},
		{name: "hmacsha256-success", adjust: func(p *profile.ClientProfile) { p.SignMethod = "HmacSHA256" },
			params: map[string]any{"DataHubId": "datahub-furl", "Message": message("legacy-signed via the function URL")}},
		{name: "signature-failure", key: "not" + furlKey, params: map[string]any{"DataHubId": "datahub-furl", "Message": message("x")}, code: "AuthFailure.SignatureFailure"},
		{name: "secretid-not-found", id: "AKIDnobodyKnowsThisOne", params: map[string]any{"DataHubId": "datahub-furl", "Message": message("x")}, code: "AuthFailure.SecretIdNotFound"},
		{name: "unauthorized-operation", id: furlLimitedID, key: furlLimited, params: map[string]any{"DataHubId": "datahub-furl", "Message": message("x")}, code: "AuthFailure.UnauthorizedOperation"},
		{name: "resource-not-found", params: map[string]any{"DataHubId": "datahub-nope", "Message": message("x")}, code: "ResourceNotFound"},
		{name: "failed-operation-suspended", id: furlLimitedID, key: furlLimited, params: map[string]any{"DataHubId": "datahub-paused", "Message": message("x")}, code: "FailedOperation"},
		{name: "missing-parameter", params: map[string]any{"Message": message("x")}, code: "MissingParameter"},
		{name: "invalid-parameter-value", params: map[string]any{"DataHubId": "datahub-furl", "Message": message(strings.Repeat("b", 1025))}, code: "InvalidParameterValue"},
		{name: "request-size-limit-exceeded", params: map[string]any{"DataHubId": "datahub-furl", "Message": []map[string]string{
			{"Body": strings.Repeat("a", 1000)}, {"Body": strings.Repeat("b", 1000)}, {"Body": strings.Repeat("c", 1000)}, {"Body": strings.Repeat("d", 1000)}, {"Body": strings.Repeat("e", 1000)}}},
			code: "RequestSizeLimitExceeded"},
		{name: "invalid-action", action: "DescribeInstances", params: map[string]any{}, code: "InvalidAction"},
		{name: "no-such-version", version: "2017-03-12", params: map[string]any{"DataHubId": "datahub-furl", "Message": message("x")}, code: "NoSuchVersion"},
	}
	for _, c := range sdkCases {
		t.Run("sdk "+c.name, func(t *testing.T) {
			fe.next("furl-" + c.name)
			start := time.Now()
			kc := sdktest.Client(t, furlHost, common.NewCredential(cmp.Or(c.id, furlID), cmp.Or(c.key, furlKey)), c.adjust)
			kc.WithHttpTransport(transport)
			var err error
			if c.action == "" && c.version == "" {
				sm := v20190819.NewSendMessageRequest()
				raw, _ := json.Marshal(c.params) // plain maps always marshal
				if err := sm.FromJsonString(string(raw)); err != nil {
					t.Fatal(err)
				}
				var resp *v20190819.SendMessageResponse
				if resp, err = kc.SendMessage(sm); err == nil {
					t.Logf("SDK success: %s", resp.ToJsonString())
				}
			} else {
				// The common request signs TC3 only, which is all these need.
				req := tchttp.NewCommonRequest("ckafka", cmp.Or(c.version, "2019-08-19"), cmp.Or(c.action, "SendMessage"))
				if err := req.SetActionParameters(c.params); err != nil {
					t.Fatal(err)
				}
				err = kc.Send(req, tchttp.NewCommonResponse())
			}
			if c.code == "" {
				if err != nil {
					t.Fatalf("SDK: %v", err)
				}
			} else {
				var sdkErr *sdkerrors.TencentCloudSDKError
				if !errors.As(err, &sdkErr) || sdkErr.GetCode() != c.code {
					t.Fatalf("SDK: %v, want code %s", err, c.code)
				}
				t.Logf("SDK error: %v", sdkErr)
			}
			gatewaytest.Golden(t, filepath.Join("testdata", "golden", "furl-"+c.name+".json"), gatewaytest.Normalize(t, fe.last(), start))
		})
	}

	// Requests the SDK never makes, from Tencent's sample event.
	sample := func(edit func(m map[string]any), sign bool) []byte {
		m := gatewaytest.Event(t, furlSample)
		h := m["headers"].(map[string]any)
		h["content-type"] = "application/json"
		h["x-tc-action"] = "SendMessage"
		h["x-tc-version"] = "2019-08-19"
		h["host"] = furlHost
		delete(h, "content-length")
		delete(m, "queryString") // signTC3 signs an empty query
		m["body"] = `{"DataHubId":"datahub-furl","Message":[{"Body":"from the sample event"}]}`
		if edit != nil {
			edit(m)
		}
		if sign {
			signTC3(m, "/", furlID, furlKey, time.Now())
		}
		return gatewaytest.Marshal(t, m)
	}
	eventCases := []struct {
		name    string
		payload []byte
		code    string
	}{
		{"sample-success", sample(nil, true), ""},
		{"invalid-parameter", sample(func(m map[string]any) { m["body"] = `{"DataHubId":"datahub-furl","Message":[` }, true), "InvalidParameter"},
		{"unsupported-protocol", sample(func(m map[string]any) { m["httpMethod"] = "PUT" }, true), "UnsupportedProtocol"},
		{"invalid-authorization", sample(nil, false), "AuthFailure.InvalidAuthorization"},
		{"signature-expire", sample(func(m map[string]any) {
			signTC3(m, "/", furlID, furlKey, time.Now().Add(-10*time.Minute))
		}, false), "AuthFailure.SignatureExpire"},
		// Tencent's sample has no host header: a signature cannot be
		// checked, and the message says why.
		{"no-host", sample(func(m map[string]any) { delete(m["headers"].(map[string]any), "host") }, true), "AuthFailure.SignatureFailure"},
	}
	for _, c := range eventCases {
		t.Run("event "+c.name, func(t *testing.T) {
			start := time.Now()
			resp := f.invoke(t, "furl-"+c.name, c.payload, env)
			body, e := check(t, resp)
			code := ""
			if e.Response.Error != nil {
				code = e.Response.Error.Code
			}
			if code != c.code || e.Response.RequestId != "furl-"+c.name {
				t.Fatalf("envelope %s, want code %q and the invocation's RequestId", body, c.code)
			}
			// The expiry message names the two times: they are blanked.
			out := expiry.ReplaceAll(gatewaytest.Normalize(t, resp.Payload, start), []byte("X-TC-Timestamp <ts> is <skew> away from server time <now>"))
			gatewaytest.Golden(t, filepath.Join("testdata", "golden", "furl-"+c.name+".json"), out)
		})
	}

	// Everything acknowledged is in Kafka: the two SDK successes and the
	// sample's.
	var values []string
	for _, r := range cluster.ReadAll(t, "furl") {
		values = append(values, string(r.Value))
	}
	want := []string{"hello from the function URL", "legacy-signed via the function URL", "from the sample event"}
	if fmt.Sprint(values) != fmt.Sprint(want) {
		t.Errorf("topic furl holds %q, want %q", values, want)
	}
	if recs := cluster.ReadAll(t, "paused"); len(recs) != 0 {
		t.Errorf("the suspended access point's topic holds %d records", len(recs))
	}
}
