package server

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/approval"
	"github.com/agentgov/agentgov/internal/glob"
	"github.com/agentgov/agentgov/internal/strictjson"
)

// ApprovalService is what the approval routes need (package approval).
type ApprovalService interface {
	Get(ctx context.Context, id string) (api.Approval, error)
	Wait(ctx context.Context, id string) (api.Approval, error)
	List(ctx context.Context, q approval.Query) (api.ApprovalList, error)
	Vote(ctx context.Context, id string, who approval.Approver, vote, comment string) (api.Approval, error)
}

// WebhookKey is the public key approval webhooks are signed with.
type WebhookKey struct {
	ID  string
	Key ed25519.PublicKey
}

// MaxApprovalWait bounds a long poll on GET /v1/approvals/{id}; it stays
// below the listener's write timeout.
const MaxApprovalWait = 50 * time.Second

const (
	probApprovalConflict = "urn:agentgov:problem:approval-conflict"
	probSelfApproval     = "urn:agentgov:problem:self-approval"
)

// WebhookKeyResponse is the answer to GET /v1/approvals/webhook-key.
type WebhookKeyResponse struct {
	KeyID     string `json:"key_id"`
	Algorithm string `json:"algorithm"`
	// PublicKey is the raw 32-byte Ed25519 public key, base64.
	PublicKey string `json:"public_key"`
}

func (s *Server) approvalRoutes() {
	if s.o.Approvals == nil {
		return
	}
	// Every authenticated principal may read requests and try to vote;
	// whether a vote counts (role, self-approval, agents) is the approval
	// service's decision, made per request.
	s.route("GET /v1/approvals", permRead, s.listApprovals)
	s.route("GET /v1/approvals/webhook-key", permRead, s.getWebhookKey)
	s.route("GET /v1/approvals/{id}", permRead, s.getApproval)
	s.route("POST /v1/approvals/{id}/approve", permRead, s.voteApproval(api.VoteApprove))
	s.route("POST /v1/approvals/{id}/deny", permRead, s.voteApproval(api.VoteDeny))
}

// approverOf is the approver an authenticated principal votes as. Its
// identity is the principal as the audit log records it
// (Principal.source(): "token:<name>"), so the same credential voting
// twice is one approver. An agent principal (handshake session, SVID) is
// marked as the agent it is and never votes; an anonymous caller has no
// identity and never votes; an operator token's agents list binds it to
// those agents: it may not decide their requests.
func (s *Server) approverOf(p Principal) approval.Approver {
	a := approval.Approver{ID: p.source(), Role: string(p.Role)}
	if p.isAgent() {
		a.Agent = p.Agent
		if a.Agent == "" {
			a.Agent = p.Name
		}
		return a
	}
	if p.Name == "" || p.Kind == kindAnonymous {
		a.ID = ""
		return a
	}
	for _, t := range s.o.Tokens {
		if p.Kind != kindOperator || t.Name != p.Name || t.Agents == nil {
			continue
		}
		set, err := glob.CompileSet(t.Agents)
		if err != nil {
			// Validated at start; if it ever fails, bind the token to
			// every agent rather than to none.
			a.Speaks = func(string) bool { return true }
			break
		}
		a.Speaks = func(id string) bool { _, ok := set.Match(id); return ok }
	}
	return a
}

func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "state", "agent", "limit", "cursor"); err != nil {
		return err
	}
	aq := approval.Query{State: q.Get("state"), Agent: q.Get("agent"), Cursor: q.Get("cursor")}
	switch aq.State {
	case "", api.ApprovalPending, api.ApprovalApproved, api.ApprovalDenied, api.ApprovalExpired:
	default:
		return badField("state", "must be pending, approved, denied or expired")
	}
	if len(aq.Agent) > 256 {
		return badField("agent", "is longer than 256 bytes")
	}
	if p := principalFrom(r.Context()); p.isAgent() {
		// An agent sees its own requests only.
		if aq.Agent != "" && aq.Agent != p.Agent {
			return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden", detail: "an agent may list only its own approval requests"}
		}
		aq.Agent = p.Agent
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return badField("limit", "must be an integer between 1 and 1000")
		}
		aq.Limit = n
	}
	list, err := s.o.Approvals.List(r.Context(), aq)
	if err != nil {
		return approvalProblem(err)
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// parseWait reads ?wait=: a Go duration ("30s") or whole seconds, bounded
// by MaxApprovalWait.
func parseWait(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.ParseUint(v, 10, 16)
		if nerr != nil {
			return 0, badField("wait", "must be a duration such as 30s")
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return 0, badField("wait", "must not be negative")
	}
	return min(d, MaxApprovalWait), nil
}

func (s *Server) getApproval(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "wait"); err != nil {
		return err
	}
	wait, err := parseWait(q.Get("wait"))
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	p := principalFrom(r.Context())
	if p.isAgent() {
		// Another agent's request does not exist for this one, before
		// any wait.
		if a, err := s.o.Approvals.Get(r.Context(), id); err != nil || a.Agent != p.Agent {
			return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: "no approval request " + id}
		}
	}
	var a api.Approval
	if wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		a, err = s.o.Approvals.Wait(ctx, id)
	} else {
		a, err = s.o.Approvals.Get(r.Context(), id)
	}
	if err != nil {
		return approvalProblem(err)
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) voteApproval(vote string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body api.ApprovalVoteRequest
		raw, err := readAll(r, s.o.MaxRequestBytes)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return &problemError{status: http.StatusRequestEntityTooLarge, typ: probTooLarge, title: "Request too large", detail: "the request body is too large"}
			}
			return badField("", "reading the body: %v", err)
		}
		if len(raw) > 0 {
			if err := strictjson.Vet(raw, int(s.o.MaxRequestBytes)); err != nil {
				return jsonProblem(err)
			}
			if err := strictjson.Decode(raw, &body, false, ""); err != nil {
				return jsonProblem(err)
			}
		}
		a, err := s.o.Approvals.Vote(r.Context(), r.PathValue("id"), s.approverOf(principalFrom(r.Context())), vote, body.Comment)
		if err != nil {
			return approvalProblem(err)
		}
		writeJSON(w, http.StatusOK, a)
		return nil
	}
}

func (s *Server) getWebhookKey(w http.ResponseWriter, r *http.Request) error {
	if s.o.WebhookKey == nil {
		return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: "no approval webhook is configured"}
	}
	writeJSON(w, http.StatusOK, WebhookKeyResponse{KeyID: s.o.WebhookKey.ID, Algorithm: "ed25519",
		PublicKey: base64.StdEncoding.EncodeToString(s.o.WebhookKey.Key)})
	return nil
}

// approvalProblem renders the approval service's refusals.
func approvalProblem(err error) error {
	var e *approval.Error
	if !errors.As(err, &e) {
		return err
	}
	p := &problemError{detail: e.Msg}
	switch e.Kind {
	case approval.KindNotFound:
		p.status, p.typ, p.title = http.StatusNotFound, probNotFound, "Not found"
	case approval.KindForbidden:
		p.status, p.typ, p.title = http.StatusForbidden, probForbidden, "Forbidden"
	case approval.KindSelf:
		p.status, p.typ, p.title = http.StatusForbidden, probSelfApproval, "Self-approval refused"
	case approval.KindDuplicate, approval.KindResolved, approval.KindConflict:
		p.status, p.typ, p.title = http.StatusConflict, probApprovalConflict, "Conflict"
	default:
		p.status, p.typ, p.title = http.StatusBadRequest, probInvalid, "Invalid request"
	}
	return p
}
