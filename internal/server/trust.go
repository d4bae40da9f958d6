package server

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/delegation"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/trust"
)

// TrustService reads and sets trust scores; false means the active policy
// does not define the agent.
type TrustService interface {
	Standing(agent string) (trust.Standing, bool)
	Set(ctx context.Context, agent string, score int, by, reason string) (trust.Standing, bool, error)
}

// DelegationService registers and revokes delegation tokens.
type DelegationService interface {
	Verifier() *delegation.Verifier
	Register(ctx context.Context, raw, by string) (*delegation.Token, bool, error)
	Lookup(ctx context.Context, digest string) (store.DelegationRecord, error)
	Revoke(ctx context.Context, digest, agent, by, reason string) error
}

var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

func (s *Server) trustRoutes() {
	if s.o.Trust != nil {
		s.route("GET /v1/trust/{agent}", permRead, s.getTrust)
		s.route("POST /v1/trust/{agent}", permAdmin, s.postTrust)
	}
	if s.o.Delegations != nil {
		// An agent registers and revokes its own delegations: the routes
		// take the permission of checks, and the handlers the delegator.
		s.route("POST /v1/delegations", permCheck, s.postDelegation)
		s.route("POST /v1/delegations/revoke", permCheck, s.postRevokeDelegation)
	}
}

// mayActAs reports whether the principal may speak for agent: an ADMIN
// for any, an agent principal for itself, a token for the agents it lists.
func mayActAs(p Principal, agent string) bool {
	switch {
	case p.can(permAdmin):
		return true
	case p.isAgent():
		return p.Agent == agent
	case p.agents != nil:
		return p.agents(agent)
	}
	return false
}

func forbidden(detail string) error {
	return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden", detail: detail}
}

func wireStanding(st trust.Standing) api.TrustStanding {
	c := st.Counters
	return api.TrustStanding{Agent: st.Agent, Score: st.Score, Tier: string(st.Tier), Updated: st.Updated.UTC(),
		Counters: api.TrustCounters{Clean: c.Clean, Denials: c.Denials, RingBreaches: c.RingBreaches, Injections: c.Injections,
			Exfiltrations: c.Exfiltrations, Resets: c.Resets}}
}

func (s *Server) getTrust(w http.ResponseWriter, r *http.Request) error {
	agent := r.PathValue("agent")
	p := principalFrom(r.Context())
	// Auditors read every agent's standing; anyone else only their own.
	if !p.can(permAudit) && !mayActAs(p, agent) {
		return forbidden("this principal may read only the trust of agents it speaks for")
	}
	st, ok := s.o.Trust.Standing(agent)
	if !ok {
		return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: "agent " + agent + " is not configured"}
	}
	writeJSON(w, http.StatusOK, wireStanding(st))
	return nil
}

func (s *Server) postTrust(w http.ResponseWriter, r *http.Request) error {
	agent := r.PathValue("agent")
	var body api.TrustSet
	if err := decodeJSON(r, &body, s.o.MaxRequestBytes); err != nil {
		return err
	}
	score := trust.DefaultScore
	if body.Score != nil {
		score = *body.Score
	}
	if score < trust.MinScore || score > trust.MaxScore {
		return badField("score", "must be between %d and %d", trust.MinScore, trust.MaxScore)
	}
	if len(body.Reason) > 1024 {
		return badField("reason", "is longer than 1024 bytes")
	}
	st, ok, err := s.o.Trust.Set(r.Context(), agent, score, principalFrom(r.Context()).source(), body.Reason)
	if !ok {
		return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: "agent " + agent + " is not configured"}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wireStanding(st))
	return nil
}

// delegationProblem renders a token that does not verify.
func delegationProblem(err error) error {
	var ce *delegation.ChainError
	if errors.As(err, &ce) {
		return &problemError{status: http.StatusUnprocessableEntity, typ: probInvalid, title: "Delegation not valid",
			detail: "token: " + ce.Code + ": " + ce.Detail, field: "token"}
	}
	return err
}

func (s *Server) postDelegation(w http.ResponseWriter, r *http.Request) error {
	var body api.DelegationRegister
	if err := decodeJSON(r, &body, s.o.MaxRequestBytes); err != nil {
		return err
	}
	if body.Token == "" {
		return badField("token", "is required")
	}
	tok, err := delegation.Decode(body.Token)
	if err != nil {
		return badField("token", "%v", err)
	}
	p := principalFrom(r.Context())
	if !mayActAs(p, tok.From.Agent) {
		return forbidden("only the delegator (" + tok.From.Agent + ") or an ADMIN may register its delegation")
	}
	tok, fresh, err := s.o.Delegations.Register(r.Context(), body.Token, p.source())
	if err != nil {
		return delegationProblem(err)
	}
	status := http.StatusCreated
	if !fresh {
		status = http.StatusOK
	}
	writeJSON(w, status, api.Delegation{Digest: tok.Digest, ID: tok.ID, From: tok.From.Agent, To: tok.To.Agent, Tools: tok.Tools,
		Resources: tok.Resources, Points: tok.Points, Expires: tok.Expiry(), Registered: fresh})
	return nil
}

func (s *Server) postRevokeDelegation(w http.ResponseWriter, r *http.Request) error {
	var body api.DelegationRevoke
	if err := decodeJSON(r, &body, s.o.MaxRequestBytes); err != nil {
		return err
	}
	if (body.Token == "") == (body.Digest == "") {
		return badField("token", "give the token or the digest of a registered one, not both")
	}
	if len(body.Reason) > 1024 {
		return badField("reason", "is longer than 1024 bytes")
	}
	p := principalFrom(r.Context())
	digest, delegator := body.Digest, ""
	if body.Token != "" {
		// The token names its delegator; its signature proves it is the
		// delegator's, so a token cannot be forged to revoke another's.
		tok, err := s.o.Delegations.Verifier().VerifyOne(r.Context(), body.Token)
		if err != nil {
			var ce *delegation.ChainError
			if !errors.As(err, &ce) || (ce.Code != delegation.CodeUnknownKey && ce.Code != delegation.CodeRevoked) || !p.can(permAdmin) {
				return delegationProblem(err)
			}
			// An ADMIN may revoke a token whose keys are no longer
			// registered.
			digest = delegation.Digest(body.Token)
		} else {
			digest, delegator = tok.Digest, tok.From.Agent
		}
	} else {
		if !digestPattern.MatchString(digest) {
			return badField("digest", "must be sha256:<64 lower-case hex digits>")
		}
		rec, err := s.o.Delegations.Lookup(r.Context(), digest)
		switch {
		case err == nil:
			delegator = rec.From
		case errors.Is(err, store.ErrNotFound):
			if !p.can(permAdmin) {
				return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found",
					detail: "no registered delegation has this digest; send the token itself"}
			}
		default:
			return err
		}
	}
	if !p.can(permAdmin) && (delegator == "" || !mayActAs(p, delegator)) {
		return forbidden("only the delegator or an ADMIN may revoke a delegation")
	}
	err := s.o.Delegations.Revoke(r.Context(), digest, delegator, p.source(), body.Reason)
	if errors.Is(err, delegation.ErrAlreadyRevoked) {
		writeJSON(w, http.StatusOK, api.DelegationRevoked{Digest: digest, Revoked: false})
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.DelegationRevoked{Digest: digest, Revoked: true})
	return nil
}
