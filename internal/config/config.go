// Package config is httpkafka's configuration: one struct read from the
// environment with envconfig. Every variable, its default and its meaning
// are in the struct tags; README.md lists them and a test keeps the two in
// step. Only the function mains call Load.
package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Config is every setting httpkafka reads. The envconfig tags name each
// variable; desc is what `-help-env` and README.md say about it; a
// deployment file need not set the variables tagged deploy:"optional".
type Config struct {
	KafkaBrokers       []string      `envconfig:"KAFKA_BROKERS" desc:"comma-separated Kafka bootstrap brokers (host:port); empty in local mode starts an embedded Kafka"`
	KafkaClientID      string        `envconfig:"KAFKA_CLIENT_ID" default:"httpkafka" desc:"client id the producer gives Kafka"`
	KafkaSASLMechanism string        `envconfig:"KAFKA_SASL_MECHANISM" desc:"PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM (signs with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, re-read for each connection); empty for no SASL"`
	KafkaSASLUser      string        `envconfig:"KAFKA_SASL_USER" desc:"SASL user name (for CKafka: instanceId#user)"`
	KafkaSASLPassword  string        `envconfig:"KAFKA_SASL_PASSWORD" desc:"SASL password"`
	KafkaSASLSecret    string        `envconfig:"KAFKA_SASL_PASSWORD_SECRET" deploy:"optional" desc:"Lambda: read the SASL password from this Secrets Manager secret (ARN or name) or SSM parameter (ssm:/name) through the AWS Parameters and Secrets Lambda Extension"`
	KafkaTLS           bool          `envconfig:"KAFKA_TLS" default:"false" desc:"connect to the brokers over TLS, trusting the system's roots; any KAFKA_TLS_* setting turns it on"`
	KafkaTLSCA         string        `envconfig:"KAFKA_TLS_CA" deploy:"optional" desc:"CA certificates (PEM, or the path of a PEM file) that sign the brokers' certificates, instead of the system's roots"`
	KafkaTLSCert       string        `envconfig:"KAFKA_TLS_CERT" deploy:"optional" desc:"client certificate for mutual TLS (PEM or a path), with KAFKA_TLS_KEY"`
	KafkaTLSKey        string        `envconfig:"KAFKA_TLS_KEY" deploy:"optional" desc:"client certificate's private key (PEM or a path), with KAFKA_TLS_CERT"`
	KafkaTLSServerName string        `envconfig:"KAFKA_TLS_SERVER_NAME" deploy:"optional" desc:"name the brokers' certificates must carry, instead of each broker's host name"`
	KafkaTLSInsecure   bool          `envconfig:"KAFKA_TLS_INSECURE_SKIP_VERIFY" deploy:"optional" default:"false" desc:"true: do not check the brokers' certificates at all (warned about at start-up; for tests only)"`
	KafkaCompression   string        `envconfig:"KAFKA_COMPRESSION" deploy:"optional" desc:"none, gzip, snappy, lz4 or zstd; empty keeps franz-go's default, snappy (a batch is sent compressed only if that makes it smaller)"`
	KafkaDelivery      time.Duration `envconfig:"KAFKA_DELIVERY_TIMEOUT" default:"8s" desc:"how long a message may wait to be written before it fails; at least 1s and below DATAHUB_REQUEST_TIMEOUT. Unset, it follows DATAHUB_REQUEST_TIMEOUT: 8s, or 4/5 of a request timeout under 10s"`
	KafkaProduce       time.Duration `envconfig:"KAFKA_PRODUCE_TIMEOUT" default:"5s" desc:"how long a broker may take to answer one produce request before it is retried"`
	KafkaRetries       int           `envconfig:"KAFKA_RECORD_RETRIES" default:"10" desc:"retries of a failed write before the broker's error is answered; 0 retries until KAFKA_DELIVERY_TIMEOUT"`

	AccessPoints    AccessPoints  `envconfig:"DATAHUB_ACCESS_POINTS" desc:"access points and their topics: datahub-abc=topicDev,datahub-def=topicProd; without KAFKA_BROKERS (local mode) it defaults to datahub-local=local"`
	Suspended       []string      `envconfig:"DATAHUB_SUSPENDED" desc:"comma-separated access point ids whose task is paused (they answer FailedOperation)"`
	MaxMessages     int           `envconfig:"DATAHUB_MAX_MESSAGES" default:"500" desc:"most messages in one request"`
	MaxMessageBytes int           `envconfig:"DATAHUB_MAX_MESSAGE_BYTES" default:"1000000" desc:"largest message, Body plus Key, in bytes; one such message in a record batch fits Kafka's default max.message.bytes (1048588)"`
	MaxRequestBytes int           `envconfig:"DATAHUB_MAX_REQUEST_BYTES" default:"6291456" desc:"largest request body in bytes (6 MiB, the synchronous-invocation limit). Unset, it follows DATAHUB_MAX_MESSAGE_BYTES: at least that plus 64 KiB"`
	RequestTimeout  time.Duration `envconfig:"DATAHUB_REQUEST_TIMEOUT" default:"10s" desc:"longest time from receiving a request to answering it"`

	Credentials       Credentials `envconfig:"DATAHUB_CREDENTIALS" type:"SecretId:SecretKey[:ids],..." desc:"API keys that may sign requests, comma-separated SecretId:SecretKey[:datahubId|datahubId...]; with the access point list the key may send only to those"`
	CredentialsSecret string      `envconfig:"DATAHUB_CREDENTIALS_SECRET" deploy:"optional" desc:"Lambda: read more DATAHUB_CREDENTIALS (same form) from this Secrets Manager secret (ARN or name) or SSM parameter (ssm:/name) through the AWS Parameters and Secrets Lambda Extension"`
	ConfigFile        string      `envconfig:"DATAHUB_CONFIG_FILE" deploy:"optional" desc:"YAML (or JSON) file with accessPoints and credentials, beyond the 4 KB environment; for an id or SecretId in both, the environment wins; suspensions add up"`
	Hosts             []string    `envconfig:"DATAHUB_HOSTS" desc:"comma-separated host names requests may be signed for (the endpoint's own, without port); empty accepts the host each request was sent to"`
	Auth              string      `envconfig:"DATAHUB_AUTH" shown_default:"tc3" desc:"tc3 (the default): every request must be signed (TC3-HMAC-SHA256, HmacSHA256 or HmacSHA1) with a DATAHUB_CREDENTIALS key; none: no signature checks. Local mode without credentials defaults to none"`

	CORSOrigins   []string `envconfig:"DATAHUB_CORS_ORIGINS" desc:"browser origins allowed to call the endpoint (CORS), comma-separated, such as https://app.example.com; * allows any; empty turns CORS off"`
	RecordHeaders []string `envconfig:"DATAHUB_RECORD_HEADERS" desc:"record headers added to every message, comma-separated: request-id, source-ip, received, traceparent; empty adds none"`

	IdempotencyStore    string        `envconfig:"DATAHUB_IDEMPOTENCY_STORE" desc:"redis:// or rediss:// URL (redis://:password@host:6379/0) of the Redis 7+ store that makes requests with a ClientToken or Idempotency-Key write once; empty: no deduplication"`
	IdempotencyTTL      time.Duration `envconfig:"DATAHUB_IDEMPOTENCY_TTL" default:"24h" desc:"how long the outcome of a keyed request is kept and replayed"`
	IdempotencyFailOpen bool          `envconfig:"DATAHUB_IDEMPOTENCY_FAIL_OPEN" default:"false" desc:"true: when the store cannot be reached, produce keyed requests without deduplication instead of answering ResourceUnavailable"`
	ReplayProtection    bool          `envconfig:"DATAHUB_REPLAY_PROTECTION" default:"false" desc:"true: refuse a TC3 signature already used (needs DATAHUB_IDEMPOTENCY_STORE)"`

	LogLevel slog.Level `envconfig:"LOG_LEVEL" default:"INFO" desc:"DEBUG, INFO, WARN or ERROR"`

	tls *tls.Config // built from the KAFKA_TLS settings by Load
}

// TLS is the TLS configuration the KAFKA_TLS settings describe, nil for
// plaintext.
func (c *Config) TLS() *tls.Config { return c.tls }

// HTTPServer is what only the plain HTTP server (functions/http) reads:
// its limits on hostile or slow clients and whether a proxy in front of
// it may name the host. Functions behind a platform gateway have the
// gateway's limits instead.
type HTTPServer struct {
	MaxInflightBytes   int64 `envconfig:"DATAHUB_MAX_INFLIGHT_BYTES" default:"268435456" desc:"most request body bytes held by all requests in flight together (256 MiB); a request that would exceed it is answered RequestLimitExceeded"`
	TrustForwardedHost bool  `envconfig:"DATAHUB_TRUST_FORWARDED_HOST" default:"false" desc:"also accept signatures for the host in X-Forwarded-Host; set it only behind a proxy that writes that header itself"`
}

// LoadHTTPServer reads the HTTP server's settings from the environment.
func LoadHTTPServer() (*HTTPServer, error) {
	var h HTTPServer
	if err := envconfig.Process("", &h); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("config: %s=%q is not %s: %v", pe.KeyName, pe.Value, kinds[pe.TypeName], pe.Err)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	if h.MaxInflightBytes < 1 {
		return nil, fmt.Errorf("config: DATAHUB_MAX_INFLIGHT_BYTES: %d, want at least 1", h.MaxInflightBytes)
	}
	return &h, nil
}

// AccessPoints maps access point ids to topics. It reads the
// id=topic,id=topic form of DATAHUB_ACCESS_POINTS.
type AccessPoints map[string]string

// Decode implements envconfig.Decoder.
func (a *AccessPoints) Decode(value string) error {
	m := AccessPoints{}
	for _, pair := range strings.Split(value, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		id, topic, ok := strings.Cut(pair, "=")
		id, topic = strings.TrimSpace(id), strings.TrimSpace(topic)
		if !ok || id == "" || topic == "" {
			return fmt.Errorf("%q is not id=topic", pair)
		}
		if _, dup := m[id]; dup {
			return fmt.Errorf("access point %s is listed twice", id)
		}
		m[id] = topic
	}
	*a = m
	return nil
}

// Credential is one API key of DATAHUB_CREDENTIALS.
type Credential struct {
	SecretID  string
	SecretKey string
	// DataHubIDs limits the key to these access points; nil allows all.
	DataHubIDs []string
}

// String shows the SecretId and access points, never the SecretKey.
func (c Credential) String() string {
	s := c.SecretID + ":***"
	if c.DataHubIDs != nil {
		s += ":" + strings.Join(c.DataHubIDs, "|")
	}
	return s
}

// Credentials reads the SecretId:SecretKey[:datahubId|datahubId],...
// form of DATAHUB_CREDENTIALS. Its errors never contain a SecretKey.
type Credentials []Credential

// Decode implements envconfig.Decoder.
func (cs *Credentials) Decode(value string) error {
	var out Credentials
	for i, entry := range strings.Split(value, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		parts := strings.Split(entry, ":")
		id := strings.TrimSpace(parts[0])
		if len(parts) < 2 || len(parts) > 3 || id == "" || strings.TrimSpace(parts[1]) == "" {
			return fmt.Errorf("entry %d is not SecretId:SecretKey[:datahubId|datahubId...]", i+1)
		}
		c := Credential{SecretID: id, SecretKey: strings.TrimSpace(parts[1])}
		if !validID.MatchString(c.SecretID) { // not shown: it may be the tail of a key holding ','
			return fmt.Errorf("entry %d: the SecretId may hold only letters, digits, '.', '_' and '-'; a SecretKey may not contain ',' or ':'", i+1)
		}
		if strings.ContainsAny(c.SecretKey, " \t") {
			return fmt.Errorf("entry %d (%s): the SecretKey contains white space", i+1, c.SecretID)
		}
		if len(parts) == 3 {
			// A SecretKey holding ':' lands here, its tail read as the
			// list: the error repeats no part of the entry but the SecretId.
			c.DataHubIDs = []string{}
			for _, dh := range strings.Split(parts[2], "|") {
				dh = strings.TrimSpace(dh)
				if !validID.MatchString(dh) {
					return fmt.Errorf("entry %d (%s): the third field must be access point ids (letters, digits, '.', '_' and '-') separated by '|'; a SecretKey may not contain ':'", i+1, c.SecretID)
				}
				c.DataHubIDs = append(c.DataHubIDs, dh)
			}
		}
		for _, prev := range out {
			if prev.SecretID == c.SecretID {
				return fmt.Errorf("SecretId %s is listed twice", c.SecretID)
			}
		}
		out = append(out, c)
	}
	if len(out) == 0 && value != "" {
		// Set but blank (" , "): read as no keys, local mode would serve
		// unsigned requests. Unset it to mean that.
		return errors.New("the value is set but names no key: give SecretId:SecretKey entries, or unset the variable")
	}
	*cs = out
	return nil
}

// Values of DATAHUB_AUTH.
const (
	AuthTC3  = "tc3"
	AuthNone = "none"
)

// kinds names the values envconfig parses, for error messages.
var kinds = map[string]string{
	"int":                 "a whole number",
	"int64":               "a whole number",
	"bool":                "true or false",
	"time.Duration":       "a duration such as 10s or 500ms",
	"slog.Level":          "a log level",
	"config.AccessPoints": "a list of id=topic pairs",
}

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// maxTopicLength is Kafka's limit on a topic name.
const maxTopicLength = 249

// validTopic reports whether topic is a name Kafka accepts: 1 to 249 of
// A-Z a-z 0-9 . _ - (a loop: the regexp of it compiled 249 repetitions at
// every process start, 0.7 ms of each cold start).
func validTopic(topic string) bool {
	if len(topic) == 0 || len(topic) > maxTopicLength {
		return false
	}
	for i := range len(topic) {
		switch c := topic[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// Local mode's access point, when KAFKA_BROKERS and DATAHUB_ACCESS_POINTS
// are both empty.
const (
	LocalAccessPoint = "datahub-local"
	LocalTopic       = "local"
)

// Problems is the error for every configuration problem found at once:
// "config: " and the one problem, or how many there are and each in turn.
func Problems(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("config: %w", errs[0])
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = fmt.Sprintf("(%d) %v", i+1, e)
	}
	return &problems{errs: errs, msg: fmt.Sprintf("config: %d problems: %s", len(errs), strings.Join(msgs, "; "))}
}

type problems struct {
	errs []error
	msg  string
}

func (p *problems) Error() string   { return p.msg }
func (p *problems) Unwrap() []error { return p.errs }

// Defaults that follow another setting when their own variable is unset.
const (
	defaultDelivery     = 8 * time.Second
	requestBytesHeadway = 64 << 10 // the envelope around the largest message
)

// Load reads the configuration from the environment and checks it. Its
// error is one line that names every variable at fault.
func Load() (*Config, error) {
	var c Config
	if errs := process(&c); len(errs) > 0 {
		return nil, Problems(errs)
	}
	if err := c.loadFile(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.readSecrets(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(c.KafkaBrokers) == 0 && len(c.AccessPoints) == 0 {
		c.AccessPoints = AccessPoints{LocalAccessPoint: LocalTopic}
	}
	c.follow(isSet)
	if errs := c.check(isSet); len(errs) > 0 {
		return nil, Problems(errs)
	}
	tc, err := c.buildTLS()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.tls = tc
	return &c, nil
}

// process reads every variable into c, each on its own, so that every
// malformed value is reported, not only the first envconfig meets.
func process(c *Config) []error {
	v := reflect.ValueOf(c).Elem()
	var errs []error
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue // built by Load, not read
		}
		one := reflect.New(reflect.StructOf([]reflect.StructField{{Name: f.Name, Type: f.Type, Tag: f.Tag}}))
		if err := envconfig.Process("", one.Interface()); err != nil {
			errs = append(errs, parseError(err))
			continue
		}
		v.Field(i).Set(one.Elem().Field(0))
	}
	return errs
}

// parseError says which variable is malformed and what it should be.
func parseError(err error) error {
	var pe *envconfig.ParseError
	switch {
	case errors.As(err, &pe) && pe.KeyName == "DATAHUB_CREDENTIALS": // never echo secret keys
		return fmt.Errorf("DATAHUB_CREDENTIALS: %v", pe.Err)
	case errors.As(err, &pe):
		return fmt.Errorf("%s=%q is not %s: %v", pe.KeyName, pe.Value, kinds[pe.TypeName], pe.Err)
	}
	return err
}

// isSet reports whether the variable is set in the environment.
func isSet(name string) bool {
	_, ok := os.LookupEnv(name)
	return ok
}

// follow makes the defaults that depend on another setting follow it when
// the user set that one and not their own: a shorter request timeout
// shortens the delivery timeout, a larger message limit raises the
// request limit. Errors then name the variable the user set.
func (c *Config) follow(set func(string) bool) {
	if !set("KAFKA_DELIVERY_TIMEOUT") && c.RequestTimeout > 0 && c.KafkaDelivery >= c.RequestTimeout {
		c.KafkaDelivery = min(defaultDelivery, c.RequestTimeout*4/5)
	}
	if !set("DATAHUB_MAX_REQUEST_BYTES") && c.MaxMessageBytes > 0 && c.MaxRequestBytes < c.MaxMessageBytes+requestBytesHeadway {
		c.MaxRequestBytes = c.MaxMessageBytes + requestBytesHeadway
	}
}

// check returns every problem of c, in the order of the variables.
func (c *Config) check(set func(string) bool) []error {
	var errs []error
	problem := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, b := range c.KafkaBrokers {
		host, port, err := net.SplitHostPort(strings.TrimSpace(b))
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			problem("KAFKA_BROKERS: %q is not host:port", b)
		}
	}
	if len(c.KafkaBrokers) > 0 && len(c.AccessPoints) == 0 {
		problem("DATAHUB_ACCESS_POINTS is empty: name at least one access point and its topic (datahub-abc=topicDev)")
	}
	ids := make([]string, 0, len(c.AccessPoints))
	for id := range c.AccessPoints {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		topic := c.AccessPoints[id]
		if !validID.MatchString(id) {
			problem("DATAHUB_ACCESS_POINTS: access point id %q may hold only letters, digits, '.', '_' and '-'", id)
		}
		if !validTopic(topic) || topic == "." || topic == ".." {
			problem("DATAHUB_ACCESS_POINTS: %q is not a valid Kafka topic name (for %s)", topic, id)
		}
	}
	for _, id := range c.Suspended {
		if _, ok := c.AccessPoints[id]; !ok {
			problem("DATAHUB_SUSPENDED: %s is not in DATAHUB_ACCESS_POINTS", id)
		}
	}
	for _, cred := range c.Credentials {
		for i, id := range cred.DataHubIDs {
			// Not named: the list may be the tail of a SecretKey holding ':'.
			if _, ok := c.AccessPoints[id]; !ok {
				problem("DATAHUB_CREDENTIALS: %s: access point %d of its list is not in DATAHUB_ACCESS_POINTS (or the SecretKey holds ':', and a SecretKey may not contain ':')", cred.SecretID, i+1)
			}
		}
	}
	switch c.Auth {
	case "", AuthTC3:
		if len(c.KafkaBrokers) > 0 && len(c.Credentials) == 0 {
			// Deployed on a real cluster: signatures are required.
			problem("DATAHUB_CREDENTIALS is empty, and DATAHUB_AUTH=tc3 (the default) requires signed requests; " +
				"set DATAHUB_CREDENTIALS=SecretId:SecretKey, or DATAHUB_AUTH=none to accept unsigned requests")
		}
	case AuthNone:
	default:
		problem("DATAHUB_AUTH: %q is not tc3 or none", c.Auth)
	}
	switch c.KafkaSASLMechanism {
	case "":
		if c.KafkaSASLUser != "" || c.KafkaSASLPassword != "" {
			problem("KAFKA_SASL_MECHANISM is empty, but KAFKA_SASL_USER or KAFKA_SASL_PASSWORD is set: name the mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)")
		}
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		if c.KafkaSASLUser == "" || c.KafkaSASLPassword == "" {
			problem("KAFKA_SASL_MECHANISM is %s: set KAFKA_SASL_USER and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_SECRET) too", c.KafkaSASLMechanism)
		}
	case MechanismMSKIAM:
		if c.KafkaSASLUser != "" || c.KafkaSASLPassword != "" {
			problem("KAFKA_SASL_MECHANISM is AWS_MSK_IAM, which signs with the function's AWS credentials: leave KAFKA_SASL_USER and KAFKA_SASL_PASSWORD empty")
		}
		if _, err := AWSCredentials(); err != nil {
			errs = append(errs, err)
		}
	default:
		problem("KAFKA_SASL_MECHANISM: %q is not PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM", c.KafkaSASLMechanism)
	}
	switch c.KafkaCompression {
	case "", "none", "gzip", "snappy", "lz4", "zstd":
	default:
		problem("KAFKA_COMPRESSION: %q is not none, gzip, snappy, lz4 or zstd", c.KafkaCompression)
	}
	if c.MaxMessages < 1 {
		problem("DATAHUB_MAX_MESSAGES: %d, want at least 1", c.MaxMessages)
	}
	if c.MaxMessageBytes < 1 {
		problem("DATAHUB_MAX_MESSAGE_BYTES: %d, want at least 1", c.MaxMessageBytes)
	} else if c.MaxRequestBytes < c.MaxMessageBytes {
		problem("DATAHUB_MAX_REQUEST_BYTES: %d, want at least DATAHUB_MAX_MESSAGE_BYTES (%d)", c.MaxRequestBytes, c.MaxMessageBytes)
	}
	switch {
	case c.RequestTimeout <= 0:
		problem("DATAHUB_REQUEST_TIMEOUT: %s, want more than 0", c.RequestTimeout)
	case (c.KafkaDelivery < time.Second || c.KafkaDelivery >= c.RequestTimeout) && !set("KAFKA_DELIVERY_TIMEOUT"):
		// The delivery timeout followed the request timeout and is still
		// out of range: the request timeout is what the user set.
		problem("DATAHUB_REQUEST_TIMEOUT: %s, want more than 1.25s (KAFKA_DELIVERY_TIMEOUT, 4/5 of it when unset, must be at least 1s)", c.RequestTimeout)
	case c.KafkaDelivery < time.Second || c.KafkaDelivery >= c.RequestTimeout:
		// franz-go refuses a delivery timeout under one second.
		problem("KAFKA_DELIVERY_TIMEOUT: %s, want at least 1s and less than DATAHUB_REQUEST_TIMEOUT (%s)", c.KafkaDelivery, c.RequestTimeout)
	}
	if c.KafkaRetries < 0 {
		problem("KAFKA_RECORD_RETRIES: %d, want 0 or more", c.KafkaRetries)
	}
	if c.KafkaProduce <= 0 {
		problem("KAFKA_PRODUCE_TIMEOUT: %s, want more than 0", c.KafkaProduce)
	}
	for _, h := range c.RecordHeaders {
		if !slices.Contains(recordHeaders, h) {
			problem("DATAHUB_RECORD_HEADERS: %q is not one of %s", h, strings.Join(recordHeaders, ", "))
		}
	}
	for _, o := range c.CORSOrigins {
		if o != "*" && !validOrigin.MatchString(o) {
			problem("DATAHUB_CORS_ORIGINS: %q is not * or an origin such as https://app.example.com (scheme, host and optional port, no path)", o)
		}
	}
	if c.IdempotencyStore != "" && !strings.HasPrefix(c.IdempotencyStore, "redis://") && !strings.HasPrefix(c.IdempotencyStore, "rediss://") {
		problem("DATAHUB_IDEMPOTENCY_STORE: want a redis:// or rediss:// URL (redis://:password@host:6379/0)")
	}
	if c.IdempotencyTTL < time.Second {
		problem("DATAHUB_IDEMPOTENCY_TTL: %s, want at least 1s", c.IdempotencyTTL)
	}
	if c.ReplayProtection && c.IdempotencyStore == "" {
		problem("DATAHUB_REPLAY_PROTECTION=true needs DATAHUB_IDEMPOTENCY_STORE to remember signatures")
	}
	if c.ReplayProtection && c.Auth == AuthNone {
		problem("DATAHUB_REPLAY_PROTECTION=true needs signatures, and DATAHUB_AUTH is none")
	}
	return errs
}

// recordHeaders are the values DATAHUB_RECORD_HEADERS may hold (core's
// RecordHeader* names; config does not import core).
var recordHeaders = []string{"request-id", "source-ip", "received", "traceparent"}

var validOrigin = regexp.MustCompile(`^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$`)

// usageFormat is envconfig's table, with the type and default a field's
// type and shown_default tags give where envconfig's own would be wrong
// (a list of structs) or blank (a default that depends on the mode).
const usageFormat = `This application is configured via the environment. The following environment
variables can be used:

KEY	TYPE	DEFAULT	REQUIRED	DESCRIPTION
{{range .}}{{usage_key .}}	{{with .Tags.Get "type"}}{{.}}{{else}}{{usage_type .}}{{end}}	{{with .Tags.Get "shown_default"}}{{.}}{{else}}{{usage_default .}}{{end}}	{{usage_required .}}	{{usage_description .}}
{{end}}`

// usageRows is usageFormat's rows without its header, for more specs in
// the same table.
const usageRows = `{{range .}}{{usage_key .}}	{{with .Tags.Get "type"}}{{.}}{{else}}{{usage_type .}}{{end}}	{{with .Tags.Get "shown_default"}}{{.}}{{else}}{{usage_default .}}{{end}}	{{usage_required .}}	{{usage_description .}}
{{end}}`

// Usage writes the variables, their defaults and descriptions (envconfig's
// table) of Config and of the extra specs given (such as HTTPServer).
func Usage(extra ...any) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	envconfig.Usagef("", &Config{}, tw, usageFormat)
	for _, spec := range extra {
		envconfig.Usagef("", spec, tw, usageRows)
	}
	tw.Flush()
	return b.String()
}
