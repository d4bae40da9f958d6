package injection

import (
	"strings"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/textnorm"
)

// seg is a region of a view, [start, end).
type seg struct {
	start, end int32
	kind       uint8
}

// Kinds of hidden regions.
const (
	hiddenComment uint8 = iota + 1 // <!-- … --> or a markdown comment
	hiddenStyle                    // display:none, white text, zero font size
)

// layout is what the structure scanners learn about one Base view.
type layout struct {
	sentEnds []int32 // sorted: a sentence ends (exclusive) at each
	quotes   []seg   // quoted or code segments
	hidden   []seg   // comments and visually hidden regions
}

// sentence returns the index of the sentence holding view offset p.
func (l *layout) sentence(p int32) int {
	lo, hi := 0, len(l.sentEnds)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l.sentEnds[m] <= p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// sentenceStart returns the view offset where p's sentence begins.
func (l *layout) sentenceStart(p int32) int32 {
	i := l.sentence(p)
	if i == 0 {
		return 0
	}
	return l.sentEnds[i-1]
}

func (l *layout) sentenceEnd(p int32, n int) int32 {
	i := l.sentence(p)
	if i < len(l.sentEnds) {
		return l.sentEnds[i]
	}
	return int32(n)
}

// inQuote reports whether [s, e) lies inside one quoted segment.
func (l *layout) inQuote(s, e int32) bool {
	for _, q := range l.quotes {
		if q.start <= s && e <= q.end {
			return true
		}
		if q.start > s {
			break
		}
	}
	return false
}

// hiddenAt returns the hidden region holding p, if any.
func (l *layout) hiddenAt(p int32) (seg, bool) {
	for _, h := range l.hidden {
		if h.start <= p && p < h.end {
			return h, true
		}
	}
	return seg{}, false
}

// maxQuote bounds a quoted segment: an unclosed quote must not swallow the
// rest of a document.
const maxQuote = 600

func scanLayout(b string) layout {
	var l layout
	open, openAt := byte(0), 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '.', '!', '?':
			if open == 0 && (i+1 == len(b) || b[i+1] == ' ' || b[i+1] == '\n' || b[i+1] == '"' || b[i+1] == '\'') {
				l.sentEnds = append(l.sentEnds, int32(i+1))
			}
		case '\n':
			l.sentEnds = append(l.sentEnds, int32(i+1))
			if open == '\'' || open == '"' {
				open = 0 // prose quotes do not cross lines
			}
		case '`':
			if strings.HasPrefix(b[i:], "```") {
				end := strings.Index(b[i+3:], "```")
				if end < 0 {
					end = len(b) - i - 3
				}
				l.quotes = append(l.quotes, seg{start: int32(i), end: int32(i + 3 + end + 3)})
				i += 3 + end + 2
				if i >= len(b) {
					i = len(b) - 1
				}
				open = 0
				continue
			}
			fallthrough
		case '"', '\'':
			if open == 0 {
				if c == '\'' && !quoteCanOpen(b, i) {
					continue
				}
				open, openAt = c, i
				continue
			}
			if c != open {
				continue
			}
			if c == '\'' && !quoteCanClose(b, i) {
				continue
			}
			if c != '"' || !jsonString(b, openAt, i) {
				l.quotes = append(l.quotes, seg{start: int32(openAt), end: int32(i + 1)})
			}
			open = 0
		default:
			if c >= utf8.RuneSelf {
				r, sz := utf8.DecodeRuneInString(b[i:])
				if r == '。' || r == '！' || r == '？' || r == '।' || r == '؟' {
					l.sentEnds = append(l.sentEnds, int32(i+sz))
				}
				i += sz - 1
			}
		}
		if open != 0 && i-openAt > maxQuote {
			open = 0
		}
	}
	l.hidden = scanHidden(b)
	return l
}

func isWordAt(b string, i int) bool {
	if i < 0 || i >= len(b) {
		return false
	}
	if b[i] < utf8.RuneSelf {
		return isWordByte(b[i])
	}
	return true // a non-ASCII byte: treat as part of a word
}

// jsonString reports whether the double-quoted segment b[open:close+1] is
// a JSON key or value rather than a quotation: data in a tool result is not
// somebody quoting an attack.
func jsonString(b string, open, close int) bool {
	j := close + 1
	for j < len(b) && b[j] == ' ' {
		j++
	}
	if j < len(b) && b[j] == ':' {
		return true // a key
	}
	k := open - 1
	for k >= 0 && b[k] == ' ' {
		k--
	}
	if k < 0 || (b[k] != ':' && b[k] != '[') {
		return false
	}
	k--
	for k >= 0 && b[k] == ' ' {
		k--
	}
	return k >= 0 && (b[k] == '"' || b[k] == '[' || b[k] == '{' || b[k] == ',')
}

// An apostrophe inside a word ("don't", "l'assistant") is not a quote.
func quoteCanOpen(b string, i int) bool {
	return !isWordAt(b, i-1) && (isWordAt(b, i+1) || i+1 < len(b))
}
func quoteCanClose(b string, i int) bool { return !isWordAt(b, i+1) }

var styleHidden = []string{
	"display:none", "display: none", "visibility:hidden", "visibility: hidden", "font-size:0", "font-size: 0",
	"opacity:0", "opacity: 0", "color:white", "color: white", "color:#fff", "color: #fff", "color:#ffffff",
	"color: #ffffff", "color:transparent", "color: transparent", " hidden>", "height:0", "width:0",
}

func scanHidden(b string) []seg {
	var out []seg
	for i := 0; i < len(b); {
		k := strings.Index(b[i:], "<!--")
		if k < 0 {
			break
		}
		st := i + k
		e := strings.Index(b[st+4:], "-->")
		end := len(b)
		if e >= 0 {
			end = st + 4 + e + 3
		}
		out = append(out, seg{start: int32(st), end: int32(end), kind: hiddenComment})
		i = end
	}
	for _, m := range []string{"[//]:", "[comment]:"} {
		for i := 0; i < len(b); {
			k := strings.Index(b[i:], m)
			if k < 0 {
				break
			}
			st := i + k
			end := strings.IndexByte(b[st:], '\n')
			if end < 0 {
				end = len(b)
			} else {
				end += st
			}
			out = append(out, seg{start: int32(st), end: int32(end), kind: hiddenComment})
			i = end
		}
	}
	if strings.Contains(b, "style") || strings.Contains(b, "hidden") {
		for _, m := range styleHidden {
			for i := 0; i < len(b); {
				k := strings.Index(b[i:], m)
				if k < 0 {
					break
				}
				st := i + k
				end := strings.Index(b[st:], "</")
				if end < 0 || end > 2000 {
					end = min(len(b)-st, 2000)
				}
				out = append(out, seg{start: int32(st), end: int32(st + end), kind: hiddenStyle})
				i = st + len(m)
			}
		}
	}
	return out
}

// structuralHits finds URLs, e-mail addresses, tool identifiers and role
// markers. They are scanned in the text the view was built from (where
// '-', '_' and case survive) and reported in view offsets; URLs and
// addresses are also scanned in the Base view itself, where look-alike
// letters and diacritics have been undone.
func structuralHits(t *textnorm.Text, hits []hit) []hit {
	orig := t.Original
	v := &t.Base
	pos := func(p int) int32 { return int32(v.ViewPos(p)) }
	hits = scanAddresses(orig, pos, hits)
	if !strings.EqualFold(v.Text, orig) {
		hits = scanAddresses(v.Text, func(p int) int32 { return int32(p) }, hits)
	}
	// snake_case identifiers: tool and function names.
	for i := 0; i < len(orig); {
		if !isWordByte(orig[i]) {
			i++
			continue
		}
		st, under := i, false
		for i < len(orig) && (isWordByte(orig[i]) || orig[i] == '_') {
			if orig[i] == '_' && i > st && i+1 < len(orig) && isWordByte(orig[i+1]) && isWordByte(orig[i-1]) {
				under = true
			}
			i++
		}
		if !under || i-st < 5 || i-st > 64 {
			continue
		}
		c := oTool
		if riskyIdent(strings.ToLower(orig[st:i])) {
			c = oToolRisky
		}
		hits = append(hits, hit{start: pos(st), end: pos(i), cls: c})
	}
	return hits
}

var urlPrefixes = [...]string{"http://", "https://", "hxxp://", "hxxps://", "www."}

// urlFinder finds the next URL start, caching each prefix's next position
// so that the scan stays linear however many URLs there are.
type urlFinder struct {
	next_ [len(urlPrefixes)]int
	init  bool
}

func (u *urlFinder) next(s string, from int) int {
	best := -1
	for k, p := range urlPrefixes {
		if !u.init || (u.next_[k] >= 0 && u.next_[k] < from) {
			j := indexFold(s[from:], p)
			if j >= 0 {
				j += from
			}
			u.next_[k] = j
		}
		if j := u.next_[k]; j >= 0 && (best < 0 || j < best) {
			best = j
		}
	}
	u.init = true
	return best
}

// scanAddresses finds URLs (and their query strings, data-carrying
// queries and markdown images) and e-mail addresses in s, reporting them
// through pos in view offsets.
func scanAddresses(orig string, pos func(int) int32, hits []hit) []hit {
	// URLs.
	var uf urlFinder
	for i := 0; i < len(orig); {
		st := uf.next(orig, i)
		if st < 0 {
			break
		}
		end := st
		depth := 0
		for end < len(orig) {
			c := orig[end]
			if c == '(' {
				depth++
			}
			if c == ')' {
				if depth == 0 {
					break
				}
				depth--
			}
			if c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == ']' || c == '`' || c == '|' || c == '}' && depth == 0 && !strings.Contains(orig[st:end], "{") {
				break
			}
			end++
		}
		u := orig[st:end]
		vs, ve := pos(st), pos(end)
		hits = append(hits, hit{start: vs, end: ve, cls: sURL})
		if q := strings.IndexByte(u, '?'); q >= 0 && strings.IndexByte(u[q:], '=') > 0 {
			hits = append(hits, hit{start: vs, end: ve, cls: sURLQuery})
			if dataQuery(u[q+1:]) {
				hits = append(hits, hit{start: vs, end: ve, cls: sURLData})
			}
			if st >= 2 && orig[st-2:st] == "](" {
				if j := strings.LastIndex(orig[max(0, st-300):st], "!["); j >= 0 {
					hits = append(hits, hit{start: pos(max(0, st-300) + j), end: ve + 1, cls: tMdImage})
				}
			}
		}
		i = max(end, st+1)
	}
	// E-mail addresses.
	for i := 0; i < len(orig); {
		k := strings.IndexByte(orig[i:], '@')
		if k < 0 {
			break
		}
		at := i + k
		a := at
		for a > 0 && isEmailLocal(orig[a-1]) {
			a--
		}
		z := at + 1
		dot := false
		for z < len(orig) && (isWordByte(orig[z]) || orig[z] == '.' || orig[z] == '-') {
			if orig[z] == '.' && z+1 < len(orig) && isWordByte(orig[z+1]) {
				dot = true
			}
			z++
		}
		for z > at+1 && orig[z-1] == '.' {
			z--
		}
		if a < at && dot {
			hits = append(hits, hit{start: pos(a), end: pos(z), cls: sURL})
		}
		i = at + 1
	}
	return hits
}

// indexFold is strings.Index for an ASCII lower-case needle, ignoring ASCII
// case in s.
func indexFold(s, needle string) int {
	n := len(needle)
	for i := 0; i+n <= len(s); i++ {
		c := s[i] | 0x20
		if c != needle[0] {
			continue
		}
		if strings.EqualFold(s[i:i+n], needle) {
			return i
		}
	}
	return -1
}

func isEmailLocal(c byte) bool {
	return isWordByte(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

var dataParams = []string{"secret", "canary", "prompt", "key", "token", "pass", "cred", "data", "conv", "history",
	"chat", "session", "cookie", "email", "mail", "ssn", "card", "message", "msg", "content", "leak", "exfil", "payload",
	"memory", "context", "summary", "dump", "env", "user", "info", "b64", "base64"}

// dataQuery reports whether a query string looks like it carries data:
// parameter names or values about secrets and conversations, template
// placeholders, or long encoded values.
func dataQuery(q string) bool {
	lq := strings.ToLower(q)
	for _, p := range dataParams {
		if strings.Contains(lq, p) {
			return true
		}
	}
	if strings.ContainsAny(q, "{}$<[") || strings.Contains(q, "%s") || strings.Contains(q, "%7b") || strings.Contains(q, "%7B") {
		return true
	}
	for _, kv := range strings.Split(q, "&") {
		if eq := strings.IndexByte(kv, '='); eq >= 0 && len(kv)-eq-1 >= 24 {
			return true
		}
	}
	return false
}

var riskyWords = []string{"secret", "password", "passwd", "credential", "token", "apikey", "api_key", "private_key",
	"delete", "drop", "destroy", "wipe", "truncate", "transfer", "payment", "refund", "wire", "withdraw", "exec",
	"shell", "sudo", "admin", "grant", "approve", "purge", "rm_", "kill", "disable", "bypass", "elevate", "impersonate"}

func riskyIdent(id string) bool {
	for _, w := range riskyWords {
		if strings.Contains(id, w) {
			return true
		}
	}
	return false
}

// validRoleMarker reports whether a role-name hit ("system:") sits where a
// chat turn would start: at the start of a line (after markup), after an
// opening comment or bracket, or written in capitals in the original.
func validRoleMarker(t *textnorm.Text, h hit) bool {
	b := t.Base.Text
	i := int(h.start) - 1
	for i >= 0 && strings.IndexByte(" \t#*>-[(<!\"'`|=_~", b[i]) >= 0 {
		i--
	}
	if i < 0 || b[i] == '\n' || b[i] == ']' || b[i] == '.' || b[i] == ';' {
		return true
	}
	sp := t.Base.Local(int(h.start), int(h.end))
	if sp.End > len(t.Original) || sp.Start >= sp.End {
		return false
	}
	o := t.Original[sp.Start:sp.End]
	upper := false
	for _, r := range o {
		if r >= 'a' && r <= 'z' {
			return false
		}
		if r >= 'A' && r <= 'Z' {
			upper = true
		}
	}
	return upper
}
