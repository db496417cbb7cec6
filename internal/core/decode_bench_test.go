package core

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkDecodeAndReply is the core's own work per request, without
// Kafka: decode a body, validate it and render the reply, with the
// one-pass decoder (decoder=onepass, what Handle uses) beside encoding/json
// (decoder=std, the path for bodies with errors).
//
//	go test -run '^$' -bench DecodeAndReply -benchmem ./internal/core
func BenchmarkDecodeAndReply(b *testing.B) {
	for _, batch := range []struct{ n, size int }{{10, 100}, {10, 1024}, {500, 100}} {
		var sb strings.Builder
		sb.WriteString(`{"DataHubId":"datahub-bench","Message":[`)
		for i := range batch.n {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"Body":%q,"Key":"user-%d"}`, strings.Repeat("v", batch.size), i)
		}
		sb.WriteString(`]}`)
		body := []byte(sb.String())
		for _, dec := range []struct {
			name   string
			decode func([]byte, int, *call) error
		}{{"std", decodeJSONStd}, {"onepass", decodeJSON}} {
			b.Run(fmt.Sprintf("batch=%dx%dB/decoder=%s", batch.n, batch.size, dec.name), func(b *testing.B) {
				s := New(Options{AccessPoints: map[string]AccessPoint{"datahub-bench": {Topic: "bench"}}}, nil)
				ap := s.points["datahub-bench"]
				placements := make([]Placement, batch.n)
				now := time.Now()
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					c := &call{missingBody: -1, Action: Action, Version: Version}
					if err := dec.decode(body, 500, c); err != nil {
						b.Fatal(err)
					}
					if _, err := s.validate(c, nil); err != nil {
						b.Fatal(err)
					}
					successEnvelope(ap.idPrefix, now, placements, "3fq3na5r-0000-0000-0000-b2fiv0se7ded")
				}
			})
		}
	}
}
