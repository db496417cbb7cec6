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
	"encoding/json"
	"os"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/events"
	"github.com/tencentyun/scf-go-lib/functioncontext"

	"httpkafka/bench/internal/bare"
)

func main() {
	topic := os.Getenv("TOPIC")
	cl, err := bare.Client()
	if err != nil {
		panic(err)
	}
	cloudfunction.Start(func(ctx context.Context, e events.APIGatewayRequest) (events.APIGatewayResponse, error) {
		var req bare.SendMessage
		if err := json.Unmarshal([]byte(e.Body), &req); err != nil {
			return events.APIGatewayResponse{StatusCode: 400, Body: err.Error()}, nil
		}
		recs := req.Records(topic)
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return events.APIGatewayResponse{StatusCode: 500, Body: err.Error()}, nil
		}
		id := e.Context.RequestID // a function URL event has no requestContext
		if fc, ok := functioncontext.FromContext(ctx); ok {
			id = cmp.Or(id, fc.RequestID)
		}
		body, _ := json.Marshal(map[string]any{"Response": map[string]any{"MessageId": len(recs), "RequestId": id}})
		return events.APIGatewayResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)}, nil
	})
}
