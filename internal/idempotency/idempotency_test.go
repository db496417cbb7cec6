package idempotency_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"httpkafka/internal/core"
	"httpkafka/internal/idempotency"
	"httpkafka/internal/kafkatest"
	"httpkafka/internal/redistest"
)

const (
	dataHub = "datahub-a"
	topic   = "t"
)

// env is a service with an idempotency store on a real redis-server, in
// front of a kfake cluster.
type env struct {
	cluster *kafkatest.Cluster
	redis   *redistest.Server
	store   *idempotency.Store
	svc     *core.Service
}

type setup struct {
	timeout  time.Duration // request timeout; default 5s
	ttl      time.Duration
	failOpen bool
}

func newEnv(t testing.TB, s setup) *env {
	t.Helper()
	e := &env{redis: redistest.Start(t), cluster: kafkatest.New(t, 3, topic)}
	if s.timeout == 0 {
		s.timeout = 5 * time.Second
	}
	e.store = openStore(t, e.redis.URL(0), s)
	e.svc = newService(t, e.cluster, e.store, s.timeout, nil)
	return e
}

func openStore(t testing.TB, url string, s setup) *idempotency.Store {
	t.Helper()
	log := quiet
	if *storeLog {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	st, err := idempotency.Open(idempotency.Config{URL: url, TTL: s.ttl, RequestTimeout: s.timeout, FailOpen: s.failOpen, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st.Close(ctx)
	})
	return st
}

func newService(t testing.TB, cluster *kafkatest.Cluster, dedup core.Deduplicator, timeout time.Duration, auth core.Authenticator) *core.Service {
	cfg := cluster.ProducerConfig()
	cfg.DeliveryTimeout = 10 * time.Second
	cfg.ProduceTimeout = 5 * time.Second // longer than the stalls below: a held request is answered, not retried
	opts := core.Options{
		AccessPoints: map[string]core.AccessPoint{dataHub: {Topic: topic}},
		Timeout:      timeout,
		Dedup:        dedup,
		Auth:         auth,
		Logger:       quiet,
	}
	if rg, ok := dedup.(core.ReplayGuard); ok && auth != nil {
		opts.Replays = rg
	}
	return core.New(opts, kafkatest.NewProducer(t, cfg))
}

// storeLog shows the store's warnings and errors (lost claims, outcomes
// not stored), for diagnosing a load run.
var storeLog = flag.Bool("idempotency.log", false, "log the idempotency store's warnings to stderr")

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type reply struct {
	Response struct {
		MessageId []string
		Error     *struct{ Code, Message string }
		RequestId string
	}
	replayed bool
}

// keyed is a SendMessage request with messages bodies and key as ClientToken.
func keyed(key string, bodies ...string) *core.Request {
	msgs := make([]string, len(bodies))
	for i, b := range bodies {
		msgs[i] = fmt.Sprintf(`{"Body":%q}`, b)
	}
	token := ""
	if key != "" {
		token = fmt.Sprintf(`,"ClientToken":%q`, key)
	}
	return &core.Request{
		Method: "POST", Host: "h", Path: "/",
		Header: http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}},
		Body:   []byte(`{"DataHubId":"` + dataHub + `","Message":[` + strings.Join(msgs, ",") + `]` + token + `}`),
	}
}

func (e *env) send(t testing.TB, r *core.Request) reply {
	t.Helper()
	return decode(t, e.svc.Handle(context.Background(), r))
}

func decode(t testing.TB, resp *core.Response) reply {
	t.Helper()
	var out reply
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("%v: %s", err, resp.Body)
	}
	out.replayed = resp.Header.Get(core.ReplayedHeader) == "true"
	return out
}

func (r reply) code() string {
	if r.Response.Error == nil {
		return ""
	}
	return r.Response.Error.Code
}

func wantOK(t testing.TB, r reply, n int) {
	t.Helper()
	if r.Response.Error != nil || len(r.Response.MessageId) != n {
		t.Fatalf("got %+v (error %+v), want %d MessageIds", r.Response, r.Response.Error, n)
	}
}

func wantCode(t testing.TB, r reply, code, text string) {
	t.Helper()
	if r.code() != code || !strings.Contains(r.Response.Error.Message, text) {
		t.Fatalf("got %+v %+v, want %s saying %q", r.Response, r.Response.Error, code, text)
	}
}

// idsOf renders records as the MessageIds' partition:offset parts.
func (e *env) records(t testing.TB) []*kgo.Record { return e.cluster.ReadAll(t, topic) }

func TestReplay(t *testing.T) {
	e := newEnv(t, setup{})
	first := e.send(t, keyed("order-1", "a", "b", "c"))
	wantOK(t, first, 3)
	if first.replayed {
		t.Error("the first answer says Idempotent-Replayed")
	}
	time.Sleep(5 * time.Millisecond) // a later receipt time, which must not show in the MessageIds

	// ClientToken in the body, or the Idempotency-Key header: one key.
	byHeader := keyed("", "a", "b", "c")
	byHeader.Header.Set("Idempotency-Key", "order-1")
	for _, r := range []*core.Request{keyed("order-1", "a", "b", "c"), byHeader} {
		again := e.send(t, r)
		wantOK(t, again, 3)
		if !slices.Equal(again.Response.MessageId, first.Response.MessageId) {
			t.Errorf("replay MessageIds %q, first %q", again.Response.MessageId, first.Response.MessageId)
		}
		if again.Response.RequestId == first.Response.RequestId {
			t.Error("replay has the first RequestId; want a new one")
		}
		if !again.replayed {
			t.Error("replay without Idempotent-Replayed: true")
		}
	}

	recs := e.records(t)
	if len(recs) != 3 {
		t.Fatalf("topic holds %d records, want 3", len(recs))
	}
	for i, rec := range recs {
		if len(rec.Headers) != 1 || rec.Headers[0].Key != "Idempotency-Key" || string(rec.Headers[0].Value) != "order-1" {
			t.Errorf("record %d headers %v, want Idempotency-Key: order-1", i, rec.Headers)
		}
		want := fmt.Sprintf("%s:%s:%d:%d:", dataHub, topic, rec.Partition, rec.Offset)
		if !slices.ContainsFunc(first.Response.MessageId, func(id string) bool { return strings.HasPrefix(id, want) }) {
			t.Errorf("record at %d/%d has no MessageId in %q", rec.Partition, rec.Offset, first.Response.MessageId)
		}
	}

	// Unkeyed requests write every time, without headers.
	wantOK(t, e.send(t, keyed("", "x")), 1)
	wantOK(t, e.send(t, keyed("", "x")), 1)
	recs = e.records(t)
	bare := 0
	for _, rec := range recs {
		if len(rec.Headers) == 0 {
			bare++
		}
	}
	if len(recs) != 5 || bare != 2 {
		t.Errorf("after two unkeyed requests: %d records, %d without headers; want 5 and 2", len(recs), bare)
	}
}

func TestKeyValidation(t *testing.T) {
	e := newEnv(t, setup{})
	for _, tc := range []struct{ name, key, header, text string }{
		{"too long", strings.Repeat("k", 65), "", "ClientToken is 65 bytes, limit 64"},
		{"control character", "a\tb", "", "ClientToken: byte 1 (0x09) is not printable ASCII"},
		{"not ASCII", "ключ", "", "not printable ASCII"},
		{"header too long", "", strings.Repeat("h", 65), "the Idempotency-Key header is 65 bytes, limit 64"},
		{"two keys", "a", "b", `ClientToken "a" and the Idempotency-Key header "b" differ`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := keyed(tc.key, "m")
			if tc.header != "" {
				r.Header.Set("Idempotency-Key", tc.header)
			}
			wantCode(t, e.send(t, r), core.CodeInvalidParameterValue, tc.text)
		})
	}
	notString := with(keyed("", "m"), func(r *core.Request) {
		r.Body = []byte(`{"DataHubId":"` + dataHub + `","Message":[{"Body":"m"}],"ClientToken":5}`)
	})
	wantCode(t, e.send(t, notString), core.CodeInvalidParameter, "ClientToken must be a string, got number")
	wantOK(t, e.send(t, keyed(strings.Repeat("k", 64), "m")), 1)
	wantOK(t, e.send(t, keyed(" !~", "m")), 1)

	// A form (legacy signing, GET) names it ClientToken too: one key with JSON's.
	first := e.send(t, keyed("form", "m"))
	form := &core.Request{Method: "POST", Host: "h", Path: "/",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:   []byte("Action=SendMessage&Version=2019-08-19&DataHubId=" + dataHub + "&Message.0.Body=m&ClientToken=form")}
	again := e.send(t, form)
	if !again.replayed || !slices.Equal(again.Response.MessageId, first.Response.MessageId) {
		t.Errorf("form retry of a JSON request: %+v", again)
	}
	if n := len(e.records(t)); n != 3 {
		t.Errorf("topic holds %d records, want 3", n)
	}
}

func TestMismatch(t *testing.T) {
	e := newEnv(t, setup{})
	wantOK(t, e.send(t, keyed("k", "a", "b")), 2)
	for name, r := range map[string]*core.Request{
		"other body":   keyed("k", "a", "c"),
		"fewer":        keyed("k", "a"),
		"body and key": keyed("k", "ab"),
		"same, one key": with(keyed("k", "a", "b"), func(r *core.Request) {
			r.Body = []byte(strings.Replace(string(r.Body), `{"Body":"b"}`, `{"Body":"b","Key":"x"}`, 1))
		}),
	} {
		wantCode(t, e.send(t, r), core.CodeIdempotentParameterMismatch, "used with other messages")
		_ = name
	}
	if n := len(e.records(t)); n != 2 {
		t.Errorf("topic holds %d records, want 2", n)
	}
}

func with(r *core.Request, f func(*core.Request)) *core.Request { f(r); return r }

// holdProduce makes the brokers hold produce requests until release is
// closed; hit is closed when the first one arrives.
func holdProduce(c *kafkatest.Cluster) (hit, release chan struct{}) {
	hit, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		once.Do(func() { close(hit) })
		c.SleepControl(func() { <-release })
		return nil, nil, false
	})
	return hit, release
}

func TestInFlightDuplicate(t *testing.T) {
	e := newEnv(t, setup{})
	hit, release := holdProduce(e.cluster)
	first := make(chan reply, 1)
	go func() { first <- e.send(t, keyed("k", "a", "b")) }()
	<-hit // the first request is being written
	wantCode(t, e.send(t, keyed("k", "a", "b")), core.CodeIdempotentProcessing, "still being written")
	close(release)
	r := <-first
	wantOK(t, r, 2)
	again := e.send(t, keyed("k", "a", "b"))
	if !slices.Equal(again.Response.MessageId, r.Response.MessageId) || !again.replayed {
		t.Fatalf("after the first finished: %+v", again)
	}
	if n := len(e.records(t)); n != 2 {
		t.Fatalf("topic holds %d records, want 2", n)
	}

	// Two at once, with nothing held: exactly one produces.
	var wg sync.WaitGroup
	replies := make([]reply, 8)
	for i := range replies {
		wg.Go(func() { replies[i] = e.send(t, keyed("race", "x", "y", "z")) })
	}
	wg.Wait()
	ok := 0
	for _, r := range replies {
		switch r.code() {
		case "":
			ok++
		case core.CodeIdempotentProcessing:
		default:
			t.Errorf("concurrent duplicate answered %+v", r.Response.Error)
		}
	}
	if ok == 0 {
		t.Error("no concurrent request succeeded")
	}
	if n := len(e.records(t)); n != 5 {
		t.Fatalf("topic holds %d records after 8 concurrent sends of one 3-message request, want 2+3", n)
	}
}

// TestTimeoutThenRetry: Kafka holds the produce past the request timeout;
// the request answers that the outcome is unknown, the produce goes on, and
// a retry after it finished returns its MessageIds, with one copy written.
func TestTimeoutThenRetry(t *testing.T) {
	e := newEnv(t, setup{timeout: 300 * time.Millisecond})
	hit, release := holdProduce(e.cluster)
	start := time.Now()
	r := e.send(t, keyed("slow", "a", "b"))
	wantCode(t, r, core.CodeFailedOperation, "request timed out")
	if d := time.Since(start); d > 3*time.Second { // 300ms, on a quiet machine
		t.Errorf("the timed-out request answered after %s", d)
	}
	<-hit
	// Past the pending claim's first extension (timeout+margin)/3: the
	// background produce still holds the key.
	time.Sleep(2 * time.Second)
	wantCode(t, e.send(t, keyed("slow", "a", "b")), core.CodeIdempotentProcessing, "still being written")
	close(release)

	var retry reply
	deadline := time.Now().Add(10 * time.Second)
	for {
		retry = e.send(t, keyed("slow", "a", "b"))
		if retry.code() != core.CodeIdempotentProcessing || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	wantOK(t, retry, 2)
	if !retry.replayed {
		t.Error("retry not marked Idempotent-Replayed")
	}
	recs := e.records(t)
	if len(recs) != 2 {
		t.Fatalf("topic holds %d records, want 2 (one copy)", len(recs))
	}
	for _, rec := range recs {
		want := fmt.Sprintf("%s:%s:%d:%d:", dataHub, topic, rec.Partition, rec.Offset)
		if !slices.ContainsFunc(retry.Response.MessageId, func(id string) bool { return strings.HasPrefix(id, want) }) {
			t.Errorf("record %d/%d not among the retry's MessageIds %q", rec.Partition, rec.Offset, retry.Response.MessageId)
		}
	}
}

// TestRefusalThenRetry: Kafka refuses every record; the key is released
// and the retry writes.
func TestRefusalThenRetry(t *testing.T) {
	e := newEnv(t, setup{})
	f := e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Err: kerr.TopicAuthorizationFailed, Count: -1})
	wantCode(t, e.send(t, keyed("k", "a", "b")), core.CodeFailedOperation, "0 of 2 messages written, 2 not written")
	f.Remove()
	r := e.send(t, keyed("k", "a", "b"))
	wantOK(t, r, 2)
	if r.replayed {
		t.Error("the retry after a refusal says Idempotent-Replayed")
	}
	if n := len(e.records(t)); n != 2 {
		t.Fatalf("topic holds %d records, want 2", n)
	}

	// Refused in part: what was written cannot be written again, so the
	// failure is kept and replayed.
	p0 := e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Partitions: []int32{0}, Err: kerr.TopicAuthorizationFailed, Count: -1})
	defer p0.Remove()
	var msgs []string
	for i := range 30 { // keys over every partition
		msgs = append(msgs, fmt.Sprintf(`{"Body":"p","Key":"k%d"}`, i))
	}
	partial := func() *core.Request {
		return with(keyed("partial", "x"), func(r *core.Request) {
			r.Body = []byte(`{"DataHubId":"` + dataHub + `","ClientToken":"partial","Message":[` + strings.Join(msgs, ",") + `]}`)
		})
	}
	first := e.send(t, partial())
	wantCode(t, first, core.CodeFailedOperation, "not written")
	written := len(e.records(t)) - 2
	if written == 0 || written == 30 {
		t.Fatalf("%d of 30 written; the test needs a partial write", written)
	}
	p0.Remove()
	again := e.send(t, partial())
	wantCode(t, again, core.CodeFailedOperation, "the first request with this idempotency key failed: "+first.Response.Error.Message)
	if !again.replayed {
		t.Error("a replayed failure without Idempotent-Replayed")
	}
	if n := len(e.records(t)) - 2; n != written {
		t.Fatalf("the retry of a partial write wrote again: %d records, then %d", written, n)
	}
}

// TestStoreDown: a keyed request is refused and writes nothing; unkeyed
// ones go on; with FailOpen keyed ones are written without deduplication.
func TestStoreDown(t *testing.T) {
	e := newEnv(t, setup{})
	e.redis.Stop()
	start := time.Now()
	r := e.send(t, keyed("k", "a"))
	t.Logf("store down: answered in %s", time.Since(start))
	wantCode(t, r, core.CodeResourceUnavailable, "idempotency store redis://"+e.redis.Addr+"/0 cannot be reached: nothing was written")
	wantOK(t, e.send(t, keyed("", "unkeyed")), 1)
	if recs := e.records(t); len(recs) != 1 || string(recs[0].Value) != "unkeyed" {
		t.Fatalf("topic holds %d records, want only the unkeyed one", len(recs))
	}

	open := newService(t, e.cluster, openStore(t, e.redis.URL(0), setup{failOpen: true}), 5*time.Second, nil)
	wantOK(t, decode(t, open.Handle(context.Background(), keyed("k", "a"))), 1)
	wantOK(t, decode(t, open.Handle(context.Background(), keyed("k", "a"))), 1)
	if n := len(e.records(t)); n != 3 {
		t.Fatalf("fail-open: topic holds %d records, want 3", n)
	}

	e.redis.Restart(t)
	wantOK(t, e.send(t, keyed("k", "a")), 1)
	wantOK(t, e.send(t, keyed("k", "a")), 1)
	if n := len(e.records(t)); n != 4 {
		t.Fatalf("store back: topic holds %d records, want 4", n)
	}
}

// TestExpiry: an outcome is kept for the TTL; a claim left by an instance
// that died expires after the request timeout plus the margin.
func TestExpiry(t *testing.T) {
	e := newEnv(t, setup{ttl: 2 * time.Second})
	first := e.send(t, keyed("k", "a"))
	wantOK(t, first, 1)
	if r := e.send(t, keyed("k", "a")); !r.replayed {
		t.Fatalf("within the TTL: %+v", r)
	}
	time.Sleep(2500 * time.Millisecond)
	r := e.send(t, keyed("k", "a"))
	wantOK(t, r, 1)
	if r.replayed || slices.Equal(r.Response.MessageId, first.Response.MessageId) {
		t.Fatalf("after the TTL the key still replays: %+v", r)
	}

	// A pending claim as a killed instance leaves it (the key layout is
	// documented in README.md).
	rdb := redis.NewClient(&redis.Options{Addr: e.redis.Addr})
	defer rdb.Close()
	claim := `{"s":"pending","f":"` + idempotency.Fingerprint([]core.Message{{Value: []byte("a")}}) + `","o":"dead"}`
	if err := rdb.Set(context.Background(), "httpkafka:idem:anonymous:"+dataHub+":dead", claim, 2*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.send(t, keyed("dead", "a")), core.CodeIdempotentProcessing, "still being written")
	time.Sleep(2500 * time.Millisecond)
	wantOK(t, e.send(t, keyed("dead", "a")), 1)

	// The claim's lifetime is the request timeout plus the margin.
	hit, release := holdProduce(e.cluster)
	defer close(release)
	go e.send(t, keyed("held", "a"))
	<-hit
	ttl, err := rdb.PTTL(context.Background(), "httpkafka:idem:anonymous:"+dataHub+":held").Result()
	if want := 5*time.Second + idempotency.PendingMargin; err != nil || ttl <= want-10*time.Second || ttl > want {
		t.Errorf("pending claim TTL %s (%v), want about %s", ttl, err, want)
	}
}
