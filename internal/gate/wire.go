package gate

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/strictjson"
)

// DecodeCheck decodes one check request as every transport accepts it, in
// one pass of the canonical parser (so that the document the gate decides
// on is the one the audit entry's digests commit to): no duplicate keys,
// valid UTF-8, bounded nesting, no unknown members, the required ones
// present, numbers kept as json.Number so that digests and policies see
// them exactly as sent. Errors are *strictjson.Error naming the member,
// prefixed with prefix (the request's place in a batch, e.g.
// "requests[3].").
func DecodeCheck(raw []byte, prefix string) (api.CheckRequest, error) {
	bad := func(field, format string, args ...any) (api.CheckRequest, error) {
		return api.CheckRequest{}, strictjson.Errorf(prefix, field, format, args...)
	}
	m, err := strictjson.Object(raw, len(raw)+1)
	if err != nil {
		var se *strictjson.Error
		if errors.As(err, &se) {
			return bad(se.Field, "%s", se.Problem)
		}
		return api.CheckRequest{}, err
	}
	// An unknown member is refused by name; the first in key order, so
	// that the answer does not depend on map iteration.
	var unknown []string
	for k := range m {
		switch k {
		case "agent", "session", "intervention_point", "snapshot", "mode", "approval_id", "delegation":
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return bad(slices.Min(unknown), "is not a known field")
	}
	var cr api.CheckRequest
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"agent", &cr.Agent}, {"session", &cr.Session}, {"intervention_point", &cr.InterventionPoint},
		{"mode", &cr.Mode}, {"approval_id", &cr.ApprovalID},
	} {
		switch v := m[f.name].(type) {
		case nil:
		case string:
			*f.dst = v
		default:
			return bad(f.name, "must be a string, not %s", strictjson.TypeName(v))
		}
	}
	switch v := m["snapshot"].(type) {
	case nil:
	case map[string]any:
		cr.Snapshot = v
	default:
		return bad("snapshot", "must be an object, not %s", strictjson.TypeName(v))
	}
	switch v := m["delegation"].(type) {
	case nil:
	case []any:
		cr.Delegation = make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return bad("delegation", "must be a string, not %s", strictjson.TypeName(e))
			}
			cr.Delegation[i] = s
		}
	default:
		return bad("delegation", "must be an array, not %s", strictjson.TypeName(v))
	}
	switch {
	case cr.Agent == "":
		return bad("agent", "is required")
	case cr.InterventionPoint == "":
		return bad("intervention_point", "is required")
	case cr.Snapshot == nil:
		return bad("snapshot", "is required (an object)")
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
