package code

import (
	"errors"
	"regexp"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
	"mvdan.cc/sh/v3/syntax"
)

// When code does not parse we still look at it: code that fails to parse
// may be deliberately obfuscated, or a fragment an agent pastes into a
// shell. The fallback is a fixed list of RE2 expressions (linear in the
// input, no backtracking), each bounded in matches, and every finding it
// makes says in its detail that it comes from a lexical scan. The
// UNPARSEABLE_CODE finding records the failure itself.

// fallbackNote is appended to the detail of every lexical finding.
const fallbackNote = "lexical scan: the code did not parse"

// maxFallbackMatches bounds the findings of one expression.
const maxFallbackMatches = 32

// lexRule is one lexical rule.
type lexRule struct {
	langs  []Language // nil: every language
	typ    string
	sev    detect.Severity
	detail string
	re     *regexp.Regexp
	// veto drops a match whose line matches it (RE2 has no lookaround).
	veto *regexp.Regexp
	// also must match somewhere in the text for the rule to apply.
	also *regexp.Regexp
}

var (
	shLike   = []Language{Bash, Python, JavaScript, TypeScript, Go}
	pyOnly   = []Language{Python}
	jsLike   = []Language{JavaScript, TypeScript}
	goOnly   = []Language{Go}
	codeLike = []Language{Python, JavaScript, TypeScript, Go}
	sqlOnly  = []Language{SQL}
)

// lexRules is the fallback rule list; it is read-only.
var lexRules = []lexRule{
	{shLike, DestructiveShell, detect.Critical, "recursive delete of the root or home directory",
		regexp.MustCompile(`\brm\s+(-{1,2}[A-Za-z-]+\s+)*(/\*?|~/?\*?|\$\{?HOME\}?/?\*?|--no-preserve-root)(\s|$|["';)&|])`), nil, nil},
	{shLike, DestructiveShell, detect.Critical, "fork bomb",
		regexp.MustCompile(`(\w+|:)\s*\(\)\s*\{\s*(\w+|:)\s*\|\s*(\w+|:)\s*&\s*\}\s*;?\s*(\w+|:)`), nil, nil},
	{shLike, DestructiveShell, detect.Critical, "writes over a block device",
		regexp.MustCompile(`\b(dd\b[^\n]*\bof=|mkfs(\.\w+)?\s+[^\n]*|>\s*)/dev/(sd|nvme|hd|vd|xvd|mmcblk|disk)`), nil, nil},
	{shLike, DownloadAndExecute, detect.Critical, "a download is piped into an interpreter",
		regexp.MustCompile(`\b(curl|wget)\b[^|\n;]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b|\b(curl|wget)\b[^|\n;]*\|\s*(sudo\s+)?(python3?|perl|ruby|node)\b`), nil, nil},
	{shLike, DownloadAndExecute, detect.Critical, "runs a script downloaded from the network",
		regexp.MustCompile(`(\b(ba)?sh\s+<\(\s*(curl|wget)|\beval\s+"?\$\(\s*(curl|wget)|\bsource\s+<\(\s*(curl|wget))`), nil, nil},
	{shLike, ReverseShell, detect.Critical, "a shell is wired to a network socket",
		regexp.MustCompile(`/dev/(tcp|udp)/|\bnc(at)?\b[^\n]*\s-[ce]\s|\bsocat\b[^\n]*exec:`), nil, nil},
	{shLike, DynamicEval, detect.Critical, "decoded (obfuscated) code is piped into a shell",
		regexp.MustCompile(`\bbase64\s+(-d|--decode|-D)\b[^\n]*\|\s*(ba|z)?sh\b`), nil, nil},
	{shLike, PrivilegeEscalation, detect.High, "runs a command as root",
		regexp.MustCompile(`(^|[;&|(]\s*|\n\s*)(sudo|doas|su)\s+[-\w]`), nil, nil},
	{shLike, PrivilegeEscalation, detect.High, "makes a system path writable by everyone or setuid",
		regexp.MustCompile(`\bchmod\s+(-R\s+)?([0-7]?777\s+/(\s|$|etc|usr|bin|var)|[0-7]*[24][0-7]{3}\s|[ug]?\+s\s)`), nil, nil},
	{shLike, TLSVerifyDisabled, detect.High, "TLS certificate verification is switched off",
		regexp.MustCompile(`NODE_TLS_REJECT_UNAUTHORIZED\W{1,6}0|http\.sslVerify\s*(=\s*)?false|--no-check-certificate|\bcurl\s+(-\w+\s+)*(-k|--insecure)\b`), nil, nil},
	{shLike, NetworkExfiltration, detect.Critical, "credentials are sent over the network",
		regexp.MustCompile(`(/etc/shadow|/etc/passwd|\.ssh/id_\w+|\.aws/credentials)`),
		nil, regexp.MustCompile(`\b(curl|wget|nc|ncat|scp|requests\.post|urlopen|fetch|axios|http\.Post|net\.Dial|socket)\b`)},

	{pyOnly, DynamicEval, detect.High, "eval/exec of a non-literal",
		regexp.MustCompile(`(^|[^.\w])(eval|exec)\s*\(\s*[^"'\s)]`), nil, nil},
	{pyOnly, CommandInjection, detect.High, "shell command built from non-constant text",
		regexp.MustCompile(`\b(os\.system|os\.popen|subprocess\.\w+|getoutput|check_output|Popen)\s*\([^\n]*(\bf["']|["']\s*(\+|%)|\.format\(|shell\s*=\s*True)`),
		regexp.MustCompile(`^[^(]*\(\s*\[`), nil},
	{pyOnly, UnsafeDeserialization, detect.High, "deserialiser that can run code",
		regexp.MustCompile(`\b(pickle|cPickle|dill|marshal|jsonpickle)\.(loads?|decode)\s*\(|\byaml\.(unsafe_)?load(_all)?\s*\(`),
		regexp.MustCompile(`SafeLoader|CSafeLoader|BaseLoader`), nil},
	{pyOnly, TLSVerifyDisabled, detect.High, "TLS certificate verification is switched off",
		regexp.MustCompile(`\bverify\s*=\s*False\b|_create_unverified_context|CERT_NONE|check_hostname\s*=\s*False`), nil, nil},
	{codeLike, SQLStringConcat, detect.High, "SQL built by concatenation or formatting",
		regexp.MustCompile(`(?i)\b(execute|executemany|query|queryrow|exec|raw|prepare)(context)?\s*\(\s*(f["']|["'` + "`" + `][^"'` + "`" + `\n]*\b(select|insert|update|delete)\b[^"'` + "`" + `\n]*(["']\s*(\+|%)|\$\{))`), nil, nil},

	{jsLike, DynamicEval, detect.High, "eval or Function of a non-literal",
		regexp.MustCompile(`(^|[^.\w])eval\s*\(\s*[^"'\s)]|\bnew\s+Function\s*\(|\bvm\.run\w*\s*\(`), nil, nil},
	{jsLike, CommandInjection, detect.High, "child process command built from non-constant text",
		regexp.MustCompile("\\bexec(Sync)?\\s*\\(\\s*(`[^`]*\\$\\{|[^)\\n]*\\+)"), nil, nil},
	{jsLike, TLSVerifyDisabled, detect.High, "TLS certificate verification is switched off",
		regexp.MustCompile(`rejectUnauthorized\s*:\s*false`), nil, nil},
	{jsLike, XSSSink, detect.High, "non-literal HTML written to the page",
		regexp.MustCompile("\\.(innerHTML|outerHTML)\\s*=\\s*[^\"'\\s]|dangerouslySetInnerHTML|document\\.write(ln)?\\s*\\(\\s*[^\"'\\s)]"),
		regexp.MustCompile(`sanitize|escape`), nil},

	{goOnly, CommandInjection, detect.High, "shell command built from non-constant text",
		regexp.MustCompile(`exec\.Command(Context)?\([^\n]*"(/bin/)?(ba|z)?sh",\s*"-c",\s*[^"\s]`), nil, nil},
	{goOnly, TLSVerifyDisabled, detect.High, "TLS certificate verification is switched off",
		regexp.MustCompile(`InsecureSkipVerify\s*[:=]\s*true`), nil, nil},

	{sqlOnly, DestructiveSQL, detect.High, "destructive SQL statement",
		regexp.MustCompile(`(?i)\b(drop\s+(table|database|schema)|truncate\s+(table\s+)?\w)`), nil, nil},
	{sqlOnly, CommandInjection, detect.Critical, "SQL runs an operating-system command",
		regexp.MustCompile(`(?i)\bxp_cmdshell\b|\bto\s+program\b|\bsys_(exec|eval)\s*\(`), nil, nil},
	{sqlOnly, SQLInjection, detect.High, "SQL injection payload",
		regexp.MustCompile(`(?i)\bor\s+'?(\w+)'?\s*=\s*'?(\w+)'?\s*(--|#|;|$)|\bunion\s+(all\s+)?select\b[^;]*\bpassword\b|\b(sleep|pg_sleep|benchmark)\s*\(|\bwaitfor\s+delay\b`), nil, nil},
}

// lexicalFallback records that src did not parse as lang (at errOff, or
// -1 when unknown) and runs the lexical rules over it.
func lexicalFallback(r *report, lang Language, src string, err error) {
	errOff := errorOffset(src, err)
	s, e := 0, lineEnd(src, 0)
	if errOff >= 0 && errOff <= len(src) {
		s = strings.LastIndexByte(src[:errOff], '\n') + 1
		e = lineEnd(src, errOff)
	}
	msg := "the code does not parse as " + string(lang)
	if err != nil {
		msg += ": " + firstLine(err.Error())
	}
	r.add(UnparseableCode, detect.Medium, s, e, msg)
	lexicalScan(r, lang, src)
}

// lexicalScan runs the lexical rules of lang over src.
func lexicalScan(r *report, lang Language, src string) {
	saved := r.note
	r.note = fallbackNote
	defer func() { r.note = saved }()
	for i := range lexRules {
		rule := &lexRules[i]
		if rule.langs != nil && !containsLang(rule.langs, lang) {
			continue
		}
		if rule.also != nil && !rule.also.MatchString(src) {
			continue
		}
		for _, m := range rule.re.FindAllStringIndex(src, maxFallbackMatches) {
			if rule.veto != nil {
				ls := strings.LastIndexByte(src[:m[0]], '\n') + 1
				if rule.veto.MatchString(src[ls:lineEnd(src, m[1])]) {
					continue
				}
			}
			r.add(rule.typ, rule.sev, m[0], m[1], rule.detail)
		}
	}
}

func containsLang(ls []Language, l Language) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// offsetError carries the byte offset of a parse error.
type offsetError struct {
	off int
	msg string
}

func (e *offsetError) Error() string { return e.msg }

// errorOffset extracts the byte offset of a parse error, or -1.
func errorOffset(src string, err error) int {
	var oe *offsetError
	if errors.As(err, &oe) {
		return oe.off
	}
	var pe syntax.ParseError
	if errors.As(err, &pe) {
		return int(pe.Pos.Offset())
	}
	var pp *syntax.ParseError
	if errors.As(err, &pp) {
		return int(pp.Pos.Offset())
	}
	return -1
}

// lineColOffset converts a 1-based line and a 0-based byte column into an
// offset into src.
func lineColOffset(src string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(src[off:], '\n')
		if i < 0 {
			return len(src)
		}
		off += i + 1
	}
	return min(off+max(col, 0), len(src))
}
