// Command scf is httpkafka's SendMessage endpoint as a Tencent Cloud SCF
// event function (runtime Go1) behind a function URL (an http trigger), or
// behind a legacy API Gateway trigger with integrated response. Build it
// as the executable main, the handler name:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o main ./functions/scf
//
// scf-go-lib serves net/rpc Function.Invoke on _LAMBDA_SERVER_PORT and sets
// the function's environment variables on each invocation. SCF also puts
// them in the process environment: when they are there at start
// (KAFKA_BROKERS set), the configuration is read, the Kafka client built
// and connected (app.App.WarmNow: every access point's topic's metadata,
// a connection to each broker, the producer id) before the binary starts
// serving. The start-up is the only time SCF waits for: it freezes an
// instance's process while no invocation runs (documented for its Node.js
// runtime), so work left in the background may not run until the first
// invocation arrives, and a provisioned instance, started ahead of that
// invocation, would pay for it then. The warm-up is bounded by
// app.WarmLimit, so an unreachable cluster delays the start by that much
// and no more (the function's initialisation timeout must allow it); the
// first request then finishes the connection. Without KAFKA_BROKERS at
// start, all of this happens on the first invocation. The client is
// reused until the instance is reclaimed.
// On SIGTERM the invocations in flight are answered before the client is
// flushed and closed.
//
// It logs one JSON line per request to stderr, which SCF ships to CLS:
// the line carries the figures (messages, bytes, outcome, latency split)
// that the other platforms also count as metrics.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction"

	"httpkafka/adapters/scf"
	"httpkafka/internal/app"
	"httpkafka/internal/config"
	"httpkafka/internal/telemetry"
)

// drainLimit bounds how long SIGTERM waits for invocations in flight. Each
// is bounded already, by its own deadline and DATAHUB_REQUEST_TIMEOUT
// (10s by default); this only keeps a stuck one from holding the exit.
const drainLimit = 10 * time.Second

// replyWrite is left after the last invocation in flight has returned:
// scf-go-lib writes the RPC reply after Invoke returns, and offers no way
// to see it written.
const replyWrite = 50 * time.Millisecond

func main() {
	level := new(slog.LevelVar)
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	// Warming up at start checks Kafka as the start-up check would (and
	// logs what is missing): the check runs only when there is no warm-up.
	warm := os.Getenv("KAFKA_BROKERS") != ""
	fn := &function{lazy: &app.Lazy{Load: config.Load, Log: log, Level: level, Mode: app.Deployed, StartupCheck: !warm,
		Telemetry: app.Telemetry{Observer: telemetry.NewRecorder(log, nil)}}}
	if warm {
		// The function's variables are in the process environment too (SCF
		// sets them there; scf-go-lib only repeats them per invocation):
		// build and connect before serving, within app.WarmLimit. A
		// configuration error here is read again, and answered, at the
		// first invocation.
		if a, err := fn.lazy.Get(); err == nil {
			a.WarmNow(log)
		}
	}
	go fn.closeOnSIGTERM(log)
	cloudfunction.StartHandler(fn)
}

// function is scf-go-lib's byte-in, byte-out handler: the event is decoded
// once, by the adapter.
type function struct {
	lazy *app.Lazy

	mu       sync.Mutex
	stopping bool           // SIGTERM came: no new invocations
	inflight sync.WaitGroup // Add only under mu and before stopping
}

// Invoke answers one invocation. Only a configuration error, a payload
// that is neither a function URL nor an API Gateway event, or an
// invocation that arrives after SIGTERM fails it.
func (f *function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if !f.begin() {
		return nil, app.ErrClosed
	}
	defer f.inflight.Done()
	a, err := f.lazy.Get()
	if err != nil {
		return nil, err
	}
	return scf.Invoke(ctx, a.Service, payload)
}

// begin counts an invocation in, unless the function is stopping.
func (f *function) begin() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopping {
		return false
	}
	f.inflight.Add(1)
	return true
}

// drain refuses new invocations and waits up to limit for those in flight
// to return; it reports whether they all did.
func (f *function) drain(limit time.Duration) bool {
	f.mu.Lock()
	f.stopping = true
	f.mu.Unlock()
	done := make(chan struct{})
	go func() { f.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(limit):
		return false
	}
}

// closeOnSIGTERM lets the invocations in flight finish, then flushes and
// closes the Kafka client, when the platform stops the instance.
func (f *function) closeOnSIGTERM(log *slog.Logger) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	if !f.drain(drainLimit) {
		log.Warn("shutting down with invocations still in flight", "waited", drainLimit)
	}
	time.Sleep(replyWrite)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := f.lazy.Close(ctx); err != nil {
		log.Warn("flush on shutdown", "err", err)
	}
	os.Exit(0)
}
