package code

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
)

// Go is analysed on go/parser's syntax tree. An agent's Go is often a
// fragment — a function without its package clause, or a few statements —
// so the source is tried as a file, then behind a package clause, then as
// the body of a function; spans are shifted back to the original text.
// Values carry simple facts from assignment to use (constant, built by +
// or fmt.Sprintf with %s/%v, from the request, sanitised, a network
// connection, a temporary directory), by name, in source order.

// goFacts are what is known about the value of an expression.
type goFacts struct {
	valueFacts
	exactAt int
}

func (f *goFacts) merge(g goFacts) {
	f.valueFacts.merge(g.valueFacts)
}

func (f *goFacts) template() string {
	if f.constant {
		return strings.Join(f.lits, "")
	}
	parts := make([]string, len(f.lits))
	for i, l := range f.lits {
		parts[i] = goVerb.ReplaceAllString(l, placeholderVar)
	}
	return strings.Join(parts, placeholderVar)
}

var goVerb = regexp.MustCompile(`%[-+# 0]*\d*(\.\d+)?[vsqdxXT]`)

type goAnalysis struct {
	r     *report
	src   string
	depth int
	fset  *token.FileSet
	shift int
	// imports maps a local package name to its import path's base.
	imports map[string]string
	vars    map[string]goFacts
	// kinds maps parameter names to their declared type's text.
	kinds       map[string]string
	pathChecked bool
	secretReads [][2]int
	netSends    [][2]int
	shellSpawns [][2]int
	connWired   [][2]int
}

// goWrappers are tried in order: a file, a file without package clause,
// statements.
var goWrappers = [][2]string{{"", ""}, {"package p\n", ""}, {"package p\nfunc _() {\n", "\n}"}}

func analyzeGo(r *report, src string, depth int) {
	fset := token.NewFileSet()
	var file *ast.File
	var firstErr error
	shift := 0
	for _, w := range goWrappers {
		f, err := parseGoFile(fset, w[0]+src+w[1])
		if err == nil {
			file, shift = f, len(w[0])
			break
		}
		if firstErr == nil || w[0] == goWrappers[2][0] && strings.Contains(src, ":=") {
			firstErr = goErrorAt(err, len(w[0]))
		}
	}
	if file == nil {
		lexicalFallback(r, Go, src, firstErr)
		return
	}
	a := &goAnalysis{r: r, src: src, depth: depth, fset: fset, shift: shift, imports: map[string]string{}, vars: map[string]goFacts{}, kinds: map[string]string{}}
	a.pathChecked = goPathCheck.MatchString(src)
	for _, im := range file.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		local := path.Base(p)
		if im.Name != nil {
			local = im.Name.Name
		}
		a.imports[local] = path.Base(p)
	}
	ast.Inspect(file, a.visit)
	a.finish()
}

func parseGoFile(fset *token.FileSet, src string) (f *ast.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("parser failure: %v", p)
		}
	}()
	return parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
}

// goErrorAt converts a go/parser error into one with an offset into the
// original source.
func goErrorAt(err error, shift int) error {
	var list scanner.ErrorList
	if el, ok := err.(scanner.ErrorList); ok {
		list = el
	}
	if len(list) == 0 {
		return err
	}
	return &offsetError{off: max(list[0].Pos.Offset-shift, 0), msg: list[0].Msg}
}

var goPathCheck = regexp.MustCompile(`strings\.HasPrefix\(|filepath\.IsLocal\(|filepath\.Rel\(|securejoin|OpenInRoot|os\.Root|strings\.Contains\([^)]*"\.\."`)

func (a *goAnalysis) off(p token.Pos) int {
	if !p.IsValid() {
		return 0
	}
	return min(max(a.fset.Position(p).Offset-a.shift, 0), len(a.src))
}

func (a *goAnalysis) span(n ast.Node) (int, int) { return a.off(n.Pos()), a.off(n.End()) }

// funcName names a called function as pkg.Func or recv.Method (the
// receiver's text), with the package's import path base.
func (a *goAnalysis) funcName(fun ast.Expr) (qual, last string) {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name, f.Name
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			if p, ok := a.imports[id.Name]; ok {
				return p + "." + f.Sel.Name, f.Sel.Name
			}
			return id.Name + "." + f.Sel.Name, f.Sel.Name
		}
		return "?." + f.Sel.Name, f.Sel.Name
	case *ast.IndexExpr:
		return a.funcName(f.X)
	}
	return "", ""
}

// rootIdent is the identifier an expression chain starts from.
func rootIdent(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x.Name
		case *ast.SelectorExpr:
			e = x.X
		case *ast.CallExpr:
			e = x.Fun
		case *ast.IndexExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.TypeAssertExpr:
			e = x.X
		default:
			return ""
		}
	}
}

// chainHas reports whether a selector chain mentions one of names.
func chainHas(e ast.Expr, names ...string) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			for _, nm := range names {
				if s.Sel.Name == nm {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// requestInput reports whether e reads an HTTP request or a web
// framework's context.
func (a *goAnalysis) requestInput(e ast.Expr) bool {
	root := rootIdent(e)
	kind := a.kinds[root]
	switch {
	case strings.Contains(kind, "http.Request") || (kind == "" && (root == "r" || root == "req" || root == "request")):
		return chainHas(e, "URL", "Form", "PostForm", "FormValue", "PostFormValue", "Header", "Body", "PathValue", "Cookie", "MultipartForm", "FormFile", "RequestURI")
	case strings.Contains(kind, "gin.Context") || strings.Contains(kind, "echo.Context") || strings.Contains(kind, "fiber.Ctx") || (kind == "" && (root == "c" || root == "ctx")):
		return chainHas(e, "Query", "Param", "PostForm", "DefaultQuery", "GetHeader", "FormValue", "Params", "Body", "QueryParam", "FormFile", "GetRawData")
	case root == "os":
		return chainHas(e, "Args")
	case root == "mux" || root == "chi":
		return chainHas(e, "Vars", "URLParam")
	case root == "flag":
		return chainHas(e, "Arg", "Args")
	}
	return false
}

var goSanitizers = map[string]bool{
	"filepath.Base": true, "path.Base": true, "html.EscapeString": true, "template.HTMLEscapeString": true, "template.JSEscapeString": true,
	"url.PathEscape": true, "url.QueryEscape": true, "strconv.Itoa": true, "strconv.FormatInt": true, "strconv.FormatUint": true,
	"strconv.Quote": true, "pq.QuoteIdentifier": true, "pq.QuoteLiteral": true, "pgx.Identifier": true, "regexp.QuoteMeta": true,
	"shellescape.Quote": true, "filepath.IsLocal": true,
}

// eval computes the facts of an expression.
func (a *goAnalysis) eval(e ast.Expr) goFacts {
	f := goFacts{exactAt: -1}
	if !a.r.step() {
		return f
	}
	switch x := e.(type) {
	case nil:
		return goFacts{valueFacts: valueFacts{constant: true}, exactAt: -1}
	case *ast.BasicLit:
		f.constant = true
		if x.Kind == token.STRING {
			v, err := strconv.Unquote(x.Value)
			if err != nil {
				v = x.Value
			}
			f.hasStr, f.value, f.lits = true, v, []string{v}
			if x.Value[0] == '`' || !strings.Contains(x.Value, `\`) {
				f.exactAt = a.off(x.Pos()) + 1
			}
			f.sensitive = sensitivePath(v)
		}
		return f
	case *ast.Ident:
		switch x.Name {
		case "true", "false", "nil", "iota":
			return goFacts{valueFacts: valueFacts{constant: true}, exactAt: -1}
		}
		if v, ok := a.vars[x.Name]; ok {
			v.exactAt = -1
			return v
		}
		if _, ok := a.kinds[x.Name]; ok {
			return f
		}
		return f
	case *ast.ParenExpr:
		return a.eval(x.X)
	case *ast.StarExpr:
		return a.eval(x.X)
	case *ast.UnaryExpr:
		return a.eval(x.X)
	case *ast.TypeAssertExpr:
		g := a.eval(x.X)
		g.exactAt = -1
		return g
	case *ast.BinaryExpr:
		l, r := a.eval(x.X), a.eval(x.Y)
		f = l
		f.merge(r)
		f.exactAt = -1
		if x.Op == token.ADD {
			f.value = l.value + r.value
			if f.hasStr && !f.constant && !(l.sanitized || l.constant) || f.hasStr && !f.constant && !(r.sanitized || r.constant) {
				f.built = true
			}
		}
		return f
	case *ast.SelectorExpr:
		if a.requestInput(x) {
			f.tainted = true
			return f
		}
		if v, ok := a.vars[rootIdent(x)]; ok {
			v.constant, v.exactAt = false, -1
			return v
		}
		return f
	case *ast.IndexExpr:
		g := a.eval(x.X)
		g.constant, g.exactAt = false, -1
		if a.requestInput(x) {
			g.tainted = true
		}
		return g
	case *ast.SliceExpr:
		g := a.eval(x.X)
		g.constant, g.exactAt = false, -1
		return g
	case *ast.CallExpr:
		return a.callFacts(x)
	case *ast.CompositeLit:
		f.constant = true
		for _, el := range x.Elts {
			f.merge(a.eval(el))
		}
		f.exactAt = -1
		return f
	case *ast.KeyValueExpr:
		return a.eval(x.Value)
	}
	return f
}

// callFacts computes the facts of a call's result.
func (a *goAnalysis) callFacts(c *ast.CallExpr) goFacts {
	qual, last := a.funcName(c.Fun)
	f := goFacts{exactAt: -1}
	args := func() goFacts {
		g := goFacts{valueFacts: valueFacts{constant: true}, exactAt: -1}
		for _, x := range c.Args {
			g.merge(a.eval(x))
		}
		return g
	}
	switch {
	case goSanitizers[qual]:
		f.sanitized = true
		return f
	case a.requestInput(c):
		f.tainted = true
		return f
	case qual == "fmt.Sprintf" || qual == "fmt.Sprint" || qual == "fmt.Sprintln":
		if len(c.Args) == 0 {
			return f
		}
		format := a.eval(c.Args[0])
		f = format
		f.exactAt = -1
		constArgs := true
		for _, x := range c.Args[1:] {
			g := a.eval(x)
			f.tainted = f.tainted || g.tainted
			f.sensitive = f.sensitive || g.sensitive
			f.home = f.home || g.home
			if !g.constant && !g.sanitized {
				constArgs = false
			}
		}
		f.constant = format.constant && constArgs
		if !constArgs && goStringVerb.MatchString(format.value) {
			f.built = true
		}
		return f
	case qual == "strings.Join" || qual == "strings.Repeat" || qual == "strings.ReplaceAll" || qual == "strings.Replace":
		f = args()
		f.built = f.built || !f.constant && f.hasStr
		f.exactAt = -1
		return f
	case qual == "os.UserHomeDir" || qual == "os.Getenv" && len(c.Args) == 1 && a.eval(c.Args[0]).value == "HOME":
		f.home, f.constant, f.value = true, true, "~"
		return f
	case qual == "os.MkdirTemp" || qual == "ioutil.TempDir" || qual == "os.TempDir" || qual == "os.CreateTemp" || qual == "ioutil.TempFile" || last == "TempDir" && !strings.HasPrefix(qual, "os."):
		f.temp = true
		return f
	case qual == "filepath.Join" || qual == "path.Join":
		f = goFacts{valueFacts: valueFacts{constant: true}, exactAt: -1}
		var parts []string
		for _, x := range c.Args {
			g := a.eval(x)
			f.merge(g)
			if g.home {
				parts = append(parts, "~")
			} else {
				parts = append(parts, g.value)
			}
		}
		f.value = strings.Join(parts, "/")
		f.sensitive = f.sensitive || sensitivePath(f.value)
		return f
	case qual == "net.Dial" || qual == "net.DialTimeout" || qual == "net.DialTCP" || qual == "tls.Dial" || last == "DialContext":
		f.conn = true
		return f
	case (qual == "os.ReadFile" || qual == "ioutil.ReadFile" || qual == "os.Open") && len(c.Args) > 0:
		g := a.eval(c.Args[0])
		f.sensitive = g.sensitive
		f.tainted = g.tainted
		return f
	case last == "String" || last == "Bytes":
		if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
			if v, ok := a.vars[rootIdent(sel.X)]; ok {
				v.constant, v.exactAt = false, -1
				return v
			}
		}
	case qual == "string" || qual == "[]byte" || last == "TrimSpace" || last == "ToLower" || last == "ToUpper":
		g := args()
		g.exactAt = -1
		return g
	}
	if arr, ok := c.Fun.(*ast.ArrayType); ok && arr != nil {
		g := args()
		g.exactAt = -1
		return g
	}
	g := args()
	f.tainted, f.sensitive = g.tainted, g.sensitive
	return f
}

var goStringVerb = regexp.MustCompile(`%[-+# 0]*\d*(\.\d+)?[vsqxX]`)

// visit is the ast.Inspect callback.
func (a *goAnalysis) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.FuncDecl:
		a.params(n.Type)
	case *ast.FuncLit:
		a.params(n.Type)
	case *ast.AssignStmt:
		a.assign(n)
	case *ast.ValueSpec:
		for i, name := range n.Names {
			if i < len(n.Values) {
				a.vars[name.Name] = a.eval(n.Values[i])
			} else if n.Type != nil {
				a.kinds[name.Name] = exprText(n.Type)
				a.vars[name.Name] = goFacts{valueFacts: valueFacts{constant: true}, exactAt: -1}
			}
		}
	case *ast.KeyValueExpr:
		if id, ok := n.Key.(*ast.Ident); ok && id.Name == "InsecureSkipVerify" {
			a.insecure(n, n.Value)
		}
	case *ast.CallExpr:
		a.call(n)
	}
	return true
}

func exprText(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.StarExpr:
		return "*" + exprText(x.X)
	case *ast.SelectorExpr:
		return exprText(x.X) + "." + x.Sel.Name
	}
	return ""
}

func (a *goAnalysis) params(ft *ast.FuncType) {
	if ft == nil || ft.Params == nil {
		return
	}
	for _, fld := range ft.Params.List {
		kind := exprText(fld.Type)
		for _, name := range fld.Names {
			a.kinds[name.Name] = kind
			delete(a.vars, name.Name)
		}
	}
}

func (a *goAnalysis) insecure(n ast.Node, v ast.Expr) {
	s, e := a.span(n)
	if id, ok := v.(*ast.Ident); ok {
		if id.Name == "true" {
			a.r.add(TLSVerifyDisabled, detect.High, s, e, "InsecureSkipVerify: true switches TLS certificate verification off")
		}
		return
	}
	if f := a.eval(v); !f.constant {
		a.r.add(TLSVerifyDisabled, detect.Medium, s, e, "InsecureSkipVerify is set from a variable")
	}
}

func (a *goAnalysis) assign(n *ast.AssignStmt) {
	for i, l := range n.Lhs {
		var rhs ast.Expr
		if len(n.Rhs) == len(n.Lhs) {
			rhs = n.Rhs[i]
		} else if len(n.Rhs) == 1 {
			rhs = n.Rhs[0]
		}
		if sel, ok := l.(*ast.SelectorExpr); ok {
			switch sel.Sel.Name {
			case "InsecureSkipVerify":
				a.insecure(n, rhs)
			case "Stdin", "Stdout", "Stderr":
				if f := a.eval(rhs); f.conn {
					a.connWired = append(a.connWired, [2]int{a.off(n.Pos()), a.off(n.End())})
				}
			}
			continue
		}
		id, ok := l.(*ast.Ident)
		if !ok || id.Name == "_" || rhs == nil {
			continue
		}
		f := a.eval(rhs)
		if i > 0 && len(n.Rhs) == 1 {
			// The second result (usually an error) is not the value.
			f = goFacts{exactAt: -1}
		}
		if n.Tok == token.ADD_ASSIGN {
			old := a.vars[id.Name]
			old.merge(f)
			old.built = old.built || old.hasStr && !f.constant
			old.exactAt = -1
			a.vars[id.Name] = old
			continue
		}
		f.exactAt = -1
		a.vars[id.Name] = f
	}
}

// goSQLMethods are the query methods of database/sql, sqlx, gorm, pgx.
var goSQLMethods = map[string]bool{
	"Query": true, "QueryRow": true, "QueryContext": true, "QueryRowContext": true, "Exec": true, "ExecContext": true,
	"Prepare": true, "PrepareContext": true, "Get": true, "Select": true, "GetContext": true, "SelectContext": true,
	"Raw": true, "Queryx": true, "QueryRowx": true, "MustExec": true, "NamedExec": true, "NamedQuery": true, "Where": true,
}

// call judges one call.
func (a *goAnalysis) call(c *ast.CallExpr) {
	qual, last := a.funcName(c.Fun)
	s, e := a.span(c)
	switch qual {
	case "exec.Command", "exec.CommandContext":
		args := c.Args
		if qual == "exec.CommandContext" && len(args) > 0 {
			args = args[1:]
		}
		a.argv(c, args, c.Ellipsis.IsValid())
		return
	case "syscall.Exec", "syscall.ForkExec", "os.StartProcess", "unix.Exec":
		if len(c.Args) >= 2 {
			if cl, ok := c.Args[1].(*ast.CompositeLit); ok {
				a.argv(c, cl.Elts, false)
			} else if f := a.eval(c.Args[0]); !f.constant {
				a.r.add(CommandInjection, detect.High, s, e, qual+" runs a program named at run time")
			}
		}
		return
	case "os.RemoveAll", "os.Remove":
		if len(c.Args) == 0 {
			return
		}
		f := a.eval(c.Args[0])
		switch {
		case f.temp:
		case (f.constant || f.home) && criticalPath(f.value):
			a.r.add(DestructiveFileOperation, detect.Critical, s, e, qual+" deletes "+displayPath(normalisePath(f.value)))
		case f.tainted && !f.sanitized && !a.pathChecked:
			a.r.add(DestructiveFileOperation, detect.High, s, e, qual+" deletes a path taken from user input")
		}
		return
	case "os.Open", "os.OpenFile", "os.ReadFile", "ioutil.ReadFile", "os.WriteFile", "ioutil.WriteFile", "os.Create", "os.ReadDir", "http.ServeFile", "os.Lstat", "os.Stat":
		idx := 0
		if qual == "http.ServeFile" {
			idx = 2
		}
		if idx < len(c.Args) {
			a.pathArg(c, qual, a.eval(c.Args[idx]))
		}
		return
	case "http.Post", "http.PostForm", "http.Get", "http.NewRequest", "http.NewRequestWithContext":
		a.netSends = append(a.netSends, [2]int{s, e})
		return
	case "syscall.Setuid", "syscall.Setgid", "syscall.Setreuid", "syscall.Setresuid", "unix.Setuid", "unix.Setgid", "unix.Setresuid":
		if len(c.Args) > 0 {
			if lit, ok := c.Args[0].(*ast.BasicLit); ok && lit.Value == "0" {
				a.r.add(PrivilegeEscalation, detect.High, s, e, qual+"(0) switches to root")
			}
		}
		return
	case "os.Chmod", "os.Lchmod", "syscall.Chmod":
		a.chmod(c, qual)
		return
	case "template.HTML", "template.JS", "template.HTMLAttr":
		if len(c.Args) == 1 {
			if f := a.eval(c.Args[0]); !f.constant && !f.sanitized {
				a.r.add(XSSSink, detect.High, s, e, qual+" marks non-constant text as safe HTML")
			}
		}
		return
	case "plugin.Open":
		if len(c.Args) == 1 {
			if f := a.eval(c.Args[0]); !f.constant {
				a.r.add(DynamicEval, detect.High, s, e, "plugin.Open loads native code from a path chosen at run time")
			}
		}
		return
	}
	switch {
	case goSQLMethods[last] && strings.HasPrefix(qual, "?.") || goSQLMethods[last] && !strings.Contains(qual, "exec.") && qual != last:
		a.sqlCall(c, last)
	case last == "Write" || last == "WriteString" || qual == "fmt.Fprintf" || qual == "fmt.Fprint" || qual == "io.WriteString":
		a.writeCall(c, qual)
	}
}

// argv judges a command: a shell with -c and its command, or the whole
// vector.
func (a *goAnalysis) argv(c *ast.CallExpr, args []ast.Expr, variadic bool) {
	s, e := a.span(c)
	if len(args) == 0 {
		return
	}
	facts := make([]goFacts, len(args))
	for i, x := range args {
		facts[i] = a.eval(x)
	}
	prog := facts[0]
	if !prog.constant {
		if prog.tainted {
			a.r.add(CommandInjection, detect.High, s, e, "runs a program named by user input")
		}
		return
	}
	if isShell(prog.value) {
		if len(args) == 1 || len(args) == 2 && facts[1].value == "-i" {
			a.shellSpawns = append(a.shellSpawns, [2]int{s, e})
		}
		for i := 1; i+1 < len(args); i++ {
			if !isShellFlag(facts[i].value) {
				continue
			}
			cmd := facts[i+1]
			switch {
			case cmd.constant && cmd.hasStr:
				cs, ce := a.span(args[i+1])
				exact := -1
				if lit, ok := args[i+1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					exact = a.eval(lit).exactAt
				}
				a.r.embed(Bash, cmd.value, cs, ce, exact, a.depth, "exec.Command")
			default:
				if cmd.hasStr {
					a.r.embed(Bash, cmd.template(), s, e, -1, a.depth, "exec.Command")
				}
				detail := "a shell runs a command built from non-constant text"
				if cmd.tainted {
					detail = "a shell runs a command built from user input"
				}
				a.r.add(CommandInjection, detect.High, s, e, detail)
			}
			return
		}
	}
	if variadic {
		return
	}
	words := make([]string, len(facts))
	for i, f := range facts {
		if f.constant {
			words[i] = shellQuote(f.value)
		} else {
			words[i] = placeholderVar
		}
	}
	a.r.embed(Bash, strings.Join(words, " "), s, e, -1, a.depth, "exec.Command")
}

func (a *goAnalysis) pathArg(c *ast.CallExpr, qual string, f goFacts) {
	s, e := a.span(c)
	switch {
	case f.sensitive && !strings.HasPrefix(qual, "os.Write") && qual != "ioutil.WriteFile":
		a.secretReads = append(a.secretReads, [2]int{s, e})
		a.r.add(SensitiveFileAccess, detect.Medium, s, e, "reads a credential or account file")
	case f.constant && strings.Count(f.value, "../") >= 3:
		a.r.add(PathTraversal, detect.High, s, e, "a path climbs out of the working directory")
	case f.tainted && !f.sanitized && !a.pathChecked:
		a.r.add(PathTraversal, detect.High, s, e, qual+" uses a path built from user input")
	}
}

func (a *goAnalysis) chmod(c *ast.CallExpr, qual string) {
	if len(c.Args) < 2 {
		return
	}
	s, e := a.span(c)
	lit, ok := c.Args[1].(*ast.BasicLit)
	if !ok || lit.Kind != token.INT {
		return
	}
	mode, err := strconv.ParseInt(strings.ReplaceAll(lit.Value, "_", ""), 0, 64)
	if err != nil {
		return
	}
	p := a.eval(c.Args[0])
	switch {
	case mode&0o6000 != 0:
		a.r.add(PrivilegeEscalation, detect.High, s, e, qual+" sets the setuid/setgid bit")
	case mode&0o002 != 0 && p.constant && (systemPath(p.value) || sensitivePath(p.value)):
		a.r.add(PrivilegeEscalation, detect.High, s, e, qual+" makes a system or credential file writable by everyone")
	case mode&0o002 != 0:
		a.r.add(PrivilegeEscalation, detect.Medium, s, e, qual+" makes a file writable by everyone")
	}
}

func (a *goAnalysis) sqlCall(c *ast.CallExpr, method string) {
	s, e := a.span(c)
	for _, x := range c.Args {
		f := a.eval(x)
		if !f.hasStr {
			continue
		}
		switch {
		case f.built && looksSQL(f.lits):
			detail := "SQL built by concatenation or formatting is passed to " + method
			if f.tainted {
				detail = "SQL built from user input is passed to " + method
			}
			a.r.add(SQLStringConcat, detect.High, s, e, detail)
		case f.constant && looksSQL(f.lits):
			xs, xe := a.span(x)
			a.r.embed(SQL, f.value, xs, xe, f.exactAt, a.depth, method)
		}
		return
	}
}

// writeCall: HTML built from request input written to a response.
func (a *goAnalysis) writeCall(c *ast.CallExpr, qual string) {
	s, e := a.span(c)
	args := c.Args
	if qual == "fmt.Fprintf" || qual == "fmt.Fprint" || qual == "io.WriteString" {
		if len(args) == 0 {
			return
		}
		if f := a.eval(args[0]); f.conn {
			a.netSends = append(a.netSends, [2]int{s, e})
			return
		}
		args = args[1:]
	} else if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
		if f := a.eval(sel.X); f.conn {
			a.netSends = append(a.netSends, [2]int{s, e})
			return
		}
	}
	f := goFacts{valueFacts: valueFacts{constant: true}, exactAt: -1}
	for _, x := range args {
		f.merge(a.eval(x))
	}
	if f.tainted && !f.sanitized && strings.Contains(strings.Join(f.lits, ""), "<") {
		a.r.add(XSSSink, detect.High, s, e, "HTML built from request input is written to the response")
	}
}

func (a *goAnalysis) finish() {
	if len(a.connWired) > 0 && len(a.shellSpawns) > 0 {
		s, e := a.shellSpawns[0][0], a.connWired[len(a.connWired)-1][1]
		a.r.add(ReverseShell, detect.Critical, min(s, e), max(s, e), "a shell's standard streams are connected to a network connection")
	}
	if len(a.secretReads) > 0 && len(a.netSends) > 0 {
		for _, n := range a.netSends {
			a.r.add(NetworkExfiltration, detect.Critical, n[0], n[1], fmt.Sprintf("a credential or account file read at byte %d is sent over the network", a.secretReads[0][0]))
		}
	}
}
