// Command barescf is the cold-start baseline for functions/scf: the
// thinnest scf-go-lib event function that does the same produce. It builds
// one franz-go client at init and answers a function URL (or API Gateway)
// event with one ProduceSync of the body's messages and an integrated
// response, with almost no validation. Like functions/scf it reads its
// configuration from the process environment, where SCF puts a function's
// variables. bench/coldstart runs it beside functions/scf; it is not meant
// to serve anyone.
package main

import (
	"cmp"
	"context"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/events"
	"github.com/tencentyun/scf-go-lib/functioncontext"

	"httpkafka/bench/internal/bare"
)

func main() {
	topic, cl := bare.Setup()
	cloudfunction.Start(func(ctx context.Context, e events.APIGatewayRequest) (events.APIGatewayResponse, error) {
		id := e.Context.RequestID // a function URL event has no requestContext
		if fc, ok := functioncontext.FromContext(ctx); ok {
			id = cmp.Or(id, fc.RequestID)
		}
		status, body := bare.Handle(ctx, cl, topic, e.Body, id)
		return events.APIGatewayResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}, nil
	})
}
