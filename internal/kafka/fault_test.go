package kafka_test

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kfakeFault fails Produce requests for topic with err, count times (-1:
// until removed).
func kfakeFault(err *kerr.Error, topic string, count int) kfake.Fault {
	if count == 1 {
		count = 0 // kfake: 0 means once
	}
	return kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Err: err, Count: count}
}
