package main

import "strconv"

// gcPercent is the server's GOGC unless the environment sets one. A
// SendMessage server keeps little alive (the Kafka client, the requests in
// flight), so at Go's default of 100 it collects every few megabytes of
// allocation, several times per thousand requests; at 400 it collects a
// quarter as often (BENCHMARKS.md: with one 100-byte message per request
// that saves a tenth of the CPU per request or so).
const gcPercent = 400

// gcSettings is the GOGC and the soft memory limit (bytes) the server runs
// with: gcPercent, and twice the in-flight body budget plus 64 MiB, about
// where GOGC 100 would let the heap grow with the budget full (its bodies,
// what decoding them holds, the rest of the process): under such a load
// the collector runs as the heap nears the limit, so the larger GOGC costs
// no memory that the default would not. GOGC and GOMEMLIMIT, when set,
// are the operator's: each is then -1 (leave it).
func gcSettings(getenv func(string) string, maxInflightBytes int64) (percent int, limit int64) {
	percent, limit = gcPercent, 2*maxInflightBytes+64<<20
	if getenv("GOGC") != "" {
		percent = -1
	}
	if getenv("GOMEMLIMIT") != "" {
		limit = -1
	}
	return percent, limit
}

// gcSummary says what gcSettings chose, for the start-up log.
func gcSummary(percent int, limit int64) string {
	if percent < 0 && limit < 0 {
		return "GOGC and GOMEMLIMIT from the environment"
	}
	s := "GOGC " + strconv.Itoa(percent)
	if percent < 0 {
		s = "GOGC from the environment"
	}
	if limit < 0 {
		return s + ", GOMEMLIMIT from the environment"
	}
	return s + ", soft memory limit " + strconv.FormatInt(limit>>20, 10) + " MiB"
}
