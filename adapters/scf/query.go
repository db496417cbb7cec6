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
			var err error
			if values, err = appendValue(values, bytes.TrimSpace(elem)); err != nil {
				return fmt.Errorf("queryString.%s: %w", k, err)
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
func appendValue(values []string, v json.RawMessage) ([]string, error) {
	switch {
	case len(v) == 0 || string(v) == "null" || string(v) == "false":
		return values, nil
	case string(v) == "true":
		return append(values, gateway.Flag), nil
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return values, err
		}
		return append(values, s), nil
	}
	return append(values, string(v)), nil
}

// Encode rebuilds the raw query: names sorted, values percent-encoded,
// flags as a bare name.
func (q queryString) Encode() string { return gateway.Query(q, true) }
