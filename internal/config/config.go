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
	"regexp"
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
	KafkaDelivery      time.Duration `envconfig:"KAFKA_DELIVERY_TIMEOUT" default:"8s" desc:"how long a message may wait to be written before it fails; must be below DATAHUB_REQUEST_TIMEOUT"`
	KafkaProduce       time.Duration `envconfig:"KAFKA_PRODUCE_TIMEOUT" default:"5s" desc:"how long a broker may take to answer one produce request before it is retried"`
	KafkaRetries       int           `envconfig:"KAFKA_RECORD_RETRIES" default:"10" desc:"retries of a failed write before the broker's error is answered; 0 retries until KAFKA_DELIVERY_TIMEOUT"`

	AccessPoints    AccessPoints  `envconfig:"DATAHUB_ACCESS_POINTS" desc:"access points and their topics: datahub-abc=topicDev,datahub-def=topicProd; without KAFKA_BROKERS (local mode) it defaults to datahub-local=local"`
	Suspended       []string      `envconfig:"DATAHUB_SUSPENDED" desc:"comma-separated access point ids whose task is paused (they answer FailedOperation)"`
	MaxMessages     int           `envconfig:"DATAHUB_MAX_MESSAGES" default:"500" desc:"most messages in one request"`
	MaxMessageBytes int           `envconfig:"DATAHUB_MAX_MESSAGE_BYTES" default:"1000000" desc:"largest message, Body plus Key, in bytes; one such message in a record batch fits Kafka's default max.message.bytes (1048588)"`
	MaxRequestBytes int           `envconfig:"DATAHUB_MAX_REQUEST_BYTES" default:"6291456" desc:"largest request body in bytes (6 MiB, the synchronous-invocation limit)"`
	RequestTimeout  time.Duration `envconfig:"DATAHUB_REQUEST_TIMEOUT" default:"10s" desc:"longest time from receiving a request to answering it"`

	Credentials       Credentials `envconfig:"DATAHUB_CREDENTIALS" desc:"API keys that may sign requests, comma-separated SecretId:SecretKey[:datahubId|datahubId...]; with the access point list the key may send only to those"`
	CredentialsSecret string      `envconfig:"DATAHUB_CREDENTIALS_SECRET" deploy:"optional" desc:"Lambda: read more DATAHUB_CREDENTIALS (same form) from this Secrets Manager secret (ARN or name) or SSM parameter (ssm:/name) through the AWS Parameters and Secrets Lambda Extension"`
	ConfigFile        string      `envconfig:"DATAHUB_CONFIG_FILE" deploy:"optional" desc:"YAML (or JSON) file with accessPoints and credentials, beyond the 4 KB environment; for an id or SecretId in both, the environment wins; suspensions add up"`
	Hosts             []string    `envconfig:"DATAHUB_HOSTS" desc:"comma-separated host names requests may be signed for (the endpoint's own, without port); empty accepts the host each request was sent to"`
	Auth              string      `envconfig:"DATAHUB_AUTH" desc:"tc3 (the default): every request must be signed (TC3-HMAC-SHA256, HmacSHA256 or HmacSHA1) with a DATAHUB_CREDENTIALS key; none: no signature checks. Local mode without credentials defaults to none"`

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

var (
	validID    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	validTopic = regexp.MustCompile(`^[A-Za-z0-9._-]{1,249}$`)
)

// Local mode's access point, when KAFKA_BROKERS and DATAHUB_ACCESS_POINTS
// are both empty.
const (
	LocalAccessPoint = "datahub-local"
	LocalTopic       = "local"
)

// Load reads the configuration from the environment and checks it. Its
// error is one line that names the variable at fault.
func Load() (*Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) && pe.KeyName == "DATAHUB_CREDENTIALS" { // never echo secret keys
			return nil, fmt.Errorf("config: DATAHUB_CREDENTIALS: %v", pe.Err)
		}
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("config: %s=%q is not %s: %v", pe.KeyName, pe.Value, kinds[pe.TypeName], pe.Err)
		}
		return nil, fmt.Errorf("config: %w", err)
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
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	tc, err := c.buildTLS()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.tls = tc
	return &c, nil
}

func (c *Config) check() error {
	for _, b := range c.KafkaBrokers {
		host, port, err := net.SplitHostPort(strings.TrimSpace(b))
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return fmt.Errorf("KAFKA_BROKERS: %q is not host:port", b)
		}
	}
	if len(c.KafkaBrokers) > 0 && len(c.AccessPoints) == 0 {
		return errors.New("DATAHUB_ACCESS_POINTS is empty: name at least one access point and its topic (datahub-abc=topicDev)")
	}
	for id, topic := range c.AccessPoints {
		if !validID.MatchString(id) {
			return fmt.Errorf("DATAHUB_ACCESS_POINTS: access point id %q may hold only letters, digits, '.', '_' and '-'", id)
		}
		if !validTopic.MatchString(topic) || topic == "." || topic == ".." {
			return fmt.Errorf("DATAHUB_ACCESS_POINTS: %q is not a valid Kafka topic name (for %s)", topic, id)
		}
	}
	for _, id := range c.Suspended {
		if _, ok := c.AccessPoints[id]; !ok {
			return fmt.Errorf("DATAHUB_SUSPENDED: %s is not in DATAHUB_ACCESS_POINTS", id)
		}
	}
	for _, cred := range c.Credentials {
		for i, id := range cred.DataHubIDs {
			// Not named: the list may be the tail of a SecretKey holding ':'.
			if _, ok := c.AccessPoints[id]; !ok {
				return fmt.Errorf("DATAHUB_CREDENTIALS: %s: access point %d of its list is not in DATAHUB_ACCESS_POINTS (or the SecretKey holds ':', and a SecretKey may not contain ':')", cred.SecretID, i+1)
			}
		}
	}
	switch c.Auth {
	case "", AuthTC3, AuthNone:
	default:
		return fmt.Errorf("DATAHUB_AUTH: %q is not tc3 or none", c.Auth)
	}
	switch c.KafkaSASLMechanism {
	case "":
		if c.KafkaSASLUser != "" || c.KafkaSASLPassword != "" {
			return errors.New("KAFKA_SASL_MECHANISM is empty, but KAFKA_SASL_USER or KAFKA_SASL_PASSWORD is set: name the mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)")
		}
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		if c.KafkaSASLUser == "" || c.KafkaSASLPassword == "" {
			return fmt.Errorf("KAFKA_SASL_MECHANISM is %s: set KAFKA_SASL_USER and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_SECRET) too", c.KafkaSASLMechanism)
		}
	case MechanismMSKIAM:
		if c.KafkaSASLUser != "" || c.KafkaSASLPassword != "" {
			return errors.New("KAFKA_SASL_MECHANISM is AWS_MSK_IAM, which signs with the function's AWS credentials: leave KAFKA_SASL_USER and KAFKA_SASL_PASSWORD empty")
		}
		if _, err := AWSCredentials(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("KAFKA_SASL_MECHANISM: %q is not PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM", c.KafkaSASLMechanism)
	}
	switch c.KafkaCompression {
	case "", "none", "gzip", "snappy", "lz4", "zstd":
	default:
		return fmt.Errorf("KAFKA_COMPRESSION: %q is not none, gzip, snappy, lz4 or zstd", c.KafkaCompression)
	}
	switch {
	case c.MaxMessages < 1:
		return fmt.Errorf("DATAHUB_MAX_MESSAGES: %d, want at least 1", c.MaxMessages)
	case c.MaxMessageBytes < 1:
		return fmt.Errorf("DATAHUB_MAX_MESSAGE_BYTES: %d, want at least 1", c.MaxMessageBytes)
	case c.MaxRequestBytes < c.MaxMessageBytes:
		return fmt.Errorf("DATAHUB_MAX_REQUEST_BYTES: %d, want at least DATAHUB_MAX_MESSAGE_BYTES (%d)", c.MaxRequestBytes, c.MaxMessageBytes)
	case c.RequestTimeout <= 0:
		return fmt.Errorf("DATAHUB_REQUEST_TIMEOUT: %s, want more than 0", c.RequestTimeout)
	case c.KafkaDelivery < time.Second || c.KafkaDelivery >= c.RequestTimeout:
		// franz-go refuses a delivery timeout under one second.
		return fmt.Errorf("KAFKA_DELIVERY_TIMEOUT: %s, want at least 1s and less than DATAHUB_REQUEST_TIMEOUT (%s)", c.KafkaDelivery, c.RequestTimeout)
	case c.KafkaRetries < 0:
		return fmt.Errorf("KAFKA_RECORD_RETRIES: %d, want 0 or more", c.KafkaRetries)
	case c.KafkaProduce <= 0:
		return fmt.Errorf("KAFKA_PRODUCE_TIMEOUT: %s, want more than 0", c.KafkaProduce)
	}
	return nil
}

// Usage writes the variables, their defaults and descriptions (envconfig's
// table) of Config and of the extra specs given (such as HTTPServer).
func Usage(extra ...any) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	envconfig.Usagef("", &Config{}, tw, envconfig.DefaultTableFormat)
	for _, spec := range extra { // more rows of the same table
		envconfig.Usagef("", spec, tw, "{{range .}}{{usage_key .}}\t{{usage_type .}}\t{{usage_default .}}\t{{usage_required .}}\t{{usage_description .}}\n{{end}}")
	}
	tw.Flush()
	return b.String()
}
