package core

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Idempotency keys. A request names its key in the ClientToken parameter
// (TencentCloud's name; a signature covers it) or in the Idempotency-Key
// header (the IETF draft's name). The core checks the key and hands keyed
// requests to a [Deduplicator]; the store behind it lives outside the core.
const (
	IdempotencyKeyHeader = "Idempotency-Key"
	// ReplayedHeader is set to "true" on a reply that repeats the stored
	// outcome of an earlier request with the same key.
	ReplayedHeader = "Idempotent-Replayed"
	// RecordHeaderIdempotencyKey names the record header that carries the
	// key on every record of a keyed request, for consumers, when a
	// Deduplicator is configured.
	RecordHeaderIdempotencyKey = "Idempotency-Key"
	// MaxIdempotencyKeyLen is the longest key, in bytes (printable ASCII).
	MaxIdempotencyKeyLen = 64
	// AnonymousScope is the key scope of unauthenticated requests.
	AnonymousScope = "anonymous"
)

// Deduplicator runs the produce of a keyed request at most once per key.
// internal/idempotency implements it over Redis.
type Deduplicator interface {
	// Do claims k's key and calls produce once, or answers from what an
	// earlier request with the key left. produce may run past ctx (the
	// request's deadline): Do answers then, and the outcome is kept when
	// produce finishes. Its errors are *Error; out.Replayed is set when
	// the answer, success or error, repeats a stored outcome.
	Do(ctx context.Context, k *KeyedCall, produce ProduceFunc) (out Outcome, err error)
}

// ProduceFunc writes a keyed request's messages. Its context carries no
// request deadline; the producer's own timeouts bound it. A failure is an
// *Error whose Cause is the producer's *ProduceError when Kafka answered.
type ProduceFunc func(ctx context.Context) ([]Placement, error)

// KeyedCall is a validated request with an idempotency key.
type KeyedCall struct {
	Scope     string // the caller's SecretId, or AnonymousScope
	DataHubID string
	Key       string
	Messages  []Message
	Received  time.Time
}

// Outcome is what a keyed request answers: the placements, and the receipt
// time of the request that wrote them, which the MessageIds include.
type Outcome struct {
	Received   time.Time
	Placements []Placement
	Replayed   bool
}

// ReplayGuard refuses a signature that was already used (opt-in replay
// protection for TC3-signed requests).
type ReplayGuard interface {
	// FirstUse returns nil the first time signature is seen, or an *Error
	// (AuthFailure.SignatureFailure, or ResourceUnavailable for a store
	// that cannot be reached).
	FirstUse(ctx context.Context, signature string) error
}

// idempotencyKey returns the request's key ("" for none), checked.
func idempotencyKey(r *Request, c *call) (string, error) {
	key, name := c.ClientToken, "ClientToken"
	if h := r.Header.Get(IdempotencyKeyHeader); h != "" {
		if key != "" && key != h {
			return "", Errorf(CodeInvalidParameterValue, "ClientToken %q and the Idempotency-Key header %q differ; send the key once", clip(key), clip(h))
		}
		key, name = h, "the Idempotency-Key header"
	}
	if len(key) > MaxIdempotencyKeyLen {
		return "", Errorf(CodeInvalidParameterValue, "%s is %d bytes, limit %d", name, len(key), MaxIdempotencyKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return "", Errorf(CodeInvalidParameterValue, "%s: byte %d (0x%02x) is not printable ASCII", name, i, key[i])
		}
	}
	return key, nil
}

// produceOnce sends a validated request: through the Deduplicator when it
// has a key and a store is configured, straight to the producer otherwise
// (as before keys existed: the key, checked, is then written nowhere).
func (s *Service) produceOnce(ctx context.Context, r *Request, c *call, ap accessPoint, caller *Caller, key string, received time.Time) ([]Placement, error) {
	if key == "" || s.opts.Dedup == nil {
		if err := s.checkReplay(ctx, r, caller); err != nil {
			return nil, err
		}
		placements := placementPool.get(len(c.Messages))[:len(c.Messages)]
		if err := s.producer.Produce(ctx, ap.Topic, c.Messages, placements); err != nil {
			placementPool.put(placements)
			return nil, s.produceFailure(c, ap, err)
		}
		return placements, nil
	}
	c.shared = true
	if len(c.Messages) > 0 {
		// The key marks every record, for consumers that drop duplicates
		// (also those written fail-open, without deduplication), beside
		// the configured record headers, which all messages share.
		base := c.Messages[0].Headers
		hs := append(base[:len(base):len(base)], RecordHeader{Key: RecordHeaderIdempotencyKey, Value: []byte(key)})
		for i := range c.Messages {
			c.Messages[i].Headers = hs
		}
	}
	k := &KeyedCall{Scope: AnonymousScope, DataHubID: c.DataHubID, Key: key, Messages: c.Messages, Received: received}
	if caller != nil {
		k.Scope = caller.SecretID
	}
	out, err := s.opts.Dedup.Do(ctx, k, func(ctx context.Context) ([]Placement, error) {
		placements := make([]Placement, len(c.Messages))
		if err := s.producer.Produce(ctx, ap.Topic, c.Messages, placements); err != nil {
			return nil, s.produceFailure(c, ap, err)
		}
		return placements, nil
	})
	c.replayed, c.firstReceived = out.Replayed, out.Received
	return out.Placements, err
}

// checkReplay refuses a TC3 signature seen before, when replay protection
// is on. A keyed request needs no check: its key already makes a replay
// write nothing.
func (s *Service) checkReplay(ctx context.Context, r *Request, caller *Caller) error {
	if s.opts.Replays == nil || caller == nil {
		return nil
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "TC3-HMAC-SHA256") {
		return nil
	}
	return s.opts.Replays.FirstUse(ctx, auth)
}

// replayedHeader is the reply header of a replayed outcome.
func replayedHeader(c *call) http.Header {
	if c == nil || !c.replayed {
		return nil
	}
	return http.Header{ReplayedHeader: {"true"}}
}
