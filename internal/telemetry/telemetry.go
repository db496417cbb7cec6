// Package telemetry makes httpkafka observable: one structured log line
// per request ([Recorder], a core.Observer), the log handlers each binary
// writes with, and the metrics each platform reads: Prometheus on the HTTP
// binary ([Prometheus]), CloudWatch Embedded Metric Format on Lambda
// ([EMF]); on SCF the log line carries the figures.
package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"httpkafka/internal/core"
)

// Sink counts what one request did; it is called once per request.
type Sink interface {
	Record(st *core.Stats, coldStart bool)
}

// Recorder is the core.Observer of every binary: it writes exactly one INFO
// line per request and hands the figures to its Sink. The first request
// of the process is flagged cold_start.
type Recorder struct {
	log  *slog.Logger
	sink Sink
	seen atomic.Bool
}

// NewRecorder logs to log and counts into sink (nil: no metrics).
func NewRecorder(log *slog.Logger, sink Sink) *Recorder {
	return &Recorder{log: log, sink: sink}
}

// Observe implements core.Observer. The line names the request, its
// access point and outcome, and times its steps in milliseconds; it never
// holds a message body, a key, a signature or a secret.
func (r *Recorder) Observe(ctx context.Context, req *core.Request, resp *core.Response) {
	cold := r.seen.CompareAndSwap(false, true)
	st := &resp.Stats
	if r.log.Enabled(ctx, slog.LevelInfo) {
		attrs := make([]slog.Attr, 0, 16)
		attrs = append(attrs,
			slog.String("request_id", resp.RequestID),
			slog.String("method", req.Method),
			slog.String("datahub_id", st.DataHubID),
			slog.String("topic", st.Topic),
			slog.Int("messages", st.Messages),
			slog.Int("request_bytes", st.RequestBytes),
			slog.String("code", st.Code))
		if st.Message != "" {
			attrs = append(attrs, slog.String("error", st.Message))
		}
		attrs = append(attrs,
			slog.String("source_ip", req.SourceIP),
			slog.Float64("auth_ms", ms(st.Auth)),
			slog.Float64("decode_ms", ms(st.Decode)),
			slog.Float64("produce_ms", ms(st.Produce)),
			slog.Float64("total_ms", ms(st.Total)),
			slog.Bool("cold_start", cold))
		r.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	}
	if r.sink != nil {
		r.sink.Record(st, cold)
	}
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// AccessPointLabel is the metric label for a request's access point: its id
// when it is a configured one (the core found its topic), "unknown"
// otherwise, so that callers cannot grow the label set at will.
func AccessPointLabel(st *core.Stats) string {
	if st.Topic == "" || st.DataHubID == "" {
		return "unknown"
	}
	return st.DataHubID
}

// Log formats of LOG_FORMAT.
const (
	FormatJSON = "json"
	FormatText = "text"
)

// Handler is the log handler for LOG_FORMAT=format at level, writing to w:
// JSON or text; an empty format is text when w is a terminal and JSON
// otherwise.
func Handler(w io.Writer, format string, level slog.Leveler) (slog.Handler, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(format) {
	case "":
		if isTerminal(w) {
			return slog.NewTextHandler(w, opts), nil
		}
		return slog.NewJSONHandler(w, opts), nil
	case FormatJSON:
		return slog.NewJSONHandler(w, opts), nil
	case FormatText:
		return slog.NewTextHandler(w, opts), nil
	}
	return nil, fmt.Errorf("LOG_FORMAT: %q is not json or text", format)
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
