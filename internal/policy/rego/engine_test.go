package rego

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentgov/agentgov/acs"
)

// libSpec is a spec whose policy lives in Options.Modules.
func libSpec(query string) *acs.PolicySpec {
	return &acs.PolicySpec{
		Point:      acs.Input,
		PolicyID:   "p",
		Type:       acs.Rego,
		Definition: map[string]any{"type": "rego"},
		Binding:    map[string]any{"id": "p"},
		Query:      query,
		Source:     acs.Source{Dir: "."},
	}
}

// libOpts compiles module into every policy.
func libOpts(module string) Options {
	return Options{Modules: map[string]string{"test.rego": module}}
}

const shapesModule = `package shapes

verdict := {"decision": "deny", "reason": "r", "message": input.policy_target.value.text}

many contains "a"
many contains "b"

num := 3.50

str := "plain"

arr := [1, "two", null, true]

labels := {"b", "a", "c"}

with_labels := {"decision": "allow", "result_labels": labels}
`

func TestResultShapes(t *testing.T) {
	tests := []struct {
		query string
		want  any
	}{
		{"data.shapes.verdict", map[string]any{"decision": "deny", "reason": "r", "message": "hi"}},
		{"data.shapes.num", json.Number("3.50")},
		{"data.shapes.str", "plain"},
		{"data.shapes.arr", []any{json.Number("1"), "two", nil, true}},
		// Sets come out sorted: equal evaluations, equal values (§1.1).
		{"data.shapes.with_labels", map[string]any{"decision": "allow", "result_labels": []any{"a", "b", "c"}}},
		// A query-only policy: the query itself is the verdict.
		{`{"decision": "allow", "reason": input.intervention_point}`, map[string]any{"decision": "allow", "reason": "input"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p := prepare(t, libOpts(shapesModule), libSpec(tt.query))
			got := eval(t, p, textInput("hi"))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestResultShapeErrors(t *testing.T) {
	tests := []struct {
		query, want string
	}{
		{"data.shapes.missing", "undefined"},
		{"data.shapes.many[x]", "2 results"},
		{"data.shapes.str; data.shapes.num", "2 expressions"},
		{"input.missing == 1", "undefined"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p := prepare(t, libOpts(shapesModule), libSpec(tt.query))
			_, err := p.Eval(context.Background(), textInput("hi"), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestQueryFallback(t *testing.T) {
	// The runtime passes the effective query; when it does not, the binding
	// wins over the definition.
	spec := libSpec("")
	spec.Definition["query"] = "data.shapes.num"
	p := prepare(t, libOpts(shapesModule), spec)
	if got := eval(t, p, textInput("")); got != json.Number("3.50") {
		t.Fatalf("definition query: got %v", got)
	}
	spec.Binding["query"] = "data.shapes.str"
	p = prepare(t, libOpts(shapesModule), spec)
	if got := eval(t, p, textInput("")); got != "plain" {
		t.Fatalf("binding query: got %v", got)
	}
	spec = libSpec("")
	if _, err := New(libOpts(shapesModule)).Prepare(context.Background(), spec); err == nil {
		t.Fatal("no query: want a Prepare error")
	}
}

func TestInputDocument(t *testing.T) {
	// The policy sees exactly the five members of §7.
	in := &acs.PolicyInput{
		InterventionPoint: acs.PreToolCall,
		PolicyTarget:      acs.PolicyTarget{Path: "$snap.tool_call.args", Value: map[string]any{"q": "x"}},
		Snapshot:          map[string]any{"tool_call": map[string]any{"name": "search"}},
		Annotations:       map[string]any{"risk": map[string]any{"score": json.Number("7")}},
		Tool:              map[string]any{"name": "search"},
	}
	p := prepare(t, Options{}, libSpec("input"))
	got := eval(t, p, in)
	want := map[string]any{
		"intervention_point": "pre_tool_call",
		"policy_target":      map[string]any{"kind": nil, "path": "$snap.tool_call.args", "value": map[string]any{"q": "x"}},
		"snapshot":           map[string]any{"tool_call": map[string]any{"name": "search"}},
		"annotations":        map[string]any{"risk": map[string]any{"score": json.Number("7")}},
		"tool":               map[string]any{"name": "search"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	// nil annotations are {}, nil tool is null.
	in.Annotations, in.Tool = nil, nil
	got = eval(t, p, in)
	if a := got.(map[string]any)["annotations"]; !reflect.DeepEqual(a, map[string]any{}) {
		t.Fatalf("annotations = %#v", a)
	}
	if tool := got.(map[string]any)["tool"]; tool != nil {
		t.Fatalf("tool = %#v", tool)
	}
}

func bundleSpec(dir, bundle string) *acs.PolicySpec {
	return &acs.PolicySpec{
		Point:      acs.Input,
		PolicyID:   "bundled",
		Type:       acs.Rego,
		Definition: map[string]any{"type": "rego", "bundle": bundle},
		Binding:    map[string]any{"id": "bundled"},
		Query:      "data.acs.test.verdict",
		Source:     acs.Source{Dir: dir},
	}
}

func checkBundleVerdicts(t *testing.T, p acs.PreparedPolicy) {
	t.Helper()
	if got := eval(t, p, textInput("hello")); !reflect.DeepEqual(got, map[string]any{"decision": "allow"}) {
		t.Fatalf("hello: %#v", got)
	}
	want := map[string]any{"decision": "deny", "reason": "blocked_word", "message": `blocked word "secret"`}
	if got := eval(t, p, textInput("a secret plan")); !reflect.DeepEqual(got, want) {
		t.Fatalf("secret: %#v", got)
	}
}

func TestBundleDirectory(t *testing.T) {
	p := prepare(t, Options{}, bundleSpec(testdataDir(t), "bundle"))
	checkBundleVerdicts(t, p)
	// An absolute path works too.
	p = prepare(t, Options{}, bundleSpec(t.TempDir(), filepath.Join(testdataDir(t), "bundle")))
	checkBundleVerdicts(t, p)
}

func TestBundleArchive(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "policy.tar.gz"), tarGz(t, filepath.Join(testdataDir(t), "bundle")), 0o600); err != nil {
		t.Fatal(err)
	}
	checkBundleVerdicts(t, prepare(t, Options{}, bundleSpec(dir, "./policy.tar.gz")))
}

func TestBundleURL(t *testing.T) {
	archive := tarGz(t, filepath.Join(testdataDir(t), "bundle"))
	sum := sha256.Sum256(archive)
	pinURL := "https://policies.example/bundle.tar.gz"
	var calls atomic.Int32
	fetch := func(_ context.Context, pin acs.URLPin) ([]byte, error) {
		calls.Add(1)
		if pin.URL != pinURL || pin.SHA256 != hex.EncodeToString(sum[:]) || pin.Integrity != "" {
			return nil, fmt.Errorf("unexpected pin %+v", pin)
		}
		return archive, nil
	}
	spec := bundleSpec("", "")
	delete(spec.Definition, "bundle")
	spec.Definition["bundle_url"] = map[string]any{"url": pinURL, "sha256": hex.EncodeToString(sum[:])}
	spec.Source = acs.Source{URL: "https://policies.example/manifest.yaml", Fetch: fetch}
	p := prepare(t, Options{}, spec)
	checkBundleVerdicts(t, p)
	if n := calls.Load(); n != 1 {
		t.Fatalf("Fetch called %d times, want once (at Prepare)", n)
	}

	t.Run("no fetcher", func(t *testing.T) {
		s := *spec
		s.Source.Fetch = nil
		if _, err := New(Options{}).Prepare(context.Background(), &s); err == nil || !strings.Contains(err.Error(), "no fetching") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("fetch error", func(t *testing.T) {
		s := *spec
		boom := errors.New("pin mismatch")
		s.Source.Fetch = func(context.Context, acs.URLPin) ([]byte, error) { return nil, boom }
		if _, err := New(Options{}).Prepare(context.Background(), &s); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want it to wrap the fetch error", err)
		}
	})
	t.Run("not an archive", func(t *testing.T) {
		s := *spec
		s.Source.Fetch = func(context.Context, acs.URLPin) ([]byte, error) { return []byte("<html>"), nil }
		if _, err := New(Options{}).Prepare(context.Background(), &s); err == nil {
			t.Fatal("want an error")
		}
	})
	t.Run("pins", func(t *testing.T) {
		for _, bu := range []any{
			map[string]any{"url": pinURL},
			map[string]any{"url": pinURL, "sha256": "ab", "integrity": "sha256-x"},
			map[string]any{"sha256": "ab"},
			"https://x",
		} {
			s := *spec
			s.Definition = map[string]any{"type": "rego", "bundle_url": bu}
			if _, err := New(Options{}).Prepare(context.Background(), &s); err == nil {
				t.Errorf("bundle_url %v: want an error", bu)
			}
		}
	})
	t.Run("with bundle", func(t *testing.T) {
		s := *spec
		s.Definition = map[string]any{"type": "rego", "bundle": "b", "bundle_url": spec.Definition["bundle_url"]}
		s.Source.Dir = testdataDir(t)
		if _, err := New(Options{}).Prepare(context.Background(), &s); err == nil || !strings.Contains(err.Error(), "mutually exclusive") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestURLSourcedManifestHasNoFilesystem(t *testing.T) {
	// §2.3: a URL-sourced manifest carries no filesystem path.
	for name, def := range map[string]map[string]any{
		"bundle":     {"type": "rego", "bundle": "bundle"},
		"data":       {"type": "rego", "data": "data/limits.json"},
		"data_paths": {"type": "rego", "data_paths": []any{"data"}},
	} {
		t.Run(name, func(t *testing.T) {
			spec := libSpec("true")
			spec.Definition = def
			spec.Source = acs.Source{URL: "https://example.com/m.yaml"}
			_, err := New(Options{}).Prepare(context.Background(), spec)
			if err == nil || !strings.Contains(err.Error(), "URL-sourced") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	// Inline data is fine.
	spec := libSpec("data.x")
	spec.Definition["data"] = map[string]any{"x": "inline"}
	spec.Source = acs.Source{URL: "https://example.com/m.yaml"}
	if got := eval(t, prepare(t, Options{}, spec), textInput("")); got != "inline" {
		t.Fatalf("got %v", got)
	}
}

func TestLibraryModules(t *testing.T) {
	opts := Options{Modules: map[string]string{
		"lib.rego": "package lib\n\nis_loud(s) if upper(s) == s\n",
		"policy.rego": `package policy

import data.lib

verdict := {"decision": "warn", "reason": "shouting"} if lib.is_loud(input.policy_target.value.text)
else := {"decision": "allow"}
`,
	}}
	p := prepare(t, opts, libSpec("data.policy.verdict"))
	if got := eval(t, p, textInput("HEY")); got.(map[string]any)["decision"] != "warn" {
		t.Fatalf("HEY: %v", got)
	}
	if got := eval(t, p, textInput("hey")); got.(map[string]any)["decision"] != "allow" {
		t.Fatalf("hey: %v", got)
	}
	// Library modules are Rego v1: v0 syntax does not compile.
	bad := Options{Modules: map[string]string{"v0.rego": "package v0\n\np[x] { x := 1 }\n"}}
	if _, err := New(bad).Prepare(context.Background(), libSpec("data.v0.p")); err == nil {
		t.Fatal("v0 module: want an error")
	}
}

func TestDataDocuments(t *testing.T) {
	dir := testdataDir(t)
	toolInput := func(tool string, nargs int) *acs.PolicyInput {
		args := map[string]any{}
		for i := range nargs {
			args[fmt.Sprintf("a%d", i)] = "v"
		}
		return &acs.PolicyInput{
			InterventionPoint: acs.PreToolCall,
			PolicyTarget:      acs.PolicyTarget{Kind: "tool_args", HasKind: true, Path: "$snap.tool_call.args", Value: args},
			Snapshot:          map[string]any{"tool_call": map[string]any{"name": tool, "args": args}},
			Tool:              map[string]any{"name": tool},
		}
	}
	spec := &acs.PolicySpec{
		Point:      acs.PreToolCall,
		PolicyID:   "gate",
		Type:       acs.Rego,
		Definition: map[string]any{"type": "rego", "data_paths": []any{"data", "datadir"}},
		Binding:    map[string]any{"id": "gate"},
		Query:      "data.acs.gate.verdict",
		Source:     acs.Source{Dir: dir},
	}
	p := prepare(t, Options{}, spec)
	for _, tt := range []struct {
		tool  string
		nargs int
		want  string
	}{{"search", 1, "allow"}, {"search", 3, "deny"}, {"delete", 0, "deny"}} {
		if got := eval(t, p, toolInput(tt.tool, tt.nargs)).(map[string]any)["decision"]; got != tt.want {
			t.Errorf("%s/%d: %v, want %s", tt.tool, tt.nargs, got, tt.want)
		}
	}

	// `data` accepts a single path; the binding's member replaces the
	// definition's; an inline object merges at the root.
	spec.Definition = map[string]any{"type": "rego", "data": "datadir", "data_paths": []any{"nowhere"}}
	spec.Binding = map[string]any{"id": "gate", "data_paths": []any{"data/limits.json", "data/tools.yaml"}}
	p = prepare(t, Options{}, spec)
	if got := eval(t, p, toolInput("fetch", 2)).(map[string]any)["decision"]; got != "allow" {
		t.Errorf("binding data_paths: %v", got)
	}
	spec.Definition = map[string]any{"type": "rego", "data": map[string]any{"tools": map[string]any{"allowed": []any{"inline"}}}}
	spec.Binding = map[string]any{"id": "gate", "data_paths": []any{"datadir", "data/limits.json"}}
	p = prepare(t, Options{}, spec)
	if got := eval(t, p, toolInput("inline", 1)).(map[string]any)["decision"]; got != "allow" {
		t.Errorf("inline data: %v", got)
	}
	// The inline document was copied, never written to.
	if !reflect.DeepEqual(spec.Definition["data"], map[string]any{"tools": map[string]any{"allowed": []any{"inline"}}}) {
		t.Errorf("definition modified: %v", spec.Definition["data"])
	}

	// Conflicting documents fail Prepare.
	spec.Definition = map[string]any{"type": "rego", "data": map[string]any{"limits": "flat"}}
	spec.Binding = map[string]any{"id": "gate", "data_paths": []any{"data"}}
	if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "conflicting") {
		t.Fatalf("conflict: err = %v", err)
	}
	// Bad shapes and missing files fail Prepare.
	for _, bad := range []map[string]any{
		{"data_paths": []any{1}},
		{"data_paths": map[string]any{}},
		{"data": true},
		{"data": ""},
		{"data": "no/such/file.json"},
	} {
		spec.Definition, spec.Binding = bad, map[string]any{"id": "gate"}
		if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	dir := testdataDir(t)
	spec := bundleSpec(dir, "badbundle")
	if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil {
		t.Fatal("syntax error in bundle: want a Prepare error")
	}
	for _, q := range []string{"data.x[", "data.shapes.undefined_fn(1)", "1 +"} {
		if _, err := New(libOpts(shapesModule)).Prepare(context.Background(), libSpec(q)); err == nil {
			t.Errorf("query %q: want a Prepare error", q)
		}
	}
	spec = bundleSpec(dir, "no-such-bundle")
	if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil {
		t.Fatal("missing bundle: want a Prepare error")
	}
	spec = libSpec("true")
	spec.Type = acs.Cedar
	if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil {
		t.Fatal("cedar spec: want a Prepare error")
	}
	if _, err := New(Options{}).Prepare(context.Background(), nil); err == nil {
		t.Fatal("nil spec: want a Prepare error")
	}
	// Compiler strict mode is opt-in.
	unused := "package s\n\nimport data.unused\n\nverdict := {\"decision\": \"allow\"}\n"
	prepare(t, libOpts(unused), libSpec("data.s.verdict"))
	strict := libOpts(unused)
	strict.StrictCompile = true
	if _, err := New(strict).Prepare(context.Background(), libSpec("data.s.verdict")); err == nil {
		t.Fatal("strict compile with an unused import: want an error")
	}
}

func TestRuntimeErrors(t *testing.T) {
	module := `package rt

quot := input.policy_target.value.n / input.policy_target.value.d

conflict := 1
conflict := 2 if input.policy_target.value.n > 0

builtin := {"decision": "allow", "n": to_number(input.policy_target.value.text)}
`
	in := func(n, d, text string) *acs.PolicyInput {
		v := map[string]any{"n": json.Number(n), "d": json.Number(d), "text": text}
		return &acs.PolicyInput{InterventionPoint: acs.Input, PolicyTarget: acs.PolicyTarget{Path: "$snap", Value: v}, Snapshot: v}
	}
	for _, tt := range []struct {
		query string
		in    *acs.PolicyInput
	}{
		{"data.rt.quot", in("1", "0", "")},         // division by zero
		{"data.rt.conflict", in("1", "1", "")},     // complete rule conflict
		{"data.rt.builtin", in("1", "1", "seven")}, // strict built-in error
	} {
		p := prepare(t, libOpts(module), libSpec(tt.query))
		if v, err := p.Eval(context.Background(), tt.in, nil); err == nil {
			t.Errorf("%s: got %v, want an error", tt.query, v)
		}
	}
	p := prepare(t, libOpts(module), libSpec("data.rt.quot"))
	if got := eval(t, p, in("6", "3", "")); got != json.Number("2") {
		t.Fatalf("6/3 = %v", got)
	}
	// Values outside the JSON model are errors, not panics.
	bad := in("1", "1", "")
	bad.Snapshot = map[string]any{"ch": make(chan int)}
	if _, err := p.Eval(context.Background(), bad, nil); err == nil {
		t.Fatal("chan in snapshot: want an error")
	}
	if _, err := p.Eval(context.Background(), nil, nil); err == nil {
		t.Fatal("nil input: want an error")
	}
}

func TestTimeout(t *testing.T) {
	module := `package slow

verdict := {"decision": "allow", "n": count([x | some x in numbers.range(1, 100000000); x % 7 == 0])}
`
	p := prepare(t, Options{Timeout: 50 * time.Millisecond, Modules: map[string]string{"slow.rego": module}}, libSpec("data.slow.verdict"))
	start := time.Now()
	_, err := p.Eval(context.Background(), textInput(""), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
	// The caller's cancellation stops it too.
	p = prepare(t, libOpts(module), libSpec("data.slow.verdict"))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := p.Eval(ctx, textInput(""), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if DefaultTimeout != 5*time.Second {
		t.Fatalf("DefaultTimeout = %s", DefaultTimeout)
	}
}

func TestConcurrentEval(t *testing.T) {
	p := prepare(t, Options{}, bundleSpec(testdataDir(t), "bundle"))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				text, want := "fine", "allow"
				if (g+i)%3 == 0 {
					text, want = "forbidden fruit", "deny"
				}
				v, err := p.Eval(context.Background(), textInput(text), nil)
				if err != nil {
					errs <- err
					return
				}
				if got := v.(map[string]any)["decision"]; got != want {
					errs <- fmt.Errorf("%q: %v, want %s", text, got, want)
					return
				}
				// Callers may edit what they get back.
				v.(map[string]any)["decision"] = "tampered"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestIOBuiltinsRefused(t *testing.T) {
	for name, body := range map[string]string{
		"http.send":          `http.send({"method": "GET", "url": "https://example.com"}).status_code == 200`,
		"net.lookup_ip_addr": `count(net.lookup_ip_addr("example.com")) > 0`,
		"opa.runtime":        `opa.runtime().env.HOME != ""`,
	} {
		t.Run(name, func(t *testing.T) {
			module := "package io\n\nverdict := {\"decision\": \"allow\"} if {\n\t" + body + "\n}\n"
			_, err := New(libOpts(module)).Prepare(context.Background(), libSpec("data.io.verdict"))
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("err = %v, want a compile error naming %s", err, name)
			}
		})
	}
	// The schema built-ins stay available, but cannot reach the network.
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"type": "string"}`))
	}))
	defer srv.Close()
	module := fmt.Sprintf(`package schema

verdict := {"decision": "allow", "result": json.match_schema("x", {"$ref": %q})}
`, srv.URL+"/s.json")
	p := prepare(t, libOpts(module), libSpec("data.schema.verdict"))
	_, _ = p.Eval(context.Background(), textInput(""), nil)
	if n := hits.Load(); n != 0 {
		t.Fatalf("schema $ref fetched %d times", n)
	}
}
