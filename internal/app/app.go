// Package app builds a ready core.Service from a config.Config: the wiring
// (config -> Kafka producer -> core) that every function main shares.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"httpkafka/internal/config"
	"httpkafka/internal/core"
	"httpkafka/internal/idempotency"
	"httpkafka/internal/kafka"
	"httpkafka/internal/tcauth"
)

// ReplyMargin is kept free before a function's invocation deadline so that
// the reply is written before the platform stops the function.
const ReplyMargin = 300 * time.Millisecond

// App is a service and the producer behind it.
type App struct {
	Service  *core.Service
	Producer *kafka.Producer
	// Store is the idempotency store (DATAHUB_IDEMPOTENCY_STORE); nil
	// without one.
	Store *idempotency.Store
	// Auth says in one line how requests are authenticated, for start-up
	// banners and logs.
	Auth string
	// AccessPoints maps every access point id to its topic.
	AccessPoints map[string]string
	topics       []string // of the access points that are not suspended
}

// Warm connects to Kafka ahead of the first request (kafka.Producer.Warm)
// for the topics of the access points, within ctx.
func (a *App) Warm(ctx context.Context) error { return a.Producer.Warm(ctx, a.topics) }

// WarmLimit bounds a warm-up at start, so that an unreachable cluster
// cannot hold a function's initialisation for long.
const WarmLimit = 3 * time.Second

// WarmInBackground warms a up within WarmLimit on its own goroutine,
// logging what failed: overlapped with the runtime's first poll, the first
// request finds the work done or in progress, never repeated.
func (a *App) WarmInBackground(log *slog.Logger) {
	go a.WarmNow(log)
}

// WarmNow warms a up within WarmLimit and logs the outcome: Info when it
// is done (so it stands for the start-up check), Warn with what failed.
func (a *App) WarmNow(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), WarmLimit)
	defer cancel()
	start := time.Now()
	if err := a.Warm(ctx); err != nil {
		log.Warn("kafka warm-up incomplete; the first request finishes it", "err", err, "elapsed", time.Since(start).Round(time.Millisecond))
		return
	}
	log.Info("kafka warm-up done: the brokers answer and every access point's topic exists", "elapsed", time.Since(start).Round(time.Millisecond))
}

// Telemetry is what a main adds to watch the service; the zero value adds
// nothing.
type Telemetry struct {
	// Observer sees every answered request (telemetry.Recorder).
	Observer core.Observer
	// KafkaHooks are franz-go hooks the client is built with (metrics).
	KafkaHooks []kgo.Hook
}

// Mode says where the service runs, which decides the defaults that keep
// it safe (authentication is required when deployed).
type Mode int

const (
	// Deployed is a function (SCF, Lambda) or a server on a real cluster.
	Deployed Mode = iota
	// Local is local mode on the embedded Kafka.
	Local
)

// New builds the producer and the service. It does not contact Kafka.
func New(cfg *config.Config, log *slog.Logger, mode Mode) (*App, error) {
	return NewWith(cfg, log, mode, Telemetry{})
}

// NewWith is New with telemetry. Every configuration problem it finds is
// reported at once.
// authOpts are the signature checks' options beyond what cfg says (the
// HTTP server's tcauth.TrustForwardedHost).
func NewWith(cfg *config.Config, log *slog.Logger, mode Mode, tel Telemetry, authOpts ...tcauth.Option) (*App, error) {
	var errs []error
	if len(cfg.KafkaBrokers) == 0 {
		errs = append(errs, errors.New("KAFKA_BROKERS is empty; name the Kafka bootstrap brokers"))
	}
	auth, summary, err := Authenticator(cfg, mode, authOpts...)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, config.Problems(errs)
	}
	if auth == nil && mode == Deployed {
		log.Warn(summary)
	}
	if cfg.KafkaTLSInsecure {
		log.Warn("KAFKA_TLS_INSECURE_SKIP_VERIFY=true: the brokers' certificates are not checked; anyone on the path can read and change what is sent")
	}
	kcfg := KafkaConfig(cfg, log)
	if len(tel.KafkaHooks) > 0 {
		kcfg.Opts = append(kcfg.Opts, kgo.WithHooks(tel.KafkaHooks...))
	}
	producer, err := kafka.New(kcfg)
	if err != nil {
		return nil, err
	}
	opts := CoreOptions(cfg, log)
	opts.Auth = auth
	var topics []string
	for _, ap := range opts.AccessPoints {
		if !ap.Suspended && !slices.Contains(topics, ap.Topic) {
			topics = append(topics, ap.Topic)
		}
	}
	opts.Observer = tel.Observer
	a := &App{Producer: producer, Auth: summary, AccessPoints: cfg.AccessPoints, topics: topics}
	if cfg.IdempotencyStore != "" {
		a.Store, err = idempotency.Open(idempotency.Config{URL: cfg.IdempotencyStore, TTL: cfg.IdempotencyTTL,
			RequestTimeout: cfg.RequestTimeout, FailOpen: cfg.IdempotencyFailOpen, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("config: DATAHUB_IDEMPOTENCY_STORE: %w", err)
		}
		opts.Dedup = a.Store
		if cfg.ReplayProtection && auth != nil {
			opts.Replays = a.Store
		}
	}
	a.Service = core.New(opts, producer)
	return a, nil
}

// Close lets produces that outlived their requests store their outcomes,
// then flushes and closes the producer and the store, bounded by ctx.
func (a *App) Close(ctx context.Context) error {
	var storeErr error
	if a.Store != nil {
		storeErr = a.Store.Close(ctx)
	}
	return errors.Join(a.Producer.Close(ctx), storeErr)
}

// Ready reports whether Kafka answers and every access point's topic
// exists, asking once within ctx; its error says what is wrong.
func (a *App) Ready(ctx context.Context) error {
	topics := make([]string, 0, len(a.AccessPoints))
	for _, t := range a.AccessPoints {
		if !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	slices.Sort(topics)
	return a.Producer.Check(ctx, topics)
}

// StartupCheckTimeout bounds the start-up check of Kafka.
const StartupCheckTimeout = 10 * time.Second

// CheckAtStartup runs Ready once, bounded by StartupCheckTimeout, and logs
// the outcome: Info when Kafka is ready, Warn with what is wrong otherwise.
// It never stops the service: a cluster may become ready later.
func (a *App) CheckAtStartup(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), StartupCheckTimeout)
	defer cancel()
	if err := a.Ready(ctx); err != nil {
		log.Warn("start-up check: kafka is not ready; requests that need what is missing fail until it is there", "err", err)
		return
	}
	log.Info("start-up check: kafka answers and every access point's topic exists", "access_points", len(a.AccessPoints))
}

// Authenticator applies the authentication policy: signatures are required
// (DATAHUB_AUTH=tc3, the default) unless DATAHUB_AUTH=none. Deployed with
// no DATAHUB_CREDENTIALS refuses to start, rather than serve anyone;
// local mode with neither variable set serves unsigned requests. A nil
// Authenticator means no checks. summary says which, in one line.
func Authenticator(cfg *config.Config, mode Mode, opts ...tcauth.Option) (auth core.Authenticator, summary string, err error) {
	switch {
	case cfg.Auth == config.AuthNone:
		summary = "authentication off (DATAHUB_AUTH=none): requests are not signature-checked"
		if len(cfg.Credentials) > 0 {
			summary += "; DATAHUB_CREDENTIALS is ignored"
		}
		return nil, summary, nil
	case len(cfg.Credentials) == 0 && mode == Local && cfg.Auth == "":
		return nil, "authentication off: local mode without DATAHUB_CREDENTIALS accepts unsigned requests", nil
	case len(cfg.Credentials) == 0:
		return nil, "", fmt.Errorf("DATAHUB_CREDENTIALS is empty, and DATAHUB_AUTH=tc3 (the default) requires signed requests; " +
			"set DATAHUB_CREDENTIALS=SecretId:SecretKey, or DATAHUB_AUTH=none to accept unsigned requests")
	}
	creds := make([]tcauth.Credential, len(cfg.Credentials))
	for i, c := range cfg.Credentials {
		creds[i] = tcauth.Credential{SecretID: c.SecretID, SecretKey: c.SecretKey, DataHubIDs: c.DataHubIDs}
	}
	if len(cfg.Hosts) > 0 {
		opts = append(opts, tcauth.Hosts(cfg.Hosts...))
	}
	v, err := tcauth.New(creds, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("DATAHUB_CREDENTIALS: %w", err)
	}
	summary = fmt.Sprintf("authentication on: TencentCloud signatures (TC3-HMAC-SHA256, HmacSHA256, HmacSHA1) with %d key(s) from DATAHUB_CREDENTIALS", len(creds))
	// Said, not left silent: a SecretKey holding ':' would read as a
	// shorter key limited to the access point its tail names.
	for _, c := range cfg.Credentials {
		if c.DataHubIDs != nil {
			summary += fmt.Sprintf("; %s may send only to %s", c.SecretID, strings.Join(c.DataHubIDs, ", "))
		}
	}
	return v, summary, nil
}

// KafkaConfig is the producer part of cfg.
func KafkaConfig(cfg *config.Config, log *slog.Logger) kafka.Config {
	return kafka.Config{
		Brokers:         cfg.KafkaBrokers,
		ClientID:        cfg.KafkaClientID,
		DeliveryTimeout: cfg.KafkaDelivery,
		ProduceTimeout:  cfg.KafkaProduce,
		RecordRetries:   cfg.KafkaRetries,
		MaxMessageBytes: cfg.MaxMessageBytes,
		SASLMechanism:   cfg.KafkaSASLMechanism,
		SASLUser:        cfg.KafkaSASLUser,
		SASLPassword:    cfg.KafkaSASLPassword,
		TLS:             cfg.TLS(),
		Compression:     cfg.KafkaCompression,
		AWSCredentials:  awsCredentials,
		Logger:          log,
	}
}

// awsCredentials gives AWS_MSK_IAM the function's credentials as they are
// now: it is called for each new connection.
func awsCredentials(context.Context) (kafka.AWSCredentials, error) {
	k, err := config.AWSCredentials()
	return kafka.AWSCredentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, SessionToken: k.SessionToken}, err
}

// CoreOptions is the service part of cfg.
func CoreOptions(cfg *config.Config, log *slog.Logger) core.Options {
	points := make(map[string]core.AccessPoint, len(cfg.AccessPoints))
	for id, topic := range cfg.AccessPoints {
		points[id] = core.AccessPoint{Topic: topic}
	}
	for _, id := range cfg.Suspended {
		ap := points[id]
		ap.Suspended = true
		points[id] = ap
	}
	return core.Options{
		AccessPoints:    points,
		MaxMessages:     cfg.MaxMessages,
		MaxMessageBytes: cfg.MaxMessageBytes,
		MaxRequestBytes: cfg.MaxRequestBytes,
		Timeout:         cfg.RequestTimeout,
		ReplyMargin:     ReplyMargin,
		Logger:          log,
		CORSOrigins:     cfg.CORSOrigins,
		RecordHeaders:   cfg.RecordHeaders,
	}
}
