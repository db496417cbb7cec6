// Command lambda is httpkafka's SendMessage endpoint as an AWS Lambda
// function on the provided.al2023 runtime, behind API Gateway (REST or HTTP
// API), a function URL or an Application Load Balancer. Build it as
// bootstrap, without the legacy RPC mode:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -o bootstrap ./functions/lambda
//
// The configuration is read and the Kafka client built during init, once
// per cold start, and the client connects (app.App.Warm): during init for
// provisioned concurrency, else beside the runtime's first poll. The client
// is reused by every invocation and flushed on SIGTERM. A configuration
// error is reported to the Runtime API as an init error and the process
// exits.
//
// It logs one JSON line per request to stderr, at LOG_LEVEL; with Lambda's
// advanced logging controls set to JSON (AWS_LAMBDA_LOG_FORMAT=JSON) it
// logs through aws-lambda-go's handler instead (timestamp, level, message,
// requestId, at AWS_LAMBDA_LOG_LEVEL). Metrics go to stdout as CloudWatch
// Embedded Metric Format lines, one per request, in namespace httpkafka.
//
// With DATAHUB_CREDENTIALS_SECRET or KAFKA_SASL_PASSWORD_SECRET set, the
// configuration is read on the first invocation instead: the AWS
// Parameters and Secrets Lambda Extension serves secrets only once the
// function is invoked, not during init. A secret that cannot be read then
// fails that invocation with one line naming it, and the next invocation
// tries again; no client is built until every secret is read.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"httpkafka/adapters/aws"
	"httpkafka/internal/app"
	"httpkafka/internal/config"
	"httpkafka/internal/telemetry"
)

func main() {
	log, level := logger(os.Getenv("AWS_LAMBDA_LOG_FORMAT"), os.Getenv("AWS_LAMBDA_LOG_LEVEL"))
	// Without secrets to read, the client is built and warmed up at init,
	// which checks Kafka as the start-up check would (and logs what is
	// missing): the check runs only when there is no warm-up.
	lazy := &app.Lazy{Load: config.Load, Log: log, Level: level, Mode: app.Deployed, StartupCheck: config.NeedsSecrets(),
		Telemetry: app.Telemetry{Observer: telemetry.NewRecorder(log, telemetry.NewEMF(os.Stdout, emfNamespace))}}
	if !config.NeedsSecrets() {
		a, err := lazy.Get()
		if err != nil {
			if rerr := reportInitError(os.Getenv("AWS_LAMBDA_RUNTIME_API"), err); rerr != nil {
				log.Error("report init error", "err", rerr)
			}
			os.Exit(1)
		}
		if os.Getenv("AWS_LAMBDA_INITIALIZATION_TYPE") == "provisioned-concurrency" {
			// Initialised ahead of any request: connect now, within
			// app.WarmLimit, so the first invocation costs what a warm one does.
			a.WarmNow(log)
		} else {
			// On demand, a request is waiting: connect while the runtime
			// polls for it; its Produce joins whatever is still in progress.
			a.WarmInBackground(log)
		}
	}
	h := handler{lazy: lazy}
	lambda.StartWithOptions(h, lambda.WithEnableSIGTERM(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if err := lazy.Close(ctx); err != nil {
			log.Warn("flush on shutdown", "err", err)
		}
	}))
}

// emfNamespace is the CloudWatch metrics namespace of the EMF lines.
const emfNamespace = "httpkafka"

// logger follows Lambda's advanced logging controls: format JSON logs
// through aws-lambda-go's handler at AWS_LAMBDA_LOG_LEVEL; otherwise (Text,
// or no controls) the lines are JSON on stderr at AWS_LAMBDA_LOG_LEVEL when
// it is set, else at LOG_LEVEL (level, returned, takes it once it is read).
func logger(format, lambdaLevel string) (*slog.Logger, *slog.LevelVar) {
	if format == "JSON" {
		return slog.New(lambdacontext.NewLogHandler()), nil
	}
	level := new(slog.LevelVar)
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if lambdaLevel == "" {
		return log, level
	}
	if err := level.UnmarshalText([]byte(lambdaLevel)); err != nil {
		log.Warn("AWS_LAMBDA_LOG_LEVEL is not a level; logging at INFO", "value", lambdaLevel)
	}
	return log, nil // Lambda's level wins over LOG_LEVEL
}

// handler is aws-lambda-go's byte-in, byte-out handler: the event is
// decoded once, by the adapter.
type handler struct{ lazy *app.Lazy }

func (h handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	// Built at init unless secrets are read; a failure is typed as the
	// init error is.
	a, err := h.lazy.Get()
	if err != nil {
		return nil, messages.InvokeResponse_Error{Message: err.Error(), Type: "ConfigError"}
	}
	return aws.Invoke(ctx, a.Service, payload)
}

// reportInitError tells the Runtime API why the function cannot start, so
// that the error shows in the invocation's result and not only in the logs.
func reportInitError(api string, cause error) error {
	if api == "" {
		return nil
	}
	body, err := json.Marshal(map[string]string{"errorMessage": cause.Error(), "errorType": "ConfigError"})
	if err != nil {
		return fmt.Errorf("encode init error: %w", err)
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("init error request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "ConfigError")
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post init error: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("post init error: runtime API answered %s", resp.Status)
	}
	return nil
}
