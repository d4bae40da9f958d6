package injection

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
)

// row is one labelled example. Our own data (testdata/*.jsonl) and the
// shared smoke corpus use the same field names for what matters here.
type row struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Source string `json:"source"`
	// SourceType is the smoke corpus's name for Source.
	SourceType string `json:"source_type"`
	Label      int    `json:"label"` // ours: 1 attack, 0 benign
	// AttackClass is the smoke corpus's label ("benign" or an attack class).
	AttackClass string `json:"attack_class"`
	Lang        string `json:"lang"`
	Kind        string `json:"kind"`
	Split       string `json:"split"`
}

func (r row) attack() bool {
	if r.AttackClass != "" {
		return r.AttackClass != "benign"
	}
	return r.Label == 1
}

func (r row) source() detect.Source {
	s := r.Source
	if s == "" {
		s = r.SourceType
	}
	src, ok := detect.ParseSource(s)
	if !ok {
		return detect.SourceDocument
	}
	return src
}

func readRows(t testing.TB, path string) []row {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 8<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// sharedDir finds ../shared (AGENTGOV_SHARED_DIR, else next to the module
// root). Missing: skip locally, fail under CI=true.
func sharedDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("AGENTGOV_SHARED_DIR"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("module root not found")
		}
		dir = parent
	}
}

type quality struct {
	tp, fn, fp, tn int
	missed, false_ []string
}

func (q quality) recall() float64 { return float64(q.tp) / float64(max(q.tp+q.fn, 1)) }
func (q quality) fpr() float64    { return float64(q.fp) / float64(max(q.fp+q.tn, 1)) }

func evaluate(t testing.TB, d *Detector, rows []row) quality {
	t.Helper()
	var q quality
	for _, r := range rows {
		res, err := d.Detect(context.Background(), detect.Input{Text: r.Text, Source: r.source()})
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		switch a := r.attack(); {
		case a && res.Flagged:
			q.tp++
		case a:
			q.fn++
			q.missed = append(q.missed, fmt.Sprintf("%s %.3f %s", r.ID, res.Score, clip(r.Text)))
		case res.Flagged:
			q.fp++
			q.false_ = append(q.false_, fmt.Sprintf("%s %.3f %s %v", r.ID, res.Score, clip(r.Text), types(res.Findings)))
		default:
			q.tn++
		}
	}
	return q
}

func types(fs []detect.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Type)
	}
	return out
}

func clip(s string) string {
	if len(s) > 140 {
		return s[:140] + "…"
	}
	return s
}

func (q quality) report(t testing.TB, name string) {
	t.Helper()
	t.Logf("%s: recall %.3f (%d/%d), false-positive rate %.3f (%d/%d)", name, q.recall(), q.tp, q.tp+q.fn, q.fpr(), q.fp, q.fp+q.tn)
	if testing.Verbose() {
		for _, m := range q.missed {
			t.Logf("  missed: %s", m)
		}
		for _, f := range q.false_ {
			t.Logf("  false positive: %s", f)
		}
	}
}

// TestQualitySmokeCorpus reports recall and false-positive rate on the
// shared smoke corpus. It is development data only: nothing was fitted on
// it. The numbers are reported, not asserted, since the corpus is not ours.
func TestQualitySmokeCorpus(t *testing.T) {
	path := filepath.Join(sharedDir(t), "corpora", "prompt-injection-smoke.jsonl")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("smoke corpus missing: %v", err)
		}
		t.Skipf("smoke corpus missing: %v", err)
	}
	q := evaluate(t, New(), readRows(t, path))
	q.report(t, "smoke corpus")
}

// TestFalsePositivesByKind reports, for the record, how often benign text
// of each kind is flagged — among them the descriptive frames (security
// discussion, training material, detector documentation) that quote
// attacks without being attacks.
func TestFalsePositivesByKind(t *testing.T) {
	type tally struct{ fp, n int }
	by := map[string]*tally{}
	var kinds []string
	d := New()
	for _, r := range readRows(t, filepath.Join("testdata", "labelled.jsonl")) {
		if r.attack() {
			continue
		}
		res, err := d.Detect(context.Background(), detect.Input{Text: r.Text, Source: r.source()})
		if err != nil {
			t.Fatal(err)
		}
		if by[r.Kind] == nil {
			by[r.Kind] = &tally{}
			kinds = append(kinds, r.Kind)
		}
		by[r.Kind].n++
		if res.Flagged {
			by[r.Kind].fp++
		}
	}
	for _, k := range kinds {
		t.Logf("benign %-20s flagged %d/%d", k, by[k].fp, by[k].n)
	}
}
