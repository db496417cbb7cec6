// Package bare is what the bare baselines under bench/ share, written as
// one would write it by hand: the request type, the one franz-go client,
// and the records of a request, with almost no validation.
package bare

import (
	"context"
	"encoding/json"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// SendMessage is a SendMessage request body.
type SendMessage struct {
	DataHubId string
	Message   []struct{ Body, Key string }
}

// Setup reads TOPIC and builds a producer for the brokers in
// KAFKA_BROKERS (comma-separated) with franz-go's defaults, all in-sync
// replicas acknowledging, and the sticky key partitioner that httpkafka
// uses; it panics when the client cannot be built.
func Setup() (topic string, cl *kgo.Client) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(os.Getenv("KAFKA_BROKERS"), ",")...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
	)
	if err != nil {
		panic(err)
	}
	return os.Getenv("TOPIC"), cl
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

// Handle answers one SendMessage request body with one ProduceSync to
// topic: the reply's status and its JSON body, which counts the messages
// and carries requestID.
func Handle(ctx context.Context, cl *kgo.Client, topic, body, requestID string) (status int, reply string) {
	var req SendMessage
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		return 400, errorBody(err)
	}
	recs := req.Records(topic)
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return 500, errorBody(err)
	}
	b, _ := json.Marshal(map[string]any{"Response": map[string]any{"MessageId": len(recs), "RequestId": requestID}})
	return 200, string(b)
}

func errorBody(err error) string {
	b, _ := json.Marshal(map[string]string{"Error": err.Error()})
	return string(b)
}
