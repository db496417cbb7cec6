package kafka_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"httpkafka/internal/core"
	"httpkafka/internal/kafkatest"
)

// BenchmarkProduce measures httpkafka's in-process overhead side by side
// with a bare franz-go producer doing the same work: one synchronous batch
// of keyed records per operation, to the same kfake cluster (records are
// checked and then dropped: kfake.BlackholeProduce).
//
//	impl=bare       build the records from the request's strings, ProduceSync, check
//	impl=httpkafka  Service.Handle on the JSON body: decode, validate, produce, reply
//
// kfake answers in memory on one goroutine, so compare the two; the
// absolute figures say nothing about a real cluster. make bench prints the
// medians and the ratio of the two columns (benchstat -col /impl).
func BenchmarkProduce(b *testing.B) {
	for _, batch := range []struct{ n, size int }{{10, 1024}, {100, 100}, {500, 100}} {
		name := fmt.Sprintf("batch=%dx%dB", batch.n, batch.size)
		b.Run(name, func(b *testing.B) {
			cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(6, "bench"), kfake.BlackholeProduce())
			if err != nil {
				b.Fatal(err)
			}
			defer cluster.Close()
			body, kv := benchBody(batch.n, batch.size)
			b.Run("impl=bare", func(b *testing.B) { benchBare(b, cluster.ListenAddrs(), kv) })
			b.Run("impl=httpkafka", func(b *testing.B) { benchHTTPKafka(b, cluster.ListenAddrs(), body, batch.n) })
		})
	}
}

func benchBody(n, size int) (string, [][2]string) {
	var b strings.Builder
	b.WriteString(`{"DataHubId":"datahub-bench","Message":[`)
	var kv [][2]string
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		key := fmt.Sprintf("user-%d", i)
		value := strings.Repeat(string(rune('a'+i%26)), size)
		fmt.Fprintf(&b, `{"Body":%q,"Key":%q}`, value, key)
		kv = append(kv, [2]string{key, value})
	}
	b.WriteString(`]}`)
	return b.String(), kv
}

func benchBare(b *testing.B, brokers []string, kv [][2]string) {
	var hook produceRequests
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)), kgo.WithHooks(&hook))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	produce := func() {
		// What a hand-written handler does: build the records, ProduceSync, check.
		recs := make([]*kgo.Record, len(kv))
		for i, p := range kv {
			recs[i] = &kgo.Record{Topic: "bench", Key: []byte(p[0]), Value: []byte(p[1])}
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			b.Fatal(err)
		}
	}
	produce() // connect and load metadata outside the timing
	measure(b, len(kv), &hook, produce)
}

func benchHTTPKafka(b *testing.B, brokers []string, body string, n int) {
	var hook produceRequests
	cfg := kafkatest.ProducerConfigFor(brokers)
	cfg.Opts = append(cfg.Opts, kgo.WithHooks(&hook))
	svc := core.New(core.Options{
		AccessPoints: map[string]core.AccessPoint{"datahub-bench": {Topic: "bench"}},
		Logger:       quiet,
	}, kafkatest.NewProducer(b, cfg))
	header := http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}}
	ctx := context.Background()
	produce := func() {
		// The body as an adapter hands it over: one fresh buffer a request.
		resp := svc.Handle(ctx, &core.Request{Method: "POST", Header: header, Body: []byte(body)})
		if !strings.Contains(string(resp.Body[:min(len(resp.Body), 40)]), "MessageId") {
			b.Fatalf("%s", resp.Body)
		}
	}
	produce()
	measure(b, n, &hook, produce)
}

// measure runs op b.N times and reports messages per second, the CPU time
// of the whole process (client and kfake) per operation, which on a shared
// machine scatters less than the wall time, allocations per message (which
// must not grow with the batch) and Kafka produce requests per operation.
func measure(b *testing.B, msgs int, hook *produceRequests, op func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuTime()
	hook.n.Store(0)
	for b.Loop() {
		op()
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.N*msgs)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*msgs), "allocs/msg")
	b.ReportMetric(float64(hook.n.Load())/float64(b.N), "produce-reqs/op")
}

// cpuTime is this process's user plus system time (getrusage).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// produceRequests counts the produce requests a client writes.
type produceRequests struct{ n atomic.Int64 }

func (h *produceRequests) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if key == 0 && err == nil { // 0: Produce
		h.n.Add(1)
	}
}
