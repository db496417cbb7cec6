package aws

import "httpkafka/internal/core"

// functionURL is a Lambda function URL. Its event is payload 2.0, told
// apart from an HTTP API only by requestContext.domainName.
type functionURL struct{}

// Function URLs answer with the 2.0 shape (plus cookies, which the
// envelope never sets).
func (functionURL) request(e *event) *core.Request { return v2Request(e) }

func (functionURL) response(resp *core.Response) any { return v2Reply(resp) }
