package core

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkDecodeAndReply is the core's own work per request, without
// Kafka: decode a 10-message body, validate it and render the reply.
//
//	go test -run '^$' -bench DecodeAndReply -benchmem ./internal/core
func BenchmarkDecodeAndReply(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"DataHubId":"datahub-bench","Message":[`)
	for i := range 10 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"Body":%q,"Key":"user-%d"}`, strings.Repeat("v", 100), i)
	}
	sb.WriteString(`]}`)
	body := []byte(sb.String())
	s := New(Options{AccessPoints: map[string]AccessPoint{"datahub-bench": {Topic: "bench"}}}, nil)
	ap := s.points["datahub-bench"]
	placements := make([]Placement, 10)
	now := time.Now()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		c := &call{missingBody: -1, Action: Action, Version: Version}
		if err := decodeJSON(body, 500, c); err != nil {
			b.Fatal(err)
		}
		if _, err := s.validate(c, nil); err != nil {
			b.Fatal(err)
		}
		successEnvelope(ap.idPrefix, now, placements, "3fq3na5r-0000-0000-0000-b2fiv0se7ded")
	}
}
