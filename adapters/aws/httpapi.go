package aws

import (
	"strings"

	"httpkafka/internal/core"
)

// httpAPI is an API Gateway HTTP API with payload format 2.0.
type httpAPI struct{}

// v2Response is the 2.0 reply, shared with function URLs. It has no
// multiValueHeaders: 2.0 gateways do not read that field.
type v2Response struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func (httpAPI) request(e *event) *core.Request { return v2Request(e) }

func (httpAPI) response(resp *core.Response) any { return v2Reply(resp) }

// v2Request reads a payload 2.0 event (HTTP API or function URL).
func v2Request(e *event) *core.Request {
	// 2.0 joins repeated headers into one comma-separated value; it is
	// kept as one value, never split.
	h := singleHeaders(e.Headers)
	// 2.0 moves Cookie headers out into the cookies list; put them back
	// as the single Cookie header a client would have sent.
	if len(e.Cookies) > 0 {
		h["Cookie"] = []string{strings.Join(e.Cookies, "; ")}
	}
	host := firstHeader(h, "Host")
	if host == "" {
		host = e.RequestContext.DomainName
	}
	return &core.Request{
		Method:    e.RequestContext.HTTP.Method, // 2.0 has no top-level httpMethod
		Host:      host,
		Path:      e.RawPath,        // as received, percent-encoding and stage included
		RawQuery:  e.RawQueryString, // as received, without '?'
		Header:    h,
		RequestID: e.RequestContext.RequestID,
		SourceIP:  e.RequestContext.HTTP.SourceIP,
	}
}

func v2Reply(resp *core.Response) v2Response {
	return v2Response{StatusCode: statusCode(resp), Headers: contentType(resp), Body: string(resp.Body)}
}
