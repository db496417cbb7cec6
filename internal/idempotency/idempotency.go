// Package idempotency makes SendMessage requests with an idempotency key
// (ClientToken or Idempotency-Key) write at most once: [Store] implements
// core.Deduplicator and core.ReplayGuard over Redis or a Redis-compatible
// server (Valkey, ElastiCache, TencentDB for Redis), version 7 or later.
//
// A keyed request claims its key with one SET NX PX GET; the claim either
// succeeds (the request produces, then its outcome replaces the claim) or
// returns what an earlier request left: a pending claim, a stored outcome,
// or a stored failure. A produce that outlives its request keeps running
// and stores its real outcome when it finishes.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"httpkafka/internal/core"
)

// Config configures a Store.
type Config struct {
	// URL is the store: redis://[:password@]host:port[/db] or rediss://
	// for TLS (go-redis's ParseURL options apply).
	URL string
	// TTL is how long outcomes are kept; default 24h.
	TTL time.Duration
	// RequestTimeout is the service's request timeout; a pending claim
	// expires PendingMargin after it unless its produce is still running.
	RequestTimeout time.Duration
	// FailOpen produces without deduplication when the store cannot be
	// reached, instead of refusing the request.
	FailOpen bool
	Logger   *slog.Logger
}

// Defaults.
const (
	DefaultTTL = 24 * time.Hour
	// PendingMargin is added to the request timeout for a pending claim.
	// A claim is a lease: if the instance, or the store, stalls longer
	// than the lease while a produce runs (so that it cannot extend it),
	// a retry may claim the key again. A generous margin makes that rare.
	PendingMargin = 30 * time.Second
	// SignatureWindow is how long a used TC3 signature is remembered: its
	// timestamp may be up to 5 minutes either side of the server's clock.
	SignatureWindow = 11 * time.Minute
	// backgroundLimit bounds a produce that outlives its request; the
	// producer's own delivery timeout normally ends it long before.
	backgroundLimit = 2 * time.Minute
)

// Store is the Redis-backed deduplicator. It is safe for concurrent use.
type Store struct {
	rdb      *redis.Client
	name     string // for messages: redis://host:port/db, no password
	ttl      time.Duration
	pending  time.Duration
	failOpen bool
	log      *slog.Logger
	bg       sync.WaitGroup // produces that outlived their request
}

// Open parses cfg.URL and builds the client; it does not connect.
func Open(cfg Config) (*Store, error) {
	opts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("idempotency store: %w", err)
	}
	// Calls on the hot path end with the request's deadline, and a store
	// that is down is answered in milliseconds: one dial, one retry
	// (go-redis would dial five times per attempt and retry three times).
	opts.ContextTimeoutEnabled = true
	opts.DialerRetries = 1
	if !strings.Contains(cfg.URL, "max_retries=") {
		opts.MaxRetries = 1
	}
	s := &Store{
		rdb:      redis.NewClient(opts),
		name:     storeName(opts),
		ttl:      cfg.TTL,
		pending:  cfg.RequestTimeout + PendingMargin,
		failOpen: cfg.FailOpen,
		log:      cfg.Logger,
	}
	if s.ttl <= 0 {
		s.ttl = DefaultTTL
	}
	if cfg.RequestTimeout <= 0 {
		s.pending = core.DefaultTimeout + PendingMargin
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

func storeName(o *redis.Options) string {
	scheme := "redis"
	if o.TLSConfig != nil {
		scheme = "rediss"
	}
	return fmt.Sprintf("%s://%s/%d", scheme, o.Addr, o.DB)
}

// Name is the store's address without its password.
func (s *Store) Name() string { return s.name }

// Close waits (bounded by ctx) for produces that outlived their requests
// to store their outcomes, then closes the client.
func (s *Store) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.bg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("idempotency store: outcomes of produces still running not stored: %w", ctx.Err())
	}
	return errors.Join(err, s.rdb.Close())
}

// entry is what the store keeps under a key. The MessageIds of a done
// entry are rebuilt from Received and Placements, exactly as first sent.
type entry struct {
	State       string     `json:"s"` // statePending, stateDone or stateFailed
	Fingerprint string     `json:"f"` // of the messages; a different body is a mismatch
	Owner       string     `json:"o,omitempty"`
	Received    int64      `json:"r,omitempty"` // Unix ms
	Placements  [][3]int64 `json:"p,omitempty"` // partition, offset, timestamp (Unix ms)
	Code        string     `json:"c,omitempty"`
	Message     string     `json:"m,omitempty"`
}

const (
	statePending = "pending"
	stateDone    = "done"
	stateFailed  = "failed"
)

// Scripts that change a key only while it still holds this request's
// claim: a claim that expired and was taken by another request is not
// overwritten.
var (
	// complete: KEYS[1] claim, ARGV[1] the claim, ARGV[2] the outcome, ARGV[3] TTL ms.
	completeScript = redis.NewScript(`local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == ARGV[2] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end
return 0`)
	// release: KEYS[1] claim, ARGV[1] the claim.
	releaseScript = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
	// extend: KEYS[1] claim, ARGV[1] the claim, ARGV[2] TTL ms.
	extendScript = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)
)

// Do implements core.Deduplicator.
func (s *Store) Do(ctx context.Context, k *core.KeyedCall, produce core.ProduceFunc) (core.Outcome, error) {
	key := "httpkafka:idem:" + k.Scope + ":" + k.DataHubID + ":" + k.Key
	fp := fingerprint(k.Messages)
	claim := mustJSON(entry{State: statePending, Fingerprint: fp, Owner: newOwner()})
	prev, err := s.rdb.SetArgs(ctx, key, claim, redis.SetArgs{Mode: "NX", TTL: s.pending, Get: true}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		// The SET may have been applied with its reply lost: a claim
		// nobody will complete would block the key for its whole lease.
		go s.dropClaim(key, claim)
	}
	switch {
	case errors.Is(err, redis.Nil), err == nil && prev == claim: // claimed (prev == claim: a retried SET of ours)
	case err != nil && s.failOpen:
		s.log.Warn("idempotency store unreachable: producing without deduplication (DATAHUB_IDEMPOTENCY_FAIL_OPEN=true)", "store", s.name, "err", err)
		placements, perr := produce(ctx)
		return core.Outcome{Placements: placements}, perr
	case err != nil && ctx.Err() != nil:
		return core.Outcome{}, &core.Error{Code: core.CodeResourceUnavailable,
			Message: fmt.Sprintf("idempotency store %s did not answer before the request timed out: nothing was written; retry later", s.name), Cause: err}
	case err != nil:
		return core.Outcome{}, s.unavailable(err)
	default:
		return s.answer(key, fp, prev)
	}
	return s.run(ctx, key, claim, fp, k, produce)
}

// dropClaim removes claim, if it was stored, after a claim whose answer
// did not arrive.
func (s *Store) dropClaim(key, claim string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := releaseScript.Run(ctx, s.rdb, []string{key}, claim).Err(); err != nil {
		s.log.Debug("idempotency store: could not drop a claim whose answer was lost", "key", key, "err", err)
	}
}

// unavailable is the answer when the store cannot be reached.
func (s *Store) unavailable(err error) error {
	return &core.Error{Code: core.CodeResourceUnavailable,
		Message: fmt.Sprintf("idempotency store %s cannot be reached: nothing was written; retry later", s.name), Cause: err}
}

// answer replies from what an earlier request with the key left.
func (s *Store) answer(key, fp, stored string) (core.Outcome, error) {
	var e entry
	if err := json.Unmarshal([]byte(stored), &e); err != nil {
		return core.Outcome{}, fmt.Errorf("idempotency store: key %s holds %q: %w", key, stored, err)
	}
	if e.Fingerprint != fp {
		return core.Outcome{}, core.Errorf(core.CodeIdempotentParameterMismatch,
			"this idempotency key was used with other messages; a retry must send the same DataHubId and messages, a new request a new key")
	}
	switch e.State {
	case statePending:
		return core.Outcome{}, core.Errorf(core.CodeIdempotentProcessing,
			"the first request with this idempotency key is still being written; retry with the same key in a moment")
	case stateFailed:
		return core.Outcome{Replayed: true}, core.Errorf(e.Code, "%s", e.Message)
	case stateDone:
		out := core.Outcome{Received: time.UnixMilli(e.Received), Placements: make([]core.Placement, len(e.Placements)), Replayed: true}
		for i, p := range e.Placements {
			out.Placements[i] = core.Placement{Partition: int32(p[0]), Offset: p[1], Timestamp: time.UnixMilli(p[2])}
		}
		return out, nil
	}
	return core.Outcome{}, fmt.Errorf("idempotency store: key %s has state %q", key, e.State)
}

type result struct {
	placements []core.Placement
	err        error
}

// run produces a claimed request. The produce runs on without the
// request's deadline: when the deadline passes first, the caller hears
// that the outcome is unknown yet, and the outcome is stored when known.
func (s *Store) run(ctx context.Context, key, claim, fp string, k *core.KeyedCall, produce core.ProduceFunc) (core.Outcome, error) {
	produced := make(chan result, 1)
	stored := make(chan struct{})
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer close(stored)
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundLimit)
		defer cancel()
		r := s.produceHoldingClaim(bctx, key, claim, produce)
		produced <- r
		s.settle(bctx, key, claim, fp, k.Received, r)
	}()
	var r result
	select {
	case r = <-produced:
	case <-ctx.Done():
		return core.Outcome{}, core.Errorf(core.CodeFailedOperation,
			"request timed out before Kafka acknowledged every message (%d messages): the write goes on, and its outcome will be kept under this idempotency key; retry with the same key to get the MessageIds, or to write them if they were not written", len(k.Messages))
	}
	// Reply after the outcome is stored, so that a retry after this
	// reply is answered from it; never past the deadline.
	select {
	case <-stored:
	case <-ctx.Done():
	}
	return core.Outcome{Received: k.Received, Placements: r.placements}, r.err
}

// produceHoldingClaim produces, extending the claim while a produce that
// outlives its request runs, so that a retry cannot write the messages a
// second time. A killed process stops extending it: the claim expires.
func (s *Store) produceHoldingClaim(ctx context.Context, key, claim string, produce core.ProduceFunc) result {
	done := make(chan result, 1)
	go func() {
		p, err := produce(ctx)
		done <- result{p, err}
	}()
	tick := time.NewTicker(s.pending / 3)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			return r
		case <-tick.C:
			n, err := extendScript.Run(ctx, s.rdb, []string{key}, claim, s.pending.Milliseconds()).Int()
			if err == nil && n == 0 {
				err = errClaimLost
			}
			if err != nil {
				s.log.Error("idempotency store: cannot extend the claim of a produce still running", "store", s.name, "key", key, "err", err)
			}
		}
	}
}

// settle stores a finished produce's outcome. Only a request that Kafka
// refused in full (nothing written, nothing of unknown fate) releases its
// key for a fresh attempt; any other failure is kept and replayed, since
// writing again could duplicate what was written.
func (s *Store) settle(ctx context.Context, key, claim, fp string, received time.Time, r result) {
	var err error
	var pe *core.ProduceError
	switch {
	case r.err == nil:
		e := entry{State: stateDone, Fingerprint: fp, Received: received.UnixMilli(), Placements: make([][3]int64, len(r.placements))}
		for i, p := range r.placements {
			e.Placements[i] = [3]int64{int64(p.Partition), p.Offset, p.Timestamp.UnixMilli()}
		}
		err = s.complete(ctx, key, claim, mustJSON(e))
	case errors.As(r.err, &pe) && pe.Written == 0 && pe.Unknown == 0:
		err = releaseScript.Run(ctx, s.rdb, []string{key}, claim).Err()
	default:
		var apiErr *core.Error
		e := entry{State: stateFailed, Fingerprint: fp, Code: core.CodeInternalError,
			Message: "the first request with this idempotency key failed with an internal error; use a new key"}
		if errors.As(r.err, &apiErr) && apiErr.Code != core.CodeInternalError {
			e.Code, e.Message = apiErr.Code, "the first request with this idempotency key failed: "+apiErr.Message
		}
		err = s.complete(ctx, key, claim, mustJSON(e))
	}
	if err != nil {
		s.log.Error("idempotency store: outcome not stored; a retry after the claim expires may write again", "store", s.name, "key", key, "err", err)
	}
}

var errClaimLost = errors.New("the claim expired and the key was taken by another request")

func (s *Store) complete(ctx context.Context, key, claim, outcome string) error {
	n, err := completeScript.Run(ctx, s.rdb, []string{key}, claim, outcome, s.ttl.Milliseconds()).Int()
	if err == nil && n == 0 {
		err = errClaimLost
	}
	return err
}

// FirstUse implements core.ReplayGuard.
func (s *Store) FirstUse(ctx context.Context, signature string) error {
	sum := sha256.Sum256([]byte(signature))
	ok, err := s.rdb.SetNX(ctx, "httpkafka:sig:"+hex.EncodeToString(sum[:]), "1", SignatureWindow).Result()
	switch {
	case err != nil && s.failOpen:
		s.log.Warn("idempotency store unreachable: signature not checked for reuse (DATAHUB_IDEMPOTENCY_FAIL_OPEN=true)", "store", s.name, "err", err)
		return nil
	case err != nil:
		return s.unavailable(err)
	case !ok:
		return core.Errorf(core.CodeSignatureFailure,
			"this signature was already used: replay protection is on, so every request must be signed anew (a retry that must not write twice carries a ClientToken)")
	}
	return nil
}

// fingerprint hashes the messages as the core will write them: each Key
// and Body, length-prefixed.
func fingerprint(msgs []core.Message) string {
	h := sha256.New()
	var n [8]byte
	for _, m := range msgs {
		binary.BigEndian.PutUint64(n[:], uint64(len(m.Key)))
		h.Write(n[:])
		h.Write(m.Key)
		binary.BigEndian.PutUint64(n[:], uint64(len(m.Value)))
		h.Write(n[:])
		h.Write(m.Value)
	}
	return strconv.Itoa(len(msgs)) + ":" + hex.EncodeToString(h.Sum(nil))
}

func newOwner() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

func mustJSON(e entry) string {
	b, err := json.Marshal(e)
	if err != nil { // strings and numbers always marshal
		panic(err)
	}
	return string(b)
}
