package config

import (
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// setenv clears every variable Config reads, then sets env.
func setenv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, name := range variables() {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// variables lists the envconfig names of Config's fields.
func variables() []string {
	var names []string
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		if name := typ.Field(i).Tag.Get("envconfig"); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func TestDefaults(t *testing.T) {
	setenv(t, nil)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxMessages != 500 || c.MaxMessageBytes != 1000000 || c.MaxRequestBytes != 6<<20 ||
		c.RequestTimeout != 10*time.Second || c.LogLevel != slog.LevelInfo || len(c.KafkaBrokers) != 0 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestLoad(t *testing.T) {
	setenv(t, map[string]string{
		"KAFKA_BROKERS":         "b1:9092,b2:9092",
		"DATAHUB_ACCESS_POINTS": " datahub-abc=topicDev , datahub-def=topicProd",
		"DATAHUB_SUSPENDED":     "datahub-def",
		"DATAHUB_MAX_MESSAGES":  "100",
		"DATAHUB_CREDENTIALS":   "AKID1:key1",
		"LOG_LEVEL":             "debug",
	})
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := AccessPoints{"datahub-abc": "topicDev", "datahub-def": "topicProd"}
	if !reflect.DeepEqual(c.AccessPoints, want) || !slices.Equal(c.KafkaBrokers, []string{"b1:9092", "b2:9092"}) ||
		!slices.Equal(c.Suspended, []string{"datahub-def"}) || c.MaxMessages != 100 || c.LogLevel != slog.LevelDebug {
		t.Errorf("got %+v", c)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tt := range []struct{ env, value, want string }{
		{"DATAHUB_MAX_MESSAGES", "lots", `config: DATAHUB_MAX_MESSAGES="lots" is not a whole number`},
		{"DATAHUB_MAX_MESSAGES", "0", "config: DATAHUB_MAX_MESSAGES: 0, want at least 1"},
		{"DATAHUB_REQUEST_TIMEOUT", "10", `config: DATAHUB_REQUEST_TIMEOUT="10" is not a duration such as 10s or 500ms`},
		{"DATAHUB_ACCESS_POINTS", "datahub-a", `config: DATAHUB_ACCESS_POINTS="datahub-a" is not a list of id=topic pairs: "datahub-a" is not id=topic`},
		{"DATAHUB_ACCESS_POINTS", "datahub-a=t,datahub-a=u", "access point datahub-a is listed twice"},
		{"DATAHUB_ACCESS_POINTS", "datahub:a=t", `config: DATAHUB_ACCESS_POINTS: access point id "datahub:a" may hold only letters`},
		{"DATAHUB_ACCESS_POINTS", "datahub-a=bad topic", `config: DATAHUB_ACCESS_POINTS: "bad topic" is not a valid Kafka topic name (for datahub-a)`},
		{"DATAHUB_SUSPENDED", "datahub-x", "config: DATAHUB_SUSPENDED: datahub-x is not in DATAHUB_ACCESS_POINTS"},
		{"KAFKA_SASL_MECHANISM", "GSSAPI", `config: KAFKA_SASL_MECHANISM: "GSSAPI" is not PLAIN`},
		{"KAFKA_DELIVERY_TIMEOUT", "20s", "config: KAFKA_DELIVERY_TIMEOUT: 20s, want at least 1s and less than DATAHUB_REQUEST_TIMEOUT (10s)"},
		{"KAFKA_TLS", "maybe", `config: KAFKA_TLS="maybe" is not true or false`},
		{"LOG_LEVEL", "loud", `config: LOG_LEVEL="loud" is not a log level`},
		{"KAFKA_BROKERS", "nohostport", `KAFKA_BROKERS: "nohostport" is not host:port`},
		{"KAFKA_BROKERS", "b1:9092,,b2:9092", `KAFKA_BROKERS: "" is not host:port`},
		{"KAFKA_BROKERS", "b1:http", `KAFKA_BROKERS: "b1:http" is not host:port`},
		{"KAFKA_SASL_USER", "user", "config: KAFKA_SASL_MECHANISM is empty, but KAFKA_SASL_USER or KAFKA_SASL_PASSWORD is set"},
		{"KAFKA_SASL_MECHANISM", "PLAIN", "config: KAFKA_SASL_MECHANISM is PLAIN: set KAFKA_SASL_USER and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_SECRET) too"},
		{"DATAHUB_MAX_REQUEST_BYTES", "10", "config: DATAHUB_MAX_REQUEST_BYTES: 10, want at least DATAHUB_MAX_MESSAGE_BYTES (1000000)"},
		// A delivery timeout that follows a too-short request timeout:
		// the error names the variable that was set.
		{"DATAHUB_REQUEST_TIMEOUT", "1s", "config: DATAHUB_REQUEST_TIMEOUT: 1s, want more than 1.25s"},
		{"DATAHUB_RECORD_HEADERS", "request-id,body", `config: DATAHUB_RECORD_HEADERS: "body" is not one of request-id, source-ip, received, traceparent`},
		{"DATAHUB_CORS_ORIGINS", "https://a.example/path", `config: DATAHUB_CORS_ORIGINS: "https://a.example/path" is not * or an origin`},
	} {
		setenv(t, map[string]string{tt.env: tt.value})
		_, err := Load()
		if err == nil {
			t.Errorf("%s=%s: no error", tt.env, tt.value)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%s: error %q, want one line containing %q", tt.env, tt.value, err, tt.want)
		}
	}
}

// TestAccessPointDefaults: local mode (no KAFKA_BROKERS) gets
// datahub-local -> local, which DATAHUB_SUSPENDED may name; a real cluster
// needs access points.
func TestAccessPointDefaults(t *testing.T) {
	setenv(t, map[string]string{"DATAHUB_SUSPENDED": "datahub-local"})
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.AccessPoints, AccessPoints{"datahub-local": "local"}) {
		t.Errorf("local mode access points %v", c.AccessPoints)
	}
	setenv(t, map[string]string{"KAFKA_BROKERS": "b1:9092", "DATAHUB_AUTH": "none"})
	if _, err := Load(); err == nil || !strings.HasPrefix(err.Error(), "config: DATAHUB_ACCESS_POINTS is empty") {
		t.Errorf("brokers without access points: %v", err)
	}
}

// TestEveryProblemAtOnce: a start with KAFKA_BROKERS alone names both
// missing settings, and every other problem, in one error.
func TestEveryProblemAtOnce(t *testing.T) {
	setenv(t, map[string]string{"KAFKA_BROKERS": "b1:9092", "DATAHUB_MAX_MESSAGES": "0"})
	_, err := Load()
	want := []string{"config: 3 problems: (1) DATAHUB_ACCESS_POINTS is empty", "(2) DATAHUB_CREDENTIALS is empty", "(3) DATAHUB_MAX_MESSAGES: 0"}
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v, want it to contain %q", err, w)
		}
	}
}

// TestEveryMalformedValueAtOnce: malformed values are reported together,
// each naming its variable.
func TestEveryMalformedValueAtOnce(t *testing.T) {
	setenv(t, map[string]string{"DATAHUB_MAX_MESSAGES": "lots", "KAFKA_TLS": "maybe", "DATAHUB_CREDENTIALS": "AKID1"})
	_, err := Load()
	for _, w := range []string{"config: 3 problems: ", `KAFKA_TLS="maybe" is not true or false`, `DATAHUB_MAX_MESSAGES="lots" is not a whole number`,
		"DATAHUB_CREDENTIALS: entry 1 is not SecretId:SecretKey"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v, want it to contain %q", err, w)
		}
	}
}

// TestDefaultsFollow: a default that depends on another setting follows
// it when only that one is set, and stays when both are.
func TestDefaultsFollow(t *testing.T) {
	for _, tt := range []struct {
		env          map[string]string
		delivery     time.Duration
		requestBytes int
	}{
		{map[string]string{"DATAHUB_REQUEST_TIMEOUT": "3s"}, 2400 * time.Millisecond, 6 << 20},
		{map[string]string{"DATAHUB_REQUEST_TIMEOUT": "30s"}, 8 * time.Second, 6 << 20},
		{map[string]string{"DATAHUB_REQUEST_TIMEOUT": "3s", "KAFKA_DELIVERY_TIMEOUT": "2s"}, 2 * time.Second, 6 << 20},
		{map[string]string{"DATAHUB_MAX_MESSAGE_BYTES": "10000000"}, 8 * time.Second, 10000000 + 64<<10},
		{map[string]string{"DATAHUB_MAX_MESSAGE_BYTES": "10000000", "DATAHUB_MAX_REQUEST_BYTES": "20000000"}, 8 * time.Second, 20000000},
	} {
		setenv(t, tt.env)
		c, err := Load()
		if err != nil {
			t.Errorf("%v: %v", tt.env, err)
			continue
		}
		if c.KafkaDelivery != tt.delivery || c.MaxRequestBytes != tt.requestBytes {
			t.Errorf("%v: delivery %s, request bytes %d; want %s, %d", tt.env, c.KafkaDelivery, c.MaxRequestBytes, tt.delivery, tt.requestBytes)
		}
	}
}

// TestREADMEDocumentsEveryVariable keeps README.md's table in step with Config.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var fields []reflect.StructField
	for _, typ := range []reflect.Type{reflect.TypeFor[Config](), reflect.TypeFor[HTTPServer]()} {
		for i := range typ.NumField() {
			fields = append(fields, typ.Field(i))
		}
	}
	for _, f := range fields {
		name := f.Tag.Get("envconfig")
		if name == "" {
			continue // not read from the environment
		}
		row := "| `" + name + "` |"
		idx := strings.Index(string(readme), row)
		if idx < 0 {
			t.Errorf("README.md has no table row starting %s", row)
			continue
		}
		line, _, _ := strings.Cut(string(readme[idx:]), "\n")
		if def := f.Tag.Get("default"); def != "" && !strings.Contains(line, "`"+def+"`") {
			t.Errorf("README.md row for %s does not give its default `%s`: %s", name, def, line)
		}
	}
}

func TestIdempotencySettings(t *testing.T) {
	setenv(t, map[string]string{"DATAHUB_IDEMPOTENCY_STORE": "rediss://:pw@cache.example:6380/1", "DATAHUB_IDEMPOTENCY_TTL": "1h", "DATAHUB_REPLAY_PROTECTION": "true"})
	c, err := Load()
	if err != nil || c.IdempotencyStore != "rediss://:pw@cache.example:6380/1" || c.IdempotencyTTL != time.Hour || !c.ReplayProtection || c.IdempotencyFailOpen {
		t.Fatalf("got %+v, %v", c, err)
	}
	for env, want := range map[string]string{
		"DATAHUB_IDEMPOTENCY_STORE=http://cache:6379":                                               "config: DATAHUB_IDEMPOTENCY_STORE: want a redis:// or rediss:// URL",
		"DATAHUB_IDEMPOTENCY_STORE=redis://c:6379,DATAHUB_IDEMPOTENCY_TTL=500ms":                    "config: DATAHUB_IDEMPOTENCY_TTL: 500ms, want at least 1s",
		"DATAHUB_REPLAY_PROTECTION=true":                                                            "needs DATAHUB_IDEMPOTENCY_STORE",
		"DATAHUB_REPLAY_PROTECTION=true,DATAHUB_IDEMPOTENCY_STORE=redis://c:6379,DATAHUB_AUTH=none": "needs signatures, and DATAHUB_AUTH is none",
	} {
		m := map[string]string{}
		for _, kv := range strings.Split(env, ",") {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		setenv(t, m)
		if _, err := Load(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", env, err, want)
		}
	}
}

// TestValidTopic: Kafka's rule for topic names, at its edges.
func TestValidTopic(t *testing.T) {
	for topic, want := range map[string]bool{
		"":                        false,
		"a":                       true,
		"topic.Dev_1-x":           true,
		strings.Repeat("t", 249):  true,
		strings.Repeat("t", 250):  false,
		"bad topic":               false,
		"tópico":                  false,
		"a/b":                     false,
		"a:b":                     false,
		"a\x00":                   false,
		"0123456789._-ABCXYZabcz": true,
	} {
		if got := validTopic(topic); got != want {
			t.Errorf("validTopic(%q) = %v, want %v", topic, got, want)
		}
	}
}
