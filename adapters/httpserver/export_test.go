package httpserver

import "net/http"

// InflightBytes is the body bytes that h's requests in flight hold now.
func InflightBytes(h http.Handler) int64 { return h.(*handler).budget.used.Load() }
