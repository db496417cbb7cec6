package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/textproto"
	"unicode/utf8"
)

// Strings is an event member holding a JSON object of strings, such as
// payload 1.0's headers or queryStringParameters, decoded only when the
// shape that reads it asks ([Strings.Header], [Strings.Map]). Events send
// headers and queries twice, one value and all values per name, and each
// shape reads one of the two: building the other is most of an event's
// decode cost.
//
// Unmarshalling checks the member's type as decoding it into a
// map[string]string would, without building the map, so that an event is
// refused exactly when it would be refused with the map decoded (with the
// same error, when it is the event's only one). A member that occurs
// twice is merged as encoding/json merges maps; null drops what came before.
//
// The object is kept as a slice of the payload, not copied: the payload
// must stay unchanged while the event is in use (gateway adapters decode it
// with [Decode] and finish with it within the invocation).
type Strings struct{ obj lazyObject }

// StringLists is an event member holding a JSON object of string lists,
// such as payload 1.0's multiValueHeaders or
// multiValueQueryStringParameters: [Strings] for map[string][]string.
type StringLists struct{ obj lazyObject }

// lazyObject is each occurrence of a member in an event, undecoded, and
// what checking them counted.
type lazyObject struct {
	first   []byte
	more    [][]byte // occurrences after the first: encoding/json merges them into one map
	members int      // names in all occurrences: a bound on the map's size
	values  int      // strings in all lists (StringLists)
}

func (o *lazyObject) add(data []byte, members, values int) {
	if o.first == nil {
		o.first = data
	} else {
		o.more = append(o.more, data)
	}
	o.members += members
	o.values += values
}

// each calls f with each occurrence, in order, until f returns false.
func (o *lazyObject) each(f func([]byte) bool) bool {
	if o.first == nil {
		return true
	}
	if !f(o.first) {
		return false
	}
	for _, d := range o.more {
		if !f(d) {
			return false
		}
	}
	return true
}

// UnmarshalJSON keeps data, checked as a map[string]string decode would.
func (m *Strings) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*m = Strings{}
		return nil
	}
	n := 0
	if !walkStrings(data, false, func(string, string) bool { n++; return true }) {
		var want map[string]string
		if err := json.Unmarshal(data, &want); err != nil {
			return err // the error decoding the map would have saved
		}
		n = len(want) // the walk is stricter than encoding/json: Map falls back to it
	}
	m.obj.add(data, n, 0)
	return nil
}

// Present reports whether the member was sent and its last occurrence was
// not null: whether decoding it into a map would have made a non-nil map.
func (m Strings) Present() bool { return m.obj.first != nil }

// Map is the member decoded as encoding/json decodes a map[string]string:
// nil when it is not [Strings.Present], a null value as "".
func (m Strings) Map() map[string]string {
	if !m.Present() {
		return nil
	}
	out := make(map[string]string, m.obj.members)
	m.obj.each(func(data []byte) bool {
		if !walkStrings(data, true, func(k, v string) bool { out[k] = v; return true }) {
			json.Unmarshal(data, &out) // checked by UnmarshalJSON: cannot fail
		}
		return true
	})
	return out
}

// Header is [Headers] of [Strings.Map], built in one pass: names
// canonical, each value whole.
func (m Strings) Header() http.Header {
	h := make(http.Header, m.obj.members)
	// One array backs every one-value list, as textproto.Reader does.
	vals := make([]string, m.obj.members)
	i := 0
	ok := m.obj.each(func(data []byte) bool {
		return walkStrings(data, true, func(k, v string) bool {
			k = textproto.CanonicalMIMEHeaderKey(k)
			if _, seen := h[k]; seen || i == len(vals) {
				return false
			}
			vals[i] = v
			h[k] = vals[i : i+1 : i+1]
			i++
			return true
		})
	})
	if !ok {
		// A name sent twice (the later value wins) or in two spellings
		// (the values are merged): exactly as the map does it.
		return Headers(m.Map())
	}
	return h
}

// UnmarshalJSON keeps data, checked as a map[string][]string decode would.
func (m *StringLists) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*m = StringLists{}
		return nil
	}
	n, values := 0, 0
	if !walkLists(data, false, func(_ string, list []string, _ int) bool { n++; values += len(list); return true }) {
		var want map[string][]string
		if err := json.Unmarshal(data, &want); err != nil {
			return err
		}
		n = len(want)
	}
	m.obj.add(data, n, values)
	return nil
}

// Present reports whether the member was sent and its last occurrence was
// not null.
func (m StringLists) Present() bool { return m.obj.first != nil }

// Map is the member decoded as encoding/json decodes a
// map[string][]string: nil when it is not [StringLists.Present], a null
// list as nil, a null string as "".
func (m StringLists) Map() map[string][]string {
	if !m.Present() {
		return nil
	}
	out := make(map[string][]string, m.obj.members)
	var pool []string
	m.obj.each(func(data []byte) bool {
		if !walkLists(data, true, func(k string, list []string, null int) bool {
			if null == nullList {
				out[k] = nil
				return true
			}
			pool, out[k] = carve(pool, list, m.obj.values)
			return true
		}) {
			json.Unmarshal(data, &out) // checked by UnmarshalJSON: cannot fail
		}
		return true
	})
	return out
}

// Header is [MultiHeaders] of [StringLists.Map], built in one pass.
func (m StringLists) Header() http.Header {
	h := make(http.Header, m.obj.members)
	var pool []string
	ok := m.obj.each(func(data []byte) bool {
		return walkLists(data, true, func(k string, list []string, _ int) bool {
			k = textproto.CanonicalMIMEHeaderKey(k)
			if _, seen := h[k]; seen {
				return false
			}
			if len(list) == 0 {
				h[k] = nil // as append(nil, empty...) leaves it
				return true
			}
			pool, h[k] = carve(pool, list, m.obj.values)
			return true
		})
	})
	if !ok {
		return MultiHeaders(m.Map()) // a name sent twice or in two spellings
	}
	return h
}

// carve copies list into pool, allocated once with room for total strings,
// and returns the copy, capped so that appending to it never writes into
// the pool. An empty list is an empty, non-nil slice, as encoding/json
// decodes [].
func carve(pool, list []string, total int) ([]string, []string) {
	if pool == nil || cap(pool)-len(pool) < len(list) {
		pool = make([]string, 0, max(total, len(list)))
	}
	start := len(pool)
	pool = append(pool, list...)
	return pool, pool[start:len(pool):len(pool)]
}

// walkStrings calls member with each name and value of data, a JSON object
// of strings or nulls (null as ""), names and values decoded only when
// decode says so. It reports false when data is anything else (the
// decode would fail) or member returned false. encoding/json has checked
// data's syntax before it reaches an UnmarshalJSON; the walk checks it too.
func walkStrings(data []byte, decode bool, member func(name, value string) bool) bool {
	s := newScanner(data, decode)
	return s.object(decode, func(name string) bool {
		v, ok := s.text(decode)
		return ok && member(name, v)
	})
}

// nullList is the null argument of a walkLists member for a null list.
const nullList = 1

// walkLists calls member with each name and list of data, a JSON object of
// lists of strings or nulls (null as ""), or of nulls (null is nullList).
// list is reused between calls. It reports false as walkStrings does.
func walkLists(data []byte, decode bool, member func(name string, list []string, null int) bool) bool {
	s := newScanner(data, decode)
	var list []string
	return s.object(decode, func(name string) bool {
		list = list[:0]
		switch s.peek() {
		case 'n':
			return s.null() && member(name, nil, nullList)
		case '[':
			s.i++
		default:
			return false
		}
		if s.peek() == ']' {
			s.i++
			return member(name, list, 0)
		}
		for {
			v, ok := s.text(decode)
			if !ok {
				return false
			}
			list = append(list, v)
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return member(name, list, 0)
			default:
				return false
			}
		}
	})
}

// scanner reads the few JSON forms that event maps hold, strictly: what it
// does not expect, it refuses, and the caller leaves that to encoding/json.
// It never goes back, so a walk costs time linear in the data.
type scanner struct {
	data []byte
	src  string // data as a string when names and values are read: they are cut from it
	i    int
}

// newScanner reads data; decode says whether names and values will be
// read. They are then substrings of one copy of data, one allocation
// instead of one per string (the strings of one map keep all of it alive:
// an event's maps are a few kilobytes, and live as long as its request).
func newScanner(data []byte, decode bool) scanner {
	s := scanner{data: data}
	if decode {
		s.src = string(data)
	}
	return s
}

// peek is the next byte after white space, 0 at the end.
func (s *scanner) peek() byte {
	for ; s.i < len(s.data); s.i++ {
		switch c := s.data[s.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

func (s *scanner) null() bool {
	if bytes.HasPrefix(s.data[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

// object calls member with each name of the object at s.i (decoded when
// decode says so), s at its value; member reads the value.
func (s *scanner) object(decode bool, member func(name string) bool) bool {
	if s.peek() != '{' {
		return false
	}
	s.i++
	if s.peek() == '}' {
		return true
	}
	for {
		if s.peek() != '"' {
			return false
		}
		name, ok := s.str(decode)
		if !ok || s.peek() != ':' {
			return false
		}
		s.i++
		if !member(name) {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			return true
		default:
			return false
		}
	}
}

// text reads a string, or null as "".
func (s *scanner) text(decode bool) (string, bool) {
	switch s.peek() {
	case '"':
		return s.str(decode)
	case 'n':
		return "", s.null()
	}
	return "", false
}

// str reads the string literal at s.i, its value only when decode says so.
// A literal without escapes in valid UTF-8 is its own value (what
// encoding/json's unquote returns for it); any other goes to encoding/json.
func (s *scanner) str(decode bool) (string, bool) {
	start := s.i
	plain := true
	for s.i++; s.i < len(s.data); s.i++ {
		switch c := s.data[s.i]; {
		case c == '"':
			s.i++
			if !decode {
				return "", true
			}
			lit := s.data[start+1 : s.i-1]
			if plain && utf8.Valid(lit) {
				if s.src == "" {
					return string(lit), true
				}
				return s.src[start+1 : s.i-1], true
			}
			var v string
			if err := json.Unmarshal(s.data[start:s.i], &v); err != nil {
				return "", false
			}
			return v, true
		case c == '\\':
			plain = false
			s.i++ // the escaped byte, which may be '"'
		case c < ' ':
			return "", false // not JSON
		}
	}
	return "", false
}

// Members calls member with each name of data, a JSON object, and its
// value's JSON text (what a json.RawMessage of it holds), in order, until
// member returns false. It reports false when data is not an object or
// member returned false. data must be JSON as encoding/json checked it for
// an UnmarshalJSON method; for other input, the result is unspecified but
// the cost stays linear in its size. It is the walk behind an adapter's
// own map type, without a map of json.RawMessage in between.
func Members(data []byte, member func(name string, value []byte) bool) bool {
	s := scanner{data: data}
	return s.object(true, func(name string) bool {
		v, ok := s.value()
		return ok && member(name, v)
	})
}

// Elements calls elem with the JSON text of each element of data, a JSON
// array, in order, until elem returns false; otherwise as [Members].
func Elements(data []byte, elem func(value []byte) bool) bool {
	s := scanner{data: data}
	if s.peek() != '[' {
		return false
	}
	s.i++
	if s.peek() == ']' {
		return true
	}
	for {
		v, ok := s.value()
		if !ok || !elem(v) {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			return true
		default:
			return false
		}
	}
}

// Unquote is the value of lit, a JSON string literal, as encoding/json
// decodes it into a string.
func Unquote(lit []byte) (string, bool) {
	s := scanner{data: lit}
	if s.peek() != '"' {
		return "", false
	}
	v, ok := s.str(true)
	return v, ok && s.i == len(lit)
}

// value reads the JSON value at s.i and returns its text.
func (s *scanner) value() ([]byte, bool) {
	s.peek()
	start, depth := s.i, 0
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case '"':
			if _, ok := s.str(false); !ok {
				return nil, false
			}
			if depth == 0 {
				return s.data[start:s.i], true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // the end of a number or literal
				return s.data[start:s.i], s.i > start
			}
			if depth--; depth == 0 {
				s.i++
				return s.data[start:s.i], true
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return s.data[start:s.i], s.i > start
			}
		}
		s.i++
	}
	return s.data[start:], depth == 0 && s.i > start
}
