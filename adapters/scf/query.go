package scf

import (
	"bytes"
	"encoding/json"
	"fmt"

	"httpkafka/adapters/gateway"
)

// queryString is the event's queryString: each value is a string, a list
// of values for a repeated name, or true for a name without '='.
type queryString map[string][]string

// UnmarshalJSON reads the three value forms. A list's elements follow the
// same rules as a single value: numbers and true appear inside lists as
// they do alone ({"a":[1,2]}, {"a":[true,"x"]}), and an element of any
// type must not turn the event into a failed invocation.
func (q *queryString) UnmarshalJSON(data []byte) error {
	// Walked without a map of json.RawMessage and a json.Unmarshal per
	// value: that was most of the cost of an event's queryString.
	out := make(queryString)
	if gateway.Members(data, func(k string, v []byte) bool {
		values, ok := readValues(v)
		if len(values) > 0 {
			out[k] = values
		} else {
			delete(out, k) // a name sent twice: the last value counts, as in a map
		}
		return ok
	}) {
		*q = out
		return nil
	}
	// Not an object (the error below), or a form the walk does not
	// expect: encoding/json reads it.
	return q.unmarshalRaw(data)
}

// readValues is the values of one name: v's, or its elements' if a list.
func readValues(v []byte) ([]string, bool) {
	if len(v) == 0 || v[0] != '[' {
		return appendValue(nil, v)
	}
	var values []string
	ok := gateway.Elements(v, func(elem []byte) bool {
		var ok bool
		values, ok = appendValue(values, elem)
		return ok
	})
	return values, ok
}

// unmarshalRaw is UnmarshalJSON through a map of json.RawMessage: the
// reference the walk must agree with.
func (q *queryString) unmarshalRaw(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("queryString: %w", err)
	}
	out := make(queryString, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		list := []json.RawMessage{v}
		if len(v) > 0 && v[0] == '[' {
			if err := json.Unmarshal(v, &list); err != nil {
				return fmt.Errorf("queryString.%s: %w", k, err)
			}
		}
		var values []string
		for _, elem := range list {
			var ok bool
			if values, ok = appendValue(values, bytes.TrimSpace(elem)); !ok {
				return fmt.Errorf("queryString.%s: %s is not a JSON value", k, elem)
			}
		}
		if len(values) > 0 {
			out[k] = values
		}
	}
	*q = out
	return nil
}

// appendValue appends one JSON value of a query parameter: a string as
// it is, true as a flag, null and false not at all (the name is absent),
// and anything else (a number; an object or a nested list, never seen) as
// its JSON text.
func appendValue(values []string, v []byte) ([]string, bool) {
	switch {
	case len(v) == 0 || string(v) == "null" || string(v) == "false":
		return values, true
	case string(v) == "true":
		return append(values, gateway.Flag), true
	case v[0] == '"':
		s, ok := gateway.Unquote(v)
		return append(values, s), ok
	}
	return append(values, string(v)), true
}

// Encode rebuilds the raw query: names sorted, values percent-encoded,
// flags as a bare name.
func (q queryString) Encode() string { return gateway.Query(q, true) }
