package supplychain

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Limits on what one command line may cost to analyse.
const (
	// MaxCommandBytes bounds the shell text parsed per command.
	MaxCommandBytes = 64 << 10
	// maxNesting bounds `sh -c '…'` recursion.
	maxNesting = 3
	// maxCommands bounds the simple commands examined per call.
	maxCommands = 256
)

// Invocation is one simple command: its words after prefixes such as sudo
// and env are removed. Dynamic marks words built from expansions, whose
// value is not known until the shell runs.
type Invocation struct {
	Args    []string
	Dynamic []bool
	// FedBy is the command whose output is piped into this one ("" when
	// none): `curl … | sh` runs whatever the download returns.
	FedBy string
	// Fetches reports that an argument is the output of a download
	// (`sh -c "$(curl …)"`, `bash <(wget -O- …)`).
	Fetches bool
}

// downloaders fetch content from the network.
var downloaders = map[string]bool{"curl": true, "wget": true, "fetch": true, "aria2c": true, "iwr": true, "Invoke-WebRequest": true}

// fetches reports whether a word embeds the output of a downloader.
func fetches(w *syntax.Word) bool {
	found := false
	syntax.Walk(w, func(n syntax.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			syntax.Walk(n, func(m syntax.Node) bool {
				if c, ok := m.(*syntax.CallExpr); ok && len(c.Args) > 0 {
					if args, _ := words(c); len(args) > 0 && downloaders[path.Base(strip(args, nil).head())] {
						found = true
					}
				}
				return !found
			})
			return false
		}
		return true
	})
	return found
}

// dynamicWord stands in for a word whose value comes from an expansion.
const dynamicWord = "\x00dynamic"

// ParseShell splits shell text into the simple commands it runs,
// including those inside `sh -c`, subshells, pipelines and command
// substitutions. Text that does not parse as POSIX or Bash shell is an
// error: the caller decides (the guard denies what it cannot read).
func ParseShell(src string) ([]Invocation, error) {
	if len(src) > MaxCommandBytes {
		return nil, fmt.Errorf("command is %d bytes, more than the %d inspected", len(src), MaxCommandBytes)
	}
	var out []Invocation
	if err := parseShell(src, 0, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func parseShell(src string, depth int, out *[]Invocation) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("shell parser failure: %v", p)
		}
	}()
	var f *syntax.File
	for _, v := range []syntax.LangVariant{syntax.LangBash, syntax.LangPOSIX} {
		f, err = syntax.NewParser(syntax.Variant(v)).Parse(strings.NewReader(src), "")
		if err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("command does not parse as shell: %w", err)
	}
	feeders := map[*syntax.CallExpr]string{}
	syntax.Walk(f, func(n syntax.Node) bool {
		b, ok := n.(*syntax.BinaryCmd)
		if !ok || (b.Op != syntax.Pipe && b.Op != syntax.PipeAll) {
			return true
		}
		left := lastCall(b.X)
		right := firstCall(b.Y)
		if left != nil && right != nil {
			if w, _ := words(left); len(w) > 0 {
				feeders[right] = path.Base(strip(w, nil).head())
			}
		}
		return true
	})
	var werr error
	syntax.Walk(f, func(n syntax.Node) bool {
		if werr != nil {
			return false
		}
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		if len(*out) >= maxCommands {
			werr = fmt.Errorf("command has more than %d simple commands", maxCommands)
			return false
		}
		args, dyn := words(call)
		inv := strip(args, dyn)
		inv.FedBy = feeders[call]
		for _, w := range call.Args {
			if fetches(w) {
				inv.Fetches = true
				break
			}
		}
		if len(inv.Args) == 0 {
			return true
		}
		*out = append(*out, inv)
		if script, ok := shellScript(inv); ok {
			if depth >= maxNesting {
				werr = fmt.Errorf("shell nested more than %d levels deep", maxNesting)
				return false
			}
			werr = parseShell(script, depth+1, out)
		}
		return true
	})
	return werr
}

// firstCall and lastCall find the simple command at either end of one
// side of a pipe.
func firstCall(s *syntax.Stmt) *syntax.CallExpr {
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr:
		return c
	case *syntax.BinaryCmd:
		return firstCall(c.X)
	}
	return nil
}

func lastCall(s *syntax.Stmt) *syntax.CallExpr {
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr:
		return c
	case *syntax.BinaryCmd:
		return lastCall(c.Y)
	}
	return nil
}

// words evaluates the literal value of each word of a command.
func words(call *syntax.CallExpr) ([]string, []bool) {
	args := make([]string, 0, len(call.Args))
	dyn := make([]bool, 0, len(call.Args))
	for _, w := range call.Args {
		var b strings.Builder
		d := false
		for _, p := range w.Parts {
			d = literal(p, &b) || d
		}
		s := b.String()
		if d && s == "" {
			s = dynamicWord
		}
		args = append(args, s)
		dyn = append(dyn, d)
	}
	return args, dyn
}

// literal appends the literal text of p and reports whether part of it is
// an expansion.
func literal(p syntax.WordPart, b *strings.Builder) bool {
	switch p := p.(type) {
	case *syntax.Lit:
		b.WriteString(unescape(p.Value))
	case *syntax.SglQuoted:
		b.WriteString(p.Value)
	case *syntax.DblQuoted:
		d := false
		for _, q := range p.Parts {
			d = literal(q, b) || d
		}
		return d
	default:
		return true
	}
	return false
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// wrappers run the command that follows them. The value lists the
// wrapper's options that take a value, which are skipped with it.
var wrappers = map[string]string{
	"sudo": "-u -g -C -D -h -p -r -t -U -T", "doas": "-u -C", "env": "-u -C -S", "exec": "-a",
	"nohup": "", "time": "-f -o", "command": "", "nice": "-n", "timeout": "-s -k", "xargs": "-I -n -P -d -L -E -a -s",
	"stdbuf": "-i -o -e", "ionice": "-c -n -p", "chroot": "",
}

// strip removes wrappers, their options and variable assignments from the
// front of a command.
func strip(args []string, dyn []bool) Invocation {
	if dyn == nil {
		dyn = make([]bool, len(args))
	}
	i := 0
	for i < len(args) {
		a := args[i]
		name := path.Base(a)
		valued, isWrapper := wrappers[name]
		switch {
		case isWrapper:
			i++
			for i < len(args) {
				o := args[i]
				switch {
				case o == "--":
					i++
				case strings.HasPrefix(o, "-") && len(o) > 1:
					i++
					if !strings.Contains(o, "=") && slices.Contains(strings.Fields(valued), o) {
						i++
					}
					continue
				case name == "env" && strings.Contains(o, "="):
					i++
					continue
				}
				break
			}
			// timeout takes a duration and chroot a directory before the
			// command.
			if (name == "timeout" || name == "chroot") && i < len(args) {
				i++
			}
		case isAssignment(a):
			i++ // VAR=value before a command
		default:
			return Invocation{Args: args[i:], Dynamic: dyn[i:]}
		}
	}
	return Invocation{}
}

// isAssignment reports whether a word is NAME=value.
func isAssignment(a string) bool {
	name, _, ok := strings.Cut(a, "=")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (inv Invocation) head() string {
	if len(inv.Args) == 0 {
		return ""
	}
	return inv.Args[0]
}

// shells run the script given with -c.
var shells = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true}

// shellScript returns the script of `sh -c SCRIPT`.
func shellScript(inv Invocation) (string, bool) {
	if !shells[path.Base(inv.head())] {
		return "", false
	}
	for i := 1; i < len(inv.Args); i++ {
		a := inv.Args[i]
		if !strings.HasPrefix(a, "-") {
			return "", false
		}
		if strings.Contains(a[1:], "c") && !strings.HasPrefix(a, "--") && i+1 < len(inv.Args) {
			return inv.Args[i+1], !inv.Dynamic[i+1]
		}
	}
	return "", false
}
