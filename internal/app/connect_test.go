package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"httpkafka/internal/config"
)

// TestInsecureTLSWarns: KAFKA_TLS_INSECURE_SKIP_VERIFY=true is warned
// about at start-up, and nothing is without it.
func TestInsecureTLSWarns(t *testing.T) {
	for _, insecure := range []string{"true", "false"} {
		t.Setenv("KAFKA_BROKERS", "127.0.0.1:9093")
		t.Setenv("DATAHUB_ACCESS_POINTS", "datahub-a=t")
		t.Setenv("DATAHUB_AUTH", "none")
		t.Setenv("KAFKA_TLS_INSECURE_SKIP_VERIFY", insecure)
		cfg, err := config.Load()
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		a, err := New(cfg, slog.New(slog.NewTextHandler(&logs, nil)), Deployed)
		if err != nil {
			t.Fatal(err)
		}
		a.Producer.Close(context.Background())
		warned := strings.Contains(logs.String(), "level=WARN msg=\"KAFKA_TLS_INSECURE_SKIP_VERIFY=true: the brokers' certificates are not checked")
		if warned != (insecure == "true") || (cfg.TLS() != nil) != (insecure == "true") {
			t.Errorf("KAFKA_TLS_INSECURE_SKIP_VERIFY=%s: warned %v, TLS %v; logs:\n%s", insecure, warned, cfg.TLS() != nil, logs.String())
		}
	}
}
