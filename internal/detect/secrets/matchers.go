package secrets

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// matchPrivateKey finds a PEM or OpenSSH private key block at a
// "-----BEGIN" hit: the whole block, BEGIN line to END line, is the
// secret. Blocks inside JSON strings (GCP service-account files) have
// literal "\n" escapes instead of newlines and are found the same way. A
// block without its END line (a truncated paste) runs to the end of its
// base64 body. Public keys and certificates are not secrets; a block whose
// body is a placeholder ("...") is not a key.
func matchPrivateKey(sc *scan, hs, he int) {
	text := sc.text
	if !strings.HasPrefix(text[hs:], "-----BEGIN ") {
		return
	}
	le := strings.Index(text[hs+11:min(len(text), hs+11+64)], "-----")
	if le < 0 {
		return
	}
	label := text[hs+11 : hs+11+le]
	if !strings.Contains(label, "PRIVATE KEY") {
		return
	}
	bodyStart := hs + 11 + le + 5
	endMarker := "-----END " + label + "-----"
	limit := min(len(text), bodyStart+64<<10)
	end := -1
	if k := strings.Index(text[bodyStart:limit], endMarker); k >= 0 {
		end = bodyStart + k + len(endMarker)
	}
	bodyEnd := end
	if end < 0 {
		// Truncated: the body is the run of base64, header lines and
		// (escaped) newlines after the BEGIN line.
		p := bodyStart
		for p < limit {
			c := text[p]
			if isBase64Byte(c) || c == '\n' || c == '\r' || c == ' ' || c == '\t' || c == ':' || c == '-' || c == ',' ||
				c == '\\' && p+1 < limit && text[p+1] == 'n' {
				if c == '\\' {
					p++
				}
				p++
				continue
			}
			break
		}
		// Trim trailing whitespace and escapes.
		for p > bodyStart && (text[p-1] == '\n' || text[p-1] == '\r' || text[p-1] == ' ' || text[p-1] == '\t' || text[p-1] == 'n' && p-2 >= bodyStart && text[p-2] == '\\') {
			if text[p-1] == 'n' {
				p--
			}
			p--
		}
		end, bodyEnd = p, p
	}
	body := text[bodyStart:min(bodyEnd, len(text))]
	if strings.Contains(body, "...") || strings.Contains(body, "<") || strings.Contains(body, "xxxx") {
		return
	}
	n := 0
	for i := 0; i < len(body); i++ {
		if isBase64Byte(body[i]) {
			n++
		}
	}
	if n < 64 {
		return
	}
	sc.add(sc.ruleByID("PRIVATE_KEY"), "PRIVATE_KEY", hs, end)
}

func isBase64Byte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

func (sc *scan) ruleByID(id string) *rule { return sc.e.byID[id] }

// checkJWT confirms a JWT: the header decodes (base64url) to a JSON object
// with an "alg", and the payload to a JSON object.
func checkJWT(text string, s, e, _ int) bool {
	parts := strings.SplitN(text[s:e], ".", 3)
	if len(parts) != 3 {
		return false
	}
	var hdr map[string]any
	if !decodeJSONPart(parts[0], &hdr) {
		return false
	}
	if _, ok := hdr["alg"].(string); !ok {
		return false
	}
	var payload map[string]any
	return decodeJSONPart(parts[1], &payload)
}

func decodeJSONPart(p string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "="))
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

// checkURLPassword requires a scheme before "://" and drops default and
// template credentials: user:password@, guest:guest@, postgres:postgres@
// (the password repeats the user name) and ${VAR} references.
func checkURLPassword(text string, s, e, _ int) bool {
	pw := text[s:e]
	us := strings.LastIndex(text[max(0, s-140):s], "://")
	if us < 0 {
		return false
	}
	us += max(0, s-140)
	// The scheme: a letter, then letters, digits, '+', '-', '.'.
	k := us
	for k > 0 && k > us-32 && (isAlnum(text[k-1]) || text[k-1] == '+' || text[k-1] == '-' || text[k-1] == '.') {
		k--
	}
	if k == us || !(text[k] >= 'a' && text[k] <= 'z' || text[k] >= 'A' && text[k] <= 'Z') {
		return false
	}
	user := text[us+3 : s-1]
	if strings.EqualFold(user, pw) || strings.HasPrefix(user, "$") {
		return false
	}
	return !strings.ContainsAny(pw, "{}")
}

// connKeys are the other keys of a connection string.
var connKeys = []string{"server=", "data source=", "host=", "hostname=", "address=", "user id=", "userid=",
	"uid=", "user=", "username=", "database=", "initial catalog=", "dbname=", "port=", "provider="}

// checkConnString requires the key to start a field and another
// connection-string key beside the password (Server=…;User Id=…;
// Password=…), within 160 bytes on the same line.
func checkConnString(text string, s, e, ks int) bool {
	if ks > 0 && !strings.ContainsRune(";\"' \t", rune(text[ks-1])) {
		return false
	}
	lo, hi := max(0, ks-160), min(len(text), e+160)
	ls := strings.LastIndexByte(text[lo:ks], '\n') + 1 + lo
	le := hi
	if k := strings.IndexByte(text[e:hi], '\n'); k >= 0 {
		le = e + k
	}
	w := strings.ToLower(text[ls:ks] + text[e:le])
	w = strings.ReplaceAll(w, " =", "=")
	for _, k := range connKeys {
		if strings.Contains(w, k) {
			return true
		}
	}
	return false
}

// cliPatterns find passwords passed on command lines, each in a window of
// cliWindow bytes after its command's keyword (on the same line).
var cliPatterns = []struct {
	keywords []string
	re       *regexp.Regexp
}{
	{[]string{"--password", "--passwd"}, regexp.MustCompile(`^--(?:password|passwd)(?:=|\s+)(?:'(?P<s>[^'\n]+)'|"(?P<s2>[^"\n]+)"|(?P<s3>[^\s'"]+))`)},
	{[]string{"mysql", "mariadb"}, regexp.MustCompile(`\s-p(?:'(?P<s>[^'\n]+)'|"(?P<s2>[^"\n]+)"|(?P<s3>[^\s'"\-][^\s'"]*))`)},
	{[]string{"redis-cli"}, regexp.MustCompile(`\s-a\s+(?:'(?P<s>[^'\n]+)'|"(?P<s2>[^"\n]+)"|(?P<s3>[^\s'"]+))`)},
	{[]string{"curl"}, regexp.MustCompile(`\s(?:-u|--user)\s+["']?[^:\s"']*:(?P<s>[^\s"'@]+)`)},
	{[]string{"sshpass"}, regexp.MustCompile(`^sshpass\s+-p\s*(?:'(?P<s>[^'\n]+)'|"(?P<s2>[^"\n]+)"|(?P<s3>[^\s'"]+))`)},
	{[]string{"docker login"}, regexp.MustCompile(`\s-p\s+(?:'(?P<s>[^'\n]+)'|"(?P<s2>[^"\n]+)"|(?P<s3>[^\s'"]+))`)},
}

const cliWindow = 256

// cliKeywords is the union of the patterns' keywords (the rule's keywords).
func cliKeywords() []string {
	var out []string
	for _, p := range cliPatterns {
		out = append(out, p.keywords...)
	}
	return out
}

// matchCLIPassword runs the pattern of the command at the hit on the rest
// of its line (at most cliWindow bytes).
func matchCLIPassword(sc *scan, hs, he int) {
	kw := strings.ToLower(sc.text[hs:he])
	_, le := sc.lineBounds(hs, 0, cliWindow)
	win := sc.text[hs:le]
	r := sc.ruleByID("PASSWORD")
	for _, p := range cliPatterns {
		if !slices.Contains(p.keywords, kw) {
			continue
		}
		for _, m := range p.re.FindAllStringSubmatchIndex(win, -1) {
			for g := 1; 2*g+1 < len(m); g++ {
				if m[2*g] < 0 {
					continue
				}
				s, e := hs+m[2*g], hs+m[2*g+1]
				v := sc.text[s:e]
				if len(v) < 4 || isPlaceholder(v) {
					continue
				}
				sc.add(r, "PASSWORD", s, e)
			}
		}
	}
}

// Assignments: key = value, key: value, "key": "value", KEY=value,
// ?key=value, <key>value</key>, key="…" value="…".

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

type keyKind int

const (
	kindNone keyKind = iota
	kindPassword
	kindSecret
)

var (
	passwordParts = map[string]bool{"password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true, "pw": true, "pword": true}
	// keyQualifierDeny are words before "key" that make it not a secret.
	keyQualifierDeny = map[string]bool{
		"public": true, "pub": true, "publishable": true, "primary": true, "foreign": true, "sort": true,
		"partition": true, "cache": true, "idempotency": true, "unique": true, "composite": true, "hash": true,
		"range": true, "lookup": true, "map": true, "dict": true, "object": true, "item": true, "row": true,
		"column": true, "field": true, "group": true, "order": true, "registry": true, "translation": true,
		"i18n": true, "message": true, "label": true, "id": true, "type": true, "name": true, "path": true,
		"file": true, "query": true, "search": true, "hot": true, "shortcut": true, "short": true, "music": true,
		"routing": true, "dedup": true, "dedupe": true, "lock": true, "metric": true, "index": true, "s3": true,
		"object_key": true, "bucket": true, "prefix": true, "cursor": true, "page": true, "state": true,
		"config": true, "setting": true, "settings": true, "env": true, "var": true, "ref": true, "key": true,
	}
	// tokenQualifierDeny are words before "token" that make it a count or a
	// pagination cursor.
	tokenQualifierDeny = map[string]bool{
		"max": true, "min": true, "num": true, "total": true, "input": true, "output": true, "prompt": true,
		"completion": true, "completions": true, "context": true, "reasoning": true, "cached": true,
		"next": true, "page": true, "pagination": true, "continuation": true, "cursor": true, "sync": true,
		"count": true, "limit": true, "cancel": true, "cancellation": true, "lex": true,
		"design": true, "word": true, "special": true, "pad": true, "eos": true, "bos": true, "unk": true,
	}
	concatKeys = []string{"apikey", "secretkey", "privatekey", "accesskey", "masterkey", "licensekey",
		"encryptionkey", "signingkey", "clientkey", "appkey", "authkey", "subscriptionkey", "servicekey",
		"accountkey", "sharedkey", "hmackey", "webhookkey", "sessionkey"}
)

// splitKey splits an identifier into lower-case words at '_', '-', '.',
// and camelCase boundaries, into out.
func splitKey(key string, out []string) []string {
	out = out[:0]
	start := 0
	flush := func(i int) {
		if i > start && len(out) < cap(out) {
			out = append(out, strings.ToLower(key[start:i]))
		}
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '_' || c == '-' || c == '.':
			flush(i)
			start = i + 1
		case c >= 'A' && c <= 'Z' && i > start && key[i-1] >= 'a' && key[i-1] <= 'z':
			flush(i)
			start = i
		}
	}
	flush(len(key))
	return out
}

// classifyKey decides whether a key names a password, another secret, or
// neither. The last word decides: db_password, spring.datasource.password
// and SmtpPassword are passwords; client_secret, api_key, authToken and
// X-API-Key are secrets; password_hint, max_tokens, public_key,
// token_type and primary_key are not.
func classifyKey(key string) keyKind {
	var buf [8]string
	parts := splitKey(key, buf[:0])
	if len(parts) == 0 {
		return kindNone
	}
	last := parts[len(parts)-1]
	prev := ""
	if len(parts) > 1 {
		prev = parts[len(parts)-2]
	}
	switch {
	case passwordParts[last]:
		return kindPassword
	case strings.HasSuffix(last, "password") || strings.HasSuffix(last, "passwd"):
		return kindPassword
	case last == "secret" || strings.HasSuffix(last, "secret"):
		if prev == "public" {
			return kindNone
		}
		return kindSecret
	case last == "token" || strings.HasSuffix(last, "token") && len(last) > 5:
		if tokenQualifierDeny[prev] {
			return kindNone
		}
		return kindSecret
	case last == "key":
		if prev == "" || keyQualifierDeny[prev] {
			return kindNone
		}
		return kindSecret
	case last == "credential" || last == "credentials" || last == "creds" || last == "auth" || last == "pat":
		return kindSecret
	}
	for _, k := range concatKeys {
		if last == k {
			return kindSecret
		}
	}
	return kindNone
}

// publicPrefixes are values that are public by design.
var publicPrefixes = []string{"pk_live_", "pk_test_", "ssh-rsa ", "ssh-ed25519 ", "ssh-dss ", "ecdsa-sha2-", "-----BEGIN PUBLIC", "-----BEGIN CERTIFICATE", "-----BEGIN RSA PUBLIC"}

// matchAssignment reads the assignment whose key contains the hit.
func matchAssignment(sc *scan, hs, he int) {
	text := sc.text
	n := len(text)
	ks := hs
	for ks > 0 && isKeyByte(text[ks-1]) && hs-ks < 64 {
		ks--
	}
	ke := hs
	for ke < n && isKeyByte(text[ke]) && ke-hs < 64 {
		ke++
	}
	for ks < ke && (text[ks] == '-' || text[ks] == '.') {
		ks++
	}
	for ke > ks && (text[ke-1] == '-' || text[ke-1] == '.') {
		ke--
	}
	if ke <= ks || ks == sc.assignKey && sc.assignDone {
		return
	}
	sc.assignKey, sc.assignDone = ks, true
	kind := classifyKey(text[ks:ke])
	if kind == kindNone {
		return
	}
	urlMode := ks > 0 && (text[ks-1] == '?' || text[ks-1] == '&')
	xmlElem := ks > 0 && text[ks-1] == '<' && ke < n && text[ke] == '>'
	vs, ve, quoted := -1, -1, false
	p := ke
	switch {
	case xmlElem:
		vs = ke + 1
		ve = vs
		for ve < n && text[ve] != '<' && text[ve] != '\n' && ve-vs < 512 {
			ve++
		}
		if ve >= n || text[ve] != '<' || !strings.HasPrefix(text[ve:], "</") {
			return
		}
		quoted = true
	default:
		if p < n && (text[p] == '"' || text[p] == '\'') {
			p++
			// key="…Password" value="…" (XML configuration)
			q := p
			for q < n && (text[q] == ' ' || text[q] == '\t') {
				q++
			}
			if q+6 < n && strings.EqualFold(text[q:q+6], "value=") {
				p = q + 5
			}
		}
		if p < n && text[p] == ']' {
			p++
		}
		for p < n && (text[p] == ' ' || text[p] == '\t') && p-ke < 8 {
			p++
		}
		switch {
		case strings.HasPrefix(text[p:], "=>"), strings.HasPrefix(text[p:], ":="):
			p += 2
		case p < n && (text[p] == '=' || text[p] == ':'):
			p++
		default:
			return
		}
		for p < n && (text[p] == ' ' || text[p] == '\t') && p-ke < 16 {
			p++
		}
		if p >= n {
			return
		}
		if q := text[p]; q == '"' || q == '\'' || q == '`' {
			vs = p + 1
			ve = vs
			for ve < n && text[ve] != q && text[ve] != '\n' && ve-vs < 512 {
				if text[ve] == '\\' {
					ve++
				}
				ve++
			}
			if ve >= n || text[ve] != q {
				return
			}
			quoted = true
		} else {
			vs, ve = p, p
			for ve < n && ve-vs < 512 {
				c := text[ve]
				if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '`' || c == ',' || c == ';' ||
					c == ')' || c == ']' || c == '}' || c == '<' || c == '>' || urlMode && (c == '&' || c == '#') {
					break
				}
				ve++
			}
		}
	}
	if vs < 0 || ve <= vs {
		return
	}
	v := text[vs:ve]
	if isPlaceholder(v) || !quoted && looksLikeCode(v) {
		return
	}
	for _, pp := range publicPrefixes {
		if strings.HasPrefix(v, pp) {
			return
		}
	}
	r := sc.ruleByID("GENERIC_SECRET")
	switch kind {
	case kindPassword:
		// PWD=/home/ci is the working directory, not a password.
		if len(v) < 4 || allDigitsShort(v) || v[0] == '/' || strings.HasPrefix(v, "~/") || strings.HasPrefix(v, "./") {
			return
		}
		sc.add(r, "PASSWORD", vs, ve)
	case kindSecret:
		if len(v) < 12 || entropy(v) < 3.0 || charClasses(v) < 2 {
			return
		}
		sc.add(r, "GENERIC_SECRET", vs, ve)
	}
}

// allDigitsShort: a short number is a length, a port or a count.
func allDigitsShort(v string) bool {
	if len(v) > 6 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}
