package aws

import (
	"net/http"
	"strconv"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// alb is an Application Load Balancer target group. multiValue is whether
// the target group has multi-value headers turned on, which the request
// shows by sending multiValueHeaders instead of headers.
type alb struct{ multiValue bool }

// albResponse is the target group reply. The ALB reads the header field of
// the mode it is in and ignores the other, so exactly one is sent.
type albResponse struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"` // "200 OK": the ALB needs it
	Headers           map[string]string   `json:"headers,omitempty"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders,omitempty"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

func (a alb) request(e *event) *core.Request {
	var h http.Header
	var query string
	if a.multiValue {
		h = e.MultiValueHeaders.Header()
		query = albQuery(e.MultiValueQueryStringParameters.Map())
	} else {
		// Without multi-value headers the ALB keeps only the last value
		// of a repeated header or query parameter.
		h = e.Headers.Header()
		single := e.QueryStringParameters.Map()
		multi := make(map[string][]string, len(single))
		for k, v := range single {
			multi[k] = []string{v}
		}
		query = albQuery(multi)
	}
	return &core.Request{
		Method:   e.HTTPMethod,
		Path:     e.Path,
		RawQuery: query,
		Header:   h,
		// The ALB has no request id (Invoke uses the Lambda one) and no
		// source IP field: it appends the client's address as the last
		// entry of X-Forwarded-For. Earlier entries come from the client
		// and may be forged; this is for logs only.
		SourceIP: gateway.LastForwardedFor(h),
	}
}

func (a alb) response(resp *core.Response) any {
	r := gateway.NewReply(resp)
	out := albResponse{StatusCode: r.StatusCode, StatusDescription: strconv.Itoa(r.StatusCode) + " " + http.StatusText(r.StatusCode),
		Body: r.Body}
	// Answer in the header field the request came in: a multi-value
	// target group ignores headers, a single-value one multiValueHeaders.
	if a.multiValue {
		out.MultiValueHeaders = gateway.MultiValue(resp)
	} else {
		out.Headers = r.Headers
	}
	return out
}

// albQuery rebuilds the query string. The ALB passes names and values as
// the client sent them, still percent-encoded, so they are joined as they
// are.
func albQuery(params map[string][]string) string { return gateway.Query(params, false) }
