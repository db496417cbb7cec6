// Command http serves httpkafka's SendMessage endpoint as a plain HTTP
// server: local mode on a laptop, a container, or an SCF web function.
//
// With KAFKA_BROKERS set it produces to that cluster. Without it, it starts
// an in-process Kafka (franz-go's kfake, 3 brokers, in memory) and, when no
// access points are configured, serves datahub-local -> topic local.
//
//	go run ./functions/http            # 127.0.0.1:9000, embedded Kafka
//	go run ./functions/http -addr :9000
//
// As an SCF web function, scf_bootstrap (deploy/tencent/scf_bootstrap, in
// dist/scf-web.zip) runs it with -scf-web on 0.0.0.0:9000: then
// KAFKA_BROKERS is required, and the request id and client address that
// SCF's front end adds to each request are read (adapters/httpserver.SCFWeb).
//
// Besides SendMessage on every path, it serves GET /healthz (the process
// is up), GET /readyz (Kafka answers and every access point's topic
// exists) and GET /metrics (Prometheus). It logs one line per request, as
// JSON, or as text when stderr is a terminal (LOG_FORMAT=json|text).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"httpkafka/adapters/httpserver"
	"httpkafka/internal/app"
	"httpkafka/internal/config"
	"httpkafka/internal/prommetrics"
	"httpkafka/internal/tcauth"
	"httpkafka/internal/telemetry"
)

// localPartitions is how many partitions each topic gets on the embedded Kafka.
const localPartitions = 4

// The server's limits on what a client may send and how slowly.
const (
	maxHeaderBytes = 64 << 10         // request line and headers
	headerTime     = 5 * time.Second  // to send them
	bodyIdle       = 5 * time.Second  // between body bytes
	idleTime       = 60 * time.Second // a kept-alive connection between requests
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	scfWeb := flag.Bool("scf-web", false, "serve as a Tencent SCF web function (scf_bootstrap sets it): trust SCF's X-Scf-Request-Id and X-Scf-Remote-Addr headers; KAFKA_BROKERS required")
	helpEnv := flag.Bool("help-env", false, "print the environment variables and exit")
	flag.Usage = usage
	flag.Parse()
	if *helpEnv {
		fmt.Print(config.Usage(&config.HTTPServer{}))
		return
	}
	if err := run(*addr, *scfWeb); err != nil {
		fmt.Fprintln(os.Stderr, "httpkafka:", err)
		os.Exit(1)
	}
}

// usage is -help: what the binary is, its flags, and where the variables are.
func usage() {
	w := flag.CommandLine.Output()
	fmt.Fprint(w, `httpkafka: the TencentCloud CKafka DataHub SendMessage API as an HTTP server, producing to Kafka.
Without KAFKA_BROKERS it starts an embedded in-memory Kafka (local mode) with access point datahub-local.

Usage: httpkafka [-addr host:port] [-scf-web]

Flags:
`)
	flag.PrintDefaults()
	fmt.Fprint(w, `
Configuration is read from environment variables: KAFKA_BROKERS, DATAHUB_ACCESS_POINTS, DATAHUB_CREDENTIALS,
DATAHUB_AUTH and more; -help-env lists every one with its default. LOG_FORMAT=json|text chooses the log format
(default: text on a terminal, JSON otherwise).

Endpoints: SendMessage on every path; GET /healthz, GET /readyz, GET /metrics.
`)
}

func run(addr string, scfWeb bool) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	hcfg, err := config.LoadHTTPServer()
	if err != nil {
		return err
	}
	if scfWeb && len(cfg.KafkaBrokers) == 0 {
		// An embedded Kafka in a function instance would lose every
		// message when SCF reclaims it.
		return errors.New("KAFKA_BROKERS is not set: an SCF web function needs a real Kafka (CKafka)")
	}
	h, err := telemetry.Handler(os.Stderr, os.Getenv("LOG_FORMAT"), cfg.LogLevel)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log := slog.New(h)
	percent, limit := gcSettings(os.Getenv, hcfg.MaxInflightBytes)
	if percent >= 0 {
		debug.SetGCPercent(percent)
	}
	if limit >= 0 {
		debug.SetMemoryLimit(limit)
	}
	log.Debug("garbage collection: " + gcSummary(percent, limit))

	var cluster *kfake.Cluster
	if len(cfg.KafkaBrokers) == 0 {
		if cluster, err = startEmbeddedKafka(cfg); err != nil {
			return err
		}
		defer cluster.Close()
	}
	mode := app.Deployed
	if cluster != nil {
		mode = app.Local
	}
	var authOpts []tcauth.Option
	if hcfg.TrustForwardedHost {
		authOpts = append(authOpts, tcauth.TrustForwardedHost())
	}
	metrics := prommetrics.New()
	a, err := app.NewWith(cfg, log, mode, app.Telemetry{
		Observer:   telemetry.NewRecorder(log, metrics),
		KafkaHooks: metrics.KafkaHooks(),
	}, authOpts...)
	if err != nil {
		return err
	}
	go a.CheckAtStartup(log)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// A slow client may send up to 6 MiB in bodyTime; one that sends
	// nothing is dropped after headerTime (headers) or bodyIdle (body).
	bodyTime := cfg.RequestTimeout + 30*time.Second
	limits := []httpserver.Option{httpserver.MaxInflightBytes(hcfg.MaxInflightBytes), httpserver.BodyTimeouts(bodyIdle, bodyTime)}
	handler := httpserver.Handler(a.Service, limits...)
	if scfWeb {
		handler = httpserver.SCFWeb(a.Service, limits...)
	}
	srv := &http.Server{
		Handler:           routes(a, metrics.Handler(), handler),
		ReadHeaderTimeout: headerTime,
		ReadTimeout:       bodyTime,
		WriteTimeout:      bodyTime + cfg.RequestTimeout,
		IdleTimeout:       idleTime,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	printBanner(os.Stdout, ln.Addr().String(), cfg, cluster != nil, a.Auth)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Drain: stop accepting, let in-flight requests finish (each is bounded
	// by the request timeout), then flush and close the producer.
	log.Info("shutting down")
	drain, cancel := context.WithTimeout(context.Background(), cfg.RequestTimeout+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	if err := a.Close(drain); err != nil {
		log.Warn("flush", "err", err)
	}
	return nil
}

// startEmbeddedKafka starts kfake for local mode, with the access points'
// topics (config gives local mode datahub-local -> local by default), and
// points cfg at it.
func startEmbeddedKafka(cfg *config.Config) (*kfake.Cluster, error) {
	var topics []string
	for _, topic := range cfg.AccessPoints {
		if !slices.Contains(topics, topic) {
			topics = append(topics, topic)
		}
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(localPartitions, topics...))
	if err != nil {
		return nil, fmt.Errorf("embedded kafka: %w", err)
	}
	cfg.KafkaBrokers = cluster.ListenAddrs()
	return cluster, nil
}

// printBanner says where everything is; its last line is a request to try.
func printBanner(w *os.File, addr string, cfg *config.Config, embedded bool, auth string) {
	if embedded {
		fmt.Fprintf(w, "httpkafka: embedded Kafka (in memory, 3 brokers) at %s\n", strings.Join(cfg.KafkaBrokers, ","))
	} else {
		fmt.Fprintf(w, "httpkafka: Kafka at %s\n", strings.Join(cfg.KafkaBrokers, ","))
	}
	fmt.Fprintf(w, "httpkafka: SendMessage endpoint http://%s/\n", addr)
	ids := make([]string, 0, len(cfg.AccessPoints))
	for id := range cfg.AccessPoints {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		state := ""
		if slices.Contains(cfg.Suspended, id) {
			state = " (suspended)"
		}
		fmt.Fprintf(w, "httpkafka: access point %s -> topic %s%s\n", id, cfg.AccessPoints[id], state)
	}
	fmt.Fprintf(w, "httpkafka: %s\n", auth)
	fmt.Fprintf(w, "httpkafka: health http://%s/healthz, readiness http://%s/readyz, metrics http://%s/metrics\n", addr, addr, addr)
	// The request to try names an access point that answers.
	ids = slices.DeleteFunc(ids, func(id string) bool { return slices.Contains(cfg.Suspended, id) })
	switch {
	case len(ids) == 0:
	case len(cfg.Credentials) > 0 && cfg.Auth != config.AuthNone:
		fmt.Fprintf(w, "try: a TencentCloud SDK's CkafkaClient.SendMessage with endpoint %s, scheme HTTP, a key from DATAHUB_CREDENTIALS and DataHubId %s\n", addr, ids[0])
	default:
		fmt.Fprintf(w, "try:\n  curl -s http://%s/ -H 'Content-Type: application/json' -H 'X-TC-Action: SendMessage' -H 'X-TC-Version: 2019-08-19' -d '{\"DataHubId\":\"%s\",\"Message\":[{\"Body\":\"hello\",\"Key\":\"user-1\"}]}'\n", addr, ids[0])
	}
}
