// Package scf turns Tencent Cloud API Gateway trigger events for an SCF
// event function into core requests, and the core's envelope into the
// gateway's integrated response. [Invoke] is the one entry point.
//
// The event is decoded into this package's own type: scf-go-lib's
// cloudevents type cannot read a real queryString, and its events type
// lacks isBase64Encoded.
package scf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"github.com/tencentyun/scf-go-lib/functioncontext"

	"httpkafka/internal/core"
)

// ErrNotAPIGateway is returned by [Invoke] for a payload that is not an API
// Gateway trigger event (not a JSON object, or no httpMethod): a timer or
// a direct invocation. It is the only error Invoke returns; every API
// error is an envelope in a 200 response.
var ErrNotAPIGateway = errors.New("scf: payload is not an API Gateway trigger event")

// event is the API Gateway trigger event, the fields httpkafka reads.
type event struct {
	Headers    map[string]string `json:"headers"`
	HTTPMethod string            `json:"httpMethod"`
	Path       string            `json:"path"` // the request path as received
	Body       string            `json:"body"`
	// IsBase64Encoded is sent only by APIs with Base64 encoding turned
	// on; missing means false.
	IsBase64Encoded bool        `json:"isBase64Encoded"`
	QueryString     queryString `json:"queryString"`
	RequestContext  struct {
		RequestID string `json:"requestId"`
		SourceIP  string `json:"sourceIp"`
		ServiceID string `json:"serviceId"`
		Stage     string `json:"stage"` // release, prepub or test
	} `json:"requestContext"`
}

// queryString is the event's queryString: each value is a string, a list
// of values for a repeated name, or true for a name without '='.
type queryString map[string][]string

// flag marks a name that came without a value (JSON true).
const flag = "\x00flag"

// UnmarshalJSON reads the three value forms. A list's elements follow the
// same rules as a single value: numbers and true appear inside lists as
// they do alone ({"a":[1,2]}, {"a":[true,"x"]}), and an element of any
// type must not turn the event into a failed invocation.
func (q *queryString) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("queryString: %w", err)
	}
	out := make(queryString, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		list := []json.RawMessage{v}
		if len(v) > 0 && v[0] == '[' {
			if err := json.Unmarshal(v, &list); err != nil {
				return fmt.Errorf("queryString.%s: %w", k, err)
			}
		}
		var values []string
		for _, elem := range list {
			var err error
			if values, err = appendValue(values, bytes.TrimSpace(elem)); err != nil {
				return fmt.Errorf("queryString.%s: %w", k, err)
			}
		}
		if len(values) > 0 {
			out[k] = values
		}
	}
	*q = out
	return nil
}

// appendValue appends one JSON value of a query parameter: a string as
// it is, true as a flag, null and false not at all (the name is absent),
// and anything else (a number; an object or a nested list, never seen) as
// its JSON text.
func appendValue(values []string, v json.RawMessage) ([]string, error) {
	switch {
	case len(v) == 0 || string(v) == "null" || string(v) == "false":
		return values, nil
	case string(v) == "true":
		return append(values, flag), nil
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return values, err
		}
		return append(values, s), nil
	}
	return append(values, string(v)), nil
}

// Encode rebuilds the raw query: names sorted, values percent-encoded,
// flags as a bare name.
func (q queryString) Encode() string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			if v != flag {
				b.WriteByte('=')
				b.WriteString(url.QueryEscape(v))
			}
		}
	}
	return b.String()
}

// response is the integrated response the gateway turns into HTTP.
type response struct {
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
}

// Invoke answers one SCF invocation: it decodes the event once, hands the
// request to svc and encodes the envelope as an integrated response. ctx
// is the invocation's context; its deadline bounds the work.
func Invoke(ctx context.Context, svc *core.Service, payload []byte) ([]byte, error) {
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAPIGateway, err)
	}
	if e.HTTPMethod == "" {
		return nil, ErrNotAPIGateway
	}
	req := request(&e)
	if req.RequestID == "" { // events without requestContext.requestId: use the invocation's
		if fc, ok := functioncontext.FromContext(ctx); ok {
			req.RequestID = fc.RequestID
		}
	}
	resp := svc.HandleEncoded(ctx, req, e.Body, e.IsBase64Encoded)
	out, err := json.Marshal(reply(resp))
	if err != nil { // plain strings, ints and maps always marshal
		return nil, fmt.Errorf("scf: encode response: %w", err)
	}
	return out, nil
}

// request is the core request for e, without its body.
func request(e *event) *core.Request {
	h := make(http.Header, len(e.Headers))
	for k, v := range e.Headers {
		// Gateways lower-case header names; the core reads canonical
		// keys. A value is kept whole, commas and all.
		k = textproto.CanonicalMIMEHeaderKey(k)
		h[k] = append(h[k], v)
	}
	host := h.Get("Host")
	path := e.Path
	if e.RequestContext.Stage != "" && gatewayDomain(host) {
		// On the gateway's own domain the URL is /<stage>/<path>, but the
		// event's path leaves the stage out. Put it back: a signature that
		// covers the path covers it as the client sent it. (On a custom
		// domain the URL has no stage, and the path is as sent.)
		path = "/" + e.RequestContext.Stage + path
	}
	return &core.Request{
		Method:    e.HTTPMethod,
		Host:      host,
		Path:      path,
		RawQuery:  e.QueryString.Encode(),
		Header:    h,
		RequestID: e.RequestContext.RequestID,
		SourceIP:  e.RequestContext.SourceIP,
	}
}

// gatewayDomain reports whether host is one of API Gateway's own default
// domains (service-xxx.gz.apigw.tencentcs.com, or the older
// service-xxx.ap-shanghai.apigateway.myqcloud.com), whose URLs carry the stage.
func gatewayDomain(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	return strings.HasSuffix(host, ".apigw.tencentcs.com") || strings.HasSuffix(host, ".apigateway.myqcloud.com")
}

// reply is the integrated response for resp; its status is never zero.
func reply(resp *core.Response) response {
	code := resp.StatusCode
	if code == 0 {
		code = http.StatusOK
	}
	h := make(map[string]string, len(resp.Header)+1)
	for k, vs := range resp.Header { // X-TC-RequestId, CORS
		if len(vs) > 0 {
			h[k] = vs[0]
		}
	}
	h["Content-Type"] = resp.ContentType
	return response{StatusCode: code, Headers: h, Body: string(resp.Body)}
}
