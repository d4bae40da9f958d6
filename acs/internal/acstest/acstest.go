// Package acstest holds helpers shared by the tests of the acs packages.
package acstest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/canonical"
)

// SharedDir returns the shared material directory (AGENTGOV_SHARED_DIR,
// default <module root>/../shared). When it is missing the test is skipped
// locally and fails when CI=true, so CI never passes vacuously.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("AGENTGOV_SHARED_DIR")
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatalf("finding the module root: %v", err)
		}
		dir = filepath.Join(root, "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "acs-conformance")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared material not found at %s (set AGENTGOV_SHARED_DIR): %v", dir, err)
		}
		t.Skipf("shared material not found at %s (set AGENTGOV_SHARED_DIR)", dir)
	}
	return dir
}

// Conformance returns <shared>/acs-conformance.
func Conformance(t testing.TB) string {
	return filepath.Join(SharedDir(t), "acs-conformance")
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// ReadJSON decodes a JSON file with UseNumber.
func ReadJSON(t testing.TB, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Decode(t, b)
}

// Decode decodes JSON text with UseNumber.
func Decode(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %.80s: %v", b, err)
	}
	return v
}

// Canon returns the ACS canonical form of a JSON value.
func Canon(t testing.TB, v any) string {
	t.Helper()
	b, err := canonical.MarshalACS(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
