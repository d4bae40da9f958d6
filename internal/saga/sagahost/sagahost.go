// Package sagahost connects the saga runner to the rest of agentgov: the
// gate that checks every step, the approval queue that takes escalations,
// and the kill switch whose kills reach running sagas. serve and the
// embedding facade both use it.
package sagahost

import (
	"context"
	"log/slog"

	"github.com/agentgov/agentgov/internal/approval"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/killswitch"
	"github.com/agentgov/agentgov/internal/saga"
)

// Gate checks saga steps with the gate: a step is a tool call of the
// acting agent, in the saga's session, under the principal that started
// the saga (whose right to act for the agent was checked when it started).
type Gate struct{ G *gate.Gate }

// Check implements saga.Checker.
func (s Gate) Check(ctx context.Context, a saga.Action) (saga.Verdict, error) {
	call := map[string]any{"id": a.CallID, "name": a.Tool}
	snap := map[string]any{"tool_call": call}
	if a.Point == saga.PreToolCall {
		call["args"] = a.Args
	} else {
		snap["tool_result"] = a.Result
	}
	d, err := s.G.Check(ctx, &gate.Request{Agent: a.Agent, Session: a.Session, Point: a.Point, Snapshot: snap,
		Principal: gate.Principal{Name: a.Source}})
	if err != nil {
		return saga.Verdict{}, err
	}
	v := saga.Verdict{Allowed: d.Allowed(), Decision: d.Decision, Reason: d.Reason, AuditIndex: d.AuditIndex}
	if d.HasTransformed && a.Point == saga.PreToolCall && v.Allowed {
		m, ok := d.Transformed.(map[string]any)
		if !ok {
			// A transform that is not an argument object cannot be sent.
			return saga.Verdict{Decision: gate.Deny, Reason: "transform_unusable", AuditIndex: d.AuditIndex}, nil
		}
		v.Transformed = m
	}
	return v, nil
}

// Escalator files a compensation that kept failing as an approval
// request, so that it reaches the humans' queue (and the webhook).
type Escalator struct{ Approvals *approval.Service }

// Escalate implements saga.Escalator.
func (e Escalator) Escalate(ctx context.Context, x saga.Escalation) (string, error) {
	return e.Approvals.Open(ctx, gate.ApprovalAction{Agent: x.Agent, Session: x.SagaID, Point: saga.PostToolCall,
		Tool: "saga.compensation:" + x.Step, Identity: "saga:" + x.SagaID + "/" + x.Step + "/compensation",
		Reasons: []string{"saga_compensation_failed"}, Rule: "sagas.compensation_attempts", Requester: audit.SourceAgentgov})
}

// FollowKills hands every kill to the runner until ctx ends, including
// the kills in force when it starts (a resumed saga of a killed agent is
// handed off or compensated). A subscription that falls behind is renewed.
func FollowKills(ctx context.Context, ks *killswitch.Switch, r *saga.Runner, log *slog.Logger) {
	last := ""
	for ctx.Err() == nil {
		sub, backlog, _ := ks.Subscribe(last)
		for _, ev := range backlog {
			last = ev.ID
			apply(r, ev)
		}
	read:
		for {
			select {
			case <-ctx.Done():
				sub.Close()
				return
			case ev, ok := <-sub.C:
				if !ok {
					log.Warn("kill feed fell behind; resubscribing")
					break read
				}
				last = ev.ID
				apply(r, ev)
			}
		}
	}
}

func apply(r *saga.Runner, ev killswitch.Event) {
	k := ev.Kill
	if ev.Type != "kill" || k == nil || !k.Active {
		return
	}
	sk := saga.Kill{ID: k.ID, Scope: k.Scope, Reason: k.Reason}
	switch k.Scope {
	case saga.ScopeAgent:
		sk.Target = k.Agent
	case saga.ScopeSession:
		sk.Target = k.Session
	case saga.ScopeTool:
		sk.Target = k.Tool
	}
	r.OnKill(sk)
}

// Follow feeds ks's kills to r until the returned stop is called; stop
// then closes r (its sagas resume next time). With a nil ks only the
// closing remains.
func Follow(ctx context.Context, r *saga.Runner, ks *killswitch.Switch, log *slog.Logger) (stop func()) {
	fctx, stopFeed := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	if ks == nil {
		close(done)
	} else {
		go func() {
			defer close(done)
			FollowKills(fctx, ks, r, log)
		}()
	}
	return func() {
		stopFeed()
		<-done
		r.Close()
	}
}
