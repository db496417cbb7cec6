// Package fuzzcheck holds the properties that httpkafka's fuzz targets
// check on every input: what handling it cost, in bytes allocated and in
// time, is bounded by a constant times its size; and the reply is a
// well-formed TencentCloud envelope. Only tests import it.
package fuzzcheck

import (
	"encoding/json"
	"math"
	"runtime"
	"testing"
	"time"
)

// Generous bounds on the time one input may take: fixed for the work
// every input does (and the noise of a shared machine: GC, other
// processes), plus an amount per byte far above any linear cost here.
const (
	fixedTime   = 250 * time.Millisecond
	timePerByte = 20 * time.Microsecond
	attempts    = 4
)

// Cost runs f, which handles an input of size bytes, and fails t when f
// allocated more than perByte*size+fixed bytes or took longer than
// 250ms + 20µs per byte. perByte is the target's constant: what a linear
// decoder may allocate per input byte.
//
// The counters are the process's: a background goroutine (a Kafka
// client's or broker's, the collector's, one a previous test left) can add
// to them. So an input over a bound is run again, up to attempts times,
// and each bound is checked against the least that any run cost: a cost
// that belongs to the input repeats every time, noise seldom does. f must
// be safe to run more than once.
func Cost(t testing.TB, size int, perByte, fixed uint64, f func()) {
	t.Helper()
	allocLimit := perByte*uint64(size) + fixed
	timeLimit := fixedTime + time.Duration(size)*timePerByte
	alloc, took := uint64(math.MaxUint64), time.Duration(math.MaxInt64)
	for range attempts {
		a, d := measure(f)
		alloc, took = min(alloc, a), min(took, d)
		if alloc <= allocLimit && took <= timeLimit {
			return
		}
	}
	if alloc > allocLimit {
		t.Errorf("a %d-byte input allocated %d bytes, limit %d (%d per byte + %d)", size, alloc, allocLimit, perByte, fixed)
	}
	if took > timeLimit {
		t.Errorf("a %d-byte input took %s, limit %s", size, took, timeLimit)
	}
}

func measure(f func()) (alloc uint64, took time.Duration) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	took = time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

// Envelope is a TencentCloud reply as the SDKs read it.
type Envelope struct {
	Response struct {
		MessageId []string
		Error     *struct{ Code, Message string }
		RequestId string
	}
}

// CheckEnvelope fails t unless body is a well-formed TencentCloud envelope:
// a RequestId and either an Error with a code and a message or one
// MessageId per message. It returns the envelope.
func CheckEnvelope(t testing.TB, body []byte) Envelope {
	t.Helper()
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("reply is not JSON: %v: %q", err, body)
	}
	r := env.Response
	switch {
	case r.RequestId == "":
		t.Fatalf("reply without RequestId: %s", body)
	case r.Error != nil && (r.Error.Code == "" || r.Error.Message == ""):
		t.Fatalf("error without code or message: %s", body)
	case r.Error == nil && len(r.MessageId) == 0:
		t.Fatalf("neither Error nor MessageId: %s", body)
	case r.Error != nil && r.MessageId != nil:
		t.Fatalf("both Error and MessageId: %s", body)
	}
	return env
}

// CheckReply fails t unless status, contentType and body are an API reply:
// HTTP 200, application/json and a well-formed envelope.
func CheckReply(t testing.TB, status int, contentType string, body []byte) Envelope {
	t.Helper()
	if status != 200 || contentType != "application/json" {
		t.Fatalf("status %d, Content-Type %q: every API reply is 200 application/json", status, contentType)
	}
	return CheckEnvelope(t, body)
}
