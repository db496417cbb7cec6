package main

import "testing"

func TestGCSettings(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for _, tc := range []struct {
		name    string
		env     map[string]string
		percent int
		limit   int64
		summary string
	}{
		{"defaults", nil, 400, 2*(256<<20) + 64<<20, "GOGC 400, soft memory limit 576 MiB"},
		{"GOGC set", map[string]string{"GOGC": "100"}, -1, 2*(256<<20) + 64<<20, "GOGC from the environment, soft memory limit 576 MiB"},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, 400, -1, "GOGC 400, GOMEMLIMIT from the environment"},
		{"both set", map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, -1, -1, "GOGC and GOMEMLIMIT from the environment"},
	} {
		percent, limit := gcSettings(env(tc.env), 256<<20)
		if percent != tc.percent || limit != tc.limit {
			t.Errorf("%s: GOGC %d, limit %d; want %d, %d", tc.name, percent, limit, tc.percent, tc.limit)
		}
		if got := gcSummary(percent, limit); got != tc.summary {
			t.Errorf("%s: summary %q, want %q", tc.name, got, tc.summary)
		}
	}
}
