package code

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
)

// The labelled corpus: testdata/<split>/<language>.txt holds samples in
// the form
//
//	=== <id> <safe|unsafe> [EXPECTED_TYPE]
//	<code, up to the next header>
//
// Lines starting with "#" before the first header are comments. The dev
// split is what the detector was built against; the test split was
// written before the detector and is only evaluated, never tuned on.

type sample struct {
	id, lang, want string
	unsafe         bool
	code           string
}

func loadCorpus(t testing.TB, split string) []sample {
	t.Helper()
	var out []sample
	for _, l := range Languages() {
		b, err := os.ReadFile(filepath.Join("testdata", split, string(l)+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		var cur *sample
		var body []string
		flush := func() {
			if cur != nil {
				cur.code = strings.TrimRight(strings.Join(body, "\n"), "\n")
				out = append(out, *cur)
			}
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "=== ") {
				flush()
				f := strings.Fields(line[4:])
				if len(f) < 2 || (f[1] != "safe" && f[1] != "unsafe") {
					t.Fatalf("%s/%s.txt:%d: bad header %q", split, l, i+1, line)
				}
				cur = &sample{id: f[0], lang: string(l), unsafe: f[1] == "unsafe"}
				if len(f) > 2 {
					cur.want = f[2]
				}
				body = body[:0]
				continue
			}
			if cur == nil {
				if line != "" && !strings.HasPrefix(line, "#") {
					t.Fatalf("%s/%s.txt:%d: text before the first header", split, l, i+1)
				}
				continue
			}
			body = append(body, line)
		}
		flush()
	}
	return out
}

type confusion struct{ tp, fn, fp, tn, typeHit int }

func (c confusion) recall() float64 { return ratio(c.tp, c.tp+c.fn) }
func (c confusion) fpr() float64    { return ratio(c.fp, c.fp+c.tn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// evaluate runs the detector over a split and returns the confusion per
// language and overall (key ""), and the misclassified samples.
func evaluate(t testing.TB, samples []sample) (map[string]*confusion, []string) {
	d := New()
	per := map[string]*confusion{"": {}}
	var wrong []string
	for _, s := range samples {
		res, err := d.Detect(context.Background(), detect.Input{Text: s.code, Language: s.lang})
		if err != nil {
			t.Fatalf("%s: %v", s.id, err)
		}
		checkFindings(t, s.code, res.Findings)
		c := per[s.lang]
		if c == nil {
			c = &confusion{}
			per[s.lang] = c
		}
		for _, x := range []*confusion{c, per[""]} {
			switch {
			case s.unsafe && res.Flagged:
				x.tp++
				for _, f := range res.Findings {
					if f.Type == s.want && f.Severity.Rank() >= detect.High.Rank() {
						x.typeHit++
						break
					}
				}
			case s.unsafe:
				x.fn++
			case res.Flagged:
				x.fp++
			default:
				x.tn++
			}
		}
		if s.unsafe != res.Flagged {
			var types []string
			for _, f := range res.Findings {
				types = append(types, fmt.Sprintf("%s/%s %q", f.Type, f.Severity, f.Detail))
			}
			wrong = append(wrong, fmt.Sprintf("%s (%s, unsafe=%v): %v", s.id, s.lang, s.unsafe, types))
		}
	}
	return per, wrong
}

func table(per map[string]*confusion) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-11s %4s %4s %4s %4s %7s %6s %9s\n", "language", "tp", "fn", "fp", "tn", "recall", "fpr", "type-hit")
	for _, l := range append(Languages(), "") {
		c := per[string(l)]
		if c == nil {
			continue
		}
		name := string(l)
		if name == "" {
			name = "overall"
		}
		fmt.Fprintf(&b, "%-11s %4d %4d %4d %4d %7.3f %6.3f %9.3f\n", name, c.tp, c.fn, c.fp, c.tn, c.recall(), c.fpr(), ratio(c.typeHit, c.tp))
	}
	return b.String()
}

// Targets of the issue: recall ≥ 0.90 at a false-positive rate ≤ 0.10,
// overall and in every language.
const (
	minRecall = 0.90
	maxFPR    = 0.10
)

func checkSplit(t *testing.T, split string, showWrong bool) {
	per, wrong := evaluate(t, loadCorpus(t, split))
	t.Logf("%s split:\n%s", split, table(per))
	if showWrong {
		for _, w := range wrong {
			t.Log("misclassified: " + w)
		}
	}
	for l, c := range per {
		name := l
		if name == "" {
			name = "overall"
		}
		if c.tp+c.fn < 10 || c.fp+c.tn < 10 {
			t.Errorf("%s: too few samples (%d unsafe, %d safe)", name, c.tp+c.fn, c.fp+c.tn)
		}
		if c.recall() < minRecall {
			t.Errorf("%s: recall %.3f below %.2f", name, c.recall(), minRecall)
		}
		if c.fpr() > maxFPR {
			t.Errorf("%s: false-positive rate %.3f above %.2f", name, c.fpr(), maxFPR)
		}
	}
}

// TestDevCorpus reports the dev split and lists what it gets wrong.
func TestDevCorpus(t *testing.T) { checkSplit(t, "dev", true) }

// TestHeldOutCorpus reports the held-out split. It prints only the
// numbers: the split is not for tuning.
func TestHeldOutCorpus(t *testing.T) { checkSplit(t, "test", false) }

// checkFindings: spans are in range, on rune boundaries, non-empty,
// sorted; types are from the vocabulary; severities are valid.
func checkFindings(t testing.TB, text string, fs []detect.Finding) {
	t.Helper()
	types := FindingTypes()
	for i, f := range fs {
		if f.Start < 0 || f.End > len(text) || f.Start > f.End || (f.Start == f.End && len(text) > 0) {
			t.Fatalf("finding %d %+v: bad span for %d bytes", i, f, len(text))
		}
		if i > 0 && fs[i-1].Start > f.Start {
			t.Fatalf("findings not sorted: %+v then %+v", fs[i-1], f)
		}
		if f.Severity.Rank() == 0 {
			t.Fatalf("finding %+v: bad severity", f)
		}
		found := false
		for _, ty := range types {
			if ty == f.Type {
				found = true
			}
		}
		if !found {
			t.Fatalf("finding %+v: type not in the vocabulary", f)
		}
	}
}
