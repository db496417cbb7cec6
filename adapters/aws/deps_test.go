package aws_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection guards the layout: the gateway adapters reach
// Kafka and configuration only through the core, never directly.
func TestDependencyDirection(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "httpkafka/adapters/aws", "httpkafka/adapters/scf", "httpkafka/adapters/gateway", "httpkafka/adapters/httpserver").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case pkg == "httpkafka/internal/kafka", pkg == "httpkafka/internal/config", pkg == "httpkafka/internal/app",
			strings.HasPrefix(pkg, "github.com/twmb/franz-go"), strings.HasPrefix(pkg, "httpkafka/functions/"):
			t.Errorf("an adapter depends on %s", pkg)
		}
	}
}
