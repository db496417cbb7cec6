package main

import (
	"os"
	"strings"
	"testing"

	"httpkafka/internal/app"
)

// TestReadmeStartUp keeps README's account of the start-up in step with
// the code: the warm-up's bound is app.WarmLimit, SCF warms up before
// serving only with KAFKA_BROKERS in its process environment (main), and
// Lambda during init for provisioned concurrency (functions/lambda).
func TestReadmeStartUp(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(raw)), " ") // lines wrapped anywhere
	for _, want := range []string{
		"bounded by `app.WarmLimit` (" + app.WarmLimit.String() + ")",
		"`functions/scf` warms up before it starts serving when `KAFKA_BROKERS` is in the process environment at start",
		"`functions/lambda` warms up during init for provisioned concurrency",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README does not say %q", want)
		}
	}
}
