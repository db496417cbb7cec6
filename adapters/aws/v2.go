package aws

import (
	"strings"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// v2 is an event in payload format 2.0. Two gateways send it, and both read
// the same reply ([proxyResponse]):
//
//   - An API Gateway HTTP API (payload format 2.0, its default). rawPath
//     carries the stage prefix when the API is called on a stage other
//     than $default.
//   - A Lambda function URL. Its event is an HTTP API 2.0 event in every
//     field the adapter reads: only requestContext.domainName
//     (<url-id>.lambda-url.<region>.on.aws) and routeKey "$default" tell it
//     apart, and there is no stage. Its reply may add cookies, which the
//     envelope never sets.
type v2 struct{}

func (v2) request(e *event) *core.Request {
	// 2.0 joins repeated headers into one comma-separated value; it is
	// kept as one value, never split.
	h := e.Headers.Header()
	// 2.0 moves Cookie headers out into the cookies list; put them back
	// as the single Cookie header a client would have sent.
	if len(e.Cookies) > 0 {
		h["Cookie"] = []string{strings.Join(e.Cookies, "; ")}
	}
	host := gateway.First(h, "Host")
	if host == "" { // a client without a Host header: the domain it called
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

func (v2) response(resp *core.Response) any { return proxyReply(resp) }
