// Package detecttest is the test harness the content detectors share:
// labelled corpora written in markup and scored span-exact, the invariants
// every finding must satisfy, concurrency and linear-time checks, and
// benchmark inputs.
package detecttest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
)

// Corpus describes a detector's labelled corpus and how to score it.
type Corpus struct {
	// Match says when a finding counts as a labelled entity.
	Match Matching
	// Known reports whether a label's type is in the detector's
	// vocabulary.
	Known func(typ string) bool
	// TypeWidth is the width of the type column of the score table.
	TypeWidth int
	// ErrorsEnv names an environment variable: when it is set, Score also
	// logs every false positive, false negative and type disagreement.
	ErrorsEnv string
	// Update rewrites the JSONL files from the markup instead of checking
	// them (the test binary's -update flag).
	Update bool
}

// Load reads testdata/<split>.txt, checks (or with Update writes)
// testdata/<split>.jsonl, and returns the rows.
func (c Corpus) Load(t testing.TB, split string) []Row {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", split+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ParseMarkup(string(src))
	if err != nil {
		t.Fatal(err)
	}
	want := EncodeJSONL(rows)
	path := filepath.Join("testdata", split+".jsonl")
	if c.Update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date with %s.txt; run go test -run TestCorpusFiles -update", path, split)
	}
	return rows
}

// Texts returns the documents of the splits, in order.
func (c Corpus) Texts(t testing.TB, splits ...string) []string {
	t.Helper()
	var texts []string
	for _, name := range splits {
		for _, r := range c.Load(t, name) {
			texts = append(texts, r.Text)
		}
	}
	return texts
}

// CheckFiles loads the splits, which checks their JSONL against their
// markup, and reports every label whose type is not Known.
func (c Corpus) CheckFiles(t testing.TB, splits ...string) {
	t.Helper()
	for _, name := range splits {
		for i, r := range c.Load(t, name) {
			for _, e := range r.Entities {
				if !c.Known(e.Type) {
					t.Errorf("%s row %d: unknown type %q", name, i, e.Type)
				}
			}
		}
	}
}

// Score loads a split, scores find on it and logs the table (and, with
// ErrorsEnv set, the errors).
func (c Corpus) Score(t testing.TB, split string, find detect.FindFunc) *Score {
	t.Helper()
	rows := c.Load(t, split)
	res := Evaluate(t, find, rows, c.Match)
	t.Logf("%s split, %d documents, %s:\n%s", split, len(rows), c.Match, res.Table(c.TypeWidth))
	if c.ErrorsEnv != "" && os.Getenv(c.ErrorsEnv) != "" {
		for _, e := range res.Errors {
			t.Log(e)
		}
	}
	return res
}
