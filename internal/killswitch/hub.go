package killswitch

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/agentgov/agentgov/api"
)

// Event is one kill-switch event with its stream id.
type Event struct {
	ID string
	api.KillEvent
}

// hub fans events out to streams and keeps the latest ones so that a
// stream can resume after a short disconnection. Event ids are
// "<epoch>-<seq>", epoch being this process's start: an id from another
// process (before a restart) cannot be resumed, and the stream then
// starts from the state in force instead — which a restart does not lose.
type hub struct {
	mu      sync.Mutex
	epoch   int64
	seq     uint64
	history []Event // oldest first, at most limit
	limit   int
	subs    map[*Subscription]struct{}
}

func newHub(epoch int64, limit int) *hub {
	return &hub{epoch: epoch, limit: limit, subs: map[*Subscription]struct{}{}}
}

// subscriberBuffer bounds what a slow stream may fall behind by; beyond it
// the stream is closed and the client resumes (or resynchronises).
const subscriberBuffer = 256

// Subscription receives events until Close, or until it falls behind
// (then C is closed).
type Subscription struct {
	C    <-chan Event
	c    chan Event
	h    *hub
	once sync.Once
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	s.closeLocked()
}

func (s *Subscription) closeLocked() {
	s.once.Do(func() {
		delete(s.h.subs, s)
		close(s.c)
	})
}

func (h *hub) publish(ev api.KillEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	e := Event{ID: fmt.Sprintf("%d-%d", h.epoch, h.seq), KillEvent: ev}
	h.history = append(h.history, e)
	if len(h.history) > h.limit {
		h.history = h.history[len(h.history)-h.limit:]
	}
	for s := range h.subs {
		select {
		case s.c <- e:
		default:
			s.closeLocked()
		}
	}
}

// subscribe registers a subscription and returns the events after lastID
// if they can be replayed (resumed true); otherwise the caller must send
// the state in force. Registration and the replay are atomic: no event
// falls between them.
func (h *hub) subscribe(lastID string) (*Subscription, []Event, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := make(chan Event, subscriberBuffer)
	s := &Subscription{C: c, c: c, h: h}
	h.subs[s] = struct{}{}
	epoch, seq, ok := parseEventID(lastID)
	if !ok || epoch != h.epoch || seq > h.seq {
		return s, nil, false
	}
	if seq == h.seq {
		return s, nil, true
	}
	if len(h.history) == 0 {
		return s, nil, false
	}
	_, first, _ := parseEventID(h.history[0].ID)
	if seq+1 < first {
		return s, nil, false // the events after lastID are no longer kept
	}
	var out []Event
	for _, e := range h.history {
		if _, n, _ := parseEventID(e.ID); n > seq {
			out = append(out, e)
		}
	}
	return s, out, true
}

// currentID is the id of the latest event ("<epoch>-0" before any).
func (h *hub) currentID() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return fmt.Sprintf("%d-%d", h.epoch, h.seq)
}

func parseEventID(id string) (int64, uint64, bool) {
	a, b, ok := strings.Cut(id, "-")
	if !ok || len(id) > 64 {
		return 0, 0, false
	}
	epoch, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseUint(b, 10, 64)
	return epoch, seq, err1 == nil && err2 == nil
}

// Subscribe starts a stream of events. With lastID from an earlier stream
// of this process it replays what came after it (resumed true); otherwise
// (resumed false) the caller first sends the kills in force, which
// Subscribe returns as events taken atomically with the subscription.
func (s *Switch) Subscribe(lastID string) (sub *Subscription, backlog []Event, resumed bool) {
	// The writer lock orders the snapshot of kills in force with the
	// subscription: a kill made after it arrives on the channel, one made
	// before it is in the backlog, never both or neither.
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, replay, ok := s.hub.subscribe(lastID)
	if ok {
		return sub, replay, true
	}
	id := s.hub.currentID()
	for _, r := range s.active {
		k := toAPI(r.Kill, nil)
		backlog = append(backlog, Event{ID: id, KillEvent: api.KillEvent{Type: "kill", Kill: &k}})
	}
	return sub, backlog, false
}
