package pii

import (
	"net/netip"
	"sort"

	"github.com/agentgov/agentgov/internal/detect"
)

// The number scanner reads a "run": digit groups joined by tight
// separators (- . /), parentheses and a leading '+', and clusters of those
// joined by single spaces ("+44 20 7946 0958" is four clusters,
// "123-45-6789" one). A candidate is a contiguous range of clusters, so
// that "SSN 123-45-6789 2024" can yield the SSN without the year, while a
// separator never splits a tight cluster ("45-6789" is never a candidate).
// From each cluster the longest range that some type accepts wins.

const (
	sepDash  = 1 << iota // 123-45
	sepDot               // 1.2
	sepSlash             // 12/03
	sepParen             // (212)
)

const (
	maxGroups   = 48
	maxClusters = 24
	maxRange    = 6 // clusters in one candidate ("+1 (212) 555 01 47" is five)
)

type digitGroup struct{ s, e int }

type cluster struct {
	s, e   int // byte span, including '+' and parentheses
	g0, g1 int // digit groups [g0,g1)
	seps   int
	glued  bool // touches a word: "12ms", "INV-2024", "v1.2"
}

// numberRun is the parse of one run, kept on the stack.
type numberRun struct {
	groups   [maxGroups]digitGroup
	ng       int
	clusters [maxClusters]cluster
	nc       int
	plus     bool
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumbers walks the text once and hands every run to classifyRun.
func (s *scan) scanNumbers() {
	text := s.text
	n := len(text)
	var r numberRun
	for i := 0; i < n; {
		c := text[i]
		start := isDigit(c) || (c == '+' || c == '(') && i+1 < n && isDigit(text[i+1])
		if !start {
			i++
			continue
		}
		if s.joinsLeft(i) {
			// Inside a word (hex hashes, "A12345678", "x86"): skip it.
			i++
			for i < n && isWordByte(text[i]) {
				i++
			}
			continue
		}
		end := s.parseRun(&r, i)
		s.classifyRun(&r)
		if end <= i {
			end = i + 1
		}
		i = end
	}
}

// parseRun fills r with the run starting at i and returns its end.
func (s *scan) parseRun(r *numberRun, i int) int {
	text := s.text
	n := len(text)
	r.ng, r.nc = 0, 0
	r.plus = false
	pos := i
	if text[pos] == '+' {
		r.plus = true
		pos++
	}
	cs, g0, seps, lastEnd := i, 0, 0, i
	closeCluster := func() {
		if r.nc < maxClusters {
			r.clusters[r.nc] = cluster{s: cs, e: lastEnd, g0: g0, g1: r.ng, seps: seps}
			r.nc++
		}
	}
	for {
		paren := false
		if pos < n && text[pos] == '(' && pos+1 < n && isDigit(text[pos+1]) {
			paren = true
			pos++
		}
		gs := pos
		for pos < n && isDigit(text[pos]) {
			pos++
		}
		if pos-gs > 24 {
			// A long digit string (hash, key, big integer): no candidate.
			r.ng, r.nc = 0, 0
			return pos
		}
		ge := pos
		if paren {
			if pos < n && text[pos] == ')' {
				pos++
				seps |= sepParen
			} else {
				// Unbalanced: the run ends before the '('.
				break
			}
		}
		r.groups[r.ng] = digitGroup{gs, ge}
		r.ng++
		lastEnd = pos
		if r.ng == maxGroups || r.nc == maxClusters-1 || pos >= n {
			break
		}
		c := text[pos]
		if isDigit(c) { // "(0)20": a digit right after ')'
			continue
		}
		if pos+1 >= n {
			break
		}
		nx := text[pos+1]
		if (c == '-' || c == '.' || c == '/') && (isDigit(nx) || nx == '(') {
			switch c {
			case '-':
				seps |= sepDash
			case '.':
				seps |= sepDot
			default:
				seps |= sepSlash
			}
			pos++
			continue
		}
		if w := spaceWidth(text, pos); w > 0 && pos+w < n && (isDigit(text[pos+w]) || text[pos+w] == '(' && pos+w+1 < n && isDigit(text[pos+w+1])) {
			closeCluster()
			pos += w
			cs, g0, seps = pos, r.ng, 0
			continue
		}
		break
	}
	if r.ng > 0 && (r.nc == 0 || r.clusters[r.nc-1].g1 < r.ng) {
		closeCluster()
	}
	pos = lastEnd
	// Glue: a run that continues a word on the left ("INV-2024", "v1.2",
	// "/orders/123") or the right ("12ms", "2024-05-13T08", "1.2.3-beta")
	// is part of an identifier, not a number of its own.
	if r.nc > 0 {
		first := &r.clusters[0]
		if i >= 2 {
			p, pp := text[i-1], text[i-2]
			switch {
			case (p == '-' || p == '_' || p == '.' || p == '/') && isGlueByte(pp):
				first.glued = true
			case p == ':' && isDigit(pp): // 10:22:01
				first.glued = true
			case p == ',' && isDigit(pp) && first.g1-first.g0 == 1 && r.groups[first.g0].e-r.groups[first.g0].s == 3:
				first.glued = true // 1,280
			case p == '#' && isWordByte(pp):
				first.glued = true
			}
		}
		if i >= 1 && text[i-1] == '$' {
			first.glued = true
		}
		last := &r.clusters[r.nc-1]
		e := last.e
		if e+1 < n {
			c, nx := text[e], text[e+1]
			switch {
			case c == '-' || c == '_' || c == '.' || c == '/':
				last.glued = isGlueByte(nx)
			case c == ':':
				// 10:22 is a time; 10.0.0.1:8080 is an address and a port.
				last.glued = isWordByte(nx) && last.g1-last.g0 < 4
			case c == ',':
				last.glued = thousands(text, e+1) // 1,280,000
			}
		}
		if e < n && (s.joinsRight(e) || text[e] == '%' || text[e] == '@') {
			last.glued = true
		}
	}
	return pos
}

// isGlueByte reports bytes that join a number to its neighbour: word
// bytes and '*', the mask character. A masked value ("****(0100") must read
// as the word it replaced, or masking would expose new numbers and
// redaction would not be idempotent.
func isGlueByte(c byte) bool { return isWordByte(c) || c == '*' }

// joinsLeft reports whether the text before i continues a word: a glue
// byte, or the end of a redaction tag (which, like a mask, stands for the
// value it replaced).
func (s *scan) joinsLeft(i int) bool {
	if i <= 0 {
		return false
	}
	c := s.text[i-1]
	return isGlueByte(c) || c == '>' && len(s.tags) > 0 && tagEndsAt(s.tags, i)
}

// joinsRight is joinsLeft for the text from e on.
func (s *scan) joinsRight(e int) bool {
	if e >= len(s.text) {
		return false
	}
	c := s.text[e]
	return isGlueByte(c) || c == '<' && len(s.tags) > 0 && detect.OverlapsAny(s.tags, e, e+1)
}

func tagEndsAt(tags [][2]int, i int) bool {
	k := sort.Search(len(tags), func(k int) bool { return tags[k][1] >= i })
	return k < len(tags) && tags[k][1] == i
}

// thousands reports three digits and no fourth at p: the group after a
// thousands separator.
func thousands(text string, p int) bool {
	return p+3 <= len(text) && isDigit(text[p]) && isDigit(text[p+1]) && isDigit(text[p+2]) &&
		(p+3 == len(text) || !isDigit(text[p+3]))
}

// spaceWidth returns the byte length of a single space separator at i:
// ASCII space, no-break space U+00A0 or narrow no-break space U+202F (both
// used between digit groups in French and other locales), else 0.
func spaceWidth(text string, i int) int {
	switch {
	case text[i] == ' ':
		return 1
	case text[i] == 0xC2 && i+1 < len(text) && text[i+1] == 0xA0:
		return 2
	case text[i] == 0xE2 && i+2 < len(text) && text[i+1] == 0x80 && text[i+2] == 0xAF:
		return 3
	}
	return 0
}

// classifyRun finds candidates in the parsed run: from each cluster, the
// longest range of clusters that some type accepts.
func (s *scan) classifyRun(r *numberRun) {
	for a := 0; a < r.nc; {
		if r.clusters[a].glued {
			s.maybeHouseNumber(r, a)
			a++
			continue
		}
		taken := false
		for b := min(r.nc, a+maxRange); b > a; b-- {
			if r.clusters[b-1].glued {
				continue
			}
			if s.classifyRange(r, a, b) {
				a = b
				taken = true
				break
			}
		}
		if !taken {
			if a == 0 && r.plus {
				// "+CC …" that is no valid number: its tail is not another
				// number either.
				return
			}
			s.maybeHouseNumber(r, a)
			a++
		}
	}
}

// maybeHouseNumber records a short number (1–5 digits, optionally with one
// letter: "221B", or a range "12-14") for the street-address scanner.
func (s *scan) maybeHouseNumber(r *numberRun, a int) {
	c := r.clusters[a]
	ng := c.g1 - c.g0
	if a == 0 && r.plus || c.seps&^sepDash != 0 || ng > 2 || ng == 2 && c.seps != sepDash {
		return
	}
	for g := c.g0; g < c.g1; g++ {
		if l := r.groups[g].e - r.groups[g].s; l > 5 {
			return
		}
	}
	end := c.e
	text := s.text
	if c.glued && end < len(text) {
		// One letter suffix and then a boundary: "221B", "12a".
		if end+1 <= len(text) && (isUpperASCII(text[end]) || isLowerASCII(text[end])) &&
			(end+1 == len(text) || !isWordByte(text[end+1])) {
			end++
		} else if isWordByte(text[end]) {
			return
		}
	}
	if c.s > 0 && isWordByte(text[c.s-1]) {
		return
	}
	s.houseNumbers = append(s.houseNumbers, [2]int{c.s, end})
}

// rangeInfo summarises clusters [a,b) of a run.
type rangeInfo struct {
	start, end int
	digits     [32]byte
	nd         int
	lens       [maxGroups]int // group lengths
	ng         int
	seps       int  // union of tight separators
	spaced     bool // more than one cluster
	oneGroupCl bool // every cluster is a single group
	plus       bool
	wholeRun   bool // the range is the whole run
}

func (s *scan) rangeInfo(r *numberRun, a, b int, ri *rangeInfo) bool {
	ri.start, ri.end = r.clusters[a].s, r.clusters[b-1].e
	ri.nd, ri.ng, ri.seps = 0, 0, 0
	ri.spaced = b-a > 1
	ri.oneGroupCl = true
	ri.plus = a == 0 && r.plus
	for k := a; k < b; k++ {
		c := r.clusters[k]
		ri.seps |= c.seps
		if c.g1-c.g0 != 1 {
			ri.oneGroupCl = false
		}
		for g := c.g0; g < c.g1; g++ {
			dg := r.groups[g]
			if ri.nd+dg.e-dg.s > len(ri.digits) {
				return false
			}
			ri.nd += copy(ri.digits[ri.nd:], s.text[dg.s:dg.e])
			ri.lens[ri.ng] = dg.e - dg.s
			ri.ng++
		}
	}
	return true
}

func (ri *rangeInfo) lensAre(want ...int) bool {
	if ri.ng != len(want) {
		return false
	}
	for i, w := range want {
		if ri.lens[i] != w {
			return false
		}
	}
	return true
}

// classifyRange adds the best candidate for clusters [a,b) and reports
// whether there was one.
func (s *scan) classifyRange(r *numberRun, a, b int) bool {
	var ri rangeInfo
	if !s.rangeInfo(r, a, b, &ri) {
		return false
	}
	// A number in parentheses, "(957847383)", is the number.
	if ri.ng == 1 && ri.seps == sepParen && s.text[ri.start] == '(' && s.text[ri.end-1] == ')' {
		ri.start++
		ri.end--
		ri.seps = 0
	}
	ri.wholeRun = a == 0 && b == r.nc
	if ri.nd < 7 && !(ri.ng == 4 && ri.seps == sepDot) {
		return false
	}
	digits := string(ri.digits[:ri.nd])
	best, bestScore := entity(0), -1.0
	consider := func(e entity, sc float64) {
		if sc > bestScore {
			best, bestScore = e, sc
		}
	}
	neg := cueNegID | cueNegAccount

	// IPv4: one cluster of four dotted groups.
	if !ri.spaced && ri.ng == 4 && ri.seps == sepDot && !ri.plus {
		if ip, err := netip.ParseAddr(s.text[ri.start:ri.end]); err == nil && ip.Is4() && reportableIP(ip) {
			consider(eIP, s.score(eIP, 0.7, ri.start, ri.end, cueNegVersion|cueNegSection))
		}
		// A dotted quad is never anything else.
		return s.take(best, bestScore, ri.start, ri.end)
	}
	if !ri.spaced && ri.ng == 3 && looksLikeDate(&ri) {
		return false
	}
	hasParen := ri.seps&sepParen != 0

	// Payment cards: 13–19 digits, contiguous or in groups of four (4-6-5
	// and 4-6-4 for Amex and Diners), one kind of separator.
	if ri.nd >= 13 && ri.nd <= 19 && !ri.plus && !hasParen && ri.seps&^sepDash == 0 && (!ri.spaced || ri.oneGroupCl) {
		grouped := ri.ng > 1
		shapeOK := ri.ng == 1 || ri.lensAre(4, 6, 5) || ri.lensAre(4, 6, 4) || fours(&ri)
		if shapeOK && luhn(digits) && cardIIN(digits) {
			base := 0.7
			if grouped {
				base = 0.8
			}
			consider(eCard, s.score(eCard, base, ri.start, ri.end, neg))
		}
	}

	// SSN and ITIN: 3-2-4.
	if ri.nd == 9 && !ri.plus && !hasParen {
		base := -1.0
		switch {
		case !ri.spaced && ri.seps == sepDash && ri.lensAre(3, 2, 4):
			base = 0.65
		case ri.spaced && ri.oneGroupCl && ri.lensAre(3, 2, 4):
			base = 0.5
		case ri.ng == 1:
			base = 0.3
		}
		if base > 0 {
			if digits[0] == '9' {
				if itinValid(digits) {
					consider(eITIN, s.scoreAny(eITIN, bit(eITIN)|bit(eSSN), base, ri.start, ri.end, neg))
				}
			} else if ssnValid(digits) {
				consider(eSSN, s.scoreAny(eSSN, bit(eSSN)|bit(eITIN), base, ri.start, ri.end, neg))
			}
		}
	}

	// NHS: 3-3-4, or ten digits, modulus 11; reported with an NHS cue.
	if ri.nd == 10 && !ri.plus && !hasParen {
		base := -1.0
		switch {
		case ri.lensAre(3, 3, 4) && (ri.spaced && ri.oneGroupCl || !ri.spaced && ri.seps == sepDash):
			base = 0.45
		case ri.ng == 1:
			base = 0.3
		}
		if base > 0 && nhsValid(digits) {
			consider(eNHS, s.score(eNHS, base, ri.start, ri.end, neg))
		}
	}

	// Phone numbers.
	if sc, ok := s.phoneRange(&ri, digits); ok {
		consider(ePhone, sc)
	}
	return s.take(best, bestScore, ri.start, ri.end)
}

// scoreAny is score with a set of positive cue bits.
func (s *scan) scoreAny(e entity, pos cueMask, base float64, start, end int, neg cueMask) float64 {
	around, near := s.context(start, end)
	return combine(base, around, near, pos, neg)
}

// combine applies context to a base score: a negative cue next to the
// candidate, with no positive cue next to it, takes 0.45 away and cancels
// any positive cue further off; otherwise a positive cue in the window
// adds 0.35.
func combine(base float64, around, near, pos, neg cueMask) float64 {
	if near&neg != 0 && near&pos == 0 {
		return base - 0.45
	}
	if around&pos != 0 {
		return base + 0.35
	}
	return base
}

func (s *scan) take(e entity, sc float64, start, end int) bool {
	if sc < s.d.minScore {
		return false
	}
	s.add(e, start, end, sc)
	return true
}

// fours reports groups of four with a shorter last group (4-4-4-4,
// 4-4-4-4-3, 4-4-4-1).
func fours(ri *rangeInfo) bool {
	if ri.ng < 2 {
		return false
	}
	for i := 0; i < ri.ng-1; i++ {
		if ri.lens[i] != 4 {
			return false
		}
	}
	return ri.lens[ri.ng-1] >= 1 && ri.lens[ri.ng-1] <= 4
}

// looksLikeDate reports a d/m/y, m/d/y or y/m/d date in three groups.
func looksLikeDate(ri *rangeInfo) bool {
	if ri.seps != sepDash && ri.seps != sepDot && ri.seps != sepSlash {
		return false
	}
	d := ri.digits[:ri.nd]
	l0, l1, l2 := ri.lens[0], ri.lens[1], ri.lens[2]
	num := func(off, l int) int {
		v := 0
		for i := 0; i < l; i++ {
			v = v*10 + int(d[off+i]-'0')
		}
		return v
	}
	a, b, c := num(0, l0), num(l0, l1), num(l0+l1, l2)
	switch {
	case l0 == 4 && l1 <= 2 && l2 <= 2:
		return validYMD(a, b, c)
	case l0 <= 2 && l1 <= 2 && (l2 == 4 || l2 == 2):
		y := c
		if l2 == 2 {
			y += 1900
		}
		return validYMD(y, b, a) || validYMD(y, a, b)
	}
	return false
}

func validYMD(y, m, d int) bool {
	if y < 1000 || y > 2999 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	return d <= days[m]
}

// reportableIP reports addresses that identify a host: not unspecified,
// loopback, broadcast or a netmask.
func reportableIP(ip netip.Addr) bool {
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsLoopback() {
		return false
	}
	if ip.Is4() {
		b := ip.As4()
		if b[0] == 255 || b == [4]byte{255, 255, 255, 255} {
			return false // netmasks and broadcast
		}
	}
	return true
}
