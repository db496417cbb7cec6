package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/secrets/extensiontest"
)

// selfSigned is a certificate and key in PEM, made for the test.
func selfSigned(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

func TestTLSSettings(t *testing.T) {
	cert, key := selfSigned(t)
	certFile, keyFile := writeFile(t, "c.pem", cert), writeFile(t, "k.pem", key)
	// A real cluster needs keys (or DATAHUB_AUTH=none) before its TLS settings matter.
	base := map[string]string{"KAFKA_BROKERS": "b1:9093", "DATAHUB_ACCESS_POINTS": "datahub-a=t", "DATAHUB_AUTH": "none"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tt := range []struct {
		name  string
		env   map[string]string
		check func(*tls.Config) bool
	}{
		{"plaintext", with(), func(c *tls.Config) bool { return c == nil }},
		{"system roots", with("KAFKA_TLS", "true"), func(c *tls.Config) bool { return c != nil && c.RootCAs == nil && c.MinVersion == tls.VersionTLS12 }},
		{"CA as PEM implies TLS", with("KAFKA_TLS_CA", cert), func(c *tls.Config) bool { return c != nil && c.RootCAs != nil }},
		{"CA as a file", with("KAFKA_TLS_CA", certFile), func(c *tls.Config) bool { return c != nil && c.RootCAs != nil }},
		{"mutual TLS, PEM and file", with("KAFKA_TLS_CERT", cert, "KAFKA_TLS_KEY", keyFile), func(c *tls.Config) bool { return c != nil && len(c.Certificates) == 1 }},
		{"server name", with("KAFKA_TLS_SERVER_NAME", "kafka.internal"), func(c *tls.Config) bool { return c != nil && c.ServerName == "kafka.internal" }},
		{"insecure only when named", with("KAFKA_TLS_INSECURE_SKIP_VERIFY", "true"), func(c *tls.Config) bool { return c != nil && c.InsecureSkipVerify }},
		{"not insecure otherwise", with("KAFKA_TLS", "true", "KAFKA_TLS_CA", cert), func(c *tls.Config) bool { return !c.InsecureSkipVerify }},
	} {
		setenv(t, tt.env)
		c, err := Load()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !tt.check(c.TLS()) {
			t.Errorf("%s: tls.Config %+v", tt.name, c.TLS())
		}
	}
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{with("KAFKA_TLS_CA", "/no/such/ca.pem"), "config: KAFKA_TLS_CA is neither PEM nor a readable file: open /no/such/ca.pem"},
		{with("KAFKA_TLS_CA", keyFile), "config: KAFKA_TLS_CA: no PEM certificate found in it"},
		{with("KAFKA_TLS_CERT", cert), "config: KAFKA_TLS_CERT and KAFKA_TLS_KEY go together"},
		{with("KAFKA_TLS_CERT", certFile, "KAFKA_TLS_KEY", certFile), "config: KAFKA_TLS_CERT and KAFKA_TLS_KEY: tls:"},
		{with("KAFKA_COMPRESSION", "brotli"), `config: KAFKA_COMPRESSION: "brotli" is not none, gzip, snappy, lz4 or zstd`},
	} {
		setenv(t, tt.env)
		_, err := Load()
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("error %v, want one line starting %q", err, tt.want)
		}
	}
}

func TestMSKIAMSettings(t *testing.T) {
	env := map[string]string{"KAFKA_BROKERS": "b-1.msk.example:9098", "DATAHUB_ACCESS_POINTS": "datahub-a=t", "KAFKA_SASL_MECHANISM": "AWS_MSK_IAM", "KAFKA_TLS": "true", "DATAHUB_AUTH": "none"}
	setenv(t, env)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "AWS_MSK_IAM, but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is empty") {
		t.Errorf("no AWS credentials: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIA1")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s1")
	t.Setenv("AWS_SESSION_TOKEN", "tok1")
	if _, err := Load(); err != nil {
		t.Fatal(err)
	}
	// Read again on each call: rotated credentials are seen.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIA2")
	t.Setenv("AWS_SESSION_TOKEN", "tok2")
	if k, err := AWSCredentials(); err != nil || k != (AWSKeys{"AKIA2", "s1", "tok2"}) {
		t.Errorf("AWSCredentials() = %+v, %v", k, err)
	}
	env["KAFKA_SASL_USER"] = "someone"
	setenv(t, env)
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "leave KAFKA_SASL_USER and KAFKA_SASL_PASSWORD empty") {
		t.Errorf("IAM with a user: %v", err)
	}
}

// TestSecrets reads DATAHUB_CREDENTIALS_SECRET and KAFKA_SASL_PASSWORD_SECRET
// through a local server speaking the Parameters and Secrets extension's
// protocol, on the port PARAMETERS_SECRETS_EXTENSION_HTTP_PORT names.
func TestSecrets(t *testing.T) {
	ext := extensiontest.New(t, "the-session-token",
		map[string]string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:datahub-keys": "AKIDsecret:fromSecretsManager:datahub-a,AKIDenv:replaced"},
		map[string]string{"/kafka/password": "ssm-pa55"})
	env := map[string]string{
		"KAFKA_BROKERS": "b1:9092", "DATAHUB_ACCESS_POINTS": "datahub-a=t",
		"KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USER": "u", "KAFKA_SASL_PASSWORD_SECRET": "ssm:/kafka/password",
		"DATAHUB_CREDENTIALS":        "AKIDenv:envkey",
		"DATAHUB_CREDENTIALS_SECRET": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:datahub-keys",
	}
	setenv(t, env)
	t.Setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", ext.Port)
	t.Setenv("AWS_SESSION_TOKEN", "the-session-token")
	if !NeedsSecrets() {
		t.Error("NeedsSecrets() = false")
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.KafkaSASLPassword != "ssm-pa55" {
		t.Errorf("SASL password %q", c.KafkaSASLPassword)
	}
	got := map[string]string{}
	for _, cred := range c.Credentials {
		got[cred.SecretID] = cred.SecretKey
	}
	if len(got) != 2 || got["AKIDsecret"] != "fromSecretsManager" || got["AKIDenv"] != "replaced" {
		t.Errorf("credentials %v: want the secret's, replacing the environment's AKIDenv", got)
	}

	for _, tt := range []struct{ key, value, want string }{
		{"DATAHUB_CREDENTIALS_SECRET", "datahub-missing", "config: DATAHUB_CREDENTIALS_SECRET: secret datahub-missing: the extension answered 400 Bad Request"},
		{"KAFKA_SASL_PASSWORD_SECRET", "ssm:/nope", "config: KAFKA_SASL_PASSWORD_SECRET: secret ssm:/nope: the extension answered 400 Bad Request"},
	} {
		bad := map[string]string{}
		for k, v := range env {
			bad[k] = v
		}
		bad[tt.key] = tt.value
		setenv(t, bad)
		_, err := Load()
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v, want one line starting %q", err, tt.want)
		}
	}
	setenv(t, env)
	t.Setenv("AWS_SESSION_TOKEN", "another")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Errorf("wrong token: %v", err)
	}
}
