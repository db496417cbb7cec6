// Package aws turns AWS Lambda HTTP events into core requests and the
// core's envelope back into the response shape of the gateway that invoked
// the function. [Invoke] is the one entry point: it serves API Gateway REST
// APIs (payload 1.0), HTTP APIs (payload 2.0), Lambda function URLs and
// Application Load Balancers, one file per event shape (HTTP APIs and
// function URLs share payload format 2.0).
package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"httpkafka/internal/core"
)

// ErrUnknownEvent is returned by [Invoke] for a payload that is not an HTTP
// event of any gateway it serves (no requestContext.elb, no version "2.0",
// no httpMethod), or is not a JSON object at all. It is the only error
// Invoke returns; every API error is an envelope in a 200 response.
var ErrUnknownEvent = errors.New("aws: payload is not an API Gateway, function URL or ALB event")

// event is every field that the four gateway shapes use, so that a payload
// is decoded once. Fields that only one shape sends are zero for the others.
type event struct {
	Version string `json:"version"` // "2.0" for HTTP APIs and function URLs; absent or "1.0" otherwise

	// Payload 1.0 (REST API, ALB).
	HTTPMethod                      string              `json:"httpMethod"`
	Path                            string              `json:"path"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`

	// Payload 2.0 (HTTP API, function URL).
	RawPath        string   `json:"rawPath"`
	RawQueryString string   `json:"rawQueryString"`
	Cookies        []string `json:"cookies"`

	RequestContext struct {
		ELB        *struct{} `json:"elb"` // present only in ALB events
		RequestID  string    `json:"requestId"`
		DomainName string    `json:"domainName"`
		Path       string    `json:"path"` // REST: the path with the stage prefix
		Identity   struct {
			SourceIP string `json:"sourceIp"`
		} `json:"identity"` // REST
		HTTP struct {
			Method   string `json:"method"`
			SourceIP string `json:"sourceIp"`
		} `json:"http"` // payload 2.0
	} `json:"requestContext"`

	Body            string `json:"body"`
	IsBase64Encoded bool   `json:"isBase64Encoded"`
}

// shape is one gateway's way of turning its event into a core.Request and
// a core.Response into its reply.
type shape interface {
	request(e *event) *core.Request
	response(resp *core.Response) any
}

// Invoke answers one Lambda invocation: it decodes payload once, detects
// the gateway, hands the request to svc and encodes the envelope in that
// gateway's response shape. ctx is the invocation's context; its deadline
// bounds the work (the core keeps a margin for the reply).
func Invoke(ctx context.Context, svc *core.Service, payload []byte) ([]byte, error) {
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownEvent, err)
	}
	s, err := detect(&e)
	if err != nil {
		return nil, err
	}
	req := s.request(&e)
	if req.RequestID == "" { // ALB sends no request id: use the invocation's
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			req.RequestID = lc.AwsRequestID
		}
	}
	// aws-lambda-go puts the invocation's X-Ray trace header here.
	req.TraceID, _ = ctx.Value("x-amzn-trace-id").(string)
	resp := svc.HandleEncoded(ctx, req, e.Body, e.IsBase64Encoded)
	out, err := json.Marshal(s.response(resp))
	if err != nil { // plain strings, ints and maps always marshal
		return nil, fmt.Errorf("aws: encode response: %w", err)
	}
	return out, nil
}

// detect tells the gateway from the fields that only it sends, in a fixed
// order: ALB events may carry httpMethod too, and 2.0 events have no
// httpMethod at the top level.
func detect(e *event) (shape, error) {
	switch {
	case e.RequestContext.ELB != nil:
		return alb{multiValue: e.MultiValueHeaders != nil}, nil
	case e.Version == "2.0":
		// HTTP APIs and function URLs. A function URL event looks like an
		// HTTP API 2.0 event because AWS defines it as one: the function
		// URL payload has the structure of payload format 2.0. Only the
		// domain tells them apart (real ones also carry routeKey
		// "$default", so routeKey cannot), and nothing this adapter reads
		// or writes differs between them: see v2.
		return v2{}, nil
	case e.HTTPMethod != "":
		return restAPI{}, nil // also HTTP APIs with payload format 1.0
	}
	return nil, ErrUnknownEvent
}

// singleHeaders copies a one-value-per-name header map. Values are kept
// whole: a comma inside a value is data, never a separator.
func singleHeaders(in map[string]string) map[string][]string {
	h := make(map[string][]string, len(in))
	for k, v := range in {
		k = textproto.CanonicalMIMEHeaderKey(k)
		h[k] = append(h[k], v)
	}
	return h
}

// multiHeaders copies a multi-value header map under canonical keys.
func multiHeaders(in map[string][]string) map[string][]string {
	h := make(map[string][]string, len(in))
	for k, vs := range in {
		k = textproto.CanonicalMIMEHeaderKey(k)
		h[k] = append(h[k], vs...)
	}
	return h
}

// firstHeader returns the first value of a header under its canonical key.
func firstHeader(h map[string][]string, key string) string {
	if vs := h[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// proxyResponse is the reply that API Gateway REST APIs (proxy
// integration), HTTP APIs and function URLs read; ALBs read their own
// (albResponse). It has no multiValueHeaders: 2.0 gateways do not read
// that field, REST APIs accept either, and one Content-Type needs only one.
type proxyResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func proxyReply(resp *core.Response) proxyResponse {
	return proxyResponse{StatusCode: statusCode(resp), Headers: contentType(resp), Body: string(resp.Body)}
}

// contentType is the response's headers in a one-value map: Content-Type,
// X-TC-RequestId and, for browsers, the CORS headers.
func contentType(resp *core.Response) map[string]string {
	h := make(map[string]string, len(resp.Header)+1)
	for k, vs := range resp.Header {
		if len(vs) > 0 {
			h[k] = vs[0] // the core sets one value per header
		}
	}
	h["Content-Type"] = resp.ContentType
	return h
}

// multiValue is the response's headers in a multi-value map.
func multiValue(resp *core.Response) map[string][]string {
	h := make(map[string][]string, len(resp.Header)+1)
	for k, vs := range resp.Header {
		h[k] = vs
	}
	h["Content-Type"] = []string{resp.ContentType}
	return h
}

// statusCode is the response's status, never zero: a zero status code is
// an error at every gateway.
func statusCode(resp *core.Response) int {
	if resp.StatusCode == 0 {
		return 200
	}
	return resp.StatusCode
}
