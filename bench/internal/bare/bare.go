// Package bare is what the bare baselines under bench/ share, written as
// one would write it by hand: the request type, the one franz-go client,
// and the records of a request, with almost no validation.
package bare

import (
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// SendMessage is a SendMessage request body.
type SendMessage struct {
	DataHubId string
	Message   []struct{ Body, Key string }
}

// Client is a producer for the brokers in KAFKA_BROKERS (comma-separated)
// with franz-go's defaults, all in-sync replicas acknowledging, and the
// sticky key partitioner that httpkafka uses.
func Client() (*kgo.Client, error) {
	return kgo.NewClient(
		kgo.SeedBrokers(strings.Split(os.Getenv("KAFKA_BROKERS"), ",")...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
	)
}

// Records are req's messages as records for topic, keyed when they have
// a key.
func (req *SendMessage) Records(topic string) []*kgo.Record {
	recs := make([]*kgo.Record, len(req.Message))
	for i, m := range req.Message {
		recs[i] = &kgo.Record{Topic: topic, Value: []byte(m.Body)}
		if m.Key != "" {
			recs[i].Key = []byte(m.Key)
		}
	}
	return recs
}
