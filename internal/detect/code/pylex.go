package code

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Python tokenizer: enough of the language's lexical grammar to know
// what is code and what is a string or a comment, where calls and their
// arguments are, and what an f-string interpolates. It never fails: a
// lexical error (an unterminated string, unbalanced brackets) is recorded
// and the token stream goes on, so that broken or obfuscated code is still
// read.

type pyKind uint8

const (
	pyName pyKind = iota
	pyNumber
	pyString
	pyOp
	pyNewline
)

type pyTok struct {
	kind pyKind
	s, e int
	text string // the source text (names, numbers, operators)
	// Strings: val is the decoded value (f-string interpolations are
	// replaced by placeholderVar); valAt is where val starts in the source
	// when it is the source byte for byte, else -1; fexprs are the source
	// spans of f-string interpolations.
	val    string
	valAt  int
	fexprs [][2]int
	fstr   bool
	bytes  bool
}

type pyLexer struct {
	src    string
	toks   []pyTok
	errOff int // first lexical error, -1 if none
	errMsg string
}

func (l *pyLexer) fail(off int, format string, args ...any) {
	if l.errOff < 0 {
		l.errOff, l.errMsg = off, fmt.Sprintf(format, args...)
	}
}

// pyLex tokenizes src.
func pyLex(src string) *pyLexer {
	l := &pyLexer{src: src, errOff: -1}
	depth := 0
	var opens []int
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			if depth == 0 && len(l.toks) > 0 && l.toks[len(l.toks)-1].kind != pyNewline {
				l.toks = append(l.toks, pyTok{kind: pyNewline, s: i, e: i + 1})
			}
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			i++
		case c == '\\' && i+1 < len(src) && (src[i+1] == '\n' || src[i+1] == '\r'):
			i += 2
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			i = l.str(i, i, "")
		case isPyIdentStart(c):
			j := i
			for j < len(src) && isPyIdentByte(src[j]) {
				j++
			}
			word := src[i:j]
			if j < len(src) && (src[j] == '"' || src[j] == '\'') && isStringPrefix(word) {
				i = l.str(i, j, strings.ToLower(word))
				continue
			}
			l.toks = append(l.toks, pyTok{kind: pyName, s: i, e: j, text: word})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && (isPyIdentByte(src[j]) || src[j] == '.' || (src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E') && !strings.HasPrefix(strings.ToLower(src[i:j]), "0x")) {
				j++
			}
			l.toks = append(l.toks, pyTok{kind: pyNumber, s: i, e: j, text: src[i:j]})
			i = j
		default:
			n := pyOpLen(src[i:])
			op := src[i : i+n]
			switch op {
			case "(", "[", "{":
				depth++
				opens = append(opens, i)
			case ")", "]", "}":
				if depth == 0 {
					l.fail(i, "unmatched %q", op)
				} else {
					depth--
					opens = opens[:len(opens)-1]
				}
			}
			l.toks = append(l.toks, pyTok{kind: pyOp, s: i, e: i + n, text: op})
			i += n
		}
	}
	if depth > 0 {
		l.fail(opens[len(opens)-1], "unclosed bracket")
	}
	if len(l.toks) > 0 && l.toks[len(l.toks)-1].kind != pyNewline {
		l.toks = append(l.toks, pyTok{kind: pyNewline, s: len(src), e: len(src)})
	}
	return l
}

func isPyIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isPyIdentByte(c byte) bool { return isPyIdentStart(c) || c >= '0' && c <= '9' }

func isStringPrefix(w string) bool {
	if len(w) > 2 {
		return false
	}
	for _, c := range strings.ToLower(w) {
		if !strings.ContainsRune("rubft", c) {
			return false
		}
	}
	return true
}

// pyOps are the multi-byte operators, longest first.
var pyOps = []string{"**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "**", "//", "<<", ">>"}

func pyOpLen(s string) int {
	for _, op := range pyOps {
		if strings.HasPrefix(s, op) {
			return len(op)
		}
	}
	_, n := utf8.DecodeRuneInString(s)
	return max(n, 1)
}

// str reads a string literal whose prefix starts at start and whose quote
// is at q; it returns the offset after the literal.
func (l *pyLexer) str(start, q int, prefix string) int {
	src := l.src
	quote := src[q]
	triple := strings.HasPrefix(src[q:], strings.Repeat(string(quote), 3))
	ql := 1
	if triple {
		ql = 3
	}
	raw := strings.ContainsRune(prefix, 'r')
	fstr := strings.ContainsAny(prefix, "ft")
	tok := pyTok{kind: pyString, s: start, fstr: fstr, bytes: strings.ContainsRune(prefix, 'b'), valAt: q + ql}
	var val strings.Builder
	escaped := false
	i := q + ql
	for {
		if i >= len(src) {
			l.fail(start, "unterminated string")
			tok.e = len(src)
			break
		}
		c := src[i]
		if !triple && c == '\n' {
			l.fail(start, "unterminated string")
			tok.e = i
			break
		}
		if c == quote && (!triple || strings.HasPrefix(src[i:], strings.Repeat(string(quote), 3))) {
			tok.e = i + ql
			break
		}
		if c == '\\' && i+1 < len(src) {
			if raw {
				val.WriteString(src[i : i+2])
			} else {
				escaped = true
				n := decodeEscape(src[i:], &val)
				i += n
				continue
			}
			i += 2
			continue
		}
		if fstr && c == '{' {
			if i+1 < len(src) && src[i+1] == '{' {
				val.WriteByte('{')
				escaped = true
				i += 2
				continue
			}
			end := fexprEnd(src, i+1, quote, triple)
			tok.fexprs = append(tok.fexprs, [2]int{i + 1, end})
			val.WriteString(placeholderVar)
			escaped = true
			i = min(end+1, len(src))
			continue
		}
		if fstr && c == '}' && i+1 < len(src) && src[i+1] == '}' {
			val.WriteByte('}')
			escaped = true
			i += 2
			continue
		}
		val.WriteByte(c)
		i++
	}
	tok.val = val.String()
	if escaped {
		tok.valAt = -1
	}
	tok.text = src[tok.s:tok.e]
	l.toks = append(l.toks, tok)
	return tok.e
}

// fexprEnd finds the } that closes an f-string interpolation starting at
// i, skipping nested brackets and strings; a format spec (after ! or :)
// is part of the interpolation.
func fexprEnd(src string, i int, quote byte, triple bool) int {
	depth := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n' && !triple:
			return i
		case c == quote && !triple && depth == 0:
			return i
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']':
			depth = max(depth-1, 0)
		case c == '}':
			if depth == 0 {
				return i
			}
			depth--
		case (c == '\'' || c == '"') && c != quote:
			if j := strings.IndexByte(src[i+1:], c); j >= 0 {
				i += j + 1
			}
		}
		i++
	}
	return len(src)
}

// decodeEscape decodes one backslash escape at s[0] into b and returns
// its length.
func decodeEscape(s string, b *strings.Builder) int {
	switch s[1] {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case '0':
		b.WriteByte(0)
	case '\\', '\'', '"':
		b.WriteByte(s[1])
	case '\n':
	case 'x':
		if len(s) >= 4 {
			if v, err := strconv.ParseUint(s[2:4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				return 4
			}
		}
		b.WriteString(s[:2])
	case 'u', 'U':
		n := 4
		if s[1] == 'U' {
			n = 8
		}
		if len(s) >= 2+n {
			if v, err := strconv.ParseUint(s[2:2+n], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
				b.WriteRune(rune(v))
				return 2 + n
			}
		}
		b.WriteString(s[:2])
	default:
		b.WriteString(s[:2])
	}
	return 2
}
