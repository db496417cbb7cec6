// Package aws turns AWS Lambda HTTP events into core requests and the
// core's envelope back into the response shape of the gateway that invoked
// the function. [Invoke] is the one entry point: it serves API Gateway REST
// APIs (payload 1.0), HTTP APIs (payload 2.0), Lambda function URLs and
// Application Load Balancers, one file per event shape (HTTP APIs and
// function URLs share payload format 2.0).
package aws

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// ErrUnknownEvent is returned by [Invoke] for a payload that is not an HTTP
// event of any gateway it serves (no requestContext.elb, no version "2.0",
// no httpMethod), or is not a JSON object at all. It is the only error
// Invoke returns; every API error is an envelope in a 200 response.
var ErrUnknownEvent = errors.New("aws: payload is not an API Gateway, function URL or ALB event")

// event is every field that the four gateway shapes use, so that a payload
// is decoded once. Fields that only one shape sends are zero for the others.
// The header and query maps stay undecoded until the detected shape reads
// the ones it uses: payload 1.0 sends each twice (one value and all values
// per name), and building the unused pair was most of a REST event's cost.
type event struct {
	Version string `json:"version"` // "2.0" for HTTP APIs and function URLs; absent or "1.0" otherwise

	// Payload 1.0 (REST API, ALB).
	HTTPMethod                      string              `json:"httpMethod"`
	Path                            string              `json:"path"`
	Headers                         gateway.Strings     `json:"headers"` // payload 2.0 too
	MultiValueHeaders               gateway.StringLists `json:"multiValueHeaders"`
	QueryStringParameters           gateway.Strings     `json:"queryStringParameters"`
	MultiValueQueryStringParameters gateway.StringLists `json:"multiValueQueryStringParameters"`

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
	e, s, err := decode(payload)
	if err != nil {
		return nil, err
	}
	req := s.request(e)
	if req.RequestID == "" { // ALB sends no request id: use the invocation's
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			req.RequestID = lc.AwsRequestID
		}
	}
	// aws-lambda-go puts the invocation's X-Ray trace header here.
	req.TraceID, _ = ctx.Value("x-amzn-trace-id").(string)
	return gateway.Answer(ctx, svc, req, e.Body, e.IsBase64Encoded, s.response)
}

// decode reads payload once and detects its gateway.
func decode(payload []byte) (*event, shape, error) {
	return gateway.Decode(payload, ErrUnknownEvent, detect)
}

// detect tells the gateway from the fields that only it sends, in a fixed
// order: ALB events may carry httpMethod too, and 2.0 events have no
// httpMethod at the top level.
func detect(e *event) (shape, error) {
	switch {
	case e.RequestContext.ELB != nil:
		return alb{multiValue: e.MultiValueHeaders.Present()}, nil
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

// proxyResponse is the reply that API Gateway REST APIs (proxy
// integration), HTTP APIs and function URLs read; ALBs read their own
// (albResponse). It has no multiValueHeaders: 2.0 gateways do not read
// that field, REST APIs accept either, and one Content-Type needs only one.
type proxyResponse struct {
	gateway.Reply
	IsBase64Encoded bool `json:"isBase64Encoded"` // the envelope is text
}

func proxyReply(resp *core.Response) proxyResponse {
	return proxyResponse{Reply: gateway.NewReply(resp)}
}
