// Command barelambda is the cold-start baseline for functions/lambda: the
// thinnest aws-lambda-go function that does the same produce. It builds
// one franz-go client at init and answers an API Gateway REST event with
// one ProduceSync of the body's messages, with almost no validation.
// bench/coldstart runs it beside functions/lambda; it is not meant to serve
// anyone.
package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/twmb/franz-go/pkg/kgo"
)

type sendMessage struct {
	DataHubId string
	Message   []struct{ Body, Key string }
}

func main() {
	topic := os.Getenv("TOPIC")
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(os.Getenv("KAFKA_BROKERS"), ",")...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
	)
	if err != nil {
		panic(err)
	}
	lambda.Start(func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		var req sendMessage
		if err := json.Unmarshal([]byte(e.Body), &req); err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 400, Body: err.Error()}, nil
		}
		recs := make([]*kgo.Record, len(req.Message))
		for i, m := range req.Message {
			recs[i] = &kgo.Record{Topic: topic, Value: []byte(m.Body)}
			if m.Key != "" {
				recs[i].Key = []byte(m.Key)
			}
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 500, Body: err.Error()}, nil
		}
		body, _ := json.Marshal(map[string]any{"Response": map[string]any{"MessageId": len(recs), "RequestId": e.RequestContext.RequestID}})
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)}, nil
	})
}
