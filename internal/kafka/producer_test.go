package kafka_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"httpkafka/internal/core"
	"httpkafka/internal/kafka"
	"httpkafka/internal/kafkatest"
)

var quiet = slog.New(slog.DiscardHandler)

type reply struct {
	Response struct {
		MessageId []string
		Error     *struct{ Code, Message string }
		RequestId string
	}
}

func send(t *testing.T, svc *core.Service, body string) reply {
	t.Helper()
	resp := svc.Handle(context.Background(), &core.Request{
		Method: "POST",
		Header: http.Header{"Content-Type": {"application/json"}, "X-Tc-Action": {"SendMessage"}, "X-Tc-Version": {"2019-08-19"}},
		Body:   []byte(body),
	})
	var r reply
	if err := json.Unmarshal(resp.Body, &r); err != nil {
		t.Fatalf("reply %s: %v", resp.Body, err)
	}
	return r
}

func service(t *testing.T, cluster *kafkatest.Cluster, cfg kafka.Config, points map[string]string) *core.Service {
	t.Helper()
	aps := map[string]core.AccessPoint{}
	for id, topic := range points {
		aps[id] = core.AccessPoint{Topic: topic}
	}
	return core.New(core.Options{AccessPoints: aps, Timeout: 5 * time.Second, Logger: quiet, MaxRequestBytes: 2 << 20}, kafkatest.NewProducer(t, cfg))
}

// messageID is a parsed datahubId:topic:partition:offset:receivedMs:sentMs.
type messageID struct {
	dataHubID, topic string
	partition        int32
	offset           int64
	received, sent   int64
}

func parseMessageID(t *testing.T, s string) messageID {
	t.Helper()
	f := strings.Split(s, ":")
	if len(f) != 6 {
		t.Fatalf("MessageId %q has %d fields, want 6", s, len(f))
	}
	num := func(i int) int64 {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			t.Fatalf("MessageId %q field %d: %v", s, i, err)
		}
		return n
	}
	return messageID{f[0], f[1], int32(num(2)), num(3), num(4), num(5)}
}

// TestRoundTrip sends one batch and reads every record back, checking
// topic, partition, offset, key, value and timestamp against its MessageId.
func TestRoundTrip(t *testing.T) {
	cluster := kafkatest.New(t, 4, "topicDev")
	svc := service(t, cluster, cluster.ProducerConfig(), map[string]string{"datahub-abcd1234": "topicDev"})

	type msg struct {
		Body string
		Key  *string `json:",omitempty"`
	}
	str := func(s string) *string { return &s }
	var msgs []msg
	for i := range 40 {
		m := msg{Body: fmt.Sprintf("body-%d", i)}
		switch i % 4 {
		case 0:
			m.Key = str(fmt.Sprintf("user-%d", i%3)) // keyed: same key, same partition
		case 1:
			m.Key = str("") // empty key: a null key
		case 2:
			m.Body = fmt.Sprintf("escaped \"quote\" \\ \u00e9\u4e2d\n %d", i)
		case 3:
			m.Body = "" // an empty value, not a null one (a tombstone)
		}
		msgs = append(msgs, m)
	}
	body, _ := json.Marshal(map[string]any{"DataHubId": "datahub-abcd1234", "Message": msgs})

	before := time.Now().UnixMilli()
	r := send(t, svc, string(body))
	after := time.Now().UnixMilli()
	if r.Response.Error != nil {
		t.Fatalf("error %+v", r.Response.Error)
	}
	if len(r.Response.MessageId) != len(msgs) {
		t.Fatalf("%d MessageIds for %d messages", len(r.Response.MessageId), len(msgs))
	}

	type where struct {
		p int32
		o int64
	}
	records := map[where]int{} // index into recs
	recs := cluster.ReadAll(t, "topicDev")
	if len(recs) != len(msgs) {
		t.Fatalf("Kafka holds %d records, sent %d", len(recs), len(msgs))
	}
	for i, rec := range recs {
		records[where{rec.Partition, rec.Offset}] = i
	}
	lastOffset := map[int32]int64{}
	for i, s := range r.Response.MessageId {
		id := parseMessageID(t, s)
		if id.dataHubID != "datahub-abcd1234" || id.topic != "topicDev" {
			t.Errorf("MessageId %q: wrong access point or topic", s)
		}
		if id.received < before || id.received > id.sent || id.sent > after {
			t.Errorf("MessageId %q: want %d <= received <= sent <= %d", s, before, after)
		}
		j, ok := records[where{id.partition, id.offset}]
		if !ok {
			t.Fatalf("MessageId %q: no record at that partition and offset", s)
		}
		rec := recs[j]
		if string(rec.Value) != msgs[i].Body || rec.Value == nil {
			t.Errorf("message %d: value %q (nil %v), want %q", i, rec.Value, rec.Value == nil, msgs[i].Body)
		}
		wantKey := ""
		if msgs[i].Key != nil {
			wantKey = *msgs[i].Key
		}
		if (wantKey == "") != (rec.Key == nil) || string(rec.Key) != wantKey {
			t.Errorf("message %d: key %q (nil %v), want %q (missing or empty = null)", i, rec.Key, rec.Key == nil, wantKey)
		}
		if rec.Timestamp.UnixMilli() != id.sent {
			t.Errorf("message %d: record timestamp %d, MessageId says sent %d", i, rec.Timestamp.UnixMilli(), id.sent)
		}
		if last, seen := lastOffset[id.partition]; seen && id.offset <= last {
			t.Errorf("message %d: offset %d on partition %d after %d: request order not kept", i, id.offset, id.partition, last)
		}
		lastOffset[id.partition] = id.offset
	}
}

// murmur2 is Kafka's Utils.murmur2, written from the Java source for this
// test, independently of franz-go's.
func murmur2(data []byte) int32 {
	const seed, m, r = uint32(0x9747b28c), uint32(0x5bd1e995), 24
	length := len(data)
	h := seed ^ uint32(length)
	for i := 0; i+4 <= length; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := length &^ 3
	switch length % 4 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

func TestMurmur2MatchesKafka(t *testing.T) {
	// Vectors from Kafka's UtilsTest.testMurmur2.
	for in, want := range map[string]int32{
		"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
		"a-little-bit-longer-string": -1486304829, "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		if got := murmur2([]byte(in)); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestKeysLandWhereJavaPutsThem: a keyed message goes to
// (murmur2(key) & 0x7fffffff) % partitions, as with Kafka's Java producer.
func TestKeysLandWhereJavaPutsThem(t *testing.T) {
	const partitions = 12
	cluster := kafkatest.New(t, partitions, "keyed")
	svc := service(t, cluster, cluster.ProducerConfig(), map[string]string{"datahub-k": "keyed"})
	var b strings.Builder
	b.WriteString(`{"DataHubId":"datahub-k","Message":[`)
	keys := []string{}
	for i := range 60 {
		if i > 0 {
			b.WriteByte(',')
		}
		key := fmt.Sprintf("device-%d", i*7919)
		keys = append(keys, key)
		fmt.Fprintf(&b, `{"Body":"x","Key":%q}`, key)
	}
	b.WriteString(`]}`)
	r := send(t, svc, b.String())
	if r.Response.Error != nil {
		t.Fatalf("error %+v", r.Response.Error)
	}
	used := map[int32]bool{}
	for i, s := range r.Response.MessageId {
		got := parseMessageID(t, s).partition
		want := (murmur2([]byte(keys[i])) & 0x7fffffff) % partitions
		if got != want {
			t.Errorf("key %q on partition %d, Java puts it on %d", keys[i], got, want)
		}
		used[got] = true
	}
	if len(used) < 6 {
		t.Errorf("60 keys used only %d of %d partitions", len(used), partitions)
	}
}

// TestLargestMessage: a message at the validation limit is written on a
// broker with Kafka's default max.message.bytes, beside small ones, so
// nothing that passes validation is refused by the client or the broker.
func TestLargestMessage(t *testing.T) {
	cluster := kafkatest.New(t, 1, "big")
	svc := service(t, cluster, cluster.ProducerConfig(), map[string]string{"datahub-big": "big"})
	key := "k"
	big := strings.Repeat("x", core.DefaultMaxMessageBytes-len(key))
	r := send(t, svc, `{"DataHubId":"datahub-big","Message":[{"Body":"a"},{"Body":"`+big+`","Key":"`+key+`"},{"Body":"c"}]}`)
	if r.Response.Error != nil {
		t.Fatalf("got %+v", r.Response.Error)
	}
	recs := cluster.ReadAll(t, "big")
	if len(recs) != 3 || len(recs[1].Value) != len(big) {
		t.Fatalf("topic holds %d records", len(recs))
	}
	r = send(t, svc, `{"DataHubId":"datahub-big","Message":[{"Body":"a"},{"Body":"`+big+`x","Key":"`+key+`"}]}`)
	if e := r.Response.Error; e == nil || e.Code != "InvalidParameterValue" {
		t.Fatalf("one byte more: got %+v", r.Response)
	}
}

func TestUnknownTopicFailsFast(t *testing.T) {
	cluster := kafkatest.New(t, 1, "exists")
	cfg := cluster.ProducerConfig()
	cfg.MetadataMinAge = 0 // franz-go's default 5s, as deployed
	svc := service(t, cluster, cfg, map[string]string{"datahub-gone": "missing"})
	start := time.Now()
	r := send(t, svc, `{"DataHubId":"datahub-gone","Message":[{"Body":"x"}]}`)
	elapsed := time.Since(start)
	e := r.Response.Error
	if e == nil || e.Code != "ResourceNotFound" || e.Message != "topic missing of access point datahub-gone does not exist in Kafka" {
		t.Fatalf("got %+v, want ResourceNotFound naming topic and access point", r.Response)
	}
	t.Logf("unknown topic answered in %s", elapsed)
	if elapsed > 2*time.Second {
		t.Errorf("unknown topic took %s; it must fail fast", elapsed)
	}
}

// TestKafkaErrors injects broker errors with kfake faults.
func TestKafkaErrors(t *testing.T) {
	t.Run("non-retriable error fails the batch and counts", func(t *testing.T) {
		cluster := kafkatest.New(t, 1, "t")
		svc := service(t, cluster, cluster.ProducerConfig(), map[string]string{"datahub-a": "t"})
		send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"warm-up"}]}`)
		f := cluster.Fault(kfakeFault(kerr.TopicAuthorizationFailed, "t", 1))
		defer f.Remove()
		r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"a"},{"Body":"b"},{"Body":"c"}]}`)
		e := r.Response.Error
		if e == nil || e.Code != "FailedOperation" || !strings.Contains(e.Message, "TOPIC_AUTHORIZATION_FAILED") ||
			!strings.Contains(e.Message, "0 of 3 messages written, 3 not written") {
			t.Fatalf("got %+v %+v", r.Response, r.Response.Error)
		}
		if n := len(cluster.ReadAll(t, "t")); n != 1 {
			t.Errorf("topic holds %d records, want only the warm-up", n)
		}
	})
	t.Run("storage error", func(t *testing.T) {
		cluster := kafkatest.New(t, 1, "t")
		cfg := cluster.ProducerConfig()
		cfg.RecordRetries = 4
		svc := service(t, cluster, cfg, map[string]string{"datahub-a": "t"})
		f := cluster.Fault(kfakeFault(kerr.KafkaStorageError, "t", -1))
		defer f.Remove()
		start := time.Now()
		r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"a"},{"Body":"b"}]}`)
		t.Logf("storage error answered after %s, %d produce requests", time.Since(start), f.Hits())
		e := r.Response.Error
		if e == nil || e.Code != "ResourceUnavailable.KafkaStorageError" || !strings.Contains(e.Message, "0 of 2 messages written, 2 not written") {
			t.Fatalf("got %+v %+v", r.Response, r.Response.Error)
		}
	})
	t.Run("write applied but answered with a timeout is not duplicated", func(t *testing.T) {
		cluster := kafkatest.New(t, 1, "t")
		svc := service(t, cluster, cluster.ProducerConfig(), map[string]string{"datahub-a": "t"})
		send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"warm-up"}]}`)
		f := cluster.Fault(kfakeFault(kerr.RequestTimedOut, "t", 1))
		defer f.Remove()
		r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"a"},{"Body":"b"}]}`)
		if r.Response.Error != nil {
			t.Fatalf("got %+v; the idempotent retry should succeed", r.Response.Error)
		}
		if f.Hits() == 0 {
			t.Fatal("the fault never fired")
		}
		if n := len(cluster.ReadAll(t, "t")); n != 3 {
			t.Errorf("topic holds %d records, want 3: the retry must be deduplicated", n)
		}
	})
	t.Run("request timeout answers in time", func(t *testing.T) {
		cluster := kafkatest.New(t, 1, "t")
		svc := core.New(core.Options{
			AccessPoints: map[string]core.AccessPoint{"datahub-a": {Topic: "t"}},
			Timeout:      400 * time.Millisecond,
			Logger:       quiet,
		}, cluster.Producer(t))
		send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"warm-up"}]}`)
		cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
			cluster.SleepControl(func() { time.Sleep(3 * time.Second) })
			return nil, nil, false
		})
		start := time.Now()
		r := send(t, svc, `{"DataHubId":"datahub-a","Message":[{"Body":"a"},{"Body":"b"}]}`)
		elapsed := time.Since(start)
		e := r.Response.Error
		if e == nil || e.Code != "FailedOperation" || e.Message != "request timed out before Kafka acknowledged every message: 0 of 2 messages written, 0 not written, 2 may or may not have been written" {
			t.Fatalf("got %+v %+v", r.Response, r.Response.Error)
		}
		// Kafka answers after 3s; 250ms of slack for a loaded machine.
		if elapsed > 650*time.Millisecond {
			t.Errorf("answered after %s, timeout 400ms", elapsed)
		}
	})
}

// TestProduceNothing: an empty batch returns at once; no promise would
// ever end the wait.
func TestProduceNothing(t *testing.T) {
	cluster := kafkatest.New(t, 1, "t")
	p := kafkatest.NewProducer(t, cluster.ProducerConfig())
	done := make(chan error, 1)
	go func() { done <- p.Produce(context.Background(), "t", nil, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Produce(no messages) = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Produce(no messages) did not return")
	}
}
