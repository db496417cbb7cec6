package core_test

import (
	"context"
	"sync"
	"testing"

	"httpkafka/internal/core"
)

// onceStore is a core.Deduplicator kept in memory: the first request with
// a key produces, the others replay its outcome. internal/idempotency
// tests the Redis one; this one lets the core's side be tested alone.
type onceStore struct {
	mu   sync.Mutex
	done map[string]core.Outcome
}

func (s *onceStore) Do(ctx context.Context, k *core.KeyedCall, produce core.ProduceFunc) (core.Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := k.Scope + "/" + k.DataHubID + "/" + k.Key
	if out, ok := s.done[id]; ok {
		out.Replayed = true
		return out, nil
	}
	placements, err := produce(context.WithoutCancel(ctx))
	if err != nil {
		return core.Outcome{}, err
	}
	out := core.Outcome{Received: k.Received, Placements: placements}
	if s.done == nil {
		s.done = map[string]core.Outcome{}
	}
	s.done[id] = out
	return out, nil
}

// keyHeaders returns the values of the Idempotency-Key record header of
// each recorded message ("" where it has none) and fails on a message
// that has it twice.
func keyHeaders(t *testing.T, p *recordingProducer) []string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for i, m := range p.msgs {
		v, n := "", 0
		for _, h := range m.Headers {
			if h.Key == core.RecordHeaderIdempotencyKey {
				v, n = string(h.Value), n+1
			}
		}
		if n > 1 {
			t.Errorf("message %d has %d Idempotency-Key headers", i, n)
		}
		out = append(out, v)
	}
	return out
}

// TestIdempotencyKeyRecordHeader: the Idempotency-Key record header marks
// the records of a keyed request only when a store makes the key mean
// something (README, Idempotent retries). Without a store a key is still
// checked, but the request is produced like any other, headers included.
func TestIdempotencyKeyRecordHeader(t *testing.T) {
	const body = `{"DataHubId":"datahub-a","Message":[{"Body":"x"},{"Body":"y"}]}`
	const tokenBody = `{"DataHubId":"datahub-a","ClientToken":"token-1","Message":[{"Body":"x"},{"Body":"y"}]}`
	points := map[string]core.AccessPoint{"datahub-a": {Topic: "a"}}
	for _, tt := range []struct {
		name    string
		req     *core.Request
		key     string
		headers []string // configured record headers
	}{
		{"Idempotency-Key header", jsonRequest(body, "Idempotency-Key", "order-1"), "order-1", nil},
		{"ClientToken", jsonRequest(tokenBody), "token-1", nil},
		{"beside configured headers", jsonRequest(body, "Idempotency-Key", "order-2"), "order-2", []string{core.RecordHeaderRequestID}},
	} {
		t.Run(tt.name+", no store", func(t *testing.T) {
			p := &recordingProducer{}
			svc := core.New(core.Options{AccessPoints: points, Logger: quiet, RecordHeaders: tt.headers}, p)
			if env := decodeEnvelope(t, svc.Handle(context.Background(), tt.req)); env.Response.Error != nil {
				t.Fatalf("error %+v", env.Response.Error)
			}
			if got := keyHeaders(t, p); len(got) != 2 || got[0] != "" || got[1] != "" {
				t.Errorf("Idempotency-Key record headers %q without a store, want none", got)
			}
			for i, m := range p.msgs {
				if len(m.Headers) != len(tt.headers) {
					t.Errorf("message %d: headers %q, want only the configured %q", i, m.Headers, tt.headers)
				}
			}
		})
		t.Run(tt.name+", with a store", func(t *testing.T) {
			p := &recordingProducer{}
			svc := core.New(core.Options{AccessPoints: points, Logger: quiet, RecordHeaders: tt.headers, Dedup: &onceStore{}}, p)
			first := svc.Handle(context.Background(), tt.req)
			if env := decodeEnvelope(t, first); env.Response.Error != nil {
				t.Fatalf("error %+v", env.Response.Error)
			}
			if got := keyHeaders(t, p); len(got) != 2 || got[0] != tt.key || got[1] != tt.key {
				t.Errorf("Idempotency-Key record headers %q, want %q on both records", got, tt.key)
			}
			for i, m := range p.msgs {
				if len(m.Headers) != len(tt.headers)+1 || (len(tt.headers) > 0 && m.Headers[0].Key != "httpkafka-request-id") {
					t.Errorf("message %d: headers %q, want the configured %q and Idempotency-Key", i, m.Headers, tt.headers)
				}
			}
			again := svc.Handle(context.Background(), tt.req)
			if env := decodeEnvelope(t, again); env.Response.Error != nil || again.Header.Get(core.ReplayedHeader) != "true" {
				t.Errorf("the retry: error %+v, %s %q; want a replay", env.Response.Error, core.ReplayedHeader, again.Header.Get(core.ReplayedHeader))
			}
			if n := len(keyHeaders(t, p)); n != 2 {
				t.Errorf("%d records after the retry, want the first request's 2", n)
			}
		})
	}
}
