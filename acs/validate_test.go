package acs

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A manifest is built or refused as a whole (§2.3, §2.7).
func TestNewValidation(t *testing.T) {
	const head = "agent_control_specification_version: 0.3.1-beta\n"
	const pol = "policies: {p: {type: test, verdict: {decision: allow}}}\n"
	const pt = "intervention_points: {input: {policy: {id: p}, policy_target: $snap.input}}\n"
	tests := []struct {
		name, yaml string
		path       string // the JSON path of the (first) problem; "" = valid
	}{
		{"minimal", head + pol + pt, ""},
		{"unknown top-level member", head + pol + pt + "limits: {max_snapshot_bytes: 1}\n", "limits"},
		{"missing version", pol + pt, "agent_control_specification_version"},
		{"blank version", "agent_control_specification_version: ' '\n" + pol + pt, "agent_control_specification_version"},
		{"unsupported version", "agent_control_specification_version: 0.4.0-alpha.1\n" + pol + pt, "agent_control_specification_version"},
		{"numeric version", "agent_control_specification_version: 1\n" + pol + pt, "agent_control_specification_version"},
		{"no policies", head + pt, "policies"},
		{"empty policies", head + "policies: {}\n" + pt, "policies"},
		{"no points", head + pol, "intervention_points"},
		{"empty points", head + pol + "intervention_points: {}\n", "intervention_points"},
		{"unknown point", head + pol + "intervention_points: {state: {policy: {id: p}, policy_target: $snap.state}}\n", "intervention_points.state"},
		{"unknown point member", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $snap.input, effect: x}}\n", "intervention_points.input.effect"},
		{"missing policy_target", head + pol + "intervention_points: {input: {policy: {id: p}}}\n", "intervention_points.input.policy_target"},
		{"blank policy_target", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: ''}}\n", "intervention_points.input.policy_target"},
		{"policy_target on $pi", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $pi.input}}\n", "intervention_points.input.policy_target"},
		{"policy_target on $policy_target", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $policy_target}}\n", "intervention_points.input.policy_target"},
		{"policy_target grammar", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: '$snap..input'}}\n", "intervention_points.input.policy_target"},
		{"policy_target unknown root", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $snapshot.input}}\n", "intervention_points.input.policy_target"},
		{"policy_target alias", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $.input}}\n", ""},
		{"policy_target whole snapshot", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $}}\n", ""},
		{"blank policy_target_kind", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $snap.input, policy_target_kind: '  '}}\n", "intervention_points.input.policy_target_kind"},
		{"null policy_target_kind", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $snap.input, policy_target_kind: null}}\n", ""},
		{"tool_name_from off a tool point", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $snap.input, tool_name_from: $snap.tool}}\n", "intervention_points.input.tool_name_from"},
		{"tool_name_from on $pi", head + pol + "intervention_points: {pre_tool_call: {policy: {id: p}, policy_target: $snap.args, tool_name_from: $pi.snapshot.tool}}\n", "intervention_points.pre_tool_call.tool_name_from"},
		{"missing binding", head + pol + "intervention_points: {input: {policy_target: $snap.input}}\n", "intervention_points.input.policy"},
		{"empty binding id", head + pol + "intervention_points: {input: {policy: {id: ''}, policy_target: $snap.input}}\n", "intervention_points.input.policy.id"},
		{"undefined policy", head + pol + "intervention_points: {input: {policy: {id: q}, policy_target: $snap.input}}\n", "intervention_points.input.policy.id"},
		{"rego without a query", head + "policies: {p: {type: rego}}\n" + pt, "intervention_points.input.policy.query"},
		{"rego query on the binding", head + "policies: {p: {type: rego}}\nintervention_points: {input: {policy: {id: p, query: data.x}, policy_target: $snap.input}}\n", ""},
		{"rego bundle and bundle_url", head + "policies: {p: {type: rego, query: q, bundle: ./b, bundle_url: {url: 'https://x/b', sha256: " + strings.Repeat("a", 64) + "}}}\n" + pt, "policies.p"},
		{"rego bundle_url unpinned", head + "policies: {p: {type: rego, query: q, bundle_url: {url: 'https://x/b'}}}\n" + pt, "policies.p.bundle_url"},
		{"rego bundle_url http", head + "policies: {p: {type: rego, query: q, bundle_url: {url: 'http://x/b', sha256: " + strings.Repeat("a", 64) + "}}}\n" + pt, "policies.p.bundle_url.url"},
		{"rego bundle_url two pins", head + "policies: {p: {type: rego, query: q, bundle_url: {url: 'https://x/b', sha256: " + strings.Repeat("a", 64) + ", integrity: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='}}}\n" + pt, "policies.p.bundle_url"},
		{"rego bundle_url integrity", head + "policies: {p: {type: rego, query: q, bundle_url: {url: 'https://x/b', integrity: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='}}}\n" + pt, ""},
		{"rego with cedar field", head + "policies: {p: {type: rego, query: q, policy_set: x}}\n" + pt, "policies.p.policy_set"},
		{"cedar with neither", head + "policies: {p: {type: cedar}}\n" + pt, "policies.p"},
		{"cedar with both", head + "policies: {p: {type: cedar, policy_set: x, policy_path: y}}\n" + pt, "policies.p"},
		{"cedar query not an object", head + "policies: {p: {type: cedar, policy_set: x, query: q}}\n" + pt, "policies.p.query"},
		{"cedar", head + "policies: {p: {type: cedar, policy_set: 'permit(principal, action, resource);'}}\n" + pt, ""},
		{"custom without adapter", head + "policies: {p: {type: custom}}\n" + pt, "policies.p.adapter"},
		{"custom with blank adapter", head + "policies: {p: {type: custom, adapter: ' '}}\n" + pt, "policies.p.adapter"},
		{"unknown policy type", head + "policies: {p: {type: python}}\n" + pt, "policies.p.type"},
		{"policy not an object", head + "policies: {p: rego}\n" + pt, "policies.p"},
		{"blank policy name", head + "policies: {' ': {type: test}, p: {type: test}}\n" + pt, "policies[\" \"]"},
		{"annotation of an undeclared annotator", head + pol + "intervention_points: {input: {policy: {id: p}, policy_target: $snap.input, annotations: {a: {from: $policy_target}}}}\n", "intervention_points.input.annotations.a"},
		{"annotation without from", head + pol + "annotators: {a: {type: classifier}}\nintervention_points: {input: {policy: {id: p}, policy_target: $snap.input, annotations: {a: {}}}}\n", "intervention_points.input.annotations.a.from"},
		{"annotation with annotator member", head + pol + "annotators: {a: {type: classifier}}\nintervention_points: {input: {policy: {id: p}, policy_target: $snap.input, annotations: {a: {from: $snap, annotator: a}}}}\n", "intervention_points.input.annotations.a.annotator"},
		{"annotation reading annotations", head + pol + "annotators: {a: {type: classifier}}\nintervention_points: {input: {policy: {id: p}, policy_target: $snap.input, annotations: {a: {from: $pi.annotations.b}}}}\n", "intervention_points.input.annotations.a.from"},
		{"annotation reading annotations by literal", head + pol + "annotators: {a: {type: classifier}}\nintervention_points: {input: {policy: {id: p}, policy_target: $snap.input, annotations: {a: {from: '$pi[\"annotations\"]'}}}}\n", "intervention_points.input.annotations.a.from"},
		{"annotation reading all of pi", head + pol + "annotators: {a: {type: classifier}}\nintervention_points: {input: {policy: {id: p}, policy_target: $snap.input, annotations: {a: {from: $pi}}}}\n", ""},
		{"unknown annotator type", head + pol + pt + "annotators: {a: {type: regex}}\n", "annotators.a.type"},
		{"llm with two prompt sources", head + pol + pt + "annotators: {a: {type: llm, system_prompt: x, system_prompt_file: y}}\n", "annotators.a"},
		{"llm with two sources after overlay", head + pol + "annotators: {a: {type: llm, system_prompt: x}}\nintervention_points: {input: {policy: {id: p}, policy_target: $snap.input, annotations: {a: {from: $snap, system_prompt_file: y}}}}\n", "intervention_points.input.annotations.a"},
		{"llm overlay of the same source", head + pol + "annotators: {a: {type: llm, system_prompt: x}}\nintervention_points: {input: {policy: {id: p}, policy_target: $snap.input, annotations: {a: {from: $snap, system_prompt: y}}}}\n", ""},
		{"system_prompt_url unpinned", head + pol + pt + "annotators: {a: {type: llm, system_prompt_url: {url: 'https://x/p'}}}\n", "annotators.a.system_prompt_url"},
		{"tool not an object", head + pol + pt + "tools: {search: yes}\n", "tools.search"},
		{"tool members are free", head + pol + pt + "tools: {search: {security_labels: {sink: retrieval}, clearance: 3}}\n", ""},
		{"approval", head + pol + pt + "approval: {default_resolver: w, timeout_seconds: 300, on_timeout: suspend, fatigue_threshold: 5, fatigue_window_seconds: 60, resolvers: {w: {type: webhook, url: x}}}\n", ""},
		{"approval not an object", head + pol + pt + "approval: yes\n", "approval"},
		{"approval unknown member", head + pol + pt + "approval: {quorum: 2}\n", "approval.quorum"},
		{"approval default_resolver not a string", head + pol + pt + "approval: {default_resolver: 1}\n", "approval.default_resolver"},
		{"approval on_timeout", head + pol + pt + "approval: {on_timeout: retry}\n", "approval.on_timeout"},
		{"approval negative", head + pol + pt + "approval: {fatigue_threshold: -1}\n", "approval.fatigue_threshold"},
		{"approval fraction", head + pol + pt + "approval: {fatigue_window_seconds: 1.5}\n", "approval.fatigue_window_seconds"},
		{"approval resolvers not an object", head + pol + pt + "approval: {resolvers: [w]}\n", "approval.resolvers"},
		{"approval resolver without type", head + pol + pt + "approval: {resolvers: {w: {url: x}}}\n", "approval.resolvers.w.type"},
		{"approval default names no resolver", head + pol + pt + "approval: {default_resolver: x, resolvers: {w: {type: webhook}}}\n", "approval.default_resolver"},
		{"approval default without resolvers", head + pol + pt + "approval: {default_resolver: x}\n", ""},
		{"extends not resolved", head + "extends: [./base.yaml]\n" + pol + pt, "extends"},
		{"empty extends", head + "extends: []\n" + pol + pt, ""},
		{"extends not an array", head + "extends: ./base.yaml\n" + pol + pt, "extends"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), mustDoc(t, tc.yaml), Options{})
			if tc.path == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error", err)
			}
			if e.Reason != ReasonManifestInvalid || len(e.Problems) == 0 {
				t.Fatalf("error %+v", e)
			}
			if e.Problems[0].Path != tc.path {
				t.Errorf("first problem at %q (%s), want %q", e.Problems[0].Path, e.Problems[0].Message, tc.path)
			}
			for _, p := range e.Problems {
				if p.Reason != ReasonManifestInvalid || p.File != "m.yaml" {
					t.Errorf("problem %+v", p)
				}
			}
		})
	}
}

// Every problem is reported, not just the first.
func TestNewReportsEveryProblem(t *testing.T) {
	const m = `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: python}, q: {type: custom}}
intervention_points:
  state: {}
  input: {policy: {id: nope}, policy_target: $pi.x}
`
	_, err := New(context.Background(), mustDoc(t, m), Options{})
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) < 5 {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(e.Message, "more problem") {
		t.Errorf("message %q does not count the other problems", e.Message)
	}
}

func TestProblemOrigins(t *testing.T) {
	doc := mustDoc(t, "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: custom}}\nintervention_points: {input: {policy: {id: p}, policy_target: $x}}\n")
	doc.Origins = map[string]string{"policies.p": "base.yaml", "intervention_points.input": "child.yaml"}
	_, err := New(context.Background(), doc, Options{})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, p := range e.Problems {
		files[p.Path] = p.File
	}
	if files["policies.p.adapter"] != "base.yaml" || files["intervention_points.input.policy_target"] != "child.yaml" {
		t.Errorf("files %v", files)
	}
}

// §22.7: the reference's version list, with the AGT suffix stripped.
func TestVersionRule(t *testing.T) {
	for v, ok := range map[string]bool{
		"0.3.1-beta": true, "0.3.0-alpha": true, "0.3.1-beta-agt": true, "0.3.0-alpha-agt": true,
		"0.3.1-beta-agt+2": true, "0.3.1-beta-agt+rev.1": true,
		"0.3.1-beta-agt+": false, "0.3.1-beta-agtx": false, "0.3.1": false, "0.4.0-alpha.1": false,
		"0.3.1-BETA": false, " 0.3.1-beta": false, "-agt": false,
	} {
		if got := versionAccepted(v); got != ok {
			t.Errorf("versionAccepted(%q) = %v, want %v", v, got, ok)
		}
	}
}

// Custom adapters are looked up by name before the catch-all engine.
func TestEngineSelection(t *testing.T) {
	const m = `agent_control_specification_version: 0.3.1-beta
policies:
  a: {type: custom, adapter: fixture}
  b: {type: custom, adapter: other}
  c: {type: test, verdict: {decision: warn, reason: fixed}}
intervention_points:
  input: {policy: {id: a}, policy_target: $snap.input}
  output: {policy: {id: b}, policy_target: $snap.output}
  agent_startup: {policy: {id: c, verdict: {decision: escalate}}, policy_target: $snap.agent}
`
	answer := func(d string) PolicyEngine {
		return funcEngine{eval: func(*PolicyInput, func() []byte) (any, error) { return map[string]any{"decision": d}, nil }}
	}
	rt := mustRuntime(t, m, Options{Custom: map[string]PolicyEngine{"fixture": answer("allow")}, Policies: map[PolicyType]PolicyEngine{Custom: answer("deny")}})
	if d := eval(t, rt, "input", `{"input":1}`).Verdict.Decision; d != Allow {
		t.Errorf("named adapter: %s", d)
	}
	if d := eval(t, rt, "output", `{"output":1}`).Verdict.Decision; d != Deny {
		t.Errorf("catch-all custom engine: %s", d)
	}
	// The built-in test engine: the binding's verdict wins.
	if v := eval(t, rt, "agent_startup", `{"agent":1}`).Verdict; v.Decision != Escalate {
		t.Errorf("test engine: %+v", v)
	}
	if errs := rt.PolicyErrors(); len(errs) != 0 {
		t.Errorf("policy errors %v", errs)
	}
	rt = mustRuntime(t, m, Options{})
	if errs := rt.PolicyErrors(); len(errs) != 2 {
		t.Errorf("policy errors %v, want the two custom policies", errs)
	}
	if d := eval(t, rt, "agent_startup", `{"agent":1}`).Verdict.Decision; d != Escalate {
		t.Errorf("default test engine: %s", d)
	}
}

func TestPrepareSpec(t *testing.T) {
	const m = `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: rego, query: data.def, bundle: ./b}}
intervention_points:
  input: {policy: {id: p, query: data.binding}, policy_target: $snap.input}
  output: {policy: {id: p}, policy_target: $snap.output}
`
	var specs []*PolicySpec
	doc := mustDoc(t, m)
	doc.Policies = map[string]Source{"p": {Dir: "/manifests"}}
	_, err := New(context.Background(), doc, Options{Policies: map[PolicyType]PolicyEngine{Rego: funcEngine{prepare: func(s *PolicySpec) error { specs = append(specs, s); return nil }}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 {
		t.Fatalf("%d prepares, want one per binding", len(specs))
	}
	q := map[Point]string{}
	for _, s := range specs {
		q[s.Point] = s.Query
		if s.Source.Dir != "/manifests" || s.Definition["bundle"] != "./b" || s.PolicyID != "p" {
			t.Errorf("spec %+v", s)
		}
	}
	if q[Input] != "data.binding" || q[Output] != "data.def" {
		t.Errorf("queries %v: the binding's query wins", q)
	}
}
