package kafka_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"httpkafka/internal/core"
	"httpkafka/internal/kafkatest"
)

// TestWarm: after Warm, the first request to each topic is one produce
// request and nothing else (no metadata round trip, no producer id), and
// Warm itself writes nothing: its probes never reach a broker.
func TestWarm(t *testing.T) {
	cluster := kafkatest.New(t, 3, "a", "b")
	var metadata, initPID, produce atomic.Int64
	for key, n := range map[kmsg.Key]*atomic.Int64{kmsg.Metadata: &metadata, kmsg.InitProducerID: &initPID, kmsg.Produce: &produce} {
		cluster.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
			cluster.KeepControl()
			n.Add(1)
			return nil, nil, false
		})
	}
	cfg := cluster.ProducerConfig()
	cfg.MetadataMinAge = time.Minute // no refresh but the ones a produce needs
	cfg.Opts = append(cfg.Opts, kgo.MetadataMaxAge(time.Hour))
	p := kafkatest.NewProducer(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Warm(ctx, []string{"a", "b"}); err != nil {
		t.Fatalf("Warm: %v", err)
	}
	if produce.Load() != 0 {
		t.Errorf("Warm sent %d produce requests; its probes must never reach a broker", produce.Load())
	}
	if initPID.Load() == 0 {
		t.Error("Warm did not obtain a producer id")
	}
	before := metadata.Load()
	for _, topic := range []string{"a", "b"} {
		msgs := []core.Message{{Key: []byte("k"), Value: []byte("v-" + topic)}}
		if err := p.Produce(ctx, topic, msgs, make([]core.Placement, 1)); err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
	}
	if n := metadata.Load() - before; n != 0 {
		t.Errorf("the first produce to each topic asked for metadata %d times after Warm; want 0", n)
	}
	for _, topic := range []string{"a", "b"} {
		recs := cluster.ReadAll(t, topic)
		if len(recs) != 1 || string(recs[0].Value) != "v-"+topic {
			t.Errorf("topic %s holds %d records; want only the one produced", topic, len(recs))
		}
	}

	// A topic that does not exist is named, and the warm-up still ends.
	err := p.Warm(ctx, []string{"a", "gone"})
	if err == nil || !strings.Contains(err.Error(), "gone") {
		t.Errorf("Warm with a missing topic: %v", err)
	}
}
