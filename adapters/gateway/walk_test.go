package gateway_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"httpkafka/adapters/gateway"
)

// checkWalk checks Members, Elements and Unquote on data, valid JSON,
// against encoding/json's map of json.RawMessage, list of json.RawMessage
// and string.
func checkWalk(t *testing.T, data []byte) {
	t.Helper()
	first := bytes.TrimLeft(data, " \t\r\n")
	if len(first) == 0 {
		return
	}
	var wantMap map[string]json.RawMessage
	if err := json.Unmarshal(data, &wantMap); err == nil && first[0] == '{' {
		got := map[string]json.RawMessage{}
		if !gateway.Members(data, func(k string, v []byte) bool { got[k] = v; return true }) || !reflect.DeepEqual(got, wantMap) {
			t.Fatalf("Members(%s) = %q, want %q", data, got, wantMap)
		}
	} else if gateway.Members(data, func(string, []byte) bool { return true }) {
		t.Fatalf("Members(%s) reads an object", data)
	}
	var wantList []json.RawMessage
	if err := json.Unmarshal(data, &wantList); err == nil && first[0] == '[' {
		got := []json.RawMessage{}
		if !gateway.Elements(data, func(v []byte) bool { got = append(got, v); return true }) || !reflect.DeepEqual(got, wantList) {
			t.Fatalf("Elements(%s) = %q, want %q", data, got, wantList)
		}
	} else if gateway.Elements(data, func([]byte) bool { return true }) {
		t.Fatalf("Elements(%s) reads a list", data)
	}
	var want string
	if err := json.Unmarshal(data, &want); err == nil && first[0] == '"' {
		if got, ok := gateway.Unquote(bytes.TrimSpace(data)); !ok || got != want {
			t.Fatalf("Unquote(%s) = %q, %v; want %q", data, got, ok, want)
		}
	}
}

var walkCases = []string{
	`{}`, `[]`, `null`, `1`, `"a"`, `true`,
	` { "a" : [ 1 , { "x" : [ 2, "]" ] } , [ ] ] , "o" : { "k" : "}" } , "e" : "\u00e9\"\\" , "n" : -1.5e3 } `,
	`[1,"a",null,true,false,{"b":[]},[[]],-0]`, `{"a":1,"a":2}`,
	`"caf\u00e9 \ud83d\ude00 \/ \b"`, "\"\xff\xed\xa0\x80\"", `"plain"`,
}

// TestWalk checks the walk on each JSON form.
func TestWalk(t *testing.T) {
	t.Parallel()
	for _, c := range walkCases {
		checkWalk(t, []byte(c))
	}
}

// FuzzWalk: Members, Elements and Unquote read any valid JSON as
// encoding/json does.
//
//	go test -run '^$' -fuzz FuzzWalk ./adapters/gateway
func FuzzWalk(f *testing.F) {
	for _, c := range append(walkCases, lazyCases...) {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if json.Valid(data) {
			checkWalk(t, data)
		}
	})
}
