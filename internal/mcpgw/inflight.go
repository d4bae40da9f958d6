package mcpgw

import (
	"context"
	"errors"
	"fmt"

	"github.com/agentgov/agentgov/api"
)

// flight is one governed call in progress: held for approval or running
// upstream.
type flight struct {
	agent, session, tool string
	cancel               context.CancelCauseFunc
}

// KilledError is the cause a kill cancels a call with.
type KilledError struct {
	Kill api.Kill
}

func (e *KilledError) Error() string {
	return fmt.Sprintf("killed by agentgov (%s %s, kill %s)", e.Kill.Scope, e.Kill.Reason, e.Kill.ID)
}

// track registers a call so that a kill in scope can cancel it; done
// unregisters it.
func (g *Gateway) track(ctx context.Context, agent, session, tool string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	g.fmu.Lock()
	g.nextFlight++
	id := g.nextFlight
	g.flights[id] = &flight{agent: agent, session: session, tool: tool, cancel: cancel}
	g.fmu.Unlock()
	return ctx, func() {
		g.fmu.Lock()
		delete(g.flights, id)
		g.fmu.Unlock()
		cancel(nil)
	}
}

// Kill cancels every call in flight that k's scope covers and reports how
// many. The gate already denies every later call in scope; this ends the
// ones it had allowed before the kill: a call held for approval is
// released with a refusal, a call running upstream is cancelled (the SDK
// tells the server so).
func (g *Gateway) Kill(k api.Kill) int {
	g.fmu.Lock()
	defer g.fmu.Unlock()
	n := 0
	for _, f := range g.flights {
		if inScope(k, f) {
			f.cancel(&KilledError{Kill: k})
			n++
		}
	}
	return n
}

func inScope(k api.Kill, f *flight) bool {
	switch k.Scope {
	case "global":
		return true
	case "agent":
		return k.Agent == f.agent
	case "session":
		return k.Session == f.session && (k.Agent == "" || k.Agent == f.agent)
	case "tool":
		return k.Tool == f.tool
	}
	return false
}

// killedCause returns the kill that cancelled ctx, if one did.
func killedCause(ctx context.Context) (*KilledError, bool) {
	var ke *KilledError
	if errors.As(context.Cause(ctx), &ke) {
		return ke, true
	}
	return nil, false
}
