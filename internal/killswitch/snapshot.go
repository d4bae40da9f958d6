package killswitch

import (
	"context"
	"sync"
	"sync/atomic"
)

// snapshot is the kill state the gate reads: immutable once published.
type snapshot struct {
	empty    bool
	global   string // reason of a global kill, "" if none
	agents   map[string]string
	sessions map[string][]sessionKill
	tools    map[string]string
}

type sessionKill struct {
	agent, reason string
}

// build makes a snapshot of the active kills; the first kill of a target
// (oldest) gives the reason.
func build(active []*record) *snapshot {
	s := &snapshot{empty: len(active) == 0, agents: map[string]string{}, sessions: map[string][]sessionKill{}, tools: map[string]string{}}
	for _, r := range active {
		t := r.target
		switch t.Scope {
		case ScopeGlobal:
			if s.global == "" {
				s.global = r.Reason
			}
		case ScopeAgent:
			if _, ok := s.agents[t.Agent]; !ok {
				s.agents[t.Agent] = r.Reason
			}
		case ScopeSession:
			s.sessions[t.Session] = append(s.sessions[t.Session], sessionKill{agent: t.Agent, reason: r.Reason})
		case ScopeTool:
			if _, ok := s.tools[t.Tool]; !ok {
				s.tools[t.Tool] = r.Reason
			}
		}
	}
	return s
}

// killed answers for the snapshot without locking or allocating.
func (s *snapshot) killed(agent, session, tool string) (string, bool) {
	if s.empty {
		return "", false
	}
	if s.global != "" {
		return s.global, true
	}
	if r, ok := s.agents[agent]; ok {
		return r, true
	}
	if session != "" {
		for _, k := range s.sessions[session] {
			if k.agent == "" || k.agent == agent {
				return k.reason, true
			}
		}
	}
	if tool != "" {
		if r, ok := s.tools[tool]; ok {
			return r, true
		}
	}
	return "", false
}

// inflight registers the contexts of governed calls in flight so that a
// kill can cancel them. Shards keep concurrent calls off one mutex.
type inflight struct {
	next   atomic.Uint32
	shards [16]struct {
		mu    sync.Mutex
		calls map[*call]struct{}
	}
}

type call struct {
	agent, session, tool string
	cancel               context.CancelCauseFunc
}

func newInflight() *inflight {
	f := &inflight{}
	for i := range f.shards {
		f.shards[i].calls = map[*call]struct{}{}
	}
	return f
}

func (f *inflight) track(ctx context.Context, agent, session, tool string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	c := &call{agent: agent, session: session, tool: tool, cancel: cancel}
	sh := &f.shards[f.next.Add(1)%uint32(len(f.shards))]
	sh.mu.Lock()
	sh.calls[c] = struct{}{}
	sh.mu.Unlock()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			sh.mu.Lock()
			delete(sh.calls, c)
			sh.mu.Unlock()
			cancel(context.Canceled)
		})
	}
}

// cancel cancels every call in t's scope with cause and returns how many.
func (f *inflight) cancel(t Target, cause error) int64 {
	var n int64
	for i := range f.shards {
		sh := &f.shards[i]
		sh.mu.Lock()
		for c := range sh.calls {
			if t.Covers(c.agent, c.session, c.tool) {
				c.cancel(cause)
				delete(sh.calls, c)
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// count is the number of calls in flight.
func (f *inflight) count() int {
	n := 0
	for i := range f.shards {
		f.shards[i].mu.Lock()
		n += len(f.shards[i].calls)
		f.shards[i].mu.Unlock()
	}
	return n
}
