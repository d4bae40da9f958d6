package agentgov

import (
	"context"
	"errors"
	"fmt"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/killswitch"
)

// KillRequest is what to kill and why: Scope agent, session, tool or
// global, the matching Agent, Session or Tool, and a Reason code
// (BEHAVIORAL_DRIFT, RATE_LIMIT, RING_BREACH, MANUAL, QUARANTINE_TIMEOUT,
// SESSION_TIMEOUT).
type KillRequest = api.KillRequest

// Kill is a kill and its measured outcome.
type Kill = api.Kill

// ErrKilled is the cause of a governed call's context when a kill
// cancelled it: errors.Is(context.Cause(ctx), agentgov.ErrKilled).
var ErrKilled = errors.New("agentgov: killed")

// KilledError says which kill cancelled a call; it matches ErrKilled.
type KilledError = killswitch.KilledError

// Kill activates the kill switch of this Governor: when it returns, every
// check in scope is denied ("killed:<REASON>") and governed calls in
// flight in scope (Session.Tool, Middleware) have had their contexts
// cancelled. The kill is kept with the audit log (in its data directory,
// across restarts) and recorded in it.
func (g *Governor) Kill(ctx context.Context, req KillRequest) (Kill, error) {
	return g.kill.Kill(ctx, killswitch.Request{Target: killswitch.Target{Scope: req.Scope, Agent: req.Agent, Session: req.Session,
		Tool: req.Tool}, Reason: req.Reason, Note: req.Note, By: g.source})
}

// Unkill lifts a kill.
func (g *Governor) Unkill(ctx context.Context, id, note string) (Kill, error) {
	return g.kill.Unkill(ctx, id, g.source, note)
}

// Kills lists the kills in force.
func (g *Governor) Kills() []Kill { return g.kill.Active() }

// track registers a governed call in flight with the kill switch.
func (g *Governor) track(ctx context.Context, agent, session, tool string) (context.Context, func()) {
	if g.kill == nil {
		return ctx, func() {}
	}
	return g.kill.Track(ctx, agent, session, tool)
}

// Tool runs one governed tool call: BeforeTool, then fn with the allowed
// (possibly transformed) arguments and a context that a kill in scope
// cancels, then AfterTool over its result. It returns fn's result as the
// gate lets it through (transformed when the gate transforms it), and the
// decision that settled the call: a refused pre_tool_call (fn does not
// run), or the post_tool_call decision. Act on the result only when the
// decision is Allowed. When a kill cancels fn, the error wraps ErrKilled.
func (s *Session) Tool(ctx context.Context, callID, tool string, args map[string]any,
	fn func(ctx context.Context, args map[string]any) (any, error)) (any, Decision, error) {
	ctx, done := s.g.track(ctx, s.agent, s.id, tool)
	defer done()
	pre, err := s.BeforeTool(ctx, callID, tool, args)
	if err != nil || !pre.Allowed() {
		return nil, pre, err
	}
	if pre.HasTransformed {
		m, ok := pre.Transformed.(map[string]any)
		if !ok {
			return nil, pre, fmt.Errorf("agentgov: the transformed arguments of %s are not an object", tool)
		}
		args = m
	}
	result, ferr := fn(ctx, args)
	if cause := context.Cause(ctx); ferr != nil && cause != nil {
		var ke *killswitch.KilledError
		if errors.As(cause, &ke) {
			ferr = fmt.Errorf("%w: %w (%w)", ErrKilled, cause, ferr)
		}
	}
	// The result is checked even after a failure or a kill: the check
	// releases the call's concurrency slot and records the outcome.
	post, err := s.AfterTool(context.WithoutCancel(ctx), callID, tool, result)
	if err != nil {
		return nil, post, errors.Join(ferr, err)
	}
	if ferr != nil {
		return nil, post, ferr
	}
	if post.HasTransformed {
		result = post.Transformed
	}
	return result, post, nil
}
