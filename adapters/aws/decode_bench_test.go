package aws_test

import (
	"os"
	"path/filepath"
	"testing"

	"httpkafka/adapters/aws"
)

// BenchmarkDecodeShape is the adapter's per-event cost for each gateway shape:
// decoding and detecting the event and building the core request from it
// (the body is not decoded here; the core's decoding has its own
// benchmarks). The events are the documented ones in testdata/.
//
//	go test -run '^$' -bench DecodeShape -benchmem ./adapters/aws
func BenchmarkDecodeShape(b *testing.B) {
	for _, c := range []struct{ shape, file string }{
		{"rest-v1", "aws-apigw-v1-rest-proxy-request.json"},
		{"http-api-v2", "aws-apigw-v2-http-api-request.json"},
		{"function-url", "aws-lambda-function-url-request.json"},
		{"alb", "aws-alb-target-group-request.json"},
		{"alb-multivalue", "aws-alb-target-group-request-multivalue-headers.json"},
	} {
		payload, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			b.Fatal(err)
		}
		b.Run("shape="+c.shape, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if r := aws.DebugRequest(b, payload); r.Method == "" {
					b.Fatal("no method")
				}
			}
		})
	}
}
