package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// The file is decoded by walking goccy/go-yaml's AST against the model
// rather than by reflection. That is what gives every problem a dotted
// field path and a line, lets all problems be collected in one pass, and
// keeps YAML's implicit conversions (10 → "10", yes/no, 0x10, 010) from
// silently changing a value's meaning.

// origin records where a value came from, so that validation problems
// found after layering can point at the right line or variable.
type origin struct {
	source string
	file   string
	line   int
	col    int
}

type loader struct {
	file   string
	lookup func(string) (string, bool)
	cfg    *Config
	prov   map[string]origin
	errs   Errors
	// failed holds paths whose value could not be decoded; validation
	// problems about them would only be noise about a default.
	failed []string
}

func (l *loader) fileOrigin(node ast.Node) origin {
	line, col := nodePos(node)
	return origin{source: SourceFile, file: l.file, line: line, col: col}
}

// fail reports a value at path that could not be decoded.
func (l *loader) fail(path string, node ast.Node, problem string) {
	l.note(path, node, problem)
	l.failed = append(l.failed, path)
}

// note reports a structural problem (a bad or unknown key) that leaves the
// values at path intact, so their validation still runs.
func (l *loader) note(path string, node ast.Node, problem string) {
	line, col := nodePos(node)
	l.errs = append(l.errs, &FieldError{
		File: l.file, Line: line, Column: col,
		Field: path, Source: SourceFile, Problem: problem,
	})
}

// nodePos returns a node's 1-based line and column, pointing block
// mappings at their first key rather than at its ':'.
func nodePos(node ast.Node) (int, int) {
	switch n := node.(type) {
	case nil:
		return 0, 0
	case *ast.DocumentNode:
		if n.Start != nil {
			return n.Start.Position.Line, n.Start.Position.Column
		}
		if n.Body == nil {
			return 0, 0
		}
		return nodePos(n.Body)
	case *ast.MappingNode:
		if !n.IsFlowStyle && len(n.Values) > 0 {
			return nodePos(n.Values[0])
		}
	case *ast.MappingValueNode:
		if n.Key != nil {
			return nodePos(n.Key)
		}
	}
	tk := node.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// parseYAML turns a parser panic into an error: a malformed config must
// be reported, never crash the process that reads it.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("YAML parser failed on this input: %v", r)
		}
	}()
	// Duplicate keys are detected while walking, where the field path is
	// known.
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

func (l *loader) decodeFile(data []byte) (ok bool) {
	f, err := parseYAML(data)
	if err != nil {
		fe := &FieldError{File: l.file, Source: SourceFile, Problem: "invalid YAML: " + err.Error()}
		var ye interface {
			GetToken() *token.Token
			GetMessage() string
		}
		if errors.As(err, &ye) {
			fe.Problem = "invalid YAML: " + ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				fe.Line, fe.Column = tk.Position.Line, tk.Position.Column
			}
		}
		l.errs = append(l.errs, fe)
		return false
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		// A %YAML or %TAG directive is parsed as a document of its own;
		// it is part of the document that follows, not a second one.
		if _, isDirective := d.Body.(*ast.DirectiveNode); isDirective {
			continue
		}
		docs = append(docs, d)
	}
	if len(docs) > 1 {
		l.fail("", docs[1], "multiple YAML documents (---) are not allowed: the config is a single document")
		return false
	}
	if len(docs) == 0 {
		return true
	}
	switch body := docs[0].Body.(type) {
	case nil, *ast.CommentGroupNode, *ast.NullNode:
		// An empty file means "all defaults".
	case ast.MapNode:
		l.mapping("", body.(ast.Node))
	default:
		if p := unsupported(body); p != "" {
			l.fail("", body, p)
		} else {
			l.fail("", body, "the top level must be a mapping of sections (server, storage, audit, auth, log), got "+describe(body))
		}
	}
	return true
}

// mapping decodes the entries of the section at path.
func (l *loader) mapping(path string, node ast.Node) {
	mn, ok := node.(ast.MapNode)
	if !ok {
		l.fail(path, node, "expected a mapping, got "+describe(node))
		return
	}
	l.keys(path, mn, func(_, full string, kv *ast.MappingValueNode) {
		l.entry(full, kv.Key, kv.Value)
	})
}

// keys walks the entries of a mapping in order with their names and full
// paths; a key that is not a string, and the second of two equal keys,
// are reported and skipped.
func (l *loader) keys(path string, mn ast.MapNode, fn func(name, full string, kv *ast.MappingValueNode)) {
	seen := map[string]int{}
	it := mn.MapRange()
	for it.Next() {
		kv := it.KeyValue()
		name, ok := l.key(path, kv.Key)
		if !ok {
			continue
		}
		full := join(path, name)
		if first, dup := seen[name]; dup {
			l.fail(full, kv.Key, fmt.Sprintf("duplicate key (first set on line %d)", first))
			continue
		}
		seen[name], _ = nodePos(kv.Key)
		fn(name, full, kv)
	}
}

func (l *loader) key(path string, node ast.Node) (string, bool) {
	if mk, ok := node.(*ast.MappingKeyNode); ok {
		node = mk.Value
	}
	switch k := node.(type) {
	case *ast.StringNode:
		// A dotted key would alias a nested one ("server.addr" vs
		// server: {addr}) and let two values race for one field.
		if strings.ContainsAny(k.Value, ".[]") {
			l.note(path, node, "keys cannot contain '.', '[' or ']': write nested keys as nested mappings")
			return "", false
		}
		return k.Value, true
	case *ast.MergeKeyNode:
		l.note(path, node, "YAML merge keys (<<) are not supported; write the keys out in full")
	default:
		if p := unsupported(node); p != "" {
			l.note(path, node, p)
		} else {
			l.note(path, node, "keys must be strings, got "+describe(node))
		}
	}
	return "", false
}

func (l *loader) entry(full string, keyNode, val ast.Node) {
	if f, ok := lookupField(full); ok {
		l.prov[full] = l.fileOrigin(val)
		l.scalar(f, val)
		return
	}
	switch {
	case full == tokensKey:
		l.prov[full] = l.fileOrigin(keyNode)
		l.tokens(val)
	case full == outboundPinsKey:
		l.prov[full] = l.fileOrigin(keyNode)
		l.outboundPins(val)
	case isGovernance(full):
		l.governance(full, keyNode, val)
	case slices.Contains(supplyChainListKeys, full):
		l.supplyChainList(full, keyNode, val)
	case full == sagaSubstitutesKey:
		l.sagaSubstitutes(keyNode, val)
	case isSection(full):
		l.prov[full] = l.fileOrigin(keyNode)
		l.section(full, val)
	default:
		parent, name := splitPath(full)
		l.note(full, keyNode, unknownKey(parent, name, childKeys(parent)))
	}
}

func (l *loader) section(path string, node ast.Node) {
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return
	}
	switch node.(type) {
	case *ast.NullNode:
		// "server:" with nothing under it keeps the defaults; nothing is
		// being dropped.
	case ast.MapNode:
		l.mapping(path, node)
	default:
		l.fail(path, node, "expected a mapping of keys ("+strings.Join(childKeys(path), ", ")+"), got "+describe(node))
	}
}

func (l *loader) scalar(f field, node ast.Node) {
	switch p := f.ref(l.cfg).(type) {
	case *string:
		if s, ok := l.str(f.key, node); ok {
			*p = s
		}
	case *int64:
		if n, ok := l.int(f.key, node); ok {
			*p = n
		}
	case *bool:
		if b, ok := l.bool(f.key, node); ok {
			*p = b
		}
	case *Duration:
		if d, ok := l.duration(f.key, node); ok {
			*p = d
		}
	default:
		panic(fmt.Sprintf("config: field %s has unsupported type %T", f.key, p))
	}
}

// unsupported rejects YAML features whose effect on a security config is
// easy to misread in review (anchors, aliases, merge keys, tags).
func unsupported(node ast.Node) string {
	switch node.(type) {
	case *ast.AnchorNode:
		return "YAML anchors (&name) are not supported; write the value out in full"
	case *ast.AliasNode:
		return "YAML aliases (*name) are not supported; write the value out in full"
	case *ast.TagNode:
		return "YAML tags (!tag) are not supported; quote the value if it is meant as text"
	case *ast.MergeKeyNode:
		return "YAML merge keys (<<) are not supported; write the keys out in full"
	}
	return ""
}

func (l *loader) str(path string, node ast.Node) (string, bool) {
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return "", false
	}
	var s string
	switch n := node.(type) {
	case *ast.StringNode:
		s = n.Value
	case *ast.LiteralNode:
		if n.Value != nil {
			s = n.Value.Value
		}
	case *ast.NullNode:
		l.fail(path, node, `missing value: write "" for an empty string, or remove the key to keep the default`)
		return "", false
	default:
		l.fail(path, node, "expected a string, got "+describe(node)+"; quote the value if it is meant as text")
		return "", false
	}
	out, problem := expand(s, l.lookup)
	if problem != "" {
		l.fail(path, node, problem)
		return "", false
	}
	return out, true
}

func (l *loader) int(path string, node ast.Node) (int64, bool) {
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return 0, false
	}
	n, ok := node.(*ast.IntegerNode)
	if !ok {
		hint := ""
		if _, isStr := node.(*ast.StringNode); isStr {
			hint = "; numbers are written without quotes and without units (${VAR} is not expanded here: use " + EnvVar(path) + ")"
		}
		l.fail(path, node, "expected an integer, got "+describe(node)+hint)
		return 0, false
	}
	v, problem := parseDecimal(n.GetToken().Value)
	if problem != "" {
		l.fail(path, node, problem)
		return 0, false
	}
	return v, true
}

func (l *loader) bool(path string, node ast.Node) (bool, bool) {
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return false, false
	}
	n, ok := node.(*ast.BoolNode)
	if !ok {
		l.fail(path, node, "expected true or false, got "+describe(node))
		return false, false
	}
	return n.Value, true
}

func (l *loader) duration(path string, node ast.Node) (Duration, bool) {
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return Duration{}, false
	}
	s, problem := durationText(node)
	if problem == "" {
		s, problem = expand(s, l.lookup)
	}
	if problem != "" {
		l.fail(path, node, problem)
		return Duration{}, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		l.fail(path, node, err.Error())
		return Duration{}, false
	}
	return d, true
}

func (l *loader) tokens(node ast.Node) {
	if p := unsupported(node); p != "" {
		l.fail(tokensKey, node, p)
		return
	}
	switch n := node.(type) {
	case *ast.NullNode:
		l.cfg.Auth.Tokens = nil
	case *ast.SequenceNode:
		var list []Token
		for i, item := range n.Values {
			path := fmt.Sprintf("%s[%d]", tokensKey, i)
			l.prov[path] = l.fileOrigin(item)
			list = append(list, l.token(path, item))
		}
		l.cfg.Auth.Tokens = list
	default:
		l.fail(tokensKey, node, "expected a list of {name, token, role} entries, got "+describe(node))
	}
}

func (l *loader) token(path string, node ast.Node) Token {
	var t Token
	if p := unsupported(node); p != "" {
		l.fail(path, node, p)
		return t
	}
	mn, ok := node.(ast.MapNode)
	if !ok {
		l.fail(path, node, "expected a {name, token, role} mapping, got "+describe(node))
		return t
	}
	l.keys(path, mn, func(name, full string, kv *ast.MappingValueNode) {
		var dst *string
		switch name {
		case "name":
			dst = &t.Name
		case "token":
			dst = &t.Secret
		case "role":
			dst = (*string)(&t.Role)
		case "agents":
			l.prov[full] = l.fileOrigin(kv.Value)
			list := l.strList(full, kv.Value)
			t.Agents = list.Values
			if t.Agents == nil && list.Set {
				t.Agents = []string{}
			}
			return
		default:
			l.note(full, kv.Key, unknownKey(path, name, tokenKeys[:]))
			return
		}
		l.prov[full] = l.fileOrigin(kv.Value)
		if s, ok := l.str(full, kv.Value); ok {
			*dst = s
		}
	})
	return t
}

// describe names a node's YAML type for "expected X, got Y" messages.
func describe(node ast.Node) string {
	switch node.(type) {
	case nil:
		return "nothing"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode:
		return "a float"
	case *ast.InfinityNode:
		return "infinity"
	case *ast.NanNode:
		return "NaN"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.NullNode:
		return "null"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.AnchorNode:
		return "an anchor"
	case *ast.AliasNode:
		return "an alias"
	case *ast.TagNode:
		return "a tagged value"
	}
	return node.Type().YAMLName()
}

func unknownKey(parent, name string, valid []string) string {
	quoted := fmt.Sprintf("%q", name)
	if len(name) > 64 {
		// A long unknown key is often a misplaced value; do not echo it.
		quoted = fmt.Sprintf("(a %d-byte key)", len(name))
	}
	what, list := "key", "valid keys here"
	if parent == "" {
		what, list = "section", "valid sections"
	}
	if s := suggest(name, valid); s != "" {
		return fmt.Sprintf("unknown %s %s; did you mean %q?", what, quoted, s)
	}
	return fmt.Sprintf("unknown %s %s; %s: %s", what, quoted, list, strings.Join(valid, ", "))
}

// suggest returns the valid key closest to name, if one is close enough
// to be a typo.
func suggest(name string, valid []string) string {
	norm := strings.ToLower(strings.ReplaceAll(name, "-", "_"))
	best, bestDist := "", 3
	for _, v := range valid {
		if v == norm {
			return v
		}
		if d := editDistance(norm, v); d < bestDist && d < len(v) {
			best, bestDist = v, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// splitPath splits "a.b.c" into "a.b" and "c".
func splitPath(p string) (string, string) {
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// parentPath strips the last element: "auth.tokens[1].role" →
// "auth.tokens[1]" → "auth.tokens" → "auth" → "".
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}
