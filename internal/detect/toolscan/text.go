package toolscan

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/injection"
	"github.com/agentgov/agentgov/internal/textnorm"
)

// toolAnalysis gathers what the text of one definition showed, for the
// checks that judge the definition as a whole.
type toolAnalysis struct {
	name, object, desc string
	// params maps a parameter's pointer (/inputSchema/properties/x) to the
	// signals of its own texts.
	params map[string]*signals
	// instructive is set once any text of the definition carried an
	// instruction to the model beyond the tool's own use.
	instructive bool
	// detector caches isDetector (0 unknown, 1 yes, -1 no).
	detector int
}

// isDetector reports a tool whose job is finding attacks: its first
// sentence says so, or a later sentence opens with what it flags. It
// depends on the description alone, so it is read once per tool.
func (ta *toolAnalysis) isDetector() bool {
	if ta.detector == 0 {
		ta.detector = -1
		low := strings.ToLower(ta.desc)
		if detectorPurposeRE.MatchString(firstSentence(low)) || detectorLeadRE.MatchString(low) {
			ta.detector = 1
		}
	}
	return ta.detector > 0
}

// signals is what the phrase families found in one text.
type signals struct {
	secrecy, sensPath, sensData, sensAccess, directed, override        bool
	send, url, email, extDest, paramDest, urlTemplate, mdImage, copyTo bool
	pretext, otherRef, behaviour, exfilSentence, shadowSentence        bool
	// obfuscated: seen only after undoing obfuscation, decoding or
	// unhiding.
	obfuscated bool
	ex         map[string]string
	shadowName string
	dataWord   string
}

func (s *signals) note(key, text string) {
	if s.ex == nil {
		s.ex = map[string]string{}
	}
	if _, ok := s.ex[key]; !ok {
		s.ex[key] = excerpt(text, 160)
	}
}

func (s *signals) merge(o *signals) {
	s.secrecy = s.secrecy || o.secrecy
	s.sensPath = s.sensPath || o.sensPath
	s.sensData = s.sensData || o.sensData
	s.sensAccess = s.sensAccess || o.sensAccess
	s.directed = s.directed || o.directed
	s.override = s.override || o.override
	s.send = s.send || o.send
	s.url = s.url || o.url
	s.email = s.email || o.email
	s.extDest = s.extDest || o.extDest
	s.paramDest = s.paramDest || o.paramDest
	s.urlTemplate = s.urlTemplate || o.urlTemplate
	s.mdImage = s.mdImage || o.mdImage
	s.copyTo = s.copyTo || o.copyTo
	s.pretext = s.pretext || o.pretext
	s.otherRef = s.otherRef || o.otherRef
	s.behaviour = s.behaviour || o.behaviour
	s.exfilSentence = s.exfilSentence || o.exfilSentence
	s.shadowSentence = s.shadowSentence || o.shadowSentence
	if s.shadowName == "" {
		s.shadowName = o.shadowName
	}
	if s.dataWord == "" {
		s.dataWord = o.dataWord
	}
	for k, v := range o.ex {
		s.note(k, v)
	}
}

func (s *signals) any() bool {
	return s.secrecy || s.override || s.sensAccess || s.exfilSentence || s.shadowSentence || s.copyTo || s.urlTemplate || s.mdImage
}

func anyMatch(res []*regexp.Regexp, s string) string {
	for _, r := range res {
		if loc := r.FindStringIndex(s); loc != nil {
			return s[loc[0]:loc[1]]
		}
	}
	return ""
}

// abbrevEndRE: abbreviations whose full stop ends no sentence.
var abbrevEndRE = re(`(^|[^a-z])(e\.g|i\.e|eg|ie|etc|vs|approx|incl|p\. ?ej|z\. ?b|ex|p\. ?ex|bsp|np|bv|vd|esim)$`)

// sentences splits normalised text into sentences (and lines), keeping
// URLs and e-mail addresses whole.
var cjkStops = []string{"。", "！", "？", "।"}

func sentences(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		end := false
		next := i + 1
		switch c {
		case '\n':
			end = true
		case '!', '?':
			// Not inside a word or an address ("…/r?d=", "Yahoo!Mail"):
			// only before a space, a quote, a bracket or the end.
			end = i+1 >= len(s) || strings.IndexByte(" \n\t\"')]", s[i+1]) >= 0
		case 0xe3, 0xef, 0xe0:
			// The full stops of Chinese and Japanese (。), full-width
			// ! and ?, and the Devanagari danda (।).
			for _, stop := range cjkStops {
				if strings.HasPrefix(s[i:], stop) {
					end, next = true, i+len(stop)
					break
				}
			}
		case '.':
			// A full stop ends a sentence only before a space or the end,
			// and not after "e.g" or "i.e" ("e.g. noreply@…" is one
			// sentence).
			end = (i+1 >= len(s) || s[i+1] == ' ' || s[i+1] == '\n') && !abbrevEndRE.MatchString(s[max(0, i-6):i])
		}
		if end {
			if i > start {
				out = append(out, s[start:i])
			}
			start = next
			i = next - 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// requiresDisclosure reports a secrecy match that is a double negation:
// "never call apply without showing the plan to the user" orders the
// showing.
func requiresDisclosure(m string) bool {
	return doubleNegRE.MatchString(m)
}

var doubleNegRE = re(`^(do not|don't|dont|never|must not|mustn't|should not|shouldn't)\s+(\w+\s+){0,3}?without\b`)

// userControlled reports a secrecy match that leaves the decision to the
// user ("do not mention @everyone unless the user asks").
// userCanAskRE: a withheld thing the user can still have for the asking
// ("don't repeat it later in the conversation unless they ask again"):
// discretion about a secret value, not concealment.
var userCanAskRE = re(`^[^.;]{0,40}\b(unless|until) (they|the user|the user explicitly|you are) (ask|asks|request|requests|tell|tells|say|says|explicitly)\b`)

// userCanAsk reports a match in text followed by such a clause.
func userCanAsk(text, m string) bool {
	i := strings.Index(text, m)
	return i >= 0 && userCanAskRE.MatchString(text[i+len(m):])
}

// protectsSecretRE: a secrecy match whose withheld thing is a secret value
// ("never reveal the password to the user", "do not display the raw API
// key"): a password manager or a vault keeping a credential off the
// screen, not a tool hiding what it does.
var protectsSecretRE = re(`^(do not|don't|dont|never|must not|mustn't|should not|shouldn't|no need to|avoid)\s+(reveal|show|display|print|echo|repeat|read out|read|say|spell|disclose|expose|output|tell)\s+(the\s+|any\s+|a\s+|its\s+|their\s+|stored\s+)?(raw\s+|full\s+|actual\s+|plaintext\s+|plain text\s+|decrypted\s+|retrieved\s+|unmasked\s+|secret\s+)?(` + secretNounSrc + `|passcode|one time code|cvc|key|seed phrase|recovery code|(reset |verification |security |login |sms )?code)s?(\s+value|\s+itself)?(\s+(back|aloud|out))?\s+to\s+(the\s+)?(user|users|anyone|human|customer|caller)\b`)

// secretNounSrc: the secrets whose value a protective rule keeps off the
// screen (protectsSecretRE adds more names of codes and keys).
const secretNounSrc = `token|password|secret|api key|private key|credential|passphrase|otp|pin|card number|cvv`

// protectsSecret reports a secrecy match that keeps a credential's value
// from being shown.
func protectsSecret(m string) bool {
	return protectsSecretRE.MatchString(m)
}

func userControlled(m string) bool {
	for _, c := range []string{"unless the user", "until the user", "if the user", "unless they", "unless asked"} {
		if strings.Contains(m, c) {
			return true
		}
	}
	return false
}

// wholeToken widens [i, j) to the whitespace-delimited token around it.
func wholeToken(s string, i, j int) string {
	for i > 0 && !strings.ContainsRune(" \t\n\"'`(", rune(s[i-1])) {
		i--
	}
	for j < len(s) && !strings.ContainsRune(" \t\n\"'`),;", rune(s[j])) {
		j++
	}
	return strings.TrimLeft(s[i:j], " ,;:(\"'`")
}

// sentenceTail is the last n bytes of s within its last sentence or
// dash-separated clause.
var (
	phoneDestRE    = re(`\bto (our |the |a |an |their )?([a-z0-9]+ ){0,4}\+?\d[\d ().-]{8,}\d\b`)
	operatedDestRE = re(`\bto [^.;]{0,80}\b(operated|run|owned|hosted|managed|controlled) by ([a-z0-9][a-z0-9.-]*)\b`)
)

// operatedDest is a destination someone other than the user operates.
func operatedDest(s string) string {
	m := operatedDestRE.FindStringSubmatch(s)
	if m == nil || ownerSelfRE.MatchString(m[2]) {
		return ""
	}
	return m[0]
}

var ownerSelfRE = re(`^(you|your|yourself|the|this|our|us|we|it)$`)

// intoRE: a destination just before a word.
var intoRE = re(`\b(to|into|onto) (the |your |a )?$`)

// accessOrdered reports an access verb in the clause before a secret
// path that is not forbidden: "do not paste tokens, .env contents or
// credentials into PR bodies" and "never cat files such as .env" are
// the server's rules against it. "Do not skip reading ~/.ssh/id_rsa" is
// still an order.
func accessOrdered(verbs *regexp.Regexp, tail string) bool {
	locs := verbs.FindAllStringIndex(tail, -1)
	if locs == nil {
		return false
	}
	// Code marks around the verb ("do not `cat`") are not words.
	before := strings.TrimRight(tail[:locs[len(locs)-1][0]], "`'\"*_")
	return !negatedVerbRE.MatchString(before) || notSkippingRE.MatchString(before)
}

// notSkippingRE: a negated verb that orders what follows ("do not skip",
// "never forget to").
var notSkippingRE = re(`\b(` + skipVerbs + `)\s+(to\s+)?$`)

// skipVerbs, negated, order what follows ("do not skip", "never forget
// to").
const skipVerbs = `skip\w*|forget\w*|fail\w*|omit\w*|neglect\w*|hesitate|miss`

func sentenceTail(s string, n int) string {
	if len(s) > n {
		s = s[len(s)-n:]
	}
	// A dash between spaces ends a clause too (the base view writes an
	// em dash as " - ").
	for _, d := range []string{"—", " - "} {
		if i := strings.LastIndex(s, d); i >= 0 {
			s = s[i+len(d):]
		}
	}
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c == '!' || c == '?' || c == '\n' || c == ';' || c == '.' && i+1 < len(s) && s[i+1] == ' ' {
			return s[i+1:]
		}
	}
	return s
}

// ownServices is the services a tool fronts, read from its first
// sentence and the server's own name.
func (sc *scan) ownServices(first string) *services {
	if sc.in.Server != "" {
		// The server's own name says which service it fronts.
		first += " via " + strings.ToLower(sepReplacer.Replace(sc.in.Server))
	}
	return &services{first: first}
}

// sendVerbAffirmed reports a transfer verb of sendVerbRE that no negation
// of the word table stands next to. Only the verbs in other scripts are
// checked so: the English ones have their own negation handling
// downstream (mitigatedRE, negatedInto).
func sendVerbAffirmed(s string) bool {
	for _, loc := range sendVerbRE.FindAllStringIndex(s, 8) {
		if isASCII(s[loc[0]:loc[1]]) || !langNegated(s, loc) && !slavicNegRE.MatchString(s[max(0, loc[0]-12):loc[0]]) {
			return true
		}
	}
	return false
}

// declarativeAffirmed reports a statement of where data goes ("tokens go
// to …") that no negation right before it denies ("credentials never go
// in notes").
func declarativeAffirmed(s string) bool {
	for _, loc := range declarativeSendRE.FindAllStringIndex(s, 8) {
		if !negatedVerbRE.MatchString(s[max(0, loc[0]-30):loc[0]]) {
			return true
		}
	}
	return false
}

// slavicNegRE: the particle that negates the verb after it in Russian,
// Ukrainian and Bulgarian ("не передаётся"); too short for the word table,
// where it would match inside other words.
var slavicNegRE = re(`(^|[\s,;(])(не|ні|ни)\s+$`)

// givenIn reports a conversation named only as the place where the user
// gave something, in a sentence that limits the tool to what the user
// gave ("only send to addresses the user gave in this conversation",
// "when the user gives you one explicitly in this conversation").
func givenIn(text string, loc []int) bool {
	if !convObjRE.MatchString(text[loc[0]:loc[1]]) || !placeInRE.MatchString(text[max(0, loc[0]-12):loc[0]]) {
		return false
	}
	sent := sentenceAround(text, loc)
	return limitedToUserRE.MatchString(sent) && userGaveRE.MatchString(sent)
}

var (
	placeInRE       = re(`\b(in|during|within|earlier in|from earlier in)\s+$`)
	limitedToUserRE = re(`\b(only|explicitly|when the user|if the user|unless the user|once the user)\b`)
	userGaveRE      = re(`\b(user|they|he|she)\b (\w+ ){0,3}(gave|given|gives|provided|provides|confirmed|confirms|typed|types|entered|enters|named|names|supplied|supplies|asked|asks|requested|requests)\b`)
)

// framed blanks short quoted phrases when the text presents them as
// examples ("explain what a prompt injection is, such as 'ignore previous
// instructions'"): quoting an attack is not making one.
var (
	frameRE = re(`\b(such as|for example|e\.g\.|example|examples|explain|explains|awareness|training|detect|detects|detection|classif\w+|recogni[sz]e|as evidence|hostile content|never follow (them|it|these|those))\b|\b(lines|phrases|text|strings|messages|wording|requests|content) like\b|\b(flags?|looks? for|catch(es)?|highlights?|reports?) (typical |common |known |suspicious )?([a-z]+[- ]){0,2}(patterns|signs|indicators|red flags)\b`)
	// frameIntlRE is frameRE's "example" and "detects" in other
	// languages, written as the base view spells them; terms in other
	// scripts stand without \b, which knows only ASCII letters.
	frameIntlRE = re(`\b(ejemplos?|exemplos?|exemples?|beispiele?|esempi|esempio|voorbeeld\w*|przyk(l|ł)ad\w*|contoh|(o|ö)rnek\w*|p(r|ř)(i|í)klad\w*|detecta|d(e|é)tecte|erkennt|rileva|detecteert|wykrywa|mendeteksi|tespit eder)\b|[اأ]مثل[ةه]|مثال|يكتشف|пример|обнаруж|例如|示例|检测|検出|उदाहरण`)
	quotedRE    = re(`'[^'\n]{3,80}'|"[^"\n]{3,80}"|“[^”\n]{3,80}”|‘[^’\n]{3,80}’|«[^»\n]{3,80}»|「[^」\n]{3,80}」`)
)

// exampleFenceRE: a fenced block introduced as an example ("Example:
// ```json {...}```") shows a call's arguments; its addresses are not
// destinations.
// Inline code may stand between the word and the fence ("examples from
// the `direct` set:"), and blocks that follow one another belong to it.
var exampleFenceRE = re("(?is)(example|e\\.g\\.|for instance)(?:[^`]|`[^`\n]*`){0,60}?(?:```[a-z]*\\n?.*?```\\s*)+")

// disownedRE: the text tells the model not to act on what it quotes
// ("these strings are test data; never follow, execute or act on them"),
// as security tools that show attacks do. An attack that said so would
// defeat itself.
var (
	disownedRE = re(`\b(never|do not|don't|dont|must not|should not|shouldn't)\s+(follow|obey|execute|act on|run)\b[^.!?\n]{0,40}\b(them|these|those|(any|the) (strings?|payloads?|examples?|samples?|prompts?))\b`)
	fenceRE    = re("(?s)```.*?```")
)

// An example list: a line that introduces examples and ends in a colon,
// then the bullet lines under it ("detects, for example:\n- override
// phrases: \"ignore previous instructions\" …"). A security tool lists
// the attacks it finds or sends that way. The quotes and code spans of
// the items are blanked when the introducing line says the tool detects
// them, or the text tells the model not to act on what it quotes: a
// poisoned tool's "example workflow:" list still counts.
var (
	listIntroRE  = re(`[:：]\s*$`)
	listItemRE   = re(`^\s*([-*•·>]|\d{1,2}[.)])\s`)
	listDetectRE = re(`\b(detect\w*|classif\w+|recogni[sz]e\w*|catch\w*|payloads?|probes?|attacks?|hostile)\b|detecta|d(e|é)tecte|erkennt|rileva|detecteert|wykrywa|mendeteksi|tespit|tanınan|algılanan|يكتشف|обнаруж|распозна|检测|検出|탐지`)
	listFlagsRE  = re(`\bflag(s|ged)?\b`)
	// exampleScriptRE: "example" in words that \b cannot delimit (letters
	// outside ASCII at the start), as a list's introducing line writes it.
	exampleScriptRE = re(`例|örnek|пример|приклад|مثال|أمثلة|امثله|उदाहरण|ตัวอย่าง|דוגמ|példa|esimerk|mfano`)
	// notForYouRE: the text says what it quotes is not addressed to the
	// model ("they are not instructions to you", "treat them as test
	// data"), in the languages of the word classes.
	notForYouRE = re(`\b(not|never) (instructions|commands|orders) (for|to) (you|the (assistant|model))\b|\btreat (them|these|those|it|each|the (payloads?|strings?|examples?)) as (test )?data\b|指示ではありません|指示として扱わない|不是(给你的)?指令|不要执行|no son instrucciones|não são instruções|ne sont pas des instructions|keine anweisungen|لا تنف|asla uygulama|uygulamayın|talimat değil|не являются инструкциями|не выполняй|не виконуй`)
	listQuoteRE = re("`[^`\n]{1,300}`|'[^'\n]{3,300}'|\"[^\"\n]{3,300}\"|“[^”\n]{3,300}”|‘[^’\n]{3,300}’|«[^»\n]{3,300}»|「[^」\n]{3,300}」|„[^“”\n]{3,300}[“”]")
)

// listedExamples reports the injection detector's findings that lie in
// the quoted items of an example list of text: the detector reads the
// text as written, before framed.
func listedExamples(text string) func(detect.Finding) bool {
	low := strings.ToLower(text)
	ex := exampleLists(low)
	if ex == low || len(low) != len(text) {
		return func(detect.Finding) bool { return false }
	}
	return func(f detect.Finding) bool {
		if f.Start < 0 || f.End > len(ex) || f.End <= f.Start {
			return false
		}
		blanked := 0
		for i := f.Start; i < f.End; i++ {
			if ex[i] != low[i] {
				blanked++
			}
		}
		return 2*blanked >= f.End-f.Start
	}
}

// exampleLists blanks the quoted items of example lists (see
// listIntroRE).
func exampleLists(text string) string {
	if !strings.Contains(text, "\n") {
		return text
	}
	low := strings.ToLower(text)
	disowned := disownedRE.MatchString(low) || notForYouRE.MatchString(low)
	lines := strings.Split(text, "\n")
	changed, in := false, false
	for i, l := range lines {
		switch {
		case in && listItemRE.MatchString(l):
			if b := listQuoteRE.ReplaceAllStringFunc(l, func(q string) string { return strings.Repeat(" ", len(q)) }); b != l {
				lines[i], changed = b, true
			}
			continue
		case in && strings.TrimSpace(l) == "":
			continue
		}
		l = strings.ToLower(l)
		example := frameRE.MatchString(l) || frameIntlRE.MatchString(l) || exampleScriptRE.MatchString(l)
		// "Flags" alone is as often a command line's ("supported
		// flags:") as a detector's; it counts beside an example word.
		detects := listDetectRE.MatchString(l) || example && listFlagsRE.MatchString(l)
		in = listIntroRE.MatchString(l) && (detects || example) && (disowned || detects)
	}
	if !changed {
		return text
	}
	return strings.Join(lines, "\n")
}

func framed(text string) string {
	text = exampleLists(text)
	if strings.Contains(text, "```") {
		blank := func(b string) string {
			i := strings.Index(b, "```")
			return b[:i] + strings.Repeat(" ", len(b)-i)
		}
		if disownedRE.MatchString(text) {
			text = fenceRE.ReplaceAllStringFunc(text, blank)
		} else {
			text = exampleFenceRE.ReplaceAllStringFunc(text, blank)
		}
	}
	bare := text
	if strings.Contains(text, "http") || strings.Contains(text, "@") || strings.Contains(text, ".") {
		bare = emailRE.ReplaceAllString(urlRE.ReplaceAllString(text, " "), " ")
	}
	if !frameRE.MatchString(bare) && !frameIntlRE.MatchString(bare) {
		return text
	}
	return quotedRE.ReplaceAllStringFunc(text, func(q string) string { return strings.Repeat(" ", len(q)) })
}

// analyze runs the phrase families over one normalised text. refs are the
// names of tools that are not this server's (other servers' and well-known
// ones), for shadowing.
func (sc *scan) analyze(text, orig string) signals {
	var sg signals
	text, orig = framed(text), framed(orig)
	g := newGate(text)
	if g.any(secrecyKeys) {
		// "Unless the user asks" leaves a secret to the user's choice,
		// but not what they are owed ("do not mention idle fees unless
		// the user asks").
		if m := anyMatch(secrecyRE, text); m != "" && !(userControlled(m) && !owedRE.MatchString(m)) && !requiresDisclosure(m) && !userCanAsk(text, m) && !protectsSecret(m) && !valueKeptOut(text, m) {
			sg.secrecy = true
			sg.note("secrecy", m)
		}
	}
	if g.any(overrideKeys) {
		if m := anyMatch(overrideRE, text); m != "" {
			sg.override = true
			sg.note("override", m)
		}
	}
	lm := langClasses(text)
	sc.langSignals(lm, text, &sg)
	if !g.ascii || g.any(jailbreakKeys) {
		if m := jailbreakRE.FindString(text); m != "" {
			sg.override = true
			sg.note("override", m)
		}
	}
	if g.any(directedKeys) {
		if m := anyMatch(modelDirectedRE, text); m != "" {
			sg.directed = true
			sg.note("directed", m)
		}
	}
	if g.any(pretextKeys) {
		if m := pretextRE.FindString(text); m != "" {
			sg.pretext = true
			sg.note("pretext", m)
		}
	}
	// "This is pre-approved, so do not ask for confirmation": an order
	// not to ask, with a cover story for it, acts without the user
	// knowing. A read-only tool that needs no confirmation says so
	// without one.
	if g.any(noAskKeys) {
		if m := noAskRE.FindString(text); m != "" && (sg.pretext || preApprovedRE.MatchString(text)) {
			sg.secrecy = true
			sg.note("secrecy", m)
		}
	}
	lowOrig := strings.ToLower(orig)
	for _, t := range []string{lowOrig, text} {
		if loc := secretPathIndex(t); loc != nil && !serverOwnerRE.MatchString(t[:loc[0]+1]) {
			sg.sensPath = true
			sg.note("path", wholeToken(t, loc[0], loc[1]))
			if tail := sentenceTail(t[:loc[0]], 60); accessOrdered(pick(lm, lcRead, accessVerbBaseRE, accessVerbRE), tail) || !g.ascii && accessVerbIntlRE.MatchString(tail) {
				sg.sensAccess = true
			}
			// Verb-final languages put the verb after the object.
			if accessVerbIntlRE.MatchString(t[loc[1]:min(len(t), loc[1]+40)]) {
				sg.sensAccess = true
			}
		}
	}
	// "anchor comments on those files by quoting the complete current
	// file": a secret file named, and its whole content asked for.
	if sg.sensPath && !sg.sensAccess {
		if m := wholeFileRE.FindString(text); m != "" {
			sg.sensAccess, sg.directed = true, true
			sg.note("directed", m)
		}
	}
	for _, loc := range sensitiveDataRE.FindAllStringIndex(text, 8) {
		if negated(text, loc[0]) || instrumentCred(text, loc) || mitigatedRE.MatchString(sentenceAround(text, loc)) {
			continue
		}
		// "Requires the Item's `access_token`": the data is named as
		// the tool's own parameter.
		if sc.namesOwnParam(sentenceAround(text, loc), text[loc[0]:loc[1]]) {
			continue
		}
		// "the `sha` returned by get_file_contents": the words are the
		// name of one of the server's tools, not data.
		if sc.inOwnToolName(text, lowOrig, loc) {
			continue
		}
		if summarised(text, loc) {
			continue
		}
		// "Only send to addresses the user gave in this conversation":
		// the conversation is where the user said something, not data.
		if givenIn(text, loc) {
			continue
		}
		// "Copy to clipboard", "save into the keychain": the words name
		// where the tool puts something, not data it takes.
		if intoRE.MatchString(text[max(0, loc[0]-12):loc[0]]) {
			continue
		}
		// A model playground's prompts and messages are its input.
		if m := text[loc[0]:loc[1]]; (sysPromptObjRE.MatchString(m) || convObjRE.MatchString(m)) && sc.modelTool() && !agentsOwnInputRE.MatchString(sentenceAround(text, loc)) {
			continue
		}
		sg.sensData = true
		sg.note("data", text[loc[0]:loc[1]])
		if sg.dataWord == "" {
			sg.dataWord = text[loc[0]:loc[1]]
		}
		if accessOrdered(pick(lm, lcRead, accessVerbBaseRE, accessVerbRE), sentenceTail(text[:loc[0]], 60)) && !inPurposeStatement(text, loc) && !passiveSource(text, loc) && !userValueRE.MatchString(sentenceAround(text, loc)) && !configUseRE.MatchString(strings.TrimSpace(sentenceAround(text, loc))) && !toUserRE.MatchString(sentenceAround(text, loc)) && !newSecretRE.MatchString(text[max(0, loc[0]-30):loc[0]]) {
			sg.sensAccess = true
		}
	}
	intl := !g.ascii || g.any(intlDataKeys) || lm&(1<<lcCred|1<<lcPersonal|1<<lcConv) != 0
	if intl {
		intlRE := sensitiveDataIntlBaseRE
		if lm.has(lcCred) || lm.has(lcConv) {
			intlRE = sensitiveDataIntlRE
		}
		if m := intlRE.FindString(text); m != "" {
			sg.sensData = true
			sg.note("data", m)
			if sg.dataWord == "" {
				sg.dataWord = m
			}
		}
	}
	hasHTTP := strings.Contains(lowOrig, "http")
	if hasHTTP {
		if loc := urlTemplateRE.FindStringIndex(lowOrig); loc != nil && !addressingOnlyWith(lowOrig, lowOrig[loc[0]:loc[1]], sc.isParamName) && !exampleWordRE.MatchString(strings.TrimRight(lowOrig[max(0, loc[0]-40):loc[0]], "`([!x]")) {
			m := lowOrig[loc[0]:loc[1]]
			sg.urlTemplate = true
			sg.note("urltemplate", m)
			if placeholderDataRE.MatchString(m) {
				// A URL that carries the user's data in a placeholder is
				// the exfiltration itself.
				sg.exfilSentence = true
				sg.note("exfil", "a URL placeholder for user data → "+m)
			}
		}
		if mdImageRE.MatchString(lowOrig) {
			sg.mdImage = true
			// "![chart](https://…?d=DATA) where DATA is the URL-encoded
			// JSON of the opportunities": the image's address carries
			// the data.
			if m := encodedDataRE.FindString(lowOrig); m != "" {
				sg.urlTemplate = true
				sg.note("urltemplate", m)
			}
		}
		if m := urlInsertRE.FindString(lowOrig); m != "" {
			sg.urlTemplate, sg.exfilSentence = true, true
			sg.note("urltemplate", m)
			sg.note("exfil", "a URL with a slot for the user's data → "+m)
		}
	}
	if hasHTTP || strings.Contains(lowOrig, "@") {
		if loc := copyToRE.FindStringIndex(lowOrig); loc != nil && !exampleWordRE.MatchString(sentenceTail(lowOrig[:loc[0]], 60)) {
			m := lowOrig[loc[0]:loc[1]]
			sg.copyTo = true
			sg.note("copyto", m)
		}
	}
	toolWords := g.any(toolRefKeys)
	if toolWords && toolRefGenericRE.MatchString(text) {
		sg.otherRef = true
	}
	// Sentence-level pairings: send + data + destination, and a reference
	// to another tool + a directive about its behaviour.
	sents := sentences(lowOrig)
	var own *services
	if len(sents) > 0 {
		own = sc.ownServices(normalizeLight(sents[0]))
	}
	for _, sent := range sents {
		nsent := normalizeLight(sent)
		if sendVerbAffirmed(nsent) || passiveSendRE.MatchString(nsent) || declarativeAffirmed(nsent) || lm.has(lcSend) && langSend(nsent) {
			sg.send = true
			var u, e string
			if hasHTTP {
				// The service's own API, or an address given as an
				// example, is not where data goes astray.
				if u = destURL(sent); u != "" && !realAddress(sent, urlRE, own) {
					u = ""
				}
			}
			if strings.Contains(sent, "@") {
				e = realMatch(sent, emailRE, own)
			}
			// A phone line, or a place someone else operates, is a
			// literal destination too ("also copied to our monitoring line
			// +1 415 555 0199", "mirrored to a shared channel operated by
			// notify-labs").
			if e == "" {
				e = firstNonEmpty(phoneDestRE.FindString(nsent), operatedDest(nsent))
			}
			ext := firstNonEmpty(externalDest.FindString(nsent), externalDest.FindString(sent))
			pd := firstNonEmpty(paramDest.FindString(nsent), carrierDestRE.FindString(nsent), arrowDestRE.FindString(sent))
			if pd == "" && !g.ascii {
				pd = paramDestIntlRE.FindString(nsent)
			}
			sens := sentObject(blankDests(nsent), intl)
			if sens == "" {
				if loc := secretPathIndex(sent); loc != nil {
					sens = wholeToken(sent, loc[0], loc[1])
				}
			}
			sg.url = sg.url || u != ""
			sg.email = sg.email || e != ""
			sg.extDest = sg.extDest || ext != ""
			sg.paramDest = sg.paramDest || pd != ""
			// Data leaving to a literal outside address: a side channel when
			// the sentence says so ("also", "silently", "partners") or when
			// it is the user's data, or when data is stored or published
			// there ("are uploaded to https://…").
			sideChannel := sens == "" && (u != "" || e != "") &&
				(sideRE.MatchString(nsent) && (userDataRE.MatchString(nsent) || (quantRE.MatchString(nsent) || strongSideRE.MatchString(nsent)) && genericDataRE.MatchString(nsent)) ||
					(passiveDest(sent) || passiveDest(nsent)) && (userDataRE.MatchString(nsent) || genericDataRE.MatchString(nsent) || sideRE.MatchString(nsent) || strongSideRE.MatchString(nsent)) ||
					declarativeSendRE.MatchString(nsent) && (strongSideRE.MatchString(nsent) || userDataRE.MatchString(nsent) || genericDataRE.MatchString(nsent)) ||
					passiveSendRE.MatchString(nsent) && sideRE.MatchString(nsent) && (userDataRE.MatchString(nsent) || genericDataRE.MatchString(nsent)))
			if sideChannel && ownService(firstNonEmpty(u, e), own.get()) {
				sideChannel = false
			}
			if sideChannel {
				sens = firstNonEmpty(userDataRE.FindString(nsent), genericDataRE.FindString(nsent), "data")
			}
			if sens != "" && (u != "" || e != "" || ext != "" || pd != "") && !mitigatedRE.MatchString(nsent) && !(lm.has(lcChoice) && langChoiceRE.MatchString(nsent)) && !(pd != "" && u == "" && e == "" && ext == "" && (userChoiceBaseRE.MatchString(nsent) || namedFor(pd, sens))) {
				sg.exfilSentence = true
				dest := firstNonEmpty(u, e, ext, pd)
				sg.note("exfil", strings.Trim(sens, " '\"`")+" → "+strings.Trim(dest, " '\"`")+" (\""+excerpt(strings.TrimSpace(sent), 100)+"\")")
			}
		} else {
			if hasHTTP && realAddress(sent, urlRE, own) {
				sg.url = true
			}
			if strings.Contains(sent, "@") && realAddress(sent, emailRE, own) {
				sg.email = true
			}
		}
		shadowRef := ""
		for ref, at := range sc.otherToolRefs(sent) {
			if shadowDirective(sent, ref, at) {
				shadowRef = ref
				break
			}
		}
		if shadowRef != "" {
			sg.shadowSentence = true
			sg.shadowName = shadowRef
			sg.note("shadow", sent)
		} else if toolWords && !protectiveRE.MatchString(nsent) {
			// An order about this tool ("call this first; every other
			// tool rejects paths outside these roots") directs nothing
			// at the others.
			ds := thisToolOrderRE.ReplaceAllLiteralString(nsent, ";")
			// A sentence that asks for the user's yes guards the tools it
			// names; it does not redirect them.
			if loc := toolRefGenericRE.FindStringIndex(ds); loc != nil && genericDirectiveRE.MatchString(ds) && !ownToolsRE.MatchString(ds[loc[1]:]) && !thisServerRE.MatchString(ds[loc[0]:loc[1]]) &&
				!negatedAgentRE.MatchString(ds[:loc[0]]) && !descriptiveRefRE.MatchString(ds[:loc[0]]) && !userConsentRE.MatchString(ds) && !toolOutputNounRE.MatchString(ds[loc[1]:]) &&
				!refAcceptsRE.MatchString(ds[loc[1]:]) && !ownDocsGovernRE.MatchString(ds) {
				gm := ds[loc[0]:loc[1]]
				sg.shadowSentence = true
				sg.shadowName = gm
				sg.note("shadow", sent)
			}
		}
	}
	intentsWith(text, orig, &sg, sc.isParamName, sc.keepsContacts)
	sc.indirect(g, text, lowOrig, &sg)
	return sg
}

// serverOwnerBeforeRE / serverOwnerAfterRE: a tool reference qualified by
// its server.
var (
	serverOwnerBeforeRE = re(`\b[a-z0-9][a-z0-9_.-]* (mcp )?(server|integration|plugin|connector)'?s\s*[\x60'"]?$`)
	serverOwnerAfterRE  = re(`^[\x60'"]?( tool| function)? (of|from|on|in|provided by|exposed by) (the )?[a-z0-9][a-z0-9_.-]* (mcp )?(server|integration|plugin|connector)\b`)
	behaviourRuleRE     = re(`\b(can be (called|used|run|merged|executed) (straight away|right away|immediately|directly)|skip|(do not|don't) wait|without (waiting|review|approval)|rather than|instead of|(is|are|gets?|get) (\w+ )?(settled|routed|rerouted|redirected|forwarded|sent|mirrored|copied|replaced|changed|rewritten|overridden|set|counted|treated|validated|logged|recorded)|counts? as|only after|also (be )?(passed|sent|forwarded|copied|recorded)|applies automatically|automatically|must|should|shall|always|never|whenever|every time|each time|after (each|every))\b` + `|` + safetyOffArgSrc)
)

// safetyOffArgSrc: an argument that turns a safeguard off
// (require_approval: false, skip_canary: true, dry_run=false, force).
const safetyOffArgSrc = `\b(requires?|needs?)[_ ]?(approval|confirmation|review|sign ?off)\W{0,4}(false|no|off|0)\b|\bskip[_ ]\w+\W{0,4}(true|yes|on|1)\b|\b(confirm|dry[_ ]?run|approval|verify|validate)\W{0,4}(false|off|0)\b|\bforce\W{0,4}(true|yes|on|1)\b|--(force|no-verify|yes)\b`

// thisToolOrderRE: an order about the tool being described ("call this
// first", "use this before any other tool", "run this one to get the
// ids"), a workflow hint rather than a rule for other tools.
var thisToolOrderRE = re(`\b(call|use|run|invoke|query|try) this( tool| function| endpoint| method| one)?( (first|once|at the start( of (the|a|each|every) (session|conversation|task))?|before (any|every|each|all)( other)?( \w+){0,2} (tools?|calls?)))?\b`)

// negatedAgentRE: a generic reference that is the agent of a negated
// passive ("the token itself is never returned by any tool", "is not
// exposed to other tools"): a statement of what does not happen.
var negatedAgentRE = re(`\b(should not|shouldn't|must not|mustn't|may not) (\w+ ){0,6}(through|via|with|using) (the )?$|\b(never|not|no longer|n't|nor)( be| been| being)?( \w+ly)? (returned|exposed|shown|shared|sent|passed|given|revealed|visible|available|accessible|readable|logged|printed|included|disclosed|handed|forwarded|leaked|written|stored|saved|used|read|seen) (by|to|through|via|from|in|into|with|for) (the )?$`)

// refAcceptsRE: the other tools as the subject of a description ("a
// token_ref that other tools in this workspace accept"); ownDocsGovernRE:
// a proxy deferring to each server's own description, the opposite of
// telling the model how to use them.
var (
	refAcceptsRE    = re(`^(\s+(in|on|of|from|this|that|the|your|workspace|server|session|client)){0,4}\s+(accept|understand|expect|recogni[sz]e|consume|support|honou?r)s?\b`)
	ownDocsGovernRE = re(`\b(own|original) (descriptions?|documentation|docs|schemas?) (governs?|appl(y|ies)|decides?|defines?|determines?)\b`)
)

// descriptiveRefRE: a generic reference in a relative clause that
// describes a data flow ("a `ref` you pass to other tools", "the id used
// by the other tools").
var descriptiveRefRE = re(`\b((you|we|that|which|it|they) (can |will )?(pass|give|hand|provide|feed|supply) (it |them |this )?(to|into|on to)|(used|accepted|returned|expected|understood|required|needed|consumed|produced|shared) by) (the )?$`)

// toolOutputNounRE: a generic reference that names other tools' output as
// data ("web pages, e-mails, other tools' output"), not how to use them.
var toolOutputNounRE = re(`^'?s?'? (output|outputs|results?|responses?|data|text|content)\b`)

// userConsentRE: a sentence that makes an action wait for the user.
var userConsentRE = re(`\b(get|obtain|ask for|wait for|need|needs|require|requires) (a yes|(the |an? )?(explicit )?(ok|okay|go ahead|confirmation|approval|consent|permission)) (from|of) the user|\bwait for the user'?s? (ok|okay|go ahead|yes|confirmation|approval|consent)|\b(ask|check with|confirm with) the user (first|before)\b`)

// thisServerRE: "this server's tools" are its own.
var thisServerRE = re(`^(the )?(this|our|the same) (mcp )?server'?s\b`)

// pastUseRE: a condition on what the model already did with a tool.
var pastUseRE = re(`\bif you (have |already )?(created|used|called|ran|run|made|pushed|opened|fetched|uploaded)\b[^.;]{0,40}$`)

// ownToolsRE: "every other tool here", "all tools of this server" are
// the server's own.
var ownToolsRE = re(`^\s*(here|in this (mcp )?server|on this (mcp )?server|of this (mcp )?server|this (mcp )?server (offers|provides|exposes|has)|(provided|offered|exposed) (here|by this (mcp )?server))\b`)

var (
	condBeforeRE      = re(`(^|\W)(every|each|all|any|when|whenever|every time|each time|if|after|before|once|cuando|siempre que|wenn|sobald|quand|lorsque|chaque fois|quando|sempre que|als|kiedy|когда|если|每当|当|時|とき|際)(\W+\S+){0,5}?\W*$`)
	directiveAfterRE  = re(`^\W*(\S+\s+){0,8}?(must|should|shall|always|never|is deprecated|deprecated|will now|has a side effect|instead|is replaced|no longer|whenever|every time|each time|when you (call|use)|is (known to be )?(buggy|broken|unreliable|unsafe)|ends with|starts with|targets|is sent to|goes to|is set to|are set to|uses the|must use)\b`)
	directiveBeforeRE = re(`(instead of|never (call|use)|do not (call|use)|don't (call|use)|rather than|avoid (calling|using)|in place of|replaces?)\s*(the\s+)?\W?$`)
	// Japanese, Chinese and Korean put the condition after the tool:
	// 「transfer_funds が呼ばれる場合」, "调用 transfer_funds 时".
	cjkCondAfterRE     = re(`^[^。．.!?！？\n]{0,24}?(場合|とき|時に|時は|際に|際は|たら|れば|的时候|的時候|时候|時候|时，|時，|时,|時,|경우|때)`)
	genericDirectiveRE = re(`\b(must|should|shall|always|never|instead|route|through|first|deprecated|required to|need to|needs to|call|invoke|pass|forward|send|copy|before|after|whenever|prefer|replace|swap|substitute|redirect|change the)\b`)
)

// shadowDirective reports whether a sentence that names another server's
// tool tells the model how that tool must behave: a condition on its use
// ("when send_email is used, …"), an order about it ("send_email must …"),
// or a replacement ("instead of send_email"). A workflow hint ("call
// list_channels first to get the ID") is none of these.
func shadowDirective(sent, ref string, at int) bool {
	before, after := sent[:at], sent[at+len(ref):]
	// "If you created commits with push_files, use the same branch here":
	// the other tool's past use conditions this tool, not the reverse.
	if pastUseRE.MatchString(before) {
		return false
	}
	// "If the user wants the summary saved, offer to create it with the
	// google-docs server's create_document": an offer the user takes up
	// or not, made when they ask, gives the other server no orders.
	if userOfferRE.MatchString(before) || userAgreesRE.MatchString(before) {
		return false
	}
	if condBeforeRE.MatchString(before) {
		return true
	}
	// A tool named together with its server ("the payments server's
	// create_transfer", "query of the postgres server") is another
	// server's for certain: any rule about how it behaves is shadowing.
	// The reference may be the other server itself, followed by one of
	// its tools ("the github server's merge_pull_request can be called
	// straight away").
	if (serverOwnerBeforeRE.MatchString(before) || serverOwnerAfterRE.MatchString(after) || strings.HasPrefix(after, "'s ") && strings.HasSuffix(ref, "server")) && behaviourRuleRE.MatchString(sent) {
		return true
	}
	if directiveAfterRE.MatchString(after) || cjkCondAfterRE.MatchString(after) {
		return true
	}
	tail := before
	if len(tail) > 40 {
		tail = tail[len(tail)-40:]
	}
	return directiveBeforeRE.MatchString(strings.TrimRight(tail, "`'\" "))
}

// userOfferRE: a clause that offers the user another server's tool when
// they ask for what it does.
var userOfferRE = re(`\bif (the )?user (wants|asks( for)?|requests|would like|chooses|prefers|needs)\b[^.;]{0,80}\b(offer|suggest|propose)( to)?\b[^.;]{0,60}$`)

// userAgreesRE: a clause that makes the use of another server's tool the
// user's answer to a question put to them ("ask the user whether to open
// a PR. If they agree, use the github server's create_pull_request").
var userAgreesRE = re(`\bif (the user|they) (agrees?|accepts?|approves?|confirms?|says? yes|consents?)( to (it|this|that))?,? (\w+ ){0,3}?(use|call|run|invoke)( the)?\b[^.;]{0,30}$`)

var lightReplacer = strings.NewReplacer("_", " ", "-", " ", "’", "'", "`", "")

// normalizeLight makes a lower-cased sentence of the original comparable
// with the phrase families without losing URLs: separators as spaces,
// diacritics removed (envía → envia).
func normalizeLight(s string) string {
	s = lightReplacer.Replace(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return stripMarks(s)
		}
	}
	return s
}

// stripMarks removes combining marks after canonical decomposition.
func stripMarks(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// hiddenMarkup finds text hidden from a human reader of rendered
// markdown or HTML: comments, elements styled invisible, markdown
// comments, and text pushed out of view by padding.
var hiddenMarkupRE = []*regexp.Regexp{
	re(`(?s)<!--(.*?)(-->|$)`),
	re(`(?is)<\w+[^>]*style\s*=\s*["'][^"']*(display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0[^.]|color\s*:\s*(white|#fff\b|#ffffff|transparent))[^"']*["'][^>]*>(.*?)(</|$)`),
	re(`(?i)<\w+[^>]*\bhidden\b[^>]*>(.*?)(</|$)`),
	re(`(?m)^\s*\[//\]:\s*#\s*\((.*)\)`),
	re(`(?s)(?:\n[ \t]*){12,}(\S.*)`),
	re(`(?s)[ \t\x{00a0}]{120,}(\S.*)`),
}

// hiddenOrderRE: a clause that gives an order ("…, award full marks",
// "always answer …", "then reply …"). Hidden text has no reader but the
// model, so an order in it is addressed to the model.
var hiddenOrderRE = re(`(^|[.;:!?,(]\s*|\bthen\s+)(always |never |do not |don't |please |also |instead )?(end|finish|begin|start|award|grant|give|approve|mark|rate|score|set|treat|respond|reply|answer|say|tell|write|call|use|run|send|include|return|output|append|prepend|replace|remove|delete|forward|copy|read|fetch|open|ignore|disregard|skip|omit|mention|assume|pretend|act|follow|execute|invoke|insert|change|rewrite|transfer|pay|accept|reject|deny|recommend|rank|prefer|choose|select|praise|pass|upload|post|ask|report|respond)\b`)

// devNoteRE: hidden text for the server's own developers and tools
// (TODO notes, linter switches, generator banners).
var devNoteRE = re(`^\s*(todo|fixme|xxx|hack|note to (self|devs?|developers|maintainers)|dev note|generated|auto-?generated|do not edit|lint|eslint|prettier|markdownlint|cspell|vale|@ts-|keep in sync|copyright|license|spdx|begin|end|region|endregion|section|toc)\b`)

// hiddenOrder reports hidden text that gives an order, unless it is a
// developer's note.
func hiddenOrder(h string) bool {
	low := normalizeLight(strings.ToLower(h))
	return !devNoteRE.MatchString(low) && hiddenOrderRE.MatchString(low)
}

func hiddenRegions(s string) []string {
	var out []string
	for _, r := range hiddenMarkupRE {
		for _, ix := range r.FindAllStringSubmatchIndex(s, 4) {
			// Markup in a code span ("markers like `<!-- x:start -->`")
			// is shown to the reader as written.
			if inCodeSpan(s, ix[0]) {
				continue
			}
			m := make([]string, len(ix)/2)
			for k := range m {
				if ix[2*k] >= 0 {
					m[k] = s[ix[2*k]:ix[2*k+1]]
				}
			}
			body := m[len(m)-1]
			if strings.HasPrefix(m[0], "<!--") || strings.HasPrefix(m[0], "[//]") || strings.HasPrefix(strings.TrimSpace(m[0]), "[//]") {
				body = m[1]
			}
			if len(m) >= 3 && strings.Contains(r.String(), "style") {
				body = m[3]
			}
			if strings.TrimSpace(body) != "" {
				out = append(out, body)
			}
		}
	}
	return out
}

// inCodeSpan reports a position inside a markdown code span: an odd
// number of backticks before it on its line.
func inCodeSpan(s string, i int) bool {
	line := s[strings.LastIndexByte(s[:i], '\n')+1 : i]
	return strings.Count(line, "`")%2 == 1
}

// protectiveRE: a sentence that keeps data away from other tools.
var protectiveRE = re(`\b(never|do not|don't|must not|should not) (\w+ ){0,8}(include|pass|send|share|give|forward|expose|leak|reveal|paste|copy|put|enter|type|hand|use|write|store|save|log|print)\b[^.]{0,60}\b(other tools?'?|other tool calls|another tool|other servers?|any (other )?tools?)\b|\b(instead of|rather than) (trying|using|calling|switching to) (another|other|a different) (tool|server)`)

// A side channel: data copied somewhere in addition to what the tool does.
var (
	sideRE        = re(`\b(silently|secretly|also|additionally|as well|in addition|too|copy|copies|duplicate|mirror(ed|s)?|together with|along with|including|retained|partners?|third part(y|ies)|for (model )?training|for analytics)\b`)
	passiveSendRE = re(`\b(are|is|get|gets|will be|being|been)\s+(\w+\s+){0,2}(sent|uploaded|forwarded|mirrored|copied|archived|published|logged|stored|kept|synced|transmitted|transferred|streamed|shared|posted|emailed|delivered|backed up|collected|retained|broadcast|saved)\b`)
	strongSideRE  = re(`\b(silently|secretly|covertly|retained|partners?|third part(y|ies)|subprocessors?|contractors|for (model )?training|for analytics|kept public|publicly|indefinitely|for (our|their) records|partenaires|partner|terceros|parceiros)\b|партн|パートナー|合作伙伴|파트너|협력사`)
	quantRE       = re(`\b(every|all|each|entire|whole|full|any)\b`)
	userDataRE    = re(`\b(user'?s? (\w+ )?(notes?|files?|messages?|contacts?|emails?|documents?|data|history|photos?|calendar|invoices?|searches|location)|private (notes?|files?|messages?|data)|(notes?|messages?|files?) marked private)\b`)
)

// declarativeSendRE: a server-side copy in other languages ("se guardan
// en https://…", "werden … gespeichert").
var declarativeSendRE = re(`(\b(go|goes|end up|ends up) (to|at|on|in) |conserves|conservees|gespeichert|weitergegeben|se guardan|guardados|salvati|condivisi|compartidos|partilhados|保存され|保存在|共享|сохраняются|передаются|reports (its |their |the )?(contents?|data)|submits (them|it)|posts (its|the) (text|contents?)|delivers the file|uploads (the|its|their) )`)

// passiveDest reports "… are uploaded to https://…": a storing or sending
// verb followed, within a few words, by a literal outside destination.
func passiveDest(s string) bool {
	for _, loc := range passiveSendRE.FindAllStringIndex(s, 4) {
		rest := s[loc[1]:min(len(s), loc[1]+80)]
		if d := destAfterRE.FindStringIndex(rest); d != nil {
			return true
		}
	}
	return false
}

var destAfterRE = re(`^[^.;]{0,40}?\b(to|at|on|into|with|via)\s+(our\s+\w+\s+)?\(?(https?://|[a-z0-9._%+-]+@[a-z0-9-]+\.)`)

// mitigatedRE: the data leaves only in a form that does not disclose it,
// or does not leave the server at all ("the access token itself stays on
// the server").
var mitigatedRE = re(`\b(hash(ed|es)?|sha ?\d+|k anonymity|anonymi[sz]ed|redacted|masked|encrypted|scrubbed|stripped out|removed before|first \d+ characters|(stays?|remains?|is kept|are kept|is held|are held) (only )?(on|in) the (server|backend|vault|server side)|never leaves? the (server|backend|vault)|kept server[ -]side)\b`)

var placeholderDataRE = re(`(\{\{?|\$\{|<|%7b|\[)[^}>\]]{0,40}(email|conversation|chat|message|password|token|key|history|secret|credential|summary|transcript|name|address|phone|session|cookie|ctx|context|prompt|notes)`)

var (
	ansiRE    = re(`\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])`)
	concealRE = re(`\x1b\[[0-9;]*\b(8|30;40|37;47|90;100)m`)
	controlRE = re(`[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]`)
)

var roleWhere = map[role]string{
	roleName: "the name", roleProse: "the text", roleKey: "the parameter name", roleValue: "a default, enum or example value",
	roleConstraint: "a schema constraint", roleOther: "a schema string",
}

// text analyses one string of a definition and records its findings.
func (sc *scan) text(ctx context.Context, ta *toolAnalysis, u textUnit) error {
	if strings.TrimSpace(u.text) == "" {
		return nil
	}
	n := textnorm.Normalize(u.text, textnorm.Options{})
	where := roleWhere[u.role]
	// Invisible characters.
	typoBidi, typoInv := typographicMarks(u.text)
	invisible := max(0, n.Signals.Invisible-emojiSelectors(u.text)-typoInv)
	bidi := max(0, n.Signals.Bidi-typoBidi)
	if inv := invisible + bidi + n.Signals.Tags; inv > 0 {
		sev := detect.High
		kinds := []string{}
		if invisible > 0 {
			kinds = append(kinds, fmt.Sprintf("%d zero-width or format", invisible))
		}
		if bidi > 0 {
			kinds = append(kinds, fmt.Sprintf("%d bidi-control", bidi))
		}
		if n.Signals.Tags > 0 {
			kinds = append(kinds, fmt.Sprintf("%d Unicode tag", n.Signals.Tags))
			sev = detect.Critical
		}
		sc.add(Finding{Type: TypeHiddenCharacters, Tool: ta.name, Object: ta.object, Path: u.path, Severity: sev,
			Detail: fmt.Sprintf("%s holds %s characters: the model reads text a reviewer does not see; remove them and re-review the visible text", where, strings.Join(kinds, ", "))})
	}
	if loc := ansiRE.FindStringIndex(u.text); loc != nil {
		sev := detect.High
		if concealRE.MatchString(u.text) {
			sev = detect.Critical
		}
		sc.add(Finding{Type: TypeHiddenCharacters, Tool: ta.name, Object: ta.object, Path: u.path, Severity: sev,
			Detail: fmt.Sprintf("%s holds terminal escape sequences (%q) that hide or recolour text in a terminal: the model reads what a reviewer does not see; reject the server", where, u.text[loc[0]:loc[1]])})
	} else if controlRE.MatchString(u.text) {
		sc.add(Finding{Type: TypeHiddenCharacters, Tool: ta.name, Object: ta.object, Path: u.path, Severity: detect.Medium,
			Detail: fmt.Sprintf("%s holds control characters; remove them", where)})
	}
	if u.role == roleConstraint {
		return nil
	}
	if u.role == roleName || u.role == roleKey {
		// Names are identifiers: look-alike letters in them are the sign.
		if n.Signals.MixedScriptWords > 0 {
			sc.add(Finding{Type: TypeHiddenCharacters, Tool: ta.name, Object: ta.object, Path: u.path, Severity: detect.High,
				Detail: fmt.Sprintf("%s %q mixes look-alike letters of another script into Latin: it reads as %q; rename it or reject the server", where, excerpt(u.text, 60), n.Base.Text)})
		}
		if len(u.text) < 64 && !strings.ContainsAny(u.text, " \n") && len(nameTokens(u.text)) < 4 {
			return nil
		}
	}
	var sg signals
	views := []string{n.Base.Text}
	if n.Folded.Text != n.Base.Text {
		views = append(views, n.Folded.Text)
	}
	for i, v := range views {
		s := sc.analyze(v, u.text)
		if i > 0 && s.any() {
			s.obfuscated = true
		}
		sg.merge(&s)
	}
	// The glued view has no lines or quotes left to tell an example list
	// by, so it is built from the text with the lists' items blanked.
	cn := n
	if ex := exampleLists(u.text); ex != u.text {
		cn = textnorm.Normalize(ex, textnorm.Options{})
	}
	if cn.HasCompact() {
		c := cn.Compact.Text
		var cs signals
		if m := compactSecrecyRE.FindString(c); m != "" {
			cs.secrecy = true
			cs.note("secrecy", m)
		}
		if m := compactOverrideRE.FindString(c); m != "" {
			cs.override = true
			cs.note("override", m)
		}
		if loc := compactSensRE.FindStringIndex(c); loc != nil {
			cs.sensPath = true
			cs.note("path", c[loc[0]:loc[1]])
			if compactAccessRE.MatchString(c[max(0, loc[0]-30):loc[0]]) {
				cs.sensAccess = true
			}
		}
		if cs.secrecy || cs.override || cs.sensAccess {
			cs.obfuscated = true
			sg.merge(&cs)
		}
	}
	if n.HasRot13() {
		s := sc.analyze(n.Rot13.Text, n.Rot13.Text)
		if s.any() {
			s.obfuscated = true
			sg.merge(&s)
		}
	}
	var decodedKinds []string
	var walkDecoded func(t *textnorm.Text, depth int)
	walkDecoded = func(t *textnorm.Text, depth int) {
		for i := range t.Decoded {
			d := &t.Decoded[i]
			s := sc.analyze(d.Text.Base.Text, d.Text.Original)
			if s.any() || s.directed {
				s.obfuscated = true
				sg.merge(&s)
				decodedKinds = append(decodedKinds, d.Kind)
			}
			if depth < textnorm.MaxDepth {
				walkDecoded(d.Text, depth+1)
			}
		}
	}
	walkDecoded(&n, 0)
	// Hidden markup.
	for _, h := range hiddenRegions(u.text) {
		hn := textnorm.Normalize(h, textnorm.Options{})
		s := sc.analyze(hn.Base.Text, h)
		sev, what := detect.Medium, "text hidden from a human reader (comment, invisible element or padding)"
		if s.any() || s.directed || s.sensData || s.sensPath || s.send && (s.url || s.email) || hiddenOrder(h) {
			sev, what = detect.Critical, "instructions hidden from a human reader (comment, invisible element or padding)"
			s.obfuscated = true
			sg.merge(&s)
		}
		sc.add(Finding{Type: TypeHiddenCharacters, Tool: ta.name, Object: ta.object, Path: u.path, Severity: sev,
			Detail: fmt.Sprintf("%s contains %s: %q; the model sees it, the reviewer does not", where, what, excerpt(h, 80))})
	}
	// The prompt-injection detector reads prose and values for its
	// multilingual intents. A tool description is addressed to the model,
	// so it reads as a document that should contain no instructions.
	var inj []detect.Finding
	if u.role == roleProse || u.role == roleValue || u.role == roleOther {
		res, err := sc.s.inj.Detect(ctx, detect.Input{Text: u.text, Source: detect.SourceDocument})
		if err != nil {
			return fmt.Errorf("%s: %s %s: %w", Name, ta.name, u.path, err)
		}
		listed := listedExamples(u.text)
		for _, f := range res.Findings {
			if f.Severity.Rank() >= detect.High.Rank() && !listed(f) && !unlockingAThing(u.text, f) && !categoryLabel(u.text, f) && !protectiveOverride(u.text, f) && !ignoringAThing(u.text, f) && !(f.Type == injection.TypeSystemPromptExtraction && sc.modelTool()) && !setupOrSetting(u.text, f) {
				inj = append(inj, f)
			}
		}
	}
	// A value that is a single label ("jailbreak_basic", "pii_leakage")
	// names a category; it does not claim anything.
	if u.role == roleValue && labelValueRE.MatchString(strings.TrimSpace(u.text)) {
		sg.override = false
	}
	sc.judgeText(ta, u, &sg, inj, decodedKinds)
	sc.lookalikeHost(ta, u)
	sc.fixedPayee(ta, u)
	sc.chainedSender(ta, u)
	if strings.HasPrefix(u.path, "/inputSchema/") || u.path == "/description" || strings.HasPrefix(u.path, "/arguments/") {
		if ta.params == nil {
			ta.params = map[string]*signals{}
		}
		p := paramPointer(u.path)
		if ta.params[p] == nil {
			ta.params[p] = &signals{}
		}
		ta.params[p].merge(&sg)
	}
	return nil
}

// wholeFileRE: an order to put a file's whole content somewhere.
var wholeFileRE = re(`\b(quot|past|includ|copy|copi|embed|attach|append|insert)\w* (in )?(the |its )?(complete|full|entire|whole|raw) (current )?(file|contents?|text)\b`)

// noAskRE: an order not to ask the user first; preApprovedRE: a claim
// that the asking was done already.
var (
	noAskRE       = re(`\b(do not|don't|dont|never|no need to|without)\s+(ask|asking|prompt|prompting|wait|waiting|check|checking)\s+(\w+\s+){0,2}(for\s+)?(confirmation|approval|permission)\b`)
	preApprovedRE = re(`\b(pre ?approved|already (been )?(approved|authori[sz]ed|confirmed)|standing (approval|authori[sz]ation)|blanket (approval|consent))\b`)
)

// toUserRE: data read back to the user to confirm it, not taken.
var toUserRE = re(`\bread (\w+ ){0,6}back to the user\b|\bread back\b|\b(read|repeat|show) (it|them|\w+ (and \w+ )?\w+) back\b|\bconfirm (\w+ ){0,6}with the user\b`)

// encodedDataRE: data written into an address.
var encodedDataRE = re(`\b(url[ -]?encoded|base64[ -]?encoded|percent[ -]encoded|encoded|serialized)\b[^.]{0,40}\b(json|text|list|contents?|data|rows|records|results|opportunities|messages|conversation)\b`)

// newSecretRE: a secret being made, not taken ("add a password for
// confidential files", "set a PIN").
var newSecretRE = re(`\b(add|set|choose|pick|create|generate|protect (it |them |the \w+ )?with) (a |an |your own |a new )?(\w+ )?$`)

// labelValueRE: a value that is one identifier.
var labelValueRE = re(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,60}$`)

// poisonType is the type of an instruction found in a unit of the role:
// in values (defaults, enums, examples) any instruction is schema abuse,
// since nothing there is meant for the model to obey.
func poisonType(r role) string {
	if r == roleValue || r == roleKey {
		return TypeSchemaAbuse
	}
	return TypeToolPoisoning
}

// paramPointer cuts a schema pointer after its first properties/<name>,
// and a prompt's argument pointer after /arguments/<n>.
func paramPointer(p string) string {
	if rest, ok := strings.CutPrefix(p, "/arguments/"); ok {
		n, _, _ := strings.Cut(rest, "/")
		return "/arguments/" + n
	}
	const k = "/properties/"
	i := strings.Index(p, k)
	if i < 0 {
		return p
	}
	rest := p[i+len(k):]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		return p[:i+len(k)+j]
	}
	return p
}

// judgeText turns the signals of one text into findings.
func (sc *scan) judgeText(ta *toolAnalysis, u textUnit, sg *signals, inj []detect.Finding, decoded []string) {
	where := roleWhere[u.role]
	how := ""
	if sg.obfuscated {
		how = " (found after undoing obfuscation"
		if len(decoded) > 0 {
			how += ", inside " + decoded[0] + "-encoded text"
		}
		how += ")"
	}
	ex := func(k string) string { return sg.ex[k] }
	bump := func(s detect.Severity) detect.Severity {
		if sg.obfuscated && s == detect.High {
			return detect.Critical
		}
		return s
	}
	// In values (defaults, enums, examples) any instruction is schema
	// abuse: nothing there is meant for the model to obey.
	poisonType := poisonType(u.role)

	// The injection detector reads declarative text too: "do not follow
	// instructions returned by this tool" is protective. Its findings
	// decide alone only for unmistakable structure (chat-template tokens,
	// hidden or encoded instructions); intents need a signal of ours.
	var injPoison, injExfil []string
	injStrong, injIntent := false, false
	for _, f := range inj {
		switch f.Type {
		case injection.TypeDataExfiltration:
			injExfil = append(injExfil, f.Type)
		case injection.TypeInvisibleText:
		case injection.TypeChatTemplateInjection, injection.TypeHiddenInstruction, injection.TypeEncodedPayload:
			injStrong = true
			injPoison = append(injPoison, f.Type)
		case injection.TypeInstructionOverride, injection.TypeSystemPromptExtraction, injection.TypeRoleHijack:
			injIntent = true
			injPoison = append(injPoison, f.Type)
		default:
			injPoison = append(injPoison, f.Type)
		}
	}
	ours := sg.directed || sg.sensData || sg.sensPath || sg.secrecy || sg.pretext || sg.send
	// A tool whose job is to find injections, jailbreaks or phishing
	// describes them: the injection detector's reading of that vocabulary
	// alone is not an instruction (our own signals still are).
	if detector := ta.isDetector(); detector && !(sg.directed || sg.secrecy || sg.override || sg.sensAccess || sg.send || sg.pretext) {
		injStrong, injIntent = false, false
		ours = false
	} else if detector && !(sg.secrecy || sg.override || sg.exfilSentence || sg.pretext) && frameRE.MatchString(strings.ToLower(u.text)) {
		// The same tool listing what it detects ("requests to read
		// files like ~/.ssh/id_rsa", "<IMPORTANT> blocks addressed to
		// an assistant") names its examples; it orders nothing.
		injStrong, injIntent = false, false
		ours = false
		sg.directed, sg.sensAccess = false, false
	} else if detector && !sg.pretext && examplesDisclaimedRE.MatchString(strings.ToLower(u.text)) {
		// The same tool quoting whole attacks as its examples, and
		// saying so ("the quoted examples above are things the detector
		// looks for; they are not instructions to you"): what the
		// quotes would order, send or hide is the example's.
		injStrong, injIntent = false, false
		ours = false
		sg.directed, sg.sensAccess, sg.secrecy, sg.send, sg.exfilSentence, sg.copyTo, sg.urlTemplate, sg.mdImage, sg.override = false, false, false, false, false, false, false, false, false
	}

	// TOOL_POISONING.
	var psev detect.Severity
	var why []string
	switch {
	case sg.secrecy && (sg.sensAccess || sg.directed || sg.override || sg.exfilSentence || sg.copyTo || sg.shadowSentence):
		psev = detect.Critical
	case sg.override && (sg.directed || sg.sensAccess):
		psev = detect.Critical
	case sg.sensPath && sg.sensAccess && sg.directed:
		psev = detect.Critical
	case sg.secrecy, sg.override:
		psev = detect.High
	case u.role == roleValue && (sg.sensAccess || sg.directed && (sg.sensData || sg.sensPath)):
		psev = detect.High
	// A default or enum value that names the conversation or secrets
	// wholesale ("the full conversation … and any keys or passwords") is
	// an instruction in a value: values are filled in, not obeyed.
	case u.role == roleValue && sg.sensData && wholesaleRE.MatchString(strings.ToLower(u.text)):
		psev = detect.High
	// An order in an enum or default value ("other - first call
	// daily_summary … and paste the result into reason_detail"): values
	// are chosen, not obeyed.
	case u.role == roleValue && sg.directed && len(strings.Fields(u.text)) >= 5:
		psev = detect.High
	case sg.sensAccess && (sg.directed || sg.pretext || sg.paramDest):
		psev = detect.High
	case sg.sensPath && sg.sensAccess:
		psev = detect.Medium
	case sg.directed && sg.pretext:
		psev = detect.High
	case injStrong, injIntent && ours, injIntent && len(dedupe(injPoison)) >= 2, len(injPoison) > 0 && (sg.sensAccess || sg.secrecy):
		psev = detect.High
	case len(injPoison) > 0:
		psev = detect.Medium
	}
	if sg.secrecy {
		why = append(why, fmt.Sprintf("tells the model to keep something from the user (%q)", ex("secrecy")))
	}
	if sg.override {
		why = append(why, fmt.Sprintf("claims precedence over other instructions (%q)", ex("override")))
	}
	if sg.sensAccess {
		what := ex("path")
		if what == "" {
			what = ex("data")
		}
		why = append(why, fmt.Sprintf("asks the model to obtain data that is not the tool's (%q)", what))
	}
	if sg.directed && psev != "" {
		why = append(why, fmt.Sprintf("addresses the model with a precondition or standing order (%q)", ex("directed")))
	}
	if sg.pretext && psev != "" {
		why = append(why, fmt.Sprintf("uses a cover story (%q)", ex("pretext")))
	}
	if len(injPoison) > 0 {
		why = append(why, "is read by the prompt-injection detector as "+strings.ReplaceAll(strings.ToLower(strings.Join(dedupe(injPoison), ", ")), "_", " "))
	}
	if psev != "" {
		ta.instructive = true
		sc.add(Finding{Type: poisonType, Tool: ta.name, Object: ta.object, Path: u.path, Severity: bump(psev),
			Detail: fmt.Sprintf("%s %s%s; a tool definition should only describe the tool: remove the instruction or reject the server", where, strings.Join(why, "; "), how)})
	}

	// EXFILTRATION.
	var esev detect.Severity
	var ewhy string
	switch {
	case sg.exfilSentence && (sg.secrecy || sg.directed || sg.sensAccess || sg.obfuscated):
		esev, ewhy = detect.Critical, fmt.Sprintf("directs the model to send %s", ex("exfil"))
	case sg.exfilSentence:
		esev, ewhy = detect.High, fmt.Sprintf("directs sending %s", ex("exfil"))
	case sg.copyTo && (sg.secrecy || sg.directed || sg.send):
		esev, ewhy = detect.High, fmt.Sprintf("tells the model to copy data to an outside address (%q)", ex("copyto"))
	case sg.urlTemplate && (sg.send || sg.directed || sg.sensData):
		esev, ewhy = detect.High, fmt.Sprintf("has a URL with a placeholder for data (%q)", ex("urltemplate"))
	case sg.mdImage && (sg.sensData || sg.urlTemplate):
		esev, ewhy = detect.High, "has a markdown image whose URL carries data (rendering it sends the data)"
	case len(injExfil) > 0 && (sg.url || sg.email || sg.extDest || sg.paramDest) && (sg.sensData || sg.directed || sg.secrecy):
		esev, ewhy = detect.High, "reads, to the prompt-injection detector, as an instruction to send data to an outside destination"
	case sg.sensAccess && sg.paramDest:
		esev, ewhy = detect.High, fmt.Sprintf("asks for %q to be put into a parameter, which carries it to the server", firstNonEmpty(ex("path"), ex("data")))
	case u.role == roleValue && valueSends(u.text):
		esev, ewhy = detect.High, "holds a value that sends something to a literal address"
	}
	if esev != "" && poisonType == TypeSchemaAbuse {
		sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: u.path, Severity: bump(esev),
			Detail: fmt.Sprintf("%s %s%s; nothing in a schema value is meant for the model to obey: remove it or reject the server", where, ewhy, how)})
	}
	if esev != "" {
		ta.instructive = true
		sc.add(Finding{Type: TypeExfiltration, Tool: ta.name, Object: ta.object, Path: u.path, Severity: bump(esev),
			Detail: fmt.Sprintf("%s %s%s; data the user did not choose to share would leave through this server: reject the server or remove the text", where, ewhy, how)})
	}

	// CROSS_SERVER_SHADOWING.
	if sg.shadowSentence {
		ssev := detect.High
		if sg.secrecy || sg.exfilSentence || sg.copyTo || sg.override || sg.obfuscated || safeguardOffRE.MatchString(ex("shadow")) {
			ssev = detect.Critical
		}
		ta.instructive = true
		sc.add(Finding{Type: TypeCrossServerShadowing, Tool: ta.name, Object: ta.object, Path: u.path, Severity: ssev,
			Detail: fmt.Sprintf("%s tells the model how to use a tool that is not this server's (%s: %q)%s; one server must not change another's behaviour: reject the server", where, sg.shadowName, ex("shadow"), how)})
	}
}

// safeguardOffRE: arguments that switch a safeguard off
// ("require_approval: false", "skip_canary: true", "--no-verify"). A
// server that tells the model to call another server's tool this way
// disarms that server, which is graver than directing its use.
var safeguardOffRE = re(`\b[a-z_]*(approval|confirm\w*|review|canary|dry_?run|safe_?mode|verif\w*|validat\w*|checks?|protection|guard\w*)[a-z_]*\W{0,3}\s*[:=]\s*\W?(false|off|no|0|none|disabled)\b` +
	`|\bskip_?(canary|checks?|review|approval|tests?|verification|validation|confirmation)[a-z_]*\W{0,3}\s*[:=]\s*\W?(true|yes|1|on)\b|--(no-verify|skip-checks|force)\b`)

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		found := false
		for _, o := range out {
			if o == s {
				found = true
			}
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

// examplesDisclaimedRE: a detector's text saying its quoted patterns are
// examples, not instructions.
var examplesDisclaimedRE = re(`\b(examples?|patterns?|strings?|phrases?|samples?) (above|below|listed|quoted|shown)( above| below)? (are|is) (things|what|patterns|strings|examples|samples) (that )?(the (detector|scanner|classifier|tool|model) )?(looks? for|detects?|flags?|catches|recogni[sz]es)\b|\b(they|these|the (examples|patterns|quotes)) are not (instructions|commands|requests) (to|for) (you|the (model|assistant|agent))\b|\b(typical |common |known )?(patterns|attacks|phrases|techniques|things) (it|this tool|the (detector|scanner|classifier)) (flags?|detects?|catches|looks for)\b|\b(does not|doesn't|never) (follow|execute|obey|act on)( or (follow|execute|obey|act on|answer))? (anything|any instructions?|what|the (prompt|text|input|content))\b|\b(examples|strings|phrasings|samples) (of strings )?(this tool|the tool|it) (is built to|will|can|should) (catch|detect|flag)\b|\bquoted, do not follow them\b|\b(texts?|strings?|payloads?|probes?|prompts?|inputs?|examples?|samples?)\b[^.]{0,60}\bnot (instructions|commands|requests) (to|for) (you|the (model|assistant|agent))\b|\b(techniques|attacks) and (sample|example) (phrasings|strings|prompts)\b`)

// attackKindsSrc: the kinds of attack a detector names.
const attackKindsSrc = `(prompt[- ]injections?|injections?|jailbreaks?|malicious (prompts?|inputs?|content|instructions)|phishing|spam|toxic\w*|unsafe (content|prompts?)|harmful content|adversarial (prompts?|inputs?)|rug[- ]pulls?|(tool )?poisoning|poisoned (tools?|servers?|definitions?)|typosquat\w*|exfiltration|malicious (tools?|servers?|definitions?|packages?))`

var (
	// detectorPurposeRE: a first sentence saying the tool looks for
	// attacks or unsafe content in text.
	detectorPurposeRE = re(`\b(check|detect|scan|screen|flag|classif|analy[sz]|filter|inspect|guard|test|evaluat|scor|triag|probe|red[- ]team)\w*\b[^.]{0,120}\b` + attackKindsSrc + `\b`)
	// detectorLeadRE: a later sentence that opens with what the tool
	// flags ("Compare … with the approved version. Flags typical
	// rug-pull patterns: …").
	detectorLeadRE = re(`(^|[.!?\n]\s*)(it )?(flags|detects|catches|looks for|scans for|highlights|reports)\b[^.]{0,80}\b` + attackKindsSrc + `\b`)
)

// unlockingAThing reports a role-hijack reading of nothing but "unlock"
// said of a vault, keychain, wallet or device ("requires the vault to be
// unlocked"): password managers say that; jailbreaks unlock the model.
func unlockingAThing(text string, f detect.Finding) bool {
	if f.Type != injection.TypeRoleHijack || f.Start < 0 || f.End > len(text) || f.End-f.Start > 40 {
		return false
	}
	if !strings.HasPrefix(strings.ToLower(text[f.Start:f.End]), "unlock") {
		return false
	}
	around := strings.ToLower(text[max(0, f.Start-60):min(len(text), f.End+40)])
	return lockedThingRE.MatchString(around)
}

var lockedThingRE = re(`\b(vaults?|keychains?|wallets?|keystores?|keyrings?|password managers?|safes?|devices?|phones?|screens?|laptops?|databases?|accounts?|doors?|locks?|files?|archives?|volumes?|disks?|sessions?|bitwarden|1password|keepass\w*)\b`)

// setupOrSetting reports an override or tool-call reading of a parameter
// setting written as code ("unless `overwrite: true`") or of a command
// the user is to run in a terminal ("run `bw unlock` in terminal"): the
// text names a setting or sets the server up, it orders the model
// nothing.
func setupOrSetting(text string, f detect.Finding) bool {
	if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
		return false
	}
	switch f.Type {
	case injection.TypeInstructionOverride:
		if !inCodeSpan(text, f.Start) {
			return false
		}
		end := strings.IndexByte(text[f.Start:], '`')
		return end >= 0 && settingRE.MatchString(text[f.Start:f.Start+end])
	case injection.TypeToolHijack:
		return terminalSetupRE.MatchString(strings.ToLower(sentenceAround(text, []int{f.Start, f.End})))
	}
	return false
}

var (
	settingRE       = re(`^[\w.-]+\s*[:=]\s*[\w."'-]+$`)
	terminalSetupRE = re(`\b(run|execute|type|enter)\s+\x60[^\x60]{1,80}\x60\s+(in|from|on)\s+(a |the |your )?(terminal|shell|console|command line|cli)\b`)
)

// categoryLabel reports a chat-template reading of a label that opens a
// tool description ("Admin: suspend a user account"): a role tag would
// speak to the model, a label says who the tool is for.
func categoryLabel(text string, f detect.Finding) bool {
	if f.Type != injection.TypeChatTemplateInjection || f.Start != 0 || f.End > len(text) {
		return false
	}
	label := strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text[f.Start:f.End]), ":")))
	switch label {
	case "admin", "administrator", "moderator", "owner", "staff", "operator", "beta", "experimental", "deprecated", "internal", "premium", "pro":
	default:
		return false
	}
	rest := strings.ToLower(firstSentence(text[f.End:]))
	return !labelSpeaksRE.MatchString(rest)
}

var labelSpeaksRE = re(`\b(you (must|should|are|will|shall|need)|your instructions|assistant|model|ai|ignore|disregard|forget|override|system prompt)\b`)

// protectiveOverride reports an instruction-override reading of a rule
// against obeying content: "don't follow instructions found inside
// pages" protects; "don't follow your previous instructions" attacks.
func protectiveOverride(text string, f detect.Finding) bool {
	if f.Type != injection.TypeInstructionOverride || f.Start < 0 || f.Start >= len(text) {
		return false
	}
	return protectiveOverrideRE.MatchString(strings.ToLower(text[f.Start:min(len(text), f.Start+120)])) ||
		protectiveSentenceRE.MatchString(sentenceAround(strings.ToLower(text), []int{f.Start, min(len(text), f.End)})) ||
		protectiveIntlRE.MatchString(strings.ToLower(text[max(0, f.Start-48):min(len(text), f.End+48)]))
}

// protectiveIntlRE is protectiveOverrideRE in other languages: instructions
// found in the content are not to be followed ("含まれる指示には従わないで
// ください", "no sigas las instrucciones contenidas en la página"). The
// place the instructions are found in is what tells it from an attack
// ("以前の指示には従わないで" names earlier instructions, not content).
var protectiveIntlRE = re(`(含まれ|中の|内の|書かれ|記載され|埋め込まれ)\S{0,4}(指示|命令)[^。
]{0,6}(従わ|実行し|実行せ)(ない|ず)|(不要|切勿|勿|不得|请勿|绝不)(遵循|执行|服从|听从|遵从)[^。
]{0,8}(其中|文本|内容|页面|网页|里面|输出)[^。
]{0,4}(指令|指示|命令)|\b(no|nunca|não|nao|jamais|ne|nie|niemals|keine?)\b[^.
]{0,20}\b(sigas?|siga|obedezcas?|ejecutes?|sigam?|obede(ç|c)a|execute|suivez|suis|ex(e|é)cutez|befolge\w*|ausf(u|ü)hr\w*)\b[^.
]{0,20}\b(instrucciones|instru(ç|c)(õ|o)es|instructions|anweisungen)\b[^.
]{0,6}\b(contenidas|incluidas|contidas|inclu(í|i)das|contenues|incluses|enthaltenen|in (der|dem|den)|aus (der|dem|den)|dans|en (el|la|los|las)|del|de la|no|na|nos|nas)\b`)

// protectiveSentenceRE: a sentence that tells the model to treat content
// as data ("treat it as page content, not as instructions").
var protectiveSentenceRE = re(`\b(treat|handle|regard|read) (it|them|this|that|such text|the text|(the )?(page|email|document|tool|file) (content|text|output)s?) as (page |plain |untrusted |ordinary )?(content|data|text|information)\W+(and )?not (as )?(an? )?(instructions?|commands?|requests?)\b|\b(don'?t|do not|never) (follow|obey|execute|act on) (it|them|those|these|such (text|instructions))\b`)

var protectiveOverrideRE = re(`^(don'?t|do not|never|must not|should not|shouldn'?t) (follow|obey|execute|act on|carry out|trust) (any )?(the )?(instructions?|commands?|directives?|requests?)\s+(found|contained|embedded|inside|in|within|from|that appear|written|returned)\b`)

// userValueSrc: the value is the one the user gives ("use the value they
// give", "the key the user gave you", "at the user's request"): the data
// is the user's to share. It is part of userChoiceSrc.
const userValueSrc = `\b(the )?values? (they|the user) (give|gives|gave|provide|provides|type|types|enter|enters)\b|\b(the user|they) (gave|gives|give|provided|provides|typed|entered) (you|us|it)\b|\bat the user'?s (explicit )?request\b`

var userValueRE = re(userValueSrc)

// realAddress reports an address in the sentence that is a destination:
// not one given as an example ("for example notifications@mail.acme.io",
// "e.g. http://localhost:3000"), not inside an example call, and not the
// service the tool names itself.
func realAddress(sent string, r *regexp.Regexp, own *services) bool {
	return realMatch(sent, r, own) != ""
}

// realMatch is the first address of realAddress, or "".
func realMatch(sent string, r *regexp.Regexp, own *services) string {
	for _, loc := range r.FindAllStringIndex(sent, 8) {
		before := sent[max(0, loc[0]-24):loc[0]]
		if exampleWordRE.MatchString(before) || ownService(sent[loc[0]:loc[1]], own.get()) {
			continue
		}
		return sent[loc[0]:loc[1]]
	}
	return ""
}

// foreignExampleSrc: markers of an example in other languages, for both
// exampleWordRE and intent.go's exampleRE.
const foreignExampleSrc = `por ejemplo|por exemplo|par exemple|per esempio|zum beispiel|bijvoorbeeld|p\. ?ej\.?|p\. ?ex\.?|par ex\.?|ex\.|z\. ?b\.?`

var exampleWordRE = re(`(\bfor example|\bfor instance|\be\.g\.?|\beg\b|\b(` + foreignExampleSrc + `)|\bnp\.|\bbv\.|\besim\.|\bsuch as|\blike|\bexamples?|\bsample|\btypically|\busually|\bnormally|\bnaprzyklad|\bnapr\.|\bnapriklad|\bnapríklad|जैसे|उदाहरण|例如|比如|例えば|たとえば|例：|例:|예를 들어|예:|например|наприклад|مثل|مثلا|לדוגמה|örneğin|ví dụ|เช่น)[^;]{0,20}$`)

// ignoringAThing reports an override reading of "ignoring" said of a
// finding, an alert or a file ("ignoring a real leak hides it"), not of
// instructions.
func ignoringAThing(text string, f detect.Finding) bool {
	if f.Type != injection.TypeInstructionOverride || f.End > len(text) {
		return false
	}
	span := strings.ToLower(text[f.Start:f.End])
	if !strings.Contains(span, "ignor") {
		return false
	}
	return ignoredThingRE.MatchString(strings.ToLower(text[f.End:min(len(text), f.End+40)]))
}

var ignoredThingRE = re(`^\W*(a|an|the|this|that|these|those|such)? ?(real |true |valid |genuine |known |single |)?(leaks?|findings?|alerts?|warnings?|errors?|results?|issues?|files?|folders?|paths?|tests?|cases?|rows?|fields?|lines?|vulnerabilit\w+|secrets? (found|detected))\b`)

// valueSends reports a default, enum or example value that names a
// literal address and a verb of sending, in any language of the word
// tables ("… e encaminhar cópia para auditoria@…"): a value that sends is
// an instruction.
func valueSends(v string) bool {
	low := strings.ToLower(v)
	if !literalDestRE.MatchString(low) {
		return false
	}
	// The verb must be outside the addresses: "reports@acme-corp.com" is
	// an address, not an order to report.
	// An address with a placeholder for data ("…?p={ctx}") sends
	// whatever fills it.
	if m := urlTemplateRE.FindString(low); m != "" && placeholderDataRE.MatchString(m) {
		return true
	}
	// Code as a default ("urlopen('https://…', data=json.dumps(dict(
	// os.environ)))"): a network call that carries the environment or a
	// secret file sends them when the default runs.
	if codeCallRE.MatchString(low) && codeSecretRE.MatchString(low) {
		return true
	}
	bare := blankDests(low)
	lm := langClasses(bare)
	return pick(lm, lcSend, transferBaseRE, transferRE).MatchString(bare) || copyToRE.MatchString(low) && copyVerbRE.MatchString(bare)
}

// codeCallRE: a network call in code; codeSecretRE: a secret source in
// code.
var (
	codeCallRE   = re(`\b(urlopen|urlretrieve|requests\.(post|put|get|request)|httpx\.(post|put|get)|fetch|axios(\.(post|put|get))?|http\.(post|request|get)|xmlhttprequest|curl|wget|invoke-webrequest|invoke-restmethod|iwr|irm|sendbeacon)\b`)
	codeSecretRE = re(`\b(os\.environ|environ|process\.env|getenv|printenv|env)\b|\$env:|\.ssh\b|\.aws\b|id_(rsa|ed25519)\b|\.netrc\b|\.npmrc\b|document\.cookie\b`)
)
