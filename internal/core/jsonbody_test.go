package core

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// decodeBoth decodes body with the one-pass decoder and with encoding/json.
func decodeBoth(body string, maxMessages int) (fast *call, ok bool, std *call, stdErr error) {
	fast, std = &call{missingBody: -1}, &call{missingBody: -1}
	ok = decodeBody([]byte(body), maxMessages, fast)
	stdErr = decodeJSONStd([]byte(body), maxMessages, std)
	return fast, ok, std, stdErr
}

// TestDecodeBodyTakesUsualBodies: the bodies SDKs and clients send take
// the one-pass decoder, and decode as encoding/json decodes them.
func TestDecodeBodyTakesUsualBodies(t *testing.T) {
	for _, body := range []string{
		`{"DataHubId":"datahub-a","Message":[{"Body":"hello","Key":"user-1"},{"Body":"second"}]}`,
		`{ "DataHubId" : "datahub-a" , "Message" : [ { "Key" : "k" , "Body" : "b" } ] }` + "\n",
		"\t{\"datahubid\":\"d\",\r\n\"MESSAGE\":[{\"body\":\"x\",\"KEY\":null}]}",
		`{"DataHubId":"d","Message":[{"Body":"escaped \"quote\" \\ \/ \b\f\n\r\t \u00e9\u4E2D \ud83d\ude00 \u0000"}]}`,
		`{"DataHubId":"d","Message":[{"Body":"é中😀 not escaped, and long enough to take the eight-byte steps"}]}`,
		`{"DataHubId":"d","Message":[{"Body":"","Key":""},{"Body":null},{"Key":"k"},{}]}`,
		`{"DataHubId":"d\u002d1","Message":[]}`,
		`{"DataHubId":null,"Message":null}`,
		`{"Message":[{"Body":"a"}]}`,
		`{}`,
	} {
		fast, ok, std, err := decodeBoth(body, 500)
		if !ok {
			t.Errorf("%s: the one-pass decoder left it to encoding/json", body)
			continue
		}
		if err != nil {
			t.Errorf("%s: the one-pass decoder accepted what encoding/json refuses: %v", body, err)
			continue
		}
		if !reflect.DeepEqual(fast, std) {
			t.Errorf("%s:\none pass      %+v\nencoding/json %+v", body, fast, std)
		}
	}
}

// TestDecodeBodyLeavesTheRest: bodies with an error, or whose meaning is
// encoding/json's to decide, are left to it, and c is left as it was.
func TestDecodeBodyLeavesTheRest(t *testing.T) {
	for _, body := range []string{
		``, `null`, `[]`, `{"DataHubId":"d"} {}`, `{"DataHubId":"d"}]`, `{"DataHubId":"d",}`,
		`{"DataHubId":7}`, `{"DataHubId":"d","DataHubId":"e"}`, `{"DataHubId":"d","datahubid":"e"}`,
		`{"Message":[{"Body":"a","body":"b"}]}`, `{"Message":[null]}`, `{"Message":["a"]}`,
		`{"Message":[{"Body":1}]}`, `{"Message":[{"Body":"a","Partition":1}]}`, `{"Other":1}`,
		`{"Data\u0048ubId":"d"}`, `{"Messaſe":[]}`, `{"Message":[{"Body":"\ud800"}]}`,
		`{"Message":[{"Body":"\ud800\u0041"}]}`, "{\"Message\":[{\"Body\":\"\xff\"}]}",
		"{\"DataHubId\":\"\xff\"}", "{\"Message\":[{\"Body\":\"tab\tinside\"}]}", `{"Message":[{"Body":"\x"}]}`,
		`{"Message":[{"Body":"\u12"}]}`, `{"Message":[{"Body":"open}]}`, `{"Message":[{"Body":"a"},{"Body":"b"},{"Body":"c"}]}`,
	} {
		c := &call{missingBody: -1, Action: Action, DataHubID: "before"}
		if decodeBody([]byte(body), 2, c) {
			t.Errorf("%s: the one-pass decoder took it", body)
		}
		if !reflect.DeepEqual(c, &call{missingBody: -1, Action: Action, DataHubID: "before"}) {
			t.Errorf("%s: c changed to %+v", body, c)
		}
	}
}

// FuzzDecodeBody checks the one-pass decoder against encoding/json: a body
// it accepts must decode to exactly what encoding/json makes of it (what
// it refuses goes to encoding/json, so it cannot differ). go test runs the
// seeds; explore with
//
//	go test -run '^$' -fuzz FuzzDecodeBody -fuzztime 1m ./internal/core
func FuzzDecodeBody(f *testing.F) {
	f.Add(`{"DataHubId":"datahub-a","Message":[{"Body":"hello","Key":"user-1"},{"Body":"second"}]}`)
	f.Add(`{"DataHubId":"d","Message":[{"Body":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","Key":""},{"Body":null},{}]}`)
	f.Add(` {"message":[ {"KEY":"k","body":"é中"} ],"DATAHUBID":null} `)
	f.Add(`{"Message":null}`)
	f.Add(`{"Message":[{"Body":"a"}],"Message":[{"Key":"b"}]}`)
	f.Add(`{"Message":[{"Body":"\ud800"}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		fast, ok, std, err := decodeBoth(body, 3)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("%q: the one-pass decoder accepted what encoding/json refuses: %v", body, err)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("%q:\none pass      %+v\nencoding/json %+v", body, fast, std)
		}
	})
}

// TestDecodeBodyCopiesNothing: unescaped values are the body's own bytes.
func TestDecodeBodyCopiesNothing(t *testing.T) {
	body := []byte(`{"DataHubId":"d","Message":[{"Body":"` + strings.Repeat("v", 1000) + `","Key":"k"}]}`)
	c := &call{missingBody: -1}
	if allocs := testing.AllocsPerRun(10, func() {
		*c = call{missingBody: -1}
		if !decodeBody(body, 500, c) {
			t.Fatal("not decoded")
		}
	}); allocs > 3 {
		t.Errorf("%v allocations to decode one message; want the message list and the DataHubId only", allocs)
	}
	if &c.Messages[0].Value[0] != &body[strings.Index(string(body), "vvv")] {
		t.Errorf("the value was copied")
	}
}

// TestPlain: the word-at-a-time scan classifies every string as a byte
// loop does, whatever the length and wherever the one odd byte sits
// (each stride of the scan and the tail).
func TestPlain(t *testing.T) {
	naive := func(raw []byte) int { // the rule, one question at a time
		switch {
		case slices.ContainsFunc(raw, func(c byte) bool { return c < 0x20 }):
			return kindControl
		case slices.ContainsFunc(raw, func(c byte) bool { return c >= 0x80 }):
			return kindNonASCII
		}
		return kindASCII
	}
	for n := 0; n <= 80; n++ {
		base := []byte(strings.Repeat("a", n))
		if got := plain(base); got != kindASCII {
			t.Fatalf("%d ASCII bytes: kind %d", n, got)
		}
		for i := range n {
			for _, odd := range []byte{0x00, 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xff} {
				raw := append([]byte(nil), base...)
				raw[i] = odd
				if got, want := plain(raw), naive(raw); got != want {
					t.Fatalf("%d bytes, %#x at %d: kind %d, want %d", n, odd, i, got, want)
				}
				if i+1 < n { // a control byte after a non-ASCII one still counts
					raw[i+1] = 0x01
					if got, want := plain(raw), naive(raw); got != want {
						t.Fatalf("%d bytes, %#x at %d then 0x01: kind %d, want %d", n, odd, i, got, want)
					}
				}
			}
		}
	}
}
