package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"

	"github.com/agentgov/agentgov/acs"
)

// acsTrace records the dispatches of one evaluation for --trace (contract
// §1.5). The CLI evaluates once per process, so one trace per command run.
type acsTrace struct {
	mu         sync.Mutex
	enforce    bool
	annotators []traceAnnotatorCall
	policies   []tracePolicyCall
	approvals  []string
}

type traceAnnotatorCall struct {
	Name  string           `json:"name"`
	Input *acs.PolicyInput `json:"preliminary_policy_input"`
}

type tracePolicyCall struct {
	PolicyID string           `json:"policy_id"`
	Type     acs.PolicyType   `json:"type"`
	Input    *acs.PolicyInput `json:"policy_input"`
}

type traceApprovalCall struct {
	EnforcedIdentity string `json:"enforced_identity"`
}

func (t *acsTrace) annotator(name string, in *acs.PolicyInput) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.annotators = append(t.annotators, traceAnnotatorCall{Name: name, Input: in})
}

func (t *acsTrace) policy(spec *acs.PolicySpec, in *acs.PolicyInput) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.policies = append(t.policies, tracePolicyCall{PolicyID: spec.PolicyID, Type: spec.Type, Input: in})
}

func (t *acsTrace) write(path string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := struct {
		Annotators []traceAnnotatorCall `json:"annotator_calls"`
		Policies   []tracePolicyCall    `json:"policy_calls"`
		Approvals  []traceApprovalCall  `json:"approval_calls,omitempty"`
	}{Annotators: t.annotators, Policies: t.policies}
	if v.Annotators == nil {
		v.Annotators = []traceAnnotatorCall{}
	}
	if v.Policies == nil {
		v.Policies = []tracePolicyCall{}
	}
	if t.enforce {
		v.Approvals = []traceApprovalCall{}
		for _, id := range t.approvals {
			v.Approvals = append(v.Approvals, traceApprovalCall{EnforcedIdentity: id})
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// stubPolicy answers every policy dispatch with a fixed value or a
// dispatcher error (--stub-policy, --stub-policy-behavior).
type stubPolicy struct {
	trace *acsTrace
	value any
	fail  bool
}

type preparedStub struct {
	s    *stubPolicy
	spec *acs.PolicySpec
}

func (s *stubPolicy) Prepare(_ context.Context, spec *acs.PolicySpec) (acs.PreparedPolicy, error) {
	return preparedStub{s: s, spec: spec}, nil
}

var errStubPolicy = errors.New("stub policy dispatcher error (--stub-policy-behavior error)")

func (p preparedStub) Eval(_ context.Context, in *acs.PolicyInput, _ func() []byte) (any, error) {
	p.s.trace.policy(p.spec, in)
	if p.s.fail {
		return nil, errStubPolicy
	}
	return p.s.value, nil
}

// recordingPolicy traces the dispatches of a real engine.
type recordingPolicy struct {
	eng   acs.PolicyEngine
	trace *acsTrace
}

type recordingPrepared struct {
	p     acs.PreparedPolicy
	spec  *acs.PolicySpec
	trace *acsTrace
}

func (r *recordingPolicy) Prepare(ctx context.Context, spec *acs.PolicySpec) (acs.PreparedPolicy, error) {
	p, err := r.eng.Prepare(ctx, spec)
	if err != nil || p == nil {
		return p, err
	}
	return recordingPrepared{p: p, spec: spec, trace: r.trace}, nil
}

func (r recordingPrepared) Eval(ctx context.Context, in *acs.PolicyInput, canonicalInput func() []byte) (any, error) {
	r.trace.policy(r.spec, in)
	return r.p.Eval(ctx, in, canonicalInput)
}

// stubAnnotators answers every annotator dispatch from --stub-annotations
// ({"ok": true} for an annotator it does not name) or fails it
// (--stub-annotator-behavior).
type stubAnnotators struct {
	trace    *acsTrace
	outputs  map[string]any
	behavior string
}

var errStubAnnotator = errors.New("stub annotator dispatcher error (--stub-annotator-behavior error)")

func (s *stubAnnotators) Annotate(_ context.Context, call *acs.AnnotatorCall) (any, error) {
	s.trace.annotator(call.Name, call.Input)
	switch s.behavior {
	case "error":
		return nil, errStubAnnotator
	case "timeout":
		return nil, acs.ErrAnnotatorTimeout
	}
	if v, ok := s.outputs[call.Name]; ok {
		return v, nil
	}
	return map[string]any{"ok": true}, nil
}

// recordingAnnotators traces the dispatches of a real annotator engine.
type recordingAnnotators struct {
	eng   acs.AnnotatorEngine
	trace *acsTrace
}

func (r *recordingAnnotators) Annotate(ctx context.Context, call *acs.AnnotatorCall) (any, error) {
	r.trace.annotator(call.Name, call.Input)
	return r.eng.Annotate(ctx, call)
}
