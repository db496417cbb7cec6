// Package platformtest stands in for the platforms around a function
// binary, speaking their real protocols: the Lambda Runtime API that a
// provided.al2023 bootstrap polls, and the Tencent SCF Go1 runtime that
// calls an scf-go-lib binary over net/rpc. The function binaries' tests and
// bench/coldstart drive the built binaries through it; it reports failures
// as errors, so that a benchmark can use it without package testing.
package platformtest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RuntimeAPI is the Lambda Runtime API for one function process: it hands
// out the queued invocations one per GET .../next, in order, and collects
// the answers. It also answers what aws-lambda-go asks beside: the init
// error report and the internal extension that SIGTERM support registers.
type RuntimeAPI struct {
	addr    string
	srv     *http.Server
	next    chan *Invocation
	closing chan struct{}
	initErr chan []byte
	polled  chan struct{}
	poll    sync.Once

	mu      sync.Mutex
	pending map[string]*Invocation
}

// Invocation is one invocation queued on a RuntimeAPI.
type Invocation struct {
	ID      string
	Payload []byte
	// Timeout is how long the function has from the hand-out; Deadline is
	// set then, to HandedOut + Timeout.
	Timeout             time.Duration
	HandedOut, Deadline time.Time

	handed chan struct{} // closed at the hand-out
	done   chan Result
}

// Result is what the function posted for an invocation: Kind "response"
// or "error", the body, and when it arrived.
type Result struct {
	Kind string
	Body []byte
	At   time.Time
}

// NewRuntimeAPI serves a Runtime API on a loopback port until Close.
func NewRuntimeAPI() (*RuntimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: %w", err)
	}
	api := &RuntimeAPI{addr: ln.Addr().String(), next: make(chan *Invocation, 16), closing: make(chan struct{}),
		initErr: make(chan []byte, 1), polled: make(chan struct{}), pending: map[string]*Invocation{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		api.poll.Do(func() { close(api.polled) })
		select {
		case inv := <-api.next:
			api.mu.Lock() // the answer's handler takes mu: the fields are set before Wait reads them
			inv.HandedOut = time.Now()
			inv.Deadline = inv.HandedOut.Add(inv.Timeout)
			api.mu.Unlock()
			close(inv.handed)
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.ID)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.Deadline.UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:httpkafka")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
			w.Write(inv.Payload)
		case <-r.Context().Done():
		case <-api.closing:
		}
	})
	answer := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			at := time.Now()
			api.mu.Lock()
			inv := api.pending[r.PathValue("id")]
			delete(api.pending, r.PathValue("id"))
			api.mu.Unlock()
			if inv == nil {
				http.Error(w, "unknown request id", http.StatusBadRequest)
				return
			}
			inv.done <- Result{Kind: kind, Body: body, At: at}
			w.WriteHeader(http.StatusAccepted)
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", answer("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", answer("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case api.initErr <- body:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	})
	// aws-lambda-go's SIGTERM support registers an internal extension;
	// its next event never comes.
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Lambda-Extension-Identifier", "ext-1")
		w.Write([]byte(`{}`))
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-api.closing:
		}
	})
	api.srv = &http.Server{Handler: mux}
	go api.srv.Serve(ln)
	return api, nil
}

// Addr is the host:port for AWS_LAMBDA_RUNTIME_API.
func (api *RuntimeAPI) Addr() string { return api.addr }

// Polled is closed at the function's first GET .../next: its init is over.
func (api *RuntimeAPI) Polled() <-chan struct{} { return api.polled }

// InitError delivers the body of the function's first init error report.
func (api *RuntimeAPI) InitError() <-chan []byte { return api.initErr }

// Close ends the long polls and stops serving.
func (api *RuntimeAPI) Close() {
	close(api.closing)
	api.srv.Close()
}

// Queue queues an invocation of payload that the function must answer
// within timeout of being handed it.
func (api *RuntimeAPI) Queue(id string, payload []byte, timeout time.Duration) *Invocation {
	inv := &Invocation{ID: id, Payload: payload, Timeout: timeout, handed: make(chan struct{}), done: make(chan Result, 1)}
	api.mu.Lock()
	api.pending[id] = inv
	api.mu.Unlock()
	api.next <- inv
	return inv
}

// Wait waits up to limit for the function's answer, failing early when
// exited (the process's exit; nil for none) is closed.
func (inv *Invocation) Wait(limit time.Duration, exited <-chan struct{}) (Result, error) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case res := <-inv.done:
		return res, nil
	case <-exited:
		return Result{}, fmt.Errorf("invocation %s: the function exited", inv.ID)
	case <-timer.C:
		select {
		case <-inv.handed:
			return Result{}, fmt.Errorf("invocation %s: no answer within %s", inv.ID, limit)
		default:
			return Result{}, fmt.Errorf("invocation %s: the function did not ask for it within %s", inv.ID, limit)
		}
	}
}
