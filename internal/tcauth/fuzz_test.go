package tcauth

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"httpkafka/internal/core"
	"httpkafka/internal/fuzzcheck"
)

// FuzzAuthenticate: whatever arrives (method, host, path, query,
// Authorization with any SignedHeaders, timestamp, body, one more header,
// X-Forwarded-Host), the answer is a caller or a *core.Error with an
// AuthFailure code, never a panic, at a cost linear in the request's size.
//
//	go test -run '^$' -fuzz FuzzAuthenticate ./internal/tcauth
func FuzzAuthenticate(f *testing.F) {
	for _, c := range katCases() {
		scope, signed := scopeFor(c)
		f.Add(c.req.Method, c.req.Host, c.req.Path, c.req.RawQuery, tc3Header(katID, scope, signed, c.sig), katTS, string(c.req.Body), "X-TC-Action", " SendMessage ", "", c.req.Header.Get("Content-Type"))
	}
	f.Add("GET", "h:1", "/", "Signature=x&SecretId=AKIDEXAMPLE&Timestamp=1700000000", "", "", "", "", "", "", "")
	f.Add("POST", "", "", "", "TC3-HMAC-SHA256 Credential=////, SignedHeaders=;;host;content-type, Signature=", "-1", "", "", "", "", "")
	// Finding 1: SignedHeaders naming one big header many times.
	f.Add("POST", katHost, "/", "", tc3Header(katID, "2023-11-14/ckafka/tc3_request", "content-type;host"+strings.Repeat(";x-a", 500), strings.Repeat("0", 64)),
		katTS, katBody, "X-A", strings.Repeat("a", 5000), "", "application/json")
	// Finding 3: a legacy body of '&'.
	f.Add("POST", katHost, "/", "", "", "", string(signLegacy(legacyForm(strings.Repeat("&", 20000)))), "", "", "", "application/x-www-form-urlencoded")
	// Finding 4: parameters moved into the path.
	moved := legacyForm("pwned")
	moved.Del("Action")
	f.Add("POST", katHost, "/%3FAction=SendMessage&DataHubId=datahub-a&Message.0.Body=see%20you", "", "", "", moved.Encode()+"&Signature=x", "X-TC-Action", "SendMessage", "", "application/x-www-form-urlencoded")
	// Finding 5: another service, a forwarded host.
	f.Add("POST", "other.example.com", "/", "", tc3Header(katID, "2023-11-14/cvm/tc3_request", "content-type;host", strings.Repeat("0", 64)), katTS, katBody, "", "", "victim.example.com", "application/json")
	plain := verifier(f)
	trusting, err := New([]Credential{{SecretID: katID, SecretKey: katKey}}, TrustForwardedHost(), Hosts(katHost, "victim.example.com"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, host, path, query, auth, ts, body, extraName, extraValue, fwd, contentType string) {
		h := http.Header{"Content-Type": {contentType}}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		if ts != "" {
			h.Set("X-TC-Timestamp", ts)
		}
		if extraName != "" {
			h.Set(extraName, extraValue) // canonicalised as adapters do; an invalid name is kept as is
		}
		if fwd != "" {
			h.Set("X-Forwarded-Host", fwd)
		}
		size := len(method) + len(host) + len(path) + len(query) + len(auth) + len(ts) + len(body) + len(extraName) + len(extraValue) + len(fwd) + len(contentType)
		for _, v := range []*Verifier{plain, trusting} {
			r := &core.Request{Method: method, Host: host, Path: path, RawQuery: query, Header: h, Body: []byte(body), ForwardedHost: fwd}
			var who core.Caller
			var err error
			// Legacy parameters are parsed, joined and parsed again for
			// the query candidates: a few copies of the input.
			fuzzcheck.Cost(t, size, 48, 64<<10, func() { who, err = v.Authenticate(r, katNow) })
			if err == nil {
				if who.SecretID == "" {
					t.Fatal("success without a SecretId")
				}
				continue
			}
			var e *core.Error
			if !errors.As(err, &e) || !strings.HasPrefix(e.Code, "AuthFailure") || e.Message == "" {
				t.Fatalf("error %v is not an AuthFailure with a message", err)
			}
		}
	})
}
