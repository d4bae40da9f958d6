package acs

import (
	"slices"

	"github.com/agentgov/agentgov/internal/canonical"
)

// MarshalJSON returns the wire result (§21, result.schema.json) in canonical
// form: verdict, policy_input (null when none was built), the three
// identities (null on a fail-closed result), transformed_policy_target_applied
// and, only when a transform was applied, transformed_policy_target.
func (r *Result) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(nil)
}

// AppendJSON appends the wire result (see MarshalJSON) to dst.
func (r *Result) AppendJSON(dst []byte) ([]byte, error) {
	var err error
	dst = append(dst, `{"action_identity":`...)
	dst = appendIdentity(dst, r.EnforcedIdentity)
	dst = append(dst, `,"enforced_identity":`...)
	dst = appendIdentity(dst, r.EnforcedIdentity)
	dst = append(dst, `,"input_identity":`...)
	dst = appendIdentity(dst, r.InputIdentity)
	dst = append(dst, `,"policy_input":`...)
	if r.PolicyInput == nil {
		dst = append(dst, "null"...)
	} else if dst, err = appendPolicyInput(dst, r.PolicyInput, r.PolicyInput.PolicyTarget.Value); err != nil {
		return nil, err
	}
	if r.TransformApplied {
		dst = append(dst, `,"transformed_policy_target":`...)
		if dst, err = canonical.AppendACS(dst, r.TransformedPolicyTarget); err != nil {
			return nil, err
		}
		dst = append(dst, `,"transformed_policy_target_applied":true`...)
	} else {
		dst = append(dst, `,"transformed_policy_target_applied":false`...)
	}
	dst = append(dst, `,"verdict":`...)
	if dst, err = r.Verdict.AppendJSON(dst); err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

func appendIdentity(dst []byte, id string) []byte {
	if id == "" {
		return append(dst, "null"...)
	}
	return canonical.AppendString(dst, id)
}

// MarshalJSON returns the verdict's wire form (verdict.schema.json) in
// canonical form; absent members are omitted.
func (v Verdict) MarshalJSON() ([]byte, error) {
	return v.AppendJSON(nil)
}

// AppendJSON appends the verdict's wire form to dst.
func (v Verdict) AppendJSON(dst []byte) ([]byte, error) {
	var err error
	dst = append(dst, `{"decision":`...)
	dst = canonical.AppendString(dst, v.Decision)
	if ev := v.Evidence; ev != nil {
		dst = append(dst, `,"evidence":{`...)
		sep := ""
		if ev.Artefact != "" {
			dst = append(dst, `"artefact":`...)
			dst = canonical.AppendString(dst, ev.Artefact)
			sep = ","
		}
		if len(ev.VerificationPointers) > 0 {
			dst = append(dst, sep...)
			dst = append(dst, `"verification_pointers":{`...)
			keys := make([]string, 0, len(ev.VerificationPointers))
			for k := range ev.VerificationPointers {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for i, k := range keys {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = canonical.AppendString(dst, k)
				dst = append(dst, ':')
				dst = canonical.AppendString(dst, ev.VerificationPointers[k])
			}
			dst = append(dst, '}')
		}
		dst = append(dst, '}')
	}
	if v.Message != "" {
		dst = append(dst, `,"message":`...)
		dst = canonical.AppendString(dst, v.Message)
	}
	if v.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = canonical.AppendString(dst, v.Reason)
	}
	if len(v.ResultLabels) > 0 {
		dst = append(dst, `,"result_labels":[`...)
		for i, l := range v.ResultLabels {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = canonical.AppendString(dst, l)
		}
		dst = append(dst, ']')
	}
	if t := v.Transform; t != nil {
		dst = append(dst, `,"transform":{"path":`...)
		dst = canonical.AppendString(dst, t.Path)
		dst = append(dst, `,"value":`...)
		if dst, err = canonical.AppendACS(dst, t.Value); err != nil {
			return nil, err
		}
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}
