package tcauth

import (
	"errors"
	"net/http"
	"testing"

	"httpkafka/internal/core"
)

// FuzzAuthenticate: whatever arrives, the answer is a caller or a
// *core.Error with an AuthFailure code, never a panic.
func FuzzAuthenticate(f *testing.F) {
	for _, c := range katCases() {
		f.Add(c.req.Method, c.req.Host, c.req.Path, c.req.RawQuery, tc3Header(katID, "2023-11-14/ckafka/tc3_request", "content-type;host", c.sig), katTS, string(c.req.Body))
	}
	f.Add("GET", "h:1", "/", "Signature=x&SecretId=AKIDEXAMPLE&Timestamp=1700000000", "", "", "")
	f.Add("POST", "", "", "", "TC3-HMAC-SHA256 Credential=////, SignedHeaders=;;host;content-type, Signature=", "-1", "")
	v := verifier(f)
	f.Fuzz(func(t *testing.T, method, host, path, query, auth, ts, body string) {
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		if ts != "" {
			h.Set("X-TC-Timestamp", ts)
		}
		r := &core.Request{Method: method, Host: host, Path: path, RawQuery: query, Header: h, Body: []byte(body)}
		who, err := v.Authenticate(r, katNow)
		if err == nil {
			if who.SecretID == "" {
				t.Fatal("success without a SecretId")
			}
			return
		}
		var e *core.Error
		if !errors.As(err, &e) || len(e.Code) < len("AuthFailure") || e.Code[:len("AuthFailure")] != "AuthFailure" {
			t.Fatalf("error %v is not an AuthFailure", err)
		}
	})
}
