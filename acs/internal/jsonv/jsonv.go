// Package jsonv parses manifests into the JSON value model the ACS runtime
// works on (nil, bool, json.Number, string, []any, map[string]any) and
// compares such values.
//
// Both parsers are strict where a lenient one would let two readers of the
// same manifest disagree about its meaning: duplicate keys, non-string
// mapping keys and multi-document YAML are errors, and YAML alias expansion
// is bounded so that a small file cannot expand into a huge manifest.
package jsonv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/agentgov/agentgov/internal/canonical"
)

// Limits bound a parse. A breach is a *LimitError.
type Limits struct {
	// MaxBytes bounds the input and the canonical size of the result (after
	// alias expansion).
	MaxBytes int64
	// MaxDepth bounds object and array nesting.
	MaxDepth int
	// MaxNodes bounds the number of values after alias expansion.
	MaxNodes int
}

// DefaultMaxNodes is the reference runtime's bound on parsed manifest nodes.
const DefaultMaxNodes = 100000

// LimitError reports a parse that breached a limit (as opposed to malformed
// input).
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

// SyntaxError reports malformed input, with a line when one is known.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Parse reads one manifest document: JSON when isJSON, YAML otherwise.
func Parse(data []byte, isJSON bool, lim Limits) (any, error) {
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return nil, &LimitError{Msg: fmt.Sprintf("manifest is %d bytes, limit %d", len(data), lim.MaxBytes)}
	}
	var v any
	var err error
	if isJSON {
		v, err = ParseJSON(data, lim)
	} else {
		v, err = ParseYAML(data, lim)
	}
	if err != nil {
		return nil, err
	}
	size, _, err := canonical.MeasureACS(v, lim.MaxBytes, -1)
	if err != nil {
		return nil, &SyntaxError{Msg: err.Error()}
	}
	if lim.MaxBytes > 0 && size > lim.MaxBytes {
		return nil, &LimitError{Msg: fmt.Sprintf("manifest expands to more than %d bytes", lim.MaxBytes)}
	}
	return v, nil
}

// ParseJSON decodes exactly one JSON value, rejecting duplicate object keys.
func ParseJSON(data []byte, lim Limits) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := jsonParser{dec: dec, lim: lim}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &SyntaxError{Msg: "unexpected data after the JSON value"}
	}
	return v, nil
}

type jsonParser struct {
	dec   *json.Decoder
	lim   Limits
	nodes int
}

func (p *jsonParser) value(depth int) (any, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(err)
	}
	return p.fromToken(tok, depth)
}

func (p *jsonParser) syntax(err error) error {
	if err == io.EOF {
		return &SyntaxError{Msg: "unexpected end of JSON input"}
	}
	return &SyntaxError{Msg: "invalid JSON: " + err.Error()}
}

func (p *jsonParser) fromToken(tok json.Token, depth int) (any, error) {
	p.nodes++
	if p.lim.MaxNodes > 0 && p.nodes > p.lim.MaxNodes {
		return nil, &LimitError{Msg: fmt.Sprintf("manifest has more than %d values", p.lim.MaxNodes)}
	}
	switch t := tok.(type) {
	case json.Delim:
		if p.lim.MaxDepth > 0 && depth+1 > p.lim.MaxDepth {
			return nil, &LimitError{Msg: fmt.Sprintf("manifest nests deeper than %d levels", p.lim.MaxDepth)}
		}
		if t == '[' {
			arr := []any{}
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.syntax(err)
			}
			return arr, nil
		}
		obj := map[string]any{}
		for p.dec.More() {
			kt, err := p.dec.Token()
			if err != nil {
				return nil, p.syntax(err)
			}
			k, ok := kt.(string)
			if !ok {
				return nil, &SyntaxError{Msg: "invalid JSON object key"}
			}
			if _, dup := obj[k]; dup {
				return nil, &SyntaxError{Msg: fmt.Sprintf("duplicate key %q", k)}
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			obj[k] = v
		}
		if _, err := p.dec.Token(); err != nil {
			return nil, p.syntax(err)
		}
		return obj, nil
	default:
		return t, nil // nil, bool, json.Number, string
	}
}

// ParseYAML converts one YAML document into the JSON value model.
func ParseYAML(data []byte, lim Limits) (v any, err error) {
	// The conversion walks goccy's AST, whose accessors assume well-formed
	// nodes; a hostile document must be an error, never a crash.
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &SyntaxError{Msg: fmt.Sprintf("unsupported YAML structure: %v", r)}
		}
	}()
	f, err := parseYAML(data)
	if err != nil {
		return nil, err
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if _, isDirective := d.Body.(*ast.DirectiveNode); isDirective {
			continue
		}
		docs = append(docs, d)
	}
	if len(docs) > 1 {
		return nil, &SyntaxError{Line: line(docs[1]), Msg: "multiple YAML documents (---) are not allowed: a manifest is one document"}
	}
	if len(docs) == 0 {
		return nil, nil
	}
	c := yamlConv{lim: lim, anchors: map[string]anchor{}}
	return c.node(docs[0].Body, 0)
}

// parseYAML turns a parser panic into an error: a hostile manifest must be
// rejected, never crash its reader.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, &SyntaxError{Msg: fmt.Sprintf("YAML parser failed on this input: %v", r)}
		}
	}()
	f, err = parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		se := &SyntaxError{Msg: "invalid YAML: " + err.Error()}
		var ye interface {
			GetToken() *token.Token
			GetMessage() string
		}
		if errors.As(err, &ye) {
			se.Msg = "invalid YAML: " + ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				se.Line = tk.Position.Line
			}
		}
		return nil, se
	}
	return f, nil
}

// yamlFloat is the float form of the YAML 1.2 core schema.
var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

type anchor struct {
	value any
	nodes int
	depth int
}

type yamlConv struct {
	lim     Limits
	nodes   int
	anchors map[string]anchor
}

// line is the line a node starts on, 0 when unknown. Some goccy nodes
// dereference missing tokens (an empty document after "---"), so a panic
// here only loses the line number.
func line(n ast.Node) (l int) {
	defer func() {
		if recover() != nil {
			l = 0
		}
	}()
	if d, ok := n.(*ast.DocumentNode); ok {
		if d.Start != nil && d.Start.Position != nil {
			return d.Start.Position.Line
		}
		n = d.Body
	}
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

func (c *yamlConv) count(n int) error {
	c.nodes += n
	if c.lim.MaxNodes > 0 && c.nodes > c.lim.MaxNodes {
		return &LimitError{Msg: fmt.Sprintf("manifest expands to more than %d values (YAML aliases)", c.lim.MaxNodes)}
	}
	return nil
}

func (c *yamlConv) enter(n ast.Node, depth int) error {
	if c.lim.MaxDepth > 0 && depth+1 > c.lim.MaxDepth {
		return &LimitError{Msg: fmt.Sprintf("line %d: manifest nests deeper than %d levels", line(n), c.lim.MaxDepth)}
	}
	return nil
}

// node converts n, found at the given container depth.
func (c *yamlConv) node(n ast.Node, depth int) (any, error) {
	switch x := n.(type) {
	case nil:
		return nil, c.count(1)
	case *ast.CommentGroupNode, *ast.CommentNode:
		return nil, c.count(1)
	case *ast.DocumentNode:
		return c.node(x.Body, depth)
	}
	if err := c.count(1); err != nil {
		return nil, err
	}
	switch x := n.(type) {
	case *ast.NullNode:
		return nil, nil
	case *ast.BoolNode:
		return x.Value, nil
	case *ast.IntegerNode:
		switch i := x.Value.(type) {
		case int64:
			return json.Number(strconv.FormatInt(i, 10)), nil
		case uint64:
			return json.Number(strconv.FormatUint(i, 10)), nil
		}
		return nil, &SyntaxError{Line: line(n), Msg: fmt.Sprintf("integer %s is out of range", x.GetToken().Value)}
	case *ast.FloatNode:
		text := x.GetToken().Value
		if _, err := canonical.AppendACSNumber(nil, text); err == nil {
			return json.Number(text), nil
		}
		return json.Number(strconv.FormatFloat(x.Value, 'e', -1, 64)), nil
	case *ast.InfinityNode, *ast.NanNode:
		return nil, &SyntaxError{Line: line(n), Msg: "infinity and NaN are not JSON numbers"}
	case *ast.StringNode:
		if tk := x.GetToken(); tk != nil && tk.Type == token.StringType && yamlFloat.MatchString(x.Value) {
			// A plain scalar the YAML 1.2 core schema resolves to a float
			// (1e2, .5) that the parser left as a string.
			if f, err := strconv.ParseFloat(x.Value, 64); err == nil {
				if _, err := canonical.AppendACSNumber(nil, x.Value); err == nil {
					return json.Number(x.Value), nil
				}
				return json.Number(strconv.FormatFloat(f, 'e', -1, 64)), nil
			}
		}
		return x.Value, nil
	case *ast.LiteralNode:
		if x.Value == nil {
			return "", nil
		}
		return x.Value.Value, nil
	case *ast.SequenceNode:
		if err := c.enter(n, depth); err != nil {
			return nil, err
		}
		arr := make([]any, 0, len(x.Values))
		for _, e := range x.Values {
			v, err := c.node(e, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	case ast.MapNode:
		if err := c.enter(n, depth); err != nil {
			return nil, err
		}
		obj := map[string]any{}
		it := x.MapRange()
		for it.Next() {
			kv := it.KeyValue()
			k, err := c.key(kv.Key)
			if err != nil {
				return nil, err
			}
			if _, dup := obj[k]; dup {
				return nil, &SyntaxError{Line: line(kv.Key), Msg: fmt.Sprintf("duplicate key %q", k)}
			}
			v, err := c.node(kv.Value, depth+1)
			if err != nil {
				return nil, err
			}
			obj[k] = v
		}
		return obj, nil
	case *ast.AnchorNode:
		name := ""
		if x.Name != nil {
			name = x.Name.GetToken().Value
		}
		before := c.nodes
		v, err := c.node(x.Value, depth)
		if err != nil {
			return nil, err
		}
		_, d, err := canonical.MeasureACS(v, -1, -1)
		if err != nil {
			return nil, &SyntaxError{Line: line(n), Msg: err.Error()}
		}
		c.anchors[name] = anchor{value: v, nodes: c.nodes - before, depth: d}
		return v, nil
	case *ast.AliasNode:
		name := ""
		if x.Value != nil {
			name = x.Value.GetToken().Value
		}
		a, ok := c.anchors[name]
		if !ok {
			return nil, &SyntaxError{Line: line(n), Msg: fmt.Sprintf("alias *%s names no anchor defined before it", name)}
		}
		if err := c.count(a.nodes); err != nil {
			return nil, err
		}
		if c.lim.MaxDepth > 0 && depth+a.depth > c.lim.MaxDepth {
			return nil, &LimitError{Msg: fmt.Sprintf("line %d: manifest nests deeper than %d levels (YAML alias)", line(n), c.lim.MaxDepth)}
		}
		// Sharing the converted value is safe: manifest values are never
		// modified in place.
		return a.value, nil
	case *ast.TagNode:
		tag := x.Start.Value
		switch tag {
		case "!!str":
			if s, ok := x.Value.(ast.ScalarNode); ok {
				if sn, ok := s.(*ast.StringNode); ok {
					return sn.Value, nil
				}
				return s.GetToken().Value, nil
			}
		case "!!map", "!!seq", "!!null", "!!bool", "!!int", "!!float":
			c.nodes--
			return c.node(x.Value, depth)
		}
		return nil, &SyntaxError{Line: line(n), Msg: fmt.Sprintf("YAML tag %s is not supported", tag)}
	case *ast.MergeKeyNode:
		return nil, &SyntaxError{Line: line(n), Msg: "YAML merge keys (<<) are not supported"}
	}
	return nil, &SyntaxError{Line: line(n), Msg: fmt.Sprintf("unsupported YAML node %s", n.Type())}
}

func (c *yamlConv) key(n ast.Node) (string, error) {
	if mk, ok := n.(*ast.MappingKeyNode); ok {
		n = mk.Value
	}
	switch k := n.(type) {
	case *ast.StringNode:
		return k.Value, nil
	case *ast.TagNode:
		if k.Start.Value == "!!str" {
			if s, ok := k.Value.(ast.ScalarNode); ok {
				if sn, ok := s.(*ast.StringNode); ok {
					return sn.Value, nil
				}
				return s.GetToken().Value, nil
			}
		}
	case *ast.MergeKeyNode:
		return "", &SyntaxError{Line: line(n), Msg: "YAML merge keys (<<) are not supported"}
	}
	desc := "a non-string key"
	if n != nil {
		desc = fmt.Sprintf("key %s (%s)", strings.TrimSpace(n.String()), strings.ToLower(strings.TrimSuffix(n.Type().String(), "Type")))
	}
	return "", &SyntaxError{Line: line(n), Msg: desc + ": mapping keys must be strings (quote the key)"}
}

// Equal reports whether a and b are the same JSON value. Numbers are equal
// when their canonical forms are (1 and 1.0 differ, as they do in the
// canonical form identities are computed from).
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		var bx, by [40]byte
		cx, ex := canonical.AppendACSNumber(bx[:0], string(x))
		cy, ey := canonical.AppendACSNumber(by[:0], string(y))
		return ex == nil && ey == nil && bytes.Equal(cx, cy)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// Kind names the JSON type of v for messages.
func Kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}
