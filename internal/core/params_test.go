package core

import (
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

func TestCountMessages(t *testing.T) {
	for body, want := range map[string]int{
		`{"DataHubId":"d","Message":[]}`:                                       0,
		`{"DataHubId":"d","Message":[ ]}`:                                      0,
		`{"DataHubId":"d","Message":[{"Body":"a"}]}`:                           1,
		`{"Message":[{"Body":"a,b]"},{"Body":"\"],["},{"Key":"x","Body":""}]}`: 3,
		`{"Other":[1,2,3],"Message":[{}, {}]}`:                                 2,
		`{"message" : [ {"Body":"x"} , null , "s" , 7 ]}`:                      4,
		`{"DataHubId":"Message","Message":[{"Body":{"a":[1,2]}},{}]}`:          2,
		`{"DataHubId":"d"}`:                                                    0,
		`{"Message":"[1,2]"}`:                                                  0,
	} {
		if got := countMessages([]byte(body)); got != want {
			t.Errorf("countMessages(%s) = %d, want %d", body, got, want)
		}
	}
}

// FuzzCountMessages checks the byte count against encoding/json on every
// valid body: go test -fuzz FuzzCountMessages ./internal/core
func FuzzCountMessages(f *testing.F) {
	f.Add(`{"DataHubId":"d","Message":[{"Body":"a,b","Key":"k"},{"Body":"\\\"]"}]}`)
	f.Add(`{"Message":[[],{},"",1,null]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var v struct{ Message []json.RawMessage }
		if json.Unmarshal([]byte(body), &v) != nil {
			return
		}
		var top map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &top) != nil || len(top) != 1 {
			return // duplicate or differently cased keys: encoding/json keeps the last
		}
		if got := countMessages([]byte(body)); got != len(v.Message) {
			t.Errorf("countMessages(%s) = %d, encoding/json decodes %d", body, got, len(v.Message))
		}
	})
}

// TestHugeMessageListIsCheap: a 6 MiB body of empty messages is refused
// without decoding its half a million elements.
func TestHugeMessageListIsCheap(t *testing.T) {
	body := []byte(`{"DataHubId":"d","Message":[` + strings.Repeat(`{"Body":""},`, 520000) + `{"Body":""}]}`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := &call{missingBody: -1}
	err := decodeJSON(body, 500, c)
	runtime.ReadMemStats(&after)
	if e, ok := err.(*Error); !ok || e.Code != CodeInvalidParameterValue || e.Message != "Message has 520001 messages, limit 500" {
		t.Fatalf("got %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("refusing %d bytes allocated %d bytes", len(body), alloc)
	}
}

// Finding 6 of issue 8: an index has one spelling, "0" or digits without
// a leading zero. Message.01.Body and Message.+1.Body read as 1 let one
// request carry two values for one message and drop one silently.
func TestFormIndexSpelling(t *testing.T) {
	for _, raw := range []string{
		"DataHubId=d&Message.0.Body=a&Message.01.Body=b&Message.%2B1.Body=c",
		"DataHubId=d&Message.-0.Body=a",
		"DataHubId=d&Message.00.Body=a",
		"DataHubId=d&Message.%2B0.Body=a",
		"DataHubId=d&Message.0x1.Body=a",
		"DataHubId=d&Message..Body=a",
		"DataHubId=d&Message.%200.Body=a",
	} {
		c := &call{missingBody: -1}
		err := decodeForm(raw, 500, c)
		e, ok := err.(*Error)
		if !ok || e.Code != CodeInvalidParameter || !strings.Contains(e.Message, "index") {
			t.Errorf("decodeForm(%s) = %v (%d messages), want InvalidParameter about the index", raw, err, len(c.Messages))
		}
	}
	for raw, want := range map[string]int{
		"DataHubId=d&Message.0.Body=a":                    1,
		"DataHubId=d&Message.0.Body=a&Message.10.Body=b":  11,
		"DataHubId=d&Message.9.Key=k&Message.9.Body=b":    10,
		"DataHubId=d&Message.499.Body=a&Message.0.Body=b": 500,
	} {
		c := &call{missingBody: -1}
		if err := decodeForm(raw, 500, c); err != nil || len(c.Messages) != want {
			t.Errorf("decodeForm(%s) = %v, %d messages; want %d", raw, err, len(c.Messages), want)
		}
	}
}

// Finding 4 of issue 8: a legacy signature covers the parameters but no
// header, so for a legacy-signed form X-TC-Action and X-TC-Version are not
// read: Action and Version come from the signed parameters only. Any
// other form (unsigned, or TC3-signed, even one holding a Signature
// parameter) reads them (internal/tcauth tests both end to end).
func TestLegacyFormActionOnlyFromParameters(t *testing.T) {
	s := New(Options{}, nil)
	r := &Request{Method: "POST", Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
		"X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}},
		Body: []byte("DataHubId=d&Message.0.Body=a&Signature=x&SecretId=id")}
	c := &call{missingBody: -1}
	if err := s.decode(r, c, true); err == nil || err.(*Error).Code != CodeMissingParameter {
		t.Errorf("a legacy-signed form without Action, with X-TC-Action: %v, want MissingParameter", err)
	}
	c = &call{missingBody: -1}
	if err := s.decode(r, c, false); err != nil || c.Action != Action || c.Version != Version {
		t.Errorf("a form not legacy-signed, with a Signature parameter, keeps the headers' Action and Version: %v, %+v", err, c)
	}
	r.Body = []byte("Action=Other&Version=2019-08-19&DataHubId=d&Message.0.Body=a&Signature=x")
	r.Header.Set("X-Tc-Action", "Other")
	c = &call{missingBody: -1}
	if err := s.decode(r, c, true); err == nil || err.(*Error).Code != CodeInvalidAction {
		t.Errorf("a legacy-signed form with Action=Other: %v, want InvalidAction", err)
	}
	r.Body = []byte("Action=SendMessage&Version=2019-08-19&DataHubId=d&Message.0.Body=a&Signature=x")
	c = &call{missingBody: -1}
	if err := s.decode(r, c, true); err != nil {
		t.Errorf("a legacy-signed form with Action=SendMessage, X-TC-Action Other: %v, want the parameters' action", err)
	}
}
