package kafka

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestConnWatch: which connection failures count as refusals, two in a
// row signal, and a success clears them.
func TestConnWatch(t *testing.T) {
	conn, peer := net.Pipe()
	defer conn.Close()
	defer peer.Close()
	for _, tt := range []struct {
		name string
		sasl bool
		conn net.Conn
		err  error
		want string
	}{
		{"EOF during SASL set-up", true, conn, io.EOF, "SASL"},
		{"EOF without SASL", false, conn, io.EOF, ""},
		{"reset during SASL set-up", true, conn, &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, "SASL"},
		{"dial failed", true, nil, fmt.Errorf("unable to dial: %w", io.EOF), ""},
		{"SASL error code", false, conn, kerr.SaslAuthenticationFailed, "SASL"},
		{"unsupported mechanism", true, conn, kerr.UnsupportedSaslMechanism, "SASL"},
		{"untrusted certificate", false, nil, fmt.Errorf("unable to dial: %w", x509.UnknownAuthorityError{}), "TLS"},
		{"wrong host name", false, nil, fmt.Errorf("unable to dial: %w", x509.HostnameError{Host: "x"}), "TLS"},
		{"client certificate refused", false, conn, &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, "TLS"},
		{"connection refused", true, nil, &net.OpError{Op: "dial", Err: errors.New("connection refused")}, ""},
		{"client closing", true, conn, kgo.ErrClientClosed, ""},
		{"canceled", true, conn, context.Canceled, ""},
	} {
		if got := newConnWatch(tt.sasl).refusal(tt.conn, tt.err); got != tt.want {
			t.Errorf("%s: refusal %q, want %q", tt.name, got, tt.want)
		}
	}

	w := newConnWatch(true)
	signal := w.next()
	w.OnBrokerConnect(kgo.BrokerMetadata{}, 0, conn, io.EOF)
	select {
	case <-signal:
		t.Fatal("one refusal signalled")
	default:
	}
	w.OnBrokerConnect(kgo.BrokerMetadata{}, 0, conn, io.EOF)
	select {
	case <-signal:
	default:
		t.Fatal("two refusals in a row did not signal")
	}
	if f := w.failure(); f == nil || f.what != "SASL" || !errors.Is(f, io.EOF) {
		t.Errorf("failure %v", f)
	}
	w.OnBrokerConnect(kgo.BrokerMetadata{}, 0, conn, nil)
	if f := w.failure(); f != nil {
		t.Errorf("failure after a success: %v", f)
	}
	signal = w.next()
	w.OnBrokerConnect(kgo.BrokerMetadata{}, 0, conn, io.EOF)
	select {
	case <-signal:
		t.Fatal("the count was not reset by the success")
	default:
	}
}
