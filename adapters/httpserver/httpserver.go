// Package httpserver serves the core over plain net/http: local mode, a
// container ([Handler]), or an SCF web function ([SCFWeb], which also
// reads what SCF's front end adds to each request).
package httpserver

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// Defaults of the Handler's limits on slow and hostile clients.
const (
	// DefaultMaxInflightBytes is the body bytes all requests in flight
	// may hold together.
	DefaultMaxInflightBytes = 256 << 20
	// DefaultBodyIdleTimeout is how long a body may go without a byte.
	DefaultBodyIdleTimeout = 5 * time.Second
	// DefaultBodyTimeout is how long a whole body may take to arrive.
	DefaultBodyTimeout = 40 * time.Second
)

// Option changes one of the Handler's limits.
type Option func(*handler)

// MaxInflightBytes bounds the request body bytes that all requests in
// flight hold together (default DefaultMaxInflightBytes). A request whose
// body would pass it is answered RequestLimitExceeded at once, rather than
// queued.
func MaxInflightBytes(n int64) Option {
	return func(h *handler) { h.budget.max = n }
}

// BodyTimeouts bounds how long a body may go without a byte (idle,
// default DefaultBodyIdleTimeout) and how long all of it may take (total,
// default DefaultBodyTimeout). A body cut short by either is answered
// InvalidParameter. They override the server's ReadTimeout while the body
// is read; they need a ResponseWriter that supports read deadlines.
func BodyTimeouts(idle, total time.Duration) Option {
	return func(h *handler) { h.idle, h.total = idle, total }
}

type handler struct {
	svc         *core.Service
	from        origin
	budget      budget
	idle, total time.Duration
}

// Handler answers every request with the core's envelope, whatever the
// path. The source address is the connection's peer; the request id a
// fresh one.
func Handler(svc *core.Service, opts ...Option) http.Handler {
	return newHandler(svc, direct, opts)
}

// origin says who sent r and under which id, "" for a fresh one.
type origin func(r *http.Request) (requestID, sourceIP string)

// direct trusts nothing the request says about itself.
func direct(r *http.Request) (string, string) { return "", gateway.RemoteIP(r.RemoteAddr) }

func newHandler(svc *core.Service, from origin, opts []Option) *handler {
	h := &handler{svc: svc, from: from, budget: budget{max: DefaultMaxInflightBytes}, idle: DefaultBodyIdleTimeout, total: DefaultBodyTimeout}
	for _, opt := range opts {
		opt(h)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	svc := h.svc
	id, ip := h.from(r)
	req := &core.Request{
		Method:    r.Method,
		Host:      r.Host,
		Path:      r.URL.EscapedPath(), // as sent: signatures cover it escaped
		RawQuery:  r.URL.RawQuery,
		Header:    r.Header,
		RequestID: id,
		SourceIP:  ip,
		Received:  time.Now(),
	}
	limit := svc.MaxRequestBytes()
	body, held, err := h.readBody(w, r, limit, req.Received)
	defer h.budget.give(held) // after the reply: Handle keeps the body until then
	var resp *core.Response
	switch {
	case errors.Is(err, errTooLarge):
		size := "more than " + strconv.Itoa(limit)
		if r.ContentLength > 0 {
			size = strconv.FormatInt(r.ContentLength, 10)
		}
		resp = svc.Fail(r.Context(), req, core.Errorf(core.CodeRequestSizeLimitExceeded, "request body is %s bytes, limit %d", size, limit))
	case errors.Is(err, errBusy):
		resp = svc.Fail(r.Context(), req, core.Errorf(core.CodeRequestLimitExceeded,
			"the server holds its limit of %d bytes of request bodies in flight; retry later", h.budget.max))
	case err != nil:
		// A malformed chunked body, or a read timeout. If the
		// connection is gone, writing the answer just fails.
		resp = svc.Fail(r.Context(), req, core.Errorf(core.CodeInvalidParameter, "request body could not be read: %v", err))
	default:
		req.Body = body
		resp = svc.Handle(r.Context(), req)
	}
	write(w, resp)
}

var (
	errTooLarge = errors.New("request body too large")
	errBusy     = errors.New("in-flight body budget exhausted")
)

// budget counts the body bytes that requests in flight hold.
type budget struct {
	used atomic.Int64
	max  int64
}

func (b *budget) take(n int64) bool {
	if b.used.Add(n) > b.max {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *budget) give(n int64) { b.used.Add(-n) }

// readBody reads the body, stopping one byte past limit. The buffer grows
// as bytes arrive (doubling, up to the announced Content-Length), so an
// announced length costs nothing until it is sent; each growth is taken
// from the in-flight budget first. held is what was taken, to give back.
// Every read waits at most the idle timeout for a byte and ends by the
// total one.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request, limit int, start time.Time) (buf []byte, held int64, err error) {
	if r.ContentLength > int64(limit) {
		return nil, 0, errTooLarge
	}
	most := limit + 1 // +1 lets Read report EOF (or one byte too many) without growing
	if r.ContentLength >= 0 {
		most = int(r.ContentLength) + 1
	}
	rc := http.NewResponseController(w)
	end := start.Add(h.total)
	for {
		if len(buf) == cap(buf) {
			size := min(max(2*cap(buf), 4096), most)
			if size <= cap(buf) {
				size = cap(buf) + 4096 // a body longer than announced: Read reports it
			}
			if !h.budget.take(int64(size - cap(buf))) {
				return nil, held, errBusy
			}
			held += int64(size - cap(buf))
			buf = append(make([]byte, 0, size), buf...)
		}
		deadline := time.Now().Add(h.idle)
		if end.Before(deadline) {
			deadline = end
		}
		rc.SetReadDeadline(deadline) // ErrNotSupported: the server's ReadTimeout stays
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return nil, held, errTooLarge
		}
		if err == io.EOF || err == nil && int64(len(buf)) == r.ContentLength {
			// All the announced bytes are in: net/http's body reader
			// stops there, so reading on could only report EOF.
			return buf, held, nil
		}
		if err != nil {
			return nil, held, err
		}
	}
}

func write(w http.ResponseWriter, resp *core.Response) {
	h := w.Header()
	gateway.WriteHeaders(h, resp)
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(gateway.Status(resp))
	w.Write(resp.Body)
}
