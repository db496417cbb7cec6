// Command bareserver is the benchmark baseline for httpkafka's HTTP binary:
// the thinnest SendMessage server one would write by hand. net/http,
// encoding/json, one franz-go client, one ProduceSync per request, almost no
// validation. bench/httpload runs it beside functions/http against the same
// Kafka; it is not meant to serve anyone.
//
//	KAFKA_BROKERS=127.0.0.1:9092 TOPIC=bench bareserver -addr 127.0.0.1:9100
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"strconv"

	"httpkafka/bench/internal/bare"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "address to listen on")
	flag.Parse()
	topic, cl := bare.Setup()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		var req bare.SendMessage
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		recs := req.Records(topic)
		if err := cl.ProduceSync(r.Context(), recs...).FirstErr(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ids := make([]string, len(recs))
		for i, rec := range recs {
			ids[i] = req.DataHubId + ":" + topic + ":" + strconv.Itoa(int(rec.Partition)) + ":" + strconv.FormatInt(rec.Offset, 10)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{"MessageId": ids, "RequestId": "bare"}})
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
