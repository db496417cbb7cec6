// Package kafkatest gives tests a real Kafka to talk to: an in-process
// franz-go kfake cluster that speaks the Kafka wire protocol, a producer
// built the way the functions build theirs, and a consumer that reads back
// everything written. Only tests import it.
package kafkatest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"httpkafka/internal/core"
	"httpkafka/internal/kafka"
)

// Cluster is a three-broker kfake cluster, closed when the test ends.
type Cluster struct {
	*kfake.Cluster
	// ReaderOpts are what ReadAll and EndOffsets's clients need to
	// connect: SASL and TLS for a cluster that requires them.
	ReaderOpts []kgo.Opt
}

// New starts a cluster with each topic created with partitions partitions.
func New(t testing.TB, partitions int, topics ...string) *Cluster {
	t.Helper()
	return NewWith(t, partitions, topics, nil)
}

// NewWith is New with more kfake options (SASL users, TLS); the clients
// that read the cluster back connect with readerOpts.
func NewWith(t testing.TB, partitions int, topics []string, opts []kfake.Opt, readerOpts ...kgo.Opt) *Cluster {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(3), kfake.SeedTopics(int32(partitions), topics...)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return &Cluster{Cluster: c, ReaderOpts: readerOpts}
}

// Brokers are the brokers' addresses.
func (c *Cluster) Brokers() []string { return c.ListenAddrs() }

// ProducerConfig is the config a function would use, with metadata
// refreshed quickly so that retries after leader moves take milliseconds.
func (c *Cluster) ProducerConfig() kafka.Config { return ProducerConfigFor(c.Brokers()) }

// ProducerConfigFor is ProducerConfig for a cluster started some other way
// (benchmarks start theirs with kfake options).
func ProducerConfigFor(brokers []string) kafka.Config {
	return kafka.Config{
		Brokers:         brokers,
		DeliveryTimeout: 5 * time.Second,
		ProduceTimeout:  2 * time.Second,
		MetadataMinAge:  10 * time.Millisecond,
		MaxMessageBytes: core.DefaultMaxMessageBytes,
	}
}

// Producer builds a producer from ProducerConfig, closed when the test ends.
func (c *Cluster) Producer(t testing.TB) *kafka.Producer {
	t.Helper()
	return NewProducer(t, c.ProducerConfig())
}

// NewProducer builds a producer from cfg, closed when the test ends.
func NewProducer(t testing.TB, cfg kafka.Config) *kafka.Producer {
	t.Helper()
	p, err := kafka.New(cfg)
	if err != nil {
		t.Fatalf("kafka.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	return p
}

// ReadAll returns every record in topic, partition by partition in offset
// order, reading up to the end offsets as they are now.
func (c *Cluster) ReadAll(t testing.TB, topic string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	end := c.EndOffsets(t, topic)
	var want int64
	for _, o := range end {
		want += o
	}
	if want == 0 {
		return nil
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Brokers()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.MetadataMinAge(10 * time.Millisecond)}, c.ReaderOpts...)...)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for int64(len(recs)) < want {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %s: got %d of %d records: %v", topic, len(recs), want, err)
		}
		fetches.EachError(func(topic string, p int32, err error) {
			t.Fatalf("fetch %s/%d: %v", topic, p, err)
		})
		recs = append(recs, fetches.Records()...)
	}
	return recs
}

// EndOffsets returns each partition's end offset: how many records it holds.
func (c *Cluster) EndOffsets(t testing.TB, topic string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Brokers()...)}, c.ReaderOpts...)...)
	if err != nil {
		t.Fatalf("admin client: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offsets, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("list end offsets of %s: %v", topic, err)
	}
	if err := offsets.Error(); err != nil {
		t.Fatalf("list end offsets of %s: %v", topic, err)
	}
	out := map[int32]int64{}
	offsets.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// StallProduce makes every broker hold each produce request until the test
// ends: a Kafka that never answers, for deadline tests.
func (c *Cluster) StallProduce(t testing.TB) {
	never := make(chan struct{})
	t.Cleanup(func() { close(never) }) // runs before the cluster's Close
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		c.SleepControl(func() { <-never })
		return nil, nil, false
	})
}

// ProducerIDRequested returns a channel closed when any client first asks
// the cluster for a producer id (InitProducerID): a sign that it has
// connected and is ready to produce idempotently.
func (c *Cluster) ProducerIDRequested() <-chan struct{} {
	asked := make(chan struct{})
	var once sync.Once
	c.ControlKey(int16(kmsg.InitProducerID), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		once.Do(func() { close(asked) })
		return nil, nil, false
	})
	return asked
}
