package kafka_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"httpkafka/internal/kafkatest"
)

// TestCheck: the readiness check passes when every topic exists, names
// the missing ones (without creating them), and reports brokers that do
// not answer within the context.
func TestCheck(t *testing.T) {
	cluster := kafkatest.New(t, 1, "a", "b")
	p := cluster.Producer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Check(ctx, []string{"a", "b"}); err != nil {
		t.Errorf("both topics exist: %v", err)
	}
	err := p.Check(ctx, []string{"a", "gone", "lost"})
	if err == nil || err.Error() != "kafka: topics do not exist: gone, lost" {
		t.Errorf("missing topics: %v", err)
	}
	if err := p.Check(ctx, []string{"gone"}); err == nil {
		t.Errorf("the check created the topic it looked for")
	}

	// No broker answers: the check ends with the context.
	down, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	cfg := cluster.ProducerConfig()
	cfg.Brokers = down.ListenAddrs()
	down.Close()
	dead := kafkatest.NewProducer(t, cfg)
	short, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	start := time.Now()
	err = dead.Check(short, []string{"a"})
	if err == nil || !strings.HasPrefix(err.Error(), "kafka: no broker answered a metadata request") {
		t.Errorf("brokers down: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the check took %s with a 1s context", d)
	}
}
