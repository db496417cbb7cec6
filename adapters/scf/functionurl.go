package scf

import (
	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// functionURL reads a function URL event (Tencent doc 583/96099): the
// request to https://<appid>-<urlid>.<region>.tencentscf.com/<path>, as
// an event function receives it.
func functionURL(e *event) *core.Request {
	// Header names arrive lower-cased; Header canonicalises them.
	// The doc's sample has no host header: when a real event has none
	// either, the request's Host is empty, and a signed request is
	// answered with an AuthFailure that says so (signatures cover the
	// host the client called, which the event then does not tell).
	h := e.Headers.Header()
	return &core.Request{
		Method: e.HTTPMethod,
		// The path after the URL's host, "/" at the least; there is no
		// stage to put back.
		Path: e.Path,
		// The query arrives parsed, in the API Gateway's queryString
		// forms (whether lists occur is unconfirmed; they are read).
		RawQuery: e.QueryString.Encode(),
		Header:   h,
		// No requestContext, so no gateway request id: Invoke takes the
		// invocation's. The client's address is a header the URL's
		// front end sets.
		SourceIP: gateway.First(h, "X-Scf-Remote-Addr"),
	}
}
