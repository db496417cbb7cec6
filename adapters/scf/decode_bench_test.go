package scf_test

import (
	"os"
	"path/filepath"
	"testing"

	"httpkafka/adapters/scf"
)

// BenchmarkDecodeShape is the adapter's per-event cost for each SCF shape:
// decoding and detecting the event and building the core request from it
// (the body is not decoded here). The events are the documented and
// captured ones in testdata/.
//
//	go test -run '^$' -bench DecodeShape -benchmem ./adapters/scf
func BenchmarkDecodeShape(b *testing.B) {
	for _, c := range []struct{ shape, file string }{
		{"function-url", "tencent-scf-function-url-doc-sample.json"},
		{"apigw-captured", "tencent-scf-apigw-request-captured.json"},
		{"apigw-doc", "tencent-scf-apigw-request-doc-sample.json"},
	} {
		payload, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			b.Fatal(err)
		}
		b.Run("shape="+c.shape, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if r := scf.DebugRequest(b, payload); r.Method == "" {
					b.Fatal("no method")
				}
			}
		})
	}
}
