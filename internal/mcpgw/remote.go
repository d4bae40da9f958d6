package mcpgw

import (
	"context"
	"net/http"
	"strings"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
)

// Remote decides and awaits approvals through agentgov serve, which keeps
// the state a decision needs (sessions, budgets, kill state, approvals).
// When an HTTP caller of the gateway presents its own bearer credential,
// the check is made with it, so that the server authenticates the agent
// and not the gateway; otherwise the gateway's own credential is used.
type Remote struct {
	// Client speaks with the gateway's own credential.
	Client *client.Client
	// ForCaller returns a client speaking with a caller's token; nil
	// never forwards callers' credentials.
	ForCaller func(token string) (*client.Client, error)
}

func (r Remote) clientFor(ctx context.Context) (*client.Client, error) {
	if r.ForCaller != nil {
		if h := CallerHeader(ctx); h != nil {
			if tok, ok := bearer(h); ok {
				return r.ForCaller(tok)
			}
		}
	}
	return r.Client, nil
}

func bearer(h http.Header) (string, bool) {
	scheme, tok, ok := strings.Cut(h.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// Check implements Decider.
func (r Remote) Check(ctx context.Context, req api.CheckRequest) (api.CheckDecision, error) {
	c, err := r.clientFor(ctx)
	if err != nil {
		return api.CheckDecision{}, err
	}
	return c.Check(ctx, req)
}

// Wait implements Approvals.
func (r Remote) Wait(ctx context.Context, id string) (bool, error) {
	c, err := r.clientFor(ctx)
	if err != nil {
		return false, err
	}
	a, err := c.WaitApproval(ctx, id)
	if err != nil {
		return false, err
	}
	return a.State == api.ApprovalApproved, nil
}
