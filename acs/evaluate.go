package acs

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/agentgov/agentgov/internal/canonical"
)

// Request is one evaluation: an intervention point, the host's snapshot for
// it, and the mode ("" is Enforce, the wire default).
type Request struct {
	Point    string
	Snapshot any
	Mode     Mode
}

// Result is the outcome of one evaluation (the wire result of §21 through
// MarshalJSON).
type Result struct {
	Verdict Verdict
	// TransformedPolicyTarget is the rewritten policy target; set, with
	// TransformApplied, only for a transform verdict in enforce mode.
	TransformedPolicyTarget any
	TransformApplied        bool
	// PolicyInput is the policy input built so far (§6): the final one
	// from step 6 on, the preliminary one (no annotations) when collecting
	// annotations failed, nil when evaluation failed earlier.
	PolicyInput *PolicyInput
	// InputIdentity and EnforcedIdentity are "sha256:<hex>" for a completed
	// evaluation and empty when it failed closed (§13.1).
	InputIdentity    string
	EnforcedIdentity string
	// Err explains a fail-closed result (the verdict then denies with
	// Err.Reason); nil for a completed evaluation, whatever its decision.
	Err *Error
}

// ActionIdentity is the wire alias of EnforcedIdentity.
func (r *Result) ActionIdentity() string { return r.EnforcedIdentity }

// evaluation carries the call-scoped state of one Evaluate; nothing of it
// outlives the call.
type evaluation struct {
	rt        *Runtime
	ctx       context.Context
	plan      *pointPlan
	res       *Result
	snapSize  int64
	snapDeep  int
	toolDepth int
	// stage is the reason a panic at this point of the pipeline fails
	// closed with.
	stage string
}

// Evaluate runs the nine steps of §6 for one request. It never panics and
// never returns nil: every failure is a deny with a reserved reason.
func (rt *Runtime) Evaluate(ctx context.Context, req Request) *Result {
	e := evaluation{rt: rt, ctx: ctx, res: &Result{}, stage: ReasonRequestInvalid}
	defer func() {
		if r := recover(); r != nil {
			e.fail(errorf(e.stage, "internal error: %v", r), e.res.PolicyInput)
		}
	}()
	e.run(req)
	return e.res
}

func (e *evaluation) fail(err *Error, pi *PolicyInput) {
	*e.res = Result{Verdict: failVerdict(err.Reason), PolicyInput: pi, Err: err}
}

func (e *evaluation) run(req Request) {
	rt, lim := e.rt, e.rt.limits
	mode := req.Mode
	switch mode {
	case "":
		mode = Enforce
	case Enforce, EvaluateOnly:
	default:
		e.fail(errorf(ReasonRequestInvalid, "unknown mode %q (allowed: enforce, evaluate_only)", req.Mode), nil)
		return
	}
	fin := e.policyInput(req)
	if fin == nil {
		return
	}

	// Step 7: the policy.
	e.stage = ReasonPolicyInvocationFailed
	out, canonicalInput, ferr := e.invoke(fin)
	if ferr != nil {
		e.fail(ferr, fin)
		return
	}
	e.stage = ReasonPolicyOutputInvalid
	osize, odepth, err := canonical.MeasureACS(out, lim.MaxPolicyOutputBytes, lim.MaxPolicyInputDepth)
	switch {
	case err != nil:
		e.fail(&Error{Reason: ReasonPolicyOutputInvalid, Message: "policy output is not a JSON value: " + err.Error(), Err: err}, fin)
		return
	case osize > lim.MaxPolicyOutputBytes:
		e.fail(errorf(ReasonResourceLimitExceeded, "policy output is more than max_policy_output_bytes %d", lim.MaxPolicyOutputBytes), fin)
		return
	case odepth > lim.MaxPolicyInputDepth:
		e.fail(errorf(ReasonResourceLimitExceeded, "policy output nests deeper than max_policy_input_depth %d", lim.MaxPolicyInputDepth), fin)
		return
	}

	// Step 8: normalization.
	verdict, ferr := normalize(out)
	if ferr != nil {
		e.fail(ferr, fin)
		return
	}

	// Step 9: the transform. It is validated and measured in both modes so
	// that the verdict never depends on the mode (§5.2); only enforce mode
	// returns it.
	e.stage = ReasonTransformInvalid
	var transformed any
	applied := false
	if verdict.Decision == Transform {
		target := fin.PolicyTarget.Value
		transformed, ferr = checkTransform(verdict.Transform, target)
		if ferr != nil {
			e.fail(ferr, fin)
			return
		}
		// The transformed target written back into the snapshot must fit
		// max_snapshot_bytes (§15). The target is serialized verbatim inside
		// the snapshot, so the new size follows from the two target sizes.
		e.stage = ReasonResourceLimitExceeded
		oldSize, _, err1 := canonical.MeasureACS(target, -1, -1)
		newSize, _, err2 := canonical.MeasureACS(transformed, lim.MaxSnapshotBytes, -1)
		if err1 != nil || err2 != nil {
			e.fail(errorf(ReasonTransformInvalid, "transform value is not a JSON value: %v", errors.Join(err1, err2)), fin)
			return
		}
		if e.snapSize-oldSize+newSize > lim.MaxSnapshotBytes {
			e.fail(errorf(ReasonResourceLimitExceeded, "the transformed snapshot is more than max_snapshot_bytes %d", lim.MaxSnapshotBytes), fin)
			return
		}
		applied = mode == Enforce
	}

	// Identities (§13.1).
	e.stage = ReasonPolicyOutputInvalid
	var inputID string
	if canonicalInput != nil {
		inputID = digest(canonicalInput)
	} else if inputID, err = rt.identity(fin, fin.PolicyTarget.Value); err != nil {
		e.fail(&Error{Reason: ReasonPolicyOutputInvalid, Message: "policy input cannot be serialized: " + err.Error(), Err: err}, fin)
		return
	}
	enforcedID := inputID
	if applied {
		if enforcedID, err = rt.identity(fin, transformed); err != nil {
			e.fail(&Error{Reason: ReasonTransformInvalid, Message: "transformed policy input cannot be serialized: " + err.Error(), Err: err}, fin)
			return
		}
	}
	*e.res = Result{Verdict: verdict, PolicyInput: fin, InputIdentity: inputID, EnforcedIdentity: enforcedID}
	if applied {
		e.res.TransformedPolicyTarget, e.res.TransformApplied = transformed, true
	}
}

// policyInput runs steps 1 to 6 of §6 and returns the final policy input,
// or nil after failing the evaluation.
func (e *evaluation) policyInput(req Request) *PolicyInput {
	rt, lim := e.rt, e.rt.limits
	// Step 1: the point's configuration.
	e.stage = ReasonInterventionPointUnknown
	if i := pointIndex(req.Point); i >= 0 {
		e.plan = rt.points[i]
	}
	if e.plan == nil {
		if pointIndex(req.Point) < 0 {
			e.fail(errorf(ReasonInterventionPointUnknown, "%q is not an intervention point", req.Point), nil)
		} else {
			e.fail(errorf(ReasonInterventionPointUnknown, "the manifest does not configure intervention point %s", req.Point), nil)
		}
		return nil
	}

	// Snapshot limits, before anything reads the snapshot (§15).
	e.stage = ReasonResourceLimitExceeded
	size, depth, err := canonical.MeasureACS(req.Snapshot, lim.MaxSnapshotBytes, lim.MaxPolicyInputDepth)
	switch {
	case err != nil:
		e.fail(&Error{Reason: ReasonResourceLimitExceeded, Message: "snapshot cannot be measured: " + err.Error(), Err: err}, nil)
		return nil
	case depth > lim.MaxPolicyInputDepth:
		e.fail(errorf(ReasonResourceLimitExceeded, "snapshot nests deeper than max_policy_input_depth %d", lim.MaxPolicyInputDepth), nil)
		return nil
	case size > lim.MaxSnapshotBytes:
		e.fail(errorf(ReasonResourceLimitExceeded, "snapshot is more than max_snapshot_bytes %d", lim.MaxSnapshotBytes), nil)
		return nil
	}
	e.snapSize, e.snapDeep = size, depth

	// Steps 2–4: policy target, tool projection, preliminary input.
	e.stage = ReasonPathMissing
	pre, ferr := e.buildInput(req.Snapshot)
	if ferr != nil {
		e.fail(ferr, nil)
		return nil
	}
	e.stage = ReasonResourceLimitExceeded
	if d := e.inputDepth(0); d > lim.MaxPolicyInputDepth {
		// §22.11: the reference returns no policy input here; so do we.
		e.fail(errorf(ReasonResourceLimitExceeded, "policy input nests %d levels, more than max_policy_input_depth %d", d, lim.MaxPolicyInputDepth), nil)
		return nil
	}

	// Step 5: annotations.
	e.stage = ReasonAnnotationFailed
	annotations, annDepth, ferr := e.annotate(pre)
	if ferr != nil {
		e.fail(ferr, pre)
		return nil
	}

	// Step 6: the final policy input.
	fin := pre
	if annotations != nil {
		f := *pre
		f.Annotations = annotations
		fin = &f
	}
	e.stage = ReasonResourceLimitExceeded
	if d := e.inputDepth(annDepth); d > lim.MaxPolicyInputDepth {
		e.fail(errorf(ReasonResourceLimitExceeded, "policy input nests %d levels, more than max_policy_input_depth %d", d, lim.MaxPolicyInputDepth), nil)
		return nil
	}
	return fin
}

// buildInput resolves the policy target and the tool (steps 2–3) and
// builds the preliminary policy input (step 4). The snapshot is referenced,
// not copied.
func (e *evaluation) buildInput(snapshot any) (*PolicyInput, *Error) {
	pl := e.plan
	target, err := pl.target.resolve(snapshot)
	if err != nil {
		return nil, err
	}
	pi := &PolicyInput{
		InterventionPoint: pl.point,
		PolicyTarget:      PolicyTarget{Kind: pl.kind, HasKind: pl.hasKind, Path: pl.targetRaw, Value: target},
		Snapshot:          snapshot,
	}
	if pl.toolFrom != nil {
		e.stage = ReasonToolUnknown
		raw, err := pl.toolFrom.resolve(snapshot)
		if err != nil {
			return nil, err
		}
		name, ok := raw.(string)
		if !ok {
			return nil, errorf(ReasonPathTypeMismatch, "tool_name_from %s must resolve to a string, found %s", pl.toolFrom.raw, kindOf(raw))
		}
		tool, ok := pl.tools[name]
		if !ok {
			return nil, errorf(ReasonToolUnknown, "tool %q is not in the manifest's tool catalog", name)
		}
		pi.Tool = tool
		e.toolDepth = pl.toolDepths[name]
	}
	return pi, nil
}

// inputDepth is the nesting of the policy input, derived from the measured
// parts instead of walking it again: the target object adds a level to the
// target, which lies inside the snapshot unless the target is the whole
// snapshot; annotations is an object of the outputs.
func (e *evaluation) inputDepth(annotationsDepth int) int {
	d := e.snapDeep
	if len(e.plan.target.segs) == 0 {
		d++
	}
	d = max(d, 1+annotationsDepth, 2)
	return 1 + max(d, e.toolDepth)
}

// annotate runs the point's annotators in name order (§10) and returns
// their outputs and the depth of the deepest one.
func (e *evaluation) annotate(pre *PolicyInput) (map[string]any, int, *Error) {
	pl, lim := e.plan, e.rt.limits
	if len(pl.annotators) == 0 {
		return nil, 0, nil
	}
	if len(pl.annotators) > lim.MaxAnnotatorsPerPoint {
		return nil, 0, errorf(ReasonResourceLimitExceeded, "intervention point %s opts into %d annotators, more than max_annotators_per_point %d", pl.point, len(pl.annotators), lim.MaxAnnotatorsPerPoint)
	}
	out := make(map[string]any, len(pl.annotators))
	deepest := 0
	var piObj map[string]any
	for _, a := range pl.annotators {
		var rootVal any
		switch a.from.root {
		case rootSnap:
			rootVal = pre.Snapshot
		case rootPolicyTarget:
			rootVal = pre.PolicyTarget.Value
		case rootTool:
			if pre.Tool != nil {
				rootVal = pre.Tool
			}
		case rootPI:
			if piObj == nil {
				piObj = pre.Object()
			}
			rootVal = piObj
		}
		val, err := a.from.resolve(rootVal)
		if err != nil {
			err.Message = fmt.Sprintf("annotator %s: from %s", a.name, err.Message)
			return nil, 0, err
		}
		res, err := e.dispatch(a, val, pre)
		if err != nil {
			return nil, 0, err
		}
		size, depth, merr := canonical.MeasureACS(res, lim.MaxAnnotatorOutputBytes, lim.MaxPolicyInputDepth)
		switch {
		case merr != nil:
			return nil, 0, errorf(ReasonAnnotationFailed, "annotator %s: output is not a JSON value: %v", a.name, merr)
		case depth > lim.MaxPolicyInputDepth:
			return nil, 0, errorf(ReasonAnnotationFailed, "annotator %s: output nests deeper than max_policy_input_depth %d", a.name, lim.MaxPolicyInputDepth)
		case carriesReservedReason(res):
			return nil, 0, errorf(ReasonAnnotationFailed, "annotator %s: output carries a reason with the reserved %s prefix", a.name, ReservedPrefix)
		case size > lim.MaxAnnotatorOutputBytes:
			return nil, 0, errorf(ReasonAnnotationFailed, "annotator %s: output is more than max_annotator_output_bytes %d", a.name, lim.MaxAnnotatorOutputBytes)
		}
		out[a.name] = res
		deepest = max(deepest, depth)
	}
	return out, deepest, nil
}

func (e *evaluation) dispatch(a *annotatorPlan, val any, pre *PolicyInput) (out any, ferr *Error) {
	eng := e.rt.annotators
	if eng == nil {
		return nil, errorf(ReasonAnnotationFailed, "annotator %s: no annotator engine is configured", a.name)
	}
	if err := e.ctx.Err(); err != nil {
		return nil, annotatorError(a.name, err)
	}
	defer func() {
		if r := recover(); r != nil {
			out, ferr = nil, errorf(ReasonAnnotationFailed, "annotator %s: engine panicked: %v", a.name, r)
		}
	}()
	call := &AnnotatorCall{Point: e.plan.point, Name: a.name, Type: a.typ, Config: a.config, Value: val, Input: pre, Source: a.source}
	res, err := eng.Annotate(e.ctx, call)
	if err != nil {
		return nil, annotatorError(a.name, err)
	}
	return res, nil
}

func annotatorError(name string, err error) *Error {
	reason := ReasonAnnotationFailed
	if errors.Is(err, ErrAnnotatorTimeout) || errors.Is(err, context.DeadlineExceeded) {
		reason = ReasonAnnotationTimeout
	}
	return &Error{Reason: reason, Message: fmt.Sprintf("annotator %s: %v", name, err), Err: err}
}

// carriesReservedReason scans an annotator output for a "reason" member
// with the reserved prefix at any depth: an annotator may not smuggle a
// runtime error into the policy input (§10.5).
func carriesReservedReason(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "reason" && len(s) >= len(ReservedPrefix) && s[:len(ReservedPrefix)] == ReservedPrefix {
				return true
			}
			if carriesReservedReason(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if carriesReservedReason(e) {
				return true
			}
		}
	}
	return false
}

// invoke calls the bound policy (step 7). canonicalInput is the canonical
// form of fin if the engine asked for it, so that the identity reuses it.
func (e *evaluation) invoke(fin *PolicyInput) (out any, canonicalInput []byte, ferr *Error) {
	pp := &e.plan.policy
	if pp.prepErr != nil {
		return nil, nil, pp.prepErr
	}
	lazy := &lazyCanonical{fin: fin}
	defer func() {
		if r := recover(); r != nil {
			out, ferr = nil, errorf(ReasonPolicyInvocationFailed, "policy %q: engine panicked: %v", pp.spec.PolicyID, r)
		}
	}()
	res, err := pp.prepared.Eval(e.ctx, fin, lazy.bytes)
	if err != nil {
		return nil, nil, &Error{Reason: engineReason(err), Message: fmt.Sprintf("policy %q: %v", pp.spec.PolicyID, err), Err: err}
	}
	if lazy.err != nil {
		return nil, nil, &Error{Reason: ReasonPolicyInvocationFailed, Message: "policy input cannot be serialized: " + lazy.err.Error(), Err: lazy.err}
	}
	return res, lazy.b, nil
}

// lazyCanonical encodes the final policy input only if an engine asks for
// it (engines that read the typed input never pay for it), once even when
// asked concurrently.
type lazyCanonical struct {
	once sync.Once
	fin  *PolicyInput
	b    []byte
	err  error
}

func (l *lazyCanonical) bytes() []byte {
	l.once.Do(func() { l.b, l.err = appendPolicyInput(nil, l.fin, l.fin.PolicyTarget.Value) })
	return l.b
}
