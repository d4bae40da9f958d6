package gate

import (
	"context"
	"strings"
	"testing"
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
