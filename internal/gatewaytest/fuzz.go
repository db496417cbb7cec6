package gatewaytest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/core"
	"httpkafka/internal/fuzzcheck"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/tcauth"
)

// FuzzSecretID and FuzzSecretKey are the key the signed service of
// FuzzInvoke knows.
const (
	FuzzSecretID  = "AKIDfuzz"
	FuzzSecretKey = "fuzzSecretKey0123456789abcdefghi"
)

// FuzzInvoke fuzzes a gateway adapter: every payload is either refused as
// no event of the adapter's (errors.Is(err, notAnEvent)) or answered with
// the gateway's reply holding HTTP 200, application/json and a well-formed
// envelope, at a cost linear in the payload's size. Each payload goes to a
// service without authentication and to one that checks signatures.
// Seeds: each real event in testdata/ made a SendMessage by asSendMessage,
// as is, base64-encoded, with a TC3 Authorization header and with the
// review's finding 1 (repeated SignedHeaders), plus extra.
func FuzzInvoke(f *testing.F, events []string, asSendMessage func(m map[string]any, dataHubID string), invoke Invoke, notAnEvent error, extra ...[]byte) {
	cluster := kafkatest.New(f, 1, "fuzz")
	points := map[string]core.AccessPoint{"datahub-fuzz": {Topic: "fuzz"}}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	verifier, err := tcauth.New([]tcauth.Credential{{SecretID: FuzzSecretID, SecretKey: FuzzSecretKey}})
	if err != nil {
		f.Fatal(err)
	}
	producer := cluster.Producer(f)
	services := [2]*core.Service{
		core.New(core.Options{AccessPoints: points, Timeout: 10 * time.Second, Logger: log}, producer),
		core.New(core.Options{AccessPoints: points, Timeout: 10 * time.Second, Logger: log, Auth: verifier}, producer),
	}
	auth := func(signed string) string {
		return "TC3-HMAC-SHA256 Credential=" + FuzzSecretID + "/2023-11-14/ckafka/tc3_request, SignedHeaders=" + signed + ", Signature=" + strings.Repeat("0", 64)
	}
	for i, path := range events {
		for variant := range 4 {
			m := Event(f, filepath.Join("testdata", path))
			asSendMessage(m, "datahub-fuzz")
			switch variant {
			case 1:
				m["body"] = base64.StdEncoding.EncodeToString([]byte(m["body"].(string)))
				m["isBase64Encoded"] = true
			case 2:
				SetHeader(m, "Authorization", auth("content-type;host"))
				SetHeader(m, "X-TC-Timestamp", "1700000000")
			case 3: // finding 1
				SetHeader(m, "Authorization", auth("content-type;host"+strings.Repeat(";x-a", 300)))
				SetHeader(m, "X-A", strings.Repeat("a", 3000))
			}
			f.Add(Marshal(f, m), (i+variant)%2 == 1)
		}
	}
	for _, p := range extra {
		f.Add(p, false)
		f.Add(p, true)
	}
	// The client's first produce connects and loads metadata: done before
	// anything is measured.
	m := Event(f, filepath.Join("testdata", events[0]))
	asSendMessage(m, "datahub-fuzz")
	if out, err := invoke(context.Background(), services[0], Marshal(f, m)); err != nil || !strings.Contains(string(out), "MessageId") {
		f.Fatalf("warm-up: %s, %v", out, err)
	}

	f.Fuzz(func(t *testing.T, payload []byte, signed bool) {
		svc := services[0]
		if signed {
			svc = services[1]
		}
		var out []byte
		var err error
		// A gateway event is decoded into a struct, its headers copied,
		// its body base64-decoded, the core's work on top.
		fuzzcheck.Cost(t, len(payload), 64, 1<<20, func() { out, err = invoke(context.Background(), svc, payload) })
		if err != nil {
			if !errors.Is(err, notAnEvent) {
				t.Fatalf("Invoke: %v, want an envelope or %v", err, notAnEvent)
			}
			return
		}
		var reply struct {
			StatusCode        int                 `json:"statusCode"`
			Headers           map[string]string   `json:"headers"`
			MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
			Body              string              `json:"body"`
			IsBase64Encoded   bool                `json:"isBase64Encoded"`
		}
		if err := json.Unmarshal(out, &reply); err != nil {
			t.Fatalf("reply %s: %v", out, err)
		}
		contentType := reply.Headers["Content-Type"]
		if vs := reply.MultiValueHeaders["Content-Type"]; contentType == "" && len(vs) > 0 {
			contentType = vs[0]
		}
		body := []byte(reply.Body)
		if reply.IsBase64Encoded {
			if body, err = base64.StdEncoding.DecodeString(reply.Body); err != nil {
				t.Fatalf("reply body: %v", err)
			}
		}
		fuzzcheck.CheckReply(t, reply.StatusCode, contentType, body)
	})
}
