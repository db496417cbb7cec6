package idempotency_test

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkKeyCost measures, in one run, the latency of SendMessage
// requests without a key, with a new key (claim, produce, outcome write)
// and of replays, sent in turn against kfake and a local redis-server, and
// reports their p50 and p99: the cost of a key is the difference.
//
//	go test -run '^$' -bench KeyCost -benchtime 3000x ./internal/idempotency
func BenchmarkKeyCost(b *testing.B) {
	e := newEnv(b, setup{})
	wantOK(b, e.send(b, keyed("warm-up", "x")), 1)
	var plain, key, replay []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		wantOK(b, e.send(b, keyed("", "benchmark message")), 1)
		plain = append(plain, time.Since(start))

		k := fmt.Sprintf("bench-%d", i)
		start = time.Now()
		wantOK(b, e.send(b, keyed(k, "benchmark message")), 1)
		key = append(key, time.Since(start))

		start = time.Now()
		wantOK(b, e.send(b, keyed(k, "benchmark message")), 1)
		replay = append(replay, time.Since(start))
	}
	p := func(d []time.Duration, q float64) float64 {
		slices.Sort(d)
		return float64(d[int(q*float64(len(d)-1))].Microseconds())
	}
	b.ReportMetric(p(plain, 0.5), "p50-no-key-µs")
	b.ReportMetric(p(plain, 0.99), "p99-no-key-µs")
	b.ReportMetric(p(key, 0.5), "p50-key-µs")
	b.ReportMetric(p(key, 0.99), "p99-key-µs")
	b.ReportMetric(p(replay, 0.5), "p50-replay-µs")
	b.ReportMetric(p(replay, 0.99), "p99-replay-µs")
	b.ReportMetric(p(key, 0.5)-p(plain, 0.5), "p50-cost-µs")
}
