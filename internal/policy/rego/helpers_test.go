package rego

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/acs"
)

// testdataDir is the absolute path of this package's testdata directory.
func testdataDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// sharedDir finds ../shared (AGENTGOV_SHARED_DIR, default <module root>/../shared).
// It skips the test when the directory is missing, unless CI=true.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("AGENTGOV_SHARED_DIR")
	if dir == "" {
		root, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				t.Fatal("module root not found")
			}
			root = parent
		}
		dir = filepath.Join(root, "..", "shared")
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared directory %s missing: %v", dir, err)
		}
		t.Skipf("shared directory %s missing", dir)
	}
	return dir
}

// decodeJSON decodes s with UseNumber, the runtime's JSON value model.
func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// policyInputFromJSON builds an acs.PolicyInput from the wire form of a
// policy input (§7), as the golden fixture files hold it.
func policyInputFromJSON(t testing.TB, s string) *acs.PolicyInput {
	t.Helper()
	m, ok := decodeJSON(t, s).(map[string]any)
	if !ok {
		t.Fatalf("policy input is not an object: %s", s)
	}
	pt, _ := m["policy_target"].(map[string]any)
	in := &acs.PolicyInput{
		InterventionPoint: acs.Point(m["intervention_point"].(string)),
		Snapshot:          m["snapshot"],
	}
	if pt != nil {
		if k, ok := pt["kind"].(string); ok {
			in.PolicyTarget.Kind, in.PolicyTarget.HasKind = k, true
		}
		in.PolicyTarget.Path, _ = pt["path"].(string)
		in.PolicyTarget.Value = pt["value"]
	}
	if a, ok := m["annotations"].(map[string]any); ok {
		in.Annotations = a
	}
	if tool, ok := m["tool"].(map[string]any); ok {
		in.Tool = tool
	}
	return in
}

// textInput is a minimal input-point policy input whose target is
// {"text": text}, shared with the snapshot like the runtime does.
func textInput(text string) *acs.PolicyInput {
	target := map[string]any{"text": text}
	return &acs.PolicyInput{
		InterventionPoint: acs.Input,
		PolicyTarget:      acs.PolicyTarget{Kind: "user_input", HasKind: true, Path: "$snap.input", Value: target},
		Snapshot:          map[string]any{"input": target},
		Annotations:       map[string]any{},
	}
}

// prepare prepares spec with a fresh engine and fails the test on error.
func prepare(t testing.TB, opts Options, spec *acs.PolicySpec) acs.PreparedPolicy {
	t.Helper()
	p, err := New(opts).Prepare(context.Background(), spec)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return p
}

// eval evaluates in and fails the test on error.
func eval(t testing.TB, p acs.PreparedPolicy, in *acs.PolicyInput) any {
	t.Helper()
	v, err := p.Eval(context.Background(), in, nil)
	if err != nil {
		t.Fatalf("Eval: %v", err)
	}
	return v
}

// tarGz archives the directory dir as a gzipped tarball (an OPA bundle
// archive), with paths relative to dir.
func tarGz(t testing.TB, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = tw.Write(body)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
