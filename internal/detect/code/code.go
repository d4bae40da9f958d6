// Package code is agentgov's code-safety detector (`code`): it inspects
// code that an agent is about to run or write, in Python, JavaScript,
// TypeScript, Go, Bash or SQL, and reports what would be dangerous to run
// — command injection, evaluation of dynamic input, unsafe
// deserialisation, SQL built by string concatenation, path traversal,
// hard-coded secrets, disabled TLS verification, destructive shell,
// privilege escalation, network exfiltration, reverse shells (the finding
// vocabulary is in findings.go).
//
// Each language is analysed from a syntax tree where a well-kept pure-Go
// parser exists, and from a token stream where none does:
//
//   - Go: go/parser and go/ast. Snippets without a package clause, or bare
//     statements, are wrapped (and spans shifted back) before parsing.
//   - Bash: mvdan.cc/sh/v3/syntax.
//   - JavaScript: the parser of github.com/dop251/goja. Module syntax
//     (import/export) and JSX, which that parser does not accept, are first
//     lowered to CommonJS with esbuild (github.com/evanw/esbuild/pkg/api);
//     spans are mapped back through esbuild's source map (see js.go).
//   - TypeScript: lowered by esbuild the same way, then as JavaScript.
//   - Python and SQL: our own tokenizers (strings with prefixes, f-strings,
//     comments, brackets, dollar quoting), with calls and their arguments
//     recovered from the tokens and simple name-based data flow.
//
// Constant command strings, SQL text and interpreter arguments found in one
// language (os.system("…"), exec.Command("sh", "-c", "…"), python -c '…',
// psql -c "…") are analysed again in the embedded language, to a bounded
// depth.
//
// Code that does not parse is never skipped: the detector reports an
// UNPARSEABLE_CODE finding and runs a bounded lexical scan (RE2
// expressions, linear in the input) whose findings say so in their detail.
// Deliberately obfuscated code often fails to parse.
//
// Flagged is true exactly when the default profile blocks: when there is
// a finding of high or critical severity. Inputs above MaxInputBytes are an
// error, never a partial scan. The detector has no mutable state and is
// safe for concurrent use.
package code

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/secrets"
)

// Name is the detector's name in configuration and `agentgov scan`.
const Name = "code"

// MaxInputBytes bounds one input: larger inputs are an error, so that a
// gate fails closed instead of passing code it did not read.
const MaxInputBytes = 1 << 20

// maxDepth bounds how deep code embedded in string literals is analysed
// again (a shell command inside Python inside a shell command ...). Each
// level re-reads at most the literal, so the cost stays linear in the
// input times this constant.
const maxDepth = 3

// Errors.
var (
	ErrTooLarge        = fmt.Errorf("code: input exceeds %d bytes", MaxInputBytes)
	ErrUnknownLanguage = errors.New("code: unknown language (want python, javascript, typescript, go, bash or sql)")
)

// Language is a programming language the detector reads.
type Language string

// Languages.
const (
	Python     Language = "python"
	JavaScript Language = "javascript"
	TypeScript Language = "typescript"
	Go         Language = "go"
	Bash       Language = "bash"
	SQL        Language = "sql"
)

// Languages lists the languages, in a fixed order.
func Languages() []Language {
	return []Language{Python, JavaScript, TypeScript, Go, Bash, SQL}
}

// languageAliases are the other names agents and tools use for the same
// languages (file extensions, Markdown fence labels).
var languageAliases = map[string]Language{
	"py": Python, "python3": Python,
	"js": JavaScript, "node": JavaScript, "nodejs": JavaScript, "jsx": JavaScript, "mjs": JavaScript, "cjs": JavaScript,
	"ts": TypeScript, "tsx": TypeScript,
	"golang": Go,
	"sh":     Bash, "shell": Bash, "zsh": Bash,
	"postgresql": SQL, "postgres": SQL, "mysql": SQL, "sqlite": SQL, "tsql": SQL, "plsql": SQL,
}

// ParseLanguage maps a language name, or a common alias such as "py",
// "ts" or "sh", to a Language; matching ignores case.
func ParseLanguage(s string) (Language, bool) {
	l := Language(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Languages(), l) {
		return l, true
	}
	l, ok := languageAliases[string(l)]
	return l, ok
}

// Detector is the code-safety detector. Build it with New; it is
// immutable and safe for concurrent use.
type Detector struct {
	secrets *secrets.Detector
}

var _ detect.Detector = (*Detector)(nil)

// New returns the detector with its default profile.
func New() *Detector {
	return &Detector{secrets: secrets.Default()}
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Detect implements detect.Detector. The language comes from in.Language;
// an empty or unknown language is an error.
func (d *Detector) Detect(ctx context.Context, in detect.Input) (detect.Result, error) {
	if err := ctx.Err(); err != nil {
		return detect.Result{}, err
	}
	lang, ok := ParseLanguage(in.Language)
	if !ok {
		if in.Language == "" {
			return detect.Result{}, fmt.Errorf("%w: none given", ErrUnknownLanguage)
		}
		return detect.Result{}, fmt.Errorf("%w: %q", ErrUnknownLanguage, in.Language)
	}
	fs, err := d.Find(in.Text, lang)
	if err != nil {
		return detect.Result{}, err
	}
	res := detect.Result{Findings: fs}
	for _, f := range fs {
		res.Score = max(res.Score, f.Score)
		if f.Severity.Rank() >= detect.High.Rank() {
			res.Flagged = true
		}
	}
	return res, nil
}

// Find returns the findings for code in lang, sorted by start, with spans
// that are UTF-8 byte offsets into code.
func (d *Detector) Find(code string, lang Language) ([]detect.Finding, error) {
	if len(code) > MaxInputBytes {
		return nil, ErrTooLarge
	}
	if !slices.Contains(Languages(), lang) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLanguage, lang)
	}
	r := &report{src: code, budget: newBudget(len(code))}
	analyze(r, lang, code, 0)
	if r.budget.exhausted {
		r.add(UnparseableCode, detect.Medium, 0, lineEnd(code, 0), "the code is too deeply nested or repetitive to analyse in full")
		lexicalScan(r, lang, code)
	}
	if sfs, err := d.secrets.Find(code); err == nil {
		var params [][2]int
		if lang == SQL {
			params = sqlParamSpans(code)
		}
		for _, f := range sfs {
			if overlapsAny(params, f.Start, f.End) {
				continue // PASSWORD :'var' names a psql variable, not a secret
			}
			sev := detect.High
			if f.Severity == detect.Critical {
				sev = detect.Critical
			}
			r.add(HardcodedSecret, sev, f.Start, f.End, "hard-coded credential ("+f.Type+")")
		}
	}
	return r.result(), nil
}

// maxNesting bounds the bracket nesting handed to the parsers, which
// recurse once per level: deeper code is read lexically instead of
// risking the stack.
const maxNesting = 1000

// analyze runs the analysis of one language over src, which lies in the
// report's text or is embedded in it (depth > 0).
func analyze(r *report, lang Language, src string, depth int) {
	defer func() {
		// The parsers are third-party code: a panic in one must not take
		// the gate down, and must not pass the code either.
		if p := recover(); p != nil {
			lexicalFallback(r, lang, src, fmt.Errorf("internal parser failure: %v", p))
		}
	}()
	if lang != SQL && nesting(src) > maxNesting {
		lexicalFallback(r, lang, src, fmt.Errorf("brackets nested deeper than %d levels", maxNesting))
		return
	}
	switch lang {
	case Python:
		analyzePython(r, src, depth)
	case JavaScript:
		analyzeJS(r, src, false, depth)
	case TypeScript:
		analyzeJS(r, src, true, depth)
	case Go:
		analyzeGo(r, src, depth)
	case Bash:
		analyzeBash(r, src, depth)
	case SQL:
		analyzeSQL(r, src, depth)
	}
}

// nesting returns the maximum bracket depth of src, counting every
// bracket (also in strings and comments: an over-estimate only sends code
// to the lexical scan).
func nesting(src string) int {
	d, m := 0, 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '(', '[', '{':
			d++
			m = max(m, d)
		case ')', ']', '}':
			d = max(d-1, 0)
		}
	}
	return m
}

// report collects the findings of one analysis. Analyses of embedded code
// write into a child report whose spans are mapped back by embed.
type report struct {
	src      string
	findings []detect.Finding
	// note is appended to every detail (the lexical fallback says so).
	note   string
	budget *workBudget
}

// workBudget keeps the whole analysis of one input linear in its size:
// every evaluation of an expression takes a step, every re-analysis of an
// embedded literal takes its length in bytes. When either runs out the
// analysis stops going deeper, and Find says so and adds the lexical scan.
type workBudget struct {
	steps, embedBytes int
	exhausted         bool
}

func newBudget(n int) *workBudget {
	return &workBudget{steps: 64*n + 100_000, embedBytes: 4*n + 64<<10}
}

// step takes one evaluation step; false when the budget is spent.
func (r *report) step() bool {
	if r.budget == nil {
		return true
	}
	if r.budget.steps <= 0 {
		r.budget.exhausted = true
		return false
	}
	r.budget.steps--
	return true
}

// add records a finding over src[s:e].
func (r *report) add(typ string, sev detect.Severity, s, e int, detail string) {
	if r.note != "" {
		detail += " (" + r.note + ")"
	}
	r.findings = append(r.findings, detect.Finding{Type: typ, Start: s, End: e, Severity: sev, Score: severityScore(sev), Detail: detail})
}

// embed analyses code in lang that is the value of a literal spanning
// src[s:e] of r. When exactAt >= 0 the value is the literal text found at
// src[exactAt:] byte for byte, and findings keep their own spans;
// otherwise (escapes, concatenations, reconstructed argument lists) every
// finding takes the whole literal's span.
func (r *report) embed(lang Language, value string, s, e, exactAt, depth int, via string) {
	if depth+1 > maxDepth || strings.TrimSpace(value) == "" {
		return
	}
	if r.budget != nil {
		if r.budget.embedBytes < len(value) {
			r.budget.exhausted = true
			return
		}
		r.budget.embedBytes -= len(value)
	}
	child := &report{src: value, budget: r.budget}
	analyze(child, lang, value, depth+1)
	for _, f := range child.findings {
		if f.Type == UnparseableCode {
			// A fragment we reconstructed need not parse on its own;
			// what it contains still counts.
			continue
		}
		fs, fe := s, e
		if exactAt >= 0 {
			fs, fe = exactAt+f.Start, exactAt+f.End
		}
		detail := f.Detail
		if via != "" {
			detail += " in " + via
		}
		r.findings = append(r.findings, detect.Finding{Type: f.Type, Start: fs, End: fe, Severity: f.Severity, Score: f.Score, Detail: detail})
	}
}

// sub runs fn on a child report over text, which starts at offset base
// of r's text, and shifts the child's findings into r.
func (r *report) sub(base int, text string, fn func(*report)) {
	child := &report{src: text, budget: r.budget, note: r.note}
	fn(child)
	for _, f := range child.findings {
		f.Start += base
		f.End += base
		r.findings = append(r.findings, f)
	}
}

// result sorts, clamps and de-duplicates the findings.
func (r *report) result() []detect.Finding {
	out := make([]detect.Finding, 0, len(r.findings))
	for _, f := range r.findings {
		f.Start, f.End = clampSpan(r.src, f.Start, f.End)
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b detect.Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		if a.End != b.End {
			return a.End - b.End
		}
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return b.Severity.Rank() - a.Severity.Rank()
	})
	// Keep one finding per type and span: the most severe (sorted first).
	return slices.CompactFunc(out, func(a, b detect.Finding) bool {
		return a.Type == b.Type && a.Start == b.Start && a.End == b.End
	})
}

// clampSpan keeps a span inside src, on rune boundaries and non-empty
// where src is not.
func clampSpan(src string, s, e int) (int, int) {
	s = min(max(s, 0), len(src))
	e = min(max(e, s), len(src))
	for s > 0 && splitsRune(src, s) {
		s--
	}
	for e < len(src) && splitsRune(src, e) {
		e++
	}
	if e == s && e < len(src) {
		_, n := utf8.DecodeRuneInString(src[e:])
		e += n
	}
	if e == s && s > 0 {
		// An empty span at the very end: take the last rune.
		_, n := utf8.DecodeLastRuneInString(src[:s])
		s -= n
	}
	return s, e
}

// splitsRune reports whether offset i falls inside the encoding of a
// valid multi-byte rune (stray bytes of invalid UTF-8 are their own
// units).
func splitsRune(src string, i int) bool {
	if i <= 0 || i >= len(src) || utf8.RuneStart(src[i]) {
		return false
	}
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if utf8.RuneStart(src[j]) {
			r, n := utf8.DecodeRuneInString(src[j:])
			return !(r == utf8.RuneError && n == 1) && j+n > i
		}
	}
	return false
}

// severityScore is a finding's confidence by severity.
func severityScore(s detect.Severity) float64 {
	switch s {
	case detect.Critical:
		return 0.99
	case detect.High:
		return 0.9
	case detect.Medium:
		return 0.6
	}
	return 0.3
}

// lineEnd is the offset of the end of the line containing i.
func lineEnd(src string, i int) int {
	i = min(max(i, 0), len(src))
	if j := strings.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(src)
}

func overlapsAny(spans [][2]int, s, e int) bool {
	for _, p := range spans {
		if p[0] < e && s < p[1] {
			return true
		}
	}
	return false
}
