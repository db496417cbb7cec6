package telemetry

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"httpkafka/internal/core"
)

// EMF writes one CloudWatch Embedded Metric Format line per request to w
// (a Lambda function's stdout, which CloudWatch Logs reads): requests and
// messages by access point and outcome code, produce latency, request
// bytes and cold starts, in Namespace. No SDK and no agent are involved.
type EMF struct {
	Namespace string
	mu        sync.Mutex // one line at a time
	w         io.Writer
	now       func() time.Time
}

// NewEMF writes to w under namespace.
func NewEMF(w io.Writer, namespace string) *EMF {
	return &EMF{Namespace: namespace, w: w, now: time.Now}
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfLine struct {
	AWS struct {
		Timestamp         int64          `json:"Timestamp"`
		CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
	} `json:"_aws"`
	DataHubID    string  `json:"DataHubId"`
	Code         string  `json:"Code"`
	Requests     int     `json:"Requests"`
	Messages     int     `json:"Messages"`
	ProduceMs    float64 `json:"ProduceLatency"`
	TotalMs      float64 `json:"Latency"`
	RequestBytes int     `json:"RequestBytes"`
	ColdStart    int     `json:"ColdStart"`
}

var emfMetrics = []emfMetric{
	{"Requests", "Count"},
	{"Messages", "Count"},
	{"ProduceLatency", "Milliseconds"},
	{"Latency", "Milliseconds"},
	{"RequestBytes", "Bytes"},
	{"ColdStart", "Count"},
}

// Record implements Sink.
func (e *EMF) Record(st *core.Stats, coldStart bool) {
	var l emfLine
	l.AWS.Timestamp = e.now().UnixMilli()
	l.AWS.CloudWatchMetrics = []emfDirective{{
		Namespace: e.Namespace,
		// By access point and code, and by access point alone.
		Dimensions: [][]string{{"DataHubId", "Code"}, {"DataHubId"}},
		Metrics:    emfMetrics,
	}}
	l.DataHubID, l.Code = AccessPointLabel(st), st.Code
	l.Requests, l.Messages, l.RequestBytes = 1, st.Messages, st.RequestBytes
	l.ProduceMs, l.TotalMs = ms(st.Produce), ms(st.Total)
	if coldStart {
		l.ColdStart = 1
	}
	b, err := json.Marshal(&l)
	if err != nil { // strings and numbers always marshal
		return
	}
	b = append(b, '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	e.w.Write(b) // stdout: nowhere to report a failed write
}
