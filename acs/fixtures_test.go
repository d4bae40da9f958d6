package acs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/acs/internal/acstest"
)

// Replays of the reference runtime's core fixtures
// (core/tests/fixtures/cases/*.json, schema fixture-case.schema.json) and
// golden policy inputs (policy-inputs/*.json).

// fixtureEngine answers policy dispatches with the current evaluation's
// scripted response and records the invocation the runtime prepared.
type fixtureEngine struct {
	response map[string]any
	invoked  bool
	spec     *PolicySpec
	input    *PolicyInput
	canon    []byte
}

func (f *fixtureEngine) Prepare(_ context.Context, spec *PolicySpec) (PreparedPolicy, error) {
	return &fixturePrepared{f: f, spec: spec}, nil
}

type fixturePrepared struct {
	f    *fixtureEngine
	spec *PolicySpec
}

func (p *fixturePrepared) Eval(_ context.Context, in *PolicyInput, canonicalInput func() []byte) (any, error) {
	f := p.f
	f.invoked, f.spec, f.input, f.canon = true, p.spec, in, canonicalInput()
	if r, ok := f.response["error"].(string); ok {
		return nil, &Error{Reason: r, Message: "scripted dispatcher error"}
	}
	v, ok := f.response["ok"]
	if !ok {
		return nil, errors.New("fixture evaluation has no policy_response")
	}
	return v, nil
}

type fixtureAnnotators struct {
	responses map[string]any
	calls     []*AnnotatorCall
}

func (a *fixtureAnnotators) Annotate(_ context.Context, call *AnnotatorCall) (any, error) {
	a.calls = append(a.calls, call)
	r, _ := a.responses[call.Name].(map[string]any)
	if e, ok := r["error"].(string); ok {
		if e == ReasonAnnotationTimeout {
			return nil, ErrAnnotatorTimeout
		}
		return nil, errors.New(e)
	}
	v, ok := r["ok"]
	if !ok {
		return nil, errors.New("no scripted response for " + call.Name)
	}
	return v, nil
}

func canonOf(t *testing.T, pi *PolicyInput) string {
	t.Helper()
	if pi == nil {
		return "null"
	}
	b, err := pi.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCoreFixtureCases(t *testing.T) {
	dir := filepath.Join(acstest.Conformance(t), "core-fixtures", "cases")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture cases in %s: %v", dir, err)
	}
	for _, file := range files {
		fc := acstest.ReadJSON(t, file).(map[string]any)
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			doc, err := ParseDocument([]byte(fc["manifest_yaml"].(string)), "manifest.yaml")
			eng := &fixtureEngine{}
			ann := &fixtureAnnotators{}
			ann.responses, _ = fc["annotation_responses"].(map[string]any)
			var rt *Runtime
			if err == nil {
				rt, err = New(context.Background(), doc, Options{
					Policies:   map[PolicyType]PolicyEngine{Rego: eng, Cedar: eng, Test: eng, Custom: eng},
					Annotators: ann,
				})
			}
			if fc["case_kind"] == "manifest" {
				checkManifestFixture(t, fc, rt, err)
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			for _, raw := range fc["evaluations"].([]any) {
				ev := raw.(map[string]any)
				t.Run(ev["name"].(string), func(t *testing.T) {
					replayEvaluation(t, rt, eng, ann, ev)
				})
			}
		})
	}
}

func checkManifestFixture(t *testing.T, fc map[string]any, rt *Runtime, err error) {
	if fc["expect_valid"] == true {
		if err != nil {
			t.Fatalf("expected a valid manifest: %v", err)
		}
		if names, ok := fc["expected_intervention_point_names"].([]any); ok {
			var got []any
			for _, p := range rt.Points() {
				got = append(got, string(p))
			}
			if !slices.Equal(got, names) {
				t.Errorf("points = %v, want %v", got, names)
			}
		}
		return
	}
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("expected *Error, got %v", err)
	}
	if want := fc["expected_error_reason"]; ae.Reason != want {
		t.Errorf("reason = %s, want %s (%v)", ae.Reason, want, ae)
	}
}

func replayEvaluation(t *testing.T, rt *Runtime, eng *fixtureEngine, ann *fixtureAnnotators, ev map[string]any) {
	*eng = fixtureEngine{}
	eng.response, _ = ev["policy_response"].(map[string]any)
	ann.calls = nil
	res := rt.Evaluate(context.Background(), Request{
		Point:    ev["intervention_point"].(string),
		Snapshot: ev["snapshot"],
		Mode:     Mode(ev["mode"].(string)),
	})
	want := ev["expected"].(map[string]any)

	gotVerdict, err := res.Verdict.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if w := acstest.Canon(t, want["verdict"]); string(gotVerdict) != w {
		t.Errorf("verdict\n got %s\nwant %s\n(err %v)", gotVerdict, w, res.Err)
	}
	if w, ok := want["policy_input"]; ok {
		if got := canonOf(t, res.PolicyInput); got != acstest.Canon(t, w) {
			t.Errorf("policy_input\n got %s\nwant %s", got, acstest.Canon(t, w))
		}
	}
	if w, ok := want["policy_invoked"].(bool); ok && w != eng.invoked {
		t.Errorf("policy invoked = %v, want %v", eng.invoked, w)
	}
	if w, ok := want["transformed_policy_target"]; ok {
		got := "null"
		if res.TransformApplied {
			got = acstest.Canon(t, res.TransformedPolicyTarget)
		}
		if got != acstest.Canon(t, w) {
			t.Errorf("transformed_policy_target = %s, want %s", got, acstest.Canon(t, w))
		}
	}
	if w, ok := want["policy_invocation"].(map[string]any); ok {
		checkInvocation(t, eng, w)
	}
	if w, ok := want["annotation_calls"].([]any); ok {
		if len(ann.calls) != len(w) {
			t.Fatalf("%d annotator calls, want %d", len(ann.calls), len(w))
		}
		for i, raw := range w {
			wc := raw.(map[string]any)
			if ann.calls[i].Name != wc["annotator_name"] {
				t.Errorf("annotator call %d = %s, want %s", i, ann.calls[i].Name, wc["annotator_name"])
			}
			if got := canonOf(t, ann.calls[i].Input); got != acstest.Canon(t, wc["preliminary_policy_input"]) {
				t.Errorf("annotator %s preliminary input\n got %s\nwant %s", ann.calls[i].Name, got, acstest.Canon(t, wc["preliminary_policy_input"]))
			}
		}
	}
	// Identities exist exactly for completed evaluations.
	if (res.Err == nil) != (res.InputIdentity != "" && res.EnforcedIdentity != "") {
		t.Errorf("identities %q/%q with err %v", res.InputIdentity, res.EnforcedIdentity, res.Err)
	}
}

// checkInvocation compares the prepared invocation the reference runtime
// hands its dispatcher with what our engine was given.
func checkInvocation(t *testing.T, eng *fixtureEngine, want map[string]any) {
	t.Helper()
	if !eng.invoked {
		t.Fatal("policy was not invoked")
	}
	if got := string(eng.canon); got != want["canonical_input"] {
		t.Errorf("canonical_input\n got %s\nwant %s", got, want["canonical_input"])
	}
	if got := canonOf(t, eng.input); got != acstest.Canon(t, want["input"]) {
		t.Errorf("invocation input\n got %s\nwant %s", got, acstest.Canon(t, want["input"]))
	}
	if string(eng.spec.Type) != want["type"] {
		t.Errorf("type = %s, want %v", eng.spec.Type, want["type"])
	}
	if q, ok := want["query"]; ok && eng.spec.Query != q {
		t.Errorf("query = %q, want %v", eng.spec.Query, q)
	}
	if b, ok := want["bundle"]; ok && eng.spec.Definition["bundle"] != b {
		t.Errorf("bundle = %v, want %v", eng.spec.Definition["bundle"], b)
	}
}

// stubEngine returns one fixed output for every policy.
type stubEngine struct{ out any }

func (s stubEngine) Prepare(context.Context, *PolicySpec) (PreparedPolicy, error) { return s, nil }
func (s stubEngine) Eval(context.Context, *PolicyInput, func() []byte) (any, error) {
	return s.out, nil
}

// mapAnnotators answers each annotator with a fixed output.
type mapAnnotators map[string]any

func (m mapAnnotators) Annotate(_ context.Context, call *AnnotatorCall) (any, error) {
	v, ok := m[call.Name]
	if !ok {
		return nil, errors.New("unexpected annotator " + call.Name)
	}
	return v, nil
}

// The golden policy inputs are the final inputs of the canonical manifest
// that covers all eight points: the golden snapshot evaluated at its point,
// each annotator answering with the golden annotation, reproduces the
// golden input byte for byte.
func TestGoldenPolicyInputs(t *testing.T) {
	base := filepath.Join(acstest.Conformance(t), "core-fixtures")
	data, err := os.ReadFile(filepath.Join(base, "manifests", "canonical-all-interventions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ParseDocument(data, "canonical-all-interventions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Its extends names a file the fixtures do not ship; the merge is the
	// loader's business, tested in acs/load.
	delete(doc.Doc, "extends")
	files, _ := filepath.Glob(filepath.Join(base, "policy-inputs", "*.json"))
	if len(files) == 0 {
		t.Fatal("no golden policy inputs")
	}
	for _, file := range files {
		golden := acstest.ReadJSON(t, file).(map[string]any)
		t.Run(filepath.Base(file), func(t *testing.T) {
			rt, err := New(context.Background(), doc, Options{
				Policies:   map[PolicyType]PolicyEngine{Rego: stubEngine{map[string]any{"decision": "allow"}}, Test: stubEngine{map[string]any{"decision": "allow"}}},
				Annotators: mapAnnotators(golden["annotations"].(map[string]any)),
			})
			if err != nil {
				t.Fatal(err)
			}
			res := rt.Evaluate(context.Background(), Request{Point: golden["intervention_point"].(string), Snapshot: golden["snapshot"]})
			if res.Err != nil {
				t.Fatalf("evaluation failed: %v", res.Err)
			}
			if got, want := canonOf(t, res.PolicyInput), acstest.Canon(t, golden); got != want {
				t.Errorf("policy input\n got %s\nwant %s", got, want)
			}
		})
	}
}

// The minimal manifest of the fixtures is valid and configures all eight
// points.
func TestFixtureManifestsValidate(t *testing.T) {
	base := filepath.Join(acstest.Conformance(t), "core-fixtures", "manifests")
	for _, name := range []string{"minimal-all-interventions.yaml", "canonical-all-interventions.yaml"} {
		data, err := os.ReadFile(filepath.Join(base, name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := ParseDocument(data, name)
		if err != nil {
			t.Fatal(err)
		}
		delete(doc.Doc, "extends")
		rt, err := New(context.Background(), doc, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := len(rt.Points()); n != 8 {
			t.Errorf("%s: %d points, want 8", name, n)
		}
	}
}
