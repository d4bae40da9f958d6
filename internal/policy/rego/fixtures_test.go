package rego

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/agentgov/agentgov/acs"
)

// TestCoreFixtureVerdict evaluates the conformance suite's verdict.rego
// (loaded like `opa eval --data verdict.rego`) with the golden final
// policy inputs of core-fixtures/policy-inputs and the input of the
// prepared-policy-invocations case.
func TestCoreFixtureVerdict(t *testing.T) {
	fixtures := filepath.Join(sharedDir(t), "acs-conformance", "core-fixtures")
	spec := &acs.PolicySpec{
		Point:      acs.Input,
		PolicyID:   "input_rego_policy",
		Type:       acs.Rego,
		Definition: map[string]any{"type": "rego", "data_paths": []any{"opa/verdict.rego"}},
		Binding:    map[string]any{"id": "input_rego_policy", "query": "data.agent_control_specification.input.verdict"},
		Query:      "data.agent_control_specification.input.verdict",
		Source:     acs.Source{Dir: fixtures},
	}
	p := prepare(t, Options{}, spec)
	allow := map[string]any{"decision": "allow"}

	files, err := filepath.Glob(filepath.Join(fixtures, "policy-inputs", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no policy inputs (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// None of the golden inputs has a policy_target.value.text.
			if got := eval(t, p, policyInputFromJSON(t, string(body))); !reflect.DeepEqual(got, allow) {
				t.Fatalf("got %#v, want allow", got)
			}
		})
	}

	// The prepared-policy-invocations case: its input and expected verdict,
	// and the same input with blocked text.
	body, err := os.ReadFile(filepath.Join(fixtures, "cases", "prepared-policy-invocations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Evaluations []struct {
			Expected struct {
				PolicyInvocation struct {
					Query string          `json:"query"`
					Input json.RawMessage `json:"input"`
				} `json:"policy_invocation"`
				Verdict json.RawMessage `json:"verdict"`
			} `json:"expected"`
		} `json:"evaluations"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	for _, ev := range c.Evaluations {
		inv := ev.Expected.PolicyInvocation
		if inv.Query != spec.Query {
			t.Fatalf("fixture query %q, want %q", inv.Query, spec.Query)
		}
		in := policyInputFromJSON(t, string(inv.Input))
		if got, want := eval(t, p, in), decodeJSON(t, string(ev.Expected.Verdict)); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v, want %#v", got, want)
		}
		in.PolicyTarget.Value = map[string]any{"text": "please block this"}
		want := map[string]any{"decision": "deny", "reason": "blocked_text", "message": "Input contained blocked text."}
		if got := eval(t, p, in); !reflect.DeepEqual(got, want) {
			t.Fatalf("blocked: got %#v", got)
		}
	}
}
