package scf

import (
	"net"
	"strings"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// apiGateway reads an API Gateway trigger event (integrated response
// turned on). Tencent retired the trigger for new deployments; events
// from triggers that still exist are served as before.
func apiGateway(e *event) *core.Request {
	h := e.Headers.Header()
	rc := e.RequestContext
	path := e.Path
	if rc.Stage != "" && gatewayDomain(gateway.First(h, "Host")) {
		// On the gateway's own domain the URL is /<stage>/<path>, but the
		// event's path leaves the stage out. Put it back: a signature that
		// covers the path covers it as the client sent it. (On a custom
		// domain the URL has no stage, and the path is as sent.)
		path = "/" + rc.Stage + path
	}
	return &core.Request{
		Method:    e.HTTPMethod,
		Path:      path,
		RawQuery:  e.QueryString.Encode(), // parsed by the gateway: rebuilt
		Header:    h,
		RequestID: rc.RequestID,
		SourceIP:  rc.SourceIP,
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
