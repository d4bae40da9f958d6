package blockpattern

// dfa is an ASCII-case-insensitive Aho–Corasick automaton compiled to a
// full transition table. The gate runs it over every string argument of
// every tool call, so it must cost about a nanosecond per byte and nothing
// per call: the general-purpose library allocates an iterator, a copy of
// the haystack and a match per call, which cost more than the scan itself
// for the short strings tool arguments are.
type dfa struct {
	// Bytes that occur in no pattern behave alike, as do the two cases of
	// a letter: the table has one column per byte class, not per byte,
	// so that it stays small enough for the L1 cache. States are stored
	// premultiplied by the number of classes.
	class  [256]uint8
	nclass int32
	next   []int32 // next[state*nclass+class]
	// out[state] lists the patterns that end at state, including those
	// reached through failure links.
	out [][]int
}

// outFlag marks a transition into a state where patterns end, so that the
// scan loop tests a bit instead of loading the output list per byte.
const outFlag = 1 << 30

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

func buildDFA(patterns []string) *dfa {
	// Trie over lower-cased patterns.
	type node struct {
		child map[byte]int
		fail  int
		out   []int
	}
	nodes := []node{{child: map[byte]int{}}}
	var used [256]bool
	for pi, p := range patterns {
		s := 0
		for i := 0; i < len(p); i++ {
			c := lowerASCII(p[i])
			used[c] = true
			n, ok := nodes[s].child[c]
			if !ok {
				n = len(nodes)
				nodes = append(nodes, node{child: map[byte]int{}})
				nodes[s].child[c] = n
			}
			s = n
		}
		nodes[s].out = append(nodes[s].out, pi)
	}
	next := make([][256]int32, len(nodes))
	// Breadth-first: failure links and the full transition function.
	queue := []int{}
	for c := 0; c < 256; c++ {
		if n, ok := nodes[0].child[lowerASCII(byte(c))]; ok {
			next[0][c] = int32(n)
			nodes[n].fail = 0
			queue = append(queue, n)
		}
	}
	seen := map[int]bool{}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if seen[s] {
			continue
		}
		seen[s] = true
		nodes[s].out = append(nodes[s].out, nodes[nodes[s].fail].out...)
		for c := 0; c < 256; c++ {
			lc := lowerASCII(byte(c))
			if n, ok := nodes[s].child[lc]; ok {
				next[s][c] = int32(n)
				if byte(c) == lc {
					nodes[n].fail = int(next[nodes[s].fail][c])
					queue = append(queue, n)
				}
			} else {
				next[s][c] = next[nodes[s].fail][c]
			}
		}
	}
	d := &dfa{nclass: 1, out: make([][]int, len(nodes))}
	// Class 0 is every byte that occurs in no pattern (it leads to the
	// root from everywhere); each pattern byte, case folded, gets its own.
	for c := 0; c < 256; c++ {
		lc := lowerASCII(byte(c))
		if lc != byte(c) {
			continue
		}
		if used[lc] {
			d.class[c] = uint8(d.nclass)
			d.nclass++
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		d.class[c] = d.class[c+('a'-'A')]
	}
	d.next = make([]int32, len(nodes)*int(d.nclass))
	for st := range nodes {
		for c := 0; c < 256; c++ {
			to := next[st][c]
			v := to * d.nclass
			if len(nodes[to].out) > 0 {
				v |= outFlag
			}
			d.next[st*int(d.nclass)+int(d.class[c])] = v
		}
		d.out[st] = nodes[st].out
	}
	return d
}

// scan calls hit for every pattern that occurs in s (possibly more than
// once per pattern).
func (d *dfa) scan(s string, hit func(pattern int)) {
	var st int32
	for i := 0; i < len(s); i++ {
		st = d.next[st&^outFlag+int32(d.class[s[i]])]
		if st&outFlag != 0 {
			out := d.out[(st&^outFlag)/d.nclass]
			for _, p := range out {
				hit(p)
			}
		}
	}
}
