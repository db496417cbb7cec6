package core

import "sync"

// maxPooled is the largest slice kept for reuse: DefaultMaxMessages with
// room to spare. A request of more messages (a raised MaxMessages) gets
// slices of its own, left to the GC.
const maxPooled = 1024

// slicePool keeps the slices a request needs only while it is handled
// (its messages, their placements), so that a steady stream of requests
// allocates them once per process rather than once per request.
type slicePool[T any] struct{ p sync.Pool }

// get returns an empty slice with room for n.
func (sp *slicePool[T]) get(n int) []T {
	if v, ok := sp.p.Get().(*[]T); ok && cap(*v) >= n {
		return (*v)[:0]
	}
	return make([]T, 0, n)
}

// put hands s back, zeroed so that it holds on to no request's bytes. The
// caller must be done with it: nothing may read or write s afterwards.
func (sp *slicePool[T]) put(s []T) {
	if cap(s) == 0 || cap(s) > maxPooled {
		return
	}
	s = s[:cap(s)]
	clear(s)
	s = s[:0]
	sp.p.Put(&s)
}

var (
	messagePool   slicePool[Message]
	placementPool slicePool[Placement]
)

// release hands c's messages and placements back to their pools once the
// reply is built. A keyed request's messages stay out: the idempotency
// store may still be producing them after the request has been answered.
func (s *Service) release(c *call, placements []Placement) {
	if c == nil || c.shared {
		return
	}
	messagePool.put(c.Messages)
	c.Messages = nil
	placementPool.put(placements)
}
