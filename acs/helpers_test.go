package acs

import (
	"context"
	"errors"
	"testing"

	"github.com/agentgov/agentgov/acs/internal/acstest"
)

const baseManifest = `agent_control_specification_version: 0.3.1-beta
policies:
  p:
    type: test
    verdict: {decision: allow}
intervention_points:
  input:
    policy: {id: p}
    policy_target: $snap.input
`

func mustDoc(t testing.TB, yaml string) *Document {
	t.Helper()
	doc, err := ParseDocument([]byte(yaml), "m.yaml")
	if err != nil {
		t.Fatalf("ParseDocument: %v", err)
	}
	return doc
}

func mustRuntime(t testing.TB, yaml string, o Options) *Runtime {
	t.Helper()
	rt, err := New(context.Background(), mustDoc(t, yaml), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return rt
}

// output returns Options whose every policy answers with the JSON text out.
func output(t testing.TB, out string) Options {
	v := acstest.Decode(t, []byte(out))
	e := stubEngine{v}
	return Options{Policies: map[PolicyType]PolicyEngine{Rego: e, Cedar: e, Test: e, Custom: e}}
}

func eval(t testing.TB, rt *Runtime, point, snapshot string) *Result {
	t.Helper()
	return rt.Evaluate(context.Background(), Request{Point: point, Snapshot: acstest.Decode(t, []byte(snapshot))})
}

// funcEngine adapts functions to the engine interfaces.
type funcEngine struct {
	prepare func(*PolicySpec) error
	eval    func(*PolicyInput, func() []byte) (any, error)
}

func (f funcEngine) Prepare(_ context.Context, spec *PolicySpec) (PreparedPolicy, error) {
	if f.prepare != nil {
		if err := f.prepare(spec); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f funcEngine) Eval(_ context.Context, in *PolicyInput, c func() []byte) (any, error) {
	return f.eval(in, c)
}

type funcAnnotators func(*AnnotatorCall) (any, error)

func (f funcAnnotators) Annotate(_ context.Context, c *AnnotatorCall) (any, error) { return f(c) }

func reasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
