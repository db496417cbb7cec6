// Package app builds a ready core.Service from a config.Config: the wiring
// (config -> Kafka producer -> core) that every function main shares.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"httpkafka/internal/config"
	"httpkafka/internal/core"
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
	// Auth says in one line how requests are authenticated, for start-up
	// banners and logs.
	Auth string
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
// authOpts are the signature checks' options beyond what cfg says (the HTTP
// server's tcauth.TrustForwardedHost).
func New(cfg *config.Config, log *slog.Logger, mode Mode, authOpts ...tcauth.Option) (*App, error) {
	if len(cfg.KafkaBrokers) == 0 {
		return nil, fmt.Errorf("config: KAFKA_BROKERS is empty; name the Kafka bootstrap brokers")
	}
	auth, summary, err := Authenticator(cfg, mode, authOpts...)
	if err != nil {
		return nil, err
	}
	if auth == nil && mode == Deployed {
		log.Warn(summary)
	}
	if cfg.KafkaTLSInsecure {
		log.Warn("KAFKA_TLS_INSECURE_SKIP_VERIFY=true: the brokers' certificates are not checked; anyone on the path can read and change what is sent")
	}
	producer, err := kafka.New(KafkaConfig(cfg, log))
	if err != nil {
		return nil, err
	}
	opts := CoreOptions(cfg, log)
	opts.Auth = auth
	return &App{Service: core.New(opts, producer), Producer: producer, Auth: summary}, nil
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
		return nil, "", fmt.Errorf("config: DATAHUB_CREDENTIALS is empty, and DATAHUB_AUTH=tc3 (the default) requires signed requests; " +
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
		return nil, "", fmt.Errorf("config: DATAHUB_CREDENTIALS: %w", err)
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
	}
}
