package prommetrics_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"httpkafka/internal/core"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/prommetrics"
	"httpkafka/internal/telemetry"
)

// TestMetrics sends a success, a caller's mistake and a Kafka failure
// through a real service over kfake and scrapes /metrics: each request is
// counted under its access point (an unknown one as "unknown") and code.
func TestMetrics(t *testing.T) {
	cluster := kafkatest.New(t, 1, "t")
	metrics := prommetrics.New()
	log := slog.New(slog.DiscardHandler)
	cfg := cluster.ProducerConfig()
	cfg.Opts = append(cfg.Opts, kgo.WithHooks(metrics.KafkaHooks()...))
	svc := core.New(core.Options{AccessPoints: map[string]core.AccessPoint{"datahub-t": {Topic: "t"}, "datahub-gone": {Topic: "gone"}},
		Logger: log, Observer: telemetry.NewRecorder(log, metrics)}, kafkatest.NewProducer(t, cfg))
	for _, body := range []string{
		`{"DataHubId":"datahub-t","Message":[{"Body":"b1","Key":"k1"},{"Body":"b2"}]}`,
		`{"DataHubId":"datahub-nope","Message":[{"Body":"b"}]}`,
		`{"DataHubId":"datahub-gone","Message":[{"Body":"b"}]}`,
		`{"DataHubId":"datahub-t","Message":[{"Body":"b3"}]}`, // the cached series, a second time
	} {
		svc.Handle(context.Background(), &core.Request{Method: "POST", Host: "h", Path: "/", Body: []byte(body),
			Header: http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}}})
	}

	srv := httptest.NewServer(metrics.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`httpkafka_requests_total{code="OK",datahub_id="datahub-t"} 2`,
		`httpkafka_requests_total{code="ResourceNotFound",datahub_id="unknown"} 1`,
		`httpkafka_requests_total{code="ResourceNotFound",datahub_id="datahub-gone"} 1`,
		`httpkafka_messages_total{code="OK",datahub_id="datahub-t"} 3`,
		`httpkafka_produce_duration_seconds_count{datahub_id="datahub-t"} 2`,
		`httpkafka_request_bytes_count{datahub_id="datahub-t"} 2`,
		`httpkafka_cold_starts_total 1`,
		`httpkafka_kafka_produce_bytes_total{node_id=`, // the client's, through kprom
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
