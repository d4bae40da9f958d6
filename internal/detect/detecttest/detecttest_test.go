package detecttest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
)

func TestParseMarkup(t *testing.T) {
	src := "%% comment line\nCall [[PHONE|555-0147]] or mail [[EMAIL|a@b.c]].\n%%%\nlist [[[ID|7]]] and [x]\n"
	rows, err := ParseMarkup(src)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"text":"Call 555-0147 or mail a@b.c.","entities":[{"type":"PHONE","start":5,"end":13},{"type":"EMAIL","start":22,"end":27}]}
{"text":"list [7] and [x]","entities":[{"type":"ID","start":6,"end":7}]}
`
	if got := string(EncodeJSONL(rows)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := ParseMarkup("bad [[TYPE value"); err == nil {
		t.Error("unterminated markup accepted")
	}
}

// fixedFind reports the same findings whatever the text.
func fixedFind(fs ...detect.Finding) detect.FindFunc {
	return func(string) ([]detect.Finding, error) { return fs, nil }
}

func TestEvaluate(t *testing.T) {
	rows := []Row{{
		Text:     "0123456789abcdef",
		Entities: []Span{{"A", 0, 2}, {"B", 4, 6}, {"C", 8, 10}},
	}}
	find := fixedFind(
		detect.Finding{Type: "A", Start: 0, End: 2},   // right
		detect.Finding{Type: "X", Start: 4, End: 6},   // right span, wrong type
		detect.Finding{Type: "A", Start: 12, End: 14}, // unlabelled
	)
	for _, tc := range []struct {
		m      Matching
		counts string
		errors []string
	}{
		{TypeAndSpan, "A{1 1 0} B{0 0 1} C{0 0 1} X{0 1 0}", []string{
			`row 0 FN B "45"`, `row 0 FN C "89"`, `row 0 FP A "cd"`, `row 0 FP X "45"`,
		}},
		{SpanOnly, "(unlabelled){0 1 0} A{1 0 0} B{1 0 0} C{0 0 1}", []string{
			`row 0 FN C "89"`, `row 0 FP A "cd"`, `row 0 type X labelled B`,
		}},
	} {
		res := Evaluate(t, find, rows, tc.m)
		var counts []string
		for _, line := range strings.Split(strings.TrimSpace(res.Table(12)), "\n")[1:] {
			f := strings.Fields(line)
			counts = append(counts, fmt.Sprintf("%s{%s %s %s}", f[0], f[1], f[2], f[3]))
		}
		if got := strings.Join(counts[:len(counts)-1], " "); got != tc.counts {
			t.Errorf("%v counts: got %s, want %s", tc.m, got, tc.counts)
		}
		if fmt.Sprint(res.Errors) != fmt.Sprint(tc.errors) {
			t.Errorf("%v errors: got %q, want %q", tc.m, res.Errors, tc.errors)
		}
	}
}

func TestCounts(t *testing.T) {
	c := Counts{TP: 3, FP: 1, FN: 2}
	if got := fmt.Sprintf("%.3f %.3f %.3f", c.Precision(), c.Recall(), c.F1()); got != "0.750 0.600 0.667" {
		t.Errorf("got %s", got)
	}
	if got := (Counts{}); got.Precision() != 1 || got.Recall() != 1 || got.F1() != 1 {
		t.Errorf("empty counts: %v %v %v", got.Precision(), got.Recall(), got.F1())
	}
	if got := (Counts{FP: 1, FN: 1}).F1(); got != 0 {
		t.Errorf("all wrong: F1 %v", got)
	}
	s := &Score{PerType: map[string]*Counts{"A": {1, 2, 3}, "B": {10, 20, 30}}}
	if got := s.Micro("B"); got != (Counts{10, 20, 30}) {
		t.Errorf("Micro(B) = %v", got)
	}
	if got := s.Micro(); got != (Counts{11, 22, 33}) {
		t.Errorf("Micro() = %v", got)
	}
}

func TestRepeatTo(t *testing.T) {
	for _, n := range []int{0, 1, 5, 6, 13} {
		if got := RepeatTo("abcdef", n); len(got) != n || !strings.HasPrefix("abcdefabcdefabcdef", got) {
			t.Errorf("RepeatTo(%d) = %q", n, got)
		}
	}
}
