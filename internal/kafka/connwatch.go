package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// refusedInARow is how many connections in a row must be refused before
// requests waiting on Kafka are failed: one connection closed during
// SASL may be a broker restarting.
const refusedInARow = 2

// connWatch is a kgo hook that sees every connection attempt and tells
// waiting requests when the brokers keep refusing the client: its SASL
// credentials, or the TLS handshake (an untrusted or misnamed broker
// certificate, a client certificate the broker rejects). kgo itself
// retries such connections until the delivery timeout and then reports
// only "records have timed out".
type connWatch struct {
	sasl bool // SASL is configured: a connection closed while set up is refused credentials

	mu      sync.Mutex
	inARow  int
	last    *refusedError
	refused chan struct{} // closed at the next refusal that counts
}

var _ kgo.HookBrokerConnect = (*connWatch)(nil)

func newConnWatch(sasl bool) *connWatch { return &connWatch{sasl: sasl, refused: make(chan struct{})} }

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (w *connWatch) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, conn net.Conn, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.inARow, w.last = 0, nil
		return
	}
	what := w.refusal(conn, err)
	if what == "" {
		return
	}
	w.inARow++
	w.last = &refusedError{what: what, err: err}
	if w.inARow >= refusedInARow {
		close(w.refused)
		w.refused = make(chan struct{})
	}
}

// refusal says what the brokers refused, "" for other failures: a TLS
// handshake that failed on a certificate, a SASL error code, or, with
// SASL, a connection that was made but closed while being set up, as
// brokers do after a failed SASL exchange.
func (w *connWatch) refusal(conn net.Conn, err error) string {
	var verify *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var alert *net.OpError // "remote error: tls: ...": the broker refused our certificate (mutual TLS)
	switch {
	case errors.As(err, &verify), errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &alert) && alert.Op == "remote error":
		return "TLS"
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.UnsupportedSaslMechanism), errors.Is(err, kerr.IllegalSaslState):
		return "SASL"
	case !w.sasl || conn == nil || errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed):
		return ""
	}
	// Closed by the broker: EOF on read, or a reset or broken pipe when
	// the close raced our next read or write.
	var eof *kgo.ErrFirstReadEOF
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &eof) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return "SASL"
	}
	return ""
}

// next is closed at the next refusal that counts.
func (w *connWatch) next() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.refused
}

// failure is the last refusal.
func (w *connWatch) failure() *refusedError {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// refusedError is a record failed because the brokers kept refusing the
// client's connections: what is "SASL" or "TLS".
type refusedError struct {
	what string
	err  error
}

func (e *refusedError) Error() string {
	if e.what == "TLS" {
		return "the TLS handshake with the brokers failed: " + e.err.Error()
	}
	return "the brokers closed or refused each connection while authenticating: " + e.err.Error()
}

func (e *refusedError) Unwrap() error { return e.err }
