package cedar

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	cedargo "github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/agentgov/agentgov/acs"
)

// The benchmark scenario, as for the rego engine: pre_tool_call, allow when
// the tool is in a 20-tool allow-list and no argument contains any of 10
// blocked substrings; ten string arguments.
//
// Cedar cannot iterate over a record, so the policy names the arguments it
// checks (guarded with `has`, as they are optional) and tests each against
// every blocked substring with `like "*…*"`. A tool outside the allow-list
// matches no permit: deny with no_matching_policy.

var benchAllowedTools = []string{
	"search_docs", "read_file", "list_dir", "get_weather", "send_email",
	"create_ticket", "update_ticket", "query_db", "summarize", "translate",
	"calendar_lookup", "calendar_create", "crm_lookup", "crm_update", "fetch_url",
	"run_report", "export_csv", "resize_image", "ocr_image", "lookup_user",
}

var benchBlocked = []string{
	"rm -rf", "DROP TABLE", "/etc/passwd", "<script", "169.254.169.254",
	"base64 -d", "curl ", "wget ", "chmod 777", "; sudo ",
}

// benchArgs are ten realistic string arguments, none blocked.
func benchArgs() map[string]any {
	return map[string]any{
		"query":       "quarterly revenue by region for the EMEA sales team",
		"path":        "/srv/reports/2025/q3/summary.md",
		"format":      "markdown",
		"language":    "en-GB",
		"recipient":   "finance-team@example.com",
		"subject":     "Q3 revenue summary and outlook",
		"body":        "Please find attached the quarterly summary. Numbers are preliminary until the audit closes next week.",
		"ticket":      "FIN-4821",
		"priority":    "normal",
		"callback_to": "https://hooks.example.com/agent/notify",
	}
}

func benchArgNames() []string {
	names := make([]string, 0, 10)
	for k := range benchArgs() {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// benchForbid is the blocked-substring forbid policy.
func benchForbid() string {
	var conds []string
	for _, arg := range benchArgNames() {
		var likes []string
		for _, b := range benchBlocked {
			likes = append(likes, fmt.Sprintf("context.tool_call.args.%s like \"*%s*\"", arg, b))
		}
		conds = append(conds, fmt.Sprintf("(context.tool_call.args has %s && (%s))", arg, strings.Join(likes, " || ")))
	}
	return "@id(\"blocked_argument\")\nforbid (principal, action == Action::\"pre_tool_call\", resource)\nwhen {\n  " +
		strings.Join(conds, " ||\n  ") + "\n};\n"
}

// benchPolicyVariants are the ways of writing the allow-list that were
// measured (BenchmarkCedarPolicyVariants); the forbid is shared.
func benchPolicyVariants() map[string]string {
	uids := make([]string, len(benchAllowedTools))
	strs := make([]string, len(benchAllowedTools))
	for i, t := range benchAllowedTools {
		uids[i] = fmt.Sprintf("Tool::%q", t)
		strs[i] = fmt.Sprintf("%q", t)
	}
	return map[string]string{
		// A set of entity literals in the condition.
		"entity_set": "permit (principal, action == Action::\"pre_tool_call\", resource)\nwhen { resource in [" + strings.Join(uids, ", ") + "] };\n\n" + benchForbid(),
		// The entity hierarchy: the 20 tools are children of
		// ToolGroup::"allowed" in the entities (benchEntities).
		"entity_group": "permit (principal, action == Action::\"pre_tool_call\", resource in ToolGroup::\"allowed\");\n\n" + benchForbid(),
		// A set of strings tested against the tool name in the context.
		"string_set": "permit (principal, action == Action::\"pre_tool_call\", resource)\nwhen { [" + strings.Join(strs, ", ") + "].contains(context.tool_call.name) };\n\n" + benchForbid(),
	}
}

// benchVariant is the fastest variant (see BenchmarkCedarPolicyVariants).
const benchVariant = "entity_group"

// benchEntities is the entities document of the entity_group variant.
func benchEntities() string {
	var b strings.Builder
	b.WriteString(`[{"uid": {"type": "ToolGroup", "id": "allowed"}, "attrs": {}, "parents": []}`)
	for _, t := range benchAllowedTools {
		fmt.Fprintf(&b, `,
 {"uid": {"type": "Tool", "id": %q}, "attrs": {}, "parents": [{"type": "ToolGroup", "id": "allowed"}]}`, t)
	}
	b.WriteString("]\n")
	return b.String()
}

// benchInput is the final policy input of the benchmark: the policy target
// is the snapshot's args object itself.
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

// benchSpec prepares a variant; the entities go to a temporary file.
func benchSpec(tb testing.TB, variant string) *acs.PolicySpec {
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "entities.json"), []byte(benchEntities()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return &acs.PolicySpec{
		Point:    acs.PreToolCall,
		PolicyID: "bench",
		Type:     acs.Cedar,
		Definition: map[string]any{
			"type":          "cedar",
			"policy_set":    benchPolicyVariants()[variant],
			"entities_path": "entities.json",
		},
		Binding: map[string]any{"id": "bench"},
		Source:  acs.Source{Dir: dir},
	}
}

func TestBenchPolicyVariantsAgree(t *testing.T) {
	for name := range benchPolicyVariants() {
		t.Run(name, func(t *testing.T) {
			p := prepare(t, benchSpec(t, name))
			if got := eval(t, p, benchInput()); !reflect.DeepEqual(got, verdict("allow", "")) {
				t.Fatalf("clean: %v", got)
			}
			in := benchInput()
			in.PolicyTarget.Value.(map[string]any)["path"] = "x; rm -rf /"
			if got := eval(t, p, in); !reflect.DeepEqual(got, verdict("deny", "blocked_argument")) {
				t.Fatalf("blocked: %v", got)
			}
			in = benchInput()
			in.Tool["name"] = "drop_database"
			in.Snapshot.(map[string]any)["tool_call"].(map[string]any)["name"] = "drop_database"
			if got := eval(t, p, in); !reflect.DeepEqual(got, verdict("deny", NoMatchingPolicy)) {
				t.Fatalf("tool: %v", got)
			}
		})
	}
}

// bareRequest builds the request the way a cedar-go user holding the same
// data would: native Cedar values, context = the tool call.
func bareRequest(args map[string]string) cedargo.Request {
	am := make(types.RecordMap, len(args))
	for k, v := range args {
		am[types.String(k)] = types.String(v)
	}
	return cedargo.Request{
		Principal: types.NewEntityUID("Agent", "agent-7"),
		Action:    types.NewEntityUID("Action", "pre_tool_call"),
		Resource:  types.NewEntityUID("Tool", "send_email"),
		Context: types.NewRecord(types.RecordMap{
			"tool_call": types.NewRecord(types.RecordMap{
				"id":   types.String("call-3"),
				"name": types.String("send_email"),
				"args": types.NewRecord(am),
			}),
			"annotations": types.NewRecord(nil),
		}),
	}
}

func bareSetup(tb testing.TB) (*cedargo.PolicySet, types.EntityMap, map[string]string) {
	ps, err := cedargo.NewPolicySetFromBytes("bench.cedar", []byte(benchPolicyVariants()[benchVariant]))
	if err != nil {
		tb.Fatal(err)
	}
	var entities types.EntityMap
	if err := entities.UnmarshalJSON([]byte(benchEntities())); err != nil {
		tb.Fatal(err)
	}
	args := map[string]string{}
	for k, v := range benchArgs() {
		args[k] = v.(string)
	}
	return ps, entities, args
}

// BenchmarkCedarBare is cedar-go alone on the same policy: the request
// (with its context record) built from native values, then authorized.
func BenchmarkCedarBare(b *testing.B) {
	ps, entities, args := bareSetup(b)
	if d, _ := cedargo.Authorize(ps, entities, bareRequest(args)); d != cedargo.Allow {
		b.Fatal("bare: not allowed")
	}
	b.ReportAllocs()
	for b.Loop() {
		if d, _ := cedargo.Authorize(ps, entities, bareRequest(args)); d != cedargo.Allow {
			b.Fatal("not allowed")
		}
	}
}

// BenchmarkCedarBareAuthorizeOnly authorizes a request built once: the
// policy evaluation alone.
func BenchmarkCedarBareAuthorizeOnly(b *testing.B) {
	ps, entities, args := bareSetup(b)
	req := bareRequest(args)
	b.ReportAllocs()
	for b.Loop() {
		if d, _ := cedargo.Authorize(ps, entities, req); d != cedargo.Allow {
			b.Fatal("not allowed")
		}
	}
}

// BenchmarkCedarEngineEval is the engine's Eval on the same policy and
// input: request mapping (JSON → Cedar values), authorization and verdict
// mapping included.
func BenchmarkCedarEngineEval(b *testing.B) {
	p := prepare(b, benchSpec(b, benchVariant))
	in := benchInput()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Eval(ctx, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCedarPolicyVariants measures each allow-list form through the
// engine.
func BenchmarkCedarPolicyVariants(b *testing.B) {
	for _, name := range []string{"entity_set", "entity_group", "string_set"} {
		b.Run(name, func(b *testing.B) {
			p := prepare(b, benchSpec(b, name))
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

// BenchmarkCedarRequest isolates the request mapping.
func BenchmarkCedarRequest(b *testing.B) {
	m := &requestMapping{}
	in := benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.build(in); err != nil {
			b.Fatal(err)
		}
	}
}
