package scf_test

import (
	"testing"

	"httpkafka/adapters/scf"
	"httpkafka/internal/gatewaytest"
)

// BenchmarkDecodeShape is the adapter's per-event cost for each SCF
// shape: decoding and detecting the event in testdata/ and building the
// core request (the body is the core's to decode).
//
//	go test -run '^$' -bench DecodeShape -benchmem ./adapters/scf
func BenchmarkDecodeShape(b *testing.B) {
	gatewaytest.BenchmarkShapes(b, []gatewaytest.Shape{
		{Name: "function-url", File: "tencent-scf-function-url-doc-sample.json"},
		{Name: "apigw-captured", File: "tencent-scf-apigw-request-captured.json"},
		{Name: "apigw-doc", File: "tencent-scf-apigw-request-doc-sample.json"},
	}, scf.DebugRequest)
}
