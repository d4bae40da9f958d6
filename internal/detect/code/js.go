package code

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"
)

// JavaScript is parsed by goja's parser, which reads scripts (ES2022 and
// most later syntax) but not modules, JSX or TypeScript. Such code is
// first lowered by esbuild's transform API to plain JavaScript — types
// erased, JSX turned into calls, enums and decorators compiled — keeping
// the module syntax, which we then blank out in esbuild's normalised output
// (the same number of bytes, so positions hold) after recording what each
// import binds. The program is wrapped in an async arrow function so that
// top-level await parses. Spans found in the lowered code are mapped back
// to the original text through esbuild's source map (see sourcemap.go):
// exact where esbuild copied the text through, otherwise to the end of
// the original line.

// jsProgram is parsed JavaScript with the way back to the original text.
type jsProgram struct {
	prog   *ast.Program
	prefix int        // bytes of wrapper before the generated code
	sm     *sourceMap // nil: positions are already the original's
	// imports maps a local name to what an import statement bound.
	imports map[string]jsBinding
}

// jsBinding is a name bound to a module or one of its members.
type jsBinding struct {
	module, member string
}

const jsWrapPrefix = "(async () => {"

func parseGoja(src string) (prog *ast.Program, err error) {
	defer func() {
		if p := recover(); p != nil {
			prog, err = nil, fmt.Errorf("parser failure: %v", p)
		}
	}()
	return parser.ParseFile(nil, "", src, 0, parser.WithDisableSourceMaps)
}

// parseJS parses JavaScript or TypeScript.
func parseJS(src string, ts bool) (*jsProgram, error) {
	// Invalid UTF-8 is a syntax error in JavaScript anyway; esbuild is
	// not hardened against it (it can loop), so each invalid byte is
	// replaced by one ASCII byte, which keeps every offset.
	src = validUTF8Bytes(src)
	var firstErr error
	if !ts {
		prog, err := parseGoja(src)
		if err == nil {
			return &jsProgram{prog: prog}, nil
		}
		firstErr = gojaErrorAt(src, err)
	}
	loaders := []api.Loader{api.LoaderJS, api.LoaderJSX}
	if ts {
		loaders = []api.Loader{api.LoaderTS, api.LoaderTSX}
	}
	for _, loader := range loaders {
		p, err := lowerJS(src, loader)
		if err == nil {
			return p, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// lowerJS transforms src with esbuild and parses the result.
func lowerJS(src string, loader api.Loader) (p *jsProgram, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("transform failure: %v", r)
		}
	}()
	res := api.Transform(src, api.TransformOptions{
		Loader:         loader,
		Target:         api.ESNext,
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentExclude,
		Charset:        api.CharsetUTF8,
		LogLevel:       api.LogLevelSilent,
		TsconfigRaw:    `{"compilerOptions":{"experimentalDecorators":true}}`,
	})
	if len(res.Errors) > 0 {
		m := res.Errors[0]
		off := -1
		if m.Location != nil {
			off = lineColOffset(src, m.Location.Line, m.Location.Column)
		}
		return nil, &offsetError{off: off, msg: m.Text}
	}
	gen := string(res.Code)
	sm, err := parseSourceMap(res.Map, gen, src)
	if err != nil {
		return nil, err
	}
	body, imports := blankModuleSyntax(gen)
	prog, err := parseGoja(jsWrapPrefix + body + "\n})();")
	if err != nil {
		// The position is in esbuild's output, not in src.
		return nil, &offsetError{off: -1, msg: firstLine(err.Error())}
	}
	return &jsProgram{prog: prog, prefix: len(jsWrapPrefix), sm: sm, imports: imports}, nil
}

// validUTF8Bytes replaces each byte of invalid UTF-8 with '_'.
func validUTF8Bytes(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := []byte(s)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			b[i] = '_'
		}
		i += n
	}
	return string(b)
}

func gojaErrorAt(src string, err error) error {
	if el, ok := err.(parser.ErrorList); ok && len(el) > 0 {
		return &offsetError{off: lineColOffset(src, el[0].Position.Line, el[0].Position.Column-1), msg: el[0].Message}
	}
	return err
}

var (
	importStmt = regexp.MustCompile(`(?s)^import\s*(.*?)\s*(?:from\s*)?"([^"]*)";`)
	importName = regexp.MustCompile(`^[\w$]+$`)
)

// blankModuleSyntax replaces import and export syntax in esbuild output
// with spaces (or "void" for export default), keeping every other byte
// where it was, and returns what the imports bind.
func blankModuleSyntax(gen string) (string, map[string]jsBinding) {
	b := []byte(gen)
	imports := map[string]jsBinding{}
	blank := func(s, e int) {
		for i := s; i < e && i < len(b); i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	for start := 0; start < len(gen); {
		end := strings.IndexByte(gen[start:], '\n')
		if end < 0 {
			end = len(gen)
		} else {
			end += start
		}
		line := gen[start:end]
		switch {
		case strings.HasPrefix(line, "import ") || strings.HasPrefix(line, "import{"):
			if m := importStmt.FindStringSubmatchIndex(gen[start:]); m != nil {
				clause, mod := gen[start+m[2]:start+m[3]], normaliseJSModule(gen[start+m[4]:start+m[5]])
				bindImports(clause, mod, imports)
				blank(start, start+m[1])
				end = start + m[1]
			}
		case strings.HasPrefix(line, "export default "):
			copy(b[start:], "void           ")
		case strings.HasPrefix(line, "export {") || strings.HasPrefix(line, "export *"):
			if i := strings.Index(gen[start:], ";"); i >= 0 {
				blank(start, start+i+1)
				end = start + i + 1
			}
		case strings.HasPrefix(line, "export "):
			blank(start, start+len("export "))
		}
		start = end + 1
	}
	out := strings.ReplaceAll(string(b), "import.meta", "_mport_meta")
	return out, imports
}

// bindImports records the names an import clause binds.
func bindImports(clause, mod string, out map[string]jsBinding) {
	clause = strings.TrimSpace(clause)
	if clause == "" {
		return
	}
	if i := strings.IndexByte(clause, '{'); i >= 0 {
		j := strings.LastIndexByte(clause, '}')
		if j > i {
			for _, item := range strings.Split(clause[i+1:j], ",") {
				f := strings.Fields(item)
				switch {
				case len(f) == 1:
					out[f[0]] = jsBinding{module: mod, member: f[0]}
				case len(f) == 3 && f[1] == "as":
					member := strings.Trim(f[0], `"`)
					if member == "default" {
						member = ""
					}
					out[f[2]] = jsBinding{module: mod, member: member}
				}
			}
		}
		clause = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(clause[:i]), ","))
	}
	if strings.HasPrefix(clause, "* as ") {
		out[strings.TrimSpace(clause[len("* as "):])] = jsBinding{module: mod}
		return
	}
	for _, name := range strings.Split(clause, ",") {
		name = strings.TrimSpace(name)
		if importName.MatchString(name) {
			out[name] = jsBinding{module: mod}
		}
	}
}

func normaliseJSModule(m string) string {
	m = strings.TrimPrefix(m, "node:")
	switch m {
	case "fs/promises", "fs-extra", "graceful-fs":
		return "fs"
	case "cross-spawn":
		return "child_process"
	}
	return m
}

// jsFacts are what is known about the value of an expression.
type jsFacts struct {
	valueFacts
	function bool
	binding  jsBinding // a module or module member
	litNode  *ast.StringLiteral
}

func (f *jsFacts) merge(g jsFacts) {
	f.valueFacts.merge(g.valueFacts)
	f.litNode = nil
}

func (f *jsFacts) template() string {
	if f.constant {
		return strings.Join(f.lits, "")
	}
	return strings.Join(f.lits, placeholderVar)
}

type jsAnalysis struct {
	r           *report
	src         string
	depth       int
	p           *jsProgram
	base        int // offset of the current chunk in src
	vars        map[string]jsFacts
	pathChecked bool
	secretReads [][2]int
	netSends    [][2]int
	sockets     [][2]int
	shellSpawns [][2]int
	pipes       bool
}

func analyzeJS(r *report, src string, ts bool, depth int) {
	lang := JavaScript
	if ts {
		lang = TypeScript
	}
	a := &jsAnalysis{r: r, src: src, depth: depth, vars: map[string]jsFacts{}}
	a.pathChecked = jsPathCheck.MatchString(src)
	for _, ch := range jsChunks(src) {
		text := src[ch[0]:ch[1]]
		p, err := parseJS(text, ts)
		if err != nil {
			r.sub(ch[0], text, func(cr *report) { lexicalFallback(cr, lang, text, err) })
			continue
		}
		a.p, a.base = p, ch[0]
		for name, b := range p.imports {
			a.vars[name] = jsFacts{binding: b}
		}
		jsWalk(reflect.ValueOf(p.prog), a.visit)
	}
	a.finish()
}

// jsChunkBytes bounds the text handed to esbuild and goja at once. Some
// of esbuild's error paths (a redeclared name is reported with a note
// pointing back at the first declaration) cost time proportional to the
// distance between the two, so a long file of errors would cost time
// quadratic in its length; read in chunks cut at top-level lines, the
// cost stays linear. Files below the bound are read whole.
const jsChunkBytes = 32 << 10

// jsChunks cuts src into chunks of about jsChunkBytes at lines that start
// a top-level statement.
func jsChunks(src string) [][2]int {
	if len(src) <= jsChunkBytes {
		return [][2]int{{0, len(src)}}
	}
	var out [][2]int
	start := 0
	for i := 0; i < len(src); {
		j := strings.IndexByte(src[i:], '\n')
		if j < 0 {
			break
		}
		next := i + j + 1
		if next-start >= jsChunkBytes && next < len(src) && (topLevelLine(src[next:]) || next-start >= 2*jsChunkBytes) {
			out = append(out, [2]int{start, next})
			start = next
		}
		i = next
	}
	return append(out, [2]int{start, len(src)})
}

// topLevelLine reports whether a line looks like the start of a top-level
// statement: not indented, not a continuation.
func topLevelLine(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case ' ', '\t', '\n', '\r', '}', ')', ']', '.', ',', '+', '-', '*', '?', ':', '`', '\'', '"', '|', '&', '<', '>', '=':
		return false
	}
	return true
}

var jsPathCheck = regexp.MustCompile(`\.startsWith\(|path\.relative\(|\bALLOWED|[aA]llow[lL]ist|[wW]hitelist|\.has\(\w+\)|\.includes\(\w+\)`)

// jsWalk visits every node of the tree, parents first. The tree's types
// have no walker, so reflection finds the children; DeclarationList
// duplicates hoisted declarations and is skipped.
func jsWalk(v reflect.Value, visit func(ast.Node) bool) {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		jsWalk(v.Elem(), visit)
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if n, ok := v.Interface().(ast.Node); ok {
			if !visit(n) {
				return
			}
		}
		jsWalk(v.Elem(), visit)
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			if f.Name == "DeclarationList" || !f.IsExported() {
				continue
			}
			switch f.Type.Kind() {
			case reflect.Interface, reflect.Pointer, reflect.Slice:
				jsWalk(v.Field(i), visit)
			case reflect.Struct:
				if f.Anonymous {
					jsWalk(v.Field(i), visit)
				}
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			jsWalk(v.Index(i), visit)
		}
	}
}

// span maps a node to the original text.
func (a *jsAnalysis) span(n ast.Node) (int, int) {
	s, e := int(n.Idx0())-1-a.p.prefix, int(n.Idx1())-1-a.p.prefix
	if a.p.sm != nil {
		s, e = a.p.sm.span(s, e)
	}
	return a.base + s, a.base + e
}

func (a *jsAnalysis) add(typ string, sev detect.Severity, n ast.Node, detail string) {
	s, e := a.span(n)
	a.r.add(typ, sev, s, e, detail)
}

// embed analyses a constant string as code of lang.
func (a *jsAnalysis) embed(lang Language, f jsFacts, n ast.Node, via string) {
	s, e := a.span(n)
	exact := -1
	if f.litNode != nil && a.p.sm == nil && !strings.Contains(f.litNode.Literal, `\`) {
		exact = a.base + int(f.litNode.Idx) - 1 + 1
	}
	a.r.embed(lang, f.value, s, e, exact, a.depth, via)
}

// calleeName resolves a callee to module.member form where it can.
func (a *jsAnalysis) calleeName(e ast.Expression) string {
	switch x := e.(type) {
	case *ast.Identifier:
		name := string(x.Name)
		if v, ok := a.vars[name]; ok && v.binding.module != "" {
			if v.binding.member != "" {
				return v.binding.module + "." + v.binding.member
			}
			return v.binding.module
		}
		return name
	case *ast.DotExpression:
		left := a.calleeName(x.Left)
		name := string(x.Identifier.Name)
		if name == "default" && !strings.Contains(left, ".") {
			return left
		}
		return left + "." + name
	case *ast.BracketExpression:
		if s, ok := x.Member.(*ast.StringLiteral); ok {
			return a.calleeName(x.Left) + "." + string(s.Value)
		}
		return a.calleeName(x.Left) + ".?"
	case *ast.SequenceExpression:
		if len(x.Sequence) > 0 {
			return a.calleeName(x.Sequence[len(x.Sequence)-1])
		}
	case *ast.CallExpression:
		if id, ok := x.Callee.(*ast.Identifier); ok && id.Name == "require" && len(x.ArgumentList) == 1 {
			if s, ok := x.ArgumentList[0].(*ast.StringLiteral); ok {
				return normaliseJSModule(string(s.Value))
			}
		}
		if id, ok := x.Callee.(*ast.Identifier); ok && id.Name == "__toESM" && len(x.ArgumentList) > 0 {
			return a.calleeName(x.ArgumentList[0])
		}
		return a.calleeName(x.Callee) + "()"
	case *ast.NewExpression:
		return "new " + a.calleeName(x.Callee) + "()"
	case *ast.OptionalChain:
		return a.calleeName(x.Expression)
	case *ast.Optional:
		return a.calleeName(x.Expression)
	case nil:
	}
	return "?"
}

// memberChain renders a member expression as dotted names, "?" for
// anything else.
func memberChain(e ast.Expression) string {
	switch x := e.(type) {
	case *ast.Identifier:
		return string(x.Name)
	case *ast.DotExpression:
		return memberChain(x.Left) + "." + string(x.Identifier.Name)
	case *ast.BracketExpression:
		if s, ok := x.Member.(*ast.StringLiteral); ok {
			return memberChain(x.Left) + "." + string(s.Value)
		}
		return memberChain(x.Left) + ".[]"
	case *ast.CallExpression:
		return memberChain(x.Callee) + "()"
	case *ast.OptionalChain:
		return memberChain(x.Expression)
	case *ast.Optional:
		return memberChain(x.Expression)
	}
	return "?"
}

// jsTaint reports whether a member chain reads request or page input.
func jsTaint(chain string) bool {
	parts := strings.Split(chain, ".")
	root := parts[0]
	has := func(names ...string) bool {
		for _, p := range parts[1:] {
			for _, n := range names {
				if p == n {
					return true
				}
			}
		}
		return false
	}
	switch {
	case root == "req" || root == "request" || strings.HasSuffix(root, "Req") || root == "ctx" || root == "context":
		return has("query", "params", "body", "headers", "cookies", "url", "originalUrl", "path", "files", "file", "hostname", "signedCookies")
	case root == "process":
		return has("argv")
	case root == "location" || root == "window" && has("location", "name") || root == "document" && has("URL", "documentURI", "referrer", "cookie", "location", "baseURI"):
		return true
	case root == "event" || root == "e" || root == "evt" || root == "msg":
		return has("data")
	}
	return false
}

var jsSanitizers = map[string]bool{
	"DOMPurify.sanitize": true, "sanitize": true, "sanitizeHtml": true, "escape": true, "escapeHtml": true, "encodeURIComponent": true,
	"encodeURI": true, "validator.escape": true, "he.encode": true, "xss": true, "path.basename": true, "basename": true, "parseInt": true,
	"Number": true, "parseFloat": true, "mysql.escape": true, "pg.escapeLiteral": true, "escapeLiteral": true, "escapeIdentifier": true,
	"SqlString.escape": true, "Boolean": true,
}

// eval computes the facts of an expression.
func (a *jsAnalysis) eval(e ast.Expression) jsFacts {
	f := jsFacts{}
	if !a.r.step() {
		return f
	}
	switch x := e.(type) {
	case nil:
		return jsFacts{valueFacts: valueFacts{constant: true}}
	case *ast.StringLiteral:
		v := string(x.Value)
		return jsFacts{valueFacts: valueFacts{constant: true, hasStr: true, value: v, lits: []string{v}, sensitive: sensitivePath(v)}, litNode: x}
	case *ast.NumberLiteral, *ast.BooleanLiteral, *ast.NullLiteral, *ast.RegExpLiteral:
		return jsFacts{valueFacts: valueFacts{constant: true}}
	case *ast.TemplateLiteral:
		if x.Tag != nil {
			// Tagged templates (sql`…`, Prisma.sql`…`) hand the values to
			// the tag separately: parameterised.
			f.sanitized = true
			for _, ex := range x.Expressions {
				g := a.eval(ex)
				f.tainted = f.tainted || g.tainted
			}
			return f
		}
		f = jsFacts{valueFacts: valueFacts{constant: true, hasStr: true}}
		var b strings.Builder
		for i, el := range x.Elements {
			b.WriteString(string(el.Parsed))
			f.lits = append(f.lits, string(el.Parsed))
			if i < len(x.Expressions) {
				g := a.eval(x.Expressions[i])
				if g.constant {
					b.WriteString(g.value)
				} else {
					b.WriteString(placeholderVar)
				}
				g.lits = nil
				f.merge(g)
			}
		}
		f.value = b.String()
		f.sensitive = f.sensitive || sensitivePath(f.value)
		if !f.constant && !f.sanitized {
			f.built = true
		}
		if !f.constant {
			// Rebuild the literal parts as one template for the shell.
			f.lits = []string{strings.ReplaceAll(f.value, placeholderVar, "\x00")}
			f.lits = strings.Split(f.lits[0], "\x00")
		}
		return f
	case *ast.BinaryExpression:
		l, r := a.eval(x.Left), a.eval(x.Right)
		f = l
		f.merge(r)
		if x.Operator.String() == "+" {
			f.value = l.value + r.value
			if f.hasStr && !f.constant && (!l.constant && !l.sanitized || !r.constant && !r.sanitized) {
				f.built = true
			}
			if l.hasStr && r.hasStr && !l.constant != !r.constant {
				f.built = f.built || !(l.sanitized || r.sanitized)
			}
		}
		return f
	case *ast.ConditionalExpression:
		f = a.eval(x.Consequent)
		f.merge(a.eval(x.Alternate))
		return f
	case *ast.AwaitExpression:
		return a.eval(x.Argument)
	case *ast.UnaryExpression:
		g := a.eval(x.Operand)
		g.litNode = nil
		return g
	case *ast.SequenceExpression:
		if len(x.Sequence) > 0 {
			return a.eval(x.Sequence[len(x.Sequence)-1])
		}
	case *ast.ArrayLiteral:
		f.constant = true
		for _, el := range x.Value {
			f.merge(a.eval(el))
		}
		return f
	case *ast.ObjectLiteral:
		f.constant = true
		for _, p := range x.Value {
			switch p := p.(type) {
			case *ast.PropertyKeyed:
				f.merge(a.eval(p.Value))
			case *ast.PropertyShort:
				f.merge(a.eval(&p.Name))
			case *ast.SpreadElement:
				f.merge(a.eval(p.Expression))
			}
		}
		return f
	case *ast.FunctionLiteral, *ast.ArrowFunctionLiteral, *ast.ClassLiteral:
		return jsFacts{function: true}
	case *ast.Identifier:
		name := string(x.Name)
		if v, ok := a.vars[name]; ok {
			v.litNode = nil
			return v
		}
		switch name {
		case "undefined", "NaN", "Infinity":
			return jsFacts{valueFacts: valueFacts{constant: true}}
		case "__dirname", "__filename":
			return jsFacts{}
		}
		if isUpperConst(name) {
			return jsFacts{valueFacts: valueFacts{constant: true}}
		}
		return f
	case *ast.DotExpression, *ast.BracketExpression:
		chain := memberChain(x)
		if jsTaint(chain) {
			f.tainted = true
			return f
		}
		switch {
		case chain == "process.env":
			f.envDump = true
			return f
		case chain == "process.env.HOME" || chain == "process.env.USERPROFILE":
			f.home, f.value, f.constant = true, "~", true
			return f
		}
		root := strings.SplitN(chain, ".", 2)[0]
		if v, ok := a.vars[root]; ok {
			v.constant, v.litNode = false, nil
			if v.binding.module != "" {
				v.binding.member = chain[len(root):]
			}
			return v
		}
		return f
	case *ast.CallExpression:
		return a.callFacts(x.Callee, x.ArgumentList)
	case *ast.NewExpression:
		name := a.calleeName(x.Callee)
		g := a.callFacts(x.Callee, x.ArgumentList)
		if name == "URLSearchParams" || name == "URL" {
			g.constant = false
		}
		if name == "net.Socket" {
			g.socket = true
		}
		return g
	case *ast.OptionalChain:
		return a.eval(x.Expression)
	case *ast.Optional:
		return a.eval(x.Expression)
	case *ast.AssignExpression:
		return a.eval(x.Right)
	}
	return f
}

// callFacts computes the facts of a call's result.
func (a *jsAnalysis) callFacts(callee ast.Expression, args []ast.Expression) jsFacts {
	name := a.calleeName(callee)
	last := name[strings.LastIndexByte(name, '.')+1:]
	all := jsFacts{valueFacts: valueFacts{constant: true}}
	for _, x := range args {
		all.merge(a.eval(x))
	}
	f := jsFacts{}
	switch {
	case name == "require" && len(args) == 1:
		if s, ok := args[0].(*ast.StringLiteral); ok {
			f.binding = jsBinding{module: normaliseJSModule(string(s.Value))}
		}
		return f
	case jsSanitizers[name] || jsSanitizers[last] && last != "escape":
		// Escaped for HTML, SQL or a URL, the data is still the data.
		f.sanitized, f.envDump, f.sensitive = true, all.envDump, all.sensitive
		return f
	case last == "replace" || last == "replaceAll":
		if strings.Contains(strings.Join(all.lits, ""), "&lt;") {
			f.sanitized = true
			return f
		}
	case name == "fetch" || strings.HasPrefix(name, "axios") || name == "got" || last == "text" && all.constant && strings.Contains(memberChain(callee), "fetch"):
		f.fetched = true
		return f
	case name == "atob" || name == "Buffer.from" && strings.Contains(strings.Join(all.lits, ","), "base64") || name == "Buffer.from" && strings.Contains(strings.Join(all.lits, ","), "hex") || last == "toString" && strings.Contains(memberChain(callee), "Buffer.from"):
		f = all
		f.constant, f.decoded = false, all.decoded || name == "atob" || strings.Contains(strings.Join(all.lits, ","), "base64")
		if last == "toString" {
			if ce, ok := callee.(*ast.DotExpression); ok {
				g := a.eval(ce.Left)
				f.merge(g)
				f.constant = false
			}
		}
		return f
	case name == "os.homedir" || name == "homedir":
		return jsFacts{valueFacts: valueFacts{home: true, constant: true, value: "~"}}
	case name == "os.tmpdir" || name == "tmpdir" || strings.HasPrefix(name, "tmp."):
		return jsFacts{valueFacts: valueFacts{temp: true}}
	case name == "path.join" || name == "path.resolve" || name == "join" || name == "resolve" || name == "path.normalize":
		f = jsFacts{valueFacts: valueFacts{constant: true}}
		var parts []string
		for _, x := range args {
			g := a.eval(x)
			f.merge(g)
			parts = append(parts, g.value)
		}
		f.value = strings.Join(parts, "/")
		f.sensitive = f.sensitive || sensitivePath(f.value)
		return f
	case name == "JSON.stringify":
		f = all
		f.constant = false
		return f
	case (name == "fs.readFileSync" || name == "fs.readFile" || name == "readFileSync" || name == "readFile") && all.sensitive:
		return jsFacts{valueFacts: valueFacts{sensitive: true}}
	case last == "join" || last == "concat" || last == "format":
		f = all
		if ce, ok := callee.(*ast.DotExpression); ok {
			f.merge(a.eval(ce.Left))
		}
		f.constant = false
		f.built = f.hasStr || f.built
		return f
	case last == "get" || last == "getAll":
		if ce, ok := callee.(*ast.DotExpression); ok {
			g := a.eval(ce.Left)
			if g.tainted {
				return jsFacts{valueFacts: valueFacts{tainted: true}}
			}
		}
	case name == "URLSearchParams" || name == "URL":
		f = all
		f.constant = false
		return f
	case name == "net.connect" || name == "net.createConnection" || name == "tls.connect":
		return jsFacts{valueFacts: valueFacts{socket: true}}
	case name == "prompt" || name == "window.prompt":
		return jsFacts{valueFacts: valueFacts{tainted: true}}
	}
	f.tainted, f.sensitive, f.envDump, f.decoded, f.fetched = all.tainted, all.sensitive, all.envDump, all.decoded, all.fetched
	if ce, ok := callee.(*ast.DotExpression); ok {
		// A method of a tainted value (req.query.x.trim()) stays tainted.
		g := a.eval(ce.Left)
		f.tainted = f.tainted || g.tainted
		f.fetched = f.fetched || g.fetched
		f.decoded = f.decoded || g.decoded
	}
	return f
}

// visit is the walker's callback.
func (a *jsAnalysis) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.Binding:
		a.bind(n.Target, n.Initializer)
	case *ast.AssignExpression:
		a.assign(n)
		a.bind(n.Left, n.Right)
	case *ast.CallExpression:
		a.call(n, n.Callee, n.ArgumentList, false)
	case *ast.NewExpression:
		a.call(n, n.Callee, n.ArgumentList, true)
	case *ast.PropertyKeyed:
		a.property(n)
	case *ast.FunctionLiteral:
		a.params(n.ParameterList)
	case *ast.ArrowFunctionLiteral:
		a.params(n.ParameterList)
	}
	return true
}

func (a *jsAnalysis) params(pl *ast.ParameterList) {
	if pl == nil {
		return
	}
	for _, b := range pl.List {
		if id, ok := b.Target.(*ast.Identifier); ok {
			delete(a.vars, string(id.Name))
		}
	}
}

// bind records what a declaration or assignment binds.
func (a *jsAnalysis) bind(target ast.Expression, init ast.Expression) {
	if init == nil {
		return
	}
	switch t := target.(type) {
	case *ast.Identifier:
		a.vars[string(t.Name)] = a.eval(init)
	case *ast.ObjectPattern:
		src := a.eval(init)
		for _, p := range t.Properties {
			switch p := p.(type) {
			case *ast.PropertyShort:
				g := src
				if src.binding.module != "" {
					g.binding.member = string(p.Name.Name)
				}
				a.vars[string(p.Name.Name)] = g
			case *ast.PropertyKeyed:
				key := ""
				if id, ok := p.Key.(*ast.StringLiteral); ok {
					key = string(id.Value)
				} else if id, ok := p.Key.(*ast.Identifier); ok {
					key = string(id.Name)
				}
				if id, ok := p.Value.(*ast.Identifier); ok {
					g := src
					if src.binding.module != "" {
						g.binding.member = key
					}
					a.vars[string(id.Name)] = g
				}
			}
		}
	case *ast.ArrayPattern:
		src := a.eval(init)
		for _, el := range t.Elements {
			if id, ok := el.(*ast.Identifier); ok {
				a.vars[string(id.Name)] = src
			}
		}
	}
}

// assign judges assignments: innerHTML, the TLS environment switch.
func (a *jsAnalysis) assign(n *ast.AssignExpression) {
	chain := memberChain(n.Left)
	prop := chain[strings.LastIndexByte(chain, '.')+1:]
	switch prop {
	case "innerHTML", "outerHTML":
		if f := a.eval(n.Right); !f.constant && !f.sanitized {
			a.add(XSSSink, detect.High, n, prop+" is set to non-constant HTML")
		}
	case "NODE_TLS_REJECT_UNAUTHORIZED":
		f := a.eval(n.Right)
		if f.value == "0" || isZero(n.Right) {
			a.add(TLSVerifyDisabled, detect.High, n, "NODE_TLS_REJECT_UNAUTHORIZED=0 switches TLS certificate verification off for the process")
		}
	}
}

// propKey is the name of an object literal key.
func propKey(e ast.Expression) string {
	switch k := e.(type) {
	case *ast.StringLiteral:
		return string(k.Value)
	case *ast.Identifier:
		return string(k.Name)
	}
	return ""
}

func isZero(e ast.Expression) bool {
	switch x := e.(type) {
	case *ast.NumberLiteral:
		return x.Literal == "0"
	case *ast.StringLiteral:
		return x.Value == "0"
	}
	return false
}

// property judges object literal properties.
func (a *jsAnalysis) property(p *ast.PropertyKeyed) {
	key := propKey(p.Key)
	switch key {
	case "rejectUnauthorized", "strictSSL":
		if b, ok := p.Value.(*ast.BooleanLiteral); ok && !b.Value || isZero(p.Value) {
			a.add(TLSVerifyDisabled, detect.High, p, key+": false switches TLS certificate verification off")
		}
	case "checkServerIdentity":
		if fn, ok := p.Value.(*ast.ArrowFunctionLiteral); ok && fn != nil {
			a.add(TLSVerifyDisabled, detect.Medium, p, "checkServerIdentity is overridden")
		}
	case "dangerouslySetInnerHTML":
		if ol, ok := p.Value.(*ast.ObjectLiteral); ok {
			for _, q := range ol.Value {
				if kv, ok := q.(*ast.PropertyKeyed); ok {
					if f := a.eval(kv.Value); !f.constant && !f.sanitized {
						a.add(XSSSink, detect.High, p, "dangerouslySetInnerHTML renders non-constant HTML")
					}
				}
			}
		}
	}
}

// jsSQLMethods are the query methods of the usual database clients.
var jsSQLMethods = map[string]bool{
	"query": true, "execute": true, "raw": true, "run": true, "all": true, "get": true, "exec": true, "prepare": true,
	"$queryRawUnsafe": true, "$executeRawUnsafe": true, "whereRaw": true, "any": true, "one": true, "none": true, "many": true,
	"oneOrNone": true, "manyOrNone": true, "unsafe": true,
}

// call judges a call or a new expression.
func (a *jsAnalysis) call(n ast.Node, callee ast.Expression, args []ast.Expression, isNew bool) {
	name := a.calleeName(callee)
	last := name[strings.LastIndexByte(name, '.')+1:]
	arg := func(i int) (jsFacts, ast.Expression, bool) {
		if i < len(args) {
			return a.eval(args[i]), args[i], true
		}
		return jsFacts{}, nil, false
	}
	switch name {
	case "child_process.exec", "child_process.execSync":
		if f, x, ok := arg(0); ok {
			a.shellString(n, f, x, name)
		}
		return
	case "child_process.spawn", "child_process.spawnSync", "child_process.execFile", "child_process.execFileSync", "child_process", "child_process.sync", "child_process.fork":
		a.spawn(n, args)
		return
	case "eval", "window.eval", "globalThis.eval", "Function", "window.Function":
		a.dynamic(n, args, name)
		return
	case "setTimeout", "setInterval", "setImmediate", "window.setTimeout", "window.setInterval":
		if f, x, ok := arg(0); ok && f.hasStr {
			if f.constant {
				a.embed(JavaScript, f, x, name)
			} else {
				a.add(DynamicEval, detect.High, n, name+" is given a string of code built at run time")
			}
		}
		return
	case "vm.runInThisContext", "vm.runInNewContext", "vm.runInContext", "vm.compileFunction", "vm.Script", "vm.SourceTextModule":
		if f, _, ok := arg(0); ok && !f.constant {
			a.add(DynamicEval, detect.High, n, name+" runs code that is not a literal")
		}
		return
	case "require":
		if f, _, ok := arg(0); ok && !f.constant {
			sev := detect.Medium
			if f.tainted {
				sev = detect.High
			}
			a.add(DynamicEval, sev, n, "require loads a module named at run time")
		}
		return
	case "document.write", "document.writeln":
		if f, _, ok := arg(0); ok && !f.constant && !f.sanitized {
			a.add(XSSSink, detect.High, n, name+" writes non-constant HTML")
		}
		return
	case "node-serialize.unserialize", "funcster.deepDeserialize", "serialize-to-js.deserialize", "cryo.parse":
		a.add(UnsafeDeserialization, detect.High, n, name+" can run code from the data it loads")
		return
	case "fs.rmSync", "fs.rm", "fs.rmdirSync", "fs.rmdir", "rimraf", "rimraf.sync", "fs.remove", "fs.removeSync", "fs.emptyDir", "fs.emptyDirSync", "del", "deleteAsync":
		if f, _, ok := arg(0); ok {
			switch {
			case f.constant && criticalPath(f.value) || f.home && (f.value == "~" || criticalPath(f.value)):
				a.add(DestructiveFileOperation, detect.Critical, n, name+" deletes "+displayPath(normalisePath(f.value)))
			case f.tainted && !f.sanitized && !a.pathChecked:
				a.add(DestructiveFileOperation, detect.High, n, name+" deletes a path taken from user input")
			}
		}
		return
	case "fetch", "navigator.sendBeacon", "http.request", "https.request", "http.get", "https.get", "got", "request", "needle", "superagent.post":
		a.netCall(n, args)
		return
	case "net.connect", "net.createConnection", "tls.connect":
		a.sockets = append(a.sockets, a.spanPair(n))
		return
	}
	switch {
	case strings.HasPrefix(name, "axios"):
		a.netCall(n, args)
	case last == "unserialize" && (strings.Contains(name, "serialize") || strings.HasPrefix(name, "node-serialize")):
		a.add(UnsafeDeserialization, detect.High, n, "node-serialize's unserialize runs functions embedded in the data")
	case strings.HasPrefix(name, "fs.") && jsFileFuncs[last], jsFileFuncs[name], last == "sendFile" || last == "download":
		a.fileCall(n, name, last, args)
	case last == "insertAdjacentHTML":
		if f, _, ok := arg(1); ok && !f.constant && !f.sanitized {
			a.add(XSSSink, detect.High, n, "insertAdjacentHTML inserts non-constant HTML")
		}
	case last == "html" && (strings.HasPrefix(name, "$") || strings.HasPrefix(name, "jQuery")):
		if f, _, ok := arg(0); ok && !f.constant && !f.sanitized {
			a.add(XSSSink, detect.High, n, "jQuery .html() inserts non-constant HTML")
		}
	case (last == "send" || last == "write" || last == "end") && strings.HasPrefix(name, "res"):
		if f, _, ok := arg(0); ok && f.tainted && !f.sanitized && strings.Contains(strings.Join(f.lits, ""), "<") {
			a.add(XSSSink, detect.High, n, "HTML built from request input is sent in the response")
		}
	case last == "connect" && a.eval(calleeObject(callee)).socket:
		a.sockets = append(a.sockets, a.spanPair(n))
	case last == "pipe":
		a.pipes = true
	case jsSQLMethods[last] && !isNew:
		a.sqlCall(n, last, args)
	}
}

// jsFileFuncs are the fs functions whose first argument is a path.
var jsFileFuncs = map[string]bool{
	"readFile": true, "readFileSync": true, "createReadStream": true, "writeFile": true, "writeFileSync": true,
	"createWriteStream": true, "appendFile": true, "appendFileSync": true, "unlink": true, "unlinkSync": true,
	"open": true, "openSync": true, "readdir": true, "readdirSync": true,
}

func calleeObject(callee ast.Expression) ast.Expression {
	if d, ok := callee.(*ast.DotExpression); ok {
		return d.Left
	}
	return nil
}

func (a *jsAnalysis) spanPair(n ast.Node) [2]int {
	s, e := a.span(n)
	return [2]int{s, e}
}

// shellString judges a command string run through a shell.
func (a *jsAnalysis) shellString(n ast.Node, f jsFacts, x ast.Expression, via string) {
	switch {
	case f.fetched:
		a.add(DownloadAndExecute, detect.Critical, n, via+" runs text downloaded from the network")
	case f.decoded:
		a.add(DynamicEval, detect.Critical, n, via+" runs decoded (obfuscated) text")
	case f.constant && f.hasStr:
		a.embed(Bash, f, x, via)
	default:
		if f.hasStr {
			s, e := a.span(n)
			a.r.embed(Bash, f.template(), s, e, -1, a.depth, via)
		}
		detail := via + " runs a shell command built from non-constant text"
		if f.tainted {
			detail = via + " runs a shell command built from user input"
		}
		a.add(CommandInjection, detect.High, n, detail)
	}
}

// spawn judges spawn/execFile: a shell option, a shell with -c, or the
// vector as a command.
func (a *jsAnalysis) spawn(n ast.Node, args []ast.Expression) {
	if len(args) == 0 {
		return
	}
	prog := a.eval(args[0])
	var argv []ast.Expression
	var opts *ast.ObjectLiteral
	for _, x := range args[1:] {
		switch x := x.(type) {
		case *ast.ArrayLiteral:
			argv = x.Value
		case *ast.ObjectLiteral:
			opts = x
		}
	}
	shell := false
	if opts != nil {
		for _, p := range opts.Value {
			if kv, ok := p.(*ast.PropertyKeyed); ok {
				if propKey(kv.Key) == "shell" {
					if b, ok := kv.Value.(*ast.BooleanLiteral); !ok || b.Value {
						shell = true
					}
				}
			}
		}
	}
	if shell {
		a.shellString(n, prog, args[0], "spawn with shell")
		return
	}
	if !prog.constant {
		if prog.tainted {
			a.add(CommandInjection, detect.High, n, "runs a program named by user input")
		}
		return
	}
	facts := make([]jsFacts, len(argv))
	for i, x := range argv {
		facts[i] = a.eval(x)
	}
	if isShell(prog.value) {
		if len(argv) == 0 || len(argv) == 1 && facts[0].value == "-i" {
			a.shellSpawns = append(a.shellSpawns, a.spanPair(n))
		}
		for i := 0; i+1 < len(argv); i++ {
			if isShellFlag(facts[i].value) {
				a.shellString(n, facts[i+1], argv[i+1], prog.value+" "+facts[i].value)
				return
			}
		}
	}
	words := []string{shellQuote(prog.value)}
	for _, f := range facts {
		if f.constant {
			words = append(words, shellQuote(f.value))
		} else {
			words = append(words, placeholderVar)
		}
	}
	s, e := a.span(n)
	a.r.embed(Bash, strings.Join(words, " "), s, e, -1, a.depth, "spawn")
}

// dynamic judges eval and Function.
func (a *jsAnalysis) dynamic(n ast.Node, args []ast.Expression, name string) {
	all := jsFacts{valueFacts: valueFacts{constant: true}}
	for _, x := range args {
		all.merge(a.eval(x))
	}
	if len(args) == 1 {
		all.litNode = a.eval(args[0]).litNode
		all.value = a.eval(args[0]).value
	}
	switch {
	case len(args) == 0:
	case all.fetched:
		a.add(DownloadAndExecute, detect.Critical, n, name+" runs code downloaded from the network")
	case all.decoded:
		a.add(DynamicEval, detect.Critical, n, name+" runs decoded (obfuscated) code")
	case all.constant:
		if len(args) == 1 && all.hasStr {
			a.embed(JavaScript, all, args[0], name)
		}
	default:
		detail := name + " runs code that is not a literal"
		if all.tainted {
			detail = name + " runs code from user input"
		}
		a.add(DynamicEval, detect.High, n, detail)
	}
}

// netCall records a network request and judges its payload.
func (a *jsAnalysis) netCall(n ast.Node, args []ast.Expression) {
	a.netSends = append(a.netSends, a.spanPair(n))
	all := jsFacts{valueFacts: valueFacts{constant: true}}
	for _, x := range args {
		all.merge(a.eval(x))
	}
	if all.envDump {
		a.add(NetworkExfiltration, detect.Critical, n, "the process environment is sent over the network")
	}
}

// fileCall judges file APIs given a path.
func (a *jsAnalysis) fileCall(n ast.Node, name, last string, args []ast.Expression) {
	if len(args) == 0 {
		return
	}
	f := a.eval(args[0])
	if last == "sendFile" || last == "download" {
		for _, x := range args[1:] {
			if ol, ok := x.(*ast.ObjectLiteral); ok {
				for _, p := range ol.Value {
					if kv, ok := p.(*ast.PropertyKeyed); ok {
						if propKey(kv.Key) == "root" {
							return // express resolves and confines the path under root
						}
					}
				}
			}
		}
	}
	switch {
	case f.sensitive && (strings.Contains(last, "read") || strings.Contains(last, "Read") || last == "open" || last == "openSync"):
		a.secretReads = append(a.secretReads, a.spanPair(n))
		a.add(SensitiveFileAccess, detect.Medium, n, "reads a credential or account file")
	case f.tainted && !f.sanitized && !a.pathChecked:
		a.add(PathTraversal, detect.High, n, name+" uses a path built from user input")
	}
}

// sqlCall judges a query method.
func (a *jsAnalysis) sqlCall(n ast.Node, method string, args []ast.Expression) {
	if len(args) == 0 {
		return
	}
	x := args[0]
	if ol, ok := x.(*ast.ObjectLiteral); ok {
		for _, p := range ol.Value {
			if kv, ok := p.(*ast.PropertyKeyed); ok {
				if k := propKey(kv.Key); k == "text" || k == "sql" {
					x = kv.Value
				}
			}
		}
	}
	f := a.eval(x)
	switch {
	case f.built && looksSQL(f.lits) && !f.sanitized:
		detail := "SQL built by concatenation or interpolation is passed to " + method
		if f.tainted {
			detail = "SQL built from user input is passed to " + method
		}
		a.add(SQLStringConcat, detect.High, n, detail)
	case f.constant && f.hasStr && looksSQL(f.lits):
		a.embed(SQL, f, x, method)
	}
}

func (a *jsAnalysis) finish() {
	if len(a.sockets) > 0 && len(a.shellSpawns) > 0 && a.pipes {
		s, e := a.shellSpawns[0][0], a.sockets[len(a.sockets)-1][1]
		a.r.add(ReverseShell, detect.Critical, min(s, e), max(s, e), "a shell's streams are piped to a network socket")
	}
	if len(a.secretReads) > 0 && len(a.netSends) > 0 {
		for _, n := range a.netSends {
			a.r.add(NetworkExfiltration, detect.Critical, n[0], n[1], fmt.Sprintf("a credential or account file read at byte %d is sent over the network", a.secretReads[0][0]))
		}
	}
}
