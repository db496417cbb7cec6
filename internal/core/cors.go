package core

import (
	"net/http"
	"slices"
	"strings"
)

// corsAllowHeaders are the request headers a TencentCloud client sends
// (the SDKs' X-TC-* set, the signature, the body type) plus the tracing
// and idempotency headers the service reads.
const corsAllowHeaders = "Authorization, Content-Type, X-TC-Action, X-TC-Version, X-TC-Timestamp, X-TC-Region, " +
	"X-TC-Token, X-TC-Language, X-TC-RequestClient, X-TC-Content-SHA256, X-TC-TraceId, Idempotency-Key, Traceparent"

// allowedOrigin is the Access-Control-Allow-Origin value for origin, or ""
// when origin may not call the service (or CORS is off).
func (s *Service) allowedOrigin(origin string) string {
	switch {
	case origin == "" || len(s.opts.CORSOrigins) == 0:
		return ""
	case slices.Contains(s.opts.CORSOrigins, "*"):
		return "*"
	case slices.ContainsFunc(s.opts.CORSOrigins, func(o string) bool { return strings.EqualFold(o, origin) }):
		return origin
	}
	return ""
}

// corsHeaders adds the allow-origin headers to an actual response.
func (s *Service) corsHeaders(r *Request, h http.Header) {
	if len(s.opts.CORSOrigins) == 0 {
		return
	}
	h["Vary"] = []string{"Origin"}
	allow := s.allowedOrigin(r.Header.Get("Origin"))
	if allow == "" {
		return
	}
	h["Access-Control-Allow-Origin"] = []string{allow}
	if _, preflight := h["Access-Control-Allow-Methods"]; !preflight {
		// Lets scripts read the RequestId header, not only the body.
		h["Access-Control-Expose-Headers"] = []string{HeaderRequestID}
	}
}

// preflight answers a browser's CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method) from an allowed origin with 204 and the
// methods and headers a TencentCloud client uses; it returns nil for every
// other request, which goes on to SendMessage (an OPTIONS that is not an
// allowed preflight gets UnsupportedProtocol there).
func (s *Service) preflight(r *Request, id string) *Response {
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" ||
		s.allowedOrigin(r.Header.Get("Origin")) == "" {
		return nil
	}
	h := http.Header{
		"Access-Control-Allow-Methods": {"POST, GET, OPTIONS"},
		"Access-Control-Allow-Headers": {corsAllowHeaders},
		"Access-Control-Max-Age":       {"600"},
	}
	return &Response{StatusCode: http.StatusNoContent, ContentType: "text/plain; charset=utf-8", RequestID: id,
		Header: h, Stats: Stats{Code: CodeOK}}
}
