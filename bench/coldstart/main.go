// Command coldstart measures the function binaries' cold starts beside
// bare functions, each through its platform's real protocol, against one
// Kafka (kfake, in this process):
//
//   - Lambda: functions/lambda vs the bare aws-lambda-go function of
//     bench/barelambda, through a Lambda Runtime API served here, with the
//     repository's API Gateway REST event;
//
//   - SCF: functions/scf vs the bare scf-go-lib function of bench/barescf,
//     called over net/rpc as SCF's Go1 runtime calls them (dial
//     _LAMBDA_SERVER_PORT, Function.Invoke), with the repository's function
//     URL event. As on SCF, the function's variables are in the process
//     environment and repeated with each invocation.
//
// Each event carries a SendMessage body of 10 messages of 100 bytes. Per
// platform, round and binary (the two binaries in alternating order) it
// reports
//
//   - cold: process start to the first reply, the invocation waiting when
//     the process starts (an on-demand cold start; on SCF the runtime
//     dials every millisecond until the function listens);
//
//   - warm: the second invocation, from hand-out to reply;
//
//   - cpu: the process's CPU time (getrusage) for start and both invocations;
//
//   - provisioned first/warm: the process initialised ahead (Lambda:
//     AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency, init over at
//     its first poll; SCF: provisioned instances, init over when it answers
//     Function.Ping), then stopped (SIGSTOP) for a pause, as the platforms
//     freeze an instance that has no invocation, and continued; the first
//     invocation after that against the second, which comes after the same
//     freeze: both find a process just thawed, as invocations spread out in
//     time do, so that the ratio is what initialising ahead left undone.
//
//     go run ./bench/coldstart -rounds 10
//
// Run it from the module root: it builds the four functions.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"httpkafka/bench/internal/benchrun"
	"httpkafka/internal/platformtest"
)

const topic = benchrun.Topic

// limit bounds every wait for a function.
const limit = 10 * time.Second

// pause is how long an instance initialised ahead waits, frozen, for its
// first invocation.
const pause = 200 * time.Millisecond

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
	first, warm2    time.Duration // provisioned
}

// platform is one FaaS protocol and the two binaries measured through it.
type platform struct {
	name, event string
	fns         [2]*fn // httpkafka, bare
	payload     []byte
	// coldStart starts f with an invocation waiting and then sends a
	// second; provisioned starts f, lets it init, and sends two
	// invocations, each after freezing it for pause.
	coldStart   func(f *fn, payload []byte) (result, error)
	provisioned func(f *fn, payload []byte) (first, warm time.Duration, err error)
}

func run(rounds int) error {
	brokers, bins, cleanup, err := benchrun.Setup("lambda.norpc", map[string]string{
		"lambda": "./functions/lambda", "barelambda": "./bench/barelambda",
		"scf": "./functions/scf", "barescf": "./bench/barescf",
	})
	if err != nil {
		return err
	}
	defer cleanup()
	httpkafkaEnv := []string{"KAFKA_BROKERS=" + brokers, "DATAHUB_ACCESS_POINTS=datahub-bench=" + topic, "DATAHUB_AUTH=none", "LOG_LEVEL=ERROR"}
	bareEnv := []string{"KAFKA_BROKERS=" + brokers, "TOPIC=" + topic}
	platforms := []*platform{
		{name: "Lambda", event: "events/rest-api.json", coldStart: lambdaColdStart, provisioned: lambdaProvisioned,
			fns: [2]*fn{{name: "httpkafka", bin: bins["lambda"], env: httpkafkaEnv}, {name: "bare", bin: bins["barelambda"], env: bareEnv}}},
		{name: "SCF", event: "events/scf-function-url.json", coldStart: scfColdStart, provisioned: scfProvisioned,
			fns: [2]*fn{{name: "httpkafka", bin: bins["scf"], env: httpkafkaEnv}, {name: "bare", bin: bins["barescf"], env: bareEnv}}},
	}
	for _, p := range platforms {
		if p.payload, err = sendMessageEvent(p.event); err != nil {
			return err
		}
	}

	fmt.Printf("machine: %s; Kafka: kfake, 3 brokers in this process; events: %s and %s, 10 messages of 100 bytes\n\n",
		benchrun.Machine(), platforms[0].event, platforms[1].event)
	fmt.Printf("%-6s %-5s %-9s %10s %10s %10s %12s %12s\n", "", "round", "function", "cold ms", "warm ms", "cpu ms", "prov 1st ms", "prov warm ms")
	results := map[*fn][]result{}
	for r := range rounds {
		for _, p := range platforms {
			order := p.fns
			if r%2 == 1 {
				order = [2]*fn{p.fns[1], p.fns[0]}
			}
			for _, f := range order {
				res, err := p.coldStart(f, p.payload)
				if err != nil {
					return fmt.Errorf("%s %s: %w", p.name, f.name, err)
				}
				if res.first, res.warm2, err = p.provisioned(f, p.payload); err != nil {
					return fmt.Errorf("%s %s provisioned: %w", p.name, f.name, err)
				}
				results[f] = append(results[f], res)
				fmt.Printf("%-6s %-5d %-9s %10.2f %10.2f %10.2f %12.2f %12.2f\n", p.name, r+1, f.name, ms(res.cold), ms(res.warm), ms(res.cpu), ms(res.first), ms(res.warm2))
			}
		}
	}
	for _, p := range platforms {
		report(p.name, rounds, results[p.fns[0]], results[p.fns[1]])
	}
	return nil
}

// report prints the medians of one platform's figures and of the
// per-round ratios httpkafka/bare as a Markdown table.
func report(platform string, rounds int, hk, bare []result) {
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
	fmt.Printf("\n%s: medians over %d rounds; ratio = median of the per-round ratios httpkafka/bare\n\n", platform, rounds)
	fmt.Println("| figure | httpkafka | bare | ratio |")
	fmt.Println("| --- | ---: | ---: | ---: |")
	fmt.Printf("| cold start: process start to first reply (ms) | %.2f | %.2f | **%.2f** |\n", col(hk, cold), col(bare, cold), ratio(cold))
	fmt.Printf("| warm invocation (ms) | %.2f | %.2f | **%.2f** |\n", col(hk, warm), col(bare, warm), ratio(warm))
	fmt.Printf("| CPU for start + 2 invocations (ms, getrusage) | %.2f | %.2f | **%.2f** |\n", col(hk, cpu), col(bare, cpu), ratio(cpu))
	fmt.Printf("| provisioned: first invocation after init (ms) | %.2f | %.2f | **%.2f** |\n", col(hk, first), col(bare, first), ratio(first))
	fmt.Printf("| provisioned: first invocation / warm one | **%.2f** | %.2f | |\n", firstOverWarm(hk), firstOverWarm(bare))
}

// proc is a running function process.
type proc struct {
	cmd    *exec.Cmd
	start  time.Time
	exited chan struct{}
}

// start runs f with extra environment; its log (stderr) goes to this
// process's stderr, its stdout (Lambda's metrics) nowhere.
func start(f *fn, extra ...string) (*proc, error) {
	p := &proc{cmd: exec.Command(f.bin), exited: make(chan struct{})}
	p.cmd.Env = append(slices.Clone(f.env), extra...)
	p.cmd.Stderr = os.Stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	return p, nil
}

// freeze stops the process for pause, as a platform freezes an idle
// instance, and continues it.
func (p *proc) freeze() error {
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	time.Sleep(pause)
	return p.cmd.Process.Signal(syscall.SIGCONT)
}

// stop kills the process (by its pid) and returns its CPU time.
func (p *proc) stop() time.Duration {
	p.cmd.Process.Kill()
	<-p.exited
	if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return 0
}

// lambdaColdStart starts f with an invocation waiting and then sends a
// second.
func lambdaColdStart(f *fn, payload []byte) (res result, err error) {
	api, err := platformtest.NewRuntimeAPI()
	if err != nil {
		return res, err
	}
	defer api.Close()
	first := api.Queue("inv-1", payload, 30*time.Second)
	p, err := start(f, "AWS_LAMBDA_RUNTIME_API="+api.Addr())
	if err != nil {
		return res, err
	}
	defer func() { res.cpu = p.stop() }()
	r, err := lambdaReply(first, p)
	if err != nil {
		return res, err
	}
	res.cold = r.At.Sub(p.start)
	second := api.Queue("inv-2", payload, 30*time.Second)
	if r, err = lambdaReply(second, p); err != nil {
		return res, err
	}
	res.warm = r.At.Sub(second.HandedOut)
	return res, nil
}

// lambdaProvisioned starts f as provisioned concurrency does: init first,
// the first invocation later.
func lambdaProvisioned(f *fn, payload []byte) (first, warm time.Duration, err error) {
	api, err := platformtest.NewRuntimeAPI()
	if err != nil {
		return 0, 0, err
	}
	defer api.Close()
	p, err := start(f, "AWS_LAMBDA_RUNTIME_API="+api.Addr(), "AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency")
	if err != nil {
		return 0, 0, err
	}
	defer p.stop()
	select {
	case <-api.Polled(): // init is over
	case <-p.exited:
		return 0, 0, platformtest.ErrExited
	case <-time.After(limit):
		return 0, 0, fmt.Errorf("no poll within %s", limit)
	}
	var d [2]time.Duration
	for i := range d {
		if err := p.freeze(); err != nil {
			return 0, 0, err
		}
		inv := api.Queue("inv-"+strconv.Itoa(i+1), payload, 30*time.Second)
		r, err := lambdaReply(inv, p)
		if err != nil {
			return 0, 0, err
		}
		d[i] = r.At.Sub(inv.HandedOut)
	}
	return d[0], d[1], nil
}

// lambdaReply waits for inv's answer and checks that it is a success.
func lambdaReply(inv *platformtest.Invocation, p *proc) (platformtest.Result, error) {
	r, err := inv.Wait(limit, p.exited)
	if err != nil {
		return r, err
	}
	if r.Kind != "response" {
		return r, fmt.Errorf("invocation failed: %s", r.Body)
	}
	return r, succeeded(r.Body)
}

// scfColdStart starts f with an invocation waiting: the runtime dials
// every millisecond until the function listens and invokes at once; then
// it sends a second.
func scfColdStart(f *fn, payload []byte) (res result, err error) {
	p, scf, err := scfStart(f)
	if err != nil {
		return res, err
	}
	defer scf.Close()
	defer func() { res.cpu = p.stop() }()
	if err := scfInvoke(scf, p, "inv-1", payload, f); err != nil {
		return res, err
	}
	res.cold = time.Since(p.start)
	sent := time.Now()
	if err := scfInvoke(scf, p, "inv-2", payload, f); err != nil {
		return res, err
	}
	res.warm = time.Since(sent)
	return res, nil
}

// scfProvisioned starts f as a provisioned instance: the process starts
// and answers the runtime's Ping, and the first invocation comes later.
func scfProvisioned(f *fn, payload []byte) (first, warm time.Duration, err error) {
	p, scf, err := scfStart(f)
	if err != nil {
		return 0, 0, err
	}
	defer scf.Close()
	defer p.stop()
	if err := scf.Ping(limit, p.exited); err != nil { // init is over
		return 0, 0, err
	}
	var d [2]time.Duration
	for i := range d {
		if err := p.freeze(); err != nil {
			return 0, 0, err
		}
		sent := time.Now()
		if err := scfInvoke(scf, p, "inv-"+strconv.Itoa(i+1), payload, f); err != nil {
			return 0, 0, err
		}
		d[i] = time.Since(sent)
	}
	return d[0], d[1], nil
}

// scfStart starts f on a free port and dials it.
func scfStart(f *fn) (*proc, *platformtest.SCF, error) {
	port, err := platformtest.FreePort()
	if err != nil {
		return nil, nil, err
	}
	p, err := start(f, "_LAMBDA_SERVER_PORT="+strconv.Itoa(port))
	if err != nil {
		return nil, nil, err
	}
	scf, err := platformtest.DialSCF(port, time.Millisecond, limit, p.exited)
	if err != nil {
		p.stop()
		return nil, nil, err
	}
	return p, scf, nil
}

// scfInvoke sends one invocation with f's variables, as SCF does, and
// checks that it succeeded.
func scfInvoke(scf *platformtest.SCF, p *proc, id string, payload []byte, f *fn) error {
	env := map[string]string{}
	for _, kv := range f.env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	resp, err := scf.Invoke(platformtest.InvokeRequest(id, payload, env, time.Now().Add(30*time.Second)), limit, p.exited)
	if err != nil {
		return err
	}
	if resp.Error != nil {
		return fmt.Errorf("invocation failed: %s", resp.Error.Message)
	}
	return succeeded(resp.Payload)
}

// succeeded checks that a gateway response is a 200 with MessageIds.
func succeeded(response []byte) error {
	var r struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(response, &r); err != nil {
		return fmt.Errorf("response: %w: %s", err, response)
	}
	if r.StatusCode != 200 || !strings.Contains(r.Body, "MessageId") {
		return errors.New("unexpected response: " + string(response))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// sendMessageEvent is the repository's gateway event in path carrying a
// SendMessage body of 10 messages of 100 bytes.
func sendMessageEvent(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var e map[string]any
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
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
	e["body"] = b.String()
	if _, ok := e["isBase64Encoded"]; ok { // SCF's function URL events have none
		e["isBase64Encoded"] = false
	}
	return json.Marshal(e)
}
