package core

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"time"
)

const contentTypeJSON = "application/json"

// successEnvelope renders {"Response":{"MessageId":[...],"RequestId":"..."}}.
// Each MessageId is datahubId:topic:partition:offset:receivedMs:sentMs; it is
// built by appending, since this runs for every message of every request.
func successEnvelope(idPrefix []byte, received time.Time, placements []Placement, requestID string) []byte {
	recv := received.UnixMilli()
	buf := make([]byte, 0, 64+len(requestID)+len(placements)*(len(idPrefix)+48))
	buf = append(buf, `{"Response":{"MessageId":[`...)
	// The records of a request share one timestamp: its ":recv:sent\"" tail
	// is formatted once.
	var tail []byte
	var tailFor int64
	for i, p := range placements {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		buf = append(buf, idPrefix...)
		buf = strconv.AppendInt(buf, int64(p.Partition), 10)
		buf = append(buf, ':')
		buf = strconv.AppendInt(buf, p.Offset, 10)
		if sent := p.Timestamp.UnixMilli(); tail == nil || sent != tailFor {
			tail = strconv.AppendInt(append(strconv.AppendInt(append(tail[:0], ':'), recv, 10), ':'), sent, 10)
			tail, tailFor = append(tail, '"'), sent
		}
		buf = append(buf, tail...)
	}
	buf = append(buf, `],"RequestId":"`...)
	buf = appendJSONStringBody(buf, requestID)
	return append(buf, `"}}`...)
}

type errorBody struct {
	Response struct {
		Error struct {
			Code    string
			Message string
		}
		RequestId string
	}
}

// errorEnvelope renders {"Response":{"Error":{"Code":..,"Message":..},"RequestId":..}}.
func errorEnvelope(e *Error, requestID string) []byte {
	var b errorBody
	b.Response.Error.Code = e.Code
	b.Response.Error.Message = e.Message
	b.Response.RequestId = requestID
	out, err := json.Marshal(b)
	if err != nil { // strings always marshal
		panic(err)
	}
	return out
}

// appendJSONStringBody appends s as the inside of a JSON string literal.
func appendJSONStringBody(buf []byte, s string) []byte {
	plain := true // nothing that encoding/json would escape (it escapes <, > and &)
	for i := 0; i < len(s) && plain; i++ {
		ch := s[i]
		plain = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' && ch != '<' && ch != '>' && ch != '&'
	}
	if plain {
		return append(buf, s...)
	}
	quoted, _ := json.Marshal(s) // a string always marshals
	return append(buf, quoted[1:len(quoted)-1]...)
}

// newUUID returns a random (version 4) UUID for requests that arrive
// without a gateway request id. It names a request in replies and logs and
// guards nothing, so it comes from the runtime's per-thread ChaCha8
// generator (math/rand/v2, seeded by the OS) rather than a getrandom
// system call per request.
func newUUID() string {
	var u [16]byte
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:], u[10:])
	return string(out[:])
}
