package gatewaytest

import (
	"os"
	"path/filepath"
	"testing"

	"httpkafka/internal/core"
)

// Shape names an event file in testdata/ by the gateway shape it is.
type Shape struct{ Name, File string }

// BenchmarkShapes reports, per shape, what request costs: an adapter's
// decoding and detection of the event and the core request it builds.
func BenchmarkShapes(b *testing.B, shapes []Shape, request func(testing.TB, []byte) *core.Request) {
	for _, s := range shapes {
		payload, err := os.ReadFile(filepath.Join("testdata", s.File))
		if err != nil {
			b.Fatal(err)
		}
		b.Run("shape="+s.Name, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if r := request(b, payload); r.Method == "" {
					b.Fatal("no method")
				}
			}
		})
	}
}
