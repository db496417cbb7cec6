package core

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAppendJSONStringBody: the shortcut for plain strings writes what
// encoding/json writes.
func TestAppendJSONStringBody(t *testing.T) {
	for _, s := range []string{"", "datahub-a:topicDev:", `gw-"1"`, `a\b`, "<&>", "é中", "tab\t", "\x7f", "\xff", "\u2028"} {
		want, _ := json.Marshal(s)
		if got := string(appendJSONStringBody([]byte("x"), s)); got != "x"+string(want[1:len(want)-1]) {
			t.Errorf("%q: got %s, encoding/json %s", s, got, want)
		}
	}
}

// TestSuccessEnvelope: each MessageId carries its own record's timestamp.
func TestSuccessEnvelope(t *testing.T) {
	recv := time.UnixMilli(1700000000000)
	got := successEnvelope([]byte("d:t:"), recv, []Placement{
		{Partition: 1, Offset: 7, Timestamp: recv.Add(2 * time.Millisecond)},
		{Partition: 0, Offset: 12, Timestamp: recv.Add(2 * time.Millisecond)},
		{Partition: 3, Offset: 0, Timestamp: recv.Add(5 * time.Millisecond)},
	}, "req-1")
	want := `{"Response":{"MessageId":["d:t:1:7:1700000000000:1700000000002","d:t:0:12:1700000000000:1700000000002","d:t:3:0:1700000000000:1700000000005"],"RequestId":"req-1"}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
