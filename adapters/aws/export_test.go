package aws

import (
	"cmp"
	"testing"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// DebugRequest is the core request Invoke would build for payload,
// without its body.
func DebugRequest(t testing.TB, payload []byte) *core.Request {
	t.Helper()
	e, s, err := decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	r := s.request(e)
	r.Host = cmp.Or(r.Host, gateway.First(r.Header, "Host")) // as gateway.Serve completes it
	return r
}

// DebugDecode is Invoke's decode and detection alone.
func DebugDecode(payload []byte) error {
	_, _, err := decode(payload)
	return err
}
