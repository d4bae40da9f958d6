package code

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
	"mvdan.cc/sh/v3/syntax"
)

// Bash is analysed on the syntax tree of mvdan.cc/sh/v3: every simple
// command is reduced to its words (with quotes removed, parameters of
// known constant value substituted, other expansions kept as $NAME or
// $(…)), the wrappers that do not change what runs (sudo, env, nohup,
// timeout …) are peeled off, and the command is judged with its
// redirections and its place in a pipeline: curl piped into a shell is the
// danger, not curl and not a shell.

// shWord is one word of a command.
type shWord struct {
	val string // the value, expansions rendered as $NAME, $(…), <(…)
	lit bool   // no expansion at all
	s   int    // span in the source
	e   int
	// params are the names of unresolved parameters; guarded is true
	// when each has a :? or default guard, so it cannot be empty.
	params  []string
	guarded bool
	// substs are the command and process substitutions inside.
	substs [][]*syntax.Stmt
	// exactAt is where val starts in the source when val is the source
	// text byte for byte (a single quoted or plain literal), else -1.
	exactAt int
}

// shCmd is one simple command.
type shCmd struct {
	stmt  *syntax.Stmt
	words []shWord // all words
	args  []shWord // after wrappers; args[0] is the program
	name  string   // progName(args[0])
	s, e  int
	sudo  bool
}

// shStage is one element of a pipeline with the commands inside it.
type shStage struct {
	stmt *syntax.Stmt
	cmds []*syntax.CallExpr
}

type shAnalysis struct {
	r     *report
	src   string
	depth int
	// vars holds parameters assigned a constant value, in source order.
	vars map[string]string
	// pipes maps a command to its pipeline and stage.
	pipes map[*syntax.CallExpr]pipePos
	// cwdDanger: the script has cd'd into / or the home directory, where
	// rm -rf * is fatal.
	cwdDanger bool
}

type pipePos struct {
	stages []shStage
	idx    int
}

func analyzeBash(r *report, src string, depth int) {
	f, err := parseBash(src)
	if err != nil {
		lexicalFallback(r, Bash, src, err)
		return
	}
	a := &shAnalysis{r: r, src: src, depth: depth, vars: map[string]string{}, pipes: map[*syntax.CallExpr]pipePos{}}
	a.collectPipes(f)
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			a.stmt(n)
		case *syntax.FuncDecl:
			a.funcDecl(n)
		case *syntax.DeclClause:
			a.declClause(n)
		}
		return true
	})
}

// parseBash parses src as Bash, falling back to POSIX sh and mksh, whose
// grammars accept a few scripts that Bash's does not.
func parseBash(src string) (f *syntax.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("parser failure: %v", p)
		}
	}()
	for _, v := range []syntax.LangVariant{syntax.LangBash, syntax.LangPOSIX} {
		f, err = syntax.NewParser(syntax.Variant(v)).Parse(strings.NewReader(src), "")
		if err == nil {
			return f, nil
		}
	}
	return nil, err
}

func off(p syntax.Pos) int { return int(p.Offset()) }

// collectPipes records, for every command, the pipeline it is part of.
func (a *shAnalysis) collectPipes(f *syntax.File) {
	syntax.Walk(f, func(n syntax.Node) bool {
		st, ok := n.(*syntax.Stmt)
		if !ok {
			return true
		}
		bc, ok := st.Cmd.(*syntax.BinaryCmd)
		if !ok || (bc.Op != syntax.Pipe && bc.Op != syntax.PipeAll) {
			return true
		}
		var stmts []*syntax.Stmt
		var flatten func(s *syntax.Stmt)
		flatten = func(s *syntax.Stmt) {
			if b, ok := s.Cmd.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) {
				flatten(b.X)
				flatten(b.Y)
				return
			}
			stmts = append(stmts, s)
		}
		flatten(st)
		stages := make([]shStage, len(stmts))
		for i, s := range stmts {
			stages[i].stmt = s
			syntax.Walk(s, func(n syntax.Node) bool {
				switch n := n.(type) {
				case *syntax.CallExpr:
					stages[i].cmds = append(stages[i].cmds, n)
				case *syntax.BinaryCmd:
					// A nested pipeline is a pipeline of its own: not
					// walking it again keeps the walk linear.
					if n.Op == syntax.Pipe || n.Op == syntax.PipeAll {
						return false
					}
				}
				return true
			})
		}
		for i := range stages {
			for _, c := range stages[i].cmds {
				a.pipes[c] = pipePos{stages: stages, idx: i}
			}
		}
		// Inner pipelines are walked later and overwrite their commands'
		// positions with the innermost pipeline.
		return true
	})
}

// word evaluates a word.
func (a *shAnalysis) word(w *syntax.Word) shWord {
	out := shWord{s: off(w.Pos()), e: off(w.End()), lit: true, guarded: true, exactAt: -1}
	var b strings.Builder
	for _, p := range w.Parts {
		a.part(p, &b, &out, false)
	}
	out.val = b.String()
	if len(w.Parts) == 1 {
		switch p := w.Parts[0].(type) {
		case *syntax.SglQuoted:
			if !p.Dollar {
				out.exactAt = off(p.Pos()) + 1
			}
		case *syntax.Lit:
			if !strings.Contains(p.Value, `\`) {
				out.exactAt = off(p.Pos())
			}
		case *syntax.DblQuoted:
			if len(p.Parts) == 1 {
				if l, ok := p.Parts[0].(*syntax.Lit); ok && !strings.Contains(l.Value, `\`) {
					out.exactAt = off(l.Pos())
				}
			}
		}
	}
	if len(out.params) == 0 {
		out.guarded = false
	}
	return out
}

func (a *shAnalysis) part(p syntax.WordPart, b *strings.Builder, out *shWord, quoted bool) {
	switch p := p.(type) {
	case *syntax.Lit:
		b.WriteString(unescapeShell(p.Value, quoted))
	case *syntax.SglQuoted:
		b.WriteString(p.Value)
	case *syntax.DblQuoted:
		for _, q := range p.Parts {
			a.part(q, b, out, true)
		}
	case *syntax.ParamExp:
		if p.Param == nil {
			out.lit = false
			b.WriteString("$?")
			return
		}
		name := p.Param.Value
		if v, ok := a.vars[name]; ok && p.Exp == nil && p.Repl == nil && p.Slice == nil && !p.Length {
			b.WriteString(v)
			return
		}
		out.lit = false
		out.params = append(out.params, name)
		guard := p.Exp != nil && p.Exp.Op != syntax.RemSmallPrefix && p.Exp.Op != syntax.RemLargePrefix &&
			p.Exp.Op != syntax.RemSmallSuffix && p.Exp.Op != syntax.RemLargeSuffix
		out.guarded = out.guarded && guard
		b.WriteString("$" + name)
	case *syntax.CmdSubst:
		out.lit = false
		out.substs = append(out.substs, p.Stmts)
		b.WriteString("$(…)")
	case *syntax.ProcSubst:
		out.lit = false
		out.substs = append(out.substs, p.Stmts)
		b.WriteString("<(…)")
	case *syntax.ArithmExp:
		out.lit = false
		b.WriteString("$((…))")
	default:
		// Brace expansions, extended globs: keep their source text.
		b.WriteString(a.src[min(off(p.Pos()), len(a.src)):min(off(p.End()), len(a.src))])
	}
}

// unescapeShell removes the backslashes the shell removes.
func unescapeShell(s string, quoted bool) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			n := s[i+1]
			if !quoted || n == '"' || n == '\\' || n == '$' || n == '`' {
				b.WriteByte(n)
				i++
				continue
			}
			if n == '\n' {
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// stmt handles one statement: its command, if simple, and its
// redirections.
func (a *shAnalysis) stmt(st *syntax.Stmt) {
	call, _ := st.Cmd.(*syntax.CallExpr)
	var c *shCmd
	if call != nil {
		c = a.command(st, call)
	}
	for _, rd := range st.Redirs {
		a.redirect(st, c, rd)
	}
	if c != nil && len(c.args) > 0 {
		a.checkCommand(c, call)
	}
}

// command evaluates a simple command's words and peels off wrappers.
func (a *shAnalysis) command(st *syntax.Stmt, call *syntax.CallExpr) *shCmd {
	c := &shCmd{stmt: st, s: off(st.Pos()), e: off(st.End())}
	for _, as := range call.Assigns {
		a.assign(as, len(call.Args) == 0)
	}
	for _, w := range call.Args {
		c.words = append(c.words, a.word(w))
	}
	args := c.words
	for len(args) > 0 {
		n := progName(args[0].val)
		switch n {
		case "sudo", "doas", "pkexec", "run0":
			rest := args[1:]
			if n == "sudo" && sudoCheckOnly(rest) {
				return c
			}
			c.sudo = true
			a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, n+" runs a command as another user (root)")
			args = skipOptions(rest, "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "--user", "--group")
			continue
		case "env":
			args = args[1:]
			for len(args) > 0 && (strings.HasPrefix(args[0].val, "-") || strings.Contains(args[0].val, "=")) {
				args = args[1:]
			}
			continue
		case "nohup", "command", "builtin", "exec", "stdbuf", "setsid", "unbuffer", "caffeinate", "time", "ionice", "nice", "chrt", "flock":
			args = skipOptions(args[1:], "-n", "-c", "-p", "-o", "-e", "-i")
			continue
		case "timeout":
			args = skipOptions(args[1:], "-s", "-k", "--signal", "--kill-after")
			if len(args) > 0 {
				args = args[1:] // the duration
			}
			continue
		}
		break
	}
	c.args = args
	if len(args) > 0 {
		c.name = progName(args[0].val)
	}
	return c
}

// sudoCheckOnly reports whether sudo's arguments only test or manage
// credentials (sudo -n true, sudo -l, sudo -v, sudo -k) rather than run
// a command.
func sudoCheckOnly(rest []shWord) bool {
	if len(rest) == 0 {
		return false
	}
	switch rest[0].val {
	case "-l", "-v", "-k", "-K", "--list", "--validate", "--version", "-V", "-h", "--help":
		return true
	case "-n":
		return len(rest) == 2 && (rest[1].val == "true" || rest[1].val == "/bin/true")
	}
	return false
}

// skipOptions drops leading options; those in withValue take the next
// word as their value.
func skipOptions(args []shWord, withValue ...string) []shWord {
	for len(args) > 0 && strings.HasPrefix(args[0].val, "-") && args[0].val != "-" {
		o := args[0].val
		args = args[1:]
		if o == "--" {
			break
		}
		for _, v := range withValue {
			if o == v && len(args) > 0 {
				args = args[1:]
			}
		}
	}
	return args
}

// assign records a constant assignment and checks the variables that
// switch off TLS verification or history.
func (a *shAnalysis) assign(as *syntax.Assign, standalone bool) {
	if as.Name == nil {
		return
	}
	name := as.Name.Value
	val, lit := "", true
	s, e := off(as.Pos()), off(as.End())
	if as.Value != nil {
		w := a.word(as.Value)
		val, lit = w.val, w.lit
	}
	if lit && standalone && !as.Append && as.Index == nil {
		a.vars[name] = val
	} else {
		delete(a.vars, name)
	}
	a.checkEnvSetting(name, val, s, e)
}

func (a *shAnalysis) checkEnvSetting(name, val string, s, e int) {
	v := strings.ToLower(strings.Trim(val, `"'`))
	switch name {
	case "NODE_TLS_REJECT_UNAUTHORIZED", "PYTHONHTTPSVERIFY":
		if v == "0" {
			a.r.add(TLSVerifyDisabled, detect.High, s, e, name+"=0 disables TLS certificate verification")
		}
	case "GIT_SSL_NO_VERIFY", "CURL_INSECURE":
		if v == "1" || v == "true" {
			a.r.add(TLSVerifyDisabled, detect.High, s, e, name+" disables TLS certificate verification")
		}
	case "HISTFILE":
		if v == "/dev/null" || v == "" {
			a.r.add(DefenseEvasion, detect.High, s, e, "shell history is switched off")
		}
	case "HISTSIZE", "HISTFILESIZE", "SAVEHIST":
		if v == "0" {
			a.r.add(DefenseEvasion, detect.High, s, e, "shell history is switched off")
		}
	}
}

func (a *shAnalysis) declClause(d *syntax.DeclClause) {
	for _, as := range d.Args {
		if as.Naked && as.Name != nil && d.Variant != nil && d.Variant.Value == "unset" {
			continue
		}
		a.assign(as, true)
	}
}

// funcDecl finds fork bombs: a function that calls itself in a pipeline or
// in the background.
func (a *shAnalysis) funcDecl(fd *syntax.FuncDecl) {
	if fd.Name == nil || fd.Body == nil {
		return
	}
	name := fd.Name.Value
	bomb := false
	syntax.Walk(fd.Body, func(n syntax.Node) bool {
		st, ok := n.(*syntax.Stmt)
		if !ok || bomb {
			return !bomb
		}
		if bc, ok := st.Cmd.(*syntax.BinaryCmd); ok && (bc.Op == syntax.Pipe || bc.Op == syntax.PipeAll) {
			if callsName(bc.X, name) && callsName(bc.Y, name) {
				bomb = true
			}
		}
		if st.Background && callsName(st, name) {
			bomb = true
		}
		return true
	})
	if bomb {
		a.r.add(DestructiveShell, detect.Critical, off(fd.Pos()), off(fd.End()), "fork bomb: a function that spawns copies of itself")
	}
}

// callsName reports whether a statement calls the named function. It
// looks at a bounded number of nodes: a fork bomb is short.
func callsName(st *syntax.Stmt, name string) bool {
	found, budget := false, 256
	syntax.Walk(st, func(n syntax.Node) bool {
		budget--
		if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) > 0 {
			if lit := c.Args[0].Lit(); lit == name {
				found = true
			}
		}
		return !found && budget > 0
	})
	return found
}

// isOutputRedirect reports whether op writes to its target.
func isOutputRedirect(op syntax.RedirOperator) bool {
	switch op {
	case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.RdrAll, syntax.AppAll, syntax.RdrInOut:
		return true
	}
	return false
}

// redirect judges one redirection of a statement (c is its simple command,
// or nil).
func (a *shAnalysis) redirect(st *syntax.Stmt, c *shCmd, rd *syntax.Redirect) {
	s, e := off(st.Pos()), off(st.End())
	if rd.Hdoc != nil && c != nil && len(c.args) > 0 {
		body := a.word(rd.Hdoc)
		a.embedForProgram(c, body.val, off(rd.Hdoc.Pos()), off(rd.Hdoc.End()), -1, "a here-document")
		return
	}
	if rd.Word == nil {
		return
	}
	w := a.word(rd.Word)
	t := w.val
	name := ""
	if c != nil {
		name = c.name
	}
	if strings.HasPrefix(t, "/dev/tcp/") || strings.HasPrefix(t, "/dev/udp/") {
		shell := name == "" || isShell(name) || name == "exec" || strings.Contains(a.src[s:e], " -i")
		if shell || rd.Op == syntax.RdrIn || rd.Op == syntax.RdrInOut || rd.Op == syntax.DplIn {
			a.r.add(ReverseShell, detect.Critical, s, e, "a shell's input or output is wired to a network socket ("+t+")")
		} else {
			a.r.add(NetworkExfiltration, detect.High, s, e, "output is sent to a network socket ("+t+")")
		}
		return
	}
	switch {
	case isOutputRedirect(rd.Op):
		a.writeTarget(t, s, e)
	case rd.Op == syntax.RdrIn && sensitivePath(t) && isNetworkProgram(name):
		a.r.add(NetworkExfiltration, detect.Critical, s, e, "a credential or account file is sent over the network")
	}
}

// writeTarget judges a file a command writes to (a redirection or tee).
func (a *shAnalysis) writeTarget(t string, s, e int) {
	n := normalisePath(t)
	switch {
	case deviceTarget(t):
		a.r.add(DestructiveShell, detect.Critical, s, e, "writes over a block device ("+t+")")
	case n == "/etc/sudoers" || strings.HasPrefix(n, "/etc/sudoers.d") || n == "/etc/passwd" || n == "/etc/shadow" || n == "/etc/group":
		a.r.add(PrivilegeEscalation, detect.Critical, s, e, "writes to "+n+", which grants accounts and privileges")
	case strings.HasSuffix(n, "authorized_keys"):
		a.r.add(Persistence, detect.High, s, e, "adds an SSH key to authorized_keys (standing remote access)")
	case strings.HasPrefix(n, "/etc/cron") || strings.HasPrefix(n, "/var/spool/cron") || n == "/etc/rc.local" ||
		strings.HasPrefix(n, "/etc/systemd/system") || strings.HasPrefix(n, "/etc/init.d") || n == "/etc/ld.so.preload":
		a.r.add(Persistence, detect.High, s, e, "writes a start-up or scheduled job ("+n+")")
	case strings.HasPrefix(n, "/var/log/") || strings.HasSuffix(n, ".bash_history") || strings.HasSuffix(n, ".zsh_history"):
		a.r.add(DefenseEvasion, detect.High, s, e, "overwrites logs or shell history ("+n+")")
	case systemPath(n) && n != "/dev/null" && !strings.HasPrefix(n, "/dev/"):
		a.r.add(PrivilegeEscalation, detect.Medium, s, e, "writes to a system file ("+n+")")
	}
}

func isNetworkProgram(n string) bool {
	switch n {
	case "nc", "ncat", "netcat", "telnet", "socat", "curl", "wget", "openssl", "ssh", "scp", "ftp", "sftp", "tftp":
		return true
	}
	return false
}

// embedForProgram analyses code fed to c's program (a here-document or a
// -c argument) in the program's language.
func (a *shAnalysis) embedForProgram(c *shCmd, code string, s, e, exactAt int, via string) {
	if lang, _, ok := interpreterLanguage(c.name); ok {
		if lang == "" {
			a.scriptScan(code, s, e)
			return
		}
		a.r.embed(lang, code, s, e, exactAt, a.depth, via)
		return
	}
	if isSQLClient(c.name) {
		a.r.embed(SQL, code, s, e, exactAt, a.depth, via)
	}
}

func isSQLClient(n string) bool {
	switch n {
	case "mysql", "mariadb", "psql", "sqlite3", "sqlcmd", "clickhouse-client", "cockroach", "duckdb":
		return true
	}
	return false
}

// reverseShellScript matches the usual one-line reverse shells of Perl,
// Ruby and PHP: a socket and a shell in the same script.
var (
	scriptSocket = regexp.MustCompile(`(?i)\b(socket|fsockopen|TCPSocket|IO::Socket|socat)\b`)
	scriptShell  = regexp.MustCompile(`(?i)(/bin/(ba)?sh|\bexec\b|\bsystem\b|\bpopen\b|\bspawn\b|cmd\.exe)`)
)

// scriptScan looks at the code of interpreters we do not parse.
func (a *shAnalysis) scriptScan(code string, s, e int) {
	if scriptSocket.MatchString(code) && scriptShell.MatchString(code) {
		a.r.add(ReverseShell, detect.Critical, s, e, "script connects a socket and runs a shell")
	}
}

// maxSubstCommands bounds the commands collected from substitutions, so
// that deeply nested $( … ) do not make the analysis quadratic.
const maxSubstCommands = 64

// substCommands returns the simple commands inside substitutions.
func substCommands(substs [][]*syntax.Stmt) []*syntax.CallExpr {
	var out []*syntax.CallExpr
	for _, stmts := range substs {
		for _, st := range stmts {
			syntax.Walk(st, func(n syntax.Node) bool {
				if c, ok := n.(*syntax.CallExpr); ok {
					out = append(out, c)
				}
				return len(out) < maxSubstCommands
			})
		}
	}
	return out
}

// callName is the program of a call, past sudo and env.
func callName(c *syntax.CallExpr) string {
	for i, w := range c.Args {
		v := w.Lit()
		switch progName(v) {
		case "sudo", "env", "doas", "nohup", "command", "exec":
			continue
		}
		if strings.HasPrefix(v, "-") && i > 0 {
			continue
		}
		return progName(v)
	}
	return ""
}

// callArgs returns the literal words of a call.
func callArgs(c *syntax.CallExpr) []string {
	out := make([]string, 0, len(c.Args))
	for _, w := range c.Args {
		out = append(out, wordText(w))
	}
	return out
}

// wordText is a word's value with quotes removed; expansions are dropped.
func wordText(w *syntax.Word) string {
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if l, ok := q.(*syntax.Lit); ok {
					b.WriteString(l.Value)
				} else if pe, ok := q.(*syntax.ParamExp); ok && pe.Param != nil {
					b.WriteString("$" + pe.Param.Value)
				}
			}
		case *syntax.ParamExp:
			if p.Param != nil {
				b.WriteString("$" + p.Param.Value)
			}
		}
	}
	return b.String()
}

// isDecoder reports whether a call decodes or decompresses its input:
// the usual wrapping of obfuscated payloads.
func isDecoder(c *syntax.CallExpr) bool {
	n := callName(c)
	args := callArgs(c)
	has := func(fs ...string) bool {
		for _, a := range args[1:] {
			for _, f := range fs {
				if a == f || (len(f) == 2 && strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a[1:], f[1:])) {
					return true
				}
			}
		}
		return false
	}
	switch n {
	case "base64", "base32", "basenc":
		return has("-d", "--decode", "-D")
	case "xxd":
		return has("-r")
	case "openssl":
		return has("-d", "-base64", "base64")
	case "gunzip", "zcat", "gzcat", "bzcat", "xzcat", "rev", "uudecode":
		return true
	case "gzip", "bzip2", "xz":
		return has("-d", "--decompress")
	case "python", "python3", "perl", "ruby", "node":
		return strings.Contains(strings.Join(args, " "), "decode")
	}
	return false
}

// readsSecrets reports whether a call reads credentials or dumps the
// environment.
func readsSecrets(c *syntax.CallExpr) bool {
	n := callName(c)
	args := callArgs(c)
	switch n {
	case "env", "printenv", "set", "declare", "export", "compgen":
		if n == "printenv" || n == "env" {
			return len(args) == 1
		}
		return len(args) == 1 || (len(args) == 2 && (args[1] == "-p" || args[1] == "-x"))
	}
	for _, a := range args[1:] {
		if sensitivePath(a) {
			return true
		}
	}
	return false
}

// readsStdin reports whether an interpreter call runs the script it reads
// from standard input.
func readsStdin(c *shCmd) bool {
	if c.name == "source" || c.name == "." {
		return len(c.args) > 1 && (c.args[1].val == "/dev/stdin" || c.args[1].val == "-")
	}
	if _, _, ok := interpreterLanguage(c.name); !ok {
		return false
	}
	for _, w := range c.args[1:] {
		v := w.val
		switch {
		case v == "-" || v == "-s" || v == "/dev/stdin":
			return true
		case v == "--":
			return true
		case v == "-m" || v == "-c" || v == "-e" || v == "-r":
			return false
		case strings.HasPrefix(v, "-"):
			continue
		default:
			return false // a script file
		}
	}
	return true
}

// checkCommand judges one simple command.
func (a *shAnalysis) checkCommand(c *shCmd, call *syntax.CallExpr) {
	args := c.args
	s, e := c.s, c.e
	vals := make([]string, len(args))
	for i, w := range args {
		vals[i] = w.val
	}
	if pp, ok := a.pipes[call]; ok {
		a.checkPipe(c, pp)
	}
	// Substitutions anywhere in the command that fetch and run are
	// judged with the consumer (below); a fetch inside a substitution
	// that is only an argument is harmless.
	switch n := c.name; {
	case n == "cd":
		a.cwdDanger = len(args) == 1 || criticalHome(vals[1])
	case n == "su":
		a.r.add(PrivilegeEscalation, detect.High, s, e, "su switches to another user (root by default)")
	case n == "rm":
		a.checkRm(c, vals)
	case n == "find":
		a.checkFind(c, vals)
	case n == "dd":
		for _, v := range vals[1:] {
			if strings.HasPrefix(v, "of=") && deviceTarget(v[3:]) {
				a.r.add(DestructiveShell, detect.Critical, s, e, "dd writes over a block device ("+v[3:]+")")
			}
		}
	case strings.HasPrefix(n, "mkfs") || n == "mke2fs" || n == "mkswap" || n == "wipefs" || n == "blkdiscard" ||
		n == "shred" || n == "fdisk" || n == "sfdisk" || n == "parted" || n == "sgdisk":
		listing := contains(vals, "-l") || contains(vals, "--list") || contains(vals, "print")
		for _, v := range vals[1:] {
			if deviceTarget(v) && !listing {
				a.r.add(DestructiveShell, detect.Critical, s, e, n+" destroys the data on "+v)
				break
			}
			if n == "shred" && (strings.HasSuffix(v, "_history") || strings.HasPrefix(normalisePath(v), "/var/log/")) {
				a.r.add(DefenseEvasion, detect.High, s, e, "shreds logs or shell history")
				break
			}
		}
	case n == "chmod":
		a.checkChmod(c, vals)
	case n == "chown" || n == "chgrp":
		if hasShortFlag(vals, 'R') || contains(vals, "--recursive") {
			for _, v := range nonFlags(vals[1:])[1:] {
				if criticalPath(v) {
					a.r.add(DestructiveShell, detect.High, s, e, n+" -R changes the owner of "+v)
					break
				}
			}
		}
	case isFetcher(n):
		a.checkFetcher(c, vals)
	case n == "eval":
		a.checkEval(c)
	case n == "source" || n == ".":
		for _, w := range args[1:] {
			if substFetches(w.substs) {
				a.r.add(DownloadAndExecute, detect.Critical, s, e, "sources a script downloaded from the network")
			}
		}
	case n == "nc" || n == "ncat" || n == "netcat":
		for _, v := range vals[1:] {
			if v == "-e" || v == "-c" || v == "--exec" || v == "--sh-exec" || v == "--lua-exec" || (strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.ContainsAny(v[1:], "e") && len(v) <= 4 && !strings.Contains(v, "z")) {
				a.r.add(ReverseShell, detect.Critical, s, e, n+" runs a program on a network connection")
				break
			}
		}
	case n == "socat":
		low := strings.ToLower(strings.Join(vals, " "))
		if (strings.Contains(low, "exec:") || strings.Contains(low, "system:")) && (strings.Contains(low, "tcp") || strings.Contains(low, "udp") || strings.Contains(low, "openssl") || strings.Contains(low, "ssl:")) {
			a.r.add(ReverseShell, detect.Critical, s, e, "socat connects a program to the network")
		}
	case n == "scp" || n == "rsync" || n == "sftp" || n == "ftp" || n == "rclone":
		remote, secret := false, false
		for _, v := range nonFlags(vals[1:]) {
			if strings.Contains(v, ":") && !strings.HasPrefix(v, "/") {
				remote = true
			} else if sensitivePath(v) {
				secret = true
			}
		}
		if remote && secret {
			a.r.add(NetworkExfiltration, detect.Critical, s, e, n+" copies credential or account files to a remote host")
		}
	case n == "kill":
		if len(vals) >= 3 && vals[len(vals)-1] == "-1" {
			a.r.add(DestructiveShell, detect.High, s, e, "kill -1 signals every process the user may signal")
		}
	case n == "killall5" || n == "shutdown" || n == "reboot" || n == "halt" || n == "poweroff":
		a.r.add(DestructiveShell, detect.High, s, e, n+" stops the machine or all its processes")
	case n == "init" || n == "telinit":
		if len(vals) > 1 && (vals[1] == "0" || vals[1] == "6") {
			a.r.add(DestructiveShell, detect.High, s, e, "init "+vals[1]+" halts or reboots the machine")
		}
	case n == "systemctl":
		a.checkSystemctl(c, vals)
	case n == "history":
		if contains(vals, "-c") || contains(vals, "-w") && contains(vals, "/dev/null") {
			a.r.add(DefenseEvasion, detect.High, s, e, "clears the shell history")
		}
	case n == "unset":
		if contains(vals, "HISTFILE") {
			a.r.add(DefenseEvasion, detect.High, s, e, "switches shell history off")
		}
	case n == "setenforce":
		if len(vals) > 1 && (vals[1] == "0" || strings.EqualFold(vals[1], "permissive")) {
			a.r.add(DefenseEvasion, detect.High, s, e, "switches SELinux enforcement off")
		}
	case n == "ufw":
		if contains(vals, "disable") {
			a.r.add(DefenseEvasion, detect.High, s, e, "switches the firewall off")
		}
	case n == "iptables" || n == "ip6tables":
		if contains(vals, "-F") || contains(vals, "--flush") {
			a.r.add(DefenseEvasion, detect.High, s, e, "flushes the firewall rules")
		}
	case n == "auditctl":
		if contains(vals, "-D") || (contains(vals, "-e") && contains(vals, "0")) {
			a.r.add(DefenseEvasion, detect.High, s, e, "switches auditing off")
		}
	case n == "git":
		low := strings.ToLower(strings.Join(vals, " "))
		if strings.Contains(low, "http.sslverify false") || strings.Contains(low, "http.sslverify=false") {
			a.r.add(TLSVerifyDisabled, detect.High, s, e, "git is told not to verify TLS certificates")
		}
	case n == "npm" || n == "yarn" || n == "pnpm":
		low := strings.ToLower(strings.Join(vals, " "))
		if strings.Contains(low, "strict-ssl false") || strings.Contains(low, "strict-ssl=false") || strings.Contains(low, "--strict-ssl=false") {
			a.r.add(TLSVerifyDisabled, detect.High, s, e, n+" is told not to verify TLS certificates")
		}
	case n == "pip" || n == "pip3" || n == "uv" || n == "poetry":
		low := strings.ToLower(strings.Join(vals, " "))
		if strings.Contains(low, "trusted-host") {
			a.r.add(TLSVerifyDisabled, detect.High, s, e, n+" trusts a host without TLS verification")
		}
	case n == "crontab":
		installs := len(vals) == 1
		for _, v := range vals[1:] {
			if v == "-" || !strings.HasPrefix(v, "-") {
				installs = true
			}
		}
		if installs {
			a.r.add(Persistence, detect.High, s, e, "installs a crontab (a scheduled job that persists)")
		}
	case n == "usermod" || n == "useradd" || n == "gpasswd" || n == "adduser" || n == "addgroup":
		a.checkAccount(c, vals)
	case n == "passwd":
		if contains(vals, "root") || contains(vals, "-d") {
			a.r.add(PrivilegeEscalation, detect.High, s, e, "changes or removes a privileged account's password")
		}
	case n == "visudo":
		a.r.add(PrivilegeEscalation, detect.High, s, e, "edits the sudoers policy")
	case n == "docker" || n == "podman" || n == "nerdctl":
		a.checkContainer(c, vals)
	case n == "nsenter":
		if contains(vals, "-t") && contains(vals, "1") || contains(vals, "--target=1") {
			a.r.add(PrivilegeEscalation, detect.High, s, e, "nsenter joins the namespaces of the host's init")
		}
	case n == "tee":
		for _, v := range nonFlags(vals[1:]) {
			a.writeTarget(v, s, e)
		}
	case n == "truncate":
		for _, v := range nonFlags(vals[1:]) {
			if strings.HasPrefix(normalisePath(v), "/var/log/") || strings.HasSuffix(v, "_history") {
				a.r.add(DefenseEvasion, detect.High, s, e, "truncates logs or shell history")
				break
			}
		}
	case n == "mv":
		if nf := nonFlags(vals[1:]); len(nf) >= 2 && nf[len(nf)-1] == "/dev/null" {
			for _, v := range nf[:len(nf)-1] {
				if criticalPath(v) {
					a.r.add(DestructiveShell, detect.Critical, s, e, "moves "+v+" to /dev/null")
				}
			}
		}
	case isSQLClient(n):
		a.checkSQLClient(c)
	}
	if lang, flag, ok := interpreterLanguage(c.name); ok {
		a.checkInterpreter(c, lang, flag)
	}
}

// criticalHome reports whether a cd target is / or the home directory.
func criticalHome(v string) bool {
	n := normalisePath(v)
	return n == "/" || n == "~"
}

func contains(vals []string, v string) bool {
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

// hasShortFlag reports whether a short option cluster (-rf) contains c.
func hasShortFlag(vals []string, c byte) bool {
	for _, v := range vals[1:] {
		if v == "--" {
			return false
		}
		if len(v) > 1 && v[0] == '-' && v[1] != '-' && strings.IndexByte(v[1:], c) >= 0 {
			return true
		}
	}
	return false
}

func nonFlags(vals []string) []string {
	var out []string
	dash := false
	for _, v := range vals {
		if !dash && v == "--" {
			dash = true
			continue
		}
		if !dash && strings.HasPrefix(v, "-") && v != "-" {
			continue
		}
		out = append(out, v)
	}
	if out == nil {
		out = []string{""}
	}
	return out
}

func (a *shAnalysis) checkRm(c *shCmd, vals []string) {
	recursive := hasShortFlag(vals, 'r') || hasShortFlag(vals, 'R') || contains(vals, "--recursive")
	if contains(vals, "--no-preserve-root") {
		a.r.add(DestructiveShell, detect.Critical, c.s, c.e, "rm --no-preserve-root deletes the whole file system")
		return
	}
	dash := false
	for _, w := range c.args[1:] {
		v := w.val
		if !dash && v == "--" {
			dash = true
			continue
		}
		if !dash && strings.HasPrefix(v, "-") {
			continue
		}
		n := normalisePath(v)
		switch {
		case recursive && criticalPath(v):
			a.r.add(DestructiveShell, detect.Critical, c.s, c.e, "recursive delete of "+displayPath(n))
			return
		case recursive && (v == "*" || v == "." || v == "./*" || v == ".*") && a.cwdDanger:
			a.r.add(DestructiveShell, detect.Critical, c.s, c.e, "recursive delete of everything in / or the home directory")
			return
		case recursive && !w.lit && !w.guarded && len(w.params) > 0 && emptyVarRoot(v):
			a.r.add(DestructiveShell, detect.High, c.s, c.e, "recursive delete of "+v+": an empty or unset variable makes it /")
			return
		case strings.HasSuffix(n, "_history") || strings.HasPrefix(n, "/var/log/") || n == "/var/log":
			a.r.add(DefenseEvasion, detect.High, c.s, c.e, "deletes logs or shell history")
			return
		}
	}
}

// displayPath names a normalised path for a detail.
func displayPath(n string) string {
	if n == "~" {
		return "the home directory"
	}
	if n == "/" {
		return "the root directory"
	}
	return n
}

// emptyVarRoot matches "$VAR/" and "$VAR/*": paths that are the root when
// the variable is empty.
var emptyVarRootRE = regexp.MustCompile(`^\$[A-Za-z_][A-Za-z0-9_]*/\*?$`)

func emptyVarRoot(v string) bool { return emptyVarRootRE.MatchString(v) }

func (a *shAnalysis) checkFind(c *shCmd, vals []string) {
	var starts []string
	for _, v := range vals[1:] {
		if strings.HasPrefix(v, "-") || v == "(" || v == "!" {
			break
		}
		starts = append(starts, v)
	}
	deletes := contains(vals, "-delete")
	for i, v := range vals {
		if (v == "-exec" || v == "-execdir" || v == "-ok") && i+1 < len(vals) {
			switch progName(vals[i+1]) {
			case "rm", "shred", "unlink", "truncate":
				deletes = true
			}
		}
	}
	if !deletes {
		return
	}
	for _, s := range starts {
		if criticalPath(s) {
			a.r.add(DestructiveShell, detect.Critical, c.s, c.e, "find deletes files under "+displayPath(normalisePath(s)))
			return
		}
	}
}

func (a *shAnalysis) checkChmod(c *shCmd, vals []string) {
	nf := nonFlags(vals[1:])
	if len(nf) < 2 && nf[0] == "" {
		return
	}
	mode, targets := nf[0], nf[1:]
	setuid, worldWritable := chmodMode(mode)
	if setuid {
		a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, "chmod sets the setuid/setgid bit")
		return
	}
	if !worldWritable {
		return
	}
	for _, t := range targets {
		if systemPath(t) || sensitivePath(t) || criticalPath(t) {
			a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, "chmod makes "+t+" writable by everyone")
			return
		}
	}
	a.r.add(PrivilegeEscalation, detect.Medium, c.s, c.e, "chmod makes files writable by everyone")
}

// chmodMode classifies a chmod mode (octal or symbolic).
func chmodMode(m string) (setuid, worldWritable bool) {
	if m == "" {
		return false, false
	}
	if strings.Trim(m, "01234567") == "" {
		if len(m) >= 4 {
			d := m[len(m)-4]
			setuid = d == '4' || d == '2' || d == '6' || d == '7'
		}
		last := m[len(m)-1]
		worldWritable = last == '2' || last == '3' || last == '6' || last == '7'
		return
	}
	for _, clause := range strings.Split(m, ",") {
		i := strings.IndexAny(clause, "+=")
		if i < 0 {
			continue
		}
		who, perm := clause[:i], clause[i+1:]
		if strings.ContainsRune(perm, 's') {
			setuid = true
		}
		if strings.ContainsRune(perm, 'w') && (who == "" && strings.HasPrefix(clause[i:], "=") || strings.ContainsAny(who, "oa")) {
			worldWritable = true
		}
	}
	return
}

func (a *shAnalysis) checkFetcher(c *shCmd, vals []string) {
	insecure := false
	for _, v := range vals[1:] {
		if v == "--insecure" || v == "--no-check-certificate" || v == "-k" ||
			len(v) > 1 && v[0] == '-' && v[1] != '-' && strings.IndexByte(v, 'k') > 0 && c.name == "curl" {
			insecure = true
		}
	}
	if insecure {
		local := true
		for _, v := range nonFlags(vals[1:]) {
			if strings.Contains(v, "://") && !isLocalURL(v) {
				local = false
			}
		}
		sev := detect.High
		if local {
			sev = detect.Medium
		}
		a.r.add(TLSVerifyDisabled, sev, c.s, c.e, c.name+" does not verify TLS certificates")
	}
	// Uploads of credential files.
	for i, v := range vals[1:] {
		var val string
		switch {
		case v == "-d" || v == "--data" || v == "--data-binary" || v == "--data-raw" || v == "--data-ascii" ||
			v == "--data-urlencode" || v == "-F" || v == "--form" || v == "-T" || v == "--upload-file" || v == "--json":
			if i+2 < len(vals) {
				val = vals[i+2]
			}
			if v == "-T" || v == "--upload-file" {
				val = "@" + val
			}
		case strings.HasPrefix(v, "-d@") || strings.HasPrefix(v, "-T"):
			val = v[2:]
			if strings.HasPrefix(v, "-T") {
				val = "@" + val
			}
		case strings.HasPrefix(v, "--post-file=") || strings.HasPrefix(v, "--body-file="):
			val = "@" + v[strings.IndexByte(v, '=')+1:]
		case strings.HasPrefix(v, "--data-binary=") || strings.HasPrefix(v, "--data="):
			val = v[strings.IndexByte(v, '=')+1:]
		default:
			continue
		}
		if i := strings.Index(val, "=@"); i >= 0 {
			val = val[i+1:]
		} else if i := strings.Index(val, "=<"); i >= 0 {
			val = "@" + val[i+2:]
		}
		if !strings.HasPrefix(val, "@") {
			continue
		}
		p := strings.TrimPrefix(val, "@")
		if i := strings.IndexByte(p, ';'); i >= 0 {
			p = p[:i]
		}
		if sensitivePath(p) {
			a.r.add(NetworkExfiltration, detect.Critical, c.s, c.e, c.name+" uploads a credential or account file ("+p+")")
			return
		}
	}
	// Command substitutions in a URL that read secrets.
	for _, w := range c.args[1:] {
		for _, sc := range substCommands(w.substs) {
			if readsSecrets(sc) {
				a.r.add(NetworkExfiltration, detect.Critical, c.s, c.e, c.name+" sends secrets read by a command substitution")
				return
			}
		}
	}
}

// uploadsStdin reports whether a fetcher sends its standard input.
func uploadsStdin(vals []string) bool {
	for i, v := range vals {
		if strings.HasSuffix(v, "@-") || v == "--data-binary=@-" {
			return true
		}
		if (v == "-T" || v == "--upload-file") && i+1 < len(vals) && vals[i+1] == "-" {
			return true
		}
		if v == "--post-file=/dev/stdin" || v == "-T-" {
			return true
		}
	}
	return false
}

// substFetches reports whether substitutions download something.
func substFetches(substs [][]*syntax.Stmt) bool {
	for _, c := range substCommands(substs) {
		if isFetcher(callName(c)) {
			return true
		}
	}
	return false
}

func substDecodes(substs [][]*syntax.Stmt) bool {
	for _, c := range substCommands(substs) {
		if isDecoder(c) {
			return true
		}
	}
	return false
}

func (a *shAnalysis) checkEval(c *shCmd) {
	if len(c.args) < 2 {
		return
	}
	var substs [][]*syntax.Stmt
	lit, params := true, false
	var parts []string
	for _, w := range c.args[1:] {
		lit = lit && w.lit
		params = params || len(w.params) > 0
		substs = append(substs, w.substs...)
		parts = append(parts, w.val)
	}
	switch {
	case substFetches(substs):
		a.r.add(DownloadAndExecute, detect.Critical, c.s, c.e, "eval runs code downloaded from the network")
	case substDecodes(substs):
		a.r.add(DynamicEval, detect.Critical, c.s, c.e, "eval runs decoded (obfuscated) code")
	case lit:
		exact := -1
		if len(c.args) == 2 {
			exact = c.args[1].exactAt
		}
		a.r.embed(Bash, strings.Join(parts, " "), c.s, c.e, exact, a.depth, "an eval")
	case params:
		a.r.add(DynamicEval, detect.High, c.s, c.e, "eval runs the contents of a variable")
	}
}

// checkInterpreter judges a shell or interpreter run with -c/-e CODE or
// with a process substitution as its script.
func (a *shAnalysis) checkInterpreter(c *shCmd, lang Language, flag string) {
	for i := 1; i < len(c.args); i++ {
		w := c.args[i]
		v := w.val
		if len(w.substs) > 0 && strings.HasPrefix(v, "<(") && substFetches(w.substs) {
			a.r.add(DownloadAndExecute, detect.Critical, c.s, c.e, c.name+" runs a script downloaded from the network")
			return
		}
		isFlag := v == flag || (lang == Bash && isShellFlag(v)) || (flag == "-e" && v == "--eval") ||
			(lang == Bash && len(v) > 2 && v[0] == '-' && v[1] != '-' && strings.HasSuffix(v, "c"))
		if !isFlag {
			continue
		}
		if i+1 >= len(c.args) {
			return
		}
		code := c.args[i+1]
		switch {
		case substFetches(code.substs):
			a.r.add(DownloadAndExecute, detect.Critical, c.s, c.e, c.name+" runs code downloaded from the network")
		case substDecodes(code.substs):
			a.r.add(DynamicEval, detect.Critical, c.s, c.e, c.name+" runs decoded (obfuscated) code")
		case code.lit || len(code.params) == 0:
			if lang == "" {
				a.scriptScan(code.val, code.s, code.e)
			} else {
				a.r.embed(lang, code.val, code.s, code.e, code.exactAt, a.depth, c.name+" "+v)
			}
		case strings.Contains(code.val, placeholderVar):
			a.r.embed(lang, code.val, code.s, code.e, -1, a.depth, c.name+" "+v)
			a.r.add(CommandInjection, detect.High, c.s, c.e, c.name+" "+v+" runs a command built from non-constant input")
		default:
			a.r.embed(lang, code.val, code.s, code.e, -1, a.depth, c.name+" "+v)
			a.r.add(CommandInjection, detect.High, c.s, c.e, c.name+" "+v+" runs a command built from variables")
		}
		return
	}
}

// placeholderVar stands for a non-constant value when other languages hand
// a command template to the shell analysis.
const placeholderVar = "$AGENTGOV_DYNAMIC"

func (a *shAnalysis) checkSystemctl(c *shCmd, vals []string) {
	if len(vals) < 2 {
		return
	}
	nf := nonFlags(vals[1:])
	switch nf[0] {
	case "poweroff", "reboot", "halt", "kexec":
		a.r.add(DestructiveShell, detect.High, c.s, c.e, "systemctl "+nf[0]+" stops the machine")
	case "stop", "disable", "mask", "kill":
		for _, u := range nf[1:] {
			u = strings.TrimSuffix(u, ".service")
			switch u {
			case "firewalld", "ufw", "auditd", "apparmor", "selinux", "falco", "osqueryd", "wazuh-agent", "crowdstrike", "falcon-sensor", "rsyslog", "systemd-journald":
				a.r.add(DefenseEvasion, detect.High, c.s, c.e, "stops a security or logging service ("+u+")")
				return
			}
		}
	}
}

func (a *shAnalysis) checkAccount(c *shCmd, vals []string) {
	privileged := map[string]bool{"sudo": true, "wheel": true, "admin": true, "root": true, "docker": true, "lxd": true, "adm": true, "disk": true, "shadow": true}
	for i, v := range vals[1:] {
		if (v == "-u" || v == "--uid") && i+2 < len(vals) && vals[i+2] == "0" {
			a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, "creates or changes an account with uid 0")
			return
		}
		if v == "-o" || v == "--non-unique" {
			continue
		}
		for _, g := range strings.Split(v, ",") {
			if privileged[g] && i > 0 {
				a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, "adds an account to the privileged group "+g)
				return
			}
		}
	}
}

func (a *shAnalysis) checkContainer(c *shCmd, vals []string) {
	if len(vals) < 2 || (vals[1] != "run" && vals[1] != "create" && vals[1] != "exec") {
		return
	}
	for i, v := range vals[2:] {
		switch {
		case v == "--privileged" || v == "--privileged=true":
			a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, "runs a privileged container (root on the host)")
			return
		case v == "--pid=host" || v == "--cap-add=ALL" || v == "--cap-add=SYS_ADMIN":
			a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, "gives a container host privileges ("+v+")")
			return
		case v == "-v" || v == "--volume" || strings.HasPrefix(v, "--volume=") || strings.HasPrefix(v, "-v"):
			m := strings.TrimPrefix(strings.TrimPrefix(v, "--volume="), "-v")
			if m == "" && i+3 < len(vals) {
				m = vals[i+3]
			}
			src, _, _ := strings.Cut(m, ":")
			if criticalPath(src) || strings.HasSuffix(src, "docker.sock") {
				a.r.add(PrivilegeEscalation, detect.High, c.s, c.e, "mounts "+src+" of the host into a container")
				return
			}
		}
	}
}

func (a *shAnalysis) checkSQLClient(c *shCmd) {
	for i := 1; i < len(c.args); i++ {
		v := c.args[i].val
		var code shWord
		switch {
		case v == "-e" || v == "--execute" || v == "-c" || v == "--command" || v == "-Q" || v == "-q":
			if i+1 < len(c.args) {
				code = c.args[i+1]
			}
		case strings.HasPrefix(v, "--execute=") || strings.HasPrefix(v, "--command="):
			code = c.args[i]
			code.val = v[strings.IndexByte(v, '=')+1:]
			code.exactAt = -1
		default:
			continue
		}
		if code.val != "" {
			a.r.embed(SQL, code.val, code.s, code.e, code.exactAt, a.depth, c.name)
		}
		return
	}
	if c.name == "sqlite3" || c.name == "duckdb" {
		if nf := nonFlags(valsOf(c.args[1:])); len(nf) >= 2 {
			for _, w := range c.args[1:] {
				if w.val == nf[1] {
					a.r.embed(SQL, w.val, w.s, w.e, w.exactAt, a.depth, c.name)
				}
			}
		}
	}
}

func valsOf(ws []shWord) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.val
	}
	return out
}

// checkPipe judges a command by what flows into it.
func (a *shAnalysis) checkPipe(c *shCmd, pp pipePos) {
	if pp.idx == 0 {
		return
	}
	upstream := pp.stages[:pp.idx]
	s := off(pp.stages[0].stmt.Pos())
	e := off(pp.stages[len(pp.stages)-1].stmt.End())
	_, _, interp := interpreterLanguage(c.name)
	if (interp || c.name == "source" || c.name == ".") && readsStdin(c) {
		for _, st := range upstream {
			for _, u := range st.cmds {
				switch n := callName(u); {
				case isFetcher(n):
					a.r.add(DownloadAndExecute, detect.Critical, s, e, "a download is piped into "+c.name)
					return
				case isDecoder(u):
					a.r.add(DynamicEval, detect.Critical, s, e, "decoded (obfuscated) code is piped into "+c.name)
					return
				case n == "nc" || n == "ncat" || n == "netcat" || n == "telnet" || n == "socat" || n == "openssl":
					a.r.add(ReverseShell, detect.Critical, s, e, "a network connection is piped into "+c.name)
					return
				}
			}
		}
		// echo 'code' | bash: analyse the code.
		prev := upstream[len(upstream)-1]
		if len(prev.cmds) == 1 {
			if n := callName(prev.cmds[0]); n == "echo" || n == "printf" {
				ws := prev.cmds[0].Args[1:]
				var parts []string
				for _, w := range ws {
					sw := a.word(w)
					if strings.HasPrefix(sw.val, "-") && len(parts) == 0 {
						continue
					}
					parts = append(parts, sw.val)
				}
				lang, _, _ := interpreterLanguage(c.name)
				if c.name == "source" || c.name == "." || c.name == "eval" {
					lang = Bash
				}
				if lang != "" && len(parts) > 0 {
					ps, pe := off(prev.stmt.Pos()), off(prev.stmt.End())
					a.r.embed(lang, strings.Join(parts, " "), ps, pe, -1, a.depth, "code piped into "+c.name)
				}
			}
		}
	}
	network := isNetworkProgram(c.name) && (c.name != "curl" && c.name != "wget" || uploadsStdin(valsOf(c.args)))
	if network {
		for _, st := range upstream {
			for _, u := range st.cmds {
				if readsSecrets(u) {
					a.r.add(NetworkExfiltration, detect.Critical, s, e, "credentials or the environment are piped to "+c.name)
					return
				}
				if n := callName(u); isShell(n) && c.name != "curl" && c.name != "wget" {
					a.r.add(ReverseShell, detect.Critical, s, e, "a shell's output is piped to "+c.name)
					return
				}
			}
		}
	}
}
