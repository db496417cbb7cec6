package config

import (
	"context"
	"fmt"
	"os"
	"time"

	"httpkafka/internal/secrets"
)

// NeedsSecrets reports whether the configuration names a secret to read
// through the AWS Parameters and Secrets Lambda Extension. The extension
// answers only once the function is invoked, not during its init, so the
// Lambda function reads its configuration on the first invocation then.
func NeedsSecrets() bool {
	return os.Getenv("DATAHUB_CREDENTIALS_SECRET") != "" || os.Getenv("KAFKA_SASL_PASSWORD_SECRET") != ""
}

// extension is the Parameters and Secrets extension of this Lambda
// environment: localhost, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT (2773 by
// default), the session token.
func extension() secrets.Extension {
	port := os.Getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
	if port == "" {
		port = "2773"
	}
	return secrets.Extension{Endpoint: "http://localhost:" + port, Token: os.Getenv("AWS_SESSION_TOKEN")}
}

// readSecrets fills what the *_SECRET variables name. Credentials read
// from a secret add to DATAHUB_CREDENTIALS and the file's; a SecretId
// already listed is replaced.
func (c *Config) readSecrets() error {
	if c.CredentialsSecret == "" && c.KafkaSASLSecret == "" {
		return nil
	}
	ext := extension()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c.KafkaSASLSecret != "" {
		if c.KafkaSASLPassword != "" {
			return fmt.Errorf("KAFKA_SASL_PASSWORD_SECRET and KAFKA_SASL_PASSWORD are both set: keep one")
		}
		v, err := ext.Get(ctx, c.KafkaSASLSecret)
		if err != nil {
			return fmt.Errorf("KAFKA_SASL_PASSWORD_SECRET: %w", err)
		}
		c.KafkaSASLPassword = v
	}
	if c.CredentialsSecret != "" {
		v, err := ext.Get(ctx, c.CredentialsSecret)
		if err != nil {
			return fmt.Errorf("DATAHUB_CREDENTIALS_SECRET: %w", err)
		}
		var creds Credentials
		if err := creds.Decode(v); err != nil {
			return fmt.Errorf("DATAHUB_CREDENTIALS_SECRET: secret %s: %w", c.CredentialsSecret, err)
		}
		if len(creds) == 0 {
			return fmt.Errorf("DATAHUB_CREDENTIALS_SECRET: secret %s holds no SecretId:SecretKey", c.CredentialsSecret)
		}
		c.Credentials = mergeCredentials(c.Credentials, creds)
	}
	return nil
}

// mergeCredentials adds more to base; an entry of more replaces base's
// entry with the same SecretId.
func mergeCredentials(base, more Credentials) Credentials {
	out := make(Credentials, 0, len(base)+len(more))
	replaced := make(map[string]bool, len(more))
	for _, c := range more {
		replaced[c.SecretID] = true
	}
	for _, c := range base {
		if !replaced[c.SecretID] {
			out = append(out, c)
		}
	}
	return append(out, more...)
}
