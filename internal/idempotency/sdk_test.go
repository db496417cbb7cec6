package idempotency_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"

	"httpkafka/adapters/httpserver"
	"httpkafka/internal/core"
	"httpkafka/internal/tcauth"
	"httpkafka/internal/tcauth/sdktest"
)

// recorder keeps the last request the SDK sent, to send it again by hand.
type recorder struct {
	mu     sync.Mutex
	header http.Header
	body   []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.header, r.body = req.Header.Clone(), body
	r.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) last() (http.Header, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.header, string(r.body)
}

// TestOfficialGoSDK retries SendMessage through the official Go SDK with an
// Idempotency-Key header, over the HTTP server functions/http runs, with
// signatures and replay protection on.
func TestOfficialGoSDK(t *testing.T) {
	e := newEnv(t, setup{})
	auth, err := tcauth.New([]tcauth.Credential{{SecretID: sdktest.SecretID, SecretKey: sdktest.SecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	svc := newService(t, e.cluster, e.store, 5*time.Second, auth)
	srv := httptest.NewServer(httpserver.Handler(svc))
	t.Cleanup(srv.Close)
	rec := &recorder{}
	client := sdktest.Client(t, strings.TrimPrefix(srv.URL, "http://"), common.NewCredential(sdktest.SecretID, sdktest.SecretKey), nil)
	client.WithHttpTransport(rec)

	// The README's retry loop: the same key on every attempt.
	var ids [][]string
	for attempt := range 3 {
		resp, err := sdktest.Send(client, dataHub, "order 42 paid", "order-42", map[string]string{"Idempotency-Key": "order-42-paid"})
		if err != nil {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		got := make([]string, len(resp.Response.MessageId))
		for i, id := range resp.Response.MessageId {
			got[i] = *id
		}
		ids = append(ids, got)
	}
	if !slices.Equal(ids[0], ids[1]) || !slices.Equal(ids[0], ids[2]) || len(ids[0]) != 1 {
		t.Fatalf("MessageIds of three attempts: %q", ids)
	}
	if recs := e.records(t); len(recs) != 1 {
		t.Fatalf("three attempts wrote %d records, want 1", len(recs))
	}

	// Replay protection: the captured keyed request sent again is answered
	// from the store (its key makes it harmless) ...
	header, body := rec.last()
	replayed := sdktest.Raw(t, "POST", srv.URL, header, body)
	if !strings.Contains(replayed, ids[0][0]) {
		t.Fatalf("a replayed keyed request: %s", replayed)
	}
	// ... an unkeyed one is refused the second time.
	if _, err := sdktest.Send(client, dataHub, "unkeyed", "", nil); err != nil {
		t.Fatal(err)
	}
	header, body = rec.last()
	again := sdktest.Raw(t, "POST", srv.URL, header, body)
	if !strings.Contains(again, `"Code":"AuthFailure.SignatureFailure"`) || !strings.Contains(again, "this signature was already used") {
		t.Fatalf("a replayed signed request: %s", again)
	}
	if recs := e.records(t); len(recs) != 2 {
		t.Fatalf("topic holds %d records, want 2", len(recs))
	}

	// The SDK sees the store's answers as TencentCloudSDKErrors.
	_, err = sdktest.Send(client, dataHub, "other body", "order-42", map[string]string{"Idempotency-Key": "order-42-paid"})
	var sdkErr *tcerr.TencentCloudSDKError
	if !errors.As(err, &sdkErr) || sdkErr.Code != core.CodeIdempotentParameterMismatch {
		t.Fatalf("same key, other body: %v", err)
	}
}
