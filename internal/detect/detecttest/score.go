package detecttest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
)

// Matching says when a finding is a true positive. Both ways are
// span-exact: overlap scoring would forgive wrong span conventions (a phone
// number without its "+44", a name with its "Dr."), which redaction cannot
// forgive.
type Matching int

const (
	// TypeAndSpan: the finding's type, start and end all equal a labelled
	// entity's; a finding of another type on a labelled span is a false
	// positive of its type and leaves a false negative of the label's.
	TypeAndSpan Matching = iota
	// SpanOnly: the finding's start and end equal a labelled entity's, of
	// whatever type, for detectors whose rules may rightly claim one value
	// under several types. Counts go to the labelled type; unlabelled
	// findings are false positives of the row "(unlabelled)", and type
	// disagreements are listed with the errors.
	SpanOnly
)

// String describes the matching in the score table's heading.
func (m Matching) String() string {
	if m == SpanOnly {
		return "span-exact (rows by labelled type)"
	}
	return "span-exact"
}

// Unlabelled is the Score row of SpanOnly's false positives.
const Unlabelled = "(unlabelled)"

// Counts are true positives, false positives and false negatives.
type Counts struct{ TP, FP, FN int }

// Precision is TP/(TP+FP), 1 when nothing was found.
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 1 when nothing was labelled.
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Score is a detector's result on a split.
type Score struct {
	// PerType holds the counts of every type labelled or found.
	PerType map[string]*Counts
	// Errors describe the false positives, false negatives and (with
	// SpanOnly) type disagreements, one a line, sorted.
	Errors []string
}

// Micro sums the counts of types (nil: of every type).
func (s *Score) Micro(types ...string) Counts {
	var sum Counts
	for typ, c := range s.PerType {
		if len(types) > 0 && !slices.Contains(types, typ) {
			continue
		}
		sum.TP += c.TP
		sum.FP += c.FP
		sum.FN += c.FN
	}
	return sum
}

// Evaluate runs find on every row and scores the findings against the
// labels.
func Evaluate(t testing.TB, find detect.FindFunc, rows []Row, m Matching) *Score {
	t.Helper()
	res := &Score{PerType: map[string]*Counts{}}
	get := func(typ string) *Counts {
		if res.PerType[typ] == nil {
			res.PerType[typ] = &Counts{}
		}
		return res.PerType[typ]
	}
	// key is what a finding must share with a label; the map below goes
	// from it to the label's type.
	key := func(typ string, start, end int) Span {
		if m == SpanOnly {
			typ = ""
		}
		return Span{typ, start, end}
	}
	for i, row := range rows {
		found, err := find(row.Text)
		if err != nil {
			t.Fatal(err)
		}
		gold := map[Span]string{}
		for _, g := range row.Entities {
			gold[key(g.Type, g.Start, g.End)] = g.Type
			get(g.Type)
		}
		for _, f := range found {
			k := key(f.Type, f.Start, f.End)
			if typ, ok := gold[k]; ok {
				get(typ).TP++
				delete(gold, k)
				if typ != f.Type {
					res.Errors = append(res.Errors, fmt.Sprintf("row %d type %s labelled %s", i, f.Type, typ))
				}
				continue
			}
			fpRow := f.Type
			if m == SpanOnly {
				fpRow = Unlabelled
			}
			get(fpRow).FP++
			res.Errors = append(res.Errors, fmt.Sprintf("row %d FP %s %q", i, f.Type, row.Text[f.Start:f.End]))
		}
		for g, typ := range gold {
			get(typ).FN++
			res.Errors = append(res.Errors, fmt.Sprintf("row %d FN %s %q", i, typ, row.Text[g.Start:g.End]))
		}
	}
	sort.Strings(res.Errors)
	return res
}

// Table renders the counts, precision, recall and F1 per type and
// micro-averaged, with a type column typeWidth wide.
func (s *Score) Table(typeWidth int) string {
	var b strings.Builder
	types := make([]string, 0, len(s.PerType))
	for typ := range s.PerType {
		types = append(types, typ)
	}
	sort.Strings(types)
	fmt.Fprintf(&b, "%-*s %5s %5s %5s %6s %6s %6s\n", typeWidth, "type", "tp", "fp", "fn", "P", "R", "F1")
	row := func(name string, c Counts) {
		fmt.Fprintf(&b, "%-*s %5d %5d %5d %6.3f %6.3f %6.3f\n", typeWidth, name, c.TP, c.FP, c.FN, c.Precision(), c.Recall(), c.F1())
	}
	for _, typ := range types {
		row(typ, *s.PerType[typ])
	}
	row("micro", s.Micro())
	return b.String()
}
