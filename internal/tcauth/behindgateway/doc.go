// Package behindgateway checks that signed requests from the official SDKs
// still verify after an API gateway has turned them into a function event:
// an httptest server plays the gateway (AWS API Gateway REST and HTTP API,
// Lambda function URL, ALB, Tencent API Gateway), wraps each request into
// that gateway's event JSON the way the real one does, calls the adapter
// and writes the gateway response back as HTTP.
package behindgateway
