package config

import (
	"fmt"
	"strings"
)

// expand replaces ${NAME} references in a decoded string scalar with the
// value of NAME from lookup; $${ is a literal ${. It works on decoded
// values, never on raw file text, so a variable's value can never inject
// YAML structure.
//
// An unset or empty variable is an error rather than "", because an empty
// token, path or address silently changes what the server does. Problems
// name variables but never quote s or values: s may be a secret.
func expand(s string, lookup func(string) (string, bool)) (string, string) {
	if !strings.Contains(s, "${") {
		return s, ""
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Sprintf("unterminated ${ at byte %d: write ${NAME}, or $${ for a literal ${", i)
			}
			name := s[i+2 : i+2+end]
			if !validVarName(name) {
				return "", fmt.Sprintf("invalid variable reference at byte %d: write ${NAME} with NAME matching [A-Za-z_][A-Za-z0-9_]*, or $${ for a literal ${", i)
			}
			var v string
			var ok bool
			if lookup != nil {
				v, ok = lookup(name)
			}
			switch {
			case !ok:
				return "", fmt.Sprintf("environment variable %s is not set", name)
			case v == "":
				return "", fmt.Sprintf("environment variable %s is empty", name)
			}
			b.WriteString(v)
			i += 2 + end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), ""
}

func validVarName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
