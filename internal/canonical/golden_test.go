package canonical

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.canon from the current implementation")

// TestGolden pins the exact bytes for realistic documents. Any change to these
// files changes every hash agentgov has ever recorded, so a diff here must be
// a deliberate, reviewed decision (go test -run TestGolden -update).
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no golden inputs found")
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Canonicalize(src)
			if err != nil {
				t.Fatalf("Canonicalize: %v", err)
			}
			goldenPath := strings.TrimSuffix(in, ".json") + ".canon"
			if *update {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("canonical form differs from %s\n got  %s\n want %s", goldenPath, got, want)
			}
			// The golden output must itself be a fixed point and mean
			// the same as the input.
			if again, err := Canonicalize(want); err != nil || !bytes.Equal(again, want) {
				t.Errorf("golden file is not canonical: %v", err)
			}
			if msg := keyOrderViolation(want); msg != "" {
				t.Error(msg)
			}
			var a, b any
			if err := json.Unmarshal(src, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &b); err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(a, b) {
				t.Errorf("golden output does not decode to the input's value")
			}
		})
	}
}
