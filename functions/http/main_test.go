package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"httpkafka/internal/gatewaytest"
	"httpkafka/internal/kafkatest"
)

// binary is the built command, shared by the tests.
var binary string

func TestMain(m *testing.M) { gatewaytest.TestMainWithBinary(m, &binary, "httpkafka") }

// server is the binary running as a subprocess.
type server struct {
	cmd      *exec.Cmd
	endpoint string
	brokers  []string
	banner   []string
	exited   chan error
	logs     gatewaytest.SyncBuffer // stderr
}

var (
	endpointLine = regexp.MustCompile(`SendMessage endpoint (http://\S+)`)
	brokersLine  = regexp.MustCompile(`Kafka (?:\(in memory, 3 brokers\) )?at (\S+)`)
)

// start runs the binary on a free port with env and waits for its banner.
func start(t *testing.T, env ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, "-addr", "127.0.0.1:0")
	cmd.Env = append(cleanEnv(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, exited: make(chan error, 1)}
	cmd.Stderr = io.MultiWriter(&testWriter{t}, &s.logs)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		s.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		for range lines {
		}
	})
	timeout := time.After(20 * time.Second)
	for s.endpoint == "" || !strings.HasPrefix(s.banner[len(s.banner)-1], "  curl") && !strings.HasPrefix(s.banner[len(s.banner)-1], "try: a TencentCloud SDK") {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("server exited before it was ready; it printed %q", s.banner)
			}
			s.banner = append(s.banner, line)
			if m := endpointLine.FindStringSubmatch(line); m != nil {
				s.endpoint = m[1]
			}
			if m := brokersLine.FindStringSubmatch(line); m != nil {
				s.brokers = strings.Split(m[1], ",")
			}
		case <-timeout:
			t.Fatalf("no banner after 20s; got %q", s.banner)
		}
	}
	go func() {
		for range lines {
		}
	}()
	return s
}

// cleanEnv is the test's environment without the variables httpkafka
// reads, so that a developer's shell cannot change what a test tests.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KAFKA_") && !strings.HasPrefix(kv, "DATAHUB_") && !strings.HasPrefix(kv, "LOG_LEVEL=") && !strings.HasPrefix(kv, "LOG_FORMAT=") {
			env = append(env, kv)
		}
	}
	return env
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("server: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

type reply struct {
	Response struct {
		MessageId []string
		Error     *struct{ Code, Message string }
		RequestId string
	}
}

func post(t *testing.T, endpoint, body string, header map[string]string) (reply, *http.Response) {
	t.Helper()
	req, err := http.NewRequest("POST", endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TC-Action", "SendMessage")
	req.Header.Set("X-TC-Version", "2019-08-19")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("reply %q: %v", raw, err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d, content type %q; want 200 application/json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return r, resp
}

// TestLocalMode runs the binary with nothing configured: embedded Kafka,
// datahub-local -> local. It sends what the banner's curl line sends and
// reads the record back from the embedded brokers.
func TestLocalMode(t *testing.T) {
	s := start(t)
	if len(s.brokers) != 3 {
		t.Fatalf("banner names brokers %v, want 3: %q", s.brokers, s.banner)
	}
	if !strings.Contains(strings.Join(s.banner, "\n"), "access point datahub-local -> topic local") {
		t.Errorf("banner does not name the local access point: %q", s.banner)
	}
	curl := s.banner[len(s.banner)-1]
	body := regexp.MustCompile(`-d '([^']*)'`).FindStringSubmatch(curl)
	if body == nil {
		t.Fatalf("no body in the curl line %q", curl)
	}
	r, _ := post(t, s.endpoint, body[1], nil)
	if r.Response.Error != nil || len(r.Response.MessageId) != 1 {
		t.Fatalf("got %+v %+v", r.Response, r.Response.Error)
	}
	f := strings.Split(r.Response.MessageId[0], ":")
	if f[0] != "datahub-local" || f[1] != "local" {
		t.Errorf("MessageId %s, want datahub-local:local:...", r.Response.MessageId[0])
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(s.brokers...), kgo.ConsumeTopics("local"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fetches := cl.PollFetches(ctx)
	if errs := fetches.Errors(); len(errs) > 0 {
		t.Fatalf("fetch: %v", errs)
	}
	recs := fetches.Records()
	if len(recs) != 1 || string(recs[0].Value) != "hello" || string(recs[0].Key) != "user-1" {
		t.Fatalf("embedded Kafka holds %v", recs)
	}

	// A shutdown signal drains and exits cleanly.
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15s after SIGTERM")
	}
}

// TestExternalKafka runs the binary against a cluster named in
// KAFKA_BROKERS and checks success, suspension and bad input over HTTP.
func TestExternalKafka(t *testing.T) {
	cluster := kafkatest.New(t, 4, "topicDev")
	s := start(t,
		"KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","),
		"DATAHUB_ACCESS_POINTS=datahub-abcd1234=topicDev,datahub-paused=topicDev",
		"DATAHUB_SUSPENDED=datahub-paused",
		"DATAHUB_AUTH=none",
	)
	r, _ := post(t, s.endpoint, `{"DataHubId":"datahub-abcd1234","Message":[{"Body":"hello","Key":"user-1"},{"Body":"world"}]}`, nil)
	if r.Response.Error != nil || len(r.Response.MessageId) != 2 {
		t.Fatalf("got %+v %+v", r.Response, r.Response.Error)
	}
	if recs := cluster.ReadAll(t, "topicDev"); len(recs) != 2 {
		t.Errorf("topic holds %d records, want 2", len(recs))
	}

	r, _ = post(t, s.endpoint, `{"DataHubId":"datahub-paused","Message":[{"Body":"x"}]}`, nil)
	if e := r.Response.Error; e == nil || e.Code != "FailedOperation" || e.Message != "task status suspended [datahub-paused]" {
		t.Errorf("suspended: got %+v", r.Response)
	}
	r, _ = post(t, s.endpoint, `{"DataHubId":"datahub-abcd1234","Message":[{"Key":"k"}]}`, nil)
	if e := r.Response.Error; e == nil || e.Code != "MissingParameter" {
		t.Errorf("invalid: got %+v", r.Response)
	}

	// A body over the limit is refused without being read.
	big := strings.Repeat("x", 7<<20)
	r, _ = post(t, s.endpoint, `{"DataHubId":"datahub-abcd1234","Message":[{"Body":"`+big+`"}]}`, nil)
	if e := r.Response.Error; e == nil || e.Code != "RequestSizeLimitExceeded" || !strings.HasSuffix(e.Message, "limit 6291456") {
		t.Errorf("oversize: got %+v", r.Response)
	}
}

// TestBadConfig: a malformed variable stops start-up with one line naming it.
func TestBadConfig(t *testing.T) {
	for env, want := range map[string]string{
		"DATAHUB_MAX_MESSAGES=lots":           "DATAHUB_MAX_MESSAGES",
		"DATAHUB_REQUEST_TIMEOUT=10":          "DATAHUB_REQUEST_TIMEOUT",
		"DATAHUB_ACCESS_POINTS=datahub-a":     "DATAHUB_ACCESS_POINTS",
		"DATAHUB_SUSPENDED=datahub-elsewhere": "DATAHUB_SUSPENDED",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary, "-addr", "127.0.0.1:0")
		cmd.Env = append(cleanEnv(), env)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("%s: started", env)
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], want) {
			t.Errorf("%s: printed %q, want one line naming %s", env, out, want)
		}
	}
}

// TestShutdownDrains: SIGTERM while a request waits on Kafka lets it finish
// with its MessageId, then the process exits cleanly.
func TestShutdownDrains(t *testing.T) {
	cluster := kafkatest.New(t, 1, "slow")
	produceSeen := make(chan struct{}, 1)
	cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		select {
		case produceSeen <- struct{}{}:
			cluster.SleepControl(func() { time.Sleep(time.Second) })
		default:
		}
		return nil, nil, false
	})
	s := start(t, "KAFKA_BROKERS="+strings.Join(cluster.Brokers(), ","), "DATAHUB_ACCESS_POINTS=datahub-slow=slow", "DATAHUB_AUTH=none")
	replies := make(chan reply, 1)
	go func() { // no t.Fatal off the test goroutine: a zero reply fails below
		var r reply
		req, _ := http.NewRequest("POST", s.endpoint, strings.NewReader(`{"DataHubId":"datahub-slow","Message":[{"Body":"in flight"}]}`))
		req.Header = http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
		}
		replies <- r
	}()
	select {
	case <-produceSeen:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached Kafka")
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case r := <-replies:
		if r.Response.Error != nil || len(r.Response.MessageId) != 1 {
			t.Fatalf("in-flight request got %+v %+v, want its MessageId", r.Response, r.Response.Error)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no reply to the in-flight request")
	}
	select {
	case err := <-s.exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after SIGTERM")
	}
	if recs := cluster.ReadAll(t, "slow"); len(recs) != 1 || string(recs[0].Value) != "in flight" {
		t.Errorf("topic holds %v", recs)
	}
}
