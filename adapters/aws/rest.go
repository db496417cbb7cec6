package aws

import (
	"net/http"
	"net/url"

	"httpkafka/internal/core"
)

// restAPI is an API Gateway REST API proxy integration (payload format
// 1.0). HTTP APIs configured for payload 1.0 send the same shape.
type restAPI struct{}

func (restAPI) request(e *event) *core.Request {
	// REST APIs send both header maps; headers keeps only the last value
	// of a repeated header, multiValueHeaders keeps them all.
	var h http.Header
	if e.MultiValueHeaders.Present() {
		h = e.MultiValueHeaders.Header()
	} else {
		h = e.Headers.Header()
	}
	// The query arrives parsed and percent-decoded; the multi-value map
	// keeps repeated names, so it wins when present.
	q := url.Values(e.MultiValueQueryStringParameters.Map())
	if q == nil {
		q = url.Values{}
		for k, v := range e.QueryStringParameters.Map() {
			q.Set(k, v)
		}
	}
	// requestContext.path is the path the client asked for, stage prefix
	// included; path is the resource path without it.
	path := e.RequestContext.Path
	if path == "" {
		path = e.Path
	}
	return &core.Request{
		Method:    e.HTTPMethod,
		Path:      path,
		RawQuery:  q.Encode(),
		Header:    h,
		RequestID: e.RequestContext.RequestID,
		SourceIP:  e.RequestContext.Identity.SourceIP,
	}
}

// response is the reply HTTP APIs and function URLs read too.
func (restAPI) response(resp *core.Response) any { return proxyReply(resp) }
