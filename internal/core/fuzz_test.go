package core

import (
	"strings"
	"testing"

	"httpkafka/internal/fuzzcheck"
)

// What a decoder may allocate per input byte, and once per input: the
// decoded copy, encoding/json's own work, the error's explanation
// (another decode of the body), with room to spare.
const (
	decodePerByte = 64
	decodeFixed   = 64 << 10
)

// FuzzDecodeJSON: any body decodes or is refused with an *Error, at a cost
// linear in its size, and never yields more messages than the limit.
//
//	go test -run '^$' -fuzz FuzzDecodeJSON ./internal/core
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"DataHubId":"datahub-a","Message":[{"Body":"hello","Key":"k"}]}`,
		`{"DataHubId":"d","Message":[{"Body":"a\u00e9\\n","Key":null},{"Body":""}]}`,
		`{"DataHubId":"d","Message":[{"Body":1}]}`,
		`{"DataHubId":"d","Message":[{"Body":"x","Extra":1}]}`,
		`{"DataHubId":"d","Message":{"Body":"x"}}`,
		`[` + strings.Repeat(`[`, 1000),
		`{"Message":[` + strings.Repeat(`{"Body":""},`, 600) + `{}]}`,
		"{\"DataHubId\":\"d\",\"Message\":[{\"Body\":\"\xff\"}]}",
		`{"DataHubId":"d","message":[{"body":"x"}],"MESSAGE":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode(t, len(body), func(c *call) error { return decodeJSON(body, 500, c) })
	})
}

// checkDecode runs decode on an input of size bytes at a cost linear in
// it, and fails t unless it ends in an *Error or within the 500-message
// limit.
func checkDecode(t *testing.T, size int, decode func(c *call) error) {
	c := &call{missingBody: -1}
	var err error
	fuzzcheck.Cost(t, size, decodePerByte, decodeFixed, func() { err = decode(c) })
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
		return
	}
	if len(c.Messages) > 500 {
		t.Fatalf("%d messages decoded past the limit of 500", len(c.Messages))
	}
}

// FuzzDecodeForm: the same for flattened parameters (form bodies, queries).
//
//	go test -run '^$' -fuzz FuzzDecodeForm ./internal/core
func FuzzDecodeForm(f *testing.F) {
	for _, s := range []string{
		"DataHubId=datahub-a&Message.0.Body=hello&Message.0.Key=k",
		// Finding 6: one index, several spellings.
		"DataHubId=d&Message.0.Body=a&Message.01.Body=b&Message.%2B1.Body=c",
		"DataHubId=d&Message.-0.Body=a",
		"DataHubId=d&Message.499.Body=a&Message.500.Body=b",
		"DataHubId=d&Message.99999999999999999999.Body=a",
		"Action=SendMessage&Signature=x&DataHubId=d&Message.0.Body=a",
		"DataHubId=d&DataHubId=e",
		"%zz=1",
		`{"DataHubId":"d"}`,
		strings.Repeat("&", 5000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkDecode(t, len(raw), func(c *call) error { return decodeForm(raw, 500, c) })
	})
}
