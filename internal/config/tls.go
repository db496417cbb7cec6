package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// buildTLS turns the KAFKA_TLS settings into a tls.Config, nil when none
// is set. Setting any of them turns TLS on.
func (c *Config) buildTLS() (*tls.Config, error) {
	if !c.KafkaTLS && c.KafkaTLSCA == "" && c.KafkaTLSCert == "" && c.KafkaTLSKey == "" && c.KafkaTLSServerName == "" && !c.KafkaTLSInsecure {
		return nil, nil
	}
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         c.KafkaTLSServerName, // "": franz-go uses each broker's host
		InsecureSkipVerify: c.KafkaTLSInsecure,
	}
	if c.KafkaTLSCA != "" {
		ca, err := pemOrFile("KAFKA_TLS_CA", c.KafkaTLSCA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, errors.New("KAFKA_TLS_CA: no PEM certificate found in it")
		}
		tc.RootCAs = pool
	}
	switch {
	case c.KafkaTLSCert == "" && c.KafkaTLSKey == "":
	case c.KafkaTLSCert == "" || c.KafkaTLSKey == "":
		return nil, errors.New("KAFKA_TLS_CERT and KAFKA_TLS_KEY go together: set both for mutual TLS, or neither")
	default:
		cert, err := pemOrFile("KAFKA_TLS_CERT", c.KafkaTLSCert)
		if err != nil {
			return nil, err
		}
		key, err := pemOrFile("KAFKA_TLS_KEY", c.KafkaTLSKey)
		if err != nil {
			return nil, err
		}
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil { // its text names no key material
			return nil, fmt.Errorf("KAFKA_TLS_CERT and KAFKA_TLS_KEY: %v", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return tc, nil
}

// pemOrFile is value itself when it holds PEM, else the file it names.
func pemOrFile(name, value string) ([]byte, error) {
	if strings.Contains(value, "-----BEGIN ") {
		return []byte(value), nil
	}
	b, err := os.ReadFile(strings.TrimSpace(value))
	if err != nil {
		return nil, fmt.Errorf("%s is neither PEM nor a readable file: %w", name, err)
	}
	return b, nil
}
