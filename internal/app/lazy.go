package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"httpkafka/internal/config"
)

// Lazy builds the App on first use and keeps it: the function mains' one
// Kafka client per cold start. scf-go-lib sets a function's environment
// variables on each invocation, so where they are not in the process
// environment at start, configuration can only be read when the first
// invocation arrives.
//
// A failed build is not kept: the next Get reads the configuration again.
// Lazy is safe for concurrent use.
type Lazy struct {
	// Load reads the configuration (config.Load in the mains).
	Load func() (*config.Config, error)
	// Log is the logger the App logs to; Level, when set, takes the
	// configured LOG_LEVEL once it is read.
	Log   *slog.Logger
	Level *slog.LevelVar
	Mode  Mode
	// Telemetry watches the App's service and client.
	Telemetry Telemetry
	// StartupCheck, when set, runs [App.CheckAtStartup] in the background
	// after the App is built: a bounded look at Kafka that only logs.
	StartupCheck bool

	mu     sync.Mutex
	app    *App
	closed bool
}

// ErrClosed is returned by [Lazy.Get] after [Lazy.Close]: an invocation
// that races the shutdown must not build a client nobody will flush.
var ErrClosed = errors.New("app: shutting down")

// Get returns the App, building it the first time. Its error names the
// setting at fault and is logged once per failed attempt.
func (l *Lazy) Get() (*App, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return nil, ErrClosed
	case l.app != nil:
		return l.app, nil
	}
	a, err := l.build()
	if err != nil {
		l.Log.Error("cannot start: fix the function's configuration", "err", err)
		return nil, err
	}
	l.app = a
	if l.StartupCheck {
		go a.CheckAtStartup(l.Log)
	}
	return a, nil
}

func (l *Lazy) build() (*App, error) {
	cfg, err := l.Load()
	if err != nil {
		return nil, err
	}
	if l.Level != nil {
		l.Level.Set(cfg.LogLevel)
	}
	return NewWith(cfg, l.Log, l.Mode, l.Telemetry)
}

// Close flushes and closes the producer, if one was built; Get fails
// from then on.
func (l *Lazy) Close(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.app == nil {
		return nil
	}
	err := l.app.Producer.Close(ctx)
	l.app = nil
	return err
}
