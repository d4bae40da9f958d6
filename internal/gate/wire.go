package gate

import (
	"encoding/json"
	"fmt"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/strictjson"
)

// DecodeCheck decodes one check request (already vetted by
// strictjson.Vet) as every transport accepts it: no unknown members, the
// required ones present, numbers kept as json.Number so that digests and
// policies see them exactly as sent. Errors are *strictjson.Error naming
// the member, prefixed with prefix (the request's place in a batch, e.g.
// "requests[3].").
func DecodeCheck(raw []byte, prefix string) (api.CheckRequest, error) {
	var cr api.CheckRequest
	if err := strictjson.Decode(raw, &cr, true, prefix); err != nil {
		return cr, err
	}
	missing := func(field, problem string) (api.CheckRequest, error) {
		return api.CheckRequest{}, &strictjson.Error{Field: prefix + field, Problem: problem}
	}
	switch {
	case cr.Agent == "":
		return missing("agent", "is required")
	case cr.InterventionPoint == "":
		return missing("intervention_point", "is required")
	case cr.Snapshot == nil:
		return missing("snapshot", "is required (an object)")
	}
	return cr, nil
}

// Wire is the decision as every transport answers it.
func (d Decision) Wire() (api.CheckDecision, error) {
	out := api.CheckDecision{Decision: d.Decision, Reason: d.Reason, Reasons: d.Reasons, AuditIndex: d.AuditIndex, Canary: d.Canary, ApprovalID: d.ApprovalID}
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	if d.Message != "" {
		msg := d.Message
		out.Message = &msg
	}
	if d.HasTransformed {
		// A transform to null is still a transform: it is sent as null.
		b, err := json.Marshal(d.Transformed)
		if err != nil {
			return api.CheckDecision{}, fmt.Errorf("gate: encoding the transformed value: %w", err)
		}
		out.Transformed = b
	}
	return out, nil
}
