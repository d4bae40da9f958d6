package acs

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

var fuzzManifests = []string{
	baseManifest,
	`agent_control_specification_version: 0.3.1-beta
policies: {p: {type: test, verdict: {decision: transform, transform: {path: $policy_target.q, value: x}}}}
annotators: {a: {type: classifier}, b: {type: llm, system_prompt: s}}
intervention_points:
  pre_tool_call:
    tool_name_from: $snap.tool_call.name
    policy: {id: p}
    policy_target: $snap.tool_call.args
    annotations: {b: {from: $pi.snapshot}, a: {from: "$tool[\"name\"]"}}
  output: {policy: {id: p}, policy_target: $}
tools: {search: {clearance: [public]}}
approval: {default_resolver: w, resolvers: {w: {type: webhook}}}
`,
	`{"agent_control_specification_version":"0.3.0-alpha","policies":{"p":{"type":"test","verdict":"x"}},"intervention_points":{"input":{"policy":{"id":"p"},"policy_target":"$.input[0]"}}}`,
	"a: &x [1, 2]\nb: *x\n",
	"agent_control_specification_version: 0.3.1-beta\nextends: [./base.yaml]\n",
}

var fuzzSnapshots = []string{
	`{"input":{"q":"x"},"tool_call":{"name":"search","args":{"q":"y"}},"output":[1,{"a":null}]}`,
	`{"input":[{"q":1.5e3}]}`,
	`"scalar"`,
	`{"tool_call":{"name":{"x":1},"args":[]}}`,
}

// FuzzManifest: parsing and building never panic; a runtime that builds
// evaluates deterministically and always answers with a valid verdict.
func FuzzManifest(f *testing.F) {
	for _, m := range fuzzManifests {
		f.Add([]byte(m), false)
	}
	f.Add([]byte(fuzzManifests[2]), true)
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "m.yaml"
		if asJSON {
			name = "m.json"
		}
		doc, err := ParseDocument(data, name)
		if err != nil {
			if reasonOf(err) != ReasonManifestInvalid && reasonOf(err) != ReasonResourceLimitExceeded {
				t.Fatalf("parse error %v", err)
			}
			return
		}
		rt, err := New(context.Background(), doc, Options{
			Annotators: funcAnnotators(func(c *AnnotatorCall) (any, error) { return map[string]any{"v": c.Value}, nil }),
		})
		if err != nil {
			if reasonOf(err) != ReasonManifestInvalid {
				t.Fatalf("build error %v", err)
			}
			return
		}
		for _, point := range rt.Points() {
			for _, s := range fuzzSnapshots {
				var snap any
				dec := json.NewDecoder(strings.NewReader(s))
				dec.UseNumber()
				if err := dec.Decode(&snap); err != nil {
					t.Fatal(err)
				}
				for _, mode := range []Mode{Enforce, EvaluateOnly} {
					a, errA := rt.Evaluate(context.Background(), Request{Point: string(point), Snapshot: snap, Mode: mode}).MarshalJSON()
					b, errB := rt.Evaluate(context.Background(), Request{Point: string(point), Snapshot: snap, Mode: mode}).MarshalJSON()
					if errA != nil || errB != nil {
						t.Fatalf("marshal: %v %v", errA, errB)
					}
					if !bytes.Equal(a, b) {
						t.Fatalf("non-deterministic:\n%s\n%s", a, b)
					}
				}
			}
		}
	})
}

// FuzzPath: the path parser never panics, and what it accepts renders back
// to a path that parses to the same thing.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$.a", "$snap.a[0][\"b.c\"]", "$pi.annotations", "$policy_target..x", "$tool[", `$snap["\u00e9\"\\"]`, "$snap[01]"} {
		f.Add(s)
	}
	doc := map[string]any{"a": []any{map[string]any{"b.c": "x"}}, "": nil}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePath(s)
		if err != nil {
			return
		}
		rendered := p.prefix(len(p.segs))
		q, err := parsePath(rendered)
		if err != nil {
			t.Fatalf("%q rendered as %q, which does not parse: %v", s, rendered, err)
		}
		if q.root != p.root || len(q.segs) != len(p.segs) {
			t.Fatalf("%q and its rendering %q differ", s, rendered)
		}
		for i := range p.segs {
			if p.segs[i] != q.segs[i] {
				t.Fatalf("%q and its rendering %q differ at segment %d", s, rendered, i)
			}
		}
		if _, rerr := p.resolve(doc); rerr != nil && rerr.Reason != ReasonPathMissing && rerr.Reason != ReasonPathTypeMismatch {
			t.Fatalf("resolve: %v", rerr)
		}
		_, _ = p.replace(doc, 1)
	})
}

// FuzzVerdict: normalization never panics, invalid output never yields a
// permitting verdict, and reserved reasons appear only on failures.
func FuzzVerdict(f *testing.F) {
	for _, s := range []string{
		`{"decision":"allow"}`, `{"decision":"transform","transform":{"path":"$policy_target.a","value":1}}`,
		`{"decision":"allow","effects":[]}`, `{"decision":"warn","reason":"runtime_error:x"}`, `"allow"`,
		`{"decision":"transform","transform":{"path":"$snap.a","value":1}}`, `{"decision":"deny","evidence":{"artefact":1}}`,
		`{"decision":"escalate","result_labels":["a",1]}`, `{"decision":"transform","transform":{"path":"$policy_target"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var out any
		if dec.Decode(&out) != nil {
			return
		}
		v, nerr := normalize(out)
		if nerr != nil {
			if nerr.Reason != ReasonPolicyOutputInvalid {
				t.Fatalf("normalize failed with %s", nerr.Reason)
			}
		} else if strings.HasPrefix(v.Reason, ReservedPrefix) {
			t.Fatalf("normalized verdict carries reserved reason %s", v.Reason)
		}
		rt := mustRuntime(t, baseManifest, Options{Policies: map[PolicyType]PolicyEngine{Test: stubEngine{out}}})
		res := rt.Evaluate(context.Background(), Request{Point: "input", Snapshot: map[string]any{"input": map[string]any{"a": 0}}})
		switch {
		case nerr != nil && (res.Err == nil || res.Verdict.Permits()):
			t.Fatalf("invalid output %s evaluated to %+v", data, res.Verdict)
		case res.Err != nil && (res.Verdict.Decision != Deny || !strings.HasPrefix(res.Verdict.Reason, ReservedPrefix)):
			t.Fatalf("failure %v with verdict %+v", res.Err, res.Verdict)
		case res.Err == nil && strings.HasPrefix(res.Verdict.Reason, ReservedPrefix):
			t.Fatalf("success with reserved reason %+v", res.Verdict)
		case res.Err == nil && (res.InputIdentity == "" || res.EnforcedIdentity == ""):
			t.Fatalf("success without identities")
		}
		if _, err := res.MarshalJSON(); err != nil {
			t.Fatal(err)
		}
	})
}
