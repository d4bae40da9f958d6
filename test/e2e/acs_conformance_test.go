package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir is the shared material directory (AGENTGOV_SHARED_DIR, default
// <module root>/../shared): skipped locally when missing, a failure in CI.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("AGENTGOV_SHARED_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "acs", "acs_runner.py")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared material not found at %s (set AGENTGOV_SHARED_DIR): %v", dir, err)
		}
		t.Skipf("shared material not found at %s (set AGENTGOV_SHARED_DIR)", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestACSConformance drives the public ACS conformance cases and the
// fail-closed parity fixture through the binary with the maintainers'
// runner, which must pass every case and skip none.
func TestACSConformance(t *testing.T) {
	shared := sharedDir(t)
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is needed to run the ACS conformance runner")
		}
		t.Skip("python3 not found")
	}
	cmd := exec.Command(python, filepath.Join(shared, "acs", "acs_runner.py"), "--bin", binary,
		filepath.Join(shared, "acs-conformance", "cases"),
		filepath.Join(shared, "acs-conformance", "fail_closed_error_parity.json"))
	out, err := cmd.CombinedOutput()
	text := strings.TrimSpace(string(out))
	if err != nil {
		t.Fatalf("runner failed: %v\n%s", err, text)
	}
	lines := strings.Split(text, "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "39 passed, 0 failed") || !strings.HasSuffix(last, "0 skipped") {
		t.Errorf("runner summary %q, want 39 passed, 0 failed, 0 skipped\n%s", last, text)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "PASS ") && l != last {
			t.Errorf("runner line %q", l)
		}
	}
}
