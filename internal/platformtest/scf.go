package platformtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"
)

// SCF is the SCF Go1 runtime's side of one function process: a net/rpc
// (gob) client of the Function service that scf-go-lib serves on
// 0.0.0.0:$_LAMBDA_SERVER_PORT, with its two methods, Function.Ping and
// Function.Invoke.
type SCF struct {
	// Client is the connection, for calls made without waiting.
	Client *rpc.Client
}

// FreePort picks a port for _LAMBDA_SERVER_PORT by listening on it and
// closing. scf-go-lib cannot say which port it got for 0, so the port is
// chosen before the process starts; another process may take it in
// between, and the function then fails to bind.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// DialSCF connects to the function on port, trying every interval until
// it accepts, for up to limit; it fails early when exited (the process's
// exit; nil for none) is closed. Whether the SCF runtime pings before it
// invokes is not documented: DialSCF does not.
func DialSCF(port int, every, limit time.Duration, exited <-chan struct{}) (*SCF, error) {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(limit)
	for {
		client, err := rpc.Dial("tcp", addr)
		if err == nil {
			return &SCF{Client: client}, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("dial the function on %s: %w", addr, err)
		}
		select {
		case <-exited:
			return nil, ErrExited
		case <-time.After(every):
		}
	}
}

// ErrExited is returned when the function process exits while it is
// being dialled or called.
var ErrExited = errors.New("the function exited")

// Call makes one RPC and waits up to limit for its answer, failing early
// when exited is closed.
func (f *SCF) Call(method string, args, reply any, limit time.Duration, exited <-chan struct{}) error {
	c := f.Client.Go(method, args, reply, make(chan *rpc.Call, 1))
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-c.Done:
		if c.Error != nil {
			return fmt.Errorf("%s: %w", method, c.Error)
		}
		return nil
	case <-exited:
		return fmt.Errorf("%s: %w", method, ErrExited)
	case <-timer.C:
		return fmt.Errorf("%s: no answer within %s", method, limit)
	}
}

// Ping calls Function.Ping: only an scf-go-lib function answers it.
func (f *SCF) Ping(limit time.Duration, exited <-chan struct{}) error {
	return f.Call("Function.Ping", &messages.PingRequest{}, &messages.PingResponse{}, limit, exited)
}

// Invoke calls Function.Invoke with req and returns the function's answer:
// an integrated response in Payload, or Error for a failed invocation.
func (f *SCF) Invoke(req *messages.InvokeRequest, limit time.Duration, exited <-chan struct{}) (*messages.InvokeResponse, error) {
	var resp messages.InvokeResponse
	if err := f.Call("Function.Invoke", req, &resp, limit, exited); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Close closes the connection.
func (f *SCF) Close() error { return f.Client.Close() }

// InvokeRequest is one invocation of payload as the SCF runtime sends it:
// the function's environment variables (which scf-go-lib sets in the
// process environment before calling the handler) and a deadline.
func InvokeRequest(id string, payload []byte, env map[string]string, deadline time.Time) *messages.InvokeRequest {
	envJSON, _ := json.Marshal(env) // a map of strings always marshals
	return &messages.InvokeRequest{
		Payload:   payload,
		RequestId: id,
		Deadline:  messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
		Namespace: "default", FunctionName: "httpkafka", FunctionVersion: "$LATEST",
		MemoryLimitInMb: 128, TimeLimitInMs: int32(time.Until(deadline).Milliseconds()),
		Environment:        string(envJSON),
		TencentcloudRegion: "ap-guangzhou",
	}
}
