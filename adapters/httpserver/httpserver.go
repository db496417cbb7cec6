// Package httpserver serves the core over plain net/http: local mode, a
// container ([Handler]), or an SCF web function ([SCFWeb], which also
// reads what SCF's front end adds to each request).
package httpserver

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// Handler answers every request with the core's envelope, whatever the
// path. The source address is the connection's peer; the request id a
// fresh one.
func Handler(svc *core.Service) http.Handler {
	return handler(svc, direct)
}

// origin says who sent r and under which id, "" for a fresh one.
type origin func(r *http.Request) (requestID, sourceIP string)

// direct trusts nothing the request says about itself.
func direct(r *http.Request) (string, string) { return "", gateway.RemoteIP(r.RemoteAddr) }

func handler(svc *core.Service, from origin) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ip := from(r)
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
		body, err := readBody(r, limit)
		var resp *core.Response
		switch {
		case errors.Is(err, errTooLarge):
			size := "more than " + strconv.Itoa(limit)
			if r.ContentLength > 0 {
				size = strconv.FormatInt(r.ContentLength, 10)
			}
			resp = svc.Fail(r.Context(), req, core.Errorf(core.CodeRequestSizeLimitExceeded, "request body is %s bytes, limit %d", size, limit))
		case err != nil:
			// A malformed chunked body, or a read timeout. If the
			// connection is gone, writing the answer just fails.
			resp = svc.Fail(r.Context(), req, core.Errorf(core.CodeInvalidParameter, "request body could not be read: %v", err))
		default:
			req.Body = body
			resp = svc.Handle(r.Context(), req)
		}
		write(w, resp)
	})
}

var errTooLarge = errors.New("request body too large")

// readBody reads the body into one buffer sized from Content-Length when
// the client sent one, and stops one byte past limit.
func readBody(r *http.Request, limit int) ([]byte, error) {
	if r.ContentLength > int64(limit) {
		return nil, errTooLarge
	}
	size := 512
	if r.ContentLength >= 0 {
		size = int(r.ContentLength) + 1 // +1 lets Read report EOF without growing
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return nil, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
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
