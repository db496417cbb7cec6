package tcauth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"httpkafka/adapters/httpserver"
	"httpkafka/internal/tcauth/sdktest"
)

// TestOfficialGoSDK calls CkafkaClient.SendMessage from the official Go SDK,
// changing only its endpoint, against the HTTP server that functions/http
// runs: every signing method the SDK offers, and every AuthFailure code.
func TestOfficialGoSDK(t *testing.T) {
	env := sdktest.New(t)
	srv := httptest.NewServer(httpserver.Handler(env.Service))
	t.Cleanup(srv.Close)
	endpoint := strings.TrimPrefix(srv.URL, "http://")
	env.Run(t, endpoint)

	// With a path in the endpoint (common v1.3.x) the Go SDK still signs
	// "/" for TC3 and the real path for HmacSHA256.
	t.Run("endpoint with a path", func(t *testing.T) {
		env.Run(t, endpoint+"/release/sendmessage", "TC3 POST", "HmacSHA256 POST", "TC3 wrong key")
	})

	// A path that needs escaping: the SDK signs it as configured for the
	// legacy methods and sends it escaped, and the adapter may pass it on
	// decoded (r.URL.Path) or escaped (r.URL.EscapedPath()).
	for _, path := range []string{"/release/send message", "/release/send%20message"} {
		t.Run("endpoint path "+path, func(t *testing.T) {
			env.Run(t, endpoint+path, "TC3 POST", "HmacSHA256 POST", "HmacSHA1 POST", "HmacSHA256 GET")
		})
	}

	// The SDK signs the endpoint's host as configured, capitals included;
	// net/http sends it that way too.
	t.Run("mixed-case endpoint host", func(t *testing.T) {
		env.RunVia(t, "CKafka.TencentCloudAPI.com", endpoint, "TC3 POST", "TC3 GET", "HmacSHA256 POST", "HmacSHA1 POST", "TC3 wrong key")
	})

	// The SDK always signs, so an unsigned request is sent by hand.
	t.Run("unsigned request", func(t *testing.T) {
		body := sdktest.Raw(t, "POST", srv.URL, http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}},
			`{"DataHubId":"`+sdktest.DataHub+`","Message":[{"Body":"x"}]}`)
		t.Logf("reply: %s", body)
		if !strings.Contains(body, `"Code":"AuthFailure.InvalidAuthorization"`) {
			t.Fatalf("reply %s, want AuthFailure.InvalidAuthorization", body)
		}
	})
}

// TestNodeSDKOverHTTP sends the captured Node SDK requests to the HTTP
// server exactly as the Node SDK sent them: service "127", host signed
// without its port, the real path signed.
func TestNodeSDKOverHTTP(t *testing.T) {
	env := sdktest.New(t)
	srv := httptest.NewServer(httpserver.Handler(env.Service))
	t.Cleanup(srv.Close)
	env.ReplayNode(t, srv.URL)
}
