// Command coldstart measures functions/lambda's cold start beside the bare
// aws-lambda-go function of bench/barelambda, through a real Lambda Runtime
// API (served here) against one Kafka (kfake, in this process): the same
// API Gateway REST event, the same broker, the two binaries in alternating
// order.
//
// For each binary and round it reports
//
//   - cold: process start to the first reply, the invocation waiting when
//     the process starts (an on-demand cold start);
//
//   - warm: the second invocation, from hand-out to reply;
//
//   - cpu: the process's CPU time (getrusage) for start and both invocations;
//
//   - provisioned first/warm: with AWS_LAMBDA_INITIALIZATION_TYPE=
//     provisioned-concurrency, the first invocation handed out after init
//     (the process's first poll, then a pause) against the one after it,
//     handed out after the same pause: both find an idle process, as
//     invocations spread out in time do.
//
//     go run ./bench/coldstart -rounds 10
//
// Run it from the module root: it builds both functions.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"httpkafka/bench/internal/benchrun"
)

const topic = benchrun.Topic

func main() {
	rounds := flag.Int("rounds", 10, "rounds; each starts every binary in both modes")
	flag.Parse()
	if err := run(*rounds); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

// fn is one function binary and its environment.
type fn struct {
	name, bin string
	env       []string
}

// result is one start of one binary.
type result struct {
	cold, warm, cpu time.Duration
	first, warm2    time.Duration // provisioned mode
}

func run(rounds int) error {
	brokers, bins, cleanup, err := benchrun.Setup("lambda.norpc", map[string]string{"httpkafka": "./functions/lambda", "bare": "./bench/barelambda"})
	if err != nil {
		return err
	}
	defer cleanup()
	fns := []*fn{
		{name: "httpkafka", bin: bins["httpkafka"], env: []string{"KAFKA_BROKERS=" + brokers, "DATAHUB_ACCESS_POINTS=datahub-bench=" + topic, "DATAHUB_AUTH=none", "LOG_LEVEL=ERROR"}},
		{name: "bare", bin: bins["bare"], env: []string{"KAFKA_BROKERS=" + brokers, "TOPIC=" + topic}},
	}
	event, err := restEvent()
	if err != nil {
		return err
	}

	fmt.Printf("machine: %s; Kafka: kfake, 3 brokers in this process; event: API Gateway REST, 10 messages of 100 bytes\n\n", benchrun.Machine())
	fmt.Printf("%-5s %-9s %10s %10s %10s %12s %12s\n", "round", "function", "cold ms", "warm ms", "cpu ms", "prov 1st ms", "prov warm ms")
	results := map[string][]result{}
	for r := range rounds {
		order := fns
		if r%2 == 1 {
			order = []*fn{fns[1], fns[0]}
		}
		for _, f := range order {
			res, err := coldStart(f, event)
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			if res.first, res.warm2, err = provisioned(f, event); err != nil {
				return fmt.Errorf("%s provisioned: %w", f.name, err)
			}
			results[f.name] = append(results[f.name], res)
			fmt.Printf("%-5d %-9s %10.2f %10.2f %10.2f %12.2f %12.2f\n", r+1, f.name, ms(res.cold), ms(res.warm), ms(res.cpu), ms(res.first), ms(res.warm2))
		}
	}

	hk, bare := results["httpkafka"], results["bare"]
	col := func(rs []result, get func(result) time.Duration) float64 {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, ms(get(r)))
		}
		return benchrun.Median(xs)
	}
	ratio := func(get func(result) time.Duration) float64 {
		var xs []float64
		for i := range hk {
			xs = append(xs, float64(get(hk[i]))/float64(get(bare[i])))
		}
		return benchrun.Median(xs)
	}
	firstOverWarm := func(rs []result) float64 {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, float64(r.first)/float64(r.warm2))
		}
		return benchrun.Median(xs)
	}
	cold := func(r result) time.Duration { return r.cold }
	warm := func(r result) time.Duration { return r.warm }
	cpu := func(r result) time.Duration { return r.cpu }
	first := func(r result) time.Duration { return r.first }
	fmt.Printf("\nmedians over %d rounds; ratio = median of the per-round ratios httpkafka/bare\n\n", rounds)
	fmt.Println("| figure | httpkafka | bare | ratio |")
	fmt.Println("| --- | ---: | ---: | ---: |")
	fmt.Printf("| cold start: process start to first reply (ms) | %.2f | %.2f | **%.2f** |\n", col(hk, cold), col(bare, cold), ratio(cold))
	fmt.Printf("| warm invocation (ms) | %.2f | %.2f | **%.2f** |\n", col(hk, warm), col(bare, warm), ratio(warm))
	fmt.Printf("| CPU for start + 2 invocations (ms, getrusage) | %.2f | %.2f | **%.2f** |\n", col(hk, cpu), col(bare, cpu), ratio(cpu))
	fmt.Printf("| provisioned: first invocation after init (ms) | %.2f | %.2f | **%.2f** |\n", col(hk, first), col(bare, first), ratio(first))
	fmt.Printf("| provisioned: first invocation / warm one | **%.2f** | %.2f | |\n", firstOverWarm(hk), firstOverWarm(bare))
	return nil
}

// coldStart starts f with an invocation waiting and then sends a second.
func coldStart(f *fn, event []byte) (result, error) {
	api, err := newRuntimeAPI()
	if err != nil {
		return result{}, err
	}
	defer api.close()
	api.queue(event)
	cmd := exec.Command(f.bin)
	cmd.Env = append(slices.Clone(f.env), "AWS_LAMBDA_RUNTIME_API="+api.addr)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer stop(cmd)
	var res result
	first, err := api.reply(10 * time.Second)
	if err != nil {
		return res, err
	}
	res.cold = first.at.Sub(start)
	api.queue(event)
	second, err := api.reply(10 * time.Second)
	if err != nil {
		return res, err
	}
	res.warm = second.at.Sub(second.handedOut)
	res.cpu = stop(cmd)
	return res, nil
}

// provisioned starts f as provisioned concurrency does: init first, the
// first invocation later.
func provisioned(f *fn, event []byte) (first, warm time.Duration, err error) {
	api, err := newRuntimeAPI()
	if err != nil {
		return 0, 0, err
	}
	defer api.close()
	cmd := exec.Command(f.bin)
	cmd.Env = append(slices.Clone(f.env), "AWS_LAMBDA_RUNTIME_API="+api.addr, "AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency")
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer stop(cmd)
	select {
	case <-api.polled: // init is over
	case <-time.After(10 * time.Second):
		return 0, 0, fmt.Errorf("no poll within 10s")
	}
	var d [2]time.Duration
	for i := range d {
		time.Sleep(200 * time.Millisecond) // the instance waits for traffic
		api.queue(event)
		r, err := api.reply(10 * time.Second)
		if err != nil {
			return 0, 0, err
		}
		d[i] = r.at.Sub(r.handedOut)
	}
	return d[0], d[1], nil
}

// stop kills the process and returns its CPU time.
func stop(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// restEvent is the repository's API Gateway REST event carrying a
// SendMessage body of 10 messages of 100 bytes.
func restEvent() ([]byte, error) {
	raw, err := os.ReadFile("events/rest-api.json")
	if err != nil {
		return nil, err
	}
	var e map[string]any
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(`{"DataHubId":"datahub-bench","Message":[`)
	for i := range 10 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Body":%q,"Key":"user-%d"}`, strings.Repeat("v", 100), i)
	}
	b.WriteString(`]}`)
	e["body"], e["isBase64Encoded"] = b.String(), false
	return json.Marshal(e)
}

// runtimeAPI is the Lambda Runtime API for one process: it hands out the
// queued invocations and records when each reply arrives.
type runtimeAPI struct {
	addr    string
	srv     *http.Server
	next    chan []byte
	replies chan reply
	polled  chan struct{} // closed at the first GET .../next
	once    sync.Once
	closing chan struct{}

	mu        sync.Mutex
	handedOut map[string]time.Time
	n         int
}

type reply struct {
	handedOut, at time.Time
	status        int
}

func newRuntimeAPI() (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	api := &runtimeAPI{addr: ln.Addr().String(), next: make(chan []byte, 4), replies: make(chan reply, 4),
		polled: make(chan struct{}), closing: make(chan struct{}), handedOut: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		api.once.Do(func() { close(api.polled) })
		select {
		case event := <-api.next:
			api.mu.Lock()
			api.n++
			id := "inv-" + strconv.Itoa(api.n)
			api.handedOut[id] = time.Now()
			api.mu.Unlock()
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
			w.Write(event)
		case <-r.Context().Done():
		case <-api.closing:
		}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/{kind}", func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		api.mu.Lock()
		out := api.handedOut[r.PathValue("id")]
		api.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		var resp struct{ StatusCode int }
		json.Unmarshal(body, &resp)
		if r.PathValue("kind") != "response" || !strings.Contains(string(body), "MessageId") {
			fmt.Fprintf(os.Stderr, "unexpected %s: %s\n", r.PathValue("kind"), body)
			resp.StatusCode = 0
		}
		api.replies <- reply{handedOut: out, at: at, status: resp.StatusCode}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(os.Stderr, "init error: %s\n", body)
		w.WriteHeader(http.StatusAccepted)
	})
	// aws-lambda-go's SIGTERM support registers an internal extension;
	// its next event never comes.
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Lambda-Extension-Identifier", "ext-1")
		w.Write([]byte(`{}`))
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-api.closing:
		}
	})
	api.srv = &http.Server{Handler: mux}
	go api.srv.Serve(ln)
	return api, nil
}

func (api *runtimeAPI) queue(event []byte) { api.next <- event }

func (api *runtimeAPI) reply(limit time.Duration) (reply, error) {
	select {
	case r := <-api.replies:
		if r.status != http.StatusOK {
			return r, fmt.Errorf("invocation failed (status %d)", r.status)
		}
		return r, nil
	case <-time.After(limit):
		return reply{}, fmt.Errorf("no reply within %s", limit)
	}
}

func (api *runtimeAPI) close() {
	close(api.closing)
	api.srv.Close()
}
