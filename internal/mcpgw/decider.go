package mcpgw

import (
	"context"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/gate"
)

// GateDecider decides in process, through a gate the caller built (the
// proxy's own data directory, no server).
type GateDecider struct {
	Gate *gate.Gate
	// Principal is recorded as the source of the gateway's checks.
	Principal string
}

// Check implements Decider.
func (d GateDecider) Check(ctx context.Context, req api.CheckRequest) (api.CheckDecision, error) {
	dec, err := d.Gate.Check(ctx, &gate.Request{Agent: req.Agent, Session: req.Session, Point: req.InterventionPoint,
		Snapshot: req.Snapshot, Mode: req.Mode, ApprovalID: req.ApprovalID, Principal: gate.Principal{Name: d.Principal}})
	if err != nil {
		return api.CheckDecision{}, err
	}
	return dec.Wire()
}
