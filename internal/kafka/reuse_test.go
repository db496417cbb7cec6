package kafka_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"httpkafka/internal/core"
	"httpkafka/internal/kafkatest"
)

// TestReuseAcrossRequests: the records, messages and placements a request
// uses are reused by later ones (pools), so requests that overlap, that
// time out while kgo still holds their records, and that follow those must
// each write and report exactly their own messages. Run with -race.
func TestReuseAcrossRequests(t *testing.T) {
	cluster := kafkatest.New(t, 4, "t")
	p := kafkatest.NewProducer(t, cluster.ProducerConfig())
	points := map[string]core.AccessPoint{"datahub-a": {Topic: "t"}}
	normal := core.New(core.Options{AccessPoints: points, Timeout: 5 * time.Second, Logger: quiet}, p)
	hasty := core.New(core.Options{AccessPoints: points, Timeout: 100 * time.Millisecond, Logger: quiet}, p)

	var slow atomic.Bool // while set, every produce request is answered 300ms late
	cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		if slow.Load() {
			cluster.SleepControl(func() { time.Sleep(300 * time.Millisecond) })
		}
		return nil, nil, false
	})

	var mu sync.Mutex
	sent := map[string]bool{}      // every body sent
	written := map[string]string{} // body -> MessageId, for the answered ones
	phase := func(name string, svc *core.Service, goroutines, requests int) (timedOut int) {
		var wg sync.WaitGroup
		var late atomic.Int64
		for g := range goroutines {
			wg.Go(func() {
				for j := range requests {
					n := 1 + (g*7+j*13)%60
					var msgs []map[string]string
					for i := range n {
						msgs = append(msgs, map[string]string{"Body": fmt.Sprintf("%s/%d/%d/%d", name, g, j, i), "Key": fmt.Sprint(i % 5)})
					}
					body, _ := json.Marshal(map[string]any{"DataHubId": "datahub-a", "Message": msgs})
					r := send(t, svc, string(body))
					mu.Lock()
					for _, m := range msgs {
						sent[m["Body"]] = true
					}
					if e := r.Response.Error; e != nil {
						mu.Unlock()
						if e.Code != "FailedOperation" {
							t.Errorf("%s: %+v", name, e)
						}
						late.Add(1)
						continue
					}
					if len(r.Response.MessageId) != n {
						t.Errorf("%s: %d MessageIds for %d messages", name, len(r.Response.MessageId), n)
					}
					for i, id := range r.Response.MessageId {
						written[msgs[i]["Body"]] = id
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return int(late.Load())
	}
	phase("before", normal, 6, 20)
	slow.Store(true)
	if n := phase("hasty", hasty, 4, 3); n == 0 {
		t.Fatal("no request timed out while Kafka answered late: the test proves nothing about early returns")
	}
	slow.Store(false)
	phase("after", normal, 6, 20)

	// A timed-out request's records are of unknown fate: kgo writes those
	// already in flight and fails those its deadline caught still
	// buffered. Wait until Kafka stops changing (the late writes have
	// landed), then every record must be one that was sent, once, and
	// every answered message must be where its MessageId says.
	deadline := time.Now().Add(10 * time.Second)
	last := -1
	for {
		recs := cluster.ReadAll(t, "t")
		if len(recs) != last && time.Now().Before(deadline) {
			last = len(recs)
			time.Sleep(300 * time.Millisecond)
			continue
		}
		seen := map[string]int{}
		where := map[string]string{}
		for _, r := range recs {
			seen[string(r.Value)]++
			where[string(r.Value)] = fmt.Sprintf("datahub-a:t:%d:%d:", r.Partition, r.Offset)
		}
		for v, n := range seen {
			if !sent[v] || n != 1 {
				t.Errorf("record %q: sent %v, found %d times", v, sent[v], n)
			}
		}
		for body, id := range written {
			if w, ok := where[body]; !ok || len(id) < len(w) || id[:len(w)] != w {
				t.Errorf("message %q answered as %s, found at %q", body, id, w)
			}
		}
		t.Logf("%d messages sent, %d answered as written, %d in Kafka", len(sent), len(written), len(seen))
		return
	}
}
