// Package toolscan inspects the definitions an MCP server offers a model —
// its tools (name, description, input schema), prompts and resources — for
// the ways a server attacks the agent that connects to it:
//
//   - TOOL_POISONING: instructions to the model inside descriptions or schema
//     text (read a file first, conceal what it does, override other
//     instructions). A tool description is text addressed to a model, so an
//     instruction in it that serves anything but the tool's own use is the
//     signal itself.
//   - HIDDEN_CHARACTERS: invisible, bidi-control or tag characters, and text
//     hidden in markup (comments, hidden elements, padding).
//   - EXFILTRATION: directions to send data to a URL, an e-mail address or a
//     parameter. A plain URL in a description is not one.
//   - TYPOSQUATTING: a tool or server name confusably close to a well-known
//     one or to another connected server's tool.
//   - SCHEMA_ABUSE: parameters whose purpose is to carry secrets or context
//     out, instructions in defaults, enums or examples, absurd sizes.
//   - CROSS_SERVER_SHADOWING: a description that tells the model how to use
//     another server's tools.
//   - RUG_PULL: a definition that changed from its approved (pinned) version
//     in a way that matters (see Diff).
//   - CONFUSED_DEPUTY: a tool that acts with the server's privileges (fetch,
//     query, send, write, execute) on a target taken from free-text input.
//
// Text is normalised with internal/textnorm (invisible characters, look-alike
// letters, leetspeak, encodings) and also read by the prompt-injection
// detector for its multilingual intents; the package adds what is particular
// to tool definitions. Scan is a pure function of its input: no I/O.
package toolscan

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/injection"
	"github.com/agentgov/agentgov/internal/detect/textclass"
	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// Name is the scanner's name in `agentgov scan --detector`.
const Name = "mcp"

// Finding types.
const (
	TypeToolPoisoning        = "TOOL_POISONING"
	TypeHiddenCharacters     = "HIDDEN_CHARACTERS"
	TypeExfiltration         = "EXFILTRATION"
	TypeTyposquatting        = "TYPOSQUATTING"
	TypeSchemaAbuse          = "SCHEMA_ABUSE"
	TypeCrossServerShadowing = "CROSS_SERVER_SHADOWING"
	TypeRugPull              = "RUG_PULL"
	TypeConfusedDeputy       = "CONFUSED_DEPUTY"
)

// Types lists every finding type.
var Types = []string{TypeToolPoisoning, TypeHiddenCharacters, TypeExfiltration, TypeTyposquatting,
	TypeSchemaAbuse, TypeCrossServerShadowing, TypeRugPull, TypeConfusedDeputy}

// Objects a finding can be about besides a tool.
const (
	ObjectTool     = ""
	ObjectPrompt   = "prompt"
	ObjectResource = "resource"
	ObjectServer   = "server"
)

// Tool is one tool definition as a server lists it. InputSchema is the
// decoded JSON Schema (maps, slices, strings, json.Number, bool, nil).
type Tool struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	InputSchema any    `json:"inputSchema,omitempty"`
	// OutputSchema describes the tool's result; its descriptions reach
	// the model like the tool's own.
	OutputSchema any `json:"outputSchema,omitempty"`
	// Annotations are the server's hints (readOnlyHint, destructiveHint…).
	// They are the server's claims, so they lower no finding; their title
	// is text for the model and is scanned.
	Annotations map[string]any `json:"annotations,omitempty"`
}

// PromptArgument is one argument of a prompt.
type PromptArgument struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
}

// Prompt is a prompt template a server offers.
type Prompt struct {
	Name        string           `json:"name"`
	Title       string           `json:"title,omitempty"`
	Description string           `json:"description,omitempty"`
	Arguments   []PromptArgument `json:"arguments,omitempty"`
}

// Resource is a resource (or resource template) a server offers.
type Resource struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	URI         string `json:"uri,omitempty"`
	URITemplate string `json:"uriTemplate,omitempty"`
	Description string `json:"description,omitempty"`
	MIMEType    string `json:"mimeType,omitempty"`
}

// Server is what another connected server offers, for shadowing and
// typosquatting checks.
type Server struct {
	Server string `json:"server"`
	Tools  []Tool `json:"tools"`
}

// Input is one server to scan.
type Input struct {
	Server string
	// Instructions are the server's initialize instructions, which
	// clients put before the model like a system prompt.
	Instructions string
	Tools        []Tool
	Prompts      []Prompt
	Resources    []Resource
	// Baseline holds the approved (pinned) tools of this server; nil means
	// none were approved and no RUG_PULL is reported.
	Baseline []Tool
	// OtherServers are the other servers the same client connects to.
	OtherServers []Server
}

// Finding is one problem found in a server's definitions.
type Finding struct {
	Type string `json:"type"`
	// Tool is the name of the tool (or prompt or resource, see Object) the
	// finding is about, "" for the server as a whole.
	Tool string `json:"tool"`
	// Object is "" for a tool, else prompt, resource or server.
	Object string `json:"object,omitempty"`
	// Path is a JSON Pointer into the definition of Tool (e.g.
	// /inputSchema/properties/notes/description), "" for the whole of it.
	Path     string          `json:"path"`
	Severity detect.Severity `json:"severity"`
	// Detail tells a reviewer what was found and what to do about it. It
	// quotes at most a short excerpt of the definition.
	Detail string `json:"detail"`
	// reading marks a finding of a type that is otherwise a fact (a rug
	// pull) that rests only on a reading of text.
	reading bool
}

// Limits bound one scan; a larger input is an error, not a partial scan.
const (
	MaxTools     = 2000
	MaxTextBytes = 256 << 10 // one description or schema string
	MaxSchemaLen = 4 << 20   // all strings of one tool together
	maxDepth     = 64
)

// ErrTooLarge reports an input over the limits.
var ErrTooLarge = fmt.Errorf("%s: input exceeds the scanner's limits", Name)

// Scanner scans servers. It is immutable and safe for concurrent use.
type Scanner struct {
	inj *injection.Detector
	// known are the well-known tool and server names for typosquatting.
	known knownNames
	// model is the second stage (model.go); modelErr why it is missing.
	model    *textclass.Model
	modelErr error
}

// New returns a Scanner.
func New() *Scanner {
	m, err := loadModel()
	return &Scanner{inj: injection.New(), known: loadKnownNames(), model: m, modelErr: err}
}

// Scan is New().Scan for one-off use; a caller scanning often keeps a
// Scanner.
func Scan(ctx context.Context, in Input) ([]Finding, error) { return New().Scan(ctx, in) }

// Scan returns the findings of one server, sorted by tool, path and type.
func (s *Scanner) Scan(ctx context.Context, in Input) (out []Finding, err error) {
	if s.modelErr != nil {
		// The embedded model is part of the build: without it the
		// verdicts would differ from the documented ones.
		return nil, fmt.Errorf("%s: %w", Name, s.modelErr)
	}
	if n := len(in.Tools) + len(in.Prompts) + len(in.Resources); n > MaxTools {
		return nil, fmt.Errorf("%w: %d definitions (limit %d)", ErrTooLarge, n, MaxTools)
	}
	defer func() {
		// A scanner bug must fail closed (an error the caller treats as
		// a failed scan), never crash the process that called it.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%s: internal error: %v", Name, r)
		}
	}()
	own := map[string]bool{}
	for _, t := range in.Tools {
		own[strings.ToLower(t.Name)] = true
	}
	sc := &scan{s: s, in: &in, own: own}
	for i := range in.Tools {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := sc.tool(ctx, &in.Tools[i]); err != nil {
			return nil, err
		}
	}
	for i := range in.Prompts {
		if err := sc.prompt(ctx, &in.Prompts[i]); err != nil {
			return nil, err
		}
	}
	for i := range in.Resources {
		if err := sc.resource(ctx, &in.Resources[i]); err != nil {
			return nil, err
		}
	}
	if err := sc.instructions(ctx); err != nil {
		return nil, err
	}
	sc.serverName()
	sc.duplicates()
	if in.Baseline != nil {
		for _, c := range Diff(in.Baseline, in.Tools) {
			if f, ok := s.rugPull(ctx, c); ok {
				sc.add(f)
			}
		}
	}
	sc.weigh(s.model)
	return sortFindings(sc.out), nil
}

// scan is the state of one Scan call.
type scan struct {
	s   *Scanner
	in  *Input
	own map[string]bool
	out []Finding
	// refs are the lower-cased names of tools that are not this server's,
	// built on first use.
	refs []string
	// params are the server's parameter names and tools its tools
	// (normalised name → identifier; indirect.go), built on first use;
	// isModelTool caches modelTool (0 unknown, 1 yes, -1 no).
	params      map[string]bool
	tools       map[string]string
	isModelTool int
	// isContactTool caches keepsContacts' reading of the server.
	isContactTool int
}

func (sc *scan) add(f Finding) {
	for i := range sc.out {
		o := &sc.out[i]
		if o.Type == f.Type && o.Tool == f.Tool && o.Object == f.Object && o.Path == f.Path {
			if f.Severity.Rank() > o.Severity.Rank() {
				*o = f
			}
			return
		}
	}
	sc.out = append(sc.out, f)
}

// textUnit is one string of a definition and the role it plays.
type textUnit struct {
	path string
	text string
	role role
}

type role uint8

const (
	roleName       role = iota // the tool's own name
	roleProse                  // a description or title: text for the model
	roleKey                    // a property name in the schema
	roleValue                  // a default, enum, example or const value
	roleConstraint             // pattern, format and the like
	roleOther                  // any other string in the schema
)

func (sc *scan) tool(ctx context.Context, t *Tool) error {
	units := []textUnit{{path: "/name", text: t.Name, role: roleName}}
	if t.Title != "" {
		units = append(units, textUnit{path: "/title", text: t.Title, role: roleProse})
	}
	if t.Description != "" {
		units = append(units, textUnit{path: "/description", text: t.Description, role: roleProse})
	}
	if at, ok := t.Annotations["title"].(string); ok && at != "" {
		units = append(units, textUnit{path: "/annotations/title", text: at, role: roleProse})
	}
	total := len(t.Description) + len(t.Title) + len(t.Name)
	var err error
	units, total, err = schemaUnits(units, t.InputSchema, "/inputSchema", total)
	if err != nil {
		return fmt.Errorf("tool %q: %w", t.Name, err)
	}
	if units, total, err = outputUnits(units, t.OutputSchema, total); err != nil {
		return fmt.Errorf("tool %q: %w", t.Name, err)
	}
	if total > MaxSchemaLen {
		return fmt.Errorf("%w: tool %q has %d bytes of text (limit %d)", ErrTooLarge, t.Name, total, MaxSchemaLen)
	}
	ta := &toolAnalysis{name: t.Name, object: ObjectTool, desc: t.Description}
	for _, u := range units {
		if len(u.text) > MaxTextBytes {
			return fmt.Errorf("%w: tool %q: the string at %s is %d bytes (limit %d)", ErrTooLarge, t.Name, u.path, len(u.text), MaxTextBytes)
		}
		if err := sc.text(ctx, ta, u); err != nil {
			return err
		}
	}
	ip := readInputParams(t.InputSchema)
	sc.schemaAbuse(ta, ip)
	sc.typosquat(t.Name, ObjectTool, t.Description)
	sc.confusedDeputy(ta, t, ip)
	sc.schemaIntents(ta, t, ip)
	return nil
}

func (sc *scan) prompt(ctx context.Context, p *Prompt) error {
	ta := &toolAnalysis{name: p.Name, object: ObjectPrompt, desc: p.Description}
	units := []textUnit{{path: "/name", text: p.Name, role: roleName}, {path: "/title", text: p.Title, role: roleProse},
		{path: "/description", text: p.Description, role: roleProse}}
	for i, a := range p.Arguments {
		base := fmt.Sprintf("/arguments/%d", i)
		units = append(units, textUnit{path: base + "/name", text: a.Name, role: roleKey},
			textUnit{path: base + "/title", text: a.Title, role: roleProse},
			textUnit{path: base + "/description", text: a.Description, role: roleProse})
	}
	for _, u := range units {
		if u.text == "" {
			continue
		}
		if len(u.text) > MaxTextBytes {
			return fmt.Errorf("%w: prompt %q: the string at %s is %d bytes", ErrTooLarge, p.Name, u.path, len(u.text))
		}
		if err := sc.text(ctx, ta, u); err != nil {
			return err
		}
	}
	sc.promptArguments(ta, p)
	return nil
}

// promptArguments judges a prompt's arguments as the parameters they are
// (an argument that asks for the customer's banking password is a
// parameter that asks for it), reporting them at their own paths.
func (sc *scan) promptArguments(ta *toolAnalysis, p *Prompt) {
	if len(p.Arguments) == 0 {
		return
	}
	props := map[string]any{}
	index := map[string]int{}
	for i, a := range p.Arguments {
		props[a.Name] = map[string]any{"type": "string", "description": strings.TrimSpace(a.Title + " " + a.Description)}
		index[jsonpointer.Escape(a.Name)] = i
		// The argument's text was read at its own path; the parameter
		// judgements look for it under the schema's.
		if sg := ta.params[fmt.Sprintf("/arguments/%d", i)]; sg != nil {
			ta.params["/inputSchema/properties/"+jsonpointer.Escape(a.Name)] = sg
		}
	}
	t := &Tool{Name: p.Name, Description: p.Description, InputSchema: map[string]any{"type": "object", "properties": props}}
	from := len(sc.out)
	ip := readInputParams(t.InputSchema)
	sc.schemaAbuse(ta, ip)
	sc.schemaIntents(ta, t, ip)
	const pre = "/inputSchema/properties/"
	for i := from; i < len(sc.out); i++ {
		f := &sc.out[i]
		if !strings.HasPrefix(f.Path, pre) {
			continue
		}
		name, rest, _ := strings.Cut(f.Path[len(pre):], "/")
		if n, ok := index[name]; ok {
			f.Path = fmt.Sprintf("/arguments/%d", n)
			if rest != "" {
				f.Path += "/" + rest
			}
		}
	}
}

// instructions reads the server's own instructions to the model. Telling
// the model how to use the server's tools is their purpose; hiding
// things, overriding other instructions, reaching for secrets, sending
// data away or steering other servers' tools is not.
func (sc *scan) instructions(ctx context.Context) error {
	if sc.in.Instructions == "" {
		return nil
	}
	if len(sc.in.Instructions) > MaxTextBytes {
		return fmt.Errorf("%w: the server's instructions are %d bytes", ErrTooLarge, len(sc.in.Instructions))
	}
	ta := &toolAnalysis{object: ObjectServer}
	return sc.text(ctx, ta, textUnit{path: "/instructions", text: sc.in.Instructions, role: roleProse})
}

func (sc *scan) resource(ctx context.Context, r *Resource) error {
	ta := &toolAnalysis{name: r.Name, object: ObjectResource, desc: r.Description}
	units := []textUnit{{path: "/name", text: r.Name, role: roleName}, {path: "/title", text: r.Title, role: roleProse},
		{path: "/description", text: r.Description, role: roleProse}, {path: "/uri", text: r.URI, role: roleConstraint},
		{path: "/uriTemplate", text: r.URITemplate, role: roleConstraint}}
	for _, u := range units {
		if u.text == "" {
			continue
		}
		if len(u.text) > MaxTextBytes {
			return fmt.Errorf("%w: resource %q: the string at %s is %d bytes", ErrTooLarge, r.Name, u.path, len(u.text))
		}
		if err := sc.text(ctx, ta, u); err != nil {
			return err
		}
	}
	return nil
}

// schemaUnits collects every string of a JSON Schema value with its
// pointer and role: property names, descriptions and titles, defaults,
// enums, examples and consts, and anything else.
// outputUnits are the strings of an output schema that speak to the
// model: descriptions, titles and example values. Its property names are
// what the tool returns (a key vault's tool returns "api_key"), not
// parameters the model is asked to fill, so they are not scanned as such.
func outputUnits(units []textUnit, v any, total int) ([]textUnit, int, error) {
	if v == nil {
		return units, total, nil
	}
	n := len(units)
	units, total, err := schemaUnits(units, v, "/outputSchema", total)
	if err != nil {
		return units, total, err
	}
	kept := units[:n]
	for _, u := range units[n:] {
		if u.role == roleProse || u.role == roleValue {
			kept = append(kept, u)
		}
	}
	return kept, total, nil
}

func schemaUnits(units []textUnit, v any, path string, total int) ([]textUnit, int, error) {
	var walk func(v any, path string, r role, depth int) error
	walk = func(v any, path string, r role, depth int) error {
		if depth > maxDepth {
			return fmt.Errorf("%w: schema nested deeper than %d at %s", ErrTooLarge, maxDepth, path)
		}
		switch x := v.(type) {
		case string:
			total += len(x)
			units = append(units, textUnit{path: path, text: x, role: r})
		case []any:
			for i, e := range x {
				if err := walk(e, fmt.Sprintf("%s/%d", path, i), r, depth+1); err != nil {
					return err
				}
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				p := path + "/" + jsonpointer.Escape(k)
				switch k {
				case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
					// Member names here are parameter names the model sees.
					if m, ok := x[k].(map[string]any); ok {
						names := make([]string, 0, len(m))
						for name := range m {
							names = append(names, name)
						}
						slices.Sort(names)
						for _, name := range names {
							np := p + "/" + jsonpointer.Escape(name)
							total += len(name)
							units = append(units, textUnit{path: np, text: name, role: roleKey})
							if err := walk(m[name], np, roleOther, depth+1); err != nil {
								return err
							}
						}
						continue
					}
				}
				cr := roleOther
				switch k {
				case "description", "title", "$comment", "markdownDescription", "x-description":
					cr = roleProse
				case "default", "enum", "examples", "example", "const":
					cr = roleValue
				case "pattern", "format", "type", "$ref", "$schema", "$id", "contentEncoding", "contentMediaType":
					cr = roleConstraint
				case "required":
					cr = roleKey
				}
				if r == roleValue {
					cr = roleValue
				}
				if err := walk(x[k], p, cr, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := walk(v, path, roleOther, 0)
	return units, total, err
}

func sortFindings(fs []Finding) []Finding {
	if fs == nil {
		return []Finding{}
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := strings.Compare(a.Object, b.Object); c != 0 {
			return c
		}
		if c := strings.Compare(a.Tool, b.Tool); c != 0 {
			return c
		}
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Type, b.Type)
	})
	return fs
}

// Flagged reports whether any finding is at or above sev.
func Flagged(fs []Finding, sev detect.Severity) bool {
	for _, f := range fs {
		if f.Severity.Rank() >= sev.Rank() {
			return true
		}
	}
	return false
}

// Score summarises findings in [0,1] by their highest severity.
func Score(fs []Finding) float64 {
	best := 0
	for _, f := range fs {
		best = max(best, f.Severity.Rank())
	}
	return [...]float64{0, 0.2, 0.5, 0.8, 1}[best]
}

// DecodeTool decodes one tool definition, keeping numbers exact.
func DecodeTool(b []byte) (Tool, error) {
	var t Tool
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&t); err != nil {
		return Tool{}, err
	}
	return t, nil
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
