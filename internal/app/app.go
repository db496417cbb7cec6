// Package app builds a ready core.Service from a config.Config: the wiring
// (config -> Kafka producer -> core) that every function main shares.
package app

import (
	"fmt"
	"log/slog"
	"time"

	"httpkafka/internal/config"
	"httpkafka/internal/core"
	"httpkafka/internal/kafka"
)

// ReplyMargin is kept free before a function's invocation deadline so that
// the reply is written before the platform stops the function.
const ReplyMargin = 300 * time.Millisecond

// App is a service and the producer behind it.
type App struct {
	Service  *core.Service
	Producer *kafka.Producer
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
	if len(cfg.KafkaBrokers) == 0 {
		return nil, fmt.Errorf("config: KAFKA_BROKERS is empty; name the Kafka bootstrap brokers")
	}
	producer, err := kafka.New(KafkaConfig(cfg, log))
	if err != nil {
		return nil, err
	}
	return &App{Service: core.New(CoreOptions(cfg, log), producer), Producer: producer}, nil
}

// KafkaConfig is the producer part of cfg.
func KafkaConfig(cfg *config.Config, log *slog.Logger) kafka.Config {
	return kafka.Config{
		Brokers:         cfg.KafkaBrokers,
		ClientID:        cfg.KafkaClientID,
		DeliveryTimeout: cfg.KafkaDelivery,
		ProduceTimeout:  cfg.KafkaProduce,
		RecordRetries:   cfg.KafkaRetries,
		SASLMechanism:   cfg.KafkaSASLMechanism,
		SASLUser:        cfg.KafkaSASLUser,
		SASLPassword:    cfg.KafkaSASLPassword,
		TLS:             cfg.KafkaTLS,
		Logger:          log,
	}
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
