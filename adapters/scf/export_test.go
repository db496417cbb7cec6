package scf

import (
	"encoding/json"
	"testing"

	"httpkafka/internal/core"
)

// DebugRequest is the core request Invoke would build for payload,
// without its body.
func DebugRequest(t testing.TB, payload []byte) *core.Request {
	t.Helper()
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		t.Fatal(err)
	}
	return request(&e)
}

// DebugQuery is the raw query Invoke rebuilds from an event's queryString.
func DebugQuery(raw string) (string, error) {
	var q queryString
	if err := json.Unmarshal([]byte(raw), &q); err != nil {
		return "", err
	}
	return q.Encode(), nil
}
