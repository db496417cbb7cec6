// Package gatewaytest holds what the gateway adapters' and function
// binaries' tests share: a real core.Service over a kfake cluster, real
// gateway events edited into SendMessage requests, and golden files with
// the time-dependent parts of MessageIds normalised. Only tests import it.
package gatewaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"httpkafka/internal/core"
	"httpkafka/internal/kafkatest"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Service is a core.Service that produces to cluster, with each access
// point id mapped to its topic; suspended ids answer FailedOperation.
func Service(t testing.TB, cluster *kafkatest.Cluster, points map[string]string, suspended ...string) *core.Service {
	t.Helper()
	aps := make(map[string]core.AccessPoint, len(points))
	for id, topic := range points {
		aps[id] = core.AccessPoint{Topic: topic}
	}
	for _, id := range suspended {
		ap := aps[id]
		ap.Suspended = true
		aps[id] = ap
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return core.New(core.Options{AccessPoints: aps, Timeout: 10 * time.Second, Logger: log}, cluster.Producer(t))
}

// SendMessageBody is a SendMessage request body with two messages, the
// first with a key, the second without.
func SendMessageBody(dataHubID, text string) string {
	b, _ := json.Marshal(map[string]any{ // plain maps always marshal
		"DataHubId": dataHubID,
		"Message": []map[string]string{
			{"Body": text, "Key": "user-1"},
			{"Body": text + ", second message"},
		},
	})
	return string(b)
}

// Event reads a JSON event from path as a generic object to edit.
func Event(t testing.TB, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// Object returns m[key] as an object, creating it when missing.
func Object(m map[string]any, key string) map[string]any {
	if o, ok := m[key].(map[string]any); ok {
		return o
	}
	o := map[string]any{}
	m[key] = o
	return o
}

// SetHeader sets a header in whichever header maps the event has
// (headers, multiValueHeaders); with value "" it deletes it.
func SetHeader(m map[string]any, name, value string) {
	if h, ok := m["headers"].(map[string]any); ok {
		if value == "" {
			delete(h, name)
		} else {
			h[name] = value
		}
	}
	if h, ok := m["multiValueHeaders"].(map[string]any); ok {
		if value == "" {
			delete(h, name)
		} else {
			h[name] = []any{value}
		}
	}
}

// Marshal encodes an edited event.
func Marshal(t testing.TB, m map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// messageTimes matches the receivedMs:sentMs end of a MessageId inside a
// JSON-escaped envelope (the gateway response's body string).
var messageTimes = regexp.MustCompile(`:(\d{13}):(\d{13})\\"`)

// Normalize replaces the two timestamps of every MessageId with
// <received>:<sent>, after checking that they lie between since and now and
// that sent is not before received.
func Normalize(t testing.TB, out []byte, since time.Time) []byte {
	t.Helper()
	now := time.Now().UnixMilli()
	for _, m := range messageTimes.FindAllSubmatch(out, -1) {
		recv, _ := strconv.ParseInt(string(m[1]), 10, 64)
		sent, _ := strconv.ParseInt(string(m[2]), 10, 64)
		if recv < since.UnixMilli() || sent < recv || sent > now {
			t.Errorf("MessageId times received=%d sent=%d, want %d <= received <= sent <= %d", recv, sent, since.UnixMilli(), now)
		}
	}
	return messageTimes.ReplaceAll(out, []byte(`:<received>:<sent>\"`))
}

// Golden compares got, indented, with the file at path; with -update it
// writes the file instead.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	buf.WriteByte('\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s: output differs from golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, buf.Bytes(), want)
	}
}

// GoldenCase is one real event, edited into a SendMessage request, sent
// through an adapter.
type GoldenCase struct {
	Name  string // the golden file, the access point datahub-<Name> and its topic
	Event string // the real event in testdata/ it starts from
	Edit  func(m map[string]any)
	OK    bool // a success: its two messages are read back from Kafka
}

// Invoke is an adapter's entry point.
type Invoke func(ctx context.Context, svc *core.Service, payload []byte) ([]byte, error)

// RunGolden sends every case through invoke, on a service over kfake with
// access point datahub-<Name> for each case (and the suspended ones), and
// compares each response with testdata/golden/<Name>.json. asSendMessage
// edits an event into a SendMessage request; newCtx gives the invocation's
// context. A success must write the two messages of SendMessageBody, an
// error nothing.
func RunGolden(t *testing.T, cases []GoldenCase, asSendMessage func(m map[string]any, dataHubID string),
	newCtx func() context.Context, invoke Invoke, suspended ...string) {
	t.Helper()
	points := map[string]string{}
	var topics []string
	for _, c := range cases {
		points["datahub-"+c.Name] = c.Name
		topics = append(topics, c.Name)
	}
	cluster := kafkatest.New(t, 1, topics...)
	svc := Service(t, cluster, points, suspended...)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			m := Event(t, filepath.Join("testdata", c.Event))
			asSendMessage(m, "datahub-"+c.Name)
			if c.Edit != nil {
				c.Edit(m)
			}
			ctx, cancel := context.WithTimeout(newCtx(), 10*time.Second)
			defer cancel()
			start := time.Now()
			out, err := invoke(ctx, svc, Marshal(t, m))
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			Golden(t, filepath.Join("testdata", "golden", c.Name+".json"), Normalize(t, out, start))

			recs := cluster.ReadAll(t, c.Name)
			if !c.OK {
				if len(recs) != 0 {
					t.Errorf("an API error wrote %d records to %s", len(recs), c.Name)
				}
				return
			}
			if len(recs) != 2 || string(recs[0].Key) != "user-1" || !strings.HasPrefix(string(recs[0].Value), "hello from datahub-"+c.Name) || recs[1].Key != nil {
				t.Errorf("records in %s: %d, want the two messages sent", c.Name, len(recs))
			}
		})
	}
}
