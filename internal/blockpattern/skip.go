package blockpattern

// skipper rules out, cheaply, a string that contains none of the substring
// patterns, so that the automaton runs only over strings that may hold
// one. The automaton must look at every byte and waits on one table load
// per byte; ordinary tool arguments hold no blocked pattern, and this
// filter (a Wu–Manber shift table over byte pairs) looks at about one
// position in every (shortest pattern − 1) of such text.
//
// It answers only "may match": when it finds a pattern, the automaton
// scans the whole string as before, so hits, their order and their
// reporting are exactly the automaton's.
type skipper struct {
	// m is the window: the length of the shortest pattern, capped so that
	// a shift fits a byte. Every pattern is at least m bytes long.
	m int
	// class and nclass are the automaton's byte classes (ASCII case
	// folded; bytes in no pattern share class 0).
	class  *[256]uint8
	nclass int
	// shift[x] is how far the window's end may move when its last two
	// bytes are the pair x (class(a)*nclass + class(b)); 0 means that
	// some pattern's first m bytes end with x, listed in cand[x].
	shift []uint8
	cand  [][]int32
	// byPair is shift indexed by the two bytes themselves (a<<8 | b):
	// one load per window instead of three. It costs 64 KiB per distinct
	// pattern list (profiles with the same list share a matcher), of
	// which ordinary text touches a few cache lines; a table by the first
	// byte's class (nclass*256 bytes) gained half as much.
	byPair *[1 << 16]uint8
	pats   []string // lower-cased
}

// minSkipWindow is the shortest pattern length worth a filter: below it
// the shifts are too small to beat the automaton.
const minSkipWindow = 4

func newSkipper(d *dfa, pats []string) *skipper {
	m := 255
	for _, p := range pats {
		m = min(m, len(p))
	}
	if m < minSkipWindow {
		return nil
	}
	n := int(d.nclass)
	k := &skipper{m: m, class: &d.class, nclass: n, shift: make([]uint8, n*n), cand: make([][]int32, n*n), pats: pats}
	for i := range k.shift {
		k.shift[i] = uint8(m - 1)
	}
	for pi, p := range pats {
		for q := 1; q < m; q++ {
			x := int(d.class[p[q-1]])*n + int(d.class[p[q]])
			k.shift[x] = min(k.shift[x], uint8(m-1-q))
		}
		x := int(d.class[p[m-2]])*n + int(d.class[p[m-1]])
		k.cand[x] = append(k.cand[x], int32(pi))
	}
	k.byPair = new([1 << 16]uint8)
	for a := range 256 {
		for b := range 256 {
			k.byPair[a<<8|b] = k.shift[int(d.class[a])*n+int(d.class[b])]
		}
	}
	return k
}

// mayMatch reports whether some pattern occurs in s, ignoring ASCII case.
// A false answer is exact; a true one is exact too, but callers only rely
// on it to decide whether to run the automaton.
func (k *skipper) mayMatch(s string) bool {
	m, n := k.m, k.nclass
	for i := m - 1; i < len(s); {
		if sh := k.byPair[uint16(s[i-1])<<8|uint16(s[i])]; sh != 0 {
			i += int(sh)
			continue
		}
		x := int(k.class[s[i-1]])*n + int(k.class[s[i]])
		// The window s[i-m+1 : i+1] ends like some pattern's first m
		// bytes: compare those patterns where they would start.
		start := i - m + 1
		for _, pi := range k.cand[x] {
			if hasFoldedPrefix(s[start:], k.pats[pi]) {
				return true
			}
		}
		i++
	}
	return false
}

// hasFoldedPrefix reports whether s begins with the lower-cased pattern p,
// folding ASCII case in s only (as the automaton does).
func hasFoldedPrefix(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if lowerASCII(s[i]) != lowerASCII(p[i]) {
			return false
		}
	}
	return true
}
