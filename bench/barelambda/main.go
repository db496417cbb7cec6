// Command barelambda is the cold-start baseline for functions/lambda: the
// thinnest aws-lambda-go function that does the same produce. It builds
// one franz-go client at init and answers an API Gateway REST event with
// one ProduceSync of the body's messages, with almost no validation.
// bench/coldstart runs it beside functions/lambda; it is not meant to serve
// anyone.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"httpkafka/bench/internal/bare"
)

func main() {
	topic, cl := bare.Setup()
	lambda.Start(func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		status, body := bare.Handle(ctx, cl, topic, e.Body, e.RequestContext.RequestID)
		return events.APIGatewayProxyResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}, nil
	})
}
