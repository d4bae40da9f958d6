package detect

import (
	"fmt"
	"slices"
	"testing"
)

func TestResolveOverlaps(t *testing.T) {
	f := func(typ string, start, end int, score float64) Finding {
		return Finding{Type: typ, Start: start, End: end, Score: score}
	}
	for _, tc := range []struct {
		name string
		in   []Finding
		want []Finding
	}{
		{"none", nil, nil},
		{"one", []Finding{f("A", 0, 3, 0.5)}, []Finding{f("A", 0, 3, 0.5)}},
		{"disjoint, reordered", []Finding{f("B", 5, 8, 0.5), f("A", 0, 3, 0.5)}, []Finding{f("A", 0, 3, 0.5), f("B", 5, 8, 0.5)}},
		{"higher score wins", []Finding{f("A", 0, 10, 0.5), f("B", 2, 5, 0.9)}, []Finding{f("B", 2, 5, 0.9)}},
		{"then longer", []Finding{f("A", 2, 5, 0.9), f("B", 0, 10, 0.9)}, []Finding{f("B", 0, 10, 0.9)}},
		{"then earlier", []Finding{f("B", 2, 6, 0.9), f("A", 0, 4, 0.9)}, []Finding{f("A", 0, 4, 0.9)}},
		{"equal candidates keep the first", []Finding{f("A", 0, 3, 0.9), f("B", 0, 3, 0.9)}, []Finding{f("A", 0, 3, 0.9)}},
		{
			// A chain: B overlaps A and C, which do not overlap each
			// other; when B loses, both ends are kept.
			"transitive cluster",
			[]Finding{f("A", 0, 4, 0.9), f("B", 3, 8, 0.5), f("C", 7, 10, 0.9), f("D", 12, 14, 0.1)},
			[]Finding{f("A", 0, 4, 0.9), f("C", 7, 10, 0.9), f("D", 12, 14, 0.1)},
		},
		{
			"runner-up kept when it overlaps nothing kept",
			[]Finding{f("A", 0, 10, 0.5), f("B", 0, 4, 0.9), f("C", 6, 10, 0.8)},
			[]Finding{f("B", 0, 4, 0.9), f("C", 6, 10, 0.8)},
		},
	} {
		got := ResolveOverlaps(slices.Clone(tc.in))
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, got, tc.want)
		}
	}
}

func TestOverlapsAny(t *testing.T) {
	spans := [][2]int{{2, 4}, {10, 12}}
	for _, tc := range []struct {
		start, end int
		want       bool
	}{
		{0, 2, false}, {0, 3, true}, {3, 4, true}, {4, 10, false}, {4, 11, true}, {11, 20, true}, {12, 20, false},
	} {
		if got := OverlapsAny(spans, tc.start, tc.end); got != tc.want {
			t.Errorf("[%d,%d): got %v", tc.start, tc.end, got)
		}
	}
	if OverlapsAny(nil, 0, 10) {
		t.Error("no spans overlap")
	}
}
