package load

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/internal/acstest"
)

func loadFile(t *testing.T, path string, o Options) (*acs.Document, error) {
	t.Helper()
	doc, err := File(context.Background(), path, o)
	if err != nil {
		return nil, err
	}
	// The loader's output must be something acs.New accepts or refuses as
	// manifest_invalid; return its error when it refuses.
	if _, err := acs.New(context.Background(), doc, acs.Options{}); err != nil {
		return doc, err
	}
	return doc, nil
}

func wantErr(t *testing.T, err error, reason, substr string) {
	t.Helper()
	var e *acs.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *acs.Error %s", err, reason)
	}
	if e.Reason != reason || !strings.Contains(e.Message, substr) {
		t.Fatalf("got %s %q, want %s containing %q", e.Reason, e.Message, reason, substr)
	}
}

// The reference runtime's extends fixtures, with the outcomes of its
// core/tests/manifest_extends.rs.
func TestCoreExtendsFixtures(t *testing.T) {
	dir := filepath.Join(acstest.Conformance(t), "core-fixtures", "extends")
	t.Run("ordered", func(t *testing.T) {
		doc, err := loadFile(t, filepath.Join(dir, "ordered", "child.yaml"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		m := doc.Doc
		if _, ok := m["extends"]; ok {
			t.Error("extends survived the merge")
		}
		if m["metadata"].(map[string]any)["name"] != "extends-ordered" {
			t.Errorf("metadata %v", m["metadata"])
		}
		for section, names := range map[string][]string{
			"policies":            {"shared_policy", "duplicate_policy", "child_policy"},
			"tools":               {"search", "wire_transfer"},
			"annotators":          {"base_classifier", "child_classifier"},
			"intervention_points": {"input", "output", "pre_tool_call"},
		} {
			got := m[section].(map[string]any)
			if len(got) != len(names) {
				t.Errorf("%s has %d entries, want %v", section, len(got), names)
			}
			for _, n := range names {
				if _, ok := got[n]; !ok {
					t.Errorf("%s.%s missing", section, n)
				}
			}
		}
		input := m["intervention_points"].(map[string]any)["input"].(map[string]any)
		ann := input["annotations"].(map[string]any)
		if _, ok := ann["base_classifier"]; !ok {
			t.Error("base annotation lost")
		}
		if _, ok := ann["child_classifier"]; !ok {
			t.Error("child annotation lost")
		}
		if doc.Policies["shared_policy"].Dir != filepath.Join(dir, "ordered") {
			t.Errorf("shared_policy source %+v", doc.Policies["shared_policy"])
		}
	})
	for _, tc := range []struct{ file, substr string }{
		{"conflict/policy-conflict.yaml", "manifest extends conflict for policies.shared_policy"},
		{"conflict/intervention-point-conflict.yaml", "manifest extends conflict for intervention_points.input.policy_target"},
		{"cycle/a.yaml", "manifest extends cycle detected"},
		{"missing/child.yaml", "failed to resolve extends file"},
		{"confinement/root/escape.yaml", "resolves outside manifest root"},
		{"confinement/root/url.yaml", "unsupported URL scheme"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := loadFile(t, filepath.Join(dir, tc.file), Options{})
			wantErr(t, err, acs.ReasonManifestInvalid, tc.substr)
		})
	}
	t.Run("inside", func(t *testing.T) {
		doc, err := loadFile(t, filepath.Join(dir, "confinement", "root", "inside.yaml"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if doc.Doc["metadata"].(map[string]any)["name"] != "inside-child" {
			t.Errorf("metadata %v", doc.Doc["metadata"])
		}
	})
}

func TestMerge(t *testing.T) {
	doc, err := loadFile(t, filepath.Join("testdata", "merge", "child.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := acstest.Canon(t, doc.Doc)
	abs, _ := filepath.Abs(filepath.Join("testdata", "merge"))
	want := `{"agent_control_specification_version":"0.3.1-beta",` +
		`"annotators":{"base_scan":{"system_prompt":"be careful","type":"llm"},"child_scan":{"type":"classifier"}},` +
		`"approval":{"default_resolver":"human","resolvers":{"human":{"type":"console"}}},` +
		`"intervention_points":{"input":{"annotations":{"base_scan":{"from":"$policy_target.text"},"child_scan":{"from":"$pi.snapshot.actor"}},"policy":{"id":"base_policy"},"policy_target":"$snap.input","policy_target_kind":"user_input"},` +
		`"pre_tool_call":{"policy":{"data":"` + filepath.Join(abs, "child-data.json") + `","id":"child_policy"},"policy_target":"$snap.tool_call.args","tool_name_from":"$snap.tool_call.name"}},` +
		`"metadata":{"name":"child","owner":{"oncall":"sre","team":"agents"}},` +
		`"policies":{"base_policy":{"bundle":"./bundle.tar.gz","query":"data.base.verdict","type":"rego"},"child_policy":{"type":"test","verdict":{"decision":"allow"}}},` +
		`"tools":{"search":{"clearance":["public"],"type":"Tool"}}}`
	if got != want {
		t.Errorf("merged\n got %s\nwant %s", got, want)
	}
	if d := doc.Policies["base_policy"].Dir; d != filepath.Join(abs, "parents") {
		t.Errorf("base_policy declared in %s", d)
	}
	if d := doc.Policies["child_policy"].Dir; d != abs {
		t.Errorf("child_policy declared in %s", d)
	}
	if doc.Origins["tools.search"] != filepath.Join(abs, "parents", "tools.json") {
		t.Errorf("origins %v", doc.Origins)
	}
	if doc.FromURL || !doc.Pinned {
		t.Errorf("FromURL %v Pinned %v", doc.FromURL, doc.Pinned)
	}
}

func TestMergeConflicts(t *testing.T) {
	for _, tc := range []struct{ file, substr string }{
		{"points/annotation-conflict.yaml", "intervention_points.input.annotations.scan"},
		{"points/kind-conflict.yaml", "intervention_points.input.policy"},
		{"versions/child.yaml", "agent_control_specification_version"},
		{"metadata/child.yaml", "metadata.owner.team"},
		{"paths/dup.yaml", "policies.r.bundle"},
		{"json/dup.json", "duplicate key"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := loadFile(t, filepath.Join("testdata", tc.file), Options{})
			wantErr(t, err, acs.ReasonManifestInvalid, tc.substr)
		})
	}
}

func TestJSONManifest(t *testing.T) {
	doc, err := loadFile(t, filepath.Join("testdata", "json", "child.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Doc["metadata"].(map[string]any)["name"] != "json" || doc.Doc["policies"] == nil {
		t.Errorf("doc %v", doc.Doc)
	}
}

// Binding paths are made absolute against the file that declared the
// binding; definitions keep theirs and carry their directory.
func TestRelativePaths(t *testing.T) {
	doc, err := File(context.Background(), filepath.Join("testdata", "paths", "top.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join("testdata", "paths"))
	binding := doc.Doc["intervention_points"].(map[string]any)["input"].(map[string]any)["policy"].(map[string]any)
	if got := acstest.Canon(t, binding["data_paths"]); got != `["`+filepath.Join(abs, "data", "a.json")+`","/abs/b.json"]` {
		t.Errorf("data_paths %s", got)
	}
	if p := doc.Doc["policies"].(map[string]any)["r"].(map[string]any); p["bundle"] != "./policy" {
		t.Errorf("definition rewritten: %v", p)
	}
	if doc.Policies["r"].Dir != filepath.Join(abs, "sub") || doc.Annotators["judge"].Dir != filepath.Join(abs, "sub") {
		t.Errorf("sources %+v %+v", doc.Policies["r"], doc.Annotators["judge"])
	}
}

// writeTree writes files under a fresh directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const leaf = "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: test, verdict: {decision: allow}}}\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}}}\n"

func extending(entries ...string) string {
	return "agent_control_specification_version: 0.3.1-beta\nextends: [" + strings.Join(entries, ", ") + "]\n"
}

// A symlink inside the tree that points outside it is resolved before the
// confinement check.
func TestSymlinkEscape(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.yaml": leaf})
	root := writeTree(t, map[string]string{"top.yaml": extending("link.yaml"), "real.yaml": leaf, "ok.yaml": extending("inner.yaml")})
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(root, "link.yaml")); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	if err := os.Symlink(filepath.Join(root, "real.yaml"), filepath.Join(root, "inner.yaml")); err != nil {
		t.Fatal(err)
	}
	_, err := loadFile(t, filepath.Join(root, "top.yaml"), Options{})
	wantErr(t, err, acs.ReasonManifestInvalid, "resolves outside manifest root")
	if _, err := loadFile(t, filepath.Join(root, "ok.yaml"), Options{}); err != nil {
		t.Errorf("a link inside the tree: %v", err)
	}
	// The top-level manifest may itself be a link: its tree is where it
	// really lives.
	link := filepath.Join(t.TempDir(), "top-link.yaml")
	if err := os.Symlink(filepath.Join(root, "ok.yaml"), link); err != nil {
		t.Fatal(err)
	}
	if _, err := loadFile(t, link, Options{}); err != nil {
		t.Errorf("a linked top-level manifest: %v", err)
	}
}

func TestAbsolutePathInsideRoot(t *testing.T) {
	root := writeTree(t, map[string]string{"base.yaml": leaf})
	canon, _ := filepath.EvalSymlinks(root)
	top := filepath.Join(root, "top.yaml")
	if err := os.WriteFile(top, []byte(extending(filepath.Join(canon, "base.yaml"))), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadFile(t, top, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestLimits(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.yaml": extending("b.yaml"), "b.yaml": extending("c.yaml"), "c.yaml": leaf,
		"big.yaml":      leaf + "metadata: {blob: '" + strings.Repeat("x", 2000) + "'}\n",
		"uses-big.yaml": extending("big.yaml"),
		"p1.yaml":       leaf + "metadata: {one: '" + strings.Repeat("x", 1000) + "'}\n",
		"p2.yaml":       leaf + "metadata: {two: '" + strings.Repeat("y", 1000) + "'}\n",
		"both.yaml":     extending("p1.yaml", "p2.yaml"),
	})
	lim := acs.DefaultLimits()
	lim.MaxExtendsDepth = 2
	_, err := File(context.Background(), filepath.Join(root, "a.yaml"), Options{Limits: lim})
	wantErr(t, err, acs.ReasonResourceLimitExceeded, "max_extends_depth")
	lim.MaxExtendsDepth = 3
	if _, err := File(context.Background(), filepath.Join(root, "a.yaml"), Options{Limits: lim}); err != nil {
		t.Errorf("depth 3 with limit 3: %v", err)
	}
	lim = acs.DefaultLimits()
	lim.MaxMergedManifestBytes = 1500
	_, err = File(context.Background(), filepath.Join(root, "uses-big.yaml"), Options{Limits: lim})
	wantErr(t, err, acs.ReasonResourceLimitExceeded, "max_merged_manifest_bytes")
	// Each file fits, their merge does not.
	lim.MaxMergedManifestBytes = 1800
	_, err = File(context.Background(), filepath.Join(root, "both.yaml"), Options{Limits: lim})
	wantErr(t, err, acs.ReasonResourceLimitExceeded, "merged manifest")
}

func TestExtendsEntryForms(t *testing.T) {
	sha := strings.Repeat("a", 64)
	for _, tc := range []struct{ entry, substr string }{
		{`""`, "must not be empty"},
		{`"  "`, "must not be empty"},
		{`1`, "must be a path"},
		{`{sha256: ` + sha + `}`, "url is required"},
		{`{url: "http://x.invalid/a.yaml"}`, "unsupported URL scheme"},
		{`{url: "https://x.invalid/a.yaml", sha256: ` + sha + `, integrity: "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}`, "both"},
		{`{url: "https://x.invalid/a.yaml", sha256: abc}`, "64 hexadecimal"},
		{`{url: "https://x.invalid/a.yaml", integrity: "md5-abc"}`, "sha256-<base64>"},
		{`{url: "https://x.invalid/a.yaml", pin: x}`, "unknown member"},
		{`"ftp://x.invalid/a.yaml"`, "unsupported URL scheme"},
		{`"https://user:pw@x.invalid/a.yaml"`, "credentials"},
		{`"https://x.invalid/a.yaml#frag"`, "fragment"},
		{`"https://x.invalid/a.yaml"`, "not enabled"},
	} {
		t.Run(tc.entry, func(t *testing.T) {
			root := writeTree(t, map[string]string{"top.yaml": extending(tc.entry)})
			_, err := File(context.Background(), filepath.Join(root, "top.yaml"), Options{})
			wantErr(t, err, acs.ReasonManifestInvalid, tc.substr)
		})
	}
	root := writeTree(t, map[string]string{"top.yaml": "agent_control_specification_version: 0.3.1-beta\nextends: ./x.yaml\n"})
	_, err := File(context.Background(), filepath.Join(root, "top.yaml"), Options{})
	wantErr(t, err, acs.ReasonManifestInvalid, "must be an array")
}

func TestFileErrors(t *testing.T) {
	root := writeTree(t, map[string]string{
		"list.yaml":      "- a\n",
		"noversion.yaml": "policies: {}\n",
		"bad.yaml":       "a: [\n",
		"deep.yaml":      "agent_control_specification_version: 0.3.1-beta\nmetadata: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n",
		"huge.yaml":      "agent_control_specification_version: 0.3.1-beta\nmetadata: '" + strings.Repeat("x", 4096) + "'\n",
	})
	for file, want := range map[string]string{
		"missing.yaml":   acs.ReasonManifestInvalid,
		"list.yaml":      acs.ReasonManifestInvalid,
		"noversion.yaml": acs.ReasonManifestInvalid,
		"bad.yaml":       acs.ReasonManifestInvalid,
		"deep.yaml":      acs.ReasonResourceLimitExceeded,
	} {
		_, err := File(context.Background(), filepath.Join(root, file), Options{})
		wantErr(t, err, want, "")
	}
	lim := acs.DefaultLimits()
	lim.MaxMergedManifestBytes = 1024
	_, err := File(context.Background(), filepath.Join(root, "huge.yaml"), Options{Limits: lim})
	wantErr(t, err, acs.ReasonResourceLimitExceeded, "huge.yaml")
}
