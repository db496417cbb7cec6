// Package sdktest drives the official TencentCloud Go SDK
// (tencentcloud-sdk-go ckafka v1.0.748, common v1.3.210) against a
// SendMessage service with signature checks on, over a real in-process
// Kafka. [New] builds the service; [Run] sends every signing variant and
// every authentication failure through an endpoint and checks what the SDK
// reports. Only tests import it.
package sdktest

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/ckafka/v20190819"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"httpkafka/internal/core"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/tcauth"
)

// The keys the service knows and the access points it serves.
const (
	SecretID   = "AKIDsdkTestAllAccessPoints0001"
	SecretKey  = "sdkTestSecretKeyAllAccessPoints1"
	LimitedID  = "AKIDsdkTestLimitedToOther00001"
	LimitedKey = "sdkTestSecretKeyLimitedToOther01"

	DataHub      = "datahub-sdk"
	Topic        = "sdk"
	OtherDataHub = "datahub-other"
	OtherTopic   = "other"

	// The key, access point and topic of the captured Node SDK requests.
	NodeID      = "AKIDnodeExample"
	NodeKey     = "nodeExampleSecretKey0123456789ab"
	NodeDataHub = "datahub-node"
	NodeTopic   = "node"
)

// nodeRequests are requests the official Node SDK sent
// (tencentcloud-sdk-nodejs-ckafka 4.1.314 with common 4.1.220), captured by
// testdata/capture-node-sdk.js with a plain node http server: method,
// URL, headers (lower-cased by node) and body, byte for byte.
//
//go:embed testdata/node-sdk-requests.json
var nodeRequests []byte

// NodeRequest is one captured Node SDK request.
type NodeRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"` // path and query
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// NodeRequests returns the captured requests by name: node-tc3-post
// (endpoint 127.0.0.1:9000, so service "127"), node-tc3-post-stage-path
// (endpoint 127.0.0.1:9000/prod/sendmessage), node-tc3-get,
// node-hmacsha256-post, node-hmacsha1-get.
func NodeRequests(t testing.TB) map[string]NodeRequest {
	t.Helper()
	var reqs map[string]NodeRequest
	if err := json.Unmarshal(nodeRequests, &reqs); err != nil {
		t.Fatal(err)
	}
	return reqs
}

// Timestamp is when the Node SDK signed r.
func (r NodeRequest) Timestamp(t testing.TB) time.Time {
	t.Helper()
	ts := r.Headers["x-tc-timestamp"]
	if ts == "" { // legacy signing: the Timestamp parameter
		q, _ := url.ParseQuery(r.Body)
		if u, err := url.Parse(r.URL); err == nil && q.Get("Timestamp") == "" {
			q, _ = url.ParseQuery(u.RawQuery)
		}
		ts = q.Get("Timestamp")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("timestamp %q: %v", ts, err)
	}
	return time.Unix(sec, 0)
}

// ReplayNode sends the captured Node SDK requests named in only (all when
// none) to baseURL as they were sent, Host header included, with the
// service's clock set to the time each was signed, and checks that each is
// produced to Kafka.
func (e *Env) ReplayNode(t *testing.T, baseURL string, only ...string) {
	t.Helper()
	reqs := NodeRequests(t)
	names := make([]string, 0, len(reqs))
	for name := range reqs {
		if len(only) == 0 || slices.Contains(only, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		r := reqs[name]
		t.Run(name, func(t *testing.T) {
			e.SetClock(time.Until(r.Timestamp(t).Add(30 * time.Second)))
			defer e.SetClock(0)
			h := http.Header{}
			for k, v := range r.Headers {
				if k != "content-length" && k != "connection" {
					h.Set(k, v)
				}
			}
			reply := Raw(t, r.Method, baseURL+r.URL, h, r.Body)
			t.Logf("reply: %s", reply)
			if !strings.Contains(reply, `"MessageId"`) {
				t.Fatalf("reply %s, want success", reply)
			}
			e.WantRecord(t, NodeTopic, "hello from "+name, "k-node")
		})
	}
}

// Env is a service with signature checks over a kfake cluster, and a clock
// that tests can move.
type Env struct {
	Cluster *kafkatest.Cluster
	Service *core.Service
	skew    atomic.Int64
}

// New starts the cluster and builds the service, both closed when t ends.
func New(t testing.TB) *Env {
	t.Helper()
	e := &Env{Cluster: kafkatest.New(t, 2, Topic, OtherTopic, NodeTopic)}
	v, err := tcauth.New([]tcauth.Credential{
		{SecretID: SecretID, SecretKey: SecretKey},
		{SecretID: LimitedID, SecretKey: LimitedKey, DataHubIDs: []string{OtherDataHub}},
		{SecretID: NodeID, SecretKey: NodeKey, DataHubIDs: []string{NodeDataHub}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Service = core.New(core.Options{
		AccessPoints: map[string]core.AccessPoint{DataHub: {Topic: Topic}, OtherDataHub: {Topic: OtherTopic}, NodeDataHub: {Topic: NodeTopic}},
		Auth:         skewed{v, &e.skew},
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, e.Cluster.Producer(t))
	return e
}

// SetClock moves the clock that signatures are checked with by d from real
// time. The service's own clock, which bounds the request, stays real.
func (e *Env) SetClock(d time.Duration) { e.skew.Store(int64(d)) }

// skewed is an Authenticator whose server time is off by skew.
type skewed struct {
	core.Authenticator
	skew *atomic.Int64
}

func (s skewed) Authenticate(r *core.Request, now time.Time) (core.Caller, error) {
	return s.Authenticator.Authenticate(r, now.Add(time.Duration(s.skew.Load())))
}

// Client is an SDK client for endpoint (host:port[/path]) over plain HTTP,
// signing with cred; adjust changes the profile further.
func Client(t testing.TB, endpoint string, cred common.CredentialIface, adjust func(*profile.ClientProfile)) *v20190819.Client {
	t.Helper()
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = endpoint
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.ReqTimeout = 10
	if adjust != nil {
		adjust(cpf)
	}
	c, err := v20190819.NewClient(cred, "ap-guangzhou", cpf)
	if err != nil {
		t.Fatalf("ckafka.NewClient: %v", err)
	}
	return c
}

// Send is CkafkaClient.SendMessage with one message.
func Send(c *v20190819.Client, dataHub, body, key string, header map[string]string) (*v20190819.SendMessageResponse, error) {
	req := v20190819.NewSendMessageRequest()
	req.DataHubId = common.StringPtr(dataHub)
	req.Message = []*v20190819.BatchContent{{Body: common.StringPtr(body), Key: common.StringPtr(key)}}
	if header != nil {
		req.SetHeader(header)
	}
	return c.SendMessage(req)
}

// Case is one SDK call and what it must answer: Code "" is success.
type Case struct {
	Name      string
	Cred      common.CredentialIface
	Profile   func(*profile.ClientProfile)
	DataHub   string            // default DataHub
	Header    map[string]string // extra request headers
	ClockSkew time.Duration     // the server's clock, ahead of the client's
	Code      string
}

func sign(method string) func(*profile.ClientProfile) {
	return func(p *profile.ClientProfile) { p.SignMethod = method }
}

// Cases are the signing variants the SDK offers and every AuthFailure the
// service answers.
func Cases() []Case {
	good := common.NewCredential(SecretID, SecretKey)
	return []Case{
		{Name: "TC3 POST", Cred: good},
		{Name: "TC3 POST unsigned payload", Cred: good, Profile: func(p *profile.ClientProfile) { p.UnsignedPayload = true }},
		{Name: "TC3 GET", Cred: good, Profile: func(p *profile.ClientProfile) { p.HttpProfile.ReqMethod = "GET" }},
		{Name: "HmacSHA256 POST", Cred: good, Profile: sign("HmacSHA256")},
		{Name: "HmacSHA1 POST", Cred: good, Profile: sign("HmacSHA1")},
		{Name: "HmacSHA256 GET", Cred: good, Profile: func(p *profile.ClientProfile) { p.SignMethod = "HmacSHA256"; p.HttpProfile.ReqMethod = "GET" }},
		{Name: "limited key on its access point", Cred: common.NewCredential(LimitedID, LimitedKey), DataHub: OtherDataHub},

		{Name: "TC3 wrong key", Cred: common.NewCredential(SecretID, "not"+SecretKey), Code: core.CodeSignatureFailure},
		{Name: "HmacSHA256 wrong key", Cred: common.NewCredential(SecretID, "not"+SecretKey), Profile: sign("HmacSHA256"), Code: core.CodeSignatureFailure},
		{Name: "TC3 unknown SecretId", Cred: common.NewCredential("AKIDnobodyKnowsThisOne", SecretKey), Code: core.CodeSecretIDNotFound},
		{Name: "HmacSHA1 unknown SecretId", Cred: common.NewCredential("AKIDnobodyKnowsThisOne", SecretKey), Profile: sign("HmacSHA1"), Code: core.CodeSecretIDNotFound},
		{Name: "TC3 expired timestamp", Cred: good, ClockSkew: 6 * time.Minute, Code: core.CodeSignatureExpire},
		{Name: "HmacSHA256 timestamp from the future", Cred: good, Profile: sign("HmacSHA256"), ClockSkew: -6 * time.Minute, Code: core.CodeSignatureExpire},
		{Name: "TC3 access point not allowed for the key", Cred: common.NewCredential(LimitedID, LimitedKey), Code: core.CodeUnauthorizedOperation},
		{Name: "HmacSHA256 access point not allowed for the key", Cred: common.NewCredential(LimitedID, LimitedKey), Profile: sign("HmacSHA256"), Code: core.CodeUnauthorizedOperation},
		{Name: "TC3 temporary credentials", Cred: common.NewTokenCredential(SecretID, SecretKey, "tmp-token"), Code: core.CodeTokenFailure},
		{Name: "HmacSHA256 temporary credentials", Cred: common.NewTokenCredential(SecretID, SecretKey, "tmp-token"), Profile: sign("HmacSHA256"), Code: core.CodeTokenFailure},
		// The SDK always signs; an Authorization header a legacy-signing
		// client also sends (request.SetHeader) is a malformed TC3 one.
		{Name: "malformed Authorization", Cred: good, Profile: sign("HmacSHA256"), Header: map[string]string{"Authorization": "Bearer abc"}, Code: core.CodeInvalidAuthorization},
	}
}

// Run sends every case of Cases through endpoint and checks the SDK's
// answer: for successes the record in Kafka, for failures the exact code.
// names limits it to the named cases; none means all.
func (e *Env) Run(t *testing.T, endpoint string, names ...string) {
	t.Helper()
	e.RunVia(t, endpoint, "", names...)
}

// RunVia is Run with every connection made to addr, whatever host the
// endpoint names: the client signs and sends endpoint's host, as it would
// to a gateway's own domain.
func (e *Env) RunVia(t *testing.T, endpoint, addr string, names ...string) {
	t.Helper()
	var transport http.RoundTripper
	if addr != "" {
		transport = &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
	}
	for _, c := range Cases() {
		if len(names) > 0 && !slices.Contains(names, c.Name) {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			e.SetClock(c.ClockSkew)
			defer e.SetClock(0)
			dataHub, topic := DataHub, Topic
			if c.DataHub == OtherDataHub {
				dataHub, topic = OtherDataHub, OtherTopic
			}
			body := fmt.Sprintf("%s via %s at %d", c.Name, endpoint, time.Now().UnixNano())
			key := "key-" + strings.ReplaceAll(c.Name, " ", "-")
			client := Client(t, endpoint, c.Cred, c.Profile)
			if transport != nil {
				client.WithHttpTransport(transport)
			}
			resp, err := Send(client, dataHub, body, key, c.Header)
			if c.Code == "" {
				if err != nil {
					t.Fatalf("SendMessage: %v", err)
				}
				t.Logf("SDK success: %s", resp.ToJsonString())
				if n := len(resp.Response.MessageId); n != 1 || resp.Response.RequestId == nil {
					t.Fatalf("response %s: want 1 MessageId and a RequestId", resp.ToJsonString())
				}
				e.WantRecord(t, topic, body, key)
				return
			}
			var sdkErr *sdkerrors.TencentCloudSDKError
			if !errors.As(err, &sdkErr) {
				t.Fatalf("SendMessage: %v, want a TencentCloudSDKError with code %s", err, c.Code)
			}
			t.Logf("SDK error: %v", sdkErr)
			if sdkErr.GetCode() != c.Code {
				t.Fatalf("code = %s (%s), want %s", sdkErr.GetCode(), sdkErr.GetMessage(), c.Code)
			}
			if sdkErr.GetRequestId() == "" {
				t.Errorf("no RequestId in %v", sdkErr)
			}
			if strings.Contains(sdkErr.GetMessage(), SecretKey) || strings.Contains(sdkErr.GetMessage(), body) {
				t.Errorf("message %q shows a key or the body", sdkErr.GetMessage())
			}
		})
	}
}

// WantRecord fails t unless topic holds a record with this value and key.
func (e *Env) WantRecord(t testing.TB, topic, value, key string) {
	t.Helper()
	for _, r := range e.Cluster.ReadAll(t, topic) {
		if string(r.Value) == value {
			if string(r.Key) != key {
				t.Fatalf("record %q has key %q, want %q", value, r.Key, key)
			}
			return
		}
	}
	t.Fatalf("no record %q in topic %s", value, topic)
}

// Raw posts body to url with headers, for requests the SDK cannot make,
// and returns the response body.
func Raw(t testing.TB, method, url string, header http.Header, body string) string {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		if strings.EqualFold(k, "Host") {
			req.Host = vs[0]
			continue
		}
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, out)
	}
	return string(out)
}
