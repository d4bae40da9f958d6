package toolscan

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
)

// corpusRow is one labelled server of testdata/{dev,heldout}.jsonl: a
// scan record plus its label and the finding types a reviewer expects.
type corpusRow struct {
	Label string   `json:"label"`
	Types []string `json:"types"`
}

func loadCorpus(t testing.TB, split string) ([]Record, []corpusRow) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", split+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	var recs []Record
	var labels []corpusRow
	for sc.Scan() {
		rec, _, err := DecodeRecord(sc.Bytes())
		if err != nil {
			t.Fatalf("%s line %d: %v", split, len(recs)+1, err)
		}
		var lab corpusRow
		if err := json.Unmarshal(sc.Bytes(), &lab); err != nil {
			t.Fatal(err)
		}
		if lab.Label != "benign" && lab.Label != "malicious" {
			t.Fatalf("%s %s: label %q", split, rec.ID, lab.Label)
		}
		for _, typ := range lab.Types {
			if !slices.Contains(Types, typ) {
				t.Fatalf("%s %s: unknown type %q", split, rec.ID, typ)
			}
		}
		recs = append(recs, rec)
		labels = append(labels, lab)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs, labels
}

type quality struct {
	recall, fpr        float64
	mal, ben, tp, fp   int
	perType            map[string]*[3]int // TP, FP, FN
	misses, falseAlarm []string
}

// evaluate scores the scanner on a split: a malicious server is caught
// when any finding reaches FlagSeverity; a benign one is a false positive
// when it does. Per type, a finding of at least medium severity counts.
func evaluate(t testing.TB, split string) quality {
	t.Helper()
	recs, labels := loadCorpus(t, split)
	s := New()
	q := quality{perType: map[string]*[3]int{}}
	for _, typ := range Types {
		q.perType[typ] = &[3]int{}
	}
	for i, rec := range recs {
		fs, err := s.Scan(context.Background(), rec.Input)
		if err != nil {
			t.Fatalf("%s: %v", rec.ID, err)
		}
		flagged := Flagged(fs, FlagSeverity)
		found := map[string]bool{}
		for _, f := range fs {
			if f.Severity.Rank() >= detect.Medium.Rank() {
				found[f.Type] = true
			}
		}
		lab := labels[i]
		if lab.Label == "malicious" {
			q.mal++
			if flagged {
				q.tp++
			} else {
				q.misses = append(q.misses, fmt.Sprintf("%s %v: %s", rec.ID, lab.Types, describe(fs)))
			}
		} else {
			q.ben++
			if flagged {
				q.fp++
				q.falseAlarm = append(q.falseAlarm, fmt.Sprintf("%s: %s", rec.ID, describe(fs)))
			}
		}
		for _, typ := range Types {
			want := slices.Contains(lab.Types, typ)
			switch {
			case want && found[typ]:
				q.perType[typ][0]++
			case !want && found[typ] && lab.Label == "benign":
				q.perType[typ][1]++
			case want && !found[typ]:
				q.perType[typ][2]++
			}
		}
	}
	q.recall = float64(q.tp) / float64(max(q.mal, 1))
	q.fpr = float64(q.fp) / float64(max(q.ben, 1))
	return q
}

func describe(fs []Finding) string {
	var b []string
	for _, f := range fs {
		b = append(b, fmt.Sprintf("%s/%s@%s%s: %s", f.Type, f.Severity, f.Tool, f.Path, excerpt(f.Detail, 160)))
	}
	if len(b) == 0 {
		return "no findings"
	}
	return strings.Join(b, " | ")
}

func (q quality) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "servers: %d malicious, %d benign; recall %.3f (%d/%d), false-positive rate %.3f (%d/%d)\n",
		q.mal, q.ben, q.recall, q.tp, q.mal, q.fpr, q.fp, q.ben)
	fmt.Fprintf(&b, "%-24s %5s %5s %5s %9s %7s\n", "type", "TP", "FP", "FN", "precision", "recall")
	types := append([]string{}, Types...)
	sort.Strings(types)
	for _, typ := range types {
		c := q.perType[typ]
		p, r := ratio(c[0], c[0]+c[1]), ratio(c[0], c[0]+c[2])
		fmt.Fprintf(&b, "%-24s %5d %5d %5d %9.3f %7.3f\n", typ, c[0], c[1], c[2], p, r)
	}
	return b.String()
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Targets of the issue, on data the scanner was not developed on.
const (
	targetRecall = 0.90
	targetFPR    = 0.05
)

// devFloors hold development sets that are not fitted to the targets at
// the recall where they stand (testdata/README.md, round 18): each was
// read to fix false alarms and general misses, not every row.
var devFloors = map[string]float64{"dev-written-25": 0.675, "dev-written-27": 0.80, "dev-written-28": 0.80, "dev-written-29": 0.75,
	// Round 20's last two sets: their false alarms were fixed, their
	// misses not yet read.
	"dev-written-39": 0.80, "dev-written-40": 0.75,
	// Round 22's last sets: trained on by the second stage, not read.
	"dev-written-55": 0.80, "dev-written-56": 0.90,
	// Round 21's last set (precision-focused, 15 / 45): false alarms
	// partly fixed, misses not read.
	"dev-written-45": 0.70}

// devFPRCeilings hold development sets whose false alarms were not all
// fixed: dev-written-45's remaining six were read, not fixed (round 21).
var devFPRCeilings = map[string]float64{"dev-written-45": 0.14,
	// Round 22's last sets were measured once and trained on, not read.
	"dev-written-55": 0.067, "dev-written-56": 0.067}

func TestQualityDev(t *testing.T) {
	// The corpus tests are the package's long pole, under -race most of
	// all; they share nothing, so they share the cores.
	t.Parallel()
	for _, split := range trainingSplits(t) {
		q := evaluate(t, split)
		t.Logf("%s split:\n%s", split, q.table())
		if os.Getenv("TOOLSCAN_ERRORS") != "" {
			for _, m := range q.misses {
				t.Log("MISS ", m)
			}
			for _, m := range q.falseAlarm {
				t.Log("FALSE", m)
			}
		}
		// Development data is fitted: anything below the targets (or a
		// set's floor) here is a regression.
		floor, ceiling := targetRecall, targetFPR
		if f, ok := devFloors[split]; ok {
			floor = f
		}
		if c, ok := devFPRCeilings[split]; ok {
			ceiling = c
		}
		if q.recall < floor || q.fpr > ceiling {
			t.Errorf("%s: recall %.3f, false-positive rate %.3f", split, q.recall, q.fpr)
		}
	}
}

// TestQualityHeldOut reports the held-out splits, which development never
// looked at row by row and the second stage (model.go) never trained on,
// and fails below each set's gate.
//
// heldout is the generated split (the same generator as dev, other rows);
// the heldout-written sets were written by hand or by other authors in
// styles the scanner was not tuned on. Until round 22 most were below the
// targets and were held to regression floors; round 22's second stage
// (testdata/README.md, "Round 22") raised them. Each is now gated one
// server below the recall measured at the end of round 22 and at its
// false-positive rate, with the targets where the set meets them;
// the sets together are gated at the targets.
func TestQualityHeldOut(t *testing.T) {
	t.Parallel() // see TestQualityDev
	var mal, tp, ben, fp int
	for _, c := range []struct {
		split          string
		recall, maxFPR float64
	}{
		{"heldout", targetRecall, targetFPR},
		{"heldout-written", 0.875, targetFPR},
		{"heldout-written-2", 0.975, targetFPR},
		{"heldout-written-3", 0.95, targetFPR},
		{"heldout-written-4", 0.825, targetFPR},
		{"heldout-written-5", 0.90, targetFPR},
		{"heldout-written-6", 0.90, targetFPR},
		{"heldout-written-7", 0.925, targetFPR},
		{"heldout-written-8", 0.925, 0.075},
		{"heldout-written-9", 0.975, targetFPR},
		{"heldout-written-10", 0.925, targetFPR},
		{"heldout-written-11", 0.875, targetFPR},
		{"heldout-written-12", 0.90, targetFPR},
		{"heldout-written-13", 0.90, targetFPR},
		{"heldout-written-14", 0.875, targetFPR},
		// Round 23's word classes for Turkish, Vietnamese and Korean cost
		// this set one false alarm (and gained it one attack).
		{"heldout-written-15", 0.833, 0.10},
		{"heldout-written-16", 0.90, 0.067},
		{"heldout-written-17", 0.933, 0.067},
		{"heldout-written-18", 0.933, targetFPR},
		// Written by other authors after the second stage's first
		// version, measured blind once (testdata/README.md, "Round 22")
		// and once at the end of the round; never read.
		{"heldout-written-19", 0.90, 0.10},
		{"heldout-written-20", 0.70, 0.075},
		{"heldout-written-21", 0.766, 0.067},
		// Written by other authors in round 23, measured blind once
		// (testdata/README.md, "Round 23"); never read.
		{"heldout-written-22", 0.80, 0.034},
		{"heldout-written-23", 0.866, 0.067},
		// Written after round 23's changes, measured blind once with
		// them; never read.
		{"heldout-written-24", 0.70, 0.034},
		// Retraining the model on round 28's development sets moved one
		// more of heldout-written-25's honest servers above the model's
		// threshold (testdata/README.md, "Round 28").
		{"heldout-written-25", 0.80, 0.10},
		// Written by other authors in round 24, measured blind once
		// (testdata/README.md, "Round 24"); never read.
		{"heldout-written-26", 0.80, 0.025},
		{"heldout-written-27", 0.966, 0.10},
		// Written after round 24's changes, measured blind once with
		// them; never read.
		{"heldout-written-28", 0.966, 0.10},
		{"heldout-written-29", 0.85, 0.025},
		// heldout-written-30 measured 0.88 blind; one retraining of the
		// model in round 25 moved one of its servers below the model's
		// threshold and the next moved it back, so it is gated one
		// server below, as the others are (testdata/README.md, "Round 25").
		{"heldout-written-30", 0.84, targetFPR},
		// Written by other authors in round 25, measured blind once
		// (testdata/README.md, "Round 25"); never read.
		// Retraining the model on round 30's development sets lowered
		// two of heldout-written-31's attacks below the model's
		// threshold (testdata/README.md, "Round 30").
		{"heldout-written-31", 0.92, 0.058},
		{"heldout-written-32", 0.966, targetFPR},
		{"heldout-written-33", 0.80, 0.06},
		// Retraining the model on round 27's development sets moved one
		// more honest server of heldout-written-34 above its threshold
		// (testdata/README.md, "Round 27").
		{"heldout-written-34", 0.833, 0.134},
		{"heldout-written-35", 0.80, targetFPR},
		// Retraining the model on round 29's development sets moved one
		// of heldout-written-36's honest servers above the model's
		// threshold (testdata/README.md, "Round 29").
		{"heldout-written-36", 0.80, 0.067},
		// heldout-written-37 measured 0.06 blind; retraining the model on
		// round 26's development sets moved one more of its honest servers
		// above the model's threshold (testdata/README.md, "Round 26").
		{"heldout-written-37", 0.90, 0.08},
		// Written by other authors in round 26, measured blind once
		// (testdata/README.md, "Round 26"); never read.
		{"heldout-written-38", 0.933, targetFPR},
		{"heldout-written-39", 0.90, 0.167},
		{"heldout-written-40", 0.866, 0.134},
		// Written by other authors in round 27, measured blind once
		// (testdata/README.md, "Round 27"); never read. heldout-written-42
		// measured 0.967 blind and lost a server when the model was
		// retrained: it is gated one below that.
		{"heldout-written-41", 0.80, 0.09},
		{"heldout-written-42", 0.90, targetFPR},
		{"heldout-written-43", 0.90, 0.10},
		// Written by other authors in round 28, measured blind once
		// (testdata/README.md, "Round 28"); never read.
		{"heldout-written-44", 0.88, targetFPR},
		{"heldout-written-45", 0.92, 0.058},
		{"heldout-written-46", 0.92, 0.086},
		// Written by other authors in round 29, measured blind once
		// (testdata/README.md, "Round 29"); never read.
		{"heldout-written-47", 0.84, targetFPR},
		{"heldout-written-48", 0.84, targetFPR},
		{"heldout-written-49", 0.88, 0.058},
		// Written by other authors in round 30, measured blind once
		// (testdata/README.md, "Round 30"); never read.
		{"heldout-written-50", 0.96, 0.058},
		{"heldout-written-51", 0.84, 0.058},
		{"heldout-written-52", 0.88, targetFPR},
		// Written by other authors in round 31, measured blind once
		// (testdata/README.md, "Round 31"); never read.
		{"heldout-written-53", 0.96, 0.058},
		{"heldout-written-54", 0.76, targetFPR},
		{"heldout-written-55", 0.92, targetFPR},
	} {
		q := evaluate(t, c.split)
		t.Logf("%s split:\n%s", c.split, q.table())
		mal, tp, ben, fp = mal+q.mal, tp+q.tp, ben+q.ben, fp+q.fp
		if q.recall < c.recall {
			t.Errorf("%s recall %.3f < %.2f", c.split, q.recall, c.recall)
		}
		if q.fpr > c.maxFPR {
			t.Errorf("%s false-positive rate %.3f > %.2f", c.split, q.fpr, c.maxFPR)
		}
		// Every type is detected on most of the servers labelled with it.
		for typ, n := range q.perType {
			if c.split == "heldout" && n[0]+n[2] >= 5 && ratio(n[0], n[0]+n[2]) < 0.75 {
				t.Errorf("%s %s: per-type recall %.2f < 0.75", c.split, typ, ratio(n[0], n[0]+n[2]))
			}
		}
	}
	recall, fpr := ratio(tp, mal), ratio(fp, ben)
	t.Logf("all held-out sets: recall %.3f (%d/%d), false-positive rate %.3f (%d/%d)", recall, tp, mal, fpr, fp, ben)
	if recall < targetRecall || fpr > targetFPR {
		t.Errorf("all held-out sets: recall %.3f, false-positive rate %.3f; the targets are %.2f and %.2f", recall, fpr, targetRecall, targetFPR)
	}
}
