package code

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
	"mvdan.cc/sh/v3/syntax"
)

// Python has no well-kept pure-Go parser, so it is analysed on the tokens
// of pyLex: statements are split at newlines and semicolons outside
// brackets, imports give the qualified names of calls (sp.run →
// subprocess.run), and assignments carry simple facts about values from
// one statement to the next (constant, built from non-constant parts by
// +, %, .format or an f-string, user input, sanitised, read from the
// network, decoded, a credential file). Sinks are judged on the facts of
// their arguments: subprocess with shell=True and a non-constant command
// is an injection, with an argument list it is not.

// pyFacts are what is known about the value of an expression.
type pyFacts struct {
	valueFacts
	exactAt int // a single literal: where its value starts in the source, else -1
}

func (f *pyFacts) merge(g pyFacts) {
	f.valueFacts.merge(g.valueFacts)
}

// template renders a built string for the shell analysis: the literal
// parts with placeholderVar for each formatting slot.
func (f *pyFacts) template() string {
	parts := make([]string, len(f.lits))
	for i, l := range f.lits {
		parts[i] = pyFormatSlot.ReplaceAllString(l, placeholderVar)
	}
	if f.constant {
		return strings.Join(parts, "")
	}
	return strings.Join(parts, placeholderVar)
}

var pyFormatSlot = regexp.MustCompile(`%[-#0 +]*\d*(\.\d+)?[sdrifx]|\{[A-Za-z0-9_.!:]*\}`)

type pyArg struct {
	kw       string
	from, to int // token range
}

type pyCall struct {
	name   string // qualified name
	last   string // last component
	method bool   // called on an expression, not a name
	s, e   int    // span: callee start to closing parenthesis
	open   int    // token index of (
	close  int
	args   []pyArg
}

func (c *pyCall) arg(i int, kws ...string) (pyArg, bool) {
	for _, a := range c.args {
		for _, k := range kws {
			if a.kw == k {
				return a, true
			}
		}
	}
	n := 0
	for _, a := range c.args {
		if a.kw != "" {
			continue
		}
		if n == i {
			return a, true
		}
		n++
	}
	return pyArg{}, false
}

func (c *pyCall) kwArg(kw string) (pyArg, bool) {
	for _, a := range c.args {
		if a.kw == kw {
			return a, true
		}
	}
	return pyArg{}, false
}

type pyAnalysis struct {
	r       *report
	src     string
	depth   int
	toks    []pyTok
	match   []int // for an opening bracket, the index of its closer
	opener  []int // for a closing bracket, the index of its opener
	aliases map[string]string
	vars    map[string]pyFacts
	// Evidence gathered over the whole snippet, judged at the end.
	secretReads [][2]int
	netSends    [][2]int
	sockets     [][2]int
	shellSpawns [][2]int
	pathChecked bool
	// evalDepth bounds recursion into f-string interpolations.
	evalDepth int
}

func analyzePython(r *report, src string, depth int) {
	lx := pyLex(src)
	a := &pyAnalysis{r: r, src: src, depth: depth, toks: lx.toks, aliases: map[string]string{}, vars: map[string]pyFacts{}}
	a.matchBrackets()
	if lx.errOff >= 0 {
		lexicalFallback(r, Python, src, &offsetError{off: lx.errOff, msg: lx.errMsg})
	}
	a.pathChecked = pyPathCheck.MatchString(src)
	for _, st := range a.statements() {
		a.statement(st[0], st[1])
	}
	a.finish()
}

// pyPathCheck finds the usual containment checks of a path against a base
// directory; with one in the snippet, a path from input is not reported.
var pyPathCheck = regexp.MustCompile(`\.is_relative_to\(|commonpath\(|\.startswith\(\s*(os\.path\.(abspath|realpath)|base|root|safe|upload|allowed|[A-Z_]+\b)|relative_to\(`)

func (a *pyAnalysis) matchBrackets() {
	a.match = make([]int, len(a.toks))
	a.opener = make([]int, len(a.toks))
	var stack []int
	for i, t := range a.toks {
		a.match[i] = -1
		a.opener[i] = -1
		if t.kind != pyOp {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			stack = append(stack, i)
		case ")", "]", "}":
			if len(stack) > 0 {
				a.match[stack[len(stack)-1]] = i
				a.opener[i] = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		}
	}
	// Unclosed brackets close at the end of the stream.
	for _, o := range stack {
		a.match[o] = len(a.toks) - 1
	}
}

var pyCompound = map[string]bool{"if": true, "elif": true, "else": true, "for": true, "while": true, "with": true, "def": true, "class": true, "try": true, "except": true, "finally": true, "async": true}

// statements splits the tokens into simple statements.
func (a *pyAnalysis) statements() [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i < len(a.toks); i++ {
		t := a.toks[i]
		if t.kind == pyOp && a.match[i] > i && (t.text == "(" || t.text == "[" || t.text == "{") {
			i = a.match[i]
			continue
		}
		end := t.kind == pyNewline || t.kind == pyOp && t.text == ";"
		if t.kind == pyOp && t.text == ":" && start < len(a.toks) && pyCompound[a.toks[start].text] && a.toks[start].kind == pyName {
			if start < i {
				out = append(out, [2]int{start, i + 1})
			}
			start = i + 1
			continue
		}
		if end {
			if start < i {
				out = append(out, [2]int{start, i})
			}
			start = i + 1
		}
	}
	if start < len(a.toks) {
		out = append(out, [2]int{start, len(a.toks)})
	}
	return out
}

func (a *pyAnalysis) tok(i int) pyTok {
	if i < 0 || i >= len(a.toks) {
		return pyTok{kind: pyNewline}
	}
	return a.toks[i]
}

func (a *pyAnalysis) isOp(i int, op string) bool {
	t := a.tok(i)
	return t.kind == pyOp && t.text == op
}

// statement handles imports, definitions, the calls in the statement and
// then its bindings.
func (a *pyAnalysis) statement(from, to int) {
	first := a.tok(from)
	if first.kind == pyName {
		switch first.text {
		case "import", "from":
			a.imports(from, to)
			return
		case "def", "async":
			a.def(from, to)
			return
		}
	}
	for i := from; i < to; i++ {
		if a.tok(i).kind == pyName && a.isOp(i+1, "(") && !(a.tok(i-1).kind == pyName && (a.tok(i-1).text == "def" || a.tok(i-1).text == "class")) {
			if c := a.call(i); c != nil {
				a.sink(c)
			}
		}
	}
	a.bindings(from, to)
	a.tlsAssignments(from, to)
}

// imports records import aliases.
func (a *pyAnalysis) imports(from, to int) {
	names := func(i int) (string, int) {
		var b strings.Builder
		for i < to && a.tok(i).kind == pyName {
			b.WriteString(a.tok(i).text)
			if !a.isOp(i+1, ".") {
				return b.String(), i + 1
			}
			b.WriteByte('.')
			i += 2
		}
		return b.String(), i
	}
	if a.tok(from).text == "import" {
		i := from + 1
		for i < to {
			mod, j := names(i)
			local := strings.SplitN(mod, ".", 2)[0]
			target := strings.SplitN(mod, ".", 2)[0]
			if a.tok(j).kind == pyName && a.tok(j).text == "as" {
				local, target = a.tok(j+1).text, mod
				j += 2
			}
			if local != "" {
				a.aliases[local] = normaliseModule(target)
			}
			i = j + 1 // past the comma
		}
		return
	}
	mod, i := names(from + 1)
	for i < to && !(a.tok(i).kind == pyName && a.tok(i).text == "import") {
		i++
	}
	for i++; i < to; i++ {
		t := a.tok(i)
		if t.kind != pyName {
			continue
		}
		local := t.text
		if a.tok(i+1).kind == pyName && a.tok(i+1).text == "as" {
			local = a.tok(i + 2).text
			i += 2
		}
		a.aliases[local] = normaliseModule(mod) + "." + t.text
	}
}

func normaliseModule(m string) string {
	switch m {
	case "cPickle", "_pickle", "pickle5":
		return "pickle"
	case "urllib2":
		return "urllib.request"
	}
	return m
}

// def marks a function's parameters as non-constant values.
func (a *pyAnalysis) def(from, to int) {
	for i := from; i < to; i++ {
		if a.isOp(i, "(") {
			end := a.match[i]
			depth := 0
			expectName := true
			for j := i + 1; j < end && j < to; j++ {
				t := a.tok(j)
				switch {
				case t.kind == pyOp && (t.text == "(" || t.text == "[" || t.text == "{"):
					depth++
				case t.kind == pyOp && (t.text == ")" || t.text == "]" || t.text == "}"):
					depth--
				case depth == 0 && t.kind == pyOp && t.text == ",":
					expectName = true
				case depth == 0 && expectName && t.kind == pyName:
					// Handlers name their request parameter after what
					// it is: its fields are user input.
					a.vars[t.text] = pyFacts{valueFacts: valueFacts{tainted: taintRoots[t.text]}, exactAt: -1}
					expectName = false
				case depth == 0 && t.kind == pyOp && (t.text == ":" || t.text == "="):
					expectName = false
				}
			}
			return
		}
	}
}

// dotted reads a dotted name starting at token i; it returns the name and
// the index of its last token.
func (a *pyAnalysis) dotted(i int) (string, int) {
	name := a.tok(i).text
	j := i
	for a.isOp(j+1, ".") && a.tok(j+2).kind == pyName {
		name += "." + a.tok(j+2).text
		j += 2
	}
	return name, j
}

// resolve qualifies a dotted name through the imports.
func (a *pyAnalysis) resolve(name string) string {
	head, rest, dot := strings.Cut(name, ".")
	if q, ok := a.aliases[head]; ok {
		if dot {
			return q + "." + rest
		}
		return q
	}
	if head == "cPickle" || head == "_pickle" {
		return "pickle." + rest
	}
	return name
}

// call builds the call whose callee's last name token is at i.
func (a *pyAnalysis) call(i int) *pyCall {
	open := i + 1
	closeIdx := a.match[open]
	if closeIdx < 0 {
		return nil
	}
	j := i
	for j >= 2 && a.isOp(j-1, ".") && a.tok(j-2).kind == pyName {
		j -= 2
	}
	method := a.isOp(j-1, ".")
	var b strings.Builder
	for k := j; k <= i; k++ {
		b.WriteString(a.tok(k).text)
	}
	raw := b.String()
	c := &pyCall{name: a.resolve(raw), method: method, s: a.tok(j).s, e: a.tok(closeIdx).e, open: open, close: closeIdx}
	if method {
		c.name = "?." + raw
	}
	c.last = a.tok(i).text
	// Arguments: split at top-level commas.
	start := open + 1
	for k := open + 1; k <= closeIdx; k++ {
		t := a.tok(k)
		if t.kind == pyOp && (t.text == "(" || t.text == "[" || t.text == "{") && a.match[k] > k {
			k = a.match[k]
			continue
		}
		if k == closeIdx || t.kind == pyOp && t.text == "," {
			if start < k {
				arg := pyArg{from: start, to: k}
				if a.tok(start).kind == pyName && a.isOp(start+1, "=") {
					arg.kw, arg.from = a.tok(start).text, start+2
				}
				if a.isOp(start, "*") || a.isOp(start, "**") {
					arg.from++
				}
				c.args = append(c.args, arg)
			}
			start = k + 1
		}
	}
	return c
}

// taintRoots are the names whose values come from users and requests.
var taintRoots = map[string]bool{
	"request": true, "flask.request": true, "self.request": true, "req": true, "sys.argv": true, "sys.stdin": true,
	"event": true, "params": true, "query_params": true, "form": true, "bottle.request": true, "cherrypy.request": true,
}

// eval computes the facts of the expression in tokens [from, to).
func (a *pyAnalysis) eval(from, to int) pyFacts {
	f := pyFacts{valueFacts: valueFacts{constant: true}, exactAt: -1}
	if from >= to {
		return f
	}
	if !a.r.step() {
		return pyFacts{exactAt: -1}
	}
	if to-from == 1 && a.tok(from).kind == pyString {
		t := a.tok(from)
		f.hasStr, f.value, f.lits = true, t.val, []string{t.val}
		if len(t.fexprs) == 0 {
			f.exactAt = t.valAt
		}
	}
	formatting := false
	for i := from; i < to; i++ {
		t := a.tok(i)
		switch t.kind {
		case pyString:
			f.hasStr = true
			if to-from != 1 {
				f.lits = append(f.lits, t.val)
				f.value += t.val
			}
			if sensitivePath(t.val) || strings.Contains(t.val, "id_rsa") {
				f.sensitive = true
			}
			for _, fe := range t.fexprs {
				g := a.evalText(fe[0], fe[1])
				if !g.constant {
					formatting = true
				}
				g.lits = nil
				f.merge(g)
			}
		case pyNumber:
		case pyName:
			name, j := a.dotted(i)
			switch name {
			case "True", "False", "None", "and", "or", "not", "in", "is", "if", "else", "for", "lambda", "await":
				continue
			}
			if a.isOp(j+1, "(") {
				closeIdx := a.match[j+1]
				if closeIdx < 0 {
					closeIdx = to
				}
				qual := a.resolve(name)
				if a.isOp(i-1, ".") {
					qual = "?." + name
					if (name == "format" || name == "join") && i > from {
						formatting = true
					}
				}
				g := a.callFacts(qual, j+1, min(closeIdx, to))
				if i == from && closeIdx == to-1 {
					f.value = g.value
				}
				f.merge(g)
				i = closeIdx
				continue
			}
			if a.isOp(i-1, ".") {
				// An attribute of a call result or subscript: .filename of
				// an upload is user input.
				if name == "filename" || name == "name" && f.tainted {
					f.tainted = true
				}
				i = j
				continue
			}
			f.merge(a.nameFacts(name, j, to))
			i = j
		case pyOp:
			switch t.text {
			case "%":
				if a.tok(i-1).kind == pyString {
					formatting = true
				}
			case "+", "+=":
				formatting = true
			}
		}
	}
	if formatting && f.hasStr && !f.constant {
		f.built = true
	}
	if !f.constant || len(f.lits) != 1 {
		if to-from != 1 {
			f.exactAt = -1
		}
	}
	return f
}

// evalText evaluates source text (an f-string interpolation).
func (a *pyAnalysis) evalText(s, e int) pyFacts {
	if a.evalDepth > 4 || s >= e || e > len(a.src) {
		return pyFacts{exactAt: -1}
	}
	sub := &pyAnalysis{r: &report{src: a.src[s:e], budget: a.r.budget}, src: a.src[s:e], toks: pyLex(a.src[s:e]).toks, aliases: a.aliases, vars: a.vars, evalDepth: a.evalDepth + 1}
	sub.matchBrackets()
	n := len(sub.toks)
	if n > 0 && sub.toks[n-1].kind == pyNewline {
		n--
	}
	// Drop a format spec or conversion: {x!r:>10}.
	for i := 0; i < n; i++ {
		if t := sub.toks[i]; t.kind == pyOp && (t.text == "!" || t.text == ":") {
			n = i
			break
		}
	}
	g := sub.eval(0, n)
	g.exactAt = -1
	return g
}

// nameFacts are the facts of a (dotted) name used as a value; j is its
// last token.
func (a *pyAnalysis) nameFacts(name string, j, to int) pyFacts {
	if f, ok := a.vars[name]; ok {
		f.exactAt = -1
		return f
	}
	root := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		if f, ok := a.vars[name[:strings.IndexByte(name, '.')]]; ok {
			f.constant, f.exactAt = false, -1
			return f
		}
		root = name[:i]
	}
	qual := a.resolve(name)
	f := pyFacts{exactAt: -1}
	switch {
	case qual == "os.environ" && !a.isOp(j+1, "[") && !a.isOp(j+1, "."):
		f.envDump = true
	case strings.HasPrefix(qual, "os.environ"):
	case taintRoots[name] || taintRoots[root] || taintRoots[strings.SplitN(name, ".", 2)[0]] || strings.HasPrefix(qual, "flask.request"):
		f.tainted = true
	case isUpperConst(name):
		f.constant = true
	}
	return f
}

// isUpperConst reports whether a name follows the constant convention.
func isUpperConst(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	if len(last) < 2 || strings.ToUpper(last) != last {
		return false
	}
	for _, c := range last {
		if c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

var (
	pySanitizers = map[string]bool{
		"shlex.quote": true, "pipes.quote": true, "werkzeug.utils.secure_filename": true, "secure_filename": true,
		"os.path.basename": true, "html.escape": true, "markupsafe.escape": true, "escape": true, "int": true, "float": true,
		"bool": true, "len": true, "urllib.parse.quote": true, "re.escape": true, "bleach.clean": true, "uuid.uuid4": true,
		"sqlalchemy.sql.quoted_name": true, "psycopg2.sql.Identifier": true, "sql.Identifier": true, "quote_ident": true,
	}
	pyFetchers = map[string]bool{
		"urllib.request.urlopen": true, "urlopen": true, "requests.get": true, "requests.post": true, "requests.request": true,
		"httpx.get": true, "httpx.post": true, "urllib.urlopen": true, "requests.Session.get": true, "aiohttp.request": true,
	}
	pyDecoders = map[string]bool{
		"base64.b64decode": true, "base64.decodebytes": true, "base64.b32decode": true, "base64.a85decode": true, "base64.b85decode": true,
		"base64.urlsafe_b64decode": true, "base64.standard_b64decode": true, "zlib.decompress": true, "gzip.decompress": true,
		"bz2.decompress": true, "lzma.decompress": true, "binascii.unhexlify": true, "binascii.a2b_base64": true, "bytes.fromhex": true,
		"codecs.decode": true, "b64decode": true,
	}
)

// callFacts are the facts of a call's result; open and closeIdx are its
// parentheses.
func (a *pyAnalysis) callFacts(qual string, open, closeIdx int) pyFacts {
	args := a.eval(open+1, closeIdx)
	args.exactAt = -1
	last := qual[strings.LastIndexByte(qual, '.')+1:]
	f := pyFacts{valueFacts: valueFacts{lits: args.lits, hasStr: args.hasStr}, exactAt: -1}
	switch {
	case pySanitizers[qual] || pySanitizers[last] && last != "escape":
		f.sanitized = true
		return f
	case pyFetchers[qual] || (qual == "?."+last && (last == "urlopen")):
		f.fetched = true
		return f
	case pyDecoders[qual] || pyDecoders[last] || last == "decode" && args.decoded || last == "fromhex":
		f.merge(args)
		f.constant = false
		f.decoded = true
		return f
	case qual == "os.path.expanduser" || qual == "os.path.expandvars" || qual == "pathlib.Path" || qual == "Path" || qual == "os.path.join" || qual == "os.path.abspath" || qual == "os.path.realpath":
		f.merge(args)
		if args.constant {
			f.value = strings.Join(args.lits, "/")
		}
		f.constant = args.constant
		return f
	case qual == "pathlib.Path.home" || qual == "Path.home":
		f.constant, f.value = true, "~"
		return f
	case qual == "os.getenv" || qual == "os.environ.get":
		if args.value == "HOME" || strings.HasPrefix(args.value, "HOME") {
			f.constant, f.value = true, "~"
		}
		return f
	case qual == "os.environ.copy" || qual == "os.environ.items" || qual == "dict" && args.envDump || qual == "str" && args.envDump:
		f.envDump = true
		return f
	case strings.HasPrefix(qual, "tempfile."):
		f.temp = true
		return f
	case qual == "input" || qual == "raw_input" || qual == "sys.stdin.read" || qual == "sys.stdin.readline":
		f.tainted = true
		return f
	case last == "read" || last == "read_text" || last == "read_bytes" || last == "readlines" || last == "text" || last == "json" || last == "content":
		f.merge(args)
		f.constant = false
		return f
	case (qual == "open" || qual == "io.open" || qual == "codecs.open") && args.sensitive:
		f.sensitive = true
		return f
	}
	if strings.HasPrefix(qual, "?.") && (last == "get" || last == "getlist" || last == "get_json" || last == "__getitem__") {
		// request.args.get("q") is written request.args.get: a dotted
		// name, not a method; here the receiver is an expression.
		f.merge(args)
		f.constant = false
		return f
	}
	if strings.HasPrefix(qual, "request.") || strings.HasPrefix(qual, "flask.request.") || strings.HasPrefix(qual, "self.request.") {
		f.tainted = true
		return f
	}
	// An unknown function: its result carries its arguments' taint.
	f.merge(args)
	f.constant = args.constant && (last == "str" || last == "repr" || last == "upper" || last == "lower" || last == "strip" || last == "format")
	f.built = args.built
	return f
}

// bindings records what assignments, with and for statements bind.
func (a *pyAnalysis) bindings(from, to int) {
	first := a.tok(from)
	if first.kind == pyName && (first.text == "with" || first.text == "for") {
		// with EXPR as NAME / for NAME in EXPR
		for i := from; i < to; i++ {
			t := a.tok(i)
			if first.text == "with" && t.kind == pyName && t.text == "as" && a.tok(i+1).kind == pyName {
				f := a.eval(from+1, i)
				a.vars[a.tok(i+1).text] = f
			}
			if first.text == "for" && t.kind == pyName && t.text == "in" {
				f := a.eval(i+1, to)
				f.constant = f.constant && f.hasStr
				for k := from + 1; k < i; k++ {
					if a.tok(k).kind == pyName {
						a.vars[a.tok(k).text] = f
					}
				}
			}
		}
		return
	}
	// NAME [: TYPE] (=|+=) EXPR, also chained and dotted targets.
	eq := -1
	for i := from; i < to; i++ {
		t := a.tok(i)
		if t.kind == pyOp && (t.text == "(" || t.text == "[" || t.text == "{") && a.match[i] > i {
			i = a.match[i]
			continue
		}
		if t.kind == pyOp && (t.text == "=" || t.text == "+=" || t.text == ":=") {
			eq = i
		}
	}
	if eq < 0 {
		return
	}
	f := a.eval(eq+1, to)
	if a.tok(eq).text == "+=" {
		name, _ := a.dotted(from)
		old, ok := a.vars[name]
		if !ok {
			old = pyFacts{exactAt: -1}
		}
		old.merge(f)
		old.exactAt = -1
		if f.hasStr && !f.constant || old.hasStr && !old.constant {
			old.built = old.built || !f.constant
		}
		a.vars[name] = old
		return
	}
	if a.tok(from).kind != pyName {
		return
	}
	name, last := a.dotted(from)
	if last+1 == eq || a.isOp(last+1, ":") {
		a.vars[name] = f
	} else if a.isOp(last+1, ",") {
		// Tuple targets: each gets the facts of the whole value.
		for i := from; i < eq; i++ {
			if a.tok(i).kind == pyName {
				a.vars[a.tok(i).text] = f
			}
		}
	}
}

// tlsAssignments finds TLS verification switched off by assignment.
func (a *pyAnalysis) tlsAssignments(from, to int) {
	for i := from; i < to; i++ {
		t := a.tok(i)
		if t.kind != pyName {
			continue
		}
		switch {
		case (t.text == "verify" || t.text == "check_hostname") && a.isOp(i-1, ".") && a.isOp(i+1, "=") && a.tok(i+2).text == "False":
			a.r.add(TLSVerifyDisabled, detect.High, a.tok(from).s, a.tok(i+2).e, t.text+" = False switches TLS certificate verification off")
		case t.text == "CERT_NONE":
			a.r.add(TLSVerifyDisabled, detect.High, a.tok(from).s, a.tok(to-1).e, "certificate verification set to CERT_NONE")
		case t.text == "_create_unverified_context":
			a.r.add(TLSVerifyDisabled, detect.High, a.tok(from).s, a.tok(to-1).e, "an unverified TLS context skips certificate checks")
		}
	}
}

// looksSQL reports whether literal fragments are SQL.
var sqlShape = regexp.MustCompile(`(?is)\b(select\b.*\bfrom|insert\s+into|update\s+[\w."\x60\[\]]+\s+set\b|delete\s+from|drop\s+(table|database|schema|index|view)|truncate\s|create\s+(table|index|view)|alter\s+table|replace\s+into|merge\s+into|where\s+\w+\s*(=|like|in\b))`)

func looksSQL(lits []string) bool {
	return sqlShape.MatchString(strings.Join(lits, " "))
}

// shell names for subprocess argument lists.
func (a *pyAnalysis) sink(c *pyCall) {
	q, last := c.name, c.last
	arg0 := func(kws ...string) (pyFacts, pyArg, bool) {
		x, ok := c.arg(0, kws...)
		if !ok {
			return pyFacts{exactAt: -1}, x, false
		}
		return a.eval(x.from, x.to), x, true
	}
	switch q {
	case "os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput", "commands.getstatusoutput", "platform.popen", "os.popen2", "os.popen3", "asyncio.create_subprocess_shell", "pty.spawn":
		if q == "pty.spawn" {
			a.shellSpawns = append(a.shellSpawns, [2]int{c.s, c.e})
			return
		}
		f, x, ok := arg0("cmd", "command")
		if ok {
			a.shellString(c, f, x)
		}
		return
	case "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen", "asyncio.create_subprocess_exec":
		a.subprocess(c)
		return
	case "eval", "exec", "compile", "execfile", "builtins.eval", "builtins.exec", "__builtins__.eval":
		a.dynamicCode(c)
		return
	case "__import__", "importlib.import_module":
		if f, _, ok := arg0(); ok && !f.constant {
			sev := detect.Medium
			if f.tainted {
				sev = detect.High
			}
			a.r.add(DynamicEval, sev, c.s, c.e, q+" imports a module named at run time")
		}
		return
	case "getattr":
		if x, ok := c.arg(0); ok && x.to-x.from == 1 && (a.tok(x.from).text == "__builtins__" || a.tok(x.from).text == "builtins") {
			a.r.add(DynamicEval, detect.High, c.s, c.e, "getattr on the builtins reaches eval/exec by name")
		}
		return
	case "flask.render_template_string", "render_template_string", "jinja2.Template", "jinja2.Environment.from_string", "mako.template.Template", "django.template.Template":
		if f, _, ok := arg0("source"); ok && !f.constant {
			a.r.add(DynamicEval, detect.High, c.s, c.e, "a template is compiled from non-constant text (server-side template injection)")
		}
		return
	case "pickle.loads", "pickle.load", "pickle.Unpickler", "dill.load", "dill.loads", "cloudpickle.load", "cloudpickle.loads",
		"shelve.open", "marshal.load", "marshal.loads", "jsonpickle.decode", "joblib.load", "pandas.read_pickle", "yaml.unsafe_load",
		"yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all", "keras.models.load_model", "sklearn.externals.joblib.load":
		a.r.add(UnsafeDeserialization, detect.High, c.s, c.e, q+" can run code from the data it loads")
		return
	case "yaml.load", "yaml.load_all":
		loader, ok := c.arg(1, "Loader")
		if ok {
			lt := a.src[a.tok(loader.from).s:a.tok(loader.to-1).e]
			if strings.Contains(lt, "SafeLoader") || strings.Contains(lt, "BaseLoader") {
				return
			}
		}
		a.r.add(UnsafeDeserialization, detect.High, c.s, c.e, q+" without SafeLoader can construct arbitrary objects")
		return
	case "numpy.load":
		if x, ok := c.kwArg("allow_pickle"); ok && a.tok(x.from).text == "True" {
			a.r.add(UnsafeDeserialization, detect.High, c.s, c.e, "numpy.load with allow_pickle=True unpickles the file")
		}
		return
	case "torch.load":
		if x, ok := c.kwArg("weights_only"); ok && a.tok(x.from).text == "True" {
			return
		}
		a.r.add(UnsafeDeserialization, detect.High, c.s, c.e, "torch.load without weights_only=True unpickles the file")
		return
	case "os.setuid", "os.setgid", "os.seteuid", "os.setegid", "os.setresuid", "os.setreuid":
		if f, x, ok := arg0(); ok && f.constant && a.tok(x.from).text == "0" {
			a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, q+"(0) switches to root")
		}
		return
	case "os.chmod", "os.lchmod", "pathlib.Path.chmod":
		a.chmod(c)
		return
	case "shutil.rmtree", "os.removedirs", "os.rmdir", "os.remove", "os.unlink":
		f, _, ok := arg0("path")
		if !ok {
			return
		}
		switch {
		case f.constant && criticalPath(f.value) && (q == "shutil.rmtree" || q == "os.removedirs"):
			a.r.add(DestructiveFileOperation, detect.Critical, c.s, c.e, q+" deletes "+displayPath(normalisePath(f.value)))
		case f.constant && sensitivePath(f.value) && strings.HasSuffix(f.value, "_history"):
			a.r.add(DefenseEvasion, detect.High, c.s, c.e, "deletes shell history")
		case f.tainted && !f.sanitized && !a.pathChecked:
			a.r.add(DestructiveFileOperation, detect.High, c.s, c.e, q+" deletes a path taken from user input")
		}
		return
	case "open", "io.open", "codecs.open", "os.open", "pathlib.Path", "Path", "flask.send_file", "send_file", "django.http.FileResponse", "FileResponse",
		"shutil.copy", "shutil.copyfile", "shutil.move", "os.rename", "os.path.join", "aiofiles.open":
		a.pathSink(c)
		return
	case "socket.socket", "socket.create_connection":
		a.sockets = append(a.sockets, [2]int{c.s, c.e})
		if q == "socket.create_connection" {
			if f, _, ok := arg0(); ok && !f.constant && !f.hasStr {
				break
			}
			a.netSends = append(a.netSends, [2]int{c.s, c.e})
		}
		return
	case "os.dup2":
		a.shellSpawns = append(a.shellSpawns, [2]int{c.s, c.e})
		return
	case "os.execl", "os.execle", "os.execlp", "os.execv", "os.execve", "os.execvp", "os.spawnl", "os.spawnlp", "os.spawnv":
		a.execFamily(c)
		return
	}
	switch {
	case pyFetchers[q] || strings.HasPrefix(q, "requests.") || strings.HasPrefix(q, "httpx.") || q == "urllib.request.Request" || strings.HasPrefix(q, "smtplib.") || strings.HasPrefix(q, "ftplib."):
		a.netSends = append(a.netSends, [2]int{c.s, c.e})
		a.verifyKw(c)
		a.exfilArgs(c)
	case last == "sendall" || last == "send" || last == "sendto" || last == "post" || last == "put" || last == "sendmail" || last == "storbinary" || last == "urlopen":
		a.netSends = append(a.netSends, [2]int{c.s, c.e})
		a.verifyKw(c)
		a.exfilArgs(c)
	case last == "connect" && c.method || last == "connect" && strings.Contains(q, "sock"):
		a.sockets = append(a.sockets, [2]int{c.s, c.e})
	case last == "execute" || last == "executemany" || last == "executescript" || last == "raw" || last == "mogrify" ||
		last == "read_sql" || last == "read_sql_query" || last == "exec_driver_sql" || q == "sqlalchemy.text" || q == "text" && a.aliases["text"] != "":
		a.sqlSink(c)
	default:
		a.verifyKw(c)
	}
	if last == "from_string" {
		if f, _, ok := arg0("source"); ok && !f.constant {
			a.r.add(DynamicEval, detect.High, c.s, c.e, "a template is compiled from non-constant text (server-side template injection)")
		}
	}
	if (last == "Template" && strings.Contains(q, "jinja")) || q == "Template" && strings.HasPrefix(a.aliases["Template"], "jinja2") {
		if f, _, ok := arg0("source"); ok && !f.constant {
			a.r.add(DynamicEval, detect.High, c.s, c.e, "a template is compiled from non-constant text (server-side template injection)")
		}
	}
	if last == "read_text" || last == "read_bytes" {
		// Path("…").read_text(): the receiver is the file.
		if strings.HasPrefix(q, "?.") {
			f := a.receiverFacts(c)
			if f.sensitive {
				a.secretReads = append(a.secretReads, [2]int{c.s, c.e})
			}
		}
	}
}

// receiverFacts evaluates the expression before a method call.
func (a *pyAnalysis) receiverFacts(c *pyCall) pyFacts {
	// Walk back from the callee to the start of the receiver.
	i := c.open - 1
	for i >= 2 && a.isOp(i-1, ".") && a.tok(i-2).kind == pyName {
		i -= 2
	}
	end := i - 1
	if end < 0 || !a.isOp(end, ".") {
		return pyFacts{exactAt: -1}
	}
	k := end - 1
	if t := a.tok(k); t.kind == pyOp && t.text == ")" && a.opener[k] >= 0 {
		k = a.opener[k] - 1
	}
	for k > 0 && (a.tok(k).kind == pyName || a.isOp(k, ".")) && (a.tok(k-1).kind == pyName || a.isOp(k-1, ".")) {
		k--
	}
	return a.eval(max(k, 0), end)
}

// verifyKw reports verify=False and friends in any call.
func (a *pyAnalysis) verifyKw(c *pyCall) {
	for _, x := range c.args {
		switch x.kw {
		case "verify", "verify_ssl", "ssl_verify", "validate_certs":
			if x.to-x.from == 1 && a.tok(x.from).text == "False" {
				a.r.add(TLSVerifyDisabled, detect.High, c.s, c.e, x.kw+"=False switches TLS certificate verification off")
			}
		case "cert_reqs":
			if strings.Contains(a.src[a.tok(x.from).s:a.tok(x.to-1).e], "CERT_NONE") {
				a.r.add(TLSVerifyDisabled, detect.High, c.s, c.e, "cert_reqs=CERT_NONE switches certificate verification off")
			}
		}
	}
}

// exfilArgs: the environment or a credential file in the arguments of a
// network call.
func (a *pyAnalysis) exfilArgs(c *pyCall) {
	f := a.eval(c.open+1, c.close)
	if f.envDump || f.sensitive && !f.fetched && a.readsInArgs(c) {
		a.r.add(NetworkExfiltration, detect.Critical, c.s, c.e, "the environment or a credential file is sent over the network")
	}
}

// readsInArgs reports whether a call's arguments read a file.
func (a *pyAnalysis) readsInArgs(c *pyCall) bool {
	for i := c.open + 1; i < c.close; i++ {
		if t := a.tok(i); t.kind == pyName && (t.text == "read" || t.text == "open" || t.text == "read_text" || t.text == "read_bytes") {
			return true
		}
	}
	return false
}

// shellString judges a command string run by a shell.
func (a *pyAnalysis) shellString(c *pyCall, f pyFacts, x pyArg) {
	switch {
	case f.fetched:
		a.r.add(DownloadAndExecute, detect.Critical, c.s, c.e, "a shell runs text downloaded from the network")
	case f.decoded:
		a.r.add(DynamicEval, detect.Critical, c.s, c.e, "a shell runs decoded (obfuscated) text")
	case f.constant && f.hasStr:
		exact := f.exactAt
		a.r.embed(Bash, f.value, a.tok(x.from).s, a.tok(x.to-1).e, exact, a.depth, c.name)
	case f.sanitized && !f.tainted:
		a.r.embed(Bash, f.template(), c.s, c.e, -1, a.depth, c.name)
	case f.hasStr || !f.constant:
		if f.hasStr {
			a.r.embed(Bash, f.template(), c.s, c.e, -1, a.depth, c.name)
		}
		detail := c.name + " runs a shell command built from non-constant text"
		if f.tainted {
			detail = c.name + " runs a shell command built from user input"
		}
		a.r.add(CommandInjection, detect.High, c.s, c.e, detail)
	}
}

// subprocess judges the subprocess family.
func (a *pyAnalysis) subprocess(c *pyCall) {
	x, ok := c.arg(0, "args")
	if !ok {
		return
	}
	shell := false
	if s, ok := c.kwArg("shell"); ok && a.tok(s.from).text != "False" && a.tok(s.from).text != "None" {
		shell = true
	}
	if shell {
		a.shellString(c, a.eval(x.from, x.to), x)
		return
	}
	items, isList := a.listItems(x)
	if !isList {
		if c.name == "asyncio.create_subprocess_exec" {
			var words []pyArg
			for _, y := range c.args {
				if y.kw == "" {
					words = append(words, y)
				}
			}
			a.argv(c, words)
		}
		return
	}
	a.argv(c, items)
}

// listItems splits a list or tuple literal argument into its items.
func (a *pyAnalysis) listItems(x pyArg) ([]pyArg, bool) {
	if !(a.isOp(x.from, "[") || a.isOp(x.from, "(")) || a.match[x.from] != x.to-1 {
		return nil, false
	}
	var out []pyArg
	start := x.from + 1
	for k := x.from + 1; k <= x.to-1; k++ {
		t := a.tok(k)
		if t.kind == pyOp && (t.text == "(" || t.text == "[" || t.text == "{") && a.match[k] > k && k != x.to-1 {
			k = a.match[k]
			continue
		}
		if k == x.to-1 || t.kind == pyOp && t.text == "," {
			if start < k {
				out = append(out, pyArg{from: start, to: k})
			}
			start = k + 1
		}
	}
	return out, true
}

// argv judges a program run with an argument vector: a shell with -c and
// its command, or the whole vector as a shell command when it is constant.
func (a *pyAnalysis) argv(c *pyCall, items []pyArg) {
	if len(items) == 0 {
		return
	}
	facts := make([]pyFacts, len(items))
	allConst := true
	for i, it := range items {
		facts[i] = a.eval(it.from, it.to)
		allConst = allConst && facts[i].constant && facts[i].hasStr
	}
	if facts[0].constant && (isShell(facts[0].value) || progName(facts[0].value) == "python" || progName(facts[0].value) == "python3") {
		if facts[0].constant && isShell(facts[0].value) && len(items) == 1 || len(items) == 2 && facts[1].value == "-i" {
			a.shellSpawns = append(a.shellSpawns, [2]int{c.s, c.e})
		}
		for i := 1; i+1 < len(items); i++ {
			if isShellFlag(facts[i].value) || facts[i].value == "-c" {
				a.shellString(c, facts[i+1], items[i+1])
				return
			}
		}
	}
	if allConst {
		words := make([]string, len(facts))
		for i, f := range facts {
			words[i] = shellQuote(f.value)
		}
		a.r.embed(Bash, strings.Join(words, " "), c.s, c.e, -1, a.depth, c.name)
		return
	}
	if facts[0].constant {
		// Constant program, some non-constant arguments: analyse the
		// command with placeholders (sudo, rm -rf, chmod on what).
		words := make([]string, len(facts))
		for i, f := range facts {
			if f.constant {
				words[i] = shellQuote(f.value)
			} else {
				words[i] = placeholderVar
			}
		}
		a.r.embed(Bash, strings.Join(words, " "), c.s, c.e, -1, a.depth, c.name)
	}
}

// execFamily judges os.exec*/os.spawn*: the path, then argv.
func (a *pyAnalysis) execFamily(c *pyCall) {
	var pos []pyArg
	for _, x := range c.args {
		if x.kw == "" {
			pos = append(pos, x)
		}
	}
	if strings.HasPrefix(c.name, "os.spawn") && len(pos) > 0 {
		pos = pos[1:] // the mode
	}
	if len(pos) < 2 {
		return
	}
	if items, ok := a.listItems(pos[1]); ok {
		a.argv(c, items)
		return
	}
	a.argv(c, pos[1:])
}

// shellQuote quotes a word for the shell analysis.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if q, err := syntax.Quote(s, syntax.LangBash); err == nil {
		return q
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// dynamicCode judges eval, exec and compile.
func (a *pyAnalysis) dynamicCode(c *pyCall) {
	x, ok := c.arg(0, "source", "object")
	if !ok {
		return
	}
	f := a.eval(x.from, x.to)
	switch {
	case f.fetched:
		a.r.add(DownloadAndExecute, detect.Critical, c.s, c.e, c.name+" runs code downloaded from the network")
	case f.decoded:
		a.r.add(DynamicEval, detect.Critical, c.s, c.e, c.name+" runs decoded (obfuscated) code")
	case f.constant && f.hasStr:
		a.r.embed(Python, f.value, a.tok(x.from).s, a.tok(x.to-1).e, f.exactAt, a.depth, c.name)
	case f.constant:
	default:
		detail := c.name + " runs code that is not a literal"
		if f.tainted {
			detail = c.name + " runs code from user input"
		}
		a.r.add(DynamicEval, detect.High, c.s, c.e, detail)
	}
}

// sqlSink judges a query method.
func (a *pyAnalysis) sqlSink(c *pyCall) {
	x, ok := c.arg(0, "sql", "query", "statement", "operation")
	if !ok {
		return
	}
	f := a.eval(x.from, x.to)
	switch {
	case f.built && looksSQL(f.lits) && !(f.sanitized && !f.tainted):
		detail := "SQL built by concatenation or formatting is passed to " + c.last
		if f.tainted {
			detail = "SQL built from user input is passed to " + c.last
		}
		a.r.add(SQLStringConcat, detect.High, c.s, c.e, detail)
	case f.constant && f.hasStr && looksSQL(f.lits):
		a.r.embed(SQL, f.value, a.tok(x.from).s, a.tok(x.to-1).e, f.exactAt, a.depth, c.last)
	}
}

// pathSink judges file APIs given a path.
func (a *pyAnalysis) pathSink(c *pyCall) {
	x, ok := c.arg(0, "file", "path", "filename", "path_or_file")
	if !ok {
		return
	}
	f := a.eval(x.from, x.to)
	if c.name == "os.path.join" {
		// Only a join whose pieces come from input matters, and only when
		// it is used; record it through the variable it is assigned to.
		f = a.eval(c.open+1, c.close)
	}
	switch {
	case f.sensitive && (c.name == "open" || c.name == "io.open" || c.name == "codecs.open" || c.name == "pathlib.Path" || c.name == "Path" || c.name == "os.open" || c.name == "aiofiles.open"):
		a.secretReads = append(a.secretReads, [2]int{c.s, c.e})
		if strings.Contains(f.value, "../../") {
			a.r.add(PathTraversal, detect.High, c.s, c.e, "a path climbs out of the working directory to a system file")
			return
		}
		a.r.add(SensitiveFileAccess, detect.Medium, c.s, c.e, "reads a credential or account file")
	case f.constant && strings.Count(f.value, "../") >= 3:
		a.r.add(PathTraversal, detect.High, c.s, c.e, "a path climbs out of the working directory")
	case f.tainted && !f.sanitized && !a.pathChecked && c.name != "os.path.join":
		a.r.add(PathTraversal, detect.High, c.s, c.e, c.name+" opens a path built from user input")
	case f.tainted && !f.sanitized && !a.pathChecked && c.name == "os.path.join" && a.usedAsPath(c):
		a.r.add(PathTraversal, detect.High, c.s, c.e, "a path joined from user input is used without a containment check")
	}
}

// usedAsPath reports whether a join is itself an argument of a file API
// or a file is opened for writing with it.
func (a *pyAnalysis) usedAsPath(c *pyCall) bool {
	for i := c.open - 2; i >= 0 && i >= c.open-12; i-- {
		t := a.tok(i)
		if t.kind == pyName {
			switch t.text {
			case "open", "send_file", "FileResponse", "Path", "remove", "unlink", "rmtree", "copy", "move", "save":
				return a.isOp(i+1, "(")
			}
		}
		if t.kind == pyNewline {
			return false
		}
	}
	return false
}

// chmod judges os.chmod modes.
func (a *pyAnalysis) chmod(c *pyCall) {
	p, ok1 := c.arg(0, "path")
	m, ok2 := c.arg(1, "mode")
	if !ok1 || !ok2 {
		return
	}
	pf := a.eval(p.from, p.to)
	mode := strings.ToLower(a.src[a.tok(m.from).s:a.tok(m.to-1).e])
	setuid, world := false, false
	if n, err := strconv.ParseInt(strings.Replace(strings.Replace(mode, "0o", "", 1), "_", "", -1), 8, 32); err == nil && m.to-m.from == 1 {
		if strings.HasPrefix(mode, "0o") || strings.HasPrefix(mode, "0") {
			setuid = n&0o6000 != 0
			world = n&0o002 != 0
		}
	}
	if strings.Contains(mode, "s_isuid") || strings.Contains(mode, "s_isgid") {
		setuid = true
	}
	if strings.Contains(mode, "s_iwoth") || strings.Contains(mode, "s_irwxo") {
		world = true
	}
	switch {
	case setuid:
		a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, "chmod sets the setuid/setgid bit")
	case world && pf.constant && (systemPath(pf.value) || sensitivePath(pf.value)):
		a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, "chmod makes a system or credential file writable by everyone")
	case world:
		a.r.add(PrivilegeEscalation, detect.Medium, c.s, c.e, "chmod makes a file writable by everyone")
	}
}

// finish judges the evidence gathered over the snippet.
func (a *pyAnalysis) finish() {
	if len(a.sockets) > 0 && len(a.shellSpawns) > 0 {
		s := a.sockets[0][0]
		e := a.shellSpawns[len(a.shellSpawns)-1][1]
		if e < s {
			s, e = e, s
		}
		a.r.add(ReverseShell, detect.Critical, min(s, e), max(s, e), "a socket is connected and a shell's standard streams are handed to it")
	}
	if len(a.secretReads) > 0 && len(a.netSends) > 0 {
		for _, n := range a.netSends {
			a.r.add(NetworkExfiltration, detect.Critical, n[0], n[1], fmt.Sprintf("a credential or account file read at byte %d is sent over the network", a.secretReads[0][0]))
		}
	}
}
