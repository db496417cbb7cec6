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
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
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
	// batchMaxBytes is the largest record batch the client builds
	// (kgo.ProducerBatchMaxBytes); Warm's probes are one byte larger.
	batchMaxBytes int
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
		// Every record is waited for: lingering for more would only add
		// latency. Records that arrive while a produce request is in
		// flight still go out together in the next one.
		kgo.ProducerLinger(0),
	}
	if cfg.DeliveryTimeout > 0 {
		opts = append(opts, kgo.RecordDeliveryTimeout(cfg.DeliveryTimeout))
	}
	batchMaxBytes := defaultBatchMaxBytes
	if batch := cfg.MaxMessageBytes + recordOverhead; batch > defaultBatchMaxBytes {
		batchMaxBytes = batch
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
	p := &Producer{sasl: cfg.SASLMechanism, batchMaxBytes: batchMaxBytes}
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

// Warm does ahead of the first request what the first Produce would
// otherwise do: it loads the metadata of topics (Check: an error names each
// one that Kafka does not have), opens a produce connection to every broker,
// obtains the producer id and loads each topic's partitions into the
// producer (loadPartitions). ctx bounds it: what is not done by then is left
// to the first Produce, so an unreachable cluster cannot hold up a start.
func (p *Producer) Warm(ctx context.Context, topics []string) error {
	var errs []error
	if err := p.Check(ctx, topics); err != nil {
		errs = append(errs, fmt.Errorf("warm up: %w", err))
	}
	if err := p.client.EnsureProduceConnectionIsOpen(ctx, -1); err != nil {
		errs = append(errs, fmt.Errorf("kafka: warm up: %w", err))
	}
	if _, _, err := p.client.ProducerID(ctx); err != nil {
		errs = append(errs, fmt.Errorf("kafka: warm up: producer id: %w", err))
	}
	if err := p.loadPartitions(ctx, topics); err != nil {
		errs = append(errs, fmt.Errorf("kafka: warm up: %w", err))
	}
	return errors.Join(errs...)
}

// loadPartitions makes the producer learn the partitions of topics, which
// franz-go does only for a topic it is given a record for: a metadata round
// trip that would otherwise fall to the first request to each topic.
//
// Each topic is given one probe record that no batch can hold (one byte
// over batchMaxBytes). franz-go loads the topic's partitions to place it,
// then fails it with MESSAGE_TOO_LARGE when it tries to buffer it ("the
// record will be failed immediately", kgo.Client.Produce): it never reaches
// a broker and takes no sequence number. The probe's bytes are allocated
// and never touched.
func (p *Producer) loadPartitions(ctx context.Context, topics []string) error {
	if len(topics) == 0 {
		return nil
	}
	probe := make([]byte, p.batchMaxBytes+1)
	errs := make(chan error, len(topics))
	for _, t := range topics {
		p.client.Produce(ctx, &kgo.Record{Topic: t, Value: probe}, func(_ *kgo.Record, err error) {
			if errors.Is(err, kerr.MessageTooLarge) {
				err = nil // the partitions are loaded: what the probe was for
			} else if err == nil {
				err = errors.New("a probe record larger than a batch was accepted") // cannot happen
			}
			if err != nil {
				err = fmt.Errorf("partitions of topic %s: %w", t, err)
			}
			errs <- err
		})
	}
	var all []error
	for range topics {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// Close flushes buffered records (bounded by ctx) and closes the client.
func (p *Producer) Close(ctx context.Context) error {
	err := p.client.Flush(ctx)
	p.client.Close()
	return err
}

// Produce implements core.Producer: each message becomes a record handed
// to franz-go's Produce, all with one promise that counts them down; the
// calling goroutine waits for the last promise or for ctx, whichever comes
// first. No goroutine is started for a request.
//
// kgo does not fail records that are already in flight when ctx ends (it
// cannot tell whether they were written); they are bounded by the delivery
// and produce timeouts instead. When ctx wins, the messages not yet
// answered are reported as of unknown fate, and their promises finish in
// the background.
func (p *Producer) Produce(ctx context.Context, topic string, msgs []core.Message, out []core.Placement) error {
	if len(msgs) == 0 {
		return nil // no promise would ever close the batch
	}
	// Refused credentials or certificates make kgo retry the connection
	// until the delivery timeout; refused ends the wait when the brokers
	// refuse again after this call began, and the records not yet sent
	// are failed by cancelling their context.
	var refused <-chan struct{}
	rctx, cancel := ctx, context.CancelFunc(func() {})
	if p.watch != nil {
		refused = p.watch.next()
		rctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	b := newBatch(len(msgs))
	sent := time.Now()
	var from []core.RecordHeader   // the core shares one header slice per request:
	var headers []kgo.RecordHeader // converted once
	for i, m := range msgs {
		if len(m.Headers) > 0 && (len(from) == 0 || &m.Headers[0] != &from[0]) {
			from, headers = m.Headers, recordHeaders(m.Headers)
		}
		b.recs[i] = kgo.Record{Topic: topic, Key: m.Key, Value: m.Value, Timestamp: sent}
		if len(m.Headers) > 0 {
			b.recs[i].Headers = headers
		}
	}
	for i := range b.recs {
		p.client.Produce(rctx, &b.recs[i], b.promise)
	}
	var refusal error
	select { // refused is nil without a watch: select skips that case
	case <-b.done:
	case <-ctx.Done():
	case <-refused:
		// A connection that succeeded since clears the refusal: then
		// the records are left to kgo, bounded by ctx.
		if r := p.watch.failure(); r != nil {
			refusal = r
			cancel()
		}
		select {
		case <-b.done:
		case <-ctx.Done():
		}
	}
	b.mu.Lock()
	if left := b.left; left > 0 {
		b.left = -1 // late promises no longer count; the records stay kgo's
		b.mu.Unlock()
		return &core.ProduceError{Written: len(msgs) - b.failed - b.unknown - left, Failed: b.failed, Unknown: b.unknown + left, Err: ctx.Err()}
	}
	b.mu.Unlock()
	// Every promise has run: kgo holds none of the records any more. The
	// last one's done value is still buffered when ctx or a refusal ended
	// the wait first.
	select {
	case <-b.done:
	default:
	}
	defer b.recycle()
	if b.failed+b.unknown > 0 {
		err, failed, unknown := b.err, b.failed, b.unknown
		if refusal != nil && b.canceled > 0 && ctx.Err() == nil {
			// Cancelled by us after the brokers refused the client: those
			// were failed unsent. Others (a record in flight that timed
			// out) keep their unknown fate.
			if errors.Is(err, context.Canceled) {
				err = refusal
			}
			failed, unknown = failed+b.canceled, unknown-b.canceled
		}
		return &core.ProduceError{Written: len(msgs) - failed - unknown, Failed: failed, Unknown: unknown, Err: p.classify(err)}
	}
	for i := range b.recs {
		r := &b.recs[i]
		out[i] = core.Placement{Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp}
	}
	return nil
}

// mayBeWritten reports whether a record that failed with err may still
// have been written: Kafka refused it only when a broker answered with an
// error code that says it did not apply the write. A delivery timeout, a
// lost connection or a broker's own timeout leave its fate unknown.
func mayBeWritten(err error) bool {
	var ke *kerr.Error
	switch {
	case errors.Is(err, kgo.ErrRecordTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.Is(err, kerr.RequestTimedOut), errors.Is(err, kerr.NotEnoughReplicasAfterAppend):
		return true // the broker may have appended the batch before it answered
	}
	return !errors.As(err, &ke)
}

// batch counts one request's records down as franz-go answers them.
// Batches are reused (batchPool) once every promise has run, so that a
// request allocates no records of its own.
type batch struct {
	recs []kgo.Record
	done chan struct{} // receives one value when left reaches 0

	mu     sync.Mutex
	left   int // records not answered yet; -1 once Produce has returned early
	failed int // refused by Kafka: not written
	// unknown failed in a way that leaves them possibly written
	// (mayBeWritten): a delivery timeout, a lost connection.
	unknown int
	// canceled are the unknown ones that kgo failed because their
	// context was cancelled: unsent, when Produce cancelled it.
	canceled int
	err      error // the first failure, as kgo reported it
}

// promise is the one kgo promise of every record of the batch. kgo may
// call it from several goroutines at once.
func (b *batch) promise(_ *kgo.Record, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left <= 0 {
		return
	}
	if err != nil {
		if mayBeWritten(err) {
			b.unknown++
			if errors.Is(err, context.Canceled) {
				b.canceled++
			}
		} else {
			b.failed++
		}
		if b.err == nil {
			b.err = err
		}
	}
	if b.left--; b.left == 0 {
		b.done <- struct{}{} // buffered: never blocks kgo's promise goroutine
	}
}

// maxPooledRecords bounds the batches kept for reuse: a larger one (a
// request of more messages than core's default limit) is left to the GC.
const maxPooledRecords = 1024

var batchPool = sync.Pool{New: func() any { return &batch{done: make(chan struct{}, 1)} }}

// newBatch returns a batch of n zeroed records, all of them unanswered.
func newBatch(n int) *batch {
	b := batchPool.Get().(*batch)
	if cap(b.recs) < n {
		b.recs = make([]kgo.Record, n)
	}
	b.recs, b.left = b.recs[:n], n
	return b
}

// recycle returns a batch whose promises have all run (its done value
// received) to the pool, holding no reference to the request's bytes.
func (b *batch) recycle() {
	if cap(b.recs) > maxPooledRecords {
		return
	}
	clear(b.recs)
	b.recs = b.recs[:0]
	b.failed, b.unknown, b.canceled, b.err = 0, 0, 0, nil
	batchPool.Put(b)
}

func recordHeaders(hs []core.RecordHeader) []kgo.RecordHeader {
	out := make([]kgo.RecordHeader, len(hs))
	for i, h := range hs {
		out[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
	}
	return out
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

// Check asks the brokers for the metadata of topics, once, within ctx: it
// returns nil when a broker answers and every topic exists, and otherwise
// an error that says what is wrong (no broker answers; which topics are
// missing, and why when Kafka says something else). Readiness probes and
// the start-up check use it.
func (p *Producer) Check(ctx context.Context, topics []string) error {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false // a probe must not create what it checks
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, p.client)
	if err != nil {
		return fmt.Errorf("kafka: no broker answered a metadata request: %w", err)
	}
	var missing, failing []string
	for _, t := range resp.Topics {
		name := ""
		if t.Topic != nil {
			name = *t.Topic
		}
		switch err := kerr.ErrorForCode(t.ErrorCode); {
		case err == nil:
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			missing = append(missing, name)
		default:
			failing = append(failing, fmt.Sprintf("%s (%v)", name, err))
		}
	}
	switch {
	case len(missing) > 0 && len(failing) > 0:
		return fmt.Errorf("kafka: topics do not exist: %s; topics failing: %s", strings.Join(missing, ", "), strings.Join(failing, ", "))
	case len(missing) > 0:
		return fmt.Errorf("kafka: topics do not exist: %s", strings.Join(missing, ", "))
	case len(failing) > 0:
		return fmt.Errorf("kafka: topics failing: %s", strings.Join(failing, ", "))
	}
	return nil
}
