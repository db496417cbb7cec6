package kafka

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// refusedInARow is how many connections in a row must fail
// authentication before requests waiting on Kafka are failed: one
// connection closed during SASL may be a broker restarting.
const refusedInARow = 2

// authWatch is a kgo hook that sees every connection attempt and tells
// waiting requests when the brokers keep refusing the client's
// credentials. kgo itself retries such connections until the delivery
// timeout and then reports only "records have timed out".
type authWatch struct {
	mu      sync.Mutex
	inARow  int
	last    error
	refused chan struct{} // closed at the next refusal that counts
}

var _ kgo.HookBrokerConnect = (*authWatch)(nil)

func newAuthWatch() *authWatch { return &authWatch{refused: make(chan struct{})} }

// OnBrokerConnect implements kgo.HookBrokerConnect. A connection that was
// made (conn is not nil) but closed or refused during its set-up, with
// SASL configured, is refused credentials: the broker answered a SASL
// error code, or closed the connection as brokers do after a failed
// SASL exchange.
func (w *authWatch) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, conn net.Conn, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.inARow, w.last = 0, nil
		return
	}
	if !refused(conn, err) {
		return
	}
	w.inARow++
	w.last = err
	if w.inARow >= refusedInARow {
		close(w.refused)
		w.refused = make(chan struct{})
	}
}

// refused tells refused credentials from other connection failures.
func refused(conn net.Conn, err error) bool {
	if errors.Is(err, kerr.SaslAuthenticationFailed) || errors.Is(err, kerr.UnsupportedSaslMechanism) || errors.Is(err, kerr.IllegalSaslState) {
		return true
	}
	if conn == nil || errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) {
		return false
	}
	var eof *kgo.ErrFirstReadEOF
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &eof)
}

// next is closed at the next refusal that counts.
func (w *authWatch) next() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.refused
}

// failure is the last refusal's error.
func (w *authWatch) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return &refusedError{w.last}
}

// refusedError is a record failed because the brokers kept refusing the
// client's credentials.
type refusedError struct{ err error }

func (e *refusedError) Error() string {
	return "the brokers closed or refused each connection while authenticating: " + e.err.Error()
}

func (e *refusedError) Unwrap() error { return e.err }
