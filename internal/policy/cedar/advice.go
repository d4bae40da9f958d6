package cedar

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/agentgov/agentgov/acs"
)

// adviceKey is the Cedar policy annotation that carries advice (§12.4):
//
//	@advice("{\"verdict\": \"warn\", \"reason\": \"low_confidence\"}")
//	permit (principal, action, resource) when { ... };
const adviceKey = "advice"

// advice is a permit policy's parsed advice: the verdict it produces, or
// the fail-closed error it must produce. Advice is static annotation text,
// so it is parsed once at Prepare; an invalid one only fails the
// evaluations in which its permit contributes to an Allow (the spec fails
// the advice "extracted from the Cedar response", not the policy set).
type advice struct {
	rank    int            // escalate 3 > transform 2 > warn 1
	verdict map[string]any // the verdict-shaped value; cloned per use
	err     *acs.Error
}

// Advice verdicts and their restrictiveness: when several contributing
// permits carry advice, the most restrictive wins (deny > escalate >
// transform > warn > allow, the order agentgov's gate combines verdicts
// in); equals are decided by policy order.
func adviceRank(verdict string) (int, bool) {
	switch verdict {
	case acs.Warn:
		return 1, true
	case acs.Transform:
		return 2, true
	case acs.Escalate:
		return 3, true
	}
	return 0, false
}

// parseAdvice validates annotation text against the advice shape of
// spec/schema/cedar_advice.schema.json as §12.4 gives it:
//
//	{"verdict": "warn"|"escalate"|"transform", "reason"?: string,
//	 "message"?: string, "transform"?: {"path": string, "value": any}}
//
// No other member is allowed, at the top or in transform. A null reason or
// message counts as absent (as in verdict normalization, §13). The reasons
// follow §12.4: a shape error is policy_output_invalid, transform advice
// without a transform body (or without its value, §14) is
// transform_invalid, and a path outside $policy_target is
// transform_target_forbidden.
func parseAdvice(text string) *advice {
	bad := func(format string, args ...any) *advice {
		return &advice{err: &acs.Error{Reason: acs.ReasonPolicyOutputInvalid, Message: "cedar advice: " + fmt.Sprintf(format, args...)}}
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return bad("not JSON: %v", err)
	}
	if dec.More() {
		return bad("trailing data after the JSON object")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return bad("must be a JSON object")
	}
	for k := range obj {
		switch k {
		case "verdict", "reason", "message", "transform":
		default:
			return bad("unknown member %q", k)
		}
	}
	verdict, ok := obj["verdict"].(string)
	if !ok {
		return bad("verdict must be one of warn, escalate, transform")
	}
	rank, ok := adviceRank(verdict)
	if !ok {
		return bad("verdict %q is not one of warn, escalate, transform", verdict)
	}
	out := map[string]any{"decision": verdict}
	for _, k := range []string{"reason", "message"} {
		switch v := obj[k].(type) {
		case nil:
		case string:
			if k == "reason" && strings.HasPrefix(v, acs.ReservedPrefix) {
				return bad("reason %q uses the reserved prefix %s", v, acs.ReservedPrefix)
			}
			out[k] = v
		default:
			return bad("%s must be a string", k)
		}
	}
	t, hasTransform := obj["transform"]
	if t == nil {
		hasTransform = false
	}
	if verdict != acs.Transform {
		if hasTransform {
			return bad("transform is only allowed with verdict transform")
		}
		return &advice{rank: rank, verdict: out}
	}
	if !hasTransform {
		return &advice{err: &acs.Error{Reason: acs.ReasonTransformInvalid, Message: "cedar advice: transform advice without a transform body"}}
	}
	tm, ok := t.(map[string]any)
	if !ok {
		return bad("transform must be an object")
	}
	for k := range tm {
		if k != "path" && k != "value" {
			return bad("unknown transform member %q", k)
		}
	}
	p, ok := tm["path"].(string)
	if !ok {
		return bad("transform.path must be a string")
	}
	if _, ok := tm["value"]; !ok {
		return &advice{err: &acs.Error{Reason: acs.ReasonTransformInvalid, Message: "cedar advice: transform without a value"}}
	}
	parsed, err := parsePath(p)
	if err != nil {
		return &advice{err: &acs.Error{Reason: acs.ReasonTransformInvalid, Message: fmt.Sprintf("cedar advice: transform path: %v", err)}}
	}
	if parsed.root != rootPolicyTarget {
		return &advice{err: &acs.Error{Reason: acs.ReasonTransformTargetForbidden, Message: fmt.Sprintf("cedar advice: transform path %q is outside $policy_target", p)}}
	}
	out["transform"] = map[string]any{"path": p, "value": tm["value"]}
	return &advice{rank: rank, verdict: out}
}

// cloneJSON deep-copies a JSON value, so that a caller editing a verdict
// cannot change what the next evaluation returns.
func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneJSON(e)
		}
		return out
	default:
		return v
	}
}
