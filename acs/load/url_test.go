package load

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/fetch"
)

// fakeFetcher serves manifests from memory. Like the real fetcher it
// verifies pins; the loader verifies them again regardless.
type fakeFetcher struct {
	bodies  map[string]string
	errs    map[string]error
	lax     bool // skip pin verification, to test the loader's own check
	fetched []string
}

func (f *fakeFetcher) Fetch(_ context.Context, rawURL string, pin acs.URLPin) ([]byte, error) {
	f.fetched = append(f.fetched, rawURL)
	if err, ok := f.errs[rawURL]; ok {
		return nil, err
	}
	body, ok := f.bodies[rawURL]
	if !ok {
		return nil, fmt.Errorf("%s: HTTP 404", rawURL)
	}
	if !f.lax {
		if err := fetch.VerifyPin(pin, []byte(body)); err != nil {
			return nil, err
		}
	}
	return []byte(body), nil
}

func hexPin(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func sriPin(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

const remoteLeaf = "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: test, verdict: {decision: allow}}}\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}}}\n"

func loadURL(t *testing.T, f *fakeFetcher, url, sha string) (*acs.Document, error) {
	t.Helper()
	doc, err := URL(context.Background(), url, sha, Options{Fetcher: f})
	if err != nil {
		return nil, err
	}
	_, err = acs.New(context.Background(), doc, acs.Options{})
	return doc, err
}

func TestURLTopLevel(t *testing.T) {
	const top = "https://policies.example/agents/top.yaml"
	f := &fakeFetcher{bodies: map[string]string{top: remoteLeaf}}
	doc, err := loadURL(t, f, top, "")
	if err != nil {
		t.Fatal(err)
	}
	if !doc.FromURL || doc.Pinned || doc.Policies["p"].URL != top || doc.Policies["p"].Dir != "" || doc.Name != top {
		t.Errorf("doc %+v", doc)
	}
	doc, err = loadURL(t, f, top, strings.ToUpper(hexPin(remoteLeaf)))
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Pinned {
		t.Error("a pinned load is not marked pinned")
	}
	for _, tc := range []struct{ url, sha, reason, substr string }{
		{"http://policies.example/top.yaml", "", acs.ReasonManifestInvalid, "unsupported URL scheme"},
		{"file:///etc/passwd", "", acs.ReasonManifestInvalid, "unsupported URL scheme"},
		{top, "abc", acs.ReasonManifestInvalid, "64 hexadecimal"},
		{top, " ", acs.ReasonManifestInvalid, "64 hexadecimal"},
		{top, hexPin("something else"), acs.ReasonManifestInvalid, "mismatch"},
		{"https://policies.example/missing.yaml", "", acs.ReasonManifestInvalid, "404"},
	} {
		_, err := loadURL(t, f, tc.url, tc.sha)
		wantErr(t, err, tc.reason, tc.substr)
	}
	_, err = URL(context.Background(), top, "", Options{})
	wantErr(t, err, acs.ReasonManifestInvalid, "not enabled")
}

// The loader checks size and pins itself, whatever the fetcher does.
func TestURLLoaderOwnChecks(t *testing.T) {
	const top = "https://policies.example/top.yaml"
	f := &fakeFetcher{bodies: map[string]string{top: remoteLeaf}, lax: true}
	_, err := loadURL(t, f, top, hexPin("tampered"))
	wantErr(t, err, acs.ReasonManifestInvalid, "does not match its pin")
	lim := acs.DefaultLimits()
	lim.MaxManifestURLBytes = 10
	_, err = URL(context.Background(), top, "", Options{Fetcher: f, Limits: lim})
	wantErr(t, err, acs.ReasonResourceLimitExceeded, "max_manifest_url_bytes")
	// A fetcher that reports the breach itself.
	f.errs = map[string]error{top: fmt.Errorf("reading: %w", fetch.ErrTooLarge)}
	_, err = URL(context.Background(), top, "", Options{Fetcher: f})
	wantErr(t, err, acs.ReasonResourceLimitExceeded, "max_manifest_url_bytes")
	f.errs = map[string]error{top: &acs.Error{Reason: acs.ReasonResourceLimitExceeded, Message: "too big"}}
	_, err = URL(context.Background(), top, "", Options{Fetcher: f})
	wantErr(t, err, acs.ReasonResourceLimitExceeded, "too big")
	f.errs = map[string]error{top: errors.New("connection refused")}
	_, err = URL(context.Background(), top, "", Options{Fetcher: f})
	wantErr(t, err, acs.ReasonManifestInvalid, "connection refused")
}

// Relative extends under a URL become sibling URLs; pins on object entries
// are checked; cycles across URLs are caught.
func TestURLExtends(t *testing.T) {
	base := "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: test, verdict: {decision: allow}}}\n"
	f := &fakeFetcher{bodies: map[string]string{
		"https://h.example/a/top.yaml":         "agent_control_specification_version: 0.3.1-beta\nextends: [base.yaml, ../shared/points.yaml, {url: 'https://other.example/tools.yaml', integrity: '" + sriPin("agent_control_specification_version: 0.3.1-beta\ntools: {t: {}}\n") + "'}]\n",
		"https://h.example/a/base.yaml":        base,
		"https://h.example/shared/points.yaml": "agent_control_specification_version: 0.3.1-beta\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}}}\n",
		"https://other.example/tools.yaml":     "agent_control_specification_version: 0.3.1-beta\ntools: {t: {}}\n",
		"https://h.example/cycle.yaml":         "agent_control_specification_version: 0.3.1-beta\nextends: [cycle2.yaml]\n",
		"https://h.example/cycle2.yaml":        "agent_control_specification_version: 0.3.1-beta\nextends: ['https://h.example/cycle.yaml']\n",
		"https://h.example/badpin.yaml":        "agent_control_specification_version: 0.3.1-beta\nextends: [{url: 'https://h.example/a/base.yaml', sha256: " + hexPin("other") + "}]\n",
	}}
	doc, err := loadURL(t, f, "https://h.example/a/top.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.fetched, " ") != "https://h.example/a/top.yaml https://h.example/a/base.yaml https://h.example/shared/points.yaml https://other.example/tools.yaml" {
		t.Errorf("fetched %v", f.fetched)
	}
	if doc.Pinned {
		t.Error("a chain with unpinned URLs is marked pinned")
	}
	_, err = loadURL(t, f, "https://h.example/cycle.yaml", "")
	wantErr(t, err, acs.ReasonManifestInvalid, "cycle")
	_, err = loadURL(t, f, "https://h.example/badpin.yaml", "")
	wantErr(t, err, acs.ReasonManifestInvalid, "mismatch")
}

// A URL-sourced manifest has no filesystem root and may not read host
// environment secrets (§2.3).
func TestURLSourcedRestrictions(t *testing.T) {
	const u = "https://h.example/m.yaml"
	head := "agent_control_specification_version: 0.3.1-beta\n"
	points := "intervention_points: {input: {policy_target: $snap.input, policy: {id: p}}}\n"
	for _, tc := range []struct{ name, body, substr string }{
		{"rego bundle", head + "policies: {p: {type: rego, query: q, bundle: ./b.tar.gz}}\n" + points, "policies.p.bundle"},
		{"cedar policy_path", head + "policies: {p: {type: cedar, policy_path: ./c}}\n" + points, "policies.p.policy_path"},
		{"cedar entities_path", head + "policies: {p: {type: cedar, policy_set: x, entities_path: ./e}}\n" + points, "policies.p.entities_path"},
		{"cedar schema_path", head + "policies: {p: {type: cedar, policy_set: x, schema_path: ./s}}\n" + points, "policies.p.schema_path"},
		{"adapter data", head + "policies: {p: {type: custom, adapter: a, data: ./d}}\n" + points, "policies.p.data"},
		{"adapter data_paths", head + "policies: {p: {type: rego, query: q, data_paths: [./d]}}\n" + points, "policies.p.data_paths"},
		{"binding data_paths", head + "policies: {p: {type: test}}\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p, data_paths: [./d]}}}\n", "policy.data_paths"},
		{"system_prompt_file", head + "policies: {p: {type: test}}\n" + points + "annotators: {a: {type: llm, system_prompt_file: ./p.txt}}\n", "annotators.a.system_prompt_file"},
		{"api_key_env", head + "policies: {p: {type: test}}\n" + points + "annotators: {a: {type: llm, api_key_env: OPENAI_API_KEY}}\n", "annotators.a.api_key_env"},
		{"aws env", head + "policies: {p: {type: test}}\n" + points + "annotators: {a: {type: llm, aws_secret_access_key_env: X}}\n", "aws_secret_access_key_env"},
		{"binding api_key_env", head + "policies: {p: {type: test}}\nannotators: {a: {type: llm}}\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}, annotations: {a: {from: $snap, api_key_env: K}}}}\n", "annotations.a.api_key_env"},
		{"binding system_prompt_file", head + "policies: {p: {type: test}}\nannotators: {a: {type: llm}}\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}, annotations: {a: {from: $snap, system_prompt_file: x}}}}\n", "annotations.a.system_prompt_file"},
		{"unpinned bundle_url", head + "policies: {p: {type: rego, query: q, bundle_url: {url: 'https://h.example/b.tar.gz', sha256: " + strings.Repeat("a", 64) + "}}}\n" + points, "bundle_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeFetcher{bodies: map[string]string{u: tc.body}}
			_, err := loadURL(t, f, u, "")
			wantErr(t, err, acs.ReasonManifestInvalid, tc.substr)
		})
	}
}

// bundle_url is allowed in a URL-sourced manifest only when every URL load
// of the chain is pinned; path and secret fields stay forbidden even then.
func TestURLBundleURLPinnedChain(t *testing.T) {
	parent := "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: rego, query: q, bundle_url: {url: 'https://h.example/b.tar.gz', sha256: " + strings.Repeat("a", 64) + "}}}\n"
	pinnedTop := "agent_control_specification_version: 0.3.1-beta\nextends: [{url: 'https://h.example/parent.yaml', sha256: " + hexPin(parent) + "}]\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}}}\n"
	unpinnedTop := "agent_control_specification_version: 0.3.1-beta\nextends: [parent.yaml]\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}}}\n"
	f := &fakeFetcher{bodies: map[string]string{
		"https://h.example/parent.yaml":   parent,
		"https://h.example/pinned.yaml":   pinnedTop,
		"https://h.example/unpinned.yaml": unpinnedTop,
	}}
	doc, err := loadURL(t, f, "https://h.example/pinned.yaml", hexPin(pinnedTop))
	if err != nil {
		t.Fatalf("fully pinned chain: %v", err)
	}
	if !doc.Pinned || doc.Policies["p"].URL != "https://h.example/parent.yaml" {
		t.Errorf("doc %+v", doc.Policies)
	}
	_, err = loadURL(t, f, "https://h.example/pinned.yaml", "")
	wantErr(t, err, acs.ReasonManifestInvalid, "bundle_url")
	_, err = loadURL(t, f, "https://h.example/unpinned.yaml", hexPin(unpinnedTop))
	wantErr(t, err, acs.ReasonManifestInvalid, "bundle_url")
}

// A file manifest may extend a URL; the environment-secret rule then
// applies to a local declaration overlaid by a remote binding and to a
// remote declaration overlaid by a local one.
func TestFileExtendsURL(t *testing.T) {
	remoteDecl := "agent_control_specification_version: 0.3.1-beta\nannotators: {judge: {type: llm, endpoint: 'https://evil.example'}}\n"
	remoteBinding := "agent_control_specification_version: 0.3.1-beta\nintervention_points: {input: {annotations: {judge: {from: $snap, endpoint: 'https://evil.example'}}}}\n"
	f := &fakeFetcher{bodies: map[string]string{
		"https://h.example/decl.yaml":    remoteDecl,
		"https://h.example/binding.yaml": remoteBinding,
		"https://h.example/leaf.yaml":    remoteLeaf,
	}}
	root := writeTree(t, map[string]string{
		"ok.yaml":             extending("{url: 'https://h.example/leaf.yaml', sha256: "+hexPin(remoteLeaf)+"}") + "metadata: {local: true}\n",
		"local-secret.yaml":   extending("'https://h.example/binding.yaml'") + "policies: {p: {type: test}}\nannotators: {judge: {type: llm, api_key_env: OPENAI_API_KEY}}\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}}}\n",
		"local-binding.yaml":  extending("'https://h.example/decl.yaml'") + "policies: {p: {type: test}}\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}, annotations: {judge: {from: $snap, api_key_env: OPENAI_API_KEY}}}}\n",
		"local-ok-local.yaml": "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: test}}\nannotators: {judge: {type: llm, api_key_env: OPENAI_API_KEY}}\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}, annotations: {judge: {from: $snap}}}}\n",
	})
	doc, err := File(context.Background(), filepath.Join(root, "ok.yaml"), Options{Fetcher: f})
	if err != nil {
		t.Fatal(err)
	}
	if doc.FromURL || !doc.Pinned || doc.Policies["p"].URL != "https://h.example/leaf.yaml" {
		t.Errorf("doc %+v", doc)
	}
	// Engines fetch through the loader's fetcher, pins verified.
	if doc.Policies["p"].Fetch == nil {
		t.Fatal("no Source.Fetch")
	}
	if _, err := doc.Policies["p"].Fetch(context.Background(), acs.URLPin{URL: "https://h.example/leaf.yaml", SHA256: hexPin("x")}); err == nil {
		t.Error("Source.Fetch accepted a mismatched pin")
	}
	for _, file := range []string{"local-secret.yaml", "local-binding.yaml"} {
		_, err := File(context.Background(), filepath.Join(root, file), Options{Fetcher: f})
		wantErr(t, err, acs.ReasonManifestInvalid, "api_key_env")
	}
	if _, err := File(context.Background(), filepath.Join(root, "local-ok-local.yaml"), Options{Fetcher: f}); err != nil {
		t.Errorf("an all-local secret field: %v", err)
	}
}
