package cedar

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/agentgov/agentgov/acs"
)

// The ACS path grammar (§3) for the request accessors of a binding or a
// query template, and for the root check of transform advice. The runtime
// has its own path code; the engine only needs this small read-only part
// and may not depend on the runtime's internals.

// root is a path root (§3.1).
type root int

const (
	rootSnap root = iota + 1
	rootPI
	rootPolicyTarget
	rootTool
)

// segment is one path step: an object member name, or an array index when
// isIndex is set.
type segment struct {
	name    string
	index   int
	isIndex bool
}

// path is a parsed manifest path.
type path struct {
	text string
	root root
	segs []segment
}

var errPathSyntax = errors.New("invalid path")

// parsePath parses an ACS path. `$` and `$.name` are aliases of `$snap`
// and `$snap.name`; a root must be followed by the end, `.` or `[`.
func parsePath(s string) (*path, error) {
	p := &path{text: s}
	var rest string
	switch {
	case hasRoot(s, "$snap"):
		p.root, rest = rootSnap, s[len("$snap"):]
	case hasRoot(s, "$policy_target"):
		p.root, rest = rootPolicyTarget, s[len("$policy_target"):]
	case hasRoot(s, "$pi"):
		p.root, rest = rootPI, s[len("$pi"):]
	case hasRoot(s, "$tool"):
		p.root, rest = rootTool, s[len("$tool"):]
	case s == "$" || strings.HasPrefix(s, "$."):
		p.root, rest = rootSnap, s[1:]
	default:
		return nil, fmt.Errorf("%w %q: unknown root", errPathSyntax, s)
	}
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			name := rest[:end]
			if name == "" || strings.Contains(name, "]") {
				return nil, fmt.Errorf("%w %q: empty or malformed member name", errPathSyntax, s)
			}
			p.segs = append(p.segs, segment{name: name})
			rest = rest[end:]
		case '[':
			rest = rest[1:]
			if rest != "" && rest[0] == '"' {
				name, n, err := quoted(rest)
				if err != nil || n >= len(rest) || rest[n] != ']' {
					return nil, fmt.Errorf("%w %q: malformed quoted member", errPathSyntax, s)
				}
				p.segs = append(p.segs, segment{name: name})
				rest = rest[n+1:]
				continue
			}
			end := strings.IndexByte(rest, ']')
			if end <= 0 {
				return nil, fmt.Errorf("%w %q: malformed index", errPathSyntax, s)
			}
			digits := rest[:end]
			for _, c := range digits {
				if c < '0' || c > '9' {
					return nil, fmt.Errorf("%w %q: index must be a non-negative integer", errPathSyntax, s)
				}
			}
			i, err := strconv.Atoi(digits)
			if err != nil {
				return nil, fmt.Errorf("%w %q: index out of range", errPathSyntax, s)
			}
			p.segs = append(p.segs, segment{index: i, isIndex: true})
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("%w %q: unexpected %q", errPathSyntax, s, rest[0])
		}
	}
	return p, nil
}

// hasRoot reports whether s starts with the root token r followed by the
// end, `.` or `[` (so `$snapshot` is not `$snap`).
func hasRoot(s, r string) bool {
	if !strings.HasPrefix(s, r) {
		return false
	}
	return len(s) == len(r) || s[len(r)] == '.' || s[len(r)] == '['
}

// quoted decodes the JSON string literal at the start of s and returns it
// with the number of bytes it used.
func quoted(s string) (string, int, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			var out string
			if err := json.Unmarshal([]byte(s[:i+1]), &out); err != nil {
				return "", 0, err
			}
			return out, i + 1, nil
		}
	}
	return "", 0, errors.New("unterminated string")
}

// resolve reads the path's value from the policy input. A member or index
// that does not exist, or a step into the wrong JSON type, is an error.
func (p *path) resolve(in *acs.PolicyInput) (any, error) {
	var cur any
	segs := p.segs
	switch p.root {
	case rootSnap:
		cur = in.Snapshot
	case rootPolicyTarget:
		cur = in.PolicyTarget.Value
	case rootTool:
		if in.Tool != nil {
			cur = in.Tool
		}
	case rootPI:
		if len(segs) == 0 {
			return nil, fmt.Errorf("path %s: the whole policy input is not a value here", p.text)
		}
		first := segs[0]
		if first.isIndex {
			return nil, fmt.Errorf("path %s: $pi is an object", p.text)
		}
		switch first.name {
		case "intervention_point":
			cur = string(in.InterventionPoint)
		case "policy_target":
			var kind any
			if in.PolicyTarget.HasKind {
				kind = in.PolicyTarget.Kind
			}
			cur = map[string]any{"kind": kind, "path": in.PolicyTarget.Path, "value": in.PolicyTarget.Value}
		case "snapshot":
			cur = in.Snapshot
		case "annotations":
			if in.Annotations == nil {
				cur = map[string]any{}
			} else {
				cur = in.Annotations
			}
		case "tool":
			if in.Tool != nil {
				cur = in.Tool
			}
		default:
			return nil, fmt.Errorf("path %s: $pi has no member %q", p.text, first.name)
		}
		segs = segs[1:]
	}
	for _, s := range segs {
		if s.isIndex {
			a, ok := cur.([]any)
			if !ok {
				return nil, fmt.Errorf("path %s: [%d] applied to %s", p.text, s.index, jsonType(cur))
			}
			if s.index >= len(a) {
				return nil, fmt.Errorf("path %s: index %d past the end", p.text, s.index)
			}
			cur = a[s.index]
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("path %s: member %q applied to %s", p.text, s.name, jsonType(cur))
		}
		v, ok := m[s.name]
		if !ok {
			return nil, fmt.Errorf("path %s: member %q missing", p.text, s.name)
		}
		cur = v
	}
	return cur, nil
}

// jsonType names the JSON type of v for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return "a number"
	}
}
