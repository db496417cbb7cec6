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

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"httpkafka/bench/internal/bare"
)

func main() {
	topic := os.Getenv("TOPIC")
	cl, err := bare.Client()
	if err != nil {
		panic(err)
	}
	lambda.Start(func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		var req bare.SendMessage
		if err := json.Unmarshal([]byte(e.Body), &req); err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 400, Body: err.Error()}, nil
		}
		recs := req.Records(topic)
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 500, Body: err.Error()}, nil
		}
		body, _ := json.Marshal(map[string]any{"Response": map[string]any{"MessageId": len(recs), "RequestId": e.RequestContext.RequestID}})
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)}, nil
	})
}
