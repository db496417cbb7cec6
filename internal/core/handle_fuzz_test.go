package core_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"httpkafka/internal/core"
	"httpkafka/internal/fuzzcheck"
	"httpkafka/internal/kafkatest"
)

// FuzzHandle: whatever request arrives, Handle answers HTTP 200 with a
// well-formed envelope, at a cost linear in the request's size. Requests
// that pass validation are produced to an in-process Kafka (kfake).
//
//	go test -run '^$' -fuzz FuzzHandle ./internal/core
func FuzzHandle(f *testing.F) {
	cluster := kafkatest.New(f, 1, "fuzz")
	svc := core.New(core.Options{
		AccessPoints:    map[string]core.AccessPoint{"datahub-fuzz": {Topic: "fuzz"}, "datahub-paused": {Topic: "fuzz", Suspended: true}},
		MaxRequestBytes: 1 << 20,
		Logger:          slog.New(slog.DiscardHandler),
	}, cluster.Producer(f))
	// The client's first produce connects and loads metadata: done
	// before anything is measured.
	warm := &core.Request{Method: "POST", Header: http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}},
		Body: []byte(`{"DataHubId":"datahub-fuzz","Message":[{"Body":"warm"}]}`)}
	if env := fuzzcheck.CheckEnvelope(f, svc.Handle(context.Background(), warm).Body); env.Response.Error != nil {
		f.Fatalf("warm-up: %+v", env.Response.Error)
	}
	for _, s := range []struct{ method, contentType, action, version, query, body string }{
		{"POST", "application/json", "SendMessage", "2019-08-19", "", `{"DataHubId":"datahub-fuzz","Message":[{"Body":"hello","Key":"k"}]}`},
		{"POST", "application/json; charset=utf-8", "SendMessage", "2019-08-19", "", `{"DataHubId":"datahub-paused","Message":[{"Body":"x"}]}`},
		{"POST", "application/x-www-form-urlencoded", "", "", "", "Action=SendMessage&Version=2019-08-19&DataHubId=datahub-fuzz&Message.0.Body=a&Message.01.Body=b"},
		{"GET", "", "SendMessage", "2019-08-19", "DataHubId=datahub-fuzz&Message.0.Body=q", ""},
		{"PUT", "text/plain", "Other", "1", "", "x"},
		{"POST", "application/json", "SendMessage", "2019-08-19", "", `{"DataHubId":"datahub-fuzz","Message":[` + strings.Repeat(`{"Body":"b"},`, 501) + `{"Body":"b"}]}`},
		{"POST", "application/x-www-form-urlencoded", "SendMessage", "2019-08-19", "", "Message.0.Body=" + strings.Repeat("&", 3000) + "&DataHubId=datahub-fuzz&Signature=x"},
	} {
		f.Add(s.method, s.contentType, s.action, s.version, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method, contentType, action, version, query string, body []byte) {
		r := &core.Request{Method: method, Host: "ckafka.tencentcloudapi.com", Path: "/", RawQuery: query, Body: body,
			Header: http.Header{"Content-Type": {contentType}, "X-Tc-Action": {action}, "X-Tc-Version": {version}}}
		size := len(method) + len(contentType) + len(action) + len(version) + len(query) + len(body)
		var resp *core.Response
		// Produce to kfake allocates in the client and the cluster too.
		fuzzcheck.Cost(t, size, 64, 1<<20, func() { resp = svc.Handle(context.Background(), r) })
		fuzzcheck.CheckReply(t, resp.StatusCode, resp.ContentType, resp.Body)
	})
}
