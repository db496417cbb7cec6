package httpserver_test

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"httpkafka/adapters/httpserver"
	"httpkafka/internal/core"
	"httpkafka/internal/fuzzcheck"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/tcauth"
)

// FuzzServeHTTP: every HTTP/1.1 request that net/http parses, signed or
// not, is answered 200 with a well-formed envelope, at a cost linear in
// its size.
//
//	go test -run '^$' -fuzz FuzzServeHTTP ./adapters/httpserver
func FuzzServeHTTP(f *testing.F) {
	cluster := kafkatest.New(f, 1, "fuzz")
	producer := cluster.Producer(f)
	points := map[string]core.AccessPoint{"datahub-fuzz": {Topic: "fuzz"}}
	log := slog.New(slog.DiscardHandler)
	verifier, err := tcauth.New([]tcauth.Credential{{SecretID: "AKIDfuzz", SecretKey: "fuzzSecretKey0123456789abcdefghi"}})
	if err != nil {
		f.Fatal(err)
	}
	handlers := [2]http.Handler{
		httpserver.Handler(core.New(core.Options{AccessPoints: points, MaxRequestBytes: 64 << 10, Logger: log}, producer),
			httpserver.MaxInflightBytes(1<<20)),
		httpserver.Handler(core.New(core.Options{AccessPoints: points, MaxRequestBytes: 64 << 10, Logger: log, Auth: verifier}, producer),
			httpserver.MaxInflightBytes(1<<20)),
	}
	head := "POST / HTTP/1.1\r\nHost: ckafka.tencentcloudapi.com\r\nX-TC-Action: SendMessage\r\nX-TC-Version: 2019-08-19\r\n"
	json := `{"DataHubId":"datahub-fuzz","Message":[{"Body":"hello"}]}`
	for _, s := range []string{
		head + "Content-Type: application/json\r\nContent-Length: 57\r\n\r\n" + json,
		head + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n39\r\n" + json + "\r\n0\r\n\r\n",
		head + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 57\r\n\r\nDataHubId=datahub-fuzz&Message.0.Body=a&Message.01.Body=b",
		"GET /?DataHubId=datahub-fuzz&Message.0.Body=q HTTP/1.1\r\nHost: x\r\nX-TC-Action: SendMessage\r\nX-TC-Version: 2019-08-19\r\n\r\n",
		// Finding 2: a large announced length, one byte sent.
		head + "Content-Type: application/json\r\nContent-Length: 6291456\r\n\r\n{",
		// Finding 1.
		head + "Content-Type: application/json\r\nX-TC-Timestamp: 1700000000\r\nX-A: " + strings.Repeat("a", 3000) +
			"\r\nAuthorization: TC3-HMAC-SHA256 Credential=AKIDfuzz/2023-11-14/ckafka/tc3_request, SignedHeaders=content-type;host" + strings.Repeat(";x-a", 300) +
			", Signature=" + strings.Repeat("0", 64) + "\r\nContent-Length: 57\r\n\r\n" + json,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	// The client's first produce connects and loads metadata: done
	// before anything is measured.
	warm := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/", strings.NewReader(json))
	req.Header = http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}}
	handlers[0].ServeHTTP(warm, req)
	if !strings.Contains(warm.Body.String(), "MessageId") {
		f.Fatalf("warm-up: %s", warm.Body)
	}
	f.Fuzz(func(t *testing.T, raw []byte, signed bool) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return // not a request net/http would hand the handler
		}
		h := handlers[0]
		if signed {
			h = handlers[1]
		}
		r.RemoteAddr = "192.0.2.1:1234"
		body, _ := io.ReadAll(r.Body) // kept, so that Cost may run the handler twice
		var rec *httptest.ResponseRecorder
		fuzzcheck.Cost(t, len(raw), 64, 1<<20, func() {
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, r)
		})
		fuzzcheck.CheckReply(t, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	})
}
