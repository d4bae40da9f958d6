package acs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Manifest paths (§3): a root token followed by .name, [n] and ["name"]
// segments, read without type coercion.

type root uint8

const (
	rootSnap root = iota + 1
	rootPI
	rootPolicyTarget
	rootTool
)

func (r root) String() string {
	switch r {
	case rootSnap:
		return "$snap"
	case rootPI:
		return "$pi"
	case rootPolicyTarget:
		return "$policy_target"
	case rootTool:
		return "$tool"
	}
	return "?"
}

type segment struct {
	name    string
	index   int
	isIndex bool
}

func (s segment) String() string {
	if s.isIndex {
		return "[" + strconv.Itoa(s.index) + "]"
	}
	if strings.ContainsAny(s.name, ".[]") || s.name == "" {
		b, _ := json.Marshal(s.name)
		return "[" + string(b) + "]"
	}
	return "." + s.name
}

type path struct {
	raw  string
	root root
	segs []segment
}

// parsePath parses a manifest path. "$" and a "$." prefix are aliases of
// "$snap"; any other root must be followed by the end, "." or "[", so
// "$snapshot" is an unknown root rather than "$snap" plus garbage.
func parsePath(s string) (*path, error) {
	p := &path{raw: s}
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("path %q must start with a root ($snap, $, $pi, $policy_target or $tool)", s)
	}
	var rest string
	switch {
	case s == "$":
		p.root = rootSnap
	case strings.HasPrefix(s, "$."):
		p.root, rest = rootSnap, s[1:]
	default:
		end := strings.IndexAny(s, ".[")
		if end < 0 {
			end = len(s)
		}
		switch s[:end] {
		case "$snap":
			p.root = rootSnap
		case "$pi":
			p.root = rootPI
		case "$policy_target":
			p.root = rootPolicyTarget
		case "$tool":
			p.root = rootTool
		default:
			return nil, fmt.Errorf("path %q has an unknown root %q", s, s[:end])
		}
		rest = s[end:]
	}
	for len(rest) > 0 {
		switch rest[0] {
		case '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			name := rest[1 : 1+end]
			if name == "" {
				return nil, fmt.Errorf("path %q has an empty segment", s)
			}
			if strings.Contains(name, "]") {
				return nil, fmt.Errorf("path %q: segment %q contains ']'", s, name)
			}
			p.segs = append(p.segs, segment{name: name})
			rest = rest[1+end:]
		case '[':
			if len(rest) > 1 && rest[1] == '"' {
				lit, n, err := jsonStringLiteral(rest[1:])
				if err != nil {
					return nil, fmt.Errorf("path %q: %w", s, err)
				}
				rest = rest[1+n:]
				if !strings.HasPrefix(rest, "]") {
					return nil, fmt.Errorf("path %q: [\"...\"] must be followed by ]", s)
				}
				p.segs = append(p.segs, segment{name: lit})
				rest = rest[1:]
				continue
			}
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q has an unterminated [", s)
			}
			digits := rest[1:end]
			if digits == "" || strings.Trim(digits, "0123456789") != "" {
				return nil, fmt.Errorf("path %q: index [%s] must be a non-negative integer", s, digits)
			}
			n, err := strconv.Atoi(digits)
			if err != nil {
				return nil, fmt.Errorf("path %q: index [%s] is out of range", s, digits)
			}
			p.segs = append(p.segs, segment{index: n, isIndex: true})
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("path %q: unexpected %q after a segment", s, rest[0])
		}
	}
	return p, nil
}

// jsonStringLiteral reads the JSON string literal at the start of s and
// returns its value and length.
func jsonStringLiteral(s string) (string, int, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			var v string
			if err := json.Unmarshal([]byte(s[:i+1]), &v); err != nil {
				return "", 0, fmt.Errorf("invalid string literal %s", s[:i+1])
			}
			return v, i + 1, nil
		}
	}
	return "", 0, fmt.Errorf("unterminated string literal")
}

// resolve reads the value at p below v, the value of p's root.
func (p *path) resolve(v any) (any, *Error) {
	for i, s := range p.segs {
		if s.isIndex {
			arr, ok := v.([]any)
			if !ok {
				return nil, p.mismatch(i, "an array", v)
			}
			if s.index >= len(arr) {
				return nil, errorf(ReasonPathMissing, "%s: index %d is past the end of an array of %d", p.prefix(i+1), s.index, len(arr))
			}
			v = arr[s.index]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, p.mismatch(i, "an object", v)
		}
		if v, ok = obj[s.name]; !ok {
			return nil, errorf(ReasonPathMissing, "%s does not resolve (no member %q)", p.prefix(i+1), s.name)
		}
	}
	return v, nil
}

func (p *path) mismatch(i int, want string, got any) *Error {
	return errorf(ReasonPathTypeMismatch, "%s: segment %s needs %s, found %s", p.raw, p.segs[i], want, kindOf(got))
}

// prefix renders the path up to segment n (for messages).
func (p *path) prefix(n int) string {
	var b strings.Builder
	b.WriteString(p.root.String())
	for _, s := range p.segs[:n] {
		b.WriteString(s.String())
	}
	return b.String()
}

// replace returns a copy of target with the value at p (a $policy_target
// path) replaced by v. Only the containers on the way are copied; target is
// not modified, and members are never created.
func (p *path) replace(target any, v any) (any, *Error) {
	return replaceAt(p, 0, target, v)
}

func replaceAt(p *path, i int, cur any, v any) (any, *Error) {
	if i == len(p.segs) {
		return v, nil
	}
	s := p.segs[i]
	if s.isIndex {
		arr, ok := cur.([]any)
		if !ok {
			return nil, p.mismatch(i, "an array", cur)
		}
		if s.index >= len(arr) {
			return nil, errorf(ReasonPathMissing, "%s: index %d is past the end of an array of %d", p.prefix(i+1), s.index, len(arr))
		}
		child, err := replaceAt(p, i+1, arr[s.index], v)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(arr))
		copy(out, arr)
		out[s.index] = child
		return out, nil
	}
	obj, ok := cur.(map[string]any)
	if !ok {
		return nil, p.mismatch(i, "an object", cur)
	}
	old, ok := obj[s.name]
	if !ok {
		return nil, errorf(ReasonPathMissing, "%s does not resolve (no member %q)", p.prefix(i+1), s.name)
	}
	child, err := replaceAt(p, i+1, old, v)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(obj))
	for k, e := range obj {
		out[k] = e
	}
	out[s.name] = child
	return out, nil
}
