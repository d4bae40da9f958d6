package detect

import (
	"slices"
	"sort"
)

// ResolveOverlaps turns candidate findings into findings with no two
// overlapping. Candidates are grouped into clusters of transitively
// overlapping spans; per cluster it keeps the candidate with the highest
// Score (then the longest span, then the earliest), then every further
// candidate, in that order of preference, that overlaps none kept so far.
// The result is ordered by Start, and nil when there are no candidates.
//
// ResolveOverlaps reorders fs and returns a prefix of it, so the caller
// must not use fs afterwards.
func ResolveOverlaps(fs []Finding) []Finding {
	if len(fs) == 0 {
		return nil
	}
	slices.SortFunc(fs, func(a, b Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	// kept shares fs's storage. It never grows past the element being
	// read: it holds at most one finding per candidate already read.
	kept := fs[:0]
	for i := 0; i < len(fs); {
		// A cluster is a maximal run of transitively overlapping spans.
		j, end := i+1, fs[i].End
		for j < len(fs) && fs[j].Start < end {
			end = max(end, fs[j].End)
			j++
		}
		cluster := fs[i:j]
		i = j
		if len(cluster) == 1 {
			kept = append(kept, cluster[0])
			continue
		}
		slices.SortStableFunc(cluster, preferred)
		first := len(kept)
		for _, x := range cluster {
			if !overlapsKept(kept[first:], x) {
				kept = append(kept, x)
			}
		}
		slices.SortFunc(kept[first:], func(a, b Finding) int { return a.Start - b.Start })
	}
	return kept
}

// preferred orders the candidates of one cluster, best first: highest
// score, then longest, then earliest.
func preferred(a, b Finding) int {
	switch {
	case a.Score != b.Score:
		if a.Score > b.Score {
			return -1
		}
		return 1
	case a.End-a.Start != b.End-b.Start:
		return (b.End - b.Start) - (a.End - a.Start)
	}
	return a.Start - b.Start
}

func overlapsKept(kept []Finding, x Finding) bool {
	for _, k := range kept {
		if x.Start < k.End && k.Start < x.End {
			return true
		}
	}
	return false
}

// OverlapsAny reports whether [start,end) overlaps any of spans, which are
// sorted and disjoint, as redact.TagSpans returns them.
func OverlapsAny(spans [][2]int, start, end int) bool {
	i := sort.Search(len(spans), func(i int) bool { return spans[i][1] > start })
	return i < len(spans) && spans[i][0] < end
}
