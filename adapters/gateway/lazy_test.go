package gateway_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"httpkafka/adapters/gateway"
)

// decoded is what an event's header and query maps decode to: with
// encoding/json into maps (want) and with the lazy types (got).
type decoded struct {
	strings      map[string]string
	lists        map[string][]string
	header       http.Header // Headers of strings
	multiHeader  http.Header // MultiHeaders of lists
	sPres, lPres bool
}

func decodeMaps(payload []byte) (decoded, error) {
	type event struct { // named as the adapters' type is: errors name it
		S map[string]string   `json:"s"`
		L map[string][]string `json:"l"`
	}
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		return decoded{}, err
	}
	return decoded{e.S, e.L, gateway.Headers(e.S), gateway.MultiHeaders(e.L), e.S != nil, e.L != nil}, nil
}

func decodeLazy(payload []byte) (decoded, error) {
	type event struct {
		S gateway.Strings     `json:"s"`
		L gateway.StringLists `json:"l"`
	}
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		return decoded{}, err
	}
	return decoded{e.S.Map(), e.L.Map(), e.S.Header(), e.L.Header(), e.S.Present(), e.L.Present()}, nil
}

// sameHeader compares headers, the values of a name in any order: the
// maps' headers merge two spellings of a name in map order.
func sameHeader(a, b http.Header) bool {
	sorted := func(h http.Header) http.Header {
		out := make(http.Header, len(h))
		for k, vs := range h {
			out[k] = slices.Sorted(slices.Values(vs))
			if vs == nil {
				out[k] = nil
			}
		}
		return out
	}
	return reflect.DeepEqual(sorted(a), sorted(b))
}

// checkLazy checks that the lazy types decode payload exactly as maps do:
// the same maps, headers and presence, and an error exactly when the maps
// have one (the same error when sameError).
func checkLazy(t *testing.T, payload []byte, sameError bool) {
	t.Helper()
	want, wantErr := decodeMaps(payload)
	got, err := decodeLazy(payload)
	if (err == nil) != (wantErr == nil) || sameError && err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("%s: error %v, want %v", payload, err, wantErr)
	}
	if err != nil {
		return
	}
	if !reflect.DeepEqual(got.strings, want.strings) || !reflect.DeepEqual(got.lists, want.lists) ||
		got.sPres != want.sPres || got.lPres != want.lPres {
		t.Fatalf("%s: decoded %#v %#v (present %v %v), want %#v %#v (present %v %v)", payload,
			got.strings, got.lists, got.sPres, got.lPres, want.strings, want.lists, want.sPres, want.lPres)
	}
	if !sameHeader(got.header, want.header) || !sameHeader(got.multiHeader, want.multiHeader) {
		t.Fatalf("%s: headers %#v %#v, want %#v %#v", payload, got.header, got.multiHeader, want.header, want.multiHeader)
	}
}

var lazyCases = []string{
	`{}`,
	`{"s":null,"l":null}`,
	`{"s":{},"l":{}}`,
	`{"s":{"a":"1","B":"2","cache-control":"no-cache"},"l":{"a":["1","2"],"x-forwarded-for":["1.1.1.1, 2.2.2.2"]}}`,
	` { "s" : { "a" : "1" , "b" : null } , "l" : { "a" : [ "1" , null ] , "b" : null , "c" : [ ] } } `,
	`{"s":{"a":"x\"y\\z\u00e9\ud83d\ude00","\u0041":"\/"},"l":{"k\n":["\t","\u0000"]}}`,
	"{\"s\":{\"a\":\"caf\xc3\xa9\",\"b\":\"\xff\xfe\",\"\xed\xa0\x80\":\"surrogate\"},\"l\":{\"c\":[\"\xc3\"]}}",
	// A name twice: the last value wins; in two spellings: both values.
	`{"s":{"a":"1","a":"2"},"l":{"a":["1"],"a":["2","3"]}}`,
	`{"s":{"x-a":"1","X-A":"2"},"l":{"x-a":["1"],"X-A":["2"]}}`,
	`{"s":{"a":"1","b":"2","a":"3","A":"4"}}`,
	// A member twice is merged, null drops what came before, and names
	// match whatever their case.
	`{"s":{"a":"1"},"s":{"b":"2","a":"3"},"l":{"a":["1"]},"L":{"b":[]}}`,
	`{"s":{"a":"1"},"s":null,"l":{"a":["1"]},"l":null,"l":{"c":["2"]}}`,
	`{"S":{"a":"1"},"s":{}}`,
	// Wrong types: errors, the same as the maps'.
	`{"s":5}`, `{"s":"a"}`, `{"s":true}`, `{"s":[]}`, `{"s":["a"]}`,
	`{"s":{"a":1}}`, `{"s":{"a":true}}`, `{"s":{"a":{}}}`, `{"s":{"a":["b"]}}`,
	`{"l":{"a":"b"}}`, `{"l":{"a":[1]}}`, `{"l":{"a":[["b"]]}}`, `{"l":{"a":[{}]}}`, `{"l":{"a":[true]}}`, `{"l":[]}`,
	`{"s":{"a":"1","b":2,"c":"3"}}`,
	// Not JSON: encoding/json refuses it before any UnmarshalJSON.
	`{"s":{"a":"1"`, `{"s":{"a":"1",}}`, `{"s":{'a':"1"}}`, "{\"s\":{\"a\":\"\x01\"}}",
}

// TestLazyMaps checks Strings and StringLists against encoding/json's maps.
func TestLazyMaps(t *testing.T) {
	t.Parallel()
	for _, c := range lazyCases {
		checkLazy(t, []byte(c), true)
	}
}

// TestLazyMapsAlone checks the types decoded as a whole payload, where
// encoding/json calls UnmarshalJSON with no struct around it.
func TestLazyMapsAlone(t *testing.T) {
	t.Parallel()
	for _, c := range []string{`null`, `{"a":"1"}`, `{"a":1}`, `"a"`, `[]`} {
		var want map[string]string
		wantErr := json.Unmarshal([]byte(c), &want)
		var got gateway.Strings
		err := json.Unmarshal([]byte(c), &got)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() || err == nil && !reflect.DeepEqual(got.Map(), want) {
			t.Errorf("%s: %v %v, want %v %v", c, got.Map(), err, want, wantErr)
		}
	}
}

// TestLazyHeaderNotNil: an event without the member has empty headers, to
// which a shape may add (payload 2.0's cookies).
func TestLazyHeaderNotNil(t *testing.T) {
	t.Parallel()
	var s gateway.Strings
	var l gateway.StringLists
	if s.Header() == nil || l.Header() == nil || s.Map() != nil || l.Map() != nil {
		t.Errorf("absent member: Header %v %v, Map %v %v; want empty headers, nil maps", s.Header(), l.Header(), s.Map(), l.Map())
	}
}

// FuzzLazyMaps: whatever the payload, the lazy types decode it as
// encoding/json's maps do, and refuse what the maps refuse.
//
//	go test -run '^$' -fuzz FuzzLazyMaps ./adapters/gateway
func FuzzLazyMaps(f *testing.F) {
	for _, c := range lazyCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		// With two wrong members, encoding/json reports the first and the
		// lazy types the first of theirs: only whether it fails is compared.
		checkLazy(t, payload, false)
	})
}
