package toolscan

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Round 15: rules that keep the description of a sensitive job from
// reading as an attack on it. Each answers one question about the text's
// structure, not about a row of the corpus.

// purposeOpenerRE: a first sentence that says what the tool does, in the
// third person ("Scans a repository for …", "Sends a campaign to …"). An
// order to the model is in the imperative ("Read …", "Send …") and does
// not match.
var purposeOpenerRE = re(`^\W{0,4}(?:[a-z]+(?:[^s\W]s|[^s\W]es)|does|is|was|has)\b`)

// notPurposeVerbs are words ending in "s" that open sentences without
// saying what the tool does.
var notPurposeVerbs = map[string]bool{"this": true, "its": true, "yes": true, "always": true, "perhaps": true, "thus": true, "unless": true, "as": true, "is": true, "was": true, "has": true, "does": true}

// inPurposeStatement reports whether the match at loc lies in the text's
// first sentence and that sentence states, in the third person, what the
// tool does: data named there is what the tool works on ("finds
// hard-coded passwords", "sends a campaign to a contact list"), not data
// the text asks the model to fetch. A carry verb ("include", "append",
// "paste") before the data in that sentence still counts.
func inPurposeStatement(text string, loc []int) bool {
	head := text[:loc[0]]
	if strings.ContainsAny(head, "!?\n;") || strings.Contains(head, ". ") || strings.Contains(head, ": ") && carryVerbRE.MatchString(head) {
		return false
	}
	m := purposeOpenerRE.FindString(head)
	if m == "" {
		return false
	}
	w := strings.TrimLeftFunc(m, func(r rune) bool { return !unicode.IsLetter(r) })
	if notPurposeVerbs[w] {
		return false
	}
	return !carryVerbRE.MatchString(head) && !alsoRE.MatchString(head) && !secondActRE.MatchString(head)
}

// secondActRE: a second action joined to the tool's job ("translates text
// and reads the saved passwords"): what follows is not the job.
var secondActRE = re(`\b(and|then|while|plus)\s+(\w+ly\s+)?(reads?|collects?|copies|copy|gathers?|sends?|uploads?|forwards?|records?|stores?|saves?|logs?|exports?|harvests?|grabs?|fetch(es)?|retrieves?|looks? up|access(es)?|opens?|loads?)\b`)

// carryVerbRE: verbs that put data somewhere (into a field, a reply, a
// request): naming secrets after them is an order, even in a first
// sentence.
// A participle before a noun is an adjective ("leaked credentials",
// "embedded keys"), so -ed forms count only after a form of "be" or
// "get" ("is pasted into").
var carryVerbRE = re(`\b(include|includes|including|attach(es|ing)?|append(s|ing)?|paste[s]?|pasting|insert(s|ing)?|embed(s|ding)?|put|puts|supply|supplies|provide|provides|add|adds|copy|copies|forward(s|ing)?|leak(s|ing)?|exfiltrat(e|es|ing))\b|\b(is|are|be|been|being|gets?|got) (\w+ )?(attached|appended|pasted|inserted|embedded|forwarded|leaked|exfiltrated|copied|added|included|supplied|provided)\b`)

// emojiSelectors counts the variation selectors U+FE0E and U+FE0F that
// directly follow a pictograph ("🏷️", "❤️"): that is how emoji
// presentation is spelled, not hidden text. Runs of selectors, selectors
// after letters and the supplementary selectors (used to smuggle bytes)
// are not counted here and stay hidden characters.
func emojiSelectors(s string) int {
	n := 0
	var prev rune
	for _, r := range s {
		if (r == 0xFE0E || r == 0xFE0F) && isPictograph(prev) {
			n++
		}
		prev = r
	}
	return n
}

func isPictograph(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2190 && r <= 0x2BFF || r == 0x00A9 || r == 0x00AE || r == 0x3030 || r == 0x303D || r == 0x3297 || r == 0x3299
}

// scalarParam reports whether a parameter's declared type admits no text:
// a boolean or a number cannot carry a conversation or a key, whatever it
// is called ("history": a boolean that asks for commit history).
func scalarParam(p map[string]any) bool {
	if p == nil {
		return false
	}
	switch t := p["type"].(type) {
	case string:
		return t == "boolean" || t == "integer" || t == "number"
	case []any:
		for _, x := range t {
			if s, _ := x.(string); s != "boolean" && s != "integer" && s != "number" && s != "null" {
				return false
			}
		}
		return len(t) > 0
	}
	return false
}

// frequencyRE: "on every request", "for each call": how often the tool
// does something, not which targets it accepts.
var frequencyRE = re(`\b(on|for|per|with|at|after|before|in)\s+$`)

// frequencyOnly reports whether the arbitrariness match at loc is a
// frequency ("every request") rather than a target.
func frequencyOnly(text string, loc []int) bool {
	m := text[loc[0]:loc[1]]
	if !strings.HasPrefix(m, "every ") && !strings.HasPrefix(m, "each ") {
		return false
	}
	last := m[strings.LastIndexByte(m, ' ')+1:]
	switch strings.TrimSuffix(last, "s") {
	case "request", "call", "invocation", "run", "read", "write", "access", "time":
	default:
		return false
	}
	return frequencyRE.MatchString(text[max(0, loc[0]-12):loc[0]])
}

// passiveSourceRE: "the API key is read from SENDGRID_API_KEY": the text
// says where the tool takes its own credential from, in the passive; an
// order to the model is in the imperative.
var passiveSourceRE = re(`\b(is|are|gets|get) (\w+ )?(read|loaded|taken|fetched|obtained|retrieved|pulled|sourced) from\s+(the |a |an |your |its )?(\w+ ){0,2}$`)

// passiveSource reports whether the data at loc is named as the source
// the tool reads its own configuration from.
func passiveSource(text string, loc []int) bool {
	return passiveSourceRE.MatchString(sentenceTail(text[:loc[0]], 60))
}

// deniedRE: a clause that says something does not happen ("nobody sees
// the key in chat", "never taken from the message").
var deniedRE = re(`\b(do not|don't|dont|never|not|no|nobody|no one|nothing|without|cannot|can't|won't)\b[^.;:!?]{0,25}$`)

// firstAffirmed returns the first match of r in text that no negation in
// its clause denies, or "".
func firstAffirmed(r *regexp.Regexp, text string) string {
	for _, loc := range firstMatches(r, text, 4) {
		if !deniedRE.MatchString(text[max(0, loc[0]-30):loc[0]]) {
			return text[loc[0]:loc[1]]
		}
	}
	return ""
}

// firstMatches returns up to n successive matches of r in s. It calls
// FindStringIndex, which tracks only the whole match, rather than
// FindAllStringIndex, which tracks every group and is several times
// slower on the large alternations of this package.
func firstMatches(r *regexp.Regexp, s string, n int) [][]int {
	var out [][]int
	for pos := 0; pos <= len(s) && len(out) < n; {
		loc := r.FindStringIndex(s[pos:])
		if loc == nil {
			break
		}
		a, b := pos+loc[0], pos+loc[1]
		out = append(out, []int{a, b})
		pos = b
		if a == b {
			pos++
		}
	}
	return out
}

// typographicMarks counts the format characters that right-to-left and
// South-East Asian text carries as ordinary typography: a left-to-right or
// right-to-left mark (U+200E, U+200F, U+061C) in text with Arabic or
// Hebrew letters, which keeps numbers, brackets and Latin words in place
// (unless it splits a word of another script), and a zero-width
// space between two Thai, Lao, Khmer or Myanmar letters, which marks a
// word break in scripts written without spaces. Overrides, embeddings
// and isolates, and marks in text of other scripts, stay hidden
// characters.
func typographicMarks(s string) (bidi, invisible int) {
	rs := []rune(s)
	rtl := slices.ContainsFunc(rs, isRTLLetter)
	for i, r := range rs {
		var prev, next rune
		if i > 0 {
			prev = rs[i-1]
		}
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch r {
		case 0x200E, 0x200F, 0x061C:
			// Inside a word of another script it splits the word.
			if rtl && !(unicode.IsLetter(prev) && !isRTLLetter(prev) && unicode.IsLetter(next) && !isRTLLetter(next)) {
				bidi++
			}
		case 0x200B:
			if isSEALetter(prev) && isSEALetter(next) {
				invisible++
			}
		}
	}
	return bidi, invisible
}

func isRTLLetter(r rune) bool {
	return unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana)
}

func isSEALetter(r rune) bool {
	return unicode.In(r, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// secretPathIndex finds the first secret file named in s; a public key
// ("id_ed25519.pub") is not one, whatever its stem.
func secretPathIndex(s string) []int {
	for _, loc := range firstMatches(sensitivePathRE, s, 8) {
		if !strings.HasPrefix(s[loc[1]:], ".pub") {
			return loc
		}
	}
	return nil
}

// userSuppliedRE: a parameter the user fills in themselves.
var userSuppliedRE = re(`\b(typed|entered|provided|supplied|chosen|given|written) by the user\b|\bthe user (types|enters|provides|supplies|chooses|gives)\b|\bas (typed|entered|written) by the user\b|\bthe user'?s? own\b`)

// agentOwnedRE: the agent's own material, which no tool needs.
var agentOwnedRE = re(`\b(your|yours|you were given|you have|available to you|in your context|the assistant'?s?|the model'?s?|the agent'?s?)\b`)

// conversationPurposeRE: tools whose job is the conversation itself.
// userTestsRE: the user's own prompt under test.
var userTestsRE = re(`\bthe user (wants to test|is testing|wrote|writes|is writing|drafted|provides?|gives?)\b|\bunder test\b`)

// modelToolRE: a tool whose job is to run a language model (a
// playground, an evaluation harness): prompts, system prompts and message
// lists are its input.
var modelToolRE = re(`\b(prompt engineering|playground|completions?|chat completions?|llms?|language models?|models? under test|(evaluate|run|test|send|compare) (a |the |your )?prompts?|generate text|inference)\b`)

// runsWorkloadRE: a tool that starts something that has an environment
// of its own (a container, a job, a function) takes environment
// variables for it.
var runsWorkloadRE = re(`\b(containers?|jobs?|functions?|lambdas?|workers?|pods?|deployments?|processes|tasks?|builds?|pipelines?|services?|apps?|commands?|shell|scripts?|programs?|terminal|subprocess\w*)\b`)

// conversationPurposeRE: a tool whose job is messages (push_message, a
// chat export) takes messages.
var conversationPurposeRE = re(`(\b|_)(chats?|conversations?|messages?|messaging|threads?|transcripts?|dialog\w*)\b`)

// purposeCoversParam reports whether a parameter that names a secret is
// explained by the tool's purpose: a password for a tool that logs in, the
// chat for a tool that summarises chats, a system prompt for a prompt
// playground, or a secret the user types in themselves. Text that hands
// the agent's own material over ("your system prompt") is never covered.
func purposeCoversParam(purpose, secretWord, desc string) bool {
	// A model tool's prompt the user is testing is the user's.
	if secretWord == "the system prompt" && modelToolRE.MatchString(purpose) && userTestsRE.MatchString(desc) {
		return true
	}
	if agentOwnedRE.MatchString(desc) {
		return false
	}
	switch {
	case userSuppliedRE.MatchString(desc):
		return true
	case secretWord == "a password" || secretWord == "credentials":
		return loginJobRE.MatchString(purpose) || opensProtectedFile(purpose, desc)
	case strings.Contains(secretWord, "environment"):
		return runsWorkloadRE.MatchString(purpose)
	case strings.Contains(secretWord, "conversation") || strings.Contains(secretWord, "messages"):
		return conversationPurposeRE.MatchString(purpose) || modelToolRE.MatchString(purpose)
	case secretWord == "the system prompt":
		return strings.Contains(purpose, "prompt")
	}
	return false
}

// genericEnvWords are parts of environment variable names that name no
// service.
var genericEnvWords = map[string]bool{"api": true, "key": true, "keys": true, "secret": true, "token": true, "access": true, "private": true, "my": true, "user": true, "app": true, "auth": true, "password": true, "the": true, "env": true}

// envOwnService reports whether a secret environment variable is named
// after the service the tool's purpose names (BRAVE_API_KEY for "Brave
// Search"): the tool's own key, not the agent's.
func envOwnService(env, purpose string) bool {
	for _, w := range strings.Split(strings.ToLower(env), "_") {
		if len(w) >= 3 && !genericEnvWords[w] && strings.Contains(purpose, w) {
			return true
		}
	}
	return false
}

// ownParamData reports whether data a parameter's text asks for is the
// user's to give: typed in by the user, or a credential for a tool that
// logs in; never the agent's own material.
func ownParamData(cred bool, purpose, desc string) bool {
	if agentOwnedRE.MatchString(desc) {
		return false
	}
	return userSuppliedRE.MatchString(desc) || cred && loginJobRE.MatchString(purpose)
}

// opensProtectedFile reports a password parameter for a kind of file
// (a PDF, an archive, a keystore) that the tool's purpose says it opens:
// the file's own password, not the user's account.
func opensProtectedFile(purpose, desc string) bool {
	kind := protectedFileRE.FindString(desc)
	return kind != "" && strings.Contains(purpose, kind)
}

var protectedFileRE = re(`\b(pdf|zip|7z|rar|archive|xlsx|xls|docx|spreadsheet|workbook|keystore|p12|pfx|pkcs12|vault file|kdbx)\b`)

// loginJobRE: a tool whose job is to log in with what it is given (a
// narrower test than loginPurposeRE, which also accepts tools that only
// mention accounts or databases).
var loginJobRE = re(`\b(logs? ?in|logging in|signs? ?in|signing in|authenticat\w*|unlocks?|unlocking|connects? to)\b`)
