package agentgov_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/agentgov/agentgov"
)

// TestSessionToolCancelledByKill: a tool call in flight is cancelled
// through its context when its agent is killed, and later calls are
// denied.
func TestSessionToolCancelledByKill(t *testing.T) {
	ctx := context.Background()
	gov := newMiddlewareGovernor(t)
	sess := gov.Session("bot", "s-k")
	running := make(chan struct{})
	type outcome struct {
		err error
		d   agentgov.Decision
	}
	res := make(chan outcome, 1)
	go func() {
		_, d, err := sess.Tool(ctx, "c-1", "fetch", map[string]any{"url": "https://a.corp.example/"}, func(ctx context.Context, _ map[string]any) (any, error) {
			close(running)
			<-ctx.Done() // a long tool call that honours its context
			return nil, ctx.Err()
		})
		res <- outcome{err, d}
	}()
	<-running
	k, err := gov.Kill(ctx, agentgov.KillRequest{Scope: "agent", Agent: "bot", Reason: "MANUAL", Note: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if k.InflightCancelled != 1 {
		t.Fatalf("cancelled %d in-flight calls, want 1", k.InflightCancelled)
	}
	o := <-res
	var ke *agentgov.KilledError
	if !errors.Is(o.err, agentgov.ErrKilled) || !errors.As(o.err, &ke) || ke.ID != k.ID {
		t.Fatalf("the call ended with %v", o.err)
	}
	if o.d.Allowed() || o.d.Reason != "killed:MANUAL" {
		t.Fatalf("post_tool_call after the kill: %+v", o.d)
	}
	d, err := sess.BeforeTool(ctx, "c-2", "fetch", nil)
	if err != nil || d.Allowed() || d.Reason != "killed:MANUAL" {
		t.Fatalf("a check after the kill: %+v %v", d, err)
	}
	if _, err := gov.Unkill(ctx, k.ID, "done"); err != nil {
		t.Fatal(err)
	}
	if d, _ := sess.BeforeTool(ctx, "c-3", "fetch", nil); !d.Allowed() {
		t.Fatalf("after unkill: %+v", d)
	}
}

// TestMiddlewareHandlerCancelledByKill: the handler behind the
// middleware sees its request context cancelled by a tool kill.
func TestMiddlewareHandlerCancelledByKill(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	running := make(chan struct{})
	cause := make(chan error, 1)
	h := gov.Middleware("sql", quiet)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(running)
		<-r.Context().Done()
		cause <- context.Cause(r.Context())
		http.Error(w, "cancelled", http.StatusServiceUnavailable)
	}))
	done := make(chan int, 1)
	go func() { done <- serve(h, request("GET", "/sql?q=1", "bot", "", "")).Code }()
	<-running
	if _, err := gov.Kill(context.Background(), agentgov.KillRequest{Scope: "tool", Tool: "sql", Reason: "BEHAVIORAL_DRIFT"}); err != nil {
		t.Fatal(err)
	}
	if err := <-cause; !errors.As(err, new(*agentgov.KilledError)) {
		t.Fatalf("cause %v", err)
	}
	if code := <-done; code != http.StatusBadGateway && code != http.StatusForbidden {
		t.Fatalf("status %d: the result of a killed call must be withheld", code)
	}
	if w := serve(h, request("GET", "/sql?q=2", "bot", "", "")); w.Code != http.StatusForbidden {
		t.Fatalf("a call after the tool kill: %d", w.Code)
	}
}
