package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// CheckRequest is one check (POST /v1/check): an agent's action at one ACS
// intervention point.
type CheckRequest struct {
	Agent             string `json:"agent"`
	Session           string `json:"session,omitempty"`
	InterventionPoint string `json:"intervention_point"`
	// Snapshot is the ACS host snapshot: tool_call {id, name, args},
	// tool_result, input, model_request, model_response, output, ifc,
	// usage... Decode it with json.Decoder.UseNumber to send numbers
	// exactly as they were written.
	Snapshot map[string]any `json:"snapshot"`
	// Mode is "enforce" (the default when empty) or "evaluate_only".
	Mode string `json:"mode,omitempty"`
}

// CheckDecision is the server's answer to one check. Every verdict,
// including deny, is a decision and not an error.
type CheckDecision struct {
	// Decision is allow, warn, transform, escalate or deny.
	Decision string `json:"decision"`
	// Reason is the decisive reason; Reasons every reason, decisive first.
	Reason  string   `json:"reason"`
	Reasons []string `json:"reasons"`
	Message *string  `json:"message"`
	// Transformed is the rewritten policy target, present only when a
	// transform was applied (it may then be the JSON null).
	Transformed json.RawMessage `json:"transformed,omitempty"`
	AuditIndex  int64           `json:"audit_index"`
}

// Allowed reports whether the action may proceed. Escalate is not an
// allow: until an approval resolves it, it counts as a deny.
func (d CheckDecision) Allowed() bool {
	switch d.Decision {
	case "allow", "warn", "transform":
		return true
	}
	return false
}

// Check submits one check and returns the decision. A malformed request is
// an *Error with status 400 whose Problem.Field names the field at fault.
func (c *Client) Check(ctx context.Context, req CheckRequest) (CheckDecision, error) {
	var out CheckDecision
	if _, err := c.do(ctx, http.MethodPost, "/v1/check", nil, req, &out); err != nil {
		return CheckDecision{}, err
	}
	if out.Decision == "" {
		return CheckDecision{}, fmt.Errorf("client: the answer to POST /v1/check holds no decision")
	}
	return out, nil
}

// CheckBatch submits up to the server's batch limit of checks, decided in
// order, and returns their decisions in the same order. The server
// validates every request before deciding any, so a malformed batch
// records nothing.
func (c *Client) CheckBatch(ctx context.Context, reqs []CheckRequest) ([]CheckDecision, error) {
	body := struct {
		Requests []CheckRequest `json:"requests"`
	}{Requests: reqs}
	if body.Requests == nil {
		body.Requests = []CheckRequest{}
	}
	var out struct {
		Decisions []CheckDecision `json:"decisions"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/v1/check/batch", nil, body, &out); err != nil {
		return nil, err
	}
	if len(out.Decisions) != len(reqs) {
		return nil, fmt.Errorf("client: %d checks sent, %d decisions received", len(reqs), len(out.Decisions))
	}
	return out.Decisions, nil
}
