package tcauth

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/core"
)

// The findings of the security review (issue 8), scaled to run in a test.
// Each test measures what a hostile request costs and logs it; the
// figures before and after each fix are in the closing note.

// cost runs f and returns the bytes it allocated and the time it took.
func cost(f func()) (alloc uint64, took time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	took = time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

// signTC3 signs r as a client would, independently of the verifier: the
// canonical request is built as one string from the documented algorithm.
func signTC3(r *core.Request, id, key, service, signed, path, host string) {
	var lines strings.Builder
	for name := range strings.SplitSeq(signed, ";") {
		v := host
		if name != "host" {
			v = strings.ToLower(strings.TrimSpace(r.Header.Get(name)))
		}
		lines.WriteString(name + ":" + v + "\n")
	}
	payload := sha256.Sum256(r.Body)
	cr := r.Method + "\n" + path + "\n" + r.RawQuery + "\n" + lines.String() + "\n" + signed + "\n" + hex.EncodeToString(payload[:])
	crHash := sha256.Sum256([]byte(cr))
	ts := r.Header.Get("X-TC-Timestamp")
	date := "2023-11-14"
	sts := Algorithm + "\n" + ts + "\n" + date + "/" + service + "/tc3_request\n" + hex.EncodeToString(crHash[:])
	sig := hex.EncodeToString(hmacSHA256(signingKey(key, date, service), sts))
	r.Header.Set("Authorization", tc3Header(id, date+"/"+service+"/tc3_request", signed, sig))
}

// Finding 1: a valid SecretId and SignedHeaders that name one big header
// thousands of times. The verifier built the whole canonical request (one
// copy of the header per name) for each host and path candidate.
func TestFinding1RepeatedSignedHeaders(t *testing.T) {
	v := verifier(t)
	const repeats, valueBytes = 2000, 20000
	r := &core.Request{Method: "POST", Host: katHost, Path: "/", Body: []byte(katBody),
		Header: hdr("Content-Type", "application/json", "X-TC-Timestamp", katTS, "X-A", strings.Repeat("a", valueBytes),
			"Authorization", tc3Header(katID, "2023-11-14/ckafka/tc3_request", "content-type;host"+strings.Repeat(";x-a", repeats), strings.Repeat("0", 64)))}
	size := len(r.Header.Get("Authorization")) + valueBytes + len(r.Body)
	var err error
	alloc, took := cost(func() { _, err = v.Authenticate(r, katNow) })
	t.Logf("finding 1: %d bytes of headers: %d bytes allocated, %s", size, alloc, took)
	wantCodeOnly(t, err, core.CodeInvalidAuthorization)
	if limit := uint64(4*size + 64<<10); alloc > limit {
		t.Errorf("a %d-byte request allocated %d bytes, limit %d", size, alloc, limit)
	}
}

// TestSignedHeadersRules: names sorted, unique, present, few, small.
func TestSignedHeadersRules(t *testing.T) {
	v := verifier(t)
	many := make([]string, 0, maxSignedHeaders+1)
	h := hdr("Content-Type", "application/json", "X-TC-Timestamp", katTS)
	for i := range maxSignedHeaders - 1 {
		name := "x-h" + strings.Repeat("a", i)
		many = append(many, name)
		h.Set(name, "v")
	}
	for _, tt := range []struct{ name, signed, want string }{
		{"not sorted", "host;content-type", "sorted"},
		{"repeated", "content-type;host;host", "more than once"},
		{"missing header", "content-type;host;x-absent", "x-absent"},
		{"too many", "content-type;host;" + strings.Join(many, ";"), "at most"},
		{"empty name", "content-type;;host", "lower-case names"},
		{"upper case", "Content-Type;host", "lower-case names"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &core.Request{Method: "POST", Host: katHost, Path: "/", Body: []byte(katBody), Header: h.Clone()}
			r.Header.Set("Authorization", tc3Header(katID, "2023-11-14/ckafka/tc3_request", tt.signed, strings.Repeat("0", 64)))
			_, err := v.Authenticate(r, katNow)
			wantCodeOnly(t, err, core.CodeInvalidAuthorization)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
	t.Run("signed header values too big", func(t *testing.T) {
		r := &core.Request{Method: "POST", Host: katHost, Path: "/", Body: []byte(katBody), Header: h.Clone()}
		r.Header.Set("X-Big", strings.Repeat("b", maxSignedHeaderBytes))
		r.Header.Set("Authorization", tc3Header(katID, "2023-11-14/ckafka/tc3_request", "content-type;host;x-big", strings.Repeat("0", 64)))
		_, err := v.Authenticate(r, katNow)
		wantCodeOnly(t, err, core.CodeInvalidAuthorization)
	})
	t.Run("the most allowed still verifies", func(t *testing.T) {
		r := &core.Request{Method: "POST", Host: katHost, Path: "/", Body: []byte(katBody), Header: h.Clone()}
		signed := strings.Join(append([]string{"content-type", "host"}, many[:maxSignedHeaders-2]...), ";")
		signTC3(r, katID, katKey, "ckafka", sortedSigned(signed), "/", katHost)
		if _, err := v.Authenticate(r, katNow); err != nil {
			t.Fatal(err)
		}
	})
}

func sortedSigned(s string) string {
	names := strings.Split(s, ";")
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return strings.Join(names, ";")
}

// Finding 3: a legacy HmacSHA256 form whose Message.0.Body is '&'
// repeated: reshaped() looked for '=' from every '&' to the end.
func TestFinding3ReshapedLinear(t *testing.T) {
	v := verifier(t)
	const n = 1_000_000
	timeFor := func(body string) (time.Duration, uint64, int) {
		r := formRequest(signLegacy(legacyForm(body)))
		var err error
		alloc, took := cost(func() { _, err = v.Authenticate(r, katNow) })
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		return took, alloc, len(r.Body)
	}
	base, _, _ := timeFor(strings.Repeat("a", 3*n)) // the same size, no '&': linear work
	took, alloc, size := timeFor(strings.Repeat("&", n))
	t.Logf("finding 3: %d-byte form of '&': %s, %d bytes allocated (same size without '&': %s)", size, took, alloc, base)
	if limit := 20*base + 200*time.Millisecond; took > limit {
		t.Errorf("%d '&' took %s, more than %s (20 times a body of the same size without them)", n, took, limit)
	}
}

// Finding 4: a captured legacy request moved to another access point by
// putting "?" (as %3F) and the first parameters into the path.
func TestFinding4LegacyPathMove(t *testing.T) {
	v := verifier(t)
	victim := legacyForm("see you?DataHubId=datahub-b&Message.0.Body=pwned")
	victim.Set("DataHubId", "datahub-a")
	captured, err := url.ParseQuery(string(signLegacy(victim)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Authenticate(formRequest(signLegacy(victim)), katNow); err != nil {
		t.Fatalf("the victim's request: %v", err)
	}
	// The attacker's: the first three parameters in the path, the rest
	// of the value as new parameters in the form.
	moved := url.Values{}
	for k, vs := range captured {
		switch k {
		case "Action", "DataHubId", "Message.0.Body":
		default:
			moved[k] = vs
		}
	}
	moved.Set("DataHubId", "datahub-b")
	moved.Set("Message.0.Body", "pwned")
	r := formRequest([]byte(moved.Encode()))
	r.Path = "/%3FAction=SendMessage&DataHubId=datahub-a&Message.0.Body=see%20you"
	r.Header.Set("X-TC-Action", "SendMessage")
	_, err = v.Authenticate(r, katNow)
	if err == nil {
		t.Fatal("the moved request was accepted")
	}
	t.Logf("finding 4: %v", err)
	wantCodeOnly(t, err, core.CodeSignatureFailure)
}

// Finding 5: service, host and path bound to what the client signed.
func TestFinding5Binding(t *testing.T) {
	sign := func(service, host, path string) *core.Request {
		r := &core.Request{Method: "POST", Host: host, Path: path, Body: []byte(katBody),
			Header: hdr("Content-Type", "application/json", "X-TC-Timestamp", katTS)}
		signTC3(r, katID, katKey, service, "content-type;host", "/", host)
		return r
	}
	v := verifier(t)
	t.Run("service cvm", func(t *testing.T) {
		_, err := v.Authenticate(sign("cvm", katHost, "/"), katNow)
		wantCodeOnly(t, err, core.CodeSignatureFailure)
		if !strings.Contains(err.Error(), "cvm") {
			t.Errorf("error %q does not name the service", err)
		}
	})
	t.Run("service ckafka", func(t *testing.T) {
		if _, err := v.Authenticate(sign("ckafka", "gw.example.com", "/"), katNow); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("service the host's first label", func(t *testing.T) {
		if _, err := v.Authenticate(sign("gw", "gw.example.com", "/"), katNow); err != nil {
			t.Fatal(err)
		}
	})
	// Signed for victim.example.com, sent to another host with
	// X-Forwarded-Host naming the signed one.
	forwarded := func() *core.Request {
		r := sign("ckafka", "victim.example.com", "/")
		r.Host = "other.example.com"
		r.Header.Set("X-Forwarded-Host", "victim.example.com")
		return r
	}
	t.Run("X-Forwarded-Host not trusted by default", func(t *testing.T) {
		_, err := v.Authenticate(forwarded(), katNow)
		wantCodeOnly(t, err, core.CodeSignatureFailure)
	})
	t.Run("X-Forwarded-Host trusted when configured", func(t *testing.T) {
		trusting, err := New([]Credential{{SecretID: katID, SecretKey: katKey}}, TrustForwardedHost())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := trusting.Authenticate(forwarded(), katNow); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a gateway adapter vouches for the original host", func(t *testing.T) {
		r := forwarded()
		r.Header.Del("X-Forwarded-Host")
		r.ForwardedHost = "victim.example.com"
		if _, err := v.Authenticate(r, katNow); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("host allow-list", func(t *testing.T) {
		only, err := New([]Credential{{SecretID: katID, SecretKey: katKey}}, Hosts("ckafka.example.com"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = only.Authenticate(sign("ckafka", "other.example.com", "/"), katNow)
		wantCodeOnly(t, err, core.CodeSignatureFailure)
		if !strings.Contains(err.Error(), "other.example.com") {
			t.Errorf("error %q does not name the host", err)
		}
		if _, err := only.Authenticate(sign("ckafka", "ckafka.example.com", "/"), katNow); err != nil {
			t.Fatal(err)
		}
		if _, err := only.Authenticate(sign("ckafka", "CKafka.Example.com:8443", "/"), katNow); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("legacy: / is not tried for another path", func(t *testing.T) {
		r := formRequest(signLegacy(legacyForm("hello")))
		r.Path = "/another/endpoint"
		_, err := v.Authenticate(r, katNow)
		wantCodeOnly(t, err, core.CodeSignatureFailure)
	})
}
