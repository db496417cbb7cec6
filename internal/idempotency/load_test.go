package idempotency_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"httpkafka/internal/core"
)

// The full load test (make load-idempotency) is 50 clients x 2,000 keyed
// requests; go test runs 50 x 20.
var (
	loadClients  = flag.Int("idempotency.clients", 50, "load test: concurrent clients")
	loadRequests = flag.Int("idempotency.requests", 20, "load test: keyed requests per client (2000 for the full run)")
)

// TestLoad sends every keyed request two or three times, at once and after
// random delays, while the brokers drop connections, stall past the request
// timeout, answer REQUEST_TIMED_OUT after writing, and refuse writes, some
// of the time. Then it reads the topic back: every acknowledged message must
// be there exactly once, where its MessageId says, and nothing twice.
func TestLoad(t *testing.T) {
	const timeout = time.Second
	e := newEnv(t, setup{timeout: timeout})
	var drops, stalls atomic.Int64
	e.cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		e.cluster.KeepControl()
		switch x := rand.Float64(); {
		case x < 0.03: // the connection drops before the write
			drops.Add(1)
			return nil, errors.New("injected: connection dropped"), true
		case x < 0.04: // held past the request timeout, then written
			stalls.Add(1)
			e.cluster.SleepControl(func() { time.Sleep(timeout + 500*time.Millisecond) })
		}
		return nil, nil, false
	})
	// REQUEST_TIMED_OUT (written, then the error) and refusals come in
	// separate one-second windows, a second apart: a refusal of the retry
	// of a write that was appended is the duplicate window README.md
	// states (franz-go reports the refusal), not what this test measures.
	began := time.Now()
	chance := func(phase int, p float64) func(kmsg.Request) bool {
		return func(kmsg.Request) bool { return int(time.Since(began)/time.Second)%3 == phase && rand.Float64() < p }
	}
	timedOut := e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Err: kerr.RequestTimedOut, Count: -1, When: chance(0, 0.02)})
	refused := e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Err: kerr.TopicAuthorizationFailed, Count: -1, When: chance(2, 0.01)})

	type request struct {
		key    string
		bodies []string
		ids    []string // of the first success
		failed string   // a kept failure, when no copy succeeded
	}
	var (
		sends, replays, processing, timeouts, released, unavailable atomic.Int64
		mu                                                          sync.Mutex
		mismatched                                                  []string
	)
	requests := make([][]*request, *loadClients)
	start := time.Now()
	var clients sync.WaitGroup
	for c := range *loadClients {
		clients.Go(func() {
			for i := range *loadRequests {
				req := &request{key: fmt.Sprintf("c%d-r%d", c, i)}
				for m := range 1 + rand.IntN(3) {
					req.bodies = append(req.bodies, fmt.Sprintf("%s-m%d", req.key, m))
				}
				requests[c] = append(requests[c], req)
				var copies sync.WaitGroup
				for range 2 + rand.IntN(2) {
					copies.Go(func() {
						if rand.IntN(2) == 0 { // half the copies at once, half after a random delay
							time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
						}
						for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
							sends.Add(1)
							r := e.send(t, keyed(req.key, req.bodies...))
							if r.replayed {
								replays.Add(1)
							}
							switch code := r.code(); {
							case code == "":
								mu.Lock()
								if req.ids == nil {
									req.ids = r.Response.MessageId
								} else if strings.Join(req.ids, ",") != strings.Join(r.Response.MessageId, ",") {
									mismatched = append(mismatched, req.key)
								}
								mu.Unlock()
								return
							case code == core.CodeIdempotentProcessing:
								processing.Add(1)
							case code == core.CodeResourceUnavailable: // the store did not answer in time (a loaded machine)
								unavailable.Add(1)
							case strings.Contains(r.Response.Error.Message, "request timed out"):
								timeouts.Add(1)
							case r.replayed: // a kept failure: this key will not write again
								mu.Lock()
								req.failed = r.Response.Error.Message
								mu.Unlock()
								return
							case strings.Contains(r.Response.Error.Message, "0 of "):
								released.Add(1) // refused in full: the key was released
							default:
								t.Errorf("%s: unexpected answer %s: %s", req.key, code, r.Response.Error.Message)
								return
							}
							time.Sleep(time.Duration(10+rand.IntN(40)) * time.Millisecond)
						}
						t.Errorf("%s: no final answer within a minute", req.key)
					})
				}
				copies.Wait()
			}
		})
	}
	clients.Wait()
	elapsed := time.Since(start)
	timedOut.Remove()
	refused.Remove()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.store.Close(ctx); err != nil { // every produce that outlived its request has finished
		t.Fatal(err)
	}

	// Read the topic back.
	recs := e.cluster.ReadAll(t, topic)
	seen := map[string]int{}
	at := map[string]string{} // "partition:offset" -> body
	for _, rec := range recs {
		seen[string(rec.Value)]++
		at[strconv.Itoa(int(rec.Partition))+":"+strconv.FormatInt(rec.Offset, 10)] = string(rec.Value)
		if len(rec.Headers) != 1 || !strings.HasPrefix(string(rec.Value), string(rec.Headers[0].Value)+"-m") {
			t.Errorf("record %q has headers %v", rec.Value, rec.Headers)
		}
	}
	var total, acked, ackedMsgs, failed, lost, misplaced, duplicates int
	for body, n := range seen {
		if n > 1 {
			duplicates += n - 1
			t.Errorf("%s written %d times", body, n)
		}
	}
	for _, list := range requests {
		for _, req := range list {
			total++
			if req.ids == nil {
				failed++
				continue
			}
			acked++
			for i, body := range req.bodies {
				ackedMsgs++
				if seen[body] == 0 {
					lost++
					t.Errorf("acknowledged %s is not in the topic", body)
					continue
				}
				parts := strings.Split(req.ids[i], ":") // datahub:topic:partition:offset:received:sent
				if len(parts) != 6 || at[parts[2]+":"+parts[3]] != body {
					misplaced++
					t.Errorf("MessageId %s of %s points at %q", req.ids[i], body, at[parts[2]+":"+parts[3]])
				}
			}
		}
	}
	if len(mismatched) > 0 {
		t.Errorf("%d requests got different MessageIds on different copies: %v", len(mismatched), mismatched[:min(5, len(mismatched))])
	}
	t.Logf("load: %d clients, %d keyed requests, %d sends (%d retries), %s, %.0f sends/s",
		*loadClients, total, sends.Load(), sends.Load()-int64(total), elapsed.Round(time.Millisecond), float64(sends.Load())/elapsed.Seconds())
	t.Logf("answers: %d replayed, %d in flight (IdempotentProcessing), %d timed out, %d refused in full (key released), %d store too slow (ResourceUnavailable)",
		replays.Load(), processing.Load(), timeouts.Load(), released.Load(), unavailable.Load())
	t.Logf("faults: %d connections dropped, %d produce requests stalled past the timeout, %d REQUEST_TIMED_OUT after the write, %d refused (TOPIC_AUTHORIZATION_FAILED)",
		drops.Load(), stalls.Load(), timedOut.Hits(), refused.Hits())
	t.Logf("topic: %d records; %d requests acknowledged with %d messages, %d failed for good (partly refused); duplicates %d, lost %d, MessageIds pointing elsewhere %d",
		len(recs), acked, ackedMsgs, failed, duplicates, lost, misplaced)
	if acked == 0 {
		t.Fatal("nothing was acknowledged")
	}
}
