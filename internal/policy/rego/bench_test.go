package rego

import (
	"context"
	_ "embed"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	regoapi "github.com/open-policy-agent/opa/v1/rego"

	"github.com/agentgov/agentgov/acs"
)

// The benchmark scenario (the contract): pre_tool_call, allow when
// the tool is in a 20-tool allow-list and no argument contains any of 10
// blocked substrings; about 10 string arguments.
//
// benchPolicy is the fastest of the variants measured in
// BenchmarkRegoPolicyVariants. What made the difference:
//
//   - constants written inline in the rule bodies: a rule such as
//     `allowed := {...}` is a virtual document that OPA evaluates (and
//     builds the set for) on every query, an inline literal is built once
//     at compile time;
//   - a set for the allow-list, so membership is one hash lookup;
//   - the string arguments joined with NUL (which no blocked substring
//     contains, so joining cannot create a match across two arguments),
//     so that each blocked substring costs one `contains` call instead of
//     one per argument.
//
// The policy and the arguments are files so that the gate's rego benchmark
// runs exactly the same scenario.
//
//go:embed testdata/bench/bench.rego
var benchPolicy string

//go:embed testdata/bench/args.json
var benchArgsJSON []byte

const benchQuery = "data.bench.verdict"

// benchPolicyVariants are the other ways of writing benchPolicy, kept to
// show what was measured; every one returns the same verdicts.
var benchPolicyVariants = map[string]string{
	"naive": `package bench

allowed_tools := [
	"search_docs", "read_file", "list_dir", "get_weather", "send_email",
	"create_ticket", "update_ticket", "query_db", "summarize", "translate",
	"calendar_lookup", "calendar_create", "crm_lookup", "crm_update", "fetch_url",
	"run_report", "export_csv", "resize_image", "ocr_image", "lookup_user",
]

blocked := [
	"rm -rf", "DROP TABLE", "/etc/passwd", "<script", "169.254.169.254",
	"base64 -d", "curl ", "wget ", "chmod 777", "; sudo ",
]

tool_allowed if {
	some t in allowed_tools
	t == input.tool.name
}

blocked_argument if {
	some arg in input.policy_target.value
	some b in blocked
	contains(arg, b)
}

default verdict := {"decision": "deny", "reason": "tool_not_allowed"}

verdict := {"decision": "allow"} if {
	tool_allowed
	not blocked_argument
}

verdict := {"decision": "deny", "reason": "blocked_argument"} if {
	tool_allowed
	blocked_argument
}
`,
	"set_nested": `package bench

allowed_tools := {
	"search_docs", "read_file", "list_dir", "get_weather", "send_email",
	"create_ticket", "update_ticket", "query_db", "summarize", "translate",
	"calendar_lookup", "calendar_create", "crm_lookup", "crm_update", "fetch_url",
	"run_report", "export_csv", "resize_image", "ocr_image", "lookup_user",
}

blocked := [
	"rm -rf", "DROP TABLE", "/etc/passwd", "<script", "169.254.169.254",
	"base64 -d", "curl ", "wget ", "chmod 777", "; sudo ",
]

default verdict := {"decision": "deny", "reason": "tool_not_allowed"}

verdict := {"decision": "allow"} if {
	allowed_tools[input.tool.name]
	not blocked_argument
} else := {"decision": "deny", "reason": "blocked_argument"} if {
	allowed_tools[input.tool.name]
}

blocked_argument if {
	some arg in input.policy_target.value
	some b in blocked
	contains(arg, b)
}
`,
	"set_comprehension": `package bench

allowed_tools := {
	"search_docs", "read_file", "list_dir", "get_weather", "send_email",
	"create_ticket", "update_ticket", "query_db", "summarize", "translate",
	"calendar_lookup", "calendar_create", "crm_lookup", "crm_update", "fetch_url",
	"run_report", "export_csv", "resize_image", "ocr_image", "lookup_user",
}

blocked := [
	"rm -rf", "DROP TABLE", "/etc/passwd", "<script", "169.254.169.254",
	"base64 -d", "curl ", "wget ", "chmod 777", "; sudo ",
]

hits := [b | some arg in input.policy_target.value; some b in blocked; contains(arg, b)]

default verdict := {"decision": "deny", "reason": "tool_not_allowed"}

verdict := {"decision": "allow"} if {
	allowed_tools[input.tool.name]
	count(hits) == 0
} else := {"decision": "deny", "reason": "blocked_argument"} if {
	allowed_tools[input.tool.name]
}
`,
	"regex_join": `package bench

allowed_tools := {
	"search_docs", "read_file", "list_dir", "get_weather", "send_email",
	"create_ticket", "update_ticket", "query_db", "summarize", "translate",
	"calendar_lookup", "calendar_create", "crm_lookup", "crm_update", "fetch_url",
	"run_report", "export_csv", "resize_image", "ocr_image", "lookup_user",
}

blocked_pattern := ` + "`" + `rm -rf|DROP TABLE|/etc/passwd|<script|169\.254\.169\.254|base64 -d|curl |wget |chmod 777|; sudo ` + "`" + `

default verdict := {"decision": "deny", "reason": "tool_not_allowed"}

verdict := {"decision": "allow"} if {
	allowed_tools[input.tool.name]
	not blocked_argument
} else := {"decision": "deny", "reason": "blocked_argument"} if {
	allowed_tools[input.tool.name]
}

blocked_argument if regex.match(blocked_pattern, concat("\u0000", [a | some a in input.policy_target.value; is_string(a)]))
`,
	"set_join": `package bench

allowed_tools := {
	"search_docs", "read_file", "list_dir", "get_weather", "send_email",
	"create_ticket", "update_ticket", "query_db", "summarize", "translate",
	"calendar_lookup", "calendar_create", "crm_lookup", "crm_update", "fetch_url",
	"run_report", "export_csv", "resize_image", "ocr_image", "lookup_user",
}

blocked := [
	"rm -rf", "DROP TABLE", "/etc/passwd", "<script", "169.254.169.254",
	"base64 -d", "curl ", "wget ", "chmod 777", "; sudo ",
]

default verdict := {"decision": "deny", "reason": "tool_not_allowed"}

verdict := {"decision": "allow"} if {
	allowed_tools[input.tool.name]
	not blocked_argument
} else := {"decision": "deny", "reason": "blocked_argument"} if {
	allowed_tools[input.tool.name]
}

joined_args := concat("\u0000", [a | some a in input.policy_target.value; is_string(a)])

blocked_argument if {
	some b in blocked
	contains(joined_args, b)
}
`,
	"inline_nested": `package bench

default verdict := {"decision": "deny", "reason": "tool_not_allowed"}

verdict := {"decision": "allow"} if {
	tool_allowed
	not blocked_argument
} else := {"decision": "deny", "reason": "blocked_argument"} if {
	tool_allowed
}

tool_allowed if input.tool.name in {
	"search_docs", "read_file", "list_dir", "get_weather", "send_email",
	"create_ticket", "update_ticket", "query_db", "summarize", "translate",
	"calendar_lookup", "calendar_create", "crm_lookup", "crm_update", "fetch_url",
	"run_report", "export_csv", "resize_image", "ocr_image", "lookup_user",
}

blocked_argument if {
	some arg in input.policy_target.value
	some b in [
		"rm -rf", "DROP TABLE", "/etc/passwd", "<script", "169.254.169.254",
		"base64 -d", "curl ", "wget ", "chmod 777", "; sudo ",
	]
	contains(arg, b)
}
`,
	"inline_set_join": benchPolicy,
}

// benchArgs are ten realistic string arguments, none blocked.
func benchArgs() map[string]any {
	var args map[string]any
	if err := json.Unmarshal(benchArgsJSON, &args); err != nil {
		panic(err)
	}
	return args
}

// benchInput is the final policy input of the benchmark: the policy target
// is the snapshot's args object itself, as the runtime resolves it.
func benchInput() *acs.PolicyInput {
	args := benchArgs()
	return &acs.PolicyInput{
		InterventionPoint: acs.PreToolCall,
		PolicyTarget:      acs.PolicyTarget{Kind: "tool_args", HasKind: true, Path: "$snap.tool_call.args", Value: args},
		Snapshot: map[string]any{
			"envelope": map[string]any{
				"agent":   map[string]any{"id": "agent-7", "version": "1.4.0"},
				"session": map[string]any{"id": "sess-19"},
			},
			"tool_call": map[string]any{"id": "call-3", "name": "send_email", "args": args},
		},
		Annotations: map[string]any{},
		Tool:        map[string]any{"name": "send_email", "clearance": "internal"},
	}
}

func benchSpec() *acs.PolicySpec {
	return &acs.PolicySpec{
		Point:      acs.PreToolCall,
		PolicyID:   "bench",
		Type:       acs.Rego,
		Definition: map[string]any{"type": "rego"},
		Binding:    map[string]any{"id": "bench"},
		Query:      benchQuery,
		Source:     acs.Source{Dir: "."},
	}
}

func TestBenchPolicyVariantsAgree(t *testing.T) {
	allow := map[string]any{"decision": "allow"}
	blockedArg := map[string]any{"decision": "deny", "reason": "blocked_argument"}
	notAllowed := map[string]any{"decision": "deny", "reason": "tool_not_allowed"}
	for name, module := range benchPolicyVariants {
		t.Run(name, func(t *testing.T) {
			p := prepare(t, Options{Modules: map[string]string{"bench.rego": module}}, benchSpec())
			in := benchInput()
			if got := eval(t, p, in); !reflect.DeepEqual(got, allow) {
				t.Fatalf("clean: %v", got)
			}
			in.PolicyTarget.Value.(map[string]any)["path"] = "x; rm -rf /"
			if got := eval(t, p, in); !reflect.DeepEqual(got, blockedArg) {
				t.Fatalf("blocked: %v", got)
			}
			in = benchInput()
			in.Tool["name"] = "drop_database"
			if got := eval(t, p, in); !reflect.DeepEqual(got, notAllowed) {
				t.Fatalf("tool: %v", got)
			}
		})
	}
}

// BenchmarkOPAPreparedBare is what an OPA user would do: the same policy as
// a prepared query, with the same input passed as a Go map through
// rego.EvalInput (which converts it with a JSON round trip).
func BenchmarkOPAPreparedBare(b *testing.B) {
	ctx := context.Background()
	pq, err := regoapi.New(
		regoapi.Query(benchQuery),
		regoapi.Module("bench.rego", benchPolicy),
	).PrepareForEval(ctx)
	if err != nil {
		b.Fatal(err)
	}
	input := wireInput(benchInput())
	b.ReportAllocs()
	for b.Loop() {
		rs, err := pq.Eval(ctx, regoapi.EvalInput(input))
		if err != nil || len(rs) != 1 {
			b.Fatal(rs, err)
		}
	}
}

// BenchmarkRegoEngineEval is the engine's Eval on the same policy and
// input: input conversion, evaluation and result checks included.
func BenchmarkRegoEngineEval(b *testing.B) {
	p, err := New(Options{Modules: map[string]string{"bench.rego": benchPolicy}}).Prepare(context.Background(), benchSpec())
	if err != nil {
		b.Fatal(err)
	}
	in := benchInput()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Eval(ctx, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegoPolicyVariants measures each way of writing the benchmark
// policy through the engine.
func BenchmarkRegoPolicyVariants(b *testing.B) {
	for _, name := range []string{"naive", "set_nested", "set_comprehension", "regex_join", "set_join", "inline_nested", "inline_set_join"} {
		b.Run(name, func(b *testing.B) {
			p, err := New(Options{Modules: map[string]string{"bench.rego": benchPolicyVariants[name]}}).Prepare(context.Background(), benchSpec())
			if err != nil {
				b.Fatal(err)
			}
			in := benchInput()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Eval(ctx, in, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRegoInputValue isolates the input conversion.
func BenchmarkRegoInputValue(b *testing.B) {
	in := benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := inputValue(in); err != nil {
			b.Fatal(err)
		}
	}
}

// largeInput is benchInput with about 1 MiB (the default max_snapshot_bytes)
// of conversation history in the snapshot, which the policy never reads.
func largeInput() *acs.PolicyInput {
	in := benchInput()
	history := make([]any, 0, 2000)
	for i := range 2000 {
		history = append(history, map[string]any{
			"role":    []string{"user", "assistant"}[i%2],
			"content": strings.Repeat("lorem ipsum dolor sit amet ", 18),
			"turn":    json.Number(strconv.Itoa(i)),
		})
	}
	in.Snapshot.(map[string]any)["history"] = history
	return in
}

// BenchmarkRegoEngineEvalLargeSnapshot shows what the eager input
// conversion costs when the snapshot is large: every evaluation converts
// the whole snapshot, read or not.
func BenchmarkRegoEngineEvalLargeSnapshot(b *testing.B) {
	p, err := New(Options{Modules: map[string]string{"bench.rego": benchPolicy}}).Prepare(context.Background(), benchSpec())
	if err != nil {
		b.Fatal(err)
	}
	in := largeInput()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Eval(ctx, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}
