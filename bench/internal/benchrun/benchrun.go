// Package benchrun is what the benchmark runners under bench/ share: the
// Kafka they measure against, building the binaries they compare, and the
// median that every figure is reported as.
package benchrun

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Topic is the topic every benchmark produces to.
const Topic = "bench"

// Setup starts kfake with 3 brokers and Topic in 6 partitions (records
// are checked, then dropped, so that a long run does not fill memory) and
// builds each package (run from the module root) into a temporary
// directory as its name, with tags, the way the Makefile builds the
// functions. It returns the brokers' addresses, the binaries' paths by
// name, and a cleanup that stops Kafka and removes the binaries.
func Setup(tags string, pkgs map[string]string) (brokers string, bins map[string]string, cleanup func(), err error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(6, Topic), kfake.BlackholeProduce())
	if err != nil {
		return "", nil, nil, fmt.Errorf("kfake: %w", err)
	}
	dir, err := os.MkdirTemp("", "httpkafka-bench-")
	if err != nil {
		c.Close()
		return "", nil, nil, err
	}
	cleanup = func() { c.Close(); os.RemoveAll(dir) }
	bins = map[string]string{}
	for name, pkg := range pkgs {
		fmt.Println("building", pkg, "...")
		bins[name] = filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-trimpath", "-tags", tags, "-o", bins[name], pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			cleanup()
			return "", nil, nil, fmt.Errorf("build %s: %v\n%s", pkg, err, out)
		}
	}
	return strings.Join(c.ListenAddrs(), ","), bins, cleanup, nil
}

// Machine says what the figures were measured on.
func Machine() string {
	return fmt.Sprintf("%d cores (GOMAXPROCS %d), %s %s/%s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// Median is the middle of xs (the mean of the two middle values for an
// even count); 0 for none.
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	switch {
	case len(s) == 0:
		return 0
	case len(s)%2 == 1:
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
