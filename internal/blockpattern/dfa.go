package blockpattern

// dfa is an ASCII-case-insensitive Aho–Corasick automaton compiled to a
// full transition table. The gate runs it over every string argument of
// every tool call, so it must cost about a nanosecond per byte and nothing
// per call: the general-purpose library allocates an iterator, a copy of
// the haystack and a match per call, which cost more than the scan itself
// for the short strings tool arguments are.
type dfa struct {
	next [][256]int32 // next[state][byte]
	// out[state] lists the patterns that end at state, including those
	// reached through failure links.
	out [][]int
}

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
	for pi, p := range patterns {
		s := 0
		for i := 0; i < len(p); i++ {
			c := lowerASCII(p[i])
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
	d := &dfa{next: make([][256]int32, len(nodes)), out: make([][]int, len(nodes))}
	// Breadth-first: failure links and the full transition function.
	queue := []int{}
	for c := 0; c < 256; c++ {
		if n, ok := nodes[0].child[lowerASCII(byte(c))]; ok {
			d.next[0][c] = int32(n)
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
				d.next[s][c] = int32(n)
				if byte(c) == lc {
					nodes[n].fail = int(d.next[nodes[s].fail][c])
					queue = append(queue, n)
				}
			} else {
				d.next[s][c] = d.next[nodes[s].fail][c]
			}
		}
	}
	for i := range nodes {
		d.out[i] = nodes[i].out
	}
	return d
}

// scan calls hit for every pattern that occurs in s (possibly more than
// once per pattern).
func (d *dfa) scan(s string, hit func(pattern int)) {
	var st int32
	for i := 0; i < len(s); i++ {
		st = d.next[st][s[i]]
		if out := d.out[st]; out != nil {
			for _, p := range out {
				hit(p)
			}
		}
	}
}
