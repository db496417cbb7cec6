// Package kafka is httpkafka's Kafka producer: it implements core.Producer
// over one franz-go client per process, producing synchronously with
// acks=all, idempotence and Java-compatible key partitioning.
package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/aws"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"httpkafka/internal/core"
)

// Config is what the producer needs to reach and write to Kafka.
type Config struct {
	Brokers  []string
	ClientID string // default "httpkafka"

	// DeliveryTimeout bounds how long a record may wait to be written
	// (kgo.RecordDeliveryTimeout); it should be below the request timeout.
	DeliveryTimeout time.Duration
	// ProduceTimeout is how long a broker may take to answer one produce
	// request (kgo.ProduceRequestTimeout) before the connection is dropped
	// and the request retried.
	ProduceTimeout time.Duration
	// MaxMessageBytes is the largest Key plus Value the core lets through;
	// the producer's batch limit (kgo.ProducerBatchMaxBytes, default
	// 1,000,012) is raised to hold one such record, so that a message that
	// passed validation is never refused by the client.
	MaxMessageBytes int
	// RecordRetries is how often a failed write is retried before the
	// broker's error is reported (kgo.RecordRetries); 0 keeps franz-go's
	// unlimited retries, bounded only by DeliveryTimeout, after which the
	// broker's error is no longer known.
	RecordRetries int
	// MetadataMinAge is the least time between metadata refreshes
	// (kgo.MetadataMinAge); 0 keeps franz-go's 5s.
	MetadataMinAge time.Duration

	// SASLMechanism is "" (no SASL), "PLAIN", "SCRAM-SHA-256",
	// "SCRAM-SHA-512" (with SASLUser and SASLPassword) or "AWS_MSK_IAM"
	// (with AWSCredentials).
	SASLMechanism string
	SASLUser      string
	SASLPassword  string
	// AWSCredentials gives AWS_MSK_IAM the credentials to sign with. It is
	// called for each new connection, so rotated credentials are used as
	// soon as they are there.
	AWSCredentials func(context.Context) (AWSCredentials, error)
	// TLS, when not nil, is used for every connection to the brokers;
	// nil connects in plaintext.
	TLS *tls.Config
	// Compression is the codec record batches are compressed with: "none",
	// "gzip", "snappy", "lz4" or "zstd"; "" keeps franz-go's default
	// (snappy). A batch goes out compressed only when that makes it smaller.
	Compression string

	Logger *slog.Logger
	// Extra options, appended last; tests use them.
	Opts []kgo.Opt
}

const (
	defaultBatchMaxBytes = 1_000_012 // franz-go's, mirroring Kafka's max.message.bytes
	// recordOverhead bounds what a record batch holding one record adds
	// to its key and value: a 61-byte batch header and the record's
	// length, attributes, deltas and varints.
	recordOverhead = 512
)

// Producer is a franz-go client behind core.Producer.
type Producer struct {
	client *kgo.Client
	sasl   string     // the SASL mechanism, for errors
	watch  *connWatch // nil without SASL and TLS
}

// New builds the client. It does not connect: the first Produce does.
func New(cfg Config) (*Producer, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("kafka: no brokers")
	}
	clientID := cfg.ClientID
	if clientID == "" {
		clientID = "httpkafka"
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID(clientID),
		kgo.RequiredAcks(kgo.AllISRAcks()), // with idempotence, which is franz-go's default
		// nil hasher = Kafka's murmur2, so keys land where Java producers put them.
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		// A topic that does not exist fails on the first metadata answer
		// that says so, not after four refreshes.
		kgo.UnknownTopicRetries(0),
	}
	if cfg.DeliveryTimeout > 0 {
		opts = append(opts, kgo.RecordDeliveryTimeout(cfg.DeliveryTimeout))
	}
	if batch := cfg.MaxMessageBytes + recordOverhead; batch > defaultBatchMaxBytes {
		opts = append(opts, kgo.ProducerBatchMaxBytes(int32(batch)))
	}
	if cfg.RecordRetries > 0 {
		opts = append(opts, kgo.RecordRetries(cfg.RecordRetries))
	}
	if cfg.ProduceTimeout > 0 {
		opts = append(opts, kgo.ProduceRequestTimeout(cfg.ProduceTimeout))
	}
	if cfg.MetadataMinAge > 0 {
		opts = append(opts, kgo.MetadataMinAge(cfg.MetadataMinAge))
	}
	mech, err := saslMechanism(cfg)
	if err != nil {
		return nil, err
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	if cfg.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(cfg.TLS))
	}
	if cfg.Compression != "" {
		codec, err := compression(cfg.Compression)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.ProducerBatchCompression(codec))
	}
	if cfg.Logger != nil {
		opts = append(opts, kgo.WithLogger(slogLogger{cfg.Logger}))
	}
	p := &Producer{sasl: cfg.SASLMechanism}
	if mech != nil || cfg.TLS != nil {
		p.watch = newConnWatch(mech != nil)
		opts = append(opts, kgo.WithHooks(p.watch))
	}
	opts = append(opts, cfg.Opts...)
	if p.client, err = kgo.NewClient(opts...); err != nil {
		return nil, fmt.Errorf("kafka: new client: %w", err)
	}
	return p, nil
}

// AWSCredentials are what AWS_MSK_IAM signs with: an access key, its
// secret and, for role credentials, the session token.
type AWSCredentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// saslMechanism is the franz-go mechanism cfg names, nil for none.
func saslMechanism(cfg Config) (sasl.Mechanism, error) {
	switch cfg.SASLMechanism {
	case "":
		return nil, nil
	case "PLAIN":
		return plain.Auth{User: cfg.SASLUser, Pass: cfg.SASLPassword}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: cfg.SASLUser, Pass: cfg.SASLPassword}.AsSha256Mechanism(), nil
	case "SCRAM-SHA-512":
		return scram.Auth{User: cfg.SASLUser, Pass: cfg.SASLPassword}.AsSha512Mechanism(), nil
	case "AWS_MSK_IAM":
		if cfg.AWSCredentials == nil {
			return nil, errors.New("kafka: AWS_MSK_IAM needs AWS credentials")
		}
		get := cfg.AWSCredentials
		return aws.ManagedStreamingIAM(func(ctx context.Context) (aws.Auth, error) {
			c, err := get(ctx)
			if err != nil {
				return aws.Auth{}, fmt.Errorf("AWS credentials for AWS_MSK_IAM: %w", err)
			}
			return aws.Auth{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken, UserAgent: "httpkafka"}, nil
		}), nil
	}
	return nil, fmt.Errorf("kafka: unknown SASL mechanism %q (want PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM)", cfg.SASLMechanism)
}

// compression is the codec of KAFKA_COMPRESSION's name.
func compression(name string) (kgo.CompressionCodec, error) {
	switch name {
	case "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("kafka: unknown compression %q (want none, gzip, snappy, lz4 or zstd)", name)
}

// Close flushes buffered records (bounded by ctx) and closes the client.
func (p *Producer) Close(ctx context.Context) error {
	err := p.client.Flush(ctx)
	p.client.Close()
	return err
}

// Produce implements core.Producer: all of msgs in one ProduceSync.
//
// kgo does not fail records that are already in flight when ctx ends (it
// cannot tell whether they were written), so ProduceSync may outlive ctx by
// up to the delivery and produce timeouts. Produce waits for whichever comes
// first and, when ctx wins, reports every message as of unknown fate; the
// abandoned ProduceSync finishes in the background.
func (p *Producer) Produce(ctx context.Context, topic string, msgs []core.Message, out []core.Placement) error {
	recs := make([]kgo.Record, len(msgs))
	ptrs := make([]*kgo.Record, len(msgs))
	sent := time.Now()
	for i, m := range msgs {
		recs[i] = kgo.Record{Topic: topic, Key: m.Key, Value: m.Value, Timestamp: sent}
		ptrs[i] = &recs[i]
	}
	// Refused credentials or certificates make kgo retry the connection
	// until the delivery timeout; refused ends the wait when the brokers
	// refuse again after this call began, and the records not yet sent
	// are failed by cancelling their context.
	var refused <-chan struct{}
	if p.watch != nil {
		refused = p.watch.next()
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan kgo.ProduceResults, 1)
	go func() { done <- p.client.ProduceSync(pctx, ptrs...) }()
	var results kgo.ProduceResults
	var refusal error
	select {
	case results = <-done:
	case <-ctx.Done():
		return &core.ProduceError{Unknown: len(msgs), Err: ctx.Err()}
	case <-refused:
		// A connection that succeeded since clears the refusal: then
		// the records are left to kgo, bounded by ctx.
		if r := p.watch.failure(); r != nil {
			refusal = r
			cancel()
		}
		select {
		case results = <-done:
		case <-ctx.Done():
			return &core.ProduceError{Unknown: len(msgs), Err: ctx.Err()}
		}
	}
	pe := core.ProduceError{}
	for _, r := range results {
		if r.Err == nil {
			pe.Written++
			continue
		}
		err := r.Err
		if refusal != nil && errors.Is(err, context.Canceled) && ctx.Err() == nil {
			err = refusal // failed unsent because the brokers refused the client
		}
		if pe.Failed++; pe.Err == nil {
			pe.Err = p.classify(err)
		}
	}
	if pe.Failed > 0 {
		return &pe
	}
	for i := range recs {
		out[i] = core.Placement{Partition: recs[i].Partition, Offset: recs[i].Offset, Timestamp: recs[i].Timestamp}
	}
	return nil
}

// classify wraps the Kafka errors the core maps to their own codes, and
// says so plainly when the brokers refused the client's credentials.
func (p *Producer) classify(err error) error {
	switch {
	case err == nil:
		return nil
	case p.tlsFailed(err):
		return fmt.Errorf("kafka TLS failed: check KAFKA_TLS_CA, KAFKA_TLS_SERVER_NAME and the client certificate: %w", err)
	case p.authFailed(err):
		return fmt.Errorf("kafka authentication failed (SASL %s): check the mechanism, user and password: %w", p.sasl, err)
	case errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.UnknownTopicID):
		return fmt.Errorf("%w: %w", core.ErrTopicNotFound, err)
	case errors.Is(err, kerr.KafkaStorageError):
		return fmt.Errorf("%w: %w", core.ErrStorage, err)
	}
	return err
}

// authFailed reports whether err is the brokers refusing to authenticate
// the client. A broker that rejects SASL credentials answers
// SASL_AUTHENTICATION_FAILED or, as kfake and some brokers do, closes the
// connection before its first answer (kgo.ErrFirstReadEOF).
func (p *Producer) authFailed(err error) bool {
	if errors.Is(err, kerr.SaslAuthenticationFailed) || errors.Is(err, kerr.UnsupportedSaslMechanism) || errors.Is(err, kerr.IllegalSaslState) {
		return true
	}
	var eof *kgo.ErrFirstReadEOF
	var refused *refusedError
	return errors.As(err, &refused) && refused.what == "SASL" || p.sasl != "" && errors.As(err, &eof)
}

// tlsFailed reports whether err is a TLS handshake the brokers kept
// failing.
func (p *Producer) tlsFailed(err error) bool {
	var refused *refusedError
	return errors.As(err, &refused) && refused.what == "TLS"
}

// slogLogger adapts slog to kgo.Logger.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Level() kgo.LogLevel {
	ctx := context.Background()
	// kgo's info lines are connection chatter: shown only when debugging.
	switch {
	case s.l.Enabled(ctx, slog.LevelDebug):
		return kgo.LogLevelInfo
	case s.l.Enabled(ctx, slog.LevelWarn):
		return kgo.LogLevelWarn
	}
	return kgo.LogLevelError
}

func (s slogLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	l := slog.LevelError
	switch level {
	case kgo.LogLevelDebug:
		l = slog.LevelDebug
	case kgo.LogLevelInfo:
		l = slog.LevelInfo
	case kgo.LogLevelWarn:
		l = slog.LevelWarn
	}
	s.l.Log(context.Background(), l, "kafka: "+msg, keyvals...)
}
