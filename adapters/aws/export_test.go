package aws

import (
	"encoding/json"
	"testing"

	"httpkafka/internal/core"
)

// DebugRequest is the core request Invoke would build for payload.
func DebugRequest(t testing.TB, payload []byte) *core.Request {
	t.Helper()
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		t.Fatal(err)
	}
	s, err := detect(&e)
	if err != nil {
		t.Fatal(err)
	}
	return s.request(&e)
}

// DebugDecode is Invoke's decode and detection alone.
func DebugDecode(payload []byte) error {
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		return err
	}
	_, err := detect(&e)
	return err
}
