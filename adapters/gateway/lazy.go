package gateway

import (
	"encoding/json"
	"net/http"
	"net/textproto"
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
	if !walkLists(data, false, func(_ string, list []string, _ bool) bool { n++; values += len(list); return true }) {
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
		if !walkLists(data, true, func(k string, list []string, null bool) bool {
			if null {
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
		return walkLists(data, true, func(k string, list []string, _ bool) bool {
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

// carve copies list into pool, allocated once with room for total strings
// (what UnmarshalJSON counted), and returns the copy, capped so that
// appending to it never writes into the pool. An empty list is an empty,
// non-nil slice, as encoding/json decodes [].
func carve(pool, list []string, total int) ([]string, []string) {
	if pool == nil || cap(pool)-len(pool) < len(list) {
		pool = make([]string, 0, max(total, 2*cap(pool), len(list))) // doubled past total: never quadratic
	}
	start := len(pool)
	pool = append(pool, list...)
	return pool, pool[start:len(pool):len(pool)]
}
