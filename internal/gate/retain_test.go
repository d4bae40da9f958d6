package gate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// inside reports whether s's bytes lie within big's.
func inside(s, big string) bool {
	if len(s) == 0 {
		return false
	}
	p, b := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(big)))
	return p >= b && p < b+uintptr(len(big))
}

// TestStateDoesNotPinRequests: the gate's long-lived state (sessions,
// concurrency slots; rate buckets are ratelimit's test) keeps copies of the strings it is
// keyed by. A decoded request's strings are views into its whole body;
// keeping them would keep every body alive for as long as its session.
func TestStateDoesNotPinRequests(t *testing.T) {
	f := newFixture(t, benchConfig(1), nil)
	body := strings.Repeat("x", 4096) + "agent-0|sess-1|call-1|tool_00"
	cut := func(s string) string {
		i := strings.Index(body, s)
		return body[i : i+len(s)]
	}
	agent, session, call := cut("agent-0"), cut("sess-1"), cut("call-1")
	snap := map[string]any{"tool_call": map[string]any{"id": call, "name": cut("tool_00"), "args": map[string]any{}}}
	d, err := f.g.Check(context.Background(), &Request{Agent: agent, Session: session, Point: PreToolCall, Snapshot: snap})
	if err != nil || d.Decision != Allow {
		t.Fatalf("%+v %v", d, err)
	}
	found := 0
	for i := range f.g.sessions.shards {
		sh := &f.g.sessions.shards[i]
		sh.mu.Lock()
		for k, ss := range sh.m {
			found++
			if inside(k.agent, body) || inside(k.id, body) {
				t.Errorf("session key %q/%q points into the request", k.agent, k.id)
			}
			ss.mu.Lock()
			for id := range ss.slots {
				if inside(id, body) {
					t.Errorf("slot %q points into the request", id)
				}
			}
			ss.mu.Unlock()
		}
		sh.mu.Unlock()
	}
	if found != 1 {
		t.Fatalf("%d sessions, want 1", found)
	}
}

// TestSessionsAreBounded: session ids are the caller's to choose, so the
// gate remembers a bounded number; past the bound the longest-idle are
// forgotten and a session in use stays.
func TestSessionsAreBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newSessions(func() time.Time { return now }, 64*64)
	live := s.getAt("agent", "keep", time.Minute, now)
	for i := range 50_000 {
		now = now.Add(time.Millisecond)
		s.getAt("agent", fmt.Sprint("flood-", i), time.Minute, now)
		if i%100 == 0 {
			// The live session keeps being used.
			if got := s.getAt("agent", "keep", time.Minute, now); got != live {
				t.Fatalf("after %d new sessions the session in use was forgotten", i)
			}
			live.mu.Lock()
			live.lastSeen = now
			live.mu.Unlock()
		}
	}
	total := 0
	for i := range s.shards {
		n := len(s.shards[i].m)
		if n > s.perShard {
			t.Fatalf("shard %d holds %d sessions; the bound is %d", i, n, s.perShard)
		}
		total += n
	}
	if total > 64*64 || total < 64*32 {
		t.Fatalf("%d sessions remembered; want at most %d and not far below", total, 64*64)
	}
}
