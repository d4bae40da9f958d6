package toolscan

import (
	_ "embed"
	"fmt"
	"iter"
	"slices"
	"strings"
	"unicode"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/textnorm"
)

//go:embed knownnames.txt
var knownNamesFile string

// knownNames are the well-known server and tool names and the vocabulary
// of words tool names are made of.
type knownNames struct {
	servers, tools []string
	// brands are distinctive product words, compared word by word.
	brands []string
	// toolToks and serverToks are the name tokens of tools and servers.
	toolToks, serverToks [][]string
	vocab                map[string]bool
	// common is the vocabulary of commonWords alone: English words, whose
	// inflections are words too (a product name's are not: postgress).
	common map[string]bool
}

// commonWords are words of tool names that are not typos of each other
// (list_tabs is not a typo of list_tags).
const commonWords = `get set put add new old all any one list lists read reads write writes edit create update delete remove
move copy rename search find query queries run runs exec execute call fetch send post reply open close start stop kill
file files dir dirs directory directories folder folders path paths text texts image images page pages tab tabs tag tags
user users team teams group groups role roles item items issue issues pull pulls request requests review reviews comment
comments commit commits branch branches repo repos repository repositories project projects task tasks event events
calendar calendars email emails mail message messages channel channels thread threads chat chats note notes doc docs
document documents sheet sheets table tables row rows column columns record records index indexes field fields key keys
value values node nodes edge edges graph graphs entity entities relation relations observation observations memory
memories time times date dates zone zones weather forecast alert alerts map maps place places route routes direction
directions location locations web site sites url urls link links http api apis data database databases db schema
schemas model models prompt prompts resource resources tool tools server servers client clients process processes
output outputs input inputs log logs status state info details detail summary summaries report reports metric metrics
stat stats count counts size sizes sum total price prices order orders invoice invoices payment payments customer
customers product products account accounts balance balances charge charges refund refunds plan plans price quote
screenshot snapshot click type fill select hover evaluate navigate scroll wait press drag upload download share shares
contact contacts person people profile profiles avatar photo photos video videos audio music song songs playlist
playlists track tracks album albums artist artists book books word words line lines char chars block blocks
code codes test tests build builds deploy deploys release releases version versions tree trees diff diffs patch patches
merge merges fork forks clone clones push pushes pulls stash reset show init add log blame tag ref refs head heads
sql query run read write save load store restore backup sync watch list_ convert translate summarize calculate
check validate verify format parse render compile lint fix explain describe lookup look scan crawl scrape extract
parse generate draft compose schedule cancel invite accept decline approve reject assign label labels mark archive
star unstar pin unpin mute unmute follow unfollow like unlike vote poll form forms survey surveys ticket tickets
incident incidents alert alerts monitor monitors host hosts pod pods node cluster clusters container containers
image volume volumes secret secrets config configs env var vars job jobs queue queues topic topics bucket buckets
object objects blob blobs zip unzip tar hash encode decode encrypt decrypt sign token tokens auth login logout
session sessions cookie cookies cache caches search_ web_ local global remote public private shared recent latest
first last next prev previous top bottom today tomorrow week month year day days hour hours minute minutes
thinking thought thoughts step steps plan plans goal goals idea ideas insight insights context contexts
`

func loadKnownNames() knownNames {
	k := knownNames{vocab: map[string]bool{}, common: map[string]bool{}}
	for _, line := range strings.Split(knownNamesFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if name, ok := strings.CutPrefix(line, "server "); ok {
			k.servers = append(k.servers, name)
			continue
		}
		if name, ok := strings.CutPrefix(line, "brand "); ok {
			k.brands = append(k.brands, name)
			continue
		}
		k.tools = append(k.tools, line)
	}
	for _, t := range k.tools {
		k.toolToks = append(k.toolToks, nameTokens(t))
	}
	for _, t := range k.servers {
		k.serverToks = append(k.serverToks, nameTokens(t))
	}
	for _, w := range strings.Fields(commonWords) {
		k.vocab[strings.Trim(w, "_")] = true
		k.common[strings.Trim(w, "_")] = true
	}
	for _, n := range append(append([]string{}, k.tools...), k.servers...) {
		for _, t := range nameTokens(n) {
			k.vocab[t] = true
		}
	}
	return k
}

// word reports a vocabulary word or a regular inflection of a common
// word (issued, listed, creating): list_issued is a different tool from
// list_issues, not a misspelling of it. Plurals are pluralPair's.
func (k *knownNames) word(w string) bool {
	if k.vocab[w] {
		return true
	}
	// A bare "d" makes a word only of a stem that ends in "e" (issue,
	// issued); sendd is a doubled letter.
	if stem, ok := strings.CutSuffix(w, "d"); ok && strings.HasSuffix(stem, "e") && k.common[stem] {
		return true
	}
	for _, suf := range [...]string{"ed", "ing", "er", "ers"} {
		stem, ok := strings.CutSuffix(w, suf)
		if !ok || len(stem) < 3 {
			continue
		}
		if k.common[stem] || k.common[stem+"e"] {
			return true
		}
	}
	return false
}

// nameTokens splits an identifier into lower-case words at separators and
// camelCase boundaries.
func nameTokens(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// skeletonTokens folds look-alike letters, fullwidth forms and leetspeak
// before splitting, so that reаd_fіle (Cyrillic) and r3ad_fi1e compare
// with read_file.
func skeletonTokens(name string) []string {
	n := textnorm.Normalize(name, textnorm.Options{MaxDepth: -1, NoCompact: true})
	return nameTokens(n.Folded.Text)
}

// damerau is the optimal-string-alignment edit distance, bounded: it
// returns limit+1 as soon as the distance exceeds limit.
func damerau(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// nameForm is a name prepared for comparison.
type nameForm struct {
	name      string
	raw, sk   []string
	rawJ, skJ string
	// pairsJ is pairsSkeleton's reading of the name ("" when the same).
	pairsJ string
	// disguised: the name holds invisible or bidi characters.
	disguised bool
}

func newNameForm(name string) nameForm {
	f := nameForm{name: name, raw: nameTokens(name), sk: skeletonTokens(name)}
	f.rawJ, f.skJ = strings.Join(f.raw, ""), strings.Join(f.sk, "")
	f.pairsJ = pairsSkeleton(name, f.skJ)
	n := textnorm.Normalize(name, textnorm.Options{MaxDepth: -1, NoCompact: true})
	f.disguised = n.Signals.Invisible+n.Signals.Bidi+n.Signals.Tags > 0
	return f
}

// squat reports whether name imitates ref, and how.
func (k *knownNames) squat(name, ref string) (string, bool) {
	return k.squatForm(newNameForm(name), ref, nameTokens(ref))
}

func (k *knownNames) squatForm(nf nameForm, ref string, rk []string) (string, bool) {
	if strings.EqualFold(nf.name, ref) {
		return "", false
	}
	sk := nf.sk
	if d := len(nf.skJ) - len(ref); d > 4 || d < -4 {
		return "", false
	}
	refJ := strings.Join(rk, "")
	if nf.skJ == refJ {
		if nf.rawJ != nf.skJ || nf.disguised {
			return "look-alike characters", true
		}
		// Only separators or case differ: a naming convention, not a
		// squat.
		return "", false
	}
	if nf.pairsJ != "" && nf.pairsJ == refJ && nf.rawJ != refJ {
		return "look-alike characters", true
	}
	if len(sk) != len(rk) || len(sk) == 0 {
		return "", false
	}
	diff := -1
	for i := range sk {
		if sk[i] != rk[i] {
			if diff >= 0 {
				return "", false
			}
			diff = i
		}
	}
	a, b := sk[diff], rk[diff]
	if len([]rune(b)) < 4 || k.word(a) {
		return "", false
	}
	if pluralPair(a, b) {
		return "", false
	}
	limit := 1
	if len([]rune(b)) >= 8 || len([]rune(b)) >= 6 && len(a) >= 2 && a[:2] == b[:2] && letterDiff(a, b) <= 2 {
		limit = 2
	}
	if d := damerau(a, b, limit); d <= limit {
		return fmt.Sprintf("%q differs from %q by %d edit(s)", a, b, d), true
	}
	return "", false
}

// letterDiff is the size of the multiset difference of two words' letters:
// small for a doubled or swapped letter (comitt, commit), large for a
// different word (notizen, notion).
func letterDiff(a, b string) int {
	counts := map[rune]int{}
	for _, r := range a {
		counts[r]++
	}
	for _, r := range b {
		counts[r]--
	}
	d := 0
	for _, c := range counts {
		d += max(c, -c)
	}
	return d
}

// brandSquat finds a word of a name that imitates a distinctive product
// word (githhub_create_issue, g1thub_search): the rest of the name may be
// ordinary, so the whole-name comparison misses it.
func (k *knownNames) brandSquat(nf nameForm) (brand, how string, ok bool) {
	sameCount := len(nf.raw) == len(nf.sk)
	for i, tok := range nf.sk {
		t := strings.TrimRight(tok, "0123456789")
		if len(t) < 5 {
			continue
		}
		exact := false
		for _, b := range k.brands {
			if t != b {
				continue
			}
			exact = true
			if (sameCount && strings.TrimRight(nf.raw[i], "0123456789") != t) || nf.disguised {
				return b, "look-alike characters", true
			}
		}
		if exact || k.word(t) {
			continue
		}
		for _, b := range k.brands {
			// A shortened form (mongod for mongodb) names a part of the
			// product, not a look-alike.
			if t[0] != b[0] || t == b+"s" || strings.HasPrefix(b, t) {
				continue
			}
			limit := 1
			if len(b) >= 8 {
				limit = 2
			}
			if d := damerau(t, b, limit); d <= limit && letterDiff(t, b) <= 2*limit {
				return b, fmt.Sprintf("%q differs from %q by %d edit(s)", t, b, d), true
			}
		}
	}
	return "", "", false
}

// pluralVariant reports token lists that differ in one token, one being
// the other with "s" or "es" added.
func pluralVariant(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	diff := 0
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		diff++
		if !pluralPair(a[i], b[i]) {
			return false
		}
	}
	return diff == 1
}

// pluralPair reports two words of which one is the other with "s" or
// "es" added.
func pluralPair(a, b string) bool {
	return a+"s" == b || b+"s" == a || a+"es" == b || b+"es" == a
}

// sameFirstSentence reports descriptions whose first sentences are the
// same but for case, spacing and punctuation.
func sameFirstSentence(a, b string) bool {
	fa, fb := normalizeLight(strings.ToLower(firstSentence(a))), normalizeLight(strings.ToLower(firstSentence(b)))
	fa, fb = strings.Trim(strings.Join(strings.Fields(fa), " "), " ."), strings.Trim(strings.Join(strings.Fields(fb), " "), " .")
	return len(fa) >= 20 && fa == fb
}

// typosquat checks a tool's name against the well-known names and the
// other connected servers' tools; desc is the tool's description.
func (sc *scan) typosquat(name, object, desc string) {
	if name == "" {
		return
	}
	k := &sc.s.known
	nf := newNameForm(name)
	check := func(ref string, rk []string, whose string) bool {
		if sc.own[strings.ToLower(ref)] {
			return false
		}
		how, ok := k.squatForm(nf, ref, rk)
		if !ok {
			return false
		}
		sev := detect.High
		if how == "look-alike characters" {
			sev = detect.Critical
		}
		sc.add(Finding{Type: TypeTyposquatting, Tool: name, Object: object, Path: "/name", Severity: sev,
			Detail: fmt.Sprintf("the name %q imitates %s %q (%s): a model may pick it in place of the real one; check that this server is the one you meant to install", name, whose, ref, how)})
		return true
	}
	for _, o := range sc.in.OtherServers {
		for _, t := range o.Tools {
			if check(t.Name, nameTokens(t.Name), "the tool of server "+o.Server) {
				return
			}
			// A singular or plural of a connected server's tool that also
			// repeats its description: a naming convention would not
			// copy the other tool's words.
			if desc != "" && pluralVariant(nf.sk, nameTokens(t.Name)) && sameFirstSentence(desc, t.Description) {
				sc.add(Finding{Type: TypeTyposquatting, Tool: name, Object: object, Path: "/name", Severity: detect.High,
					Detail: fmt.Sprintf("the name %q is the tool %q of server %s with one word's number changed, and its description repeats that tool's: a model cannot tell them apart; check that this server is the one you meant to install", name, t.Name, o.Server)})
				return
			}
		}
	}
	for i, ref := range k.tools {
		if check(ref, k.toolToks[i], "the well-known tool") {
			return
		}
	}
	if brand, how, ok := k.brandSquat(nf); ok {
		sev := detect.High
		if how == "look-alike characters" {
			sev = detect.Critical
		}
		sc.add(Finding{Type: TypeTyposquatting, Tool: name, Object: object, Path: "/name", Severity: sev,
			Detail: fmt.Sprintf("the name %q imitates the product name %q (%s): a model may take it for that product's tool; check that this server is the one you meant to install", name, brand, how)})
	}
}

// serverName checks the server's own name against well-known servers.
func (sc *scan) serverName() {
	if sc.in.Server == "" {
		return
	}
	k := &sc.s.known
	report := func(what, ref, how string) {
		sev := detect.High
		if how == "look-alike characters" {
			sev = detect.Critical
		}
		sc.add(Finding{Type: TypeTyposquatting, Tool: "", Object: ObjectServer, Path: "", Severity: sev,
			Detail: fmt.Sprintf("the server name %q imitates the %s %q (%s); check where this server comes from", sc.in.Server, what, ref, how)})
	}
	// A well-known server is not a typo of its well-known neighbour
	// (postgrest and postgres are both real). Packages wrap the name in
	// "mcp" and "server" (mcp-server-postgers, postgers-mcp), so the name
	// without them is compared too.
	for _, name := range []string{sc.in.Server, serverCore(sc.in.Server)} {
		if name == "" || slices.ContainsFunc(k.servers, func(s string) bool { return strings.EqualFold(s, name) }) {
			continue
		}
		nf := newNameForm(name)
		for i, ref := range k.servers {
			if how, ok := k.squatForm(nf, ref, k.serverToks[i]); ok {
				report("well-known server", ref, how)
				return
			}
		}
	}
	if brand, how, ok := k.brandSquat(newNameForm(sc.in.Server)); ok {
		report("product name", brand, how)
		return
	}
	if noun, ok := sc.lookalikeOfOwnProduct(); ok {
		report("product its own tools name", noun, "look-alike characters")
		return
	}
	if w, product, ok := sc.misspelledOwnProduct(); ok {
		report("product its own tools name", product, fmt.Sprintf("%q: letters swapped, doubled or dropped", w))
		return
	}
	for _, o := range sc.in.OtherServers {
		if how, ok := k.squat(sc.in.Server, o.Server); ok {
			sc.add(Finding{Type: TypeTyposquatting, Tool: "", Object: ObjectServer, Path: "", Severity: detect.High,
				Detail: fmt.Sprintf("the server name %q imitates the connected server %q (%s)", sc.in.Server, o.Server, how)})
			return
		}
		if w, ow, ok := lookalikeWord(sc.in.Server, o.Server); ok {
			sc.add(Finding{Type: TypeTyposquatting, Tool: "", Object: ObjectServer, Path: "", Severity: detect.High,
				Detail: fmt.Sprintf("the server name %q imitates the connected server %q (%q for %q)", sc.in.Server, o.Server, w, ow)})
			return
		}
	}
}

// serverCore is a server name without the "mcp" and "server" words a
// package name wraps it in, joined by hyphens; "" when nothing was taken
// off or nothing is left.
func serverCore(name string) string {
	toks := nameTokens(name)
	i, j := 0, len(toks)
	for i < j && (toks[i] == "mcp" || toks[i] == "server") {
		i++
	}
	for j > i && (toks[j-1] == "mcp" || toks[j-1] == "server") {
		j--
	}
	if i == j || j-i == len(toks) {
		return ""
	}
	return strings.Join(toks[i:j], "-")
}

// lookalikeOfOwnProduct reports a server name written with look-alike
// characters of a product its own descriptions name ("mixpaneI" whose
// tools connect to "your Mixpanel project"): the same word to a reader,
// another name to the client.
func (sc *scan) lookalikeOfOwnProduct() (string, bool) {
	server := newNameForm(sc.in.Server)
	if len(server.rawJ) < 5 {
		return "", false
	}
	// Folding lower-cases first, so a capital I for an l survives only
	// in the name as written.
	caseFolded := strings.Join(nameTokens(caseConfusables.Replace(sc.in.Server)), "")
	for i := range sc.in.Tools {
		for _, m := range properNounRE.FindAllStringSubmatch(" "+sc.in.Tools[i].Description, 16) {
			n := strings.ToLower(m[1])
			if n == server.rawJ {
				continue
			}
			if sk := newNameForm(n).skJ; sk == server.skJ || n == caseFolded {
				return n, true
			}
		}
	}
	return "", false
}

// misspelledOwnProduct reports a word of the server's name that is one
// swapped, doubled or dropped letter from a product word its own tools
// use — a capitalised name in a description, a word of a tool or
// parameter name — while the word as the name spells it appears nowhere
// in them (blackbuad-raisersedge whose sign-in takes a blackbaud_id_email).
// A genuine server spells its product as its tools do; a copy made to be
// mistaken for it carries the original's text under a name one slip
// away. A substituted letter is not counted (mailer, mailed): ordinary
// words are one substitution apart too often.
func (sc *scan) misspelledOwnProduct() (word, product string, ok bool) {
	var words []string
	seen := map[string]bool{}
	add := func(w string) {
		if len(w) >= 6 && !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	var text strings.Builder
	for i := range sc.in.Tools {
		t := &sc.in.Tools[i]
		text.WriteString(strings.ToLower(t.Description))
		text.WriteByte(' ')
		for _, m := range properNounRE.FindAllStringSubmatch(" "+t.Description, 32) {
			add(strings.ToLower(m[1]))
		}
		for _, w := range nameTokens(t.Name) {
			add(w)
		}
		m, _ := t.InputSchema.(map[string]any)
		props, _ := m["properties"].(map[string]any)
		for name := range props {
			text.WriteString(strings.ToLower(name))
			text.WriteByte(' ')
			for _, w := range nameTokens(name) {
				add(w)
			}
		}
	}
	slices.Sort(words)
	all := text.String()
	for _, w := range nameTokens(sc.in.Server) {
		if len(w) < 6 || seen[w] || strings.Contains(all, w) {
			continue
		}
		for _, t := range words {
			if t[0] != w[0] || strings.HasPrefix(w, t) || strings.HasPrefix(t, w) {
				continue
			}
			if damerau(w, t, 1) != 1 {
				continue
			}
			switch letterDiff(w, t) {
			case 0:
				return w, t, true
			case 1:
				// A doubled or dropped vowel is how transliterations
				// differ (yadaasht, yadasht); a consonant is a slip.
				if !strings.ContainsRune("aeiouy", extraLetter(w, t)) {
					return w, t, true
				}
			}
		}
	}
	return "", "", false
}

// extraLetter is the letter one of two words has once more than the
// other.
func extraLetter(a, b string) rune {
	if len(a) < len(b) {
		a, b = b, a
	}
	for _, r := range a {
		if strings.Count(a, string(r)) > strings.Count(b, string(r)) {
			return r
		}
	}
	return 0
}

// letterPairs writes the letter pairs that read as one letter in most
// fonts (send_rnessage, schvvab) as that letter.
var letterPairs = strings.NewReplacer("rn", "m", "vv", "w")

// pairsSkeleton is a name's joined skeleton with letter pairs that read
// as one letter folded, and a capital I or a digit read as the lower-case
// letter it passes for (kakaotaIk), or "" when that changes nothing.
func pairsSkeleton(name, skJ string) string {
	low := strings.ToLower(name)
	if !strings.Contains(low, "rn") && !strings.Contains(low, "vv") && !strings.ContainsAny(name, "I01") {
		return ""
	}
	folded := strings.Join(skeletonTokens(caseConfusables.Replace(name)), "")
	if strings.Contains(folded, "rn") || strings.Contains(folded, "vv") {
		folded = letterPairs.Replace(folded)
	}
	if folded == skJ {
		return ""
	}
	return folded
}

// caseConfusables writes the capitals and digits that pass for lower-case
// letters as those letters.
var caseConfusables = strings.NewReplacer("I", "l", "0", "o", "1", "l")

// lookalikeWord finds a word of name that is one edit from a word of
// other (samsarra-fleet against samsara): a second server dressed as one
// the client already trusts. Words shorter than five letters are common
// ones (api, mcp, app) and are not compared.
func lookalikeWord(name, other string) (string, string, bool) {
	ws, os := nameTokens(name), nameTokens(other)
	for _, w := range ws {
		if len(w) < 5 || slices.Contains(os, w) {
			continue
		}
		for _, o := range os {
			if len(o) >= 5 && w[0] == o[0] && damerau(w, o, 1) <= 1 && !strings.HasPrefix(w, o) && !strings.HasPrefix(o, w) {
				return w, o, true
			}
		}
	}
	return "", "", false
}

// duplicates reports tools whose names collide exactly with another
// connected server's tools: the model cannot tell them apart.
func (sc *scan) duplicates() {
	for _, t := range sc.in.Tools {
		for _, o := range sc.in.OtherServers {
			if o.Server == sc.in.Server {
				continue
			}
			for _, ot := range o.Tools {
				if ot.Name == t.Name && ot.Description != t.Description {
					sc.add(Finding{Type: TypeCrossServerShadowing, Tool: t.Name, Path: "/name", Severity: detect.Medium,
						Detail: fmt.Sprintf("server %s offers a different tool with the same name %q: a model may call one for the other; rename one or connect only one", o.Server, t.Name)})
				}
			}
		}
	}
}

// otherToolRef returns the name of a tool that is not this server's if the
// lower-cased sentence refers to it as an identifier, and where.
func (sc *scan) otherToolRef(sent string) (string, int) {
	for r, i := range sc.otherToolRefs(sent) {
		return r, i
	}
	return "", -1
}

// otherRefs builds, on first use, the lower-cased names of tools that are
// not this server's.
func (sc *scan) otherRefs() []string {
	if sc.refs == nil {
		seen := map[string]bool{}
		add := func(n string) {
			l := strings.ToLower(n)
			if len(l) < 4 || sc.own[l] || seen[l] {
				return
			}
			seen[l] = true
			sc.refs = append(sc.refs, l)
		}
		for _, o := range sc.in.OtherServers {
			for _, t := range o.Tools {
				add(t.Name)
			}
		}
		for _, t := range sc.s.known.tools {
			// A well-known tool name that is one of this server's
			// parameters (send_email: false) names the parameter.
			if !sc.isParamName(t) {
				add(t)
			}
		}
		// Other connected servers by name: "the slack server", "slack
		// server's tools".
		for _, o := range sc.in.OtherServers {
			if l := strings.ToLower(o.Server); l != "" && l != strings.ToLower(sc.in.Server) {
				sc.refs = append(sc.refs, l+" server")
			}
		}
		if sc.refs == nil {
			sc.refs = []string{}
		}
	}
	return sc.refs
}

// otherToolRefs yields every reference in the sentence to a tool that is
// not this server's, and where it is: a sentence may name several, and
// only one of them be the subject of a rule.
func (sc *scan) otherToolRefs(sent string) iter.Seq2[string, int] {
	return func(yield func(string, int) bool) {
		for _, r := range sc.otherRefs() {
			i := strings.Index(sent, r)
			for i >= 0 {
				before := i == 0 || !isIdent(sent[i-1])
				after := i+len(r) >= len(sent) || !isIdent(sent[i+len(r)])
				if before && after {
					// A plain word names a tool only when marked as one.
					rest := sent[i+len(r):]
					if strings.ContainsAny(r, "_-. ") || (i > 0 && sent[i-1] == '`') || strings.HasPrefix(rest, " tool") || strings.HasPrefix(rest, " function") || strings.HasPrefix(rest, "()") {
						if !yield(r, i) {
							return
						}
					}
				}
				j := strings.Index(sent[i+1:], r)
				if j < 0 {
					break
				}
				i += 1 + j
			}
		}
	}
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}
