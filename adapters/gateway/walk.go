package gateway

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

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

// walkLists calls member with each name and list of data, a JSON object of
// lists of strings or nulls (null as ""), or of nulls (null is true). list
// is reused between calls. It reports false as walkStrings does.
func walkLists(data []byte, decode bool, member func(name string, list []string, null bool) bool) bool {
	s := newScanner(data, decode)
	var list []string
	return s.object(decode, func(name string) bool {
		list = list[:0]
		switch s.peek() {
		case 'n':
			return s.null() && member(name, nil, true)
		case '[':
			s.i++
		default:
			return false
		}
		if s.peek() == ']' {
			s.i++
			return member(name, list, false)
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
				return member(name, list, false)
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
