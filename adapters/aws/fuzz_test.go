package aws_test

import (
	"testing"

	"httpkafka/adapters/aws"
	"httpkafka/internal/gatewaytest"
)

// FuzzInvoke: every API Gateway REST, HTTP API, function URL and ALB
// payload, signed or not, gets a 200 envelope or ErrUnknownEvent, at a
// cost linear in its size.
//
//	go test -run '^$' -fuzz FuzzInvoke ./adapters/aws
func FuzzInvoke(f *testing.F) {
	gatewaytest.FuzzInvoke(f, []string{
		"aws-apigw-v1-rest-proxy-request.json",
		"aws-apigw-v2-http-api-request.json",
		"aws-lambda-function-url-request.json",
		"aws-alb-target-group-request.json",
		"aws-alb-target-group-request-multivalue-headers.json",
	}, asSendMessage, aws.Invoke, aws.ErrUnknownEvent,
		[]byte(`{"httpMethod":"POST","headers":["a"]}`),
		[]byte(`{"version":"2.0","requestContext":{"http":{"method":"POST"}},"isBase64Encoded":true,"body":"!!"}`),
		[]byte(`{"requestContext":{"elb":{}},"httpMethod":"GET","multiValueQueryStringParameters":{"Message.01.Body":["a"],"Message.1.Body":["b"]}}`))
}
