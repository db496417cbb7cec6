package gatewaytest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// Build compiles the package in dir (a function main) into a temporary
// directory as name, the way the Makefile does, and returns its path and
// a cleanup. Tests call it once, from TestMain.
func Build(dir, name string, tags ...string) (bin string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "httpkafka-"+name+"-")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(tmp, name)
	args := []string{"build", "-trimpath", "-o", bin}
	for _, tag := range tags {
		args = append(args, "-tags", tag)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", nil, &BuildError{Output: out, Err: err}
	}
	return bin, func() { os.RemoveAll(tmp) }, nil
}

// TestMainWithBinary is a function package's TestMain: it builds the
// package in the current directory as name (with tags) into *bin, runs the
// tests, removes the binary and exits.
func TestMainWithBinary(m *testing.M, bin *string, name string, tags ...string) {
	path, cleanup, err := Build(".", name, tags...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*bin = path
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// BuildError is go build's failure with its output.
type BuildError struct {
	Output []byte
	Err    error
}

func (e *BuildError) Error() string { return "go build: " + e.Err.Error() + "\n" + string(e.Output) }

// Process is a function binary running as a subprocess with exactly the
// environment it was given (nothing inherited). It is killed when the test
// ends; its stderr (the JSON logs) is logged then.
type Process struct {
	cmd    *exec.Cmd
	stderr SyncBuffer
	exited chan struct{}
	err    error
}

// Start runs bin with env and stops it when t ends.
func Start(t testing.TB, bin string, env ...string) *Process {
	t.Helper()
	p := &Process{cmd: exec.Command(bin), exited: make(chan struct{})}
	p.cmd.Env = env
	dieWithTest(p.cmd)
	p.cmd.Stderr = &p.stderr
	p.cmd.Stdout = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill() // this process only, by its pid
		<-p.exited
		t.Logf("%s stderr:\n%s", filepath.Base(bin), p.stderr.String())
	})
	return p
}

// Wait waits up to d for the process to exit and returns its error
// (nil for status 0); ok is false if it is still running.
func (p *Process) Wait(d time.Duration) (err error, ok bool) {
	select {
	case <-p.exited:
		return p.err, true
	case <-time.After(d):
		return nil, false
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Stderr is what the process has written so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// SyncBuffer is a buffer that a process's output and a test may use at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is what has been written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	requestIDField = regexp.MustCompile(`"RequestId":"[^"]*"`)
	messageIDTail  = regexp.MustCompile(`:\d+:\d+:\d+:\d+"`)
)

// Comparable is an envelope with its RequestId and the partition, offset
// and times of its MessageIds blanked: what must be identical whichever
// gateway a request came through.
func Comparable(envelope string) string {
	s := requestIDField.ReplaceAllString(envelope, `"RequestId":"<id>"`)
	return messageIDTail.ReplaceAllString(s, `:<partition>:<offset>:<received>:<sent>"`)
}
