// Package prommetrics is the HTTP binary's metrics in Prometheus form: a
// telemetry.Sink that counts each request, the Kafka client's metrics
// through franz-go's kprom hooks and the Go runtime's, on one registry
// served at /metrics. The function binaries report through CloudWatch
// EMF lines or logs instead and do not link it.
package prommetrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"

	"httpkafka/internal/core"
	"httpkafka/internal/telemetry"
)

// Metrics is the HTTP binary's metrics: the per-request figures as
// counters and histograms, the Kafka client's (buffered records, broker
// connect/read/write errors, through franz-go's kprom hooks) and the Go
// runtime's, on one registry served by [Metrics.Handler].
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	messages     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	produce      *prometheus.HistogramVec
	requestBytes *prometheus.HistogramVec
	coldStarts   prometheus.Counter
	kafka        *kprom.Metrics

	// series caches each (access point, code)'s metrics, so that a request
	// costs no label lookups. Both labels come from bounded sets (the
	// configured access points and "unknown"; the error codes).
	series sync.Map // seriesKey -> *series
}

type seriesKey struct{ accessPoint, code string }

// series is the metrics one request updates.
type series struct {
	requests, messages             prometheus.Counter
	latency, requestBytes, produce prometheus.Observer
}

func (p *Metrics) seriesFor(ap, code string) *series {
	k := seriesKey{ap, code}
	if s, ok := p.series.Load(k); ok {
		return s.(*series)
	}
	s, _ := p.series.LoadOrStore(k, &series{
		requests:     p.requests.WithLabelValues(ap, code),
		messages:     p.messages.WithLabelValues(ap, code),
		latency:      p.latency.WithLabelValues(ap, code),
		requestBytes: p.requestBytes.WithLabelValues(ap),
		produce:      p.produce.WithLabelValues(ap),
	})
	return s.(*series)
}

// New builds the metrics on a registry of their own.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	p := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "httpkafka", Name: "requests_total",
			Help: "SendMessage requests answered, by access point and outcome code (OK or the TencentCloud error code)."},
			[]string{"datahub_id", "code"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "httpkafka", Name: "messages_total",
			Help: "Messages in answered requests, by access point and outcome code; code OK counts messages written."},
			[]string{"datahub_id", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "httpkafka", Name: "request_duration_seconds",
			Help: "Time from receiving a request to answering it.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)},
			[]string{"datahub_id", "code"}),
		produce: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "httpkafka", Name: "produce_duration_seconds",
			Help: "Time Kafka took to acknowledge a request's messages.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)},
			[]string{"datahub_id"}),
		requestBytes: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "httpkafka", Name: "request_bytes",
			Help: "Request body sizes.", Buckets: prometheus.ExponentialBuckets(256, 4, 10)},
			[]string{"datahub_id"}),
		coldStarts: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "httpkafka", Name: "cold_starts_total",
			Help: "First requests of a process."}),
	}
	f(p.requests)
	f(p.messages)
	f(p.latency)
	f(p.produce)
	f(p.requestBytes)
	f(p.coldStarts)
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	p.kafka = kprom.NewMetrics("httpkafka_kafka", kprom.Registry(reg))
	return p
}

// Record implements telemetry.Sink.
func (p *Metrics) Record(st *core.Stats, coldStart bool) {
	s := p.seriesFor(telemetry.AccessPointLabel(st), st.Code)
	s.requests.Inc()
	s.messages.Add(float64(st.Messages))
	s.latency.Observe(st.Total.Seconds())
	s.requestBytes.Observe(float64(st.RequestBytes))
	if st.Produce > 0 {
		s.produce.Observe(st.Produce.Seconds())
	}
	if coldStart {
		p.coldStarts.Inc()
	}
}

// KafkaHooks are the franz-go hooks that feed the Kafka client's metrics;
// the client must be built with them (kgo.WithHooks).
func (p *Metrics) KafkaHooks() []kgo.Hook { return []kgo.Hook{p.kafka} }

// Handler serves the registry in the Prometheus exposition format.
func (p *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{Registry: p.reg})
}
