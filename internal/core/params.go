package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one message of a SendMessage call, ready for Kafka.
type Message struct {
	Key   []byte // nil when the request's Key is missing, null or empty
	Value []byte // the message Body
	// Headers are the record headers (Options.RecordHeaders); every
	// message of a request shares one slice. Nil when none are configured.
	Headers []RecordHeader
}

// call is a decoded SendMessage request.
type call struct {
	Action, Version string
	DataHubID       string
	hasDataHubID    bool
	Messages        []Message
	hasMessages     bool
	missingBody     int // index of the first message without a Body, or -1
	ClientToken     string

	// Set for a keyed request: whether the answer repeats a stored
	// outcome, and the receipt time of the request that wrote it.
	replayed      bool
	firstReceived time.Time
	// shared: Messages went to the idempotency store, which may use them
	// after the request is answered; they are not reused (release).
	shared bool
}

// jsonParams is the TC3 JSON body. Field names match case-insensitively,
// as encoding/json does.
type jsonParams struct {
	DataHubId   *string
	Message     []jsonMessage
	ClientToken string
}

type jsonMessage struct {
	Body text
	Key  text
}

// text is a JSON string kept as bytes. encoding/json would read a []byte
// field as base64, so the message fields need their own decoder; set tells
// a missing or null member from an empty string.
type text struct {
	b   []byte
	set bool
}

// UnmarshalJSON copies a string without escapes straight from the input
// (one allocation) and leaves anything else to encoding/json.
func (t *text) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	if !utf8.Valid(data) {
		// encoding/json would replace the bytes with U+FFFD: refused
		// rather than written other than sent.
		return errNotUTF8
	}
	if n := len(data); n >= 2 && data[0] == '"' && bytes.IndexByte(data, '\\') < 0 {
		// append to a non-nil slice: "" is an empty value, not a null one
		// (on a compacted topic a null value deletes the key).
		t.b, t.set = append([]byte{}, data[1:n-1]...), true
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	t.b, t.set = []byte(s), true
	return nil
}

var errNotUTF8 = errors.New("string is not valid UTF-8")

// decodeJSON reads a TC3 JSON body: in one pass (decodeBody) when it has
// the usual shape, else with encoding/json (decodeJSONStd).
func decodeJSON(body []byte, maxMessages int, c *call) error {
	if decodeBody(body, maxMessages, c) {
		return nil
	}
	return decodeJSONStd(body, maxMessages, c)
}

// decodeJSONStd reads a TC3 JSON body with encoding/json. It decodes the
// body once; only when that fails does it look again to say what is wrong
// and where. A Message list longer than maxMessages is refused before it
// is decoded: 6 MiB of {"Body":""} would be half a million messages.
func decodeJSONStd(body []byte, maxMessages int, c *call) error {
	n := countMessages(body)
	if n > maxMessages {
		return tooManyMessages(n, maxMessages)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var p jsonParams
	if n > 0 { // encoding/json appends into the capacity it finds: one allocation
		p.Message = make([]jsonMessage, 0, n)
	}
	err := dec.Decode(&p)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON object")
	}
	if err != nil {
		return explainJSON(body, err)
	}
	if p.DataHubId != nil {
		c.DataHubID, c.hasDataHubID = *p.DataHubId, true
	}
	c.ClientToken = p.ClientToken
	c.hasMessages = p.Message != nil
	c.Messages = make([]Message, len(p.Message))
	for i := range p.Message {
		m := &p.Message[i]
		if !m.Body.set && c.missingBody < 0 {
			c.missingBody = i
		}
		c.Messages[i] = Message{Key: nonEmpty(m.Key.b), Value: m.Body.b}
	}
	return nil
}

func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// countMessages counts the elements of the top-level Message array by
// scanning the bytes, without decoding or allocating. It is a count, not a
// validation: for a body that is not valid JSON any number may come back,
// and the decoder reports the real error.
func countMessages(body []byte) int {
	var (
		depth            int
		inString, escape bool
		keyStart         int  // where the last string at depth 1 began
		isKey            bool // a string at depth 1 now would be a key
		inMessage        bool // the key just read is Message
		counting         bool // inside the Message array
		n, most          int
		empty            = true
	)
	for i, ch := range body {
		if inString {
			switch {
			case escape:
				escape = false
			case ch == '\\':
				escape = true
			case ch == '"':
				inString = false
				if depth == 1 && isKey {
					inMessage = isMessageKey(body[keyStart-1 : i+1])
				}
			}
			continue
		}
		switch ch {
		case '"':
			inString, keyStart = true, i+1
			if counting && depth == 2 {
				empty = false
			}
		case '{', '[':
			if depth == 1 && ch == '[' && inMessage {
				counting, n, empty = true, 0, true
			} else if counting && depth == 2 {
				empty = false
			}
			depth++
			if depth == 1 {
				isKey = true
			}
		case '}', ']':
			depth--
			if counting && depth == 1 {
				// Keep scanning: with a repeated key, encoding/json
				// decodes the last list, so the longest one counts.
				if !empty {
					n++
				}
				most, counting = max(most, n), false
			}
		case ':':
			if depth == 1 {
				isKey = false
			}
		case ',':
			if depth == 1 {
				isKey, inMessage = true, false
			} else if counting && depth == 2 {
				n++
			}
		case ' ', '\t', '\n', '\r':
		default:
			if counting && depth == 2 {
				empty = false
			}
		}
	}
	if counting { // a body cut off inside the list
		most = max(most, n)
	}
	return most
}

// isMessageKey reports whether the quoted key names Message, as
// encoding/json matches it: case-insensitively, after unescaping.
func isMessageKey(quoted []byte) bool {
	key := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(key, '\\') >= 0 {
		var s string
		if json.Unmarshal(quoted, &s) != nil {
			return false
		}
		return strings.EqualFold(s, "Message")
	}
	return strings.EqualFold(string(key), "Message")
}

// explainJSON turns a failed decode into an error that names the field.
func explainJSON(body []byte, decodeErr error) *Error {
	if !json.Valid(body) {
		// Unmarshal says what is wrong and where; the Decoder only "unexpected EOF".
		err := json.Unmarshal(body, new(any))
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return Errorf(CodeInvalidParameter, "request body is not valid JSON: %s at byte %d", syntax.Error(), syntax.Offset)
		}
		return Errorf(CodeInvalidParameter, "request body is not valid JSON: %v", decodeErr)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return Errorf(CodeInvalidParameter, "request body must be a JSON object, got %s", jsonKind(bytes.TrimSpace(body)))
	}
	for _, name := range sortedKeys(top) {
		raw := top[name]
		switch {
		case strings.EqualFold(name, "DataHubId"):
			if k := jsonKind(raw); k != "string" && k != "null" {
				return Errorf(CodeInvalidParameter, "DataHubId must be a string, got %s", k)
			}
		case strings.EqualFold(name, "ClientToken"):
			if k := jsonKind(raw); k != "string" && k != "null" {
				return Errorf(CodeInvalidParameter, "ClientToken must be a string, got %s", k)
			}
		case strings.EqualFold(name, "Message"):
			if err := explainMessages(raw); err != nil {
				return err
			}
		default:
			return Errorf(CodeUnknownParameter, "unknown parameter %s", clip(name))
		}
	}
	// Valid, but not what we decode: report what encoding/json said.
	return Errorf(CodeInvalidParameter, "request body: %v", decodeErr)
}

func explainMessages(raw json.RawMessage) *Error {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return Errorf(CodeInvalidParameter, "Message must be an array of {Body, Key} objects, got %s", jsonKind(raw))
	}
	for i, item := range list {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(item, &fields); err != nil {
			return Errorf(CodeInvalidParameter, "Message[%d] must be an object with Body and Key, got %s", i, jsonKind(item))
		}
		for _, name := range sortedKeys(fields) {
			if !strings.EqualFold(name, "Body") && !strings.EqualFold(name, "Key") {
				return Errorf(CodeUnknownParameter, "unknown parameter Message[%d].%s", i, clip(name))
			}
			if k := jsonKind(fields[name]); k != "string" && k != "null" {
				return Errorf(CodeInvalidParameter, "Message[%d].%s must be a string, got %s", i, name, k)
			}
			if !utf8.Valid(fields[name]) {
				return Errorf(CodeInvalidParameter, "Message[%d].%s is not valid UTF-8 (JSON text must be); send bytes that are not text base64-encoded", i, name)
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonKind names the JSON type of a valid value.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// commonFormParams are the TencentCloud common parameters that may stand
// beside the business parameters in a form body or query (legacy signing,
// GET requests).
var commonFormParams = map[string]bool{
	"Action": true, "Version": true, "Region": true, "Timestamp": true, "Nonce": true,
	"RequestClient": true, "Language": true, "SecretId": true, "SignatureMethod": true,
	"Signature": true, "Token": true,
}

// decodeForm reads parameters flattened the TencentCloud way, as a form body
// or a query: DataHubId, Message.0.Body, Message.0.Key, Message.1.Body, ...
// maxMessages bounds the list before it is allocated.
func decodeForm(raw string, maxMessages int, c *call) error {
	if strings.HasPrefix(strings.TrimSpace(raw), "{") {
		// curl -d sends a form Content-Type unless told otherwise.
		return Errorf(CodeInvalidParameter, "the body looks like JSON but its Content-Type says form: send Content-Type: application/json")
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return Errorf(CodeInvalidParameter, "parameters are not valid form encoding: %v", err)
	}
	maxIndex := -1
	bodies := map[int][]byte{}
	keys := map[int][]byte{}
	for _, name := range slices.Sorted(maps.Keys(values)) { // sorted: the same error every time
		vs := values[name]
		if len(vs) > 1 {
			return Errorf(CodeInvalidParameter, "parameter %s is given %d times", clip(name), len(vs))
		}
		v := vs[0]
		switch {
		case name == "Action" && c.Action == "": // X-TC-Action, when read (not for a legacy-signed form; Service.decode), wins
			c.Action = v
		case name == "Version" && c.Version == "":
			c.Version = v
		case commonFormParams[name]:
		case name == "DataHubId":
			c.DataHubID, c.hasDataHubID = v, true
		case name == "ClientToken":
			c.ClientToken = v
		case strings.HasPrefix(name, "Message."):
			idx, field, ok := strings.Cut(strings.TrimPrefix(name, "Message."), ".")
			if !ok || (field != "Body" && field != "Key") {
				return Errorf(CodeUnknownParameter, "unknown parameter %s", clip(name))
			}
			i, ok := MessageIndex(idx)
			if !ok {
				return Errorf(CodeInvalidParameter, "parameter %s: index %q is not 0 or a number without a leading zero", clip(name), clip(idx))
			}
			if i >= maxMessages {
				return Errorf(CodeInvalidParameterValue, "parameter %s is past the message limit: Message.0 to Message.%d", clip(name), maxMessages-1)
			}
			maxIndex = max(maxIndex, i)
			if field == "Body" {
				bodies[i] = []byte(v)
			} else {
				keys[i] = []byte(v)
			}
		default:
			return Errorf(CodeUnknownParameter, "unknown parameter %s", clip(name))
		}
	}
	c.hasMessages = maxIndex >= 0
	c.Messages = make([]Message, maxIndex+1)
	for i := range c.Messages {
		body, ok := bodies[i]
		if !ok && c.missingBody < 0 {
			c.missingBody = i
		}
		c.Messages[i] = Message{Key: nonEmpty(keys[i]), Value: body}
	}
	return nil
}

// maxIndexDigits bounds a form index: nine digits are more than any
// message limit, and an int holds them on every platform.
const maxIndexDigits = 9

// MessageIndex reads the N of a flattened Message.N.Body or Message.N.Key
// parameter. An index has one spelling: "0", or digits without a leading
// zero (no sign, no spaces), at most nine of them; anything else is not an
// index, so that no two names address the same message.
func MessageIndex(s string) (int, bool) {
	if s == "" || len(s) > maxIndexDigits || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// clip shortens a caller's parameter name for an error message.
func clip(name string) string {
	const most = 64
	if len(name) <= most {
		return name
	}
	return strings.ToValidUTF8(name[:most], "") + "..."
}

func tooManyMessages(n, limit int) *Error {
	return Errorf(CodeInvalidParameterValue, "Message has %d messages, limit %d", n, limit)
}
