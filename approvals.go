package agentgov

import (
	"context"
	"errors"
	"log/slog"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/approval"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/glob"
)

// Approval is an approval request: an escalated action held until
// approvers decide it. Decision.ApprovalID names it.
type Approval = api.Approval

// Approver is a person (or service) voting on approval requests through
// the Go API. The embedding program authenticates them; Name identifies
// them (two votes under one Name are one approver).
type Approver struct {
	Name string
	// Role must be the request's approver role (approvals.approver_role
	// or the tool's approval.approver_role).
	Role string
	// Agents are the agents (ids or globs) this approver operates: they
	// may not decide those agents' requests.
	Agents []string
}

// ErrApproval is wrapped by refused approval operations (unknown request,
// wrong role, self-approval, a second vote, a request already decided).
var ErrApproval = errors.New("agentgov: approval refused")

func newApprovals(ctx context.Context, cfg *config.Config, l *Log, logger *slog.Logger) (*approval.Service, error) {
	ap, err := approval.New(approval.Options{Store: l.approvals, Recorder: l.log, Config: approval.ConfigFrom(cfg), Logger: logger})
	if err != nil {
		return nil, err
	}
	if err := ap.Start(ctx); err != nil {
		ap.Close()
		return nil, err
	}
	return ap, nil
}

func approvalErr(err error) error {
	var e *approval.Error
	if errors.As(err, &e) {
		return errors.Join(ErrApproval, err)
	}
	return err
}

// WaitApproval blocks until approval request id is decided (approved,
// denied or expired) or ctx ends, and returns it as it then stands. Once
// it is approved, run the action by checking it again with
// CheckRequest.ApprovalID set to id: the same action is allowed once.
func (g *Governor) WaitApproval(ctx context.Context, id string) (Approval, error) {
	a, err := g.approvals.Wait(ctx, id)
	return a, approvalErr(err)
}

// Approval returns one approval request.
func (g *Governor) Approval(ctx context.Context, id string) (Approval, error) {
	a, err := g.approvals.Get(ctx, id)
	return a, approvalErr(err)
}

// PendingApprovals lists the requests waiting for a decision (at most
// 1000, oldest first).
func (g *Governor) PendingApprovals(ctx context.Context) ([]Approval, error) {
	l, err := g.approvals.List(ctx, approval.Query{State: api.ApprovalPending, Limit: 1000})
	return l.Approvals, approvalErr(err)
}

// Approve records who's approval of request id.
func (g *Governor) Approve(ctx context.Context, id string, who Approver, comment string) (Approval, error) {
	return g.vote(ctx, id, who, api.VoteApprove, comment)
}

// Deny records who's rejection of request id.
func (g *Governor) Deny(ctx context.Context, id string, who Approver, comment string) (Approval, error) {
	return g.vote(ctx, id, who, api.VoteDeny, comment)
}

func (g *Governor) vote(ctx context.Context, id string, who Approver, vote, comment string) (Approval, error) {
	ap := approval.Approver{Role: who.Role}
	if who.Name != "" {
		ap.ID = "embedded:" + who.Name
	}
	if who.Agents != nil {
		set, err := glob.CompileSet(who.Agents)
		if err != nil {
			return Approval{}, err
		}
		ap.Speaks = func(a string) bool { _, ok := set.Match(a); return ok }
	}
	a, err := g.approvals.Vote(ctx, id, ap, vote, comment)
	return a, approvalErr(err)
}
