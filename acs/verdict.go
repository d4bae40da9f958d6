package acs

import (
	"fmt"
	"strings"

	"github.com/agentgov/agentgov/acs/internal/jsonv"
	"github.com/agentgov/agentgov/internal/canonical"
)

// Verdict is a normalized policy decision (§13), or the deny of a runtime
// failure.
type Verdict struct {
	// Decision is Allow, Warn, Transform, Escalate or Deny.
	Decision string
	// Reason and Message are empty when absent. A runtime failure carries a
	// reserved reason; a policy never does.
	Reason  string
	Message string
	// Transform is set iff Decision is Transform.
	Transform *TransformBody
	// Evidence is the policy's optional evidence object (AGT-EVIDENCE-1.0).
	Evidence *Evidence
	// ResultLabels are returned verbatim (§13.2); nil when absent.
	ResultLabels []string
}

// TransformBody is the replacement a transform verdict requests (§14).
type TransformBody struct {
	// Path is rooted at $policy_target.
	Path string
	// Value replaces the value at Path (any JSON value, null included).
	Value any
	// hasValue distinguishes an explicit null from a missing value, which
	// is a transform error (§14, §22.1).
	hasValue bool
}

// Evidence is opaque proof material a policy attached to its verdict.
type Evidence struct {
	// Artefact is a content address or URI ("" when absent).
	Artefact string
	// VerificationPointers maps short names to URIs an auditor may consult.
	VerificationPointers map[string]string
}

// Permits reports whether the decision lets the action proceed (allow, warn,
// transform); deny and escalate do not.
func (v Verdict) Permits() bool {
	return v.Decision == Allow || v.Decision == Warn || v.Decision == Transform
}

// failMessage is the message of every fail-closed verdict (the reference
// runtime's wording); the cause is in Result.Err.
const failMessage = "Request blocked by Agent Control Specification."

func failVerdict(reason string) Verdict {
	return Verdict{Decision: Deny, Reason: reason, Message: failMessage}
}

// maxEvidenceBytes bounds the serialized evidence (AGT-EVIDENCE-1.0 §2).
const maxEvidenceBytes = 4096

// normalize turns a dispatcher's raw output into a verdict (§13, step 8).
// Every failure is ReasonPolicyOutputInvalid; the transform body is only
// checked for shape here, its path and value are step 9's business.
func normalize(out any) (Verdict, *Error) {
	obj, ok := out.(map[string]any)
	if !ok {
		return Verdict{}, invalidOutput("policy output must be an object, got %s", jsonv.Kind(out))
	}
	// AGT D1: the legacy effects model is gone; its key, whatever its
	// value, marks an output this runtime must not half-apply.
	if _, ok := obj["effects"]; ok {
		return Verdict{}, invalidOutput("policy output carries effects, which AGT D1 removed: use the transform decision")
	}
	var v Verdict
	raw, ok := obj["decision"]
	if !ok {
		return Verdict{}, invalidOutput("policy output has no decision")
	}
	d, ok := raw.(string)
	if !ok {
		return Verdict{}, invalidOutput("decision must be a string, got %s", jsonv.Kind(raw))
	}
	switch d {
	case Allow, Warn, Transform, Escalate, Deny:
		v.Decision = d
	default:
		return Verdict{}, invalidOutput("unknown decision %q (allowed: allow, warn, transform, escalate, deny)", d)
	}
	var err *Error
	if v.Reason, err = optionalString(obj, "reason"); err != nil {
		return Verdict{}, err
	}
	if strings.HasPrefix(v.Reason, ReservedPrefix) {
		return Verdict{}, invalidOutput("reason %q uses the reserved %s prefix", v.Reason, ReservedPrefix)
	}
	if v.Message, err = optionalString(obj, "message"); err != nil {
		return Verdict{}, err
	}
	if raw, ok := obj["result_labels"]; ok && raw != nil {
		arr, ok := raw.([]any)
		if !ok {
			return Verdict{}, invalidOutput("result_labels must be an array of strings, got %s", jsonv.Kind(raw))
		}
		v.ResultLabels = make([]string, len(arr))
		for i, e := range arr {
			s, ok := e.(string)
			if !ok {
				return Verdict{}, invalidOutput("result_labels[%d] must be a string, got %s", i, jsonv.Kind(e))
			}
			v.ResultLabels[i] = s
		}
	}
	if raw, ok := obj["evidence"]; ok && raw != nil {
		if v.Evidence, err = normalizeEvidence(raw); err != nil {
			return Verdict{}, err
		}
	}
	raw, hasTransform := obj["transform"]
	if raw == nil {
		hasTransform = false
	}
	switch {
	case v.Decision == Transform && !hasTransform:
		return Verdict{}, invalidOutput("a transform decision needs a transform body")
	case v.Decision != Transform && hasTransform:
		return Verdict{}, invalidOutput("transform is only allowed with the transform decision, not %s", v.Decision)
	case hasTransform:
		// §22.3: a body that is not an object, or a path that is not a
		// string, is an unusable output rather than a transform error.
		body, ok := raw.(map[string]any)
		if !ok {
			return Verdict{}, invalidOutput("transform must be an object, got %s", jsonv.Kind(raw))
		}
		p, ok := body["path"].(string)
		if !ok {
			return Verdict{}, invalidOutput("transform.path must be a string, got %s", jsonv.Kind(body["path"]))
		}
		val, hasValue := body["value"]
		v.Transform = &TransformBody{Path: p, Value: val, hasValue: hasValue}
	}
	return v, nil
}

func invalidOutput(format string, args ...any) *Error {
	return errorf(ReasonPolicyOutputInvalid, format, args...)
}

func optionalString(obj map[string]any, key string) (string, *Error) {
	raw, ok := obj[key]
	if !ok || raw == nil {
		return "", nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", invalidOutput("%s must be a string, got %s", key, jsonv.Kind(raw))
	}
	return s, nil
}

func normalizeEvidence(raw any) (*Evidence, *Error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, invalidOutput("evidence must be an object, got %s", jsonv.Kind(raw))
	}
	size, _, err := canonical.MeasureACS(obj, maxEvidenceBytes, -1)
	if err != nil {
		return nil, invalidOutput("evidence: %v", err)
	}
	if size > maxEvidenceBytes {
		return nil, invalidOutput("evidence is larger than %d bytes", maxEvidenceBytes)
	}
	ev := &Evidence{}
	if a, ok := obj["artefact"]; ok && a != nil {
		s, ok := a.(string)
		if !ok {
			return nil, invalidOutput("evidence.artefact must be a string, got %s", jsonv.Kind(a))
		}
		ev.Artefact = s
	}
	if vp, ok := obj["verification_pointers"]; ok && vp != nil {
		m, ok := vp.(map[string]any)
		if !ok {
			return nil, invalidOutput("evidence.verification_pointers must be an object of strings, got %s", jsonv.Kind(vp))
		}
		ev.VerificationPointers = make(map[string]string, len(m))
		for k, e := range m {
			s, ok := e.(string)
			if !ok {
				return nil, invalidOutput("evidence.verification_pointers.%s must be a string, got %s", k, jsonv.Kind(e))
			}
			ev.VerificationPointers[k] = s
		}
	}
	return ev, nil
}

// checkTransform validates the transform of a transform verdict against
// the policy target and returns the transformed target (§14, step 9). The
// caller's target is not modified.
func checkTransform(t *TransformBody, target any) (any, *Error) {
	p, err := parsePath(t.Path)
	if err != nil {
		// §22.2: the spec's reason, not the reference's policy_output_invalid.
		return nil, errorf(ReasonTransformInvalid, "transform path: %v", err)
	}
	if p.root != rootPolicyTarget {
		return nil, errorf(ReasonTransformTargetForbidden, "transform path %q is rooted at %s; a transform may only rewrite $policy_target", t.Path, p.root)
	}
	if !t.hasValue {
		// §22.1: the spec's reason, not the reference's policy_output_invalid.
		return nil, errorf(ReasonTransformInvalid, "transform has no value")
	}
	out, perr := p.replace(target, t.Value)
	if perr != nil {
		return nil, &Error{Reason: ReasonTransformInvalid, Message: fmt.Sprintf("transform cannot be applied: %s", perr.Message)}
	}
	return out, nil
}
