package core

import (
	"strings"
	"time"
)

// RecordHeader is one Kafka record header.
type RecordHeader struct {
	Key   string
	Value []byte
}

// The record headers Options.RecordHeaders may name (DATAHUB_RECORD_HEADERS),
// and the key each is written under.
const (
	// RecordHeaderRequestID adds httpkafka-request-id: the RequestId.
	RecordHeaderRequestID = "request-id"
	// RecordHeaderSourceIP adds httpkafka-source-ip: the caller's address
	// as the gateway saw it (omitted when unknown).
	RecordHeaderSourceIP = "source-ip"
	// RecordHeaderReceived adds httpkafka-received: when the request was
	// received, RFC 3339 in UTC with milliseconds.
	RecordHeaderReceived = "received"
	// RecordHeaderTraceparent adds traceparent, the request's W3C
	// traceparent header, when it has one, and x-amzn-trace-id, the
	// platform's trace id (Request.TraceID), when there is one.
	RecordHeaderTraceparent = "traceparent"
)

// RecordHeaderNames are the valid values of Options.RecordHeaders.
var RecordHeaderNames = []string{RecordHeaderRequestID, RecordHeaderSourceIP, RecordHeaderReceived, RecordHeaderTraceparent}

// maxTraceparent bounds the traceparent copied into records: a version-00
// value is 55 bytes; future versions may append fields.
const maxTraceparent = 512

// addRecordHeaders gives every message the configured record headers, one
// slice shared by the whole request.
func (s *Service) addRecordHeaders(r *Request, id string, msgs []Message, received time.Time) {
	if len(s.opts.RecordHeaders) == 0 {
		return
	}
	hs := make([]RecordHeader, 0, len(s.opts.RecordHeaders)+1)
	for _, name := range s.opts.RecordHeaders {
		switch name {
		case RecordHeaderRequestID:
			hs = append(hs, RecordHeader{"httpkafka-request-id", []byte(id)})
		case RecordHeaderSourceIP:
			if r.SourceIP != "" {
				hs = append(hs, RecordHeader{"httpkafka-source-ip", []byte(r.SourceIP)})
			}
		case RecordHeaderReceived:
			hs = append(hs, RecordHeader{"httpkafka-received", received.UTC().AppendFormat(nil, "2006-01-02T15:04:05.000Z07:00")})
		case RecordHeaderTraceparent:
			if tp := strings.TrimSpace(r.Header.Get("Traceparent")); tp != "" && len(tp) <= maxTraceparent {
				hs = append(hs, RecordHeader{"traceparent", []byte(tp)})
			}
			if r.TraceID != "" {
				hs = append(hs, RecordHeader{"x-amzn-trace-id", []byte(r.TraceID)})
			}
		}
	}
	if len(hs) == 0 {
		return
	}
	for i := range msgs {
		msgs[i].Headers = hs
	}
}
