// Command httpload measures httpkafka's HTTP binary beside the bare
// franz-go server of bench/bareserver: throughput and server CPU time per
// request, for each load (messages x bytes per request) and number of
// concurrent clients, against one Kafka (kfake, in this process).
//
// Both servers run for the whole benchmark; each round measures every
// configuration on both, in alternating order (A B, then B A), so that the
// machine's drift cancels out in the per-round ratios. The CPU time of a
// server is read from /proc/<pid>/stat (user + system, as getrusage counts
// it) before and after each measurement window; at the end the total from
// getrusage of each exited server is printed as a cross-check.
//
//	go run ./bench/httpload -rounds 5 -duration 3s
//
// Linux only (/proc). Run it from the module root: it builds both servers.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"httpkafka/bench/internal/benchrun"
)

const topic = benchrun.Topic

func main() {
	rounds := flag.Int("rounds", 5, "rounds; each measures every configuration on both servers")
	duration := flag.Duration("duration", 3*time.Second, "length of one measurement window")
	warmup := flag.Duration("warmup", 300*time.Millisecond, "load before each window, not counted")
	clientList := flag.String("clients", "16,64", "concurrent clients, comma-separated")
	loadList := flag.String("loads", "10x1024,1x100", "requests as MESSAGESxBYTES, comma-separated")
	flag.Parse()
	if err := run(*rounds, *duration, *warmup, *clientList, *loadList); err != nil {
		fmt.Fprintln(os.Stderr, "httpload:", err)
		os.Exit(1)
	}
}

// load is one request shape: n messages of size bytes each.
type load struct{ n, size int }

func (l load) String() string { return fmt.Sprintf("%dx%dB", l.n, l.size) }

func (l load) body() []byte {
	var b bytes.Buffer
	b.WriteString(`{"DataHubId":"datahub-bench","Message":[`)
	for i := range l.n {
		if i > 0 {
			b.WriteByte(',')
		}
		value := strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789"[i%36:i%36+1], l.size)
		fmt.Fprintf(&b, `{"Body":%q,"Key":"user-%d"}`, value, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

type server struct {
	name string
	url  string
	cmd  *exec.Cmd
}

// sample is one measurement window of one server.
type sample struct {
	reqs   int64
	errs   int64
	wall   time.Duration
	cpu    time.Duration // the server's user+system time in the window
	perSec float64
	cpuReq time.Duration
}

func run(rounds int, duration, warmup time.Duration, clientList, loadList string) error {
	var clients []int
	for _, s := range strings.Split(clientList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-clients: %q", s)
		}
		clients = append(clients, n)
	}
	var loads []load
	for _, s := range strings.Split(loadList, ",") {
		var l load
		if _, err := fmt.Sscanf(strings.TrimSpace(s), "%dx%d", &l.n, &l.size); err != nil || l.n < 1 || l.size < 1 {
			return fmt.Errorf("-loads: %q is not MESSAGESxBYTES", s)
		}
		loads = append(loads, l)
	}

	brokers, bins, cleanup, err := benchrun.Setup("", map[string]string{"httpkafka": "./functions/http", "bare": "./bench/bareserver"})
	if err != nil {
		return err
	}
	defer cleanup()
	servers := []*server{
		{name: "httpkafka", cmd: exec.Command(bins["httpkafka"], "-addr")},
		{name: "bare", cmd: exec.Command(bins["bare"], "-addr")},
	}
	env := map[string][]string{
		"httpkafka": {"KAFKA_BROKERS=" + brokers, "DATAHUB_ACCESS_POINTS=datahub-bench=" + topic, "DATAHUB_AUTH=none", "LOG_LEVEL=WARN"},
		"bare":      {"KAFKA_BROKERS=" + brokers, "TOPIC=" + topic},
	}
	for _, s := range servers {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		s.url = "http://" + addr + "/"
		s.cmd.Args = append(s.cmd.Args, addr)
		s.cmd.Env = env[s.name]
		s.cmd.Stderr = os.Stderr
		if err := s.cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", s.name, err)
		}
		defer func() {
			if s.cmd.ProcessState == nil {
				s.cmd.Process.Kill()
				s.cmd.Wait()
			}
		}()
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 1024, DisableCompression: true}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	for _, s := range servers {
		if err := waitReady(hc, s, load{1, 10}.body()); err != nil {
			return err
		}
	}

	fmt.Printf("machine: %s; Kafka: kfake, 3 brokers in this process, topic of 6 partitions, BlackholeProduce\n", benchrun.Machine())
	fmt.Printf("%d rounds x %d configurations x 2 servers, %s windows after %s warm-up\n\n", rounds, len(loads)*len(clients), duration, warmup)
	fmt.Printf("%-5s %-10s %-7s %-9s %10s %12s %8s\n", "round", "load", "clients", "server", "req/s", "cpu µs/req", "errors")

	type key struct {
		l       load
		clients int
		server  string
	}
	results := map[key][]sample{}
	for r := range rounds {
		for _, l := range loads {
			body := l.body()
			for _, c := range clients {
				order := servers
				if r%2 == 1 {
					order = []*server{servers[1], servers[0]}
				}
				for _, s := range order {
					sm, err := measure(hc, s, body, c, warmup, duration)
					if err != nil {
						return err
					}
					results[key{l, c, s.name}] = append(results[key{l, c, s.name}], sm)
					fmt.Printf("%-5d %-10s %-7d %-9s %10.0f %12.1f %8d\n", r+1, l, c, s.name, sm.perSec, us(sm.cpuReq), sm.errs)
				}
			}
		}
	}

	fmt.Printf("\nmedians over %d rounds; ratio = median of the per-round ratios httpkafka/bare\n\n", rounds)
	fmt.Println("| load | clients | req/s httpkafka | req/s bare | throughput ratio | CPU µs/req httpkafka | CPU µs/req bare | CPU ratio |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, l := range loads {
		for _, c := range clients {
			hk, bare := results[key{l, c, "httpkafka"}], results[key{l, c, "bare"}]
			var tput, cpu, hkRate, bareRate, hkCPU, bareCPU []float64
			for i := range hk {
				tput = append(tput, hk[i].perSec/bare[i].perSec)
				cpu = append(cpu, float64(hk[i].cpuReq)/float64(bare[i].cpuReq))
				hkRate, bareRate = append(hkRate, hk[i].perSec), append(bareRate, bare[i].perSec)
				hkCPU, bareCPU = append(hkCPU, us(hk[i].cpuReq)), append(bareCPU, us(bare[i].cpuReq))
			}
			fmt.Printf("| %s | %d | %.0f | %.0f | **%.2f** | %.1f | %.1f | **%.2f** |\n", l, c,
				benchrun.Median(hkRate), benchrun.Median(bareRate), benchrun.Median(tput), benchrun.Median(hkCPU), benchrun.Median(bareCPU), benchrun.Median(cpu))
		}
	}

	// The same CPU figure from the operating system's own accounting of
	// each whole server process (warm-ups included), after it exits.
	fmt.Println()
	for _, s := range servers {
		var total int64
		for k, ss := range results {
			if k.server == s.name {
				for _, sm := range ss {
					total += sm.reqs
				}
			}
		}
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
		if ru, ok := s.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			fmt.Printf("getrusage %-9s: %s CPU for the whole run, %d requests counted in windows (%.1f µs/request including warm-ups), max RSS %d MiB\n",
				s.name, cpu.Round(time.Millisecond), total, us(cpu)/float64(total), ru.Maxrss>>10)
		}
	}
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(hc *http.Client, s *server, body []byte) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := post(hc, s.url, body)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready: %w", s.name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var errReply = errors.New("reply without MessageId")

func post(hc *http.Client, url string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TC-Action", "SendMessage")
	req.Header.Set("X-TC-Version", "2019-08-19")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(reply, []byte(`"MessageId"`)) {
		return fmt.Errorf("%w: %d %s", errReply, resp.StatusCode, reply)
	}
	return nil
}

// measure runs clients concurrent request loops against s: warmup, then
// one counted window.
func measure(hc *http.Client, s *server, body []byte, clients int, warmup, window time.Duration) (sample, error) {
	var (
		counting atomic.Bool
		reqs     atomic.Int64
		errs     atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(context.Background())
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				err := post(hc, s.url, body)
				if !counting.Load() {
					continue
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				reqs.Add(1)
			}
		}()
	}
	time.Sleep(warmup)
	cpu0, err := procCPU(s.cmd.Process.Pid)
	if err != nil {
		cancel()
		wg.Wait()
		return sample{}, err
	}
	start := time.Now()
	counting.Store(true)
	time.Sleep(window)
	counting.Store(false)
	wall := time.Since(start)
	n := reqs.Load()
	cpu1, err := procCPU(s.cmd.Process.Pid)
	cancel()
	wg.Wait()
	if err != nil {
		return sample{}, err
	}
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(os.Stderr, "%s: %d errors, first: %s\n", s.name, errs.Load(), e)
	}
	sm := sample{reqs: n, errs: errs.Load(), wall: wall, cpu: cpu1 - cpu0, perSec: float64(n) / wall.Seconds()}
	if n > 0 {
		sm.cpuReq = sm.cpu / time.Duration(n)
	}
	return sm, nil
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// procCPU is the user plus system time of every thread of process pid, as
// getrusage(RUSAGE_SELF) would report it inside that process.
func procCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from after it.
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(fields[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	return time.Duration(utime+stime) * clockTick, nil
}
