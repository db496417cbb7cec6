package app

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"httpkafka/internal/config"
)

func TestLazy(t *testing.T) {
	loads := 0
	cfg := &config.Config{KafkaBrokers: []string{"127.0.0.1:1"}, Auth: config.AuthNone}
	l := &Lazy{Log: slog.New(slog.DiscardHandler), Mode: Deployed, Load: func() (*config.Config, error) {
		if loads++; loads == 1 {
			return nil, errors.New("config: KAFKA_BROKERS is empty")
		}
		return cfg, nil
	}}
	if _, err := l.Get(); err == nil {
		t.Fatal("first Get: no error from a failing config")
	}
	a, err := l.Get()
	if err != nil {
		t.Fatalf("second Get reads the config again: %v", err)
	}
	if b, _ := l.Get(); b != a || loads != 2 {
		t.Errorf("third Get built again (loads %d)", loads)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Get(); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
}
