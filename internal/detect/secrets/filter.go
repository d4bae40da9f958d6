package secrets

import (
	"math"
	"strings"
	"sync"
)

// entropy is the Shannon entropy of s in bits per byte. Random base62 runs
// reach ~5.9, hex ~4, English words ~2.5–3.5; a repeated character 0.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	h := 0.0
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}

// charClasses counts the classes (lower, upper, digit, other) present in s.
func charClasses(s string) int {
	var lower, upper, digit, other bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= '0' && c <= '9':
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			n++
		}
	}
	return n
}

// placeholderWords are substrings of values that are documentation,
// templates or redactions, not credentials.
var placeholderWords = []string{
	"example", "sample", "dummy", "placeholder", "changeme", "change_me", "change-me",
	"your_", "your-", "yourpass", "yourkey", "yourtoken", "yoursecret", "your key", "your token",
	"your password", "your api", "insert", "replace", "redacted", "removed", "hidden", "secret_here",
	"_here", "here>", "todo", "fixme", "xxxx", "****", "...", "•••", "…", "lorem", "foobar",
	"<", ">", "${", "{{", "}}", "%(", "<%", "#{", "$(", "os.environ", "os.getenv", "getenv(",
	"process.env", "env(", "env[", "environ[", "system.getenv", "secrets.", "vault:", "ssm:",
	"secretsmanager", "keyvault", "sm://", "ref+", "[redacted]", "[hidden]", "[filtered]",
	"not_set", "notset", "not-set", "unset", "not set", "set_me", "setme", "enter_", "enter-",
}

// placeholderIndex groups placeholderWords by first byte, so that a value
// is checked in one pass instead of one search per word.
var placeholderIndex = sync.OnceValue(func() *[256][]string {
	var t [256][]string
	for _, w := range placeholderWords {
		t[w[0]] = append(t[w[0]], w)
	}
	return &t
})

// placeholderExact are whole values that are not credentials.
var placeholderExact = map[string]bool{
	"password": true, "pass": true, "passwd": true, "pwd": true, "secret": true, "token": true,
	"apikey": true, "api_key": true, "api-key": true, "key": true, "null": true, "none": true,
	"nil": true, "undefined": true, "true": true, "false": true, "yes": true, "no": true,
	"on": true, "off": true, "empty": true, "default": true, "admin": true, "root": true,
	"test": true, "testing": true, "guest": true, "user": true, "username": true, "changeit": true,
	"123456": true, "1234567": true, "12345678": true, "123456789": true, "qwerty": true,
	"value": true, "string": true, "str": true, "env": true, "required": true, "optional": true,
	"bearer": true, "basic": true, "postgres": true, "mysql": true, "redis": true, "secret123": true,
	"password123": true, "pass123": true, "abc123": true, "s3cr3t": true,
	"foo": true, "bar": true, "baz": true, "xyz": true, "abc": true, "mypassword": true,
	"mysecret": true, "mytoken": true, "supersecret": true, "topsecret": true, "letmein": true,
	"private": true, "public": true, "auto": true, "random": true, "generated": true,
}

// isPlaceholder reports values that are templates, references to
// variables, examples or masks rather than credentials: <YOUR_KEY>,
// xxxx…, ****, changeme, ${ENV}, $ENV, {{ var }}, %(name)s, os.environ[…],
// and AWS's documented example keys (…EXAMPLE, …EXAMPLEKEY).
func isPlaceholder(v string) bool {
	if v == "" {
		return true
	}
	l := strings.ToLower(v)
	if placeholderExact[l] {
		return true
	}
	if v[0] == '$' || v[0] == '%' && strings.HasSuffix(v, "%") || v[0] == '@' && len(v) > 1 && isIdent(v[1:]) {
		return true // $VAR, ${VAR}, $(cmd), %VAR%, @Variable
	}
	tab := placeholderIndex()
	for i := 0; i < len(l); i++ {
		for _, w := range tab[l[i]] {
			if strings.HasPrefix(l[i:], w) {
				return true
			}
		}
	}
	if strings.HasSuffix(v, "EXAMPLE") || strings.HasSuffix(v, "EXAMPLEKEY") {
		return true
	}
	// One character repeated, or only mask characters.
	same := true
	mask := true
	for i := 0; i < len(v); i++ {
		if v[i] != v[0] {
			same = false
		}
		if !strings.ContainsRune("xX*.-#_0•", rune(v[i])) {
			mask = false
		}
	}
	if same && len(v) > 2 || mask {
		return true
	}
	return sequential(l)
}

// sequential reports runs like 123456789, abcdefgh, 0123456789abcdef.
func sequential(l string) bool {
	if len(l) < 6 {
		return false
	}
	up := 0
	for i := 1; i < len(l); i++ {
		if l[i] == l[i-1]+1 {
			up++
		}
	}
	return up >= len(l)-2
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// looksLikeCode reports unquoted values that are expressions, not
// literals: calls, member access (config.password, self.token), and bare
// identifiers that name a variable (db_password, apiKey, secret_value).
func looksLikeCode(v string) bool {
	if strings.ContainsAny(v, "()[]") {
		return true
	}
	if dotted(v) {
		return true
	}
	if isIdent(v) {
		hasDigit := strings.ContainsAny(v, "0123456789")
		hasUnderscore := strings.Contains(v, "_")
		camel := false
		for i := 1; i < len(v); i++ {
			if v[i] >= 'A' && v[i] <= 'Z' && v[i-1] >= 'a' && v[i-1] <= 'z' {
				camel = true
			}
		}
		allLower := strings.ToLower(v) == v
		// "hunter2", "r3d1sAuth" are passwords; "db_password",
		// "apiKey", "secret" are variables.
		if hasUnderscore || !hasDigit && (camel || allLower || strings.ToUpper(v) == v) {
			return true
		}
	}
	return false
}

// dotted reports a.b.c member access made of identifiers.
func dotted(v string) bool {
	if !strings.Contains(v, ".") {
		return false
	}
	for _, p := range strings.Split(v, ".") {
		if !isIdent(p) {
			return false
		}
	}
	return true
}
