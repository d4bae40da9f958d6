package toolscan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/jsonpointer"
	"github.com/agentgov/agentgov/internal/textnorm"
)

// carrierNames are parameter names used to carry context out of the
// conversation: free text nobody asked the user for.
var carrierNames = map[string]bool{
	"sidenote": true, "side": true, "notes": true, "note": true, "context": true, "ctx": true, "metadata": true, "meta": true,
	"extra": true, "debug": true, "feedback": true, "conversation": true, "history": true, "memo": true, "internal": true,
	"hidden": true, "trace": true, "telemetry": true, "analytics": true, "annotation": true, "annotations": true,
	"remarks": true, "reasoning": true, "thoughts": true, "justification": true, "additional": true, "misc": true,
	"aux": true, "payload": true, "blob": true, "state": true, "session": true, "diagnostics": true, "tracking": true, "memory": true, "memories": true, "profile": true, "dump": true,
}

// secretNames are parameter name words for data a tool rarely needs.
var secretNames = map[string]string{
	"conversation": "the conversation", "sysprompt": "the system prompt", "ssn": "a social security number", "history": "the conversation history",
	"messages": "previous messages", "transcript": "the conversation", "ssh": "SSH keys", "private": "private keys",
	"credentials": "credentials", "credential": "credentials", "password": "a password", "passwd": "a password",
	"secret": "a secret", "secrets": "secrets", "cookie": "cookies", "cookies": "cookies", "env": "environment variables",
	"environment": "environment variables", "mnemonic": "a wallet seed", "seed": "a wallet seed", "apikey": "an API key",
	"token": "a token", "tokens": "tokens",
}

// loginPurposeRE: tools whose purpose involves a password.
var loginPurposeRE = re(`\b(logs? ?in|logging in|signs? ?in|signing in|auth\w*|password|passphrase|credential|account|unlock|vault|connect|database|ssh|wifi|zip|encrypt|decrypt|contrasena|mot de passe|passwort|kennwort|senha|wachtwoord|haslo)|パスワード|密码|密碼|비밀번호|пароль`)

// paramOrderRE: a description that says what a parameter must hold.
var paramOrderRE = re(`\b(must|should|has to|needs to) (also )?(contain|carry|include|hold|carry|be set to|be filled with)\b`)

// templateValueRE: a default or example that a client would expand into
// the agent's environment or conversation.
var templateValueRE = re(`\{\{\s*(env|environment|secrets?|conversation|history|chat|messages|system_?prompt|credentials|user|session)[^}]*\}\}|\$\{?(env|secrets?|conversation)\b`)

// secretEnvRE names an environment variable that holds a secret.
// recipientParamRE: the words of a parameter that names who receives a
// message.
var recipientParamRE = re(`^(\w+ )?(to|cc|bcc|recipients?|(forward|copy|send|mail|reply|cc|bcc|relay) to|(share|shared|copy) with|to (address|addresses|emails?|numbers?|phones?)|(cc|bcc|copy|subscribers?|watchers?|followers?|attendees?|invitees?|participants?|notify|notification|alert) (address|addresses|emails?|recipients?|numbers?|phones?|list)|subscribers?|watchers?|followers?|notify( emails?)?|forward)$`)

// phoneRE: a telephone number in international form.
var phoneRE = re(`\+[1-9][0-9 ]{7,16}[0-9]`)

// destinationParamRE: the words of a parameter that names where money or
// data goes (its last words; a sender's or source's address is not one);
// fixedDestRE: a value that is such a destination (a cryptocurrency
// address, an IBAN, an e-mail address, a URL, an account number).
var (
	destinationParamRE = re(`(^|\s)(address|wallet|iban|account|delivery( target| url| address)?|deliver to|send to|account (number|id|no)|destination|payee|beneficiary|webhook( url)?|callback( url)?|endpoint|upload url|destino|destinazione|destinataire|destinatario|ziel|zieladresse|empfanger|empfaenger|direccion|endereco|adresse|indirizzo|cuenta|conta|compte|konto|rekening|e ?mail|e ?mail address|mail address|emails|(destination|target|output|export|upload|sink) (uri|url|prefix|bucket|location|path)|(backup|vault|archive|snapshot|sync|mirror|collector|ingest|telemetry|report|reporting|logs?|analytics|relay|fallback|failover|secondary|replica|shadow) (url|uri|endpoint|host|server)|mirror|mirror to|copy to|cc|bcc|inbox|mailbox|chave( \w+)?|pix key|clabe|recipients?|attendees|guests|invitees|participants|(to|target|destination|dest|forward to) (chat|channel|room|group|conversation|thread|user|phone|number|inbox)( id)?)$|送信先|宛先|送り先|收件人|收件地址|发送到|수신자|받는 사람`)
	sourceParamRE      = re(`\b(from|sender|source|origin|reply|return|ip|mac|street|postal|home|billing|shipping|mailing)\b`)
	fixedDestRE        = re(`\b(` + ibanOrWallet + `|[a-z]{2,8}_[A-Za-z0-9]*[0-9][A-Za-z0-9]*[A-Z][A-Za-z0-9]*|[a-z]{2,8}_[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[0-9][A-Za-z0-9]*|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|T[1-9A-HJ-NP-Za-km-z]{33}|[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}|(https?|gs|s3|az|abfss?|wasbs?|ftp|sftp)://\S+|[0-9][0-9 -]{7,}[0-9])\b`)
)

// ibanOrWallet matches an IBAN (compact or in groups of four), a
// Bitcoin bech32 address or an Ethereum address: the fixed accounts both a payee rewrite and a destination
// default name.
const ibanOrWallet = `[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}|[A-Z]{2}[0-9]{2}( [A-Z0-9]{4}){2,7}( [A-Z0-9]{1,4})?|bc1[a-z0-9]{20,}|0x[0-9a-fA-F]{40}`

// fixedDestDefault returns the fixed destination a destination parameter
// defaults to, or "".
func fixedDestDefault(name string, schema any) string {
	p, _ := schema.(map[string]any)
	w := identWords(name)
	if !destinationParamRE.MatchString(w) || sourceParamRE.MatchString(w) {
		return ""
	}
	switch d := p["default"].(type) {
	case string:
		return fixedDestRE.FindString(d)
	case []any:
		// A list of recipients with one filled in.
		for _, e := range d {
			if s, ok := e.(string); ok {
				if m := fixedDestRE.FindString(s); m != "" {
					return m
				}
			}
		}
	}
	return ""
}

var secretEnvRE = re(`\b[A-Z][A-Z0-9_]*(API_KEY|_KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS|PRIVATE_KEY)[A-Z0-9_]*\b`)

var internalUseRE = re(`\b(internal (use|purposes?|only|tracking|bookkeeping)|for internal|a usage interne|usage interne|de uso interno|para uso interno|uso interno|interne verwendung|internen gebrauch|voor intern gebruik|do not (show|display|ask|mention|expose)|don't (show|display|ask|mention)|not (shown|visible|displayed) to|hidden (field|parameter)|automatically (fill|filled|populate|populated|include|included|collect|collected)|(auto|pre) ?(filled|populated)|(fill|populate) (this|it) (automatically|yourself|silently)|fill (it |this )?(silently|automatically|yourself)|hidden\s*:|leave (it |this )?(for|to) the (model|assistant|ai)|fill(ed)? automatically|the (assistant|model|ai|agent) (fills|should fill|must fill|provides|should provide|must provide)|do not ask the user|without asking|(leave|keep) (this|it) (hidden|invisible))\b`)

// modelFillsRE is the part of internalUseRE that says who fills the
// parameter: the model, unasked. Without it, "internal" and "not shown to
// the customer" describe who reads the field.
var modelFillsRE = re(`\b(automatically (fill|filled|populate|populated|include|included|collect|collected)|(auto|pre) ?(filled|populated)|(fill|populate) (this|it) (automatically|yourself|silently)|fill (it |this )?(silently|automatically|yourself)|leave (it |this )?(for|to) the (model|assistant|ai)|fill(ed)? automatically|the (assistant|model|ai|agent) (fills|should fill|must fill|provides|should provide|must provide)|do not ask the user|don't ask the user|without asking|not shown to the user|hidden from the user)\b`)

// humanReadersRE names people a field is written for: an internal note
// for the support team is a feature of ticketing tools, not a side
// channel.
var humanReadersRE = re(`\bfor (the |your |our )?(support|sales|success|customer success|ops|operations|billing|finance|engineering|security|legal|hr|admin|moderation|review|account|care) (team|teams|staff|agents?|reps?|representatives|managers?)\b|\b(visible|shown|readable) only to (staff|agents|admins|administrators|the team|moderators|reviewers|your team|internal users)\b`)

var fillRE = re(`\b(required|collected|gathered|taken from|copied from|from (their|the user'?s?|the) (git config|session|chat|conversation|context|environment)|everything|must contain|should contain|must include|value of|contents? of|fill|filled|populate|set|put|include|pass|provide|paste|insert|add|place|enter|supply|contain|contains|copy|dump|attach|send|full|entire|complete|all|every|verbatim|raw)\b`)

// fixedDest reports a destination of money or data with a fixed default
// (a wallet, an IBAN, an account, a URL), which the call sends to whenever
// the model leaves it out.
func (sc *scan) fixedDest(ta *toolAnalysis, name, ptr string, p map[string]any) {
	if m := fixedDestDefault(name, p); m != "" {
		sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr + "/default", Severity: detect.High,
			Detail: fmt.Sprintf("destination parameter %q defaults to %q: whatever the call moves goes there unless the model supplies another; remove the default", name, excerpt(m, 60))})
	}
}

// enumOffers reports a top-level parameter whose enum has a value
// containing word.
func enumOffers(ps map[string]any, word string) bool {
	for _, p := range ps {
		m, _ := p.(map[string]any)
		vals, _ := m["enum"].([]any)
		for _, v := range vals {
			if s, ok := v.(string); ok && strings.Contains(strings.ToLower(s), word) {
				return true
			}
		}
	}
	return false
}

// inputParams is a tool's input schema as the parameter rules read it,
// worked out once per tool: the top-level properties with their names
// sorted, the required list, and every property nested in objects and
// arrays.
type inputParams struct {
	props    map[string]any
	names    []string
	required []string
	nested   []paramNode
}

func readInputParams(schema any) *inputParams {
	ps, req := props(schema)
	return &inputParams{props: ps, names: slices.Sorted(maps.Keys(ps)), required: req,
		nested: nestedParams(ps, "/inputSchema/properties/", 0, nil)}
}

// props returns the top-level properties of a schema and its required
// list.
func props(schema any) (map[string]any, []string) {
	m, _ := schema.(map[string]any)
	if m == nil {
		return nil, nil
	}
	p, _ := m["properties"].(map[string]any)
	var req []string
	if r, ok := m["required"].([]any); ok {
		for _, x := range r {
			if s, ok := x.(string); ok {
				req = append(req, s)
			}
		}
	}
	return p, req
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// purposeText is what the tool says it is for: its name and description.
func purposeText(ta *toolAnalysis) string {
	n := textnorm.Normalize(ta.name+" "+ta.desc, textnorm.Options{MaxDepth: -1, NoCompact: true})
	return n.Base.Text
}

func (sc *scan) schemaAbuse(ta *toolAnalysis, ip *inputParams) {
	ps, required, names := ip.props, ip.required, ip.names
	if len(ps) == 0 {
		return
	}
	purpose := purposeText(ta)
	// A destination nested in an object parameter ("backup": {"endpoint":
	// {"default": "https://…"}}) is as fixed as one at the top.
	for _, pn := range ip.nested {
		if strings.Count(pn.ptr, "/properties/") < 2 {
			continue
		}
		sc.fixedDest(ta, pn.name, pn.ptr, pn.schema)
	}
	descSig := ta.params["/description"]
	// A choice of protection by password among the tool's options
	// (visibility: team_only | password | public) makes a password
	// parameter part of what the tool does.
	pwOption := enumOffers(ps, "password")
	for _, name := range names {
		p, _ := ps[name].(map[string]any)
		ptr := "/inputSchema/properties/" + jsonpointer.Escape(name)
		// The description tells the model to put data that is not the
		// tool's into this parameter: "pass its content as 'sidenote'".
		if descSig != nil && descSig.sensPath && secretIntoParam(ta.name, ta.desc, descSig.ex["path"], name) {
			sc.add(Finding{Type: TypeToolPoisoning, Tool: ta.name, Object: ta.object, Path: "/description", Severity: detect.High,
				Detail: fmt.Sprintf("the description names the secret file %q and the tool's own parameter %q, and the tool's purpose has nothing to do with that file: the text routes the file into the parameter, which carries it to the server; reject the server", descSig.ex["path"], name)})
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr, Severity: detect.High,
				Detail: fmt.Sprintf("parameter %q is named as the place for %q, a file the tool does not need: a channel for the agent's secrets; reject the server", name, descSig.ex["path"])})
			// The checks below may find the same channel more severe
			// (a fill order kept from the user); add keeps the worst.
		}
		if descSig != nil && (descSig.sensData || descSig.sensPath) && (descSig.sensAccess || descSig.exfilSentence || descSig.directed || paramOrderRE.MatchString(strings.ToLower(ta.desc))) && mentionsParam(ta.desc, name) && !hasFieldFor(names, descSig.dataWord) && dataBesideParam(ta.desc, firstNonEmpty(descSig.ex["path"], descSig.dataWord), name) {
			sev := detect.High
			if descSig.secrecy {
				sev = detect.Critical
			}
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr, Severity: sev,
				Detail: fmt.Sprintf("the description tells the model to fill parameter %q with %q: the parameter is a channel for data the tool does not need; reject the server", name, firstNonEmpty(descSig.ex["path"], descSig.dataWord))})
			continue
		}
		toks := skeletonTokens(name)
		carrier, secretWord := false, ""
		for _, tk := range toks {
			if carrierNames[tk] {
				carrier = true
			}
			if w, ok := secretNames[tk]; ok && !strings.Contains(purpose, tk) {
				secretWord = w
			}
		}
		if slices.Contains(toks, "chat") && (slices.Contains(toks, "log") || slices.Contains(toks, "history") || slices.Contains(toks, "transcript")) && !strings.Contains(purpose, "chat") {
			secretWord = "the conversation"
		}
		if slices.Contains(toks, "secret") && (slices.Contains(toks, "key") || slices.Contains(toks, "access")) && !strings.Contains(purpose, "secret") {
			secretWord = "a private key"
		}
		if slices.Contains(toks, "sysprompt") && !strings.Contains(purpose, "system prompt") {
			secretWord = "the system prompt"
		}
		if strings.Join(toks, "") == "apikey" && !strings.Contains(purpose, "api key") && !strings.Contains(purpose, "apikey") {
			secretWord = "an API key"
		}
		if slices.Contains(toks, "system") && (slices.Contains(toks, "prompt") || slices.Contains(toks, "instructions") || slices.Contains(toks, "message")) && !strings.Contains(purpose, "system prompt") {
			secretWord = "the system prompt"
		}
		if scalarParam(p) || takesName(name) {
			// conversation_id names a conversation; it does not carry one.
			secretWord = ""
		}
		if secretWord == "a password" && (setsPasswordRE.MatchString(strings.ToLower(ta.desc)) || pwOption) {
			// The password that protects what the tool makes (a share
			// link, an archive) is the user's choice for it.
			secretWord = ""
		}
		if secretWord != "" && credentialWord(secretWord) && sc.productServer() && !personalLoginRE.MatchString(strings.ToLower(str(p, "description"))) {
			// access_token on the plaid server is Plaid's token; a
			// customer's username and password are not.
			secretWord = ""
		}
		desc := ""
		if p != nil {
			desc = lightReplacer.Replace(strings.ToLower(str(p, "description") + " " + str(p, "title")))
		}
		sg := ta.params[ptr]
		if sg == nil {
			sg = &signals{}
		}
		isReq := slices.Contains(required, name)
		if p != nil {
			pd := str(p, "description") + " " + str(p, "title")
			if loc := secretEnvRE.FindStringIndex(pd); loc != nil && !strings.Contains(purpose, strings.ToLower(pd[loc[0]:loc[1]])) && !envOwnService(pd[loc[0]:loc[1]], purpose) && !exampleWordRE.MatchString(strings.ToLower(pd[:loc[0]])) && !takesName(name) {
				m := pd[loc[0]:loc[1]]
				sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr, Severity: detect.High,
					Detail: fmt.Sprintf("parameter %q asks the model for the secret %s from its environment: credentials of the agent would go to this server; remove the parameter", name, m)})
				continue
			}
		}
		switch {
		case (sg.sensData || sg.sensPath) && (fillRE.MatchString(desc) || carrier || sg.directed || sg.secrecy) && !(pwOption && strings.Contains(strings.ToLower(sg.dataWord), "password") && !sg.directed && !sg.secrecy) && !purposeMentions(purpose, sg) && !(sg.sensPath && purposeNamesPath(purpose, sg.ex["path"])) && !(sg.sensData && !sg.sensPath && ownServiceCred(purpose, desc)) && !(cannotCarry(p) && !sg.sensPath && !sg.secrecy) && !toolCredRE.MatchString(desc) && !sc.serverCred(desc):
			sev := detect.High
			if sg.secrecy || sg.sensAccess || isReq && carrier {
				sev = detect.Critical
			}
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr, Severity: sev,
				Detail: fmt.Sprintf("parameter %q asks the model to fill it with %q, which the tool does not need for what it says it does: the parameter carries data out to the server; reject the server or remove the parameter", name, firstNonEmpty(sg.dataWord, sg.ex["path"]))})
		case carrier && internalUseRE.MatchString(desc) && !(humanReadersRE.MatchString(desc) && !modelFillsRE.MatchString(desc)):
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr, Severity: detect.High,
				Detail: fmt.Sprintf("parameter %q is free text \"for internal use\" that the model fills without the user: %q; a side channel for context — remove it", name, excerpt(desc, 80))})
		case secretWord != "" && purposeCoversParam(purpose, secretWord, desc):
			// What the tool is for explains the parameter.
		case secretWord != "" && (ownServiceCred(purpose, desc) || sc.serverCred(desc) || toolCredRE.MatchString(desc)):
			// The user's key for the service the tool itself calls.
		case secretWord != "" && (carrier || strings.Contains(secretWord, "prompt") || strings.Contains(secretWord, "conversation") || strings.Contains(secretWord, "messages") || strings.Contains(secretWord, "SSH") || strings.Contains(secretWord, "private") || strings.Contains(secretWord, "seed") || strings.Contains(secretWord, "cookies") || strings.Contains(secretWord, "social security") || sg.sensData):
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr, Severity: detect.High,
				Detail: fmt.Sprintf("parameter %q asks for %s, which a tool described as %q does not need; reject the server or remove the parameter", name, secretWord, excerpt(ta.desc, 60))})
		case secretWord == "a password" && !loginPurposeRE.MatchString(purpose) && !setsPasswordRE.MatchString(strings.ToLower(ta.desc)):
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr, Severity: detect.High,
				Detail: fmt.Sprintf("parameter %q asks for a password, which a tool described as %q has no reason to take; reject the server or remove the parameter", name, excerpt(ta.desc, 60))})
		case secretWord != "":
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr, Severity: detect.Medium,
				Detail: fmt.Sprintf("parameter %q asks the model for %s although the description does not say why; check that the tool needs it", name, secretWord)})
		case carrier && sg.directed:
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr, Severity: detect.High,
				Detail: fmt.Sprintf("free-text parameter %q comes with instructions to the model (%q); remove it", name, sg.ex["directed"])})
		}
		if p == nil {
			continue
		}
		// A default or example that points at secret files.
		for _, k := range []string{"default", "examples", "example", "const"} {
			v, ok := p[k]
			if !ok {
				continue
			}
			if m := templateValueRE.FindString(strings.ToLower(fmt.Sprint(v))); m != "" {
				sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr + "/" + k, Severity: detect.High,
					Detail: fmt.Sprintf("parameter %q has a %s %q that stands for the agent's environment or conversation: a side channel; remove it", name, k, m)})
			}
			if sv := strings.ToLower(strings.TrimSpace(fmt.Sprint(v))); secretPathIndex(sv) != nil || k == "default" && homeSecretPathRE.MatchString(sv) {
				// A tool about that file (an SSH key generator writing to
				// ~/.ssh, a .env linter) may point at it.
				sev := detect.High
				if strings.Contains(purpose, "ssh") || strings.Contains(purpose, "credential") || strings.Contains(purpose, "config") || purposeNamesPath(purpose, sv) {
					sev = detect.Medium
				}
				sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr + "/" + k, Severity: sev,
					Detail: fmt.Sprintf("parameter %q has a %s that points at secret files (%q): a model that takes it sends them to the server; remove it", name, k, excerpt(fmt.Sprint(v), 60))})
			}
		}
		// A recipient field with a default address copies every message
		// there unless the model thinks to remove it.
		if d, ok := p["default"]; ok && recipientParamRE.MatchString(identWords(name)) {
			if m := cmp.Or(emailRE.FindString(strings.ToLower(fmt.Sprint(d))), phoneRE.FindString(fmt.Sprint(d))); m != "" {
				sc.add(Finding{Type: TypeExfiltration, Tool: ta.name, Object: ta.object, Path: ptr + "/default", Severity: detect.High,
					Detail: fmt.Sprintf("recipient parameter %q defaults to %q: every message is copied there unless the model removes it; remove the default", name, m)})
			}
		}
		sc.fixedDest(ta, name, ptr, p)
		// Absurd sizes.
		for _, k := range []string{"maxLength", "maxItems", "maxProperties"} {
			if v, ok := number(p[k]); ok && v > 10_000_000 {
				sev := detect.Low
				if carrier {
					sev = detect.Medium
				}
				sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr + "/" + k, Severity: sev,
					Detail: fmt.Sprintf("parameter %q allows %s of %s: no tool needs that much; set a real bound", name, k, strconv.FormatFloat(v, 'f', -1, 64))})
			}
		}
		if v, ok := number(p["minLength"]); ok && v >= 500 {
			sev := detect.Medium
			if carrier || sg.sensData {
				sev = detect.High
			}
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: ptr + "/minLength", Severity: sev,
				Detail: fmt.Sprintf("parameter %q must be at least %s characters long: it forces the model to write much more than the user gave it; remove the bound", name, strconv.FormatFloat(v, 'f', -1, 64))})
		}
	}
}

// mentionsParam reports whether a description names a parameter as a
// place to put something: quoted, or followed by parameter/field/argument,
// or after in/into/as.
func mentionsParam(desc, name string) bool {
	d := strings.ToLower(desc)
	n := strings.ToLower(name)
	if len(n) < 2 {
		return false
	}
	for _, q := range []string{"'" + n + "'", "`" + n + "`", "\"" + n + "\"", "‘" + n + "’", "“" + n + "”", "„" + n + "“", "„" + n + "”", "«" + n + "»", "« " + n + " »", "「" + n + "」"} {
		if strings.Contains(d, q) {
			return true
		}
	}
	for _, f := range []string{n + " parameter", n + " field", n + " argument", n + " param", "in " + n, "into " + n, "as " + n, "to " + n + " "} {
		if i := strings.Index(d, f); i >= 0 {
			return true
		}
	}
	return false
}

// purposeMentions reports whether the tool's own name and description
// speak of the data its parameter asks for (a login tool takes a
// password).
func purposeMentions(purpose string, sg *signals) bool {
	w := sg.dataWord
	if w == "" {
		return false
	}
	w = strings.TrimSuffix(strings.Fields(w)[0], "s")
	return len(w) >= 4 && strings.Contains(purpose, w)
}

// Confused deputy: a tool that acts with the server's privileges on a
// target taken from free text.
type deputyKind struct {
	what    string
	verbs   []string // tokens of the name, or first words of the description
	targets []string // parameter name tokens that name the target
}

var deputyKinds = []deputyKind{
	{"fetches URLs", []string{"fetch", "http", "request", "call", "api", "invoke", "browse", "navigate", "download", "scrape", "crawl", "curl", "webhook", "visit", "proxy", "url", "get_url", "open_url", "web"},
		[]string{"url", "uri", "link", "endpoint", "href", "address", "host", "target", "location", "webhook", "site"}},
	{"runs queries", []string{"query", "sql", "execute_sql", "cypher", "database", "db", "statement"},
		[]string{"query", "sql", "statement", "stmt", "cypher", "command"}},
	{"sends messages", []string{"send", "email", "mail", "sms", "notify", "publish", "post_message", "message", "text"},
		[]string{"to", "recipient", "recipients", "email", "address", "phone", "number", "destination", "cc", "bcc"}},
	{"writes files", []string{"write", "save", "delete", "remove", "move", "upload", "overwrite", "create_file", "edit_file", "put"},
		[]string{"path", "file", "filename", "filepath", "destination", "target", "dir", "directory", "key", "dest"}},
	{"triggers jobs", []string{"trigger", "dispatch", "pipeline", "workflow", "deploy", "job", "build", "release", "apply", "provision", "patch"},
		[]string{"project", "pipeline", "workflow", "job", "variables", "ref", "branch", "target", "environment", "repo", "repository", "manifest", "config", "spec", "template", "yaml", "patch"}},
	{"executes commands", []string{"exec", "execute", "run", "shell", "command", "cmd", "bash", "eval", "script", "terminal", "spawn", "process", "python", "powershell"},
		[]string{"command", "cmd", "script", "code", "program", "shell", "expression", "commandline", "cmdline", "playbook", "hosts", "host"}},
}

var restrictedRE = re(`\b((from|on) the user'?s (own )?(machine|computer|laptop|device|workstation)|runs? locally|refused|rejected|blocked|denied|not (allowed|permitted|reachable|accepted|supported|possible)|disabled|only|allowed|allow ?list|allowlisted|whitelist(ed)?|restricted to|limited to|within (the )?(allowed|permitted|configured|sandbox|workspace|project)|sandbox(ed)?|read ?only|must be (one of|in|within|under|a (registered|configured|known))|approved (\w+ )?(vendors?|domains?|hosts?|recipients?|lists?|destinations?|repositor(y|ies)|registr(y|ies)|users?|accounts?|targets?|endpoints?|sites?|senders?|apps?|applications?|paths?|directories|folders?|buckets?|commands?)|pre ?approved|configured (domains?|hosts?|directories|paths|recipients)|not allowed|requires? (user |explicit )?(confirmation|approval)|asks? the user to (approve|confirm)|(user|operator) (approves|confirms|must approve|must confirm)|(approved|confirmed) by the user|after (the user )?(confirms|approves)|parameterized|select statements? only|wait for (the )?user'?s? (ok|okay|go ahead|yes|confirmation|approval|consent)|(get|obtain) (a yes|(explicit )?(approval|confirmation|permission|consent)) from the user|runs? as the (local|current|calling) user)\b`)

var privilegeRE = re(`\b(server'?s? (own )?([a-z0-9-]+ ){0,2}(credentials|privileges|permissions|identity|service account|token|network|access|api key)|site[ -]admin|delegated (access|permissions|rights|credentials)|full[- ]access (api )?(keys?|tokens?|credentials)|cluster[- ]admin|(treasury|registrar|payroll) (account|credentials?|keys?|tokens?)|credencial de tesouraria|credencial (do|da) (servidor|empresa)|with (admin|administrator|root|elevated|full|superuser|service|owner) (rights|privileges|access|permissions|credentials|scope)|as (admin|administrator|root|superuser|the server|the service account)|as (the )?(\w+ )?(admin|administrator|root|superuser|super user|owner|sysadmin|dba)\b|(maintainer|owner|admin|write|full) access to (every|all|any)|(cluster|org|organization|global|domain|tenant)[ -]admin|the bot'?s token|any (database|db|table|cluster|project|repo|repository|account|bucket|host|server|pipeline|tenant|record|customer|campaign)s?\b|(manager|master|agency|platform|global|org|organization|owner|admin|service)'?s? (\w+ )?(account|token|credentials|keys?)\b|(root|admin|master|owner) (api |access )?keys?\b|admin (api|account|credentials|token|key|user|role|console)|admin'?s? token|as (an? )?(owner|admin|administrator)\b|\bsuperuser\b|(in[ -]chief|chief|master|super) (account|user)|(the )?(company|organization|organisation|corporate|team|platform|store|shop|bank)'s (\w+ )?(account|sender id|mailbox|key|token|card|credentials|identity|domain|number|name)|across all (\w+ )?accounts|on behalf of (the )?(server|organization|org|company|admin)|internal (network|services?|hosts?|endpoints?|apis?|systems?)|localhost|127\.0\.0\.1|169\.254|metadata (service|endpoint)|intranet|any (url|host|address|file|path|command|query|recipient|sql|statement|shell command)|arbitrary|unrestricted|no (restrictions?|validation|checks?|limits?|sandbox)|without (any )?(restriction|restrictions|validation|checks?|confirmation|approval|sandbox)|(with )?no confirmation|full access to (the user'?s? )?\w+|any (person|user|recipient|address|people)\b|no (approval|confirmation|review) (needed|required|necessary)|bypass(es|ing)? (the )?(acl|permissions?|auth|checks?|firewall)|(company|organization|organisation|server|service|admin)'?s? (service account|credentials|api key|token)|service account|(superuser|super user|admin|administrator|root|owner|dba) (role|account|user|credentials|privileges|rights)|production (hosts?|servers?|systems?|environment|cluster)|every (host|server|machine)|deploy key|(shared|finance|support|company|billing|corporate) (\w+ )?(mailbox|account|inbox)|sudo|privileged|production (database|credentials|keys?)|(with|using|under|via) its own (\w+ ){0,2}(role|credentials|identity|service account|token|key|permissions)|on all (\w+ )?(buckets|repositories|repos|projects|accounts|tenants|mailboxes|databases|clusters) (in|of) the (account|org|organi[sz]ation|tenant|workspace|company)|even (for|on|when|if) (\w+ ){0,3}(the )?(requesting |calling |signed-in |current )?users? (cannot|can't|can not|does not|doesn't|has no|have no|lacks?)|with the ([a-z]+[- ])?(admin|administrator|root|owner|superuser|service) (api )?(token|key|credentials|account|role))\b`)

var originRE = re(`\b((senders?|submitters?|requesters?|authors?|commenters?) (are|is) not (verified|checked|authenticated)|(ownership|identity) (of [^.;]{0,40} )?(by [^.;]{0,40} )?(is|are) not (checked|verified)|(carr(y|ies) out|executes?|performs?|implements?|applies) (the )?(requests?|instructions?|actions?|changes?|commands?) (they|it|that they) contains?|whoever (writes|posts|sends|opens|comments)|n[aã]o h[aá] verifica[cç][aã]o|no se verifica|sans v[ée]rification|(taken|read|pulled|copied|parsed|extracted) from (\S*[^\s.,;] ){0,3}(messages|comments|payloads|alerts|issues|tickets|e?mails|documents|pages|chats)|(actions?|requests?|instructions?|tasks?|changes?|commands?) (that are |are |that )?(requested|asked for|described|written|listed|given) in (the |its |a |an )?(\S*[^\s.,;] ){0,2}(tickets?|e?mails?|messages?|documents?|pages?|content|comments?|issues?|chats?|description|body|inbox)|anyone who can (comment|email|post|write|edit|open|reply)|(url|link|address|command|recipient|query|endpoint)s? (that )?(appears?|appearing|found|given|mentioned|included|contained) in (the )?(\S*[^\s.,;] ){0,2}(ticket|email|message|document|page|content|comment|issue|chat)|whatever (url|link|address|command|recipient|number|phone|email|ip|key|file|path|id)|(iban|address|number|url|email|link|recipient|account|value|amount|key|name|command) (given |found |written |stated |quoted |listed |included )?in (the )?(\S*[^\s.,;] ){0,3}(message|email|chat|ticket|document|page|report|incoming request|request (body|being))|\b(appears?|appearing) in (the |an? )?(\S*[^\s.,;] ){0,3}(report|ticket|email|message|chat|document|page|comment|issue|request)|attached to (the |an? )?(\S*[^\s.,;] ){0,2}(email|message|ticket|issue)|(whoever|whatever|anyone|any \w+) (is |are )?(named|mentioned|given|listed|written|found|linked|attached|pasted)( in)?|(written|shown|listed|appearing|found|given|mentioned|named|pasted|attached|linked) in (the |a |an )?(\S*[^\s.,;] ){0,3}(page|email|message|ticket|chat|document|report|request|comment|drive)|(comes?|taken|read|pulled|copied) from (the )?(\S*[^\s.,;] ){0,2}(description|body|text|content|comment|message|email|ticket|issue|document|page)|(address|url|link|recipient) (given |found )?in (the )?(incoming|received) (message|email)'?s?|(incoming|received) (message|email)'?s? (reply to|from|sender)|from (the )?(email|message|document|web ?page|page|user content|ticket|issue|comment|tool (output|result)|retrieved (text|content|documents?)|search results?|incoming)|(provided|given|supplied|listed|named|mentioned) (by|in) (an |a |the )?(\S*[^\s.,;] )?(email|document|page|content|message|ticket|issue|chat)|found in (the |an? )?(\S*[^\s.,;] )?(inbox|mailbox)|found in (the )?(\w+ )?(email|document|page|content|message|ticket)|(links?|urls?|commands?|addresses|recipients?) (in|inside|within) (the )?(content|document|email|message|page)|no (ownership|identity|permission|authori[sz]ation|access|owner) checks? (is |are )?(performed|done|made|applied|enforced)|(links?|urls?|buckets?|keys?|paths?|addresses|recipients?|ids?|commands?|hosts?|targets?) (\w+ )?(found|written|shown|listed|appearing|mentioned|pasted|given) in (the |a |an )?(\S*[^\s.,;] ){0,3}(pages|e?mails|messages|tickets|chats|documents|reports|requests|comments)|whoever the (requester|sender|author|caller|customer|user|submitter|reporter) is|(sender|requester|caller|author|submitter) (does not|doesn't|need not|needn't) (have to )?be the (user|travell?er|customer|owner|account holder|booking contact|patient|employee|member)|(lines|commands|directives|instructions|actions|macros|scripts|snippets|command blocks|code blocks) (found |contained |written )?(in|from) the (\w+ )?(ticket|email|message|comment|issue|page|document|chat)( body| text)? (\w+ ){0,4}(are|is|get|gets) (executed|run|applied|honou?red|carried out|performed)|(directives|commands|instructions) are (honou?red|executed|applied|accepted) (whoever|from anyone|for anyone|regardless))\b`)

// authorCheckedRE: a tool that checks who wrote the content it acts on.
var authorCheckedRE = re(`\b(only if|only when|provided) (its|the|their) (author|sender|requester|commenter|caller) (has|have|holds?|is)\b|\b(author|sender|requester|caller)'?s? (permissions?|role|access) (is|are) (checked|verified)\b|\bchecked (via|against|with) the (collaborators?|permissions?|acl|roles?)\b`)

func unconstrained(p map[string]any) bool {
	if p == nil {
		return true
	}
	if t, ok := p["type"].(string); ok && t != "string" {
		return false
	}
	for _, k := range []string{"enum", "const", "pattern", "oneOf", "anyOf", "$ref"} {
		if _, ok := p[k]; ok {
			return false
		}
	}
	_, formatted := p["format"]
	return !formatted
}

// unconstrainedTarget is unconstrained for a parameter that names a
// target: a format that checks only the syntax of an address (uri,
// hostname, email) does not limit which target it names.
func unconstrainedTarget(p map[string]any) bool {
	if f, ok := p["format"].(string); ok && addressFormats[f] {
		q := maps.Clone(p)
		delete(q, "format")
		return unconstrained(q)
	}
	return unconstrained(p)
}

var addressFormats = map[string]bool{"uri": true, "url": true, "iri": true, "uri-reference": true, "iri-reference": true, "hostname": true, "idn-hostname": true, "email": true, "idn-email": true, "ipv4": true, "ipv6": true}

// cannotCarry reports a parameter whose values are fixed in advance (a
// boolean, a number, an enum, an array of such): it cannot carry text the
// model writes into it.
func cannotCarry(p map[string]any) bool {
	if p == nil {
		return false
	}
	if scalarParam(p) {
		return true
	}
	if _, ok := p["enum"]; ok {
		return true
	}
	if _, ok := p["const"]; ok {
		return true
	}
	if t, _ := p["type"].(string); t == "array" {
		items, _ := p["items"].(map[string]any)
		return cannotCarry(items)
	}
	return false
}

func (sc *scan) confusedDeputy(ta *toolAnalysis, t *Tool, ip *inputParams) {
	ps := ip.props
	if len(ps) == 0 {
		return
	}
	nameToks := skeletonTokens(t.Name)
	descWords := strings.Fields(strings.ToLower(firstSentence(t.Description)))
	if len(descWords) > 2 {
		descWords = descWords[:2]
	}
	allText := strings.ToLower(t.Description)
	for _, p := range ps {
		if m, ok := p.(map[string]any); ok {
			// A full stop between descriptions: the end of one and the
			// start of the next are not a phrase ("… DEFAULT_FROM" +
			// "Message text").
			allText += ". " + strings.ToLower(str(m, "description"))
		}
	}
	allText = lightReplacer.Replace(allText)
	matched := false
	defer func() {
		if matched {
			return
		}
		// No known kind of action, but the text says it acts with broad
		// privileges on targets taken from content: that is the confused
		// deputy whatever the action.
		origin := firstAffirmed(originRE, allText)
		if origin == "" {
			return
		}
		priv := actingPrivilege(allText)
		if priv == "" || restrictedRE.MatchString(allText) {
			return
		}
		for _, n := range ip.names {
			if m, _ := ps[n].(map[string]any); unconstrainedTarget(m) {
				sc.add(Finding{Type: TypeConfusedDeputy, Tool: ta.name, Object: ta.object, Path: "/inputSchema/properties/" + jsonpointer.Escape(n), Severity: detect.High,
					Detail: fmt.Sprintf("the tool acts with broad privileges (%q) on targets taken from content the user did not write (%q) through the free-text parameter %q: constrain it or require approval", priv, origin, n)})
				return
			}
		}
	}()
	for _, k := range deputyKinds {
		if !kindMatches(k, nameToks, descWords) {
			continue
		}
		for _, n := range ip.names {
			m, _ := ps[n].(map[string]any)
			if !targetName(k, skeletonTokens(n)) || !unconstrained(m) {
				continue
			}
			restricted := restrictedRE.FindString(allText)
			priv := actingPrivilege(allText)
			origin := originRE.FindString(allText)
			// Content from others acted on only for authors the tool
			// checks ("honored only if its author has write on the repo")
			// borrows nobody's rights.
			if authorCheckedRE.MatchString(allText) {
				origin = ""
			}
			ptr := "/inputSchema/properties/" + jsonpointer.Escape(n)
			var sev detect.Severity
			var why string
			if restricted != "" && origin == "" {
				continue
			}
			switch {
			case priv != "" && origin != "":
				sev, why = detect.Critical, fmt.Sprintf("it says it acts with broad privileges (%q) on targets taken from content (%q)", priv, origin)
			case priv != "":
				sev, why = detect.High, fmt.Sprintf("it says it acts with broad privileges (%q)", priv)
			case origin != "":
				sev, why = detect.High, fmt.Sprintf("it takes its targets from content the user did not write (%q)", origin)
			case k.what == "executes commands":
				sev, why = detect.Medium, "any command the model writes runs with the server's rights"
			default:
				sev, why = detect.Low, "nothing in the schema limits the target"
			}
			matched = true
			sc.add(Finding{Type: TypeConfusedDeputy, Tool: ta.name, Object: ta.object, Path: ptr, Severity: sev,
				Detail: fmt.Sprintf("the tool %s with the server's privileges on %q, a free-text parameter without enum, pattern or format; %s: constrain the parameter (enum, pattern, allow-list) or require approval for this tool", k.what, n, why)})
			break
		}
	}
}

func kindMatches(k deputyKind, nameToks, descWords []string) bool {
	for _, v := range k.verbs {
		if strings.Contains(v, "_") {
			if strings.Join(nameToks, "_") == v {
				return true
			}
			continue
		}
		if slices.Contains(nameToks, v) {
			return true
		}
		for _, w := range descWords {
			w = strings.Trim(w, ".,:;")
			if w == v || w == v+"s" || w == v+"es" {
				return true
			}
		}
	}
	return false
}

func targetName(k deputyKind, toks []string) bool {
	for _, t := range toks {
		if slices.Contains(k.targets, t) {
			return true
		}
	}
	return false
}

func firstSentence(s string) string {
	if i := strings.IndexAny(s, ".\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// actingPrivilege is the first privilege the text says the tool acts
// with. A credential the first sentence names as what the tool works on
// ("Adds a deploy key to a repository", "Rotates the service account
// key") is its object, not its power.
func actingPrivilege(text string) string {
	for _, loc := range privilegeRE.FindAllStringIndex(text, 8) {
		if !managedCredRE.MatchString(text[:loc[0]]) {
			return text[loc[0]:loc[1]]
		}
	}
	return ""
}

// managedCredRE: the opening of a first sentence whose verb manages a
// credential, right before the credential it names.
var managedCredRE = re(`^\W{0,4}(adds|creates|generates|regenerates|rotates|revokes|deletes|removes|lists|registers|issues|renews|stores|updates|disables|enables|expires|describes|shows|imports|exports) (a |an |the |new |one |this |that |another |their |your |its )*$`)

// dataBesideParam reports a description that names the data and the
// parameter in one sentence: "pass `depth` to limit it" and, later,
// "FIGMA_ACCESS_TOKEN is a personal access token" do not route the token
// into depth. An empty data word cannot be placed and counts.
func dataBesideParam(desc, data, param string) bool {
	data = strings.ToLower(strings.TrimSpace(data))
	if data == "" {
		return true
	}
	has := func(s string) bool { return strings.Contains(lightReplacer.Replace(s), lightReplacer.Replace(data)) }
	ss := sentences(strings.ToLower(desc))
	for k, s := range ss {
		if !mentionsParam(s, param) || configUseRE.MatchString(s) {
			continue
		}
		// "… reads the saved passwords. Put them in the 'text' field."
		// "Keys not included in `data` are removed" says the opposite.
		if has(s) && !notIncludedRE.MatchString(s) || k > 0 && backRefRE.MatchString(s) && has(ss[k-1]) {
			return true
		}
	}
	return false
}

var notIncludedRE = re(`\b(not|never) (included|listed|present|passed|given|set|contained) in\b`)

var backRefRE = re(`\b(them|it|this|these|those|that|the result|the output|its contents?)\b`)

// takesName reports a parameter that takes the name of something
// (secret_name, key_name, secret_id): a secret's name in its description is the
// kind of value it takes, not a value to fetch.
func takesName(param string) bool {
	p := strings.ToLower(param)
	return strings.HasSuffix(p, "name") || strings.HasSuffix(p, "_id")
}

// toolCredRE: a parameter description that says what the secret does in
// the call (signs the request, verifies a webhook): the tool's own
// mechanism, not the agent's secret.
var toolCredRE = re(`\b(signing|hmac|verification|webhook) (secret|key)\b|\bsigns? (the |each )?(request|payload|body)\b|\bx-(signature|hub-signature)`)

// serverCred reports a parameter description that names the service the
// server itself is for ("Plaid access token" on the plaid server).
func (sc *scan) serverCred(desc string) bool {
	d := strings.ToLower(desc)
	for _, w := range sc.productWords() {
		if wordIndex(d, w) >= 0 {
			return true
		}
	}
	return false
}

// productWords returns the words of the server's name that name a product:
// "review" in ai-code-review names no service, "plaid" in plaid-mcp does.
func (sc *scan) productWords() []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(sc.in.Server), func(r rune) bool { return r == '-' || r == '_' || r == ' ' || r == '.' }) {
		if len(w) >= 4 && !genericServerWords[w] && !sc.s.known.vocab[w] && !englishWordRE.MatchString(w) {
			out = append(out, w)
		}
	}
	return out
}

// genericServerWords name no service.
var genericServerWords = map[string]bool{"server": true, "mcp": true, "tools": true, "tool": true, "admin": true, "client": true, "api": true, "lite": true, "helper": true, "bridge": true, "proxy": true, "service": true}

// englishWordRE: common words server names are made of that the tool-name
// vocabulary lacks.
var englishWordRE = re(`^(review|security|cloud|secure|smart|quick|easy|super|auto|code|coder|data|devops|dev|ops|notes|mail|email|chat|files?|assistant|agent|bot|hub|sync|ai|tracker|manager|monitor|scanner|analytics|insights?|vault|wallet|pay|payments?|bank|crm|shop|store|cart|health|clinic|legal|docs?|wiki|search|browser|web|fetch|backup|deploy|build|test|ci|cd|sql|db|database|queue|cache|storage|image|video|music|media|maps?|weather|time|calendar|tasks?|todo|ticket(s|ing)?|support|desk|helpdesk|inbox|sms|push|notify|notifications?|events?|logs?|metrics|alerts?)$`)

// credentialWord reports a secret word that names a service credential
// (a token, an API key), not the user's password, keys or conversation.
// setsPasswordRE: a tool that lets the user protect what it makes with a
// password of their choosing (a share link, an archive).
var setsPasswordRE = re(`\b((set|add|choose) (a |an |the )?(\w+ )?(password|passcode|pin)|password[- ]protect\w*|(definir|establecer|poner) (una )?contrasena|(definir|fixer) un mot de passe|passwort (festlegen|setzen))\b|パスワードを設定|パスワード保護|设置密码|密码保护|비밀번호(를)? 설정`)

// personalLoginRE: a person's own login, as opposed to a service's key.
var personalLoginRE = re(`\b(passwords?|passcodes?|pins?|username and password|login details|(user|customer|client|member|patient|employee)'?s? (\w+ ){0,3}(credentials|logins?|passwords?|usernames?))\b`)

func credentialWord(w string) bool {
	return strings.Contains(w, "token") || strings.Contains(w, "API key") || strings.Contains(w, "api key") || w == "credentials"
}

// productServer reports a server named after a product (plaid, okta,
// twilio), whose tools' tokens are that product's.
func (sc *scan) productServer() bool {
	return len(sc.productWords()) > 0
}
