package aws_test

import (
	"testing"

	"httpkafka/adapters/aws"
	"httpkafka/internal/gatewaytest"
)

// BenchmarkDecodeShape is the adapter's per-event cost for each gateway
// shape: decoding and detecting the documented event in testdata/ and
// building the core request (the body is the core's to decode).
//
//	go test -run '^$' -bench DecodeShape -benchmem ./adapters/aws
func BenchmarkDecodeShape(b *testing.B) {
	gatewaytest.BenchmarkShapes(b, []gatewaytest.Shape{
		{Name: "rest-v1", File: "aws-apigw-v1-rest-proxy-request.json"},
		{Name: "http-api-v2", File: "aws-apigw-v2-http-api-request.json"},
		{Name: "function-url", File: "aws-lambda-function-url-request.json"},
		{Name: "alb", File: "aws-alb-target-group-request.json"},
		{Name: "alb-multivalue", File: "aws-alb-target-group-request-multivalue-headers.json"},
	}, aws.DebugRequest)
}
