package scf

import (
	"encoding/json"
	"testing"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// DebugRequest is the core request Invoke would build for payload,
// without its body.
func DebugRequest(t testing.TB, payload []byte) *core.Request {
	t.Helper()
	e, shape, err := decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	r := shape(e)
	r.Host = gateway.First(r.Header, "Host") // as gateway.Serve completes it
	return r
}

// DebugQuery is the raw query Invoke rebuilds from an event's queryString.
func DebugQuery(raw string) (string, error) {
	var q queryString
	if err := json.Unmarshal([]byte(raw), &q); err != nil {
		return "", err
	}
	return q.Encode(), nil
}

// DebugQueryRaw is DebugQuery through the reference decode (a map of
// json.RawMessage), which UnmarshalJSON's walk must agree with.
func DebugQueryRaw(raw string) (string, error) {
	var q queryString
	if err := q.unmarshalRaw([]byte(raw)); err != nil {
		return "", err
	}
	return q.Encode(), nil
}
