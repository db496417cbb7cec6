package scf_test

import (
	"testing"

	"httpkafka/adapters/scf"
	"httpkafka/internal/gatewaytest"
)

// FuzzInvoke: every Tencent API Gateway and function URL payload, signed
// or not, gets a 200 envelope or ErrUnknownEvent, at a cost linear in its
// size.
//
//	go test -run '^$' -fuzz FuzzInvoke ./adapters/scf
func FuzzInvoke(f *testing.F) {
	gatewaytest.FuzzInvoke(f, []string{
		"tencent-scf-apigw-request-doc-sample.json",
		"tencent-scf-apigw-request-captured.json",
		"tencent-scf-function-url-doc-sample.json",
	}, asSendMessage, scf.Invoke, scf.ErrUnknownEvent,
		[]byte(`{"httpMethod":"POST","queryString":{"a":[1]}}`),
		[]byte(`{"httpMethod":"GET","queryString":{"Message.0.Body":"a","Message.00.Body":["b","c"]},"requestContext":{"stage":"release"},"path":"/%3F"}`))
}
