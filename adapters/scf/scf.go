// Package scf turns Tencent Cloud SCF event-function invocations from an
// HTTP trigger into core requests, and the core's envelope into the
// integrated response the trigger turns back into HTTP. [Invoke] is the one
// entry point. It serves two event shapes, one file each:
//
//   - the function URL (functionurl.go), Tencent's HTTP access to a
//     function today;
//   - the API Gateway trigger (apigw.go), retired for new deployments
//     since 2024-07-01 but still sent by triggers that exist.
//
// The event is decoded into this package's own type: scf-go-lib's
// cloudevents type cannot read a real queryString, its events type lacks
// isBase64Encoded, and neither has a function-URL type.
package scf

import (
	"context"
	"errors"

	"github.com/tencentyun/scf-go-lib/functioncontext"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// ErrUnknownEvent is returned by [Invoke] for a payload that is neither a
// function URL nor an API Gateway trigger event (not a JSON object, or no
// httpMethod): a timer or a direct invocation. It is the only error
// Invoke returns; every API error is an envelope in a 200 response.
var ErrUnknownEvent = errors.New("scf: payload is not a function URL or API Gateway trigger event")

// event is every field the two shapes send, decoded once. The function
// URL sends a subset of the API Gateway event: no requestContext,
// isBase64Encoded, headerParameters, pathParameters or
// queryStringParameters.
type event struct {
	Headers    gateway.Strings `json:"headers"` // decoded straight into canonical headers
	HTTPMethod string          `json:"httpMethod"`
	Path       string          `json:"path"` // the request path as received
	Body       string          `json:"body"`
	// IsBase64Encoded is sent only by APIs with Base64 encoding turned
	// on; missing means false.
	IsBase64Encoded bool        `json:"isBase64Encoded"`
	QueryString     queryString `json:"queryString"`
	// RequestContext is nil in a function URL event.
	RequestContext *struct {
		RequestID string `json:"requestId"`
		SourceIP  string `json:"sourceIp"`
		ServiceID string `json:"serviceId"`
		Stage     string `json:"stage"` // release, prepub or test
	} `json:"requestContext"`
}

// shape turns one trigger's event into a core request without its body.
type shape func(e *event) *core.Request

// response is the integrated response, the same for both triggers.
type response struct {
	IsBase64Encoded bool `json:"isBase64Encoded"` // the envelope is text
	gateway.Reply
}

// Invoke answers one SCF invocation: it decodes the event once, detects
// the trigger, hands the request to svc and encodes the envelope as an
// integrated response. ctx is the invocation's context; its deadline
// bounds the work.
func Invoke(ctx context.Context, svc *core.Service, payload []byte) ([]byte, error) {
	e, shape, err := decode(payload)
	if err != nil {
		return nil, err
	}
	req := shape(e)
	if req.RequestID == "" { // function URLs never send one: use the invocation's
		if fc, ok := functioncontext.FromContext(ctx); ok {
			req.RequestID = fc.RequestID
		}
	}
	return gateway.Answer(ctx, svc, req, e.Body, e.IsBase64Encoded, reply)
}

// reply is the integrated response for resp.
func reply(resp *core.Response) any { return response{Reply: gateway.NewReply(resp)} }

// decode reads payload once and detects its trigger.
func decode(payload []byte) (*event, shape, error) {
	return gateway.Decode(payload, ErrUnknownEvent, detect)
}

// detect tells the trigger from its discriminating field: only the API
// Gateway sends requestContext. (A function URL trigger created with the
// undocumented ApiGwCompatible flag is said to add one; the API Gateway
// reading of it is then the right one too.) Both send httpMethod.
func detect(e *event) (shape, error) {
	switch {
	case e.HTTPMethod == "":
		return nil, ErrUnknownEvent
	case e.RequestContext != nil:
		return apiGateway, nil
	}
	return functionURL, nil
}
