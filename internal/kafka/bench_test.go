package kafka_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"httpkafka/internal/core"
	"httpkafka/internal/kafkatest"
)

// The benchmarks below measure httpkafka's overhead side by side with a
// bare franz-go producer doing the same work: one synchronous batch of
// batchSize 100-byte keyed records per operation, to the same kfake
// cluster. kfake answers in memory on one goroutine, so compare the two;
// the absolute figures say nothing about a real cluster.
//
//	go test -run '^$' -bench . -benchmem ./internal/kafka
const batchSize = 10

func benchBody() (string, [][2]string) {
	value := strings.Repeat("v", 100)
	var b strings.Builder
	b.WriteString(`{"DataHubId":"datahub-bench","Message":[`)
	var kv [][2]string
	for i := range batchSize {
		if i > 0 {
			b.WriteByte(',')
		}
		key := fmt.Sprintf("user-%d", i)
		fmt.Fprintf(&b, `{"Body":%q,"Key":%q}`, value, key)
		kv = append(kv, [2]string{key, value})
	}
	b.WriteString(`]}`)
	return b.String(), kv
}

func BenchmarkBareFranzGo(b *testing.B) {
	cluster := kafkatest.New(b, 6, "bench")
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.Brokers()...), kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	_, kv := benchBody()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		// What a hand-written handler would do: build the records, ProduceSync, check.
		recs := make([]*kgo.Record, len(kv))
		for i, p := range kv {
			recs[i] = &kgo.Record{Topic: "bench", Key: []byte(p[0]), Value: []byte(p[1])}
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkSendMessage(b *testing.B) {
	cluster := kafkatest.New(b, 6, "bench")
	svc := core.New(core.Options{
		AccessPoints: map[string]core.AccessPoint{"datahub-bench": {Topic: "bench"}},
		Logger:       quiet,
	}, kafkatest.NewProducer(b, cluster.ProducerConfig()))
	body, _ := benchBody()
	header := http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp := svc.Handle(ctx, &core.Request{Method: "POST", Header: header, Body: []byte(body)})
		if !strings.Contains(string(resp.Body), "MessageId") {
			b.Fatalf("%s", resp.Body)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "msgs/s")
}
