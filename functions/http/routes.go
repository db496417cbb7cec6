package main

import (
	"context"
	"net/http"
	"time"

	"httpkafka/internal/app"
)

// readyTimeout bounds one readiness check.
const readyTimeout = 3 * time.Second

// routes serves the operator's endpoints on their exact paths (GET or
// HEAD) and SendMessage on every other request. It is not a ServeMux: a
// mux would clean or redirect the odd paths a signed SendMessage may use.
func routes(a *app.App, metrics, sendMessage http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			switch r.URL.Path {
			case "/healthz":
				plain(w, http.StatusOK, "ok\n")
				return
			case "/readyz":
				ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
				defer cancel()
				if err := a.Ready(ctx); err != nil {
					plain(w, http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
					return
				}
				plain(w, http.StatusOK, "ready\n")
				return
			case "/metrics":
				metrics.ServeHTTP(w, r)
				return
			}
		}
		sendMessage.ServeHTTP(w, r)
	})
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(body))
}
