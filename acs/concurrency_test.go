package acs

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/agentgov/agentgov/acs/internal/acstest"
)

// Evaluate is safe for concurrent use and stateless: concurrent evaluations
// of different snapshots give exactly what sequential ones give (run with
// -race).
func TestEvaluateConcurrent(t *testing.T) {
	const m = `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: test}}
annotators: {a: {type: classifier}, b: {type: classifier}}
intervention_points:
  pre_tool_call:
    tool_name_from: $snap.tool_call.name
    policy: {id: p}
    policy_target: $snap.tool_call.args
    annotations: {b: {from: $policy_target.q}, a: {from: $tool.name}}
tools: {search: {clearance: [public]}, fetch: {clearance: [internal]}}
`
	out := acstest.Decode(t, []byte(`{"decision":"transform","reason":"r","transform":{"path":"$policy_target.q","value":"redacted"}}`))
	opts := Options{
		Policies: map[PolicyType]PolicyEngine{Test: funcEngine{eval: func(in *PolicyInput, c func() []byte) (any, error) {
			_ = c() // the lazy canonical input is safe to ask for concurrently too
			return out, nil
		}}},
		Annotators: funcAnnotators(func(c *AnnotatorCall) (any, error) { return map[string]any{"seen": c.Value}, nil }),
	}
	rt := mustRuntime(t, m, opts)
	snapshot := func(i int) any {
		name := "search"
		if i%2 == 1 {
			name = "fetch"
		}
		return acstest.Decode(t, []byte(fmt.Sprintf(`{"tool_call":{"name":%q,"args":{"q":"query %d","n":%d}}}`, name, i, i)))
	}
	const n = 64
	want := make([]string, n)
	for i := range n {
		b, err := rt.Evaluate(context.Background(), Request{Point: "pre_tool_call", Snapshot: snapshot(i)}).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want[i] = string(b)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range n {
				i := (k + w*7) % n
				mode := Enforce
				res := rt.Evaluate(context.Background(), Request{Point: "pre_tool_call", Snapshot: snapshot(i), Mode: mode})
				b, err := res.MarshalJSON()
				if err != nil || string(b) != want[i] {
					t.Errorf("evaluation %d differs under concurrency:\n%s\n%s", i, b, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}
