package injection

import (
	"slices"
	"strings"

	"github.com/agentgov/agentgov/internal/textnorm"
)

// category is an attack intent or structural signal; its name is the
// finding type.
type category uint8

const (
	catOverride category = iota
	catExtract
	catRole
	catSafety
	catExfil
	catTool
	catMemory
	catPrivilege
	catTemplate
	catHidden
	catAddressed
	nCats
)

// Finding types.
const (
	TypeInstructionOverride    = "INSTRUCTION_OVERRIDE"
	TypeSystemPromptExtraction = "SYSTEM_PROMPT_EXTRACTION"
	TypeRoleHijack             = "ROLE_HIJACK"
	TypeSafetyBypass           = "SAFETY_BYPASS"
	TypeDataExfiltration       = "DATA_EXFILTRATION"
	TypeToolHijack             = "TOOL_HIJACK"
	TypeMemoryPoisoning        = "MEMORY_POISONING"
	TypePrivilegeEscalation    = "PRIVILEGE_ESCALATION"
	TypeChatTemplateInjection  = "CHAT_TEMPLATE_INJECTION"
	TypeHiddenInstruction      = "HIDDEN_INSTRUCTION"
	TypeAddressedToModel       = "ADDRESSED_TO_MODEL"
	TypeEncodedPayload         = "ENCODED_PAYLOAD"
	TypeInvisibleText          = "INVISIBLE_TEXT"
	TypeCanaryLeak             = "CANARY_LEAK"
)

var catTypes = [nCats]string{
	TypeInstructionOverride, TypeSystemPromptExtraction, TypeRoleHijack, TypeSafetyBypass, TypeDataExfiltration,
	TypeToolHijack, TypeMemoryPoisoning, TypePrivilegeEscalation, TypeChatTemplateInjection, TypeHiddenInstruction,
	TypeAddressedToModel,
}

var catDetail = [nCats]string{
	"instruction to override or ignore previous instructions",
	"request to reveal the system prompt or hidden instructions",
	"attempt to impose a new role, persona or jailbreak mode",
	"attempt to disable safety filters, guidelines or approvals",
	"attempt to send data to an outside destination or to reach other tenants' data",
	"attempt to make the agent call a tool or approve a tool call",
	"attempt to plant a privilege or standing instruction in memory",
	"claim of elevated privileges",
	"chat-template token, fake role marker or fake tool output",
	"instruction hidden from the human reader",
	"text addressed to an AI model",
}

// rule pairs two word families into an intent.
type rule struct {
	cat     category
	a, b    class
	ordered bool // a must come before b
	needMod bool // a modifier (previous, all, your …) must be near
	weight  float64
	gap     int32 // largest gap in word views, bytes
	// rgap is the largest gap when b comes before a (0: same as gap).
	// Verb-final languages (Japanese, Korean, Hindi, Turkish) put the
	// object first, but right before the verb; a long reverse gap only
	// collects unrelated words.
	rgap int32
	cgap int32 // largest gap in the Compact view; 0: not used there
	// destBoost raises the weight to 0.9 when a destination (URL, e-mail
	// address, "attacker", "external server") follows.
	destBoost bool
	// vocative asks for a ':' or ',' between a and b: "Assistant, send …",
	// "Note to AI agents: ignore …", but not "our assistant can summarize".
	vocative bool
}

var rules = []rule{
	{cat: catOverride, a: vIgnore, b: oInstr, needMod: true, weight: 1, gap: 64, cgap: 24},
	{cat: catOverride, a: vIgnore, b: oInstr, weight: 0.55, gap: 20, cgap: 12},
	{cat: catOverride, a: vIgnore, b: oSysPrompt, weight: 1, gap: 64, cgap: 24},
	{cat: catOverride, a: vIgnore, b: oSafety, needMod: true, weight: 0.8, gap: 48, cgap: 20},
	{cat: catOverride, a: oInstr, b: vVoid, ordered: true, weight: 0.8, gap: 40, cgap: 20},
	{cat: catSafety, a: oSafety, b: vVoid, ordered: true, weight: 0.8, gap: 32, cgap: 16},
	{cat: catSafety, a: oLimits, b: vVoid, ordered: true, weight: 0.5, gap: 24, cgap: 16},
	{cat: catExtract, a: vReveal, b: oSysPrompt, weight: 1, gap: 64, rgap: 16, cgap: 24},
	{cat: catExtract, a: vRevealWeak, b: oSysPrompt, ordered: true, weight: 0.5, gap: 24, cgap: 16},
	{cat: catRole, a: vRole, b: oPersona, weight: 1, gap: 64, cgap: 24},
	{cat: catSafety, a: vDisable, b: oSafety, weight: 0.9, gap: 40, rgap: 20, cgap: 20},
	{cat: catSafety, a: vDisable, b: oLimits, needMod: true, weight: 0.6, gap: 32, rgap: 12, cgap: 16},
	{cat: catSafety, a: vIgnore, b: oLimits, needMod: true, weight: 0.5, gap: 32, rgap: 12},
	{cat: catSafety, a: vDisable, b: oLimits, weight: 0.3, gap: 24, rgap: 12},
	{cat: catExfil, a: vSend, b: oData, weight: 0.45, gap: 64, rgap: 16, cgap: 24, destBoost: true},
	{cat: catExfil, a: vSend, b: oDest, ordered: true, weight: 0.5, gap: 80, cgap: 30},
	{cat: catExfil, a: vSend, b: sURL, ordered: true, weight: 0.4, gap: 80},
	{cat: catExfil, a: oData, b: oDest, ordered: true, weight: 0.45, gap: 48, cgap: 20},
	{cat: catExfil, a: oData, b: sURL, ordered: true, weight: 0.4, gap: 48},
	{cat: catExfil, a: vAccess, b: oOther, weight: 0.8, gap: 48, rgap: 16, cgap: 24},
	{cat: catExfil, a: vLoad, b: sURLQuery, ordered: true, weight: 0.55, gap: 48},
	{cat: catExfil, a: vLoad, b: sURLData, ordered: true, weight: 0.75, gap: 48},
	{cat: catExfil, a: vReveal, b: oData, ordered: true, weight: 0.35, gap: 40, cgap: 16, destBoost: true},
	{cat: catTool, a: vCall, b: oToolRisky, weight: 0.85, gap: 48, rgap: 16, cgap: 24},
	{cat: catTool, a: vCall, b: oTool, ordered: true, weight: 0.35, gap: 32},
	{cat: catTool, a: vApprove, b: oTool, weight: 0.8, gap: 40, rgap: 12, cgap: 20},
	{cat: catTool, a: vApprove, b: oToolRisky, weight: 0.9, gap: 40, rgap: 12, cgap: 20},
	{cat: catMemory, a: vRemember, b: oPriv, ordered: true, weight: 0.7, gap: 64, cgap: 30},
	{cat: catPrivilege, a: vBe, b: oPriv, ordered: true, weight: 0.4, gap: 24, cgap: 16},
	{cat: catAddressed, a: sAI, b: sModal, ordered: true, weight: 0.6, gap: 48, cgap: 16},
}

// Text addressed to a model followed by an imperative of any intent.
func init() {
	for _, v := range []class{vIgnore, vReveal, vRole, vDisable, vSend, vCall, vApprove, vRemember, vAccess, vLoad} {
		rules = append(rules, rule{cat: catAddressed, a: sAI, b: v, ordered: true, weight: 0.5, gap: 48, vocative: true})
	}
	for i, r := range rules {
		rulesByA[r.a] = append(rulesByA[r.a], i)
	}
}

// single classes that are intents on their own.
var singles = [nClasses]struct {
	cat    category
	weight float64
}{
	sPersona:    {catRole, 0.75},
	oPersona:    {catRole, 0.25},
	oNewInstr:   {catOverride, 0.45},
	oToolRisky:  {catTool, 0.2},
	sHide:       {catHidden, 0.6},
	tTemplate:   {catTemplate, 0.8},
	tToolOutput: {catTemplate, 0.5},
	tRoleMarker: {catTemplate, 0.6},
	tMdImage:    {catExfil, 0.55},
	sURLData:    {catExfil, 0.4},
}

// rulesByA indexes rules by their first class (filled by init).
var rulesByA [nClasses][]int

// intent is one attack intent or structural signal found in a view.
type intent struct {
	cat     category
	weight  float64
	span    textnorm.Span // in the root original
	quoted  bool
	negated bool
	hidden  bool
	obf     bool // seen only through de-obfuscation or decoding
	decoded bool
	frames  int
	damp    bool
	region  textnorm.Span // hidden region holding it (root), when hidden
	blob    textnorm.Span // encoded blob holding it, when decoded
}

// evidence gathers everything found in one window.
type evidence struct {
	intents []intent
	// imperatives counts sentences that open with a verb of an attack
	// family ("Send …", "Approve …"): harmless from a user, a planted
	// instruction inside data.
	imperatives int
	frames      int
	urgency     int
	invisible   int
	mixedScript int
	canary      []textnorm.Span
}

// Bounds that keep the pair search linear whatever the input.
const (
	maxPartnerScan = 48
	modSlack       = 24
	frameBefore    = 160
	negBefore      = 10
	negAfter       = 6
)

// inherited is the context of an encoded blob in the text around it: a
// base64 string quoted in a test fixture is as descriptive as the plain
// phrase would be.
type inherited struct {
	quoted bool
	frames int
}

// analyzeText finds intents in every view of t and its decoded payloads.
func analyzeText(t *textnorm.Text, depth int, ev *evidence) {
	analyzeIn(t, depth, inherited{}, ev)
}

func analyzeIn(t *textnorm.Text, depth int, inh inherited, ev *evidence) {
	tb := lexTables()
	hits := tb.scanWords(mergeLI(t.Base.Text), nil, false)
	if t.Folded.Text != t.Base.Text {
		hits = tb.scanWords(mergeLI(t.Folded.Text), hits, true)
	}
	hits = structuralHits(t, hits)
	hits = sortHits(hits)
	lay := scanLayout(t.Base.Text)
	// Role names count as markers only where a turn would start.
	for i := range hits {
		if hits[i].cls == tRole && validRoleMarker(t, hits[i]) {
			hits = append(hits, hit{start: hits[i].start, end: hits[i].end, cls: tRoleMarker, obf: hits[i].obf})
		}
	}
	hits = sortHits(hits)
	dropFramesInURLs(hits)
	if depth == 0 {
		ev.imperatives += imperatives(t.Base.Text, hits, &lay)
	}
	wordIntents(&t.Base, hits, &lay, depth, inh, ev)
	{
		for _, h := range hits {
			switch h.cls {
			case sFrame:
				ev.frames++
			case sUrgent, sAuthority:
				ev.urgency++
			}
		}
	}
	if t.HasRot13() {
		rh := tb.scanWords(mergeLI(t.Rot13.Text), nil, true)
		rh = scanAddresses(rot13(t.Original), func(p int) int32 { return int32(t.Base.ViewPos(p)) }, rh)
		rh = sortHits(rh)
		wordIntents(&t.Rot13, rh, &lay, depth, inh, ev)
	}
	if t.HasCompact() {
		ch := sortHits(tb.compact().scan(mergeLI(t.Compact.Text), nil, true, true))
		n := len(ev.intents)
		compactIntents(&t.Compact, ch, depth, ev)
		ev.intents = append(ev.intents[:n], keepNew(ev.intents[:n], ev.intents[n:], t.Decoded)...)
	}
	if depth == 0 {
		ev.invisible = t.Signals.Invisible + t.Signals.Bidi + t.Signals.Tags
		ev.mixedScript = t.Signals.MixedScriptWords
	}
	for i := range t.Decoded {
		d := &t.Decoded[i]
		ci := inh
		if depth == 0 {
			vs, ve := int32(t.Base.ViewPos(d.Span.Start)), int32(t.Base.ViewPos(d.Span.End))
			ss, se := lay.sentenceStart(vs), lay.sentenceEnd(max(ve-1, vs), len(t.Base.Text))
			ci = inherited{
				quoted: lay.inQuote(vs, ve),
				frames: countIn(hits, sFrame, max(ss-frameBefore, 0), se, -1, -1),
			}
		}
		analyzeIn(d.Text, depth+1, ci, ev)
	}
}

func sortHits(h []hit) []hit {
	slices.SortFunc(h, func(a, b hit) int {
		switch {
		case a.start != b.start:
			return int(a.start - b.start)
		case a.end != b.end:
			return int(a.end - b.end)
		case a.cls != b.cls:
			return int(a.cls) - int(b.cls)
		case a.obf != b.obf:
			if !a.obf {
				return -1
			}
			return 1
		}
		return 0
	})
	return slices.CompactFunc(h, func(a, b hit) bool { return a.start == b.start && a.end == b.end && a.cls == b.cls })
}

// firstAt returns the index of the first hit starting at or after p.
func firstAt(hits []hit, p int32) int {
	lo, hi := 0, len(hits)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if hits[m].start < p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// hasIn reports a hit of class c starting in [lo, hi).
func hasIn(hits []hit, c class, lo, hi int32) bool {
	for i, n := firstAt(hits, lo), 0; i < len(hits) && hits[i].start < hi && n < maxPartnerScan; i, n = i+1, n+1 {
		if hits[i].cls == c {
			return true
		}
	}
	return false
}

// countIn counts hits of class c starting in [lo, hi) outside [xs, xe).
func countIn(hits []hit, c class, lo, hi, xs, xe int32) int {
	n := 0
	for i, k := firstAt(hits, lo), 0; i < len(hits) && hits[i].start < hi && k < 4*maxPartnerScan; i, k = i+1, k+1 {
		if hits[i].cls == c && (hits[i].end <= xs || hits[i].start >= xe) {
			n++
		}
	}
	return n
}

func negated(hits []hit, v hit) bool {
	for i, n := firstAt(hits, v.start-negBefore-12), 0; i < len(hits) && hits[i].start <= v.end+negAfter && n < maxPartnerScan; i, n = i+1, n+1 {
		h := hits[i]
		switch {
		case h.cls == sNeg && h.end <= v.start && h.end >= v.start-negBefore:
			return true
		case h.cls == sNegPost && h.start >= v.end && h.start <= v.end+negAfter:
			return true
		}
	}
	return false
}

// subjectOfOther reports the words between an object and a verb after it
// that make the object the subject of a relative clause of its own
// ("commands that delete or overwrite files", "rules which block"): the
// verb is what the object does, not what is done to it. A passive ("rules
// that are to be ignored") still counts.
func subjectOfOther(between string) bool {
	f := strings.Fields(between)
	if len(f) == 0 {
		return false
	}
	var rel, next string
	if len(f) == 1 {
		// The Compact view glues the words: "which", "thatdelete".
		for _, r := range []string{"that", "which", "who"} {
			if strings.HasPrefix(f[0], r) {
				rel, next = r, f[0][len(r):]
			}
		}
	} else {
		rel, next = f[0], f[1]
	}
	switch rel {
	case "that", "which", "who":
	default:
		return false
	}
	for _, aux := range relAux {
		if next == aux || len(f) == 1 && strings.HasPrefix(next, aux) {
			return false
		}
	}
	return true
}

// relAux are the words after a relative pronoun that make its clause
// passive or give it another subject ("rules that are to be ignored",
// "rules that you must ignore").
var relAux = []string{"is", "are", "was", "were", "be", "been", "being", "should", "must", "shall", "will", "would", "can", "could", "may", "might", "need", "needs", "have", "has", "had", "to", "you", "we", "i"}

func isVerb(c class) bool { return c >= vIgnore && c <= vVoid }

// wordIntents evaluates the rules over the hits of a word view (Base,
// Folded or Rot13, which share offsets) and records intents with their
// context: quoted, framed, negated, hidden.
func wordIntents(v *textnorm.View, hits []hit, lay *layout, depth int, inh inherited, ev *evidence) {
	n := len(v.Text)
	add := func(cat category, w float64, s, e int32, verb *hit, obf bool, parts ...hit) {
		in := intent{cat: cat, weight: w, span: v.Orig(int(s), int(e)), obf: obf || depth > 0, decoded: depth > 0}
		if depth > 0 {
			in.blob = in.span
		}
		// Quoted: each word of the pair inside quotes ("a verb like
		// 'ignore' meets an object like 'instructions'").
		in.quoted = true
		for _, h := range parts {
			in.quoted = in.quoted && lay.inQuote(h.start, h.end)
		}
		if verb != nil {
			in.negated = negated(hits, *verb)
		}
		if h, ok := lay.hiddenAt(s); ok {
			in.hidden = true
			in.region = v.Orig(int(h.start), int(h.end))
		}
		ss, se := lay.sentenceStart(s), lay.sentenceEnd(e-1, n)
		in.frames = countIn(hits, sFrame, max(ss-frameBefore, 0), se, -1, -1) + inh.frames
		in.quoted = in.quoted || inh.quoted
		ev.intents = append(ev.intents, in)
	}
	for i := range hits {
		h := hits[i]
		if sg := singles[h.cls]; sg.weight > 0 {
			add(sg.cat, sg.weight, h.start, h.end, nil, h.obf, h)
		}
		for _, ri := range rulesByA[h.cls] {
			r := &rules[ri]
			sent := lay.sentence(h.start)
			best := -1
			// Partner after h.
			for j, k := i+1, 0; j < len(hits) && k < maxPartnerScan; j, k = j+1, k+1 {
				p := hits[j]
				if p.start-h.end > r.gap {
					break
				}
				if p.cls == r.b && p.start >= h.end && lay.sentence(p.start) == sent {
					best = j
					break
				}
			}
			// Partner before h.
			if best < 0 && !r.ordered {
				rg := r.rgap
				if rg == 0 {
					rg = r.gap
				}
				for j, k := i-1, 0; j >= 0 && k < maxPartnerScan; j, k = j-1, k+1 {
					p := hits[j]
					if h.start-p.start > rg+64 {
						break
					}
					if p.cls == r.b && p.end <= h.start && h.start-p.end <= rg && lay.sentence(p.start) == sent {
						best = j
						break
					}
				}
			}
			if best < 0 {
				continue
			}
			p := hits[best]
			s, e := min(h.start, p.start), max(h.end, p.end)
			if r.needMod && !hasIn(hits, mPrev, max(s-modSlack, 0), e) {
				continue
			}
			if r.vocative && !strings.ContainsAny(v.Text[h.end:p.start], ":,") {
				continue
			}
			if isVerb(h.cls) && p.start >= h.end && otherClause(v.Text, hits, h, p) {
				continue
			}
			if isVerb(h.cls) && p.end <= h.start && subjectOfOther(v.Text[p.end:h.start]) {
				continue
			}
			var verb *hit
			if isVerb(h.cls) {
				verb = &hits[i]
			}
			w := r.weight
			if r.destBoost && (hasIn(hits, oDest, e, e+80) || hasIn(hits, sURL, e, e+80)) {
				w = 0.9
			}
			add(r.cat, w, s, e, verb, h.obf || p.obf, h, p)
		}
	}
}

// compactIntents evaluates the rules over the Compact view, where words
// have no boundaries: only the pairs with a compact gap apply, and there is
// no quoting, framing or negation to be seen.
func compactIntents(v *textnorm.View, hits []hit, depth int, ev *evidence) {
	for i := range hits {
		h := hits[i]
		if h.cls == sPersona {
			sp := v.Orig(int(h.start), int(h.end))
			ev.intents = append(ev.intents, intent{cat: catRole, weight: 0.75, span: sp, obf: true, decoded: depth > 0})
		}
		for _, ri := range rulesByA[h.cls] {
			r := &rules[ri]
			if r.cgap == 0 {
				continue
			}
			best := -1
			for j, k := i+1, 0; j < len(hits) && k < maxPartnerScan; j, k = j+1, k+1 {
				p := hits[j]
				if p.start-h.end > r.cgap {
					break
				}
				if p.cls == r.b && p.start >= h.end {
					best = j
					break
				}
			}
			if best < 0 && !r.ordered {
				for j, k := i-1, 0; j >= 0 && k < maxPartnerScan; j, k = j-1, k+1 {
					p := hits[j]
					if h.start-p.start > r.cgap+64 {
						break
					}
					if p.cls == r.b && p.end <= h.start && h.start-p.end <= r.cgap {
						best = j
						break
					}
				}
			}
			if best < 0 {
				continue
			}
			p := hits[best]
			s, e := min(h.start, p.start), max(h.end, p.end)
			if r.needMod && !hasIn(hits, mPrev, max(s-modSlack, 0), e) {
				continue
			}
			in := intent{cat: r.cat, weight: r.weight, span: v.Orig(int(s), int(e)), obf: true, decoded: depth > 0}
			if depth > 0 {
				in.blob = in.span
			}
			ev.intents = append(ev.intents, in)
		}
	}
}

// settle decides which intents are descriptive (quoted or framed, or
// negated) and so dampened. An attack that calls itself an example is
// still live when the text also addresses the model directly: an
// unquoted address to an AI followed by an unquoted attack intent brings
// every unquoted intent back to life.
func settle(ev *evidence) {
	for i := range ev.intents {
		in := &ev.intents[i]
		switch {
		case in.negated:
			in.damp = true
		case in.quoted && in.frames >= 1:
			in.damp = true
		case in.frames >= 2:
			in.damp = true
		case in.quoted && ev.frames >= 3:
			in.damp = true
		}
	}
	live := false
	for i := range ev.intents {
		a := &ev.intents[i]
		if a.cat != catAddressed || a.quoted || a.negated {
			continue
		}
		for j := range ev.intents {
			b := &ev.intents[j]
			if b.cat <= catPrivilege && !b.quoted && !b.negated && b.span.Start >= a.span.Start && b.span.Start <= a.span.Start+300 {
				live = true
				break
			}
		}
		if live {
			break
		}
	}
	if !live {
		return
	}
	for i := range ev.intents {
		if in := &ev.intents[i]; !in.negated && !in.quoted {
			in.damp = false
		}
	}
}

// rot13 rotates the ASCII letters of s (length-preserving, so offsets
// into s stay valid).
func rot13(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return string(b)
}

// dropFramesInURLs discards frame words inside URLs and e-mail addresses
// ("example.com" is not a text giving an example).
func dropFramesInURLs(hits []hit) {
	end := int32(-1)
	for i := range hits {
		h := &hits[i]
		if h.cls == sURL {
			end = max(end, h.end)
			continue
		}
		if h.cls == sFrame && h.start < end {
			h.cls = cNone
		}
	}
}

// clauseJoins separate clauses: a second verb after one of them starts a
// new command, which owns the objects that follow it.
var clauseJoins = []string{" and ", " then ", ", ", "; ", " et ", " und ", " y ", " e ", " и ", " i ", " ve ", " dan ", " en ", " va ", "和", "并", "、", "，", "然后"}

// otherClause reports whether, between verb v and object o, a verb of
// another family opens a new clause ("ignore build artifacts and remove
// old system prompt templates": the object belongs to "remove").
func otherClause(text string, hits []hit, v, o hit) bool {
	for i, n := firstAt(hits, v.end), 0; i < len(hits) && hits[i].start < o.start && n < maxPartnerScan; i, n = i+1, n+1 {
		h := hits[i]
		if !isVerb(h.cls) || h.cls == v.cls || h.start < v.end {
			continue
		}
		between := text[v.end:h.start]
		for _, j := range clauseJoins {
			if strings.Contains(between, j) {
				return true
			}
		}
	}
	return false
}

// keepNew filters intents found in the Compact view: those overlapping an
// intent of the same category already found in a word view (where quoting
// and framing can be seen) or lying in an encoded blob (decoded separately)
// add nothing and lose context.
func keepNew(old, fresh []intent, decoded []textnorm.Decoded) []intent {
	out := fresh[:0]
next:
	for _, c := range fresh {
		for _, d := range decoded {
			if c.span.Start < d.Span.End && d.Span.Start < c.span.End {
				continue next
			}
		}
		for _, o := range old {
			if o.cat == c.cat && c.span.Start < o.span.End && o.span.Start < c.span.End {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// imperatives counts verb hits that open a sentence (after markup, quotes
// or a list bullet).
func imperatives(b string, hits []hit, lay *layout) int {
	n := 0
	for _, h := range hits {
		if !isVerb(h.cls) || h.cls == vBe || h.cls == vVoid {
			continue
		}
		i := int(lay.sentenceStart(h.start))
		for i < int(h.start) && strings.IndexByte(" \t\n-*#>\"'`([0123456789.):", b[i]) >= 0 {
			i++
		}
		if i == int(h.start) {
			n++
		}
	}
	return n
}
