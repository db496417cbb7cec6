// Command scf is httpkafka's SendMessage endpoint as a Tencent Cloud SCF
// event function (runtime Go1) behind an API Gateway trigger with
// integrated response. Build it as the executable main, the handler name:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o main ./functions/scf
//
// scf-go-lib serves net/rpc Function.Invoke on _LAMBDA_SERVER_PORT and sets
// the function's environment variables on each invocation, so the
// configuration is read, and the Kafka client built, on the first
// invocation; the client is then reused until the instance is reclaimed.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction"

	"httpkafka/adapters/scf"
	"httpkafka/internal/app"
	"httpkafka/internal/config"
)

func main() {
	level := new(slog.LevelVar)
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	fn := &function{lazy: &app.Lazy{Load: config.Load, Log: log, Level: level, Mode: app.Deployed}}
	go closeOnSIGTERM(fn.lazy, log)
	cloudfunction.StartHandler(fn)
}

// function is scf-go-lib's byte-in, byte-out handler: the event is decoded
// once, by the adapter.
type function struct{ lazy *app.Lazy }

// Invoke answers one invocation. Only a configuration error or a payload
// that is not an API Gateway event fails it.
func (f *function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	a, err := f.lazy.Get()
	if err != nil {
		return nil, err
	}
	return scf.Invoke(ctx, a.Service, payload)
}

// closeOnSIGTERM flushes and closes the Kafka client when the platform
// stops the instance.
func closeOnSIGTERM(lazy *app.Lazy, log *slog.Logger) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := lazy.Close(ctx); err != nil {
		log.Warn("flush on shutdown", "err", err)
	}
	os.Exit(0)
}
