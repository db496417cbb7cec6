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
