// Package core is httpkafka's domain: the TencentCloud SendMessage action
// of CKafka's DataHub HTTP access layer. [Service.Handle] takes one HTTP
// request that a gateway adapter has normalised into a [Request], validates
// it, produces its messages synchronously through a [Producer] and returns
// the TencentCloud JSON envelope as a [Response].
//
// The package imports only the standard library; Kafka and configuration
// reach it through the small interfaces and plain structs it defines.
package core

import (
	"net/http"
	"time"
)

// Request is an HTTP request as the access layer sees it, whatever gateway
// delivered it. Adapters fill it; the core never changes it.
type Request struct {
	Method   string      // "POST", "GET", ...
	Host     string      // the Host header as received, port included
	Path     string      // the request path as the client sent it (escaped), stage prefix included
	RawQuery string      // the query string without '?'
	Header   http.Header // canonical keys; values are never split on commas
	// Body is the body as sent, decoded from any gateway encoding
	// (adapters/gateway). Message keys and values may be sub-slices of it,
	// handed to Kafka as they are: an adapter must not reuse its buffer once
	// Handle has it (a timed-out request's records may still be in flight).
	Body []byte

	// RequestID is the gateway's or runtime's id for this invocation, if it
	// has one; the core makes a fresh UUID when it is empty.
	RequestID string
	// ForwardedHost is the host the client addressed before a proxy, set
	// only by a gateway adapter that vouches for it (the gateway's own
	// record, not a header a client can write); empty otherwise. Signature
	// checks try it besides Host.
	ForwardedHost string
	// SourceIP is the caller's address as the gateway saw it, for logs.
	SourceIP string
	// Received is when the request reached the access layer; zero means now.
	Received time.Time
	// TraceID is the platform's trace id for this invocation (AWS X-Ray's
	// Root=...), if it has one; with DATAHUB_RECORD_HEADERS=traceparent it
	// is added to every record as x-amzn-trace-id.
	TraceID string
}

// Response is what the access layer answers. API errors are HTTP 200 too,
// as the TencentCloud SDKs require; the code is inside the JSON body.
type Response struct {
	StatusCode  int
	ContentType string
	RequestID   string
	Body        []byte
	// Header holds the other response headers, keys as they go on the
	// wire (X-TC-RequestId, CORS): adapters copy every one into their reply.
	Header http.Header
	// Stats is what the core measured, for logs and metrics; it is never sent.
	Stats Stats
}
