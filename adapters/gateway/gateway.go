// Package gateway is the one layer every gateway adapter shares: it turns
// the parts of a gateway event into a complete core.Request (canonical
// headers, the body decoded from base64 when the event says so and checked
// against the size limit) and a core.Response into the parts of every
// reply (a status that is never zero, a Content-Type that is always set).
// [Serve] is the entry point; adapters keep one file per event shape and
// say there only what is peculiar to it.
package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"httpkafka/internal/core"
)

// Serve completes req with its body and answers it. body is the event's
// body string, base64-encoded when isBase64 says so: its decoded size is
// checked against the service's limit before any decoding, and a body that
// is not valid base64 is answered with InvalidParameter. req.Host, when
// empty, is taken from the Host header.
func Serve(ctx context.Context, svc *core.Service, req *core.Request, body string, isBase64 bool) *core.Response {
	if req.Host == "" {
		req.Host = First(req.Header, "Host")
	}
	if !isBase64 {
		req.Body = []byte(body) // the core checks its size
		return svc.Handle(ctx, req)
	}
	limit := svc.MaxRequestBytes()
	if n := base64.StdEncoding.DecodedLen(len(body)); n > limit+2 {
		// Refused before decoding; DecodedLen may count two padding bytes.
		return svc.Fail(ctx, req, core.Errorf(core.CodeRequestSizeLimitExceeded, "request body is about %d bytes, limit %d", n, limit))
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return svc.Fail(ctx, req, core.Errorf(core.CodeInvalidParameter, "request body is not valid base64: %v", err))
	}
	req.Body = b
	return svc.Handle(ctx, req)
}

// Decode reads payload into an event of type E, once, and detects its
// shape with detect (by discriminating fields, in a fixed order). A payload
// that does not decode (not JSON, or a field of another type) is not an
// event of the gateway: the error wraps unknown, the adapter's named error
// for that; detect returns it too for events it does not know.
func Decode[E, S any](payload []byte, unknown error, detect func(*E) (S, error)) (*E, S, error) {
	var e E
	if err := json.Unmarshal(payload, &e); err != nil {
		var none S
		return nil, none, fmt.Errorf("%w: %v", unknown, err)
	}
	s, err := detect(&e)
	return &e, s, err
}

// Answer is one function invocation's result: req served as [Serve]
// serves it, and the response encoded in the gateway's reply shape.
func Answer(ctx context.Context, svc *core.Service, req *core.Request, body string, isBase64 bool, reply func(*core.Response) any) ([]byte, error) {
	out, err := json.Marshal(reply(Serve(ctx, svc, req, body, isBase64)))
	if err != nil { // replies are plain strings, ints and maps: they always marshal
		return nil, fmt.Errorf("encode the reply: %w", err)
	}
	return out, nil
}

// Query rebuilds a raw query from parameters a gateway parsed, names
// sorted so that the result is stable. escape percent-encodes names and
// values, for gateways that decoded them; without it they are joined as
// received. A value equal to [Flag] is written as a bare name.
func Query(params map[string][]string, escape bool) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	enc := func(s string) string { return s }
	if escape {
		enc = url.QueryEscape
	}
	var b strings.Builder
	for _, k := range keys {
		for _, v := range params[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(enc(k))
			if v != Flag {
				b.WriteByte('=')
				b.WriteString(enc(v))
			}
		}
	}
	return b.String()
}

// Flag is the value of a query parameter sent as a bare name ("?debug").
const Flag = "\x00flag"

// Headers copies a one-value-per-name header map under canonical keys
// (gateways lower-case names; the core reads canonical ones). A value is
// kept whole: a comma inside it is data, never a separator.
func Headers(in map[string]string) http.Header {
	h := make(http.Header, len(in))
	for k, v := range in {
		k = textproto.CanonicalMIMEHeaderKey(k)
		h[k] = append(h[k], v)
	}
	return h
}

// MultiHeaders copies a multi-value header map under canonical keys.
func MultiHeaders(in map[string][]string) http.Header {
	h := make(http.Header, len(in))
	for k, vs := range in {
		k = textproto.CanonicalMIMEHeaderKey(k)
		h[k] = append(h[k], vs...)
	}
	return h
}

// First is the first value of a header under its canonical key, "" if none.
func First(h http.Header, key string) string {
	if vs := h[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// LastForwardedFor is the last address in X-Forwarded-For: the one the
// proxy nearest to us appended. Earlier entries come from the client and
// may be forged; source addresses are for logs only.
func LastForwardedFor(h http.Header) string {
	values := h["X-Forwarded-For"]
	if len(values) == 0 {
		return ""
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.TrimSpace(last)
}

// RemoteIP is the address part of a host:port peer address.
func RemoteIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// Reply is what every gateway's reply carries. Shapes embed it in their
// own reply type, which adds the fields only that gateway reads (and puts
// them where its golden files have them).
type Reply struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// NewReply is the reply for resp.
func NewReply(resp *core.Response) Reply {
	return Reply{StatusCode: Status(resp), Headers: SingleValue(resp), Body: string(resp.Body)}
}

// SingleValue is every response header in a one-value map: Content-Type,
// and what the core adds (X-TC-RequestId, CORS), keys as the core spells
// them. The core sets one value per header.
func SingleValue(resp *core.Response) map[string]string {
	h := make(map[string]string, len(resp.Header)+1)
	for k, vs := range resp.Header {
		if len(vs) > 0 {
			h[k] = vs[0]
		}
	}
	h["Content-Type"] = ContentType(resp)
	return h
}

// MultiValue is every response header in a multi-value map.
func MultiValue(resp *core.Response) map[string][]string {
	h := make(map[string][]string, len(resp.Header)+1)
	for k, vs := range resp.Header {
		h[k] = vs
	}
	h["Content-Type"] = []string{ContentType(resp)}
	return h
}

// WriteHeaders sets every response header on h, keys as the core spells
// them (X-TC-RequestId), and Content-Type.
func WriteHeaders(h http.Header, resp *core.Response) {
	for k, vs := range resp.Header {
		h[k] = vs
	}
	h.Set("Content-Type", ContentType(resp))
}

// Status is the response's status, never zero: a zero status code is an
// error at every gateway.
func Status(resp *core.Response) int {
	if resp.StatusCode == 0 {
		return http.StatusOK
	}
	return resp.StatusCode
}

// ContentType is the response's media type, never empty: the envelope is
// JSON whenever the core left it unsaid.
func ContentType(resp *core.Response) string {
	if resp.ContentType == "" {
		return "application/json"
	}
	return resp.ContentType
}
