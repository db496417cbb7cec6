package core

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeBody decodes a TC3 JSON body of the usual shape in one pass over
// its bytes: it checks the syntax, validates UTF-8, unescapes strings and
// counts messages at once. Message keys and values are sub-slices of body
// where the JSON string has no escapes (the usual case), so a message costs
// no copy; escaped strings are unescaped into one buffer per request.
//
// It reports false, having changed nothing in c, for anything else: every
// body with an error, and the rare valid ones whose exact meaning is left
// to encoding/json (a key given twice, keys spelt with escapes or outside
// ASCII, null list elements, lone UTF-16 surrogates, a DataHubId that is
// not UTF-8, a list longer than maxMessages). decodeJSON then decodes the
// body the old way, which says what is wrong and where, so errors and
// messages are exactly encoding/json's. FuzzDecodeBody checks that every
// body this accepts decodes to what encoding/json makes of it.
//
// The body is {"DataHubId": string|null, "Message": null|[{"Body":
// string|null, "Key": string|null}, ...]}, names matched without regard
// to case as encoding/json matches them. A new top-level parameter is one
// more case in topLevel, and in jsonParams for the errors.
func decodeBody(body []byte, maxMessages int, c *call) bool {
	p := bodyParser{b: body}
	var d call
	d.missingBody = -1
	if !p.object(func(name []byte) bool { return p.topLevel(name, maxMessages, &d) }) {
		return false
	}
	if p.skipSpace(); p.i != len(p.b) {
		return false
	}
	if d.Messages == nil {
		d.Messages = []Message{} // as decodeJSONStd leaves it
	}
	c.DataHubID, c.hasDataHubID = d.DataHubID, d.hasDataHubID
	c.Messages, c.hasMessages, c.missingBody = d.Messages, d.hasMessages, d.missingBody
	c.ClientToken = d.ClientToken
	return true
}

type bodyParser struct {
	b     []byte
	i     int
	arena []byte // unescaped strings, allocated on the first escape
	seen  uint8  // top-level names already read (bits)
}

const (
	seenDataHubID = 1 << iota
	seenMessage
	seenClientToken
)

// topLevel reads the value of one top-level member.
func (p *bodyParser) topLevel(name []byte, maxMessages int, c *call) bool {
	switch {
	case equalFoldASCII(name, "DataHubId"):
		if p.seen&seenDataHubID != 0 {
			return false
		}
		p.seen |= seenDataHubID
		if p.null() {
			return true
		}
		s, ok := p.str()
		if !ok || !utf8.Valid(s) { // encoding/json would write U+FFFD
			return false
		}
		c.DataHubID, c.hasDataHubID = string(s), true
		return true
	case equalFoldASCII(name, "ClientToken"):
		if p.seen&seenClientToken != 0 {
			return false
		}
		p.seen |= seenClientToken
		if p.null() {
			return true
		}
		s, ok := p.str()
		if !ok || !utf8.Valid(s) {
			return false
		}
		c.ClientToken = string(s)
		return true
	case equalFoldASCII(name, "Message"):
		if p.seen&seenMessage != 0 {
			return false
		}
		p.seen |= seenMessage
		if p.null() {
			c.Messages = []Message{}
			return true
		}
		c.hasMessages = true
		return p.messages(maxMessages, c)
	}
	return false // unknown: encoding/json names it
}

var openBrace = []byte{'{'}

// messages reads the Message array.
func (p *bodyParser) messages(maxMessages int, c *call) bool {
	if !p.consume('[') {
		return false
	}
	// Every message is an object: the braces left in the body bound the
	// count (braces inside strings only overstate it), so the slice is
	// allocated once instead of grown, and never more than a pooled
	// slice's worth ahead of the messages actually read.
	msgs := messagePool.get(min(maxMessages, maxPooled, bytes.Count(p.b[p.i:], openBrace)))
	if p.skipSpace(); p.peek() == ']' {
		p.i++
		c.Messages = msgs
		return true
	}
	for {
		if len(msgs) == maxMessages {
			return false // too many: countMessages says how many
		}
		var m Message
		var seen uint8
		hasBody := false
		ok := p.object(func(name []byte) bool {
			var bit uint8
			switch {
			case equalFoldASCII(name, "Body"):
				bit = 1
			case equalFoldASCII(name, "Key"):
				bit = 2
			default:
				return false
			}
			if seen&bit != 0 {
				return false
			}
			seen |= bit
			if p.null() {
				return true
			}
			s, ok := p.str()
			if !ok {
				return false
			}
			if bit == 1 {
				m.Value, hasBody = s, true
			} else if len(s) > 0 {
				m.Key = s
			}
			return true
		})
		if !ok {
			return false
		}
		if !hasBody && c.missingBody < 0 {
			c.missingBody = len(msgs)
		}
		msgs = append(msgs, m)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.i++
			p.skipSpace()
		case ']':
			p.i++
			c.Messages = msgs
			return true
		default:
			return false
		}
	}
}

// object reads {"name": value, ...}, calling member with each name when
// the parser stands at its value.
func (p *bodyParser) object(member func(name []byte) bool) bool {
	if p.skipSpace(); !p.consume('{') {
		return false
	}
	if p.skipSpace(); p.peek() == '}' {
		p.i++
		return true
	}
	for {
		name, ok := p.name()
		if !ok {
			return false
		}
		if p.skipSpace(); !p.consume(':') {
			return false
		}
		p.skipSpace()
		if !member(name) {
			return false
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.i++
			p.skipSpace()
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

// name reads a member name: printable ASCII without escapes, which is
// every name of the schema however it is cased.
func (p *bodyParser) name() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		switch ch := p.b[p.i]; {
		case ch == '"':
			p.i++
			return p.b[start : p.i-1], true
		case ch < 0x20 || ch >= 0x80 || ch == '\\':
			return nil, false
		}
	}
	return nil, false
}

// str reads a JSON string and returns its contents: a sub-slice of the
// body when it has no escapes, else its unescaped copy.
func (p *bodyParser) str() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start := p.i
	end := bytes.IndexByte(p.b[start:], '"')
	if end < 0 {
		return nil, false
	}
	raw := p.b[start : start+end]
	if bytes.IndexByte(raw, '\\') >= 0 {
		return p.escaped(start)
	}
	switch plain(raw) {
	case kindControl:
		return nil, false
	case kindNonASCII:
		if !utf8.Valid(raw) {
			return nil, false
		}
	}
	p.i = start + end + 1
	return raw, true
}

const (
	kindASCII = iota
	kindNonASCII
	kindControl
)

// plain says whether raw holds a control character (invalid in a JSON
// string), else whether it holds bytes outside ASCII. Eight bytes a step.
func plain(raw []byte) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	kind := kindASCII
	for len(raw) >= 32 { // four words a step, one test for all four
		a, b := binary.LittleEndian.Uint64(raw), binary.LittleEndian.Uint64(raw[8:])
		c, d := binary.LittleEndian.Uint64(raw[16:]), binary.LittleEndian.Uint64(raw[24:])
		if ((a-0x20*lo)&^a|(b-0x20*lo)&^b|(c-0x20*lo)&^c|(d-0x20*lo)&^d)&hi != 0 {
			return kindControl
		}
		if (a|b|c|d)&hi != 0 {
			kind = kindNonASCII
		}
		raw = raw[32:]
	}
	for len(raw) >= 8 {
		x := binary.LittleEndian.Uint64(raw)
		if (x-0x20*lo)&^x&hi != 0 { // some byte < 0x20 (a byte >= 0x80 never sets it)
			return kindControl
		}
		if x&hi != 0 {
			kind = kindNonASCII
		}
		raw = raw[8:]
	}
	for _, ch := range raw {
		switch {
		case ch < 0x20:
			return kindControl
		case ch >= 0x80:
			kind = kindNonASCII
		}
	}
	return kind
}

// escaped reads the string that starts at start, which has escapes, into
// the arena.
func (p *bodyParser) escaped(start int) ([]byte, bool) {
	if p.arena == nil {
		// Unescaped strings are never longer than the body.
		p.arena = make([]byte, 0, len(p.b)-start)
	}
	from := len(p.arena)
	i := start
	for i < len(p.b) {
		ch := p.b[i]
		switch {
		case ch == '"':
			if !utf8.Valid(p.b[start:i]) {
				return nil, false
			}
			p.i = i + 1
			out := p.arena[from:len(p.arena):len(p.arena)]
			return out, true
		case ch < 0x20:
			return nil, false
		case ch != '\\':
			p.arena = append(p.arena, ch)
			i++
			continue
		}
		if i+1 >= len(p.b) {
			return nil, false
		}
		switch p.b[i+1] {
		case '"', '\\', '/':
			p.arena = append(p.arena, p.b[i+1])
		case 'b':
			p.arena = append(p.arena, '\b')
		case 'f':
			p.arena = append(p.arena, '\f')
		case 'n':
			p.arena = append(p.arena, '\n')
		case 'r':
			p.arena = append(p.arena, '\r')
		case 't':
			p.arena = append(p.arena, '\t')
		case 'u':
			r, ok := hex4(p.b[i+2:])
			if !ok {
				return nil, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// Only a full pair; encoding/json turns a lone half into U+FFFD.
				if i+1 >= len(p.b) || p.b[i] != '\\' || p.b[i+1] != 'u' {
					return nil, false
				}
				r2, ok := hex4(p.b[i+2:])
				if r = utf16.DecodeRune(r, r2); !ok || r == utf8.RuneError {
					return nil, false
				}
				i += 6
			}
			p.arena = utf8.AppendRune(p.arena, r)
			continue
		default:
			return nil, false
		}
		i += 2
	}
	return nil, false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, ch := range b[:4] {
		switch {
		case '0' <= ch && ch <= '9':
			ch -= '0'
		case 'a' <= ch && ch <= 'f':
			ch -= 'a' - 10
		case 'A' <= ch && ch <= 'F':
			ch -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(ch)
	}
	return r, true
}

// null consumes a null literal if one is next.
func (p *bodyParser) null() bool {
	if bytes.HasPrefix(p.b[p.i:], []byte("null")) {
		p.i += 4
		return true
	}
	return false
}

func (p *bodyParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *bodyParser) consume(ch byte) bool {
	if p.peek() == ch {
		p.i++
		return true
	}
	return false
}

func (p *bodyParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// equalFoldASCII reports whether the ASCII name equals want, ignoring case.
func equalFoldASCII(name []byte, want string) bool {
	if len(name) != len(want) {
		return false
	}
	for i := range len(name) {
		if name[i]|0x20 != want[i]|0x20 {
			return false
		}
	}
	return true
}
