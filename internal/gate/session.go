package gate

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"
)

// session is the state the gate keeps for one (agent, session): budgets
// consumed and tool calls in flight.
type session struct {
	mu        sync.Mutex
	started   time.Time
	lastSeen  time.Time
	toolCalls int64
	tokens    int64
	cost      float64
	// slots holds the tool calls in flight, by tool_call.id, with the time
	// at which an unreleased slot expires.
	slots map[string]time.Time
	// canary is the session's system-prompt canary, once minted.
	canary string
}

const (
	sessionShards   = 64
	sessionSweepMin = 4096
	// DefaultMaxSessions bounds the sessions the gate remembers at once.
	DefaultMaxSessions = 1 << 20
)

type sessions struct {
	seed maphash.Seed
	now  func() time.Time
	// perShard bounds each shard; past it the longest-idle sessions are
	// forgotten. Session ids are the caller's to choose, so without a
	// bound an agent could grow the gate's memory without end.
	perShard int
	shards   [sessionShards]struct {
		mu sync.Mutex
		m  map[sessionKey]*session
		// sweepAt is the size at which the shard next looks for idle
		// sessions; it doubles past what a sweep keeps, so that a shard
		// full of live sessions costs amortised O(1) per new session.
		sweepAt int
	}
}

func newSessions(now func() time.Time, limit int) *sessions {
	if limit <= 0 {
		limit = DefaultMaxSessions
	}
	s := &sessions{seed: maphash.MakeSeed(), now: now, perShard: max(1, limit/sessionShards)}
	for i := range s.shards {
		s.shards[i].m = map[sessionKey]*session{}
	}
	return s
}

// sessionKey is a struct, not a joined string, so that a lookup does not
// allocate.
type sessionKey struct{ agent, id string }

func (s *sessions) shard(k sessionKey) int {
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.WriteString(k.agent)
	h.WriteByte(0)
	h.WriteString(k.id)
	return int(h.Sum64() % sessionShards)
}

// get returns the session, creating it; ttl is how long an idle session is
// remembered.
func (s *sessions) get(agent, id string, ttl time.Duration) *session {
	return s.getAt(agent, id, ttl, s.now())
}

// getAt is get at a time the caller has already read.
func (s *sessions) getAt(agent, id string, ttl time.Duration, now time.Time) *session {
	key := sessionKey{agent, id}
	sh := &s.shards[s.shard(key)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ss := sh.m[key]
	if ss == nil {
		if len(sh.m) >= min(max(sh.sweepAt, sessionSweepMin), s.perShard) {
			for k, old := range sh.m {
				old.mu.Lock()
				idle := now.Sub(old.lastSeen)
				old.mu.Unlock()
				if idle > max(ttl, time.Hour) {
					delete(sh.m, k)
				}
			}
			if len(sh.m) >= s.perShard {
				evictIdlest(sh.m, len(sh.m)-s.perShard+1+s.perShard/8)
			}
			sh.sweepAt = 2 * len(sh.m)
		}
		ss = &session{started: now, lastSeen: now, slots: map[string]time.Time{}}
		// The key outlives the request; a decoded request's strings share
		// its whole body, which the key would otherwise keep alive.
		sh.m[sessionKey{strings.Clone(agent), strings.Clone(id)}] = ss
	}
	return ss
}

// end forgets a session (agent_shutdown).
func (s *sessions) end(agent, id string) {
	key := sessionKey{agent, id}
	sh := &s.shards[s.shard(key)]
	sh.mu.Lock()
	delete(sh.m, key)
	sh.mu.Unlock()
}

// inFlight counts unexpired slots, dropping expired ones, but only when
// the count matters: below limit the expired ones cannot change the
// answer. Caller holds mu.
func (ss *session) inFlight(now time.Time, limit int) int {
	if len(ss.slots) < limit {
		return len(ss.slots)
	}
	for id, exp := range ss.slots {
		if !now.Before(exp) {
			delete(ss.slots, id)
		}
	}
	return len(ss.slots)
}

// counters counts per key (ring breaches per agent).
type counters struct {
	mu sync.Mutex
	m  map[string]int64
}

func newCounters() *counters { return &counters{m: map[string]int64{}} }

func (c *counters) add(k string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, seen := c.m[k]
	if !seen {
		k = strings.Clone(k) // not a view into the request
	}
	c.m[k] = n + 1
	return n + 1
}

func (c *counters) get(k string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

// evictIdlest forgets the n sessions seen longest ago: their budgets,
// slots and canary go with them, which is what a new session id would
// give their agent anyway; sessions in use stay.
func evictIdlest(m map[sessionKey]*session, n int) {
	if n <= 0 {
		return
	}
	type seen struct {
		k  sessionKey
		at time.Time
	}
	all := make([]seen, 0, len(m))
	for k, ss := range m {
		ss.mu.Lock()
		all = append(all, seen{k, ss.lastSeen})
		ss.mu.Unlock()
	}
	slices.SortFunc(all, func(a, b seen) int { return a.at.Compare(b.at) })
	for _, e := range all[:min(n, len(all))] {
		delete(m, e.k)
	}
}
