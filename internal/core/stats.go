package core

import (
	"context"
	"net/http"
	"time"
)

// Stats is what the core measured about one request. [Service.Handle] and
// [Service.Fail] fill it in [Response.Stats] for the edge to log and count;
// it never holds a message body, a key or a signature.
type Stats struct {
	DataHubID    string // as the request named it; "" when it named none
	Topic        string // the access point's topic; "" when there is none
	Messages     int    // messages in the request (0 when it was not decoded)
	RequestBytes int    // the request body's size
	// Code is "OK" or the TencentCloud error code answered.
	Code string
	// Message is the error message answered (safe to show); "" on success.
	Message string
	// The latency split: signature check, decoding and validation, the
	// produce, and all of it from receipt to the reply.
	Auth, Decode, Produce, Total time.Duration
}

// CodeOK is Stats.Code for a request answered without an error.
const CodeOK = "OK"

// Observer sees every request once, after the core has answered it: the
// mains log and count with it. It must not change r or resp.
type Observer interface {
	Observe(ctx context.Context, r *Request, resp *Response)
}

// HeaderRequestID is the response header that repeats the envelope's
// RequestId, so that a proxy's access log can be joined with the service's.
// It is spelled as TencentCloud spells it and stored in Response.Header
// under this exact key (not the canonical X-Tc-Requestid).
const HeaderRequestID = "X-TC-RequestId"

// finish fills in what every response carries (the RequestId header, the
// CORS headers, the total latency) and hands it to the observer.
func (s *Service) finish(ctx context.Context, r *Request, resp *Response, received time.Time) *Response {
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	resp.Header[HeaderRequestID] = []string{resp.RequestID}
	s.corsHeaders(r, resp.Header)
	resp.Stats.RequestBytes = len(r.Body)
	resp.Stats.Total = s.now().Sub(received)
	if s.opts.Observer != nil {
		s.opts.Observer.Observe(ctx, r, resp)
	}
	return resp
}
