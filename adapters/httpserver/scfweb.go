package httpserver

import (
	"cmp"
	"net/http"

	"httpkafka/adapters/gateway"
	"httpkafka/internal/core"
)

// SCFWeb is Handler for an SCF web function, whose requests all come
// through SCF's own front end (function URL, then the instance's proxy)
// and never straight from a client. Only there are these headers the
// platform's rather than the client's, so only SCFWeb reads them:
//
//   - X-Scf-Request-Id: the invocation's request id, which SCF also
//     returns to the client in the response header of the same name.
//   - X-Scf-Remote-Addr: the client's address, as the function URL's
//     front end records it in event functions' events; failing that, the
//     last X-Forwarded-For entry, which the instance's proxy appends.
//
// Either may be missing (the docs do not promise them to web functions):
// then the request id is a fresh UUID and the address the peer's.
// opts are Handler's limits.
func SCFWeb(svc *core.Service, opts ...Option) http.Handler {
	return newHandler(svc, scfFrontEnd, opts)
}

func scfFrontEnd(r *http.Request) (string, string) {
	ip := cmp.Or(r.Header.Get("X-Scf-Remote-Addr"), gateway.LastForwardedFor(r.Header), gateway.RemoteIP(r.RemoteAddr))
	return r.Header.Get("X-Scf-Request-Id"), ip
}
