package supplychain

import (
	"path"
	"regexp"
	"slices"
	"strings"
)

// Ecosystem is a package registry.
type Ecosystem string

// The ecosystems the guard knows.
const (
	NPM      Ecosystem = "npm"
	PyPI     Ecosystem = "pypi"
	Go       Ecosystem = "go"
	Cargo    Ecosystem = "cargo"
	RubyGems Ecosystem = "rubygems"
)

// Ecosystems lists them in a fixed order.
var Ecosystems = []Ecosystem{NPM, PyPI, Go, Cargo, RubyGems}

// Source says where a package comes from.
type Source string

// Package sources.
const (
	FromRegistry     Source = "registry"
	FromURL          Source = "url"
	FromLocal        Source = "local"
	FromRequirements Source = "requirements"
)

// Package is one package a command installs or runs.
type Package struct {
	Ecosystem Ecosystem
	// Name is the package name as the registry knows it (for a URL or
	// requirements source, the URL or file).
	Name string
	// Version is the requested version or range ("" for none).
	Version string
	// Pinned reports an exact version (or, for a URL source, a commit or
	// a content hash).
	Pinned bool
	Source Source
	// Runs reports that the command executes the package (npx, uvx, go
	// run), not only installs it.
	Runs bool
	// Dynamic reports that the spec comes from an expansion: its value
	// is not known until the shell runs.
	Dynamic bool
}

// Index is a package index other than the ecosystem's default, or an
// option that weakens how the default is reached.
type Index struct {
	Ecosystem Ecosystem
	Option    string
	Value     string
}

// Extraction is what one command installs or runs.
type Extraction struct {
	Packages []Package
	Indexes  []Index
}

// Extract reads the packages of one invocation.
func Extract(inv Invocation) Extraction {
	var x extractor
	x.inv = inv
	args := inv.Args
	if len(args) == 0 {
		return Extraction{}
	}
	head := path.Base(args[0])
	rest := args[1:]
	switch {
	case head == "npx" || head == "pnpx" || head == "bunx":
		x.npx(NPM, 1)
	case head == "npm":
		x.npm(rest)
	case head == "pnpm" || head == "yarn" || head == "bun":
		x.jsManager(head, rest)
	case head == "pip" || pipVersioned.MatchString(head):
		x.pip(1, false)
	case pythonName.MatchString(head):
		if len(rest) >= 2 && rest[0] == "-m" {
			switch rest[1] {
			case "pip":
				x.pip(3, false)
			case "pipx":
				x.pipx(3)
			case "uv":
				x.uv(3)
			}
		}
	case head == "uv":
		x.uv(1)
	case head == "uvx":
		x.uvx(1)
	case head == "pipx":
		x.pipx(1)
	case head == "go":
		x.goCmd(rest)
	case head == "cargo":
		x.cargo(rest)
	case head == "gem":
		x.gem(rest)
	}
	return x.out
}

var (
	pipVersioned = regexp.MustCompile(`^pip[0-9.]*$`)
	pythonName   = regexp.MustCompile(`^python[0-9.]*$`)
)

type extractor struct {
	inv Invocation
	out Extraction
}

// options walks args from index i, calling fn for each operand; valued
// names the options that consume the next word. Options named in indexes
// record a package index. "--" ends options.
func (x *extractor) operands(eco Ecosystem, i int, valued, indexes []string, fn func(word string, dyn bool, opt string)) {
	args := x.inv.Args
	optsDone := false
	for ; i < len(args); i++ {
		a := args[i]
		if !optsDone && a == "--" {
			optsDone = true
			continue
		}
		if !optsDone && strings.HasPrefix(a, "-") && len(a) > 1 {
			name, val, hasVal := strings.Cut(a, "=")
			if slices.Contains(indexes, name) {
				if !hasVal && i+1 < len(args) {
					i++
					val = args[i]
				}
				x.out.Indexes = append(x.out.Indexes, Index{Ecosystem: eco, Option: name, Value: val})
				continue
			}
			if slices.Contains(valued, name) {
				if !hasVal && i+1 < len(args) {
					i++
					val = args[i]
				}
				fn(val, x.inv.Dynamic[min(i, len(args)-1)], name)
				continue
			}
			// Short options glued to their value (-rreqs.txt, -p3).
			if len(name) > 2 && name[1] != '-' && slices.Contains(valued, name[:2]) {
				fn(name[2:], x.inv.Dynamic[i], name[:2])
			}
			continue
		}
		fn(a, x.inv.Dynamic[i], "")
	}
}

func (x *extractor) add(p Package) {
	if p.Name == "" || p.Name == dynamicWord {
		if !p.Dynamic {
			return
		}
		p.Name = ""
	}
	x.out.Packages = append(x.out.Packages, p)
}

// --- npm family ---

var npmValued = []string{"-w", "--workspace", "--prefix", "--tag", "--cache", "--userconfig", "--globalconfig", "--omit", "--include", "--install-strategy", "--loglevel", "--call", "-c", "--shell", "--script-shell", "--cwd"}
var npmIndexes = []string{"--registry"}

// npx runs its first operand (or the packages named with -p) after
// installing it.
func (x *extractor) npx(eco Ecosystem, i int) {
	explicit := false
	first := true
	x.operands(eco, i, append([]string{"-p", "--package"}, npmValued...), npmIndexes, func(w string, dyn bool, opt string) {
		switch {
		case opt == "-p" || opt == "--package":
			explicit = true
			x.add(npmSpec(w, true, dyn))
		case opt != "":
		case first:
			first = false
			if !explicit {
				x.add(npmSpec(w, true, dyn))
			}
		}
	})
	// Operands after the package are its arguments; operands() passed
	// them too, but only the first counted.
}

func (x *extractor) npm(rest []string) {
	if len(rest) == 0 {
		return
	}
	sub, at := subcommand(rest, npmValued)
	switch sub {
	case "install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add":
		x.npmInstall(at+2, false)
	case "exec", "x":
		x.npx(NPM, at+2)
	case "create", "init":
		x.npmCreate(at + 2)
	}
}

func (x *extractor) jsManager(head string, rest []string) {
	sub, at := subcommand(rest, npmValued)
	switch {
	case sub == "add" || ((sub == "install" || sub == "i") && head != "yarn"):
		x.npmInstall(at+2, false)
	case sub == "global" && at+2 < len(x.inv.Args) && x.inv.Args[at+2] == "add":
		x.npmInstall(at+3, false)
	case sub == "dlx" || sub == "x" || sub == "exec" && head == "pnpm":
		if sub == "exec" {
			return // pnpm exec runs a local binary
		}
		x.npx(NPM, at+2)
	case sub == "create":
		x.npmCreate(at + 2)
	}
}

func (x *extractor) npmInstall(i int, runs bool) {
	x.operands(NPM, i, npmValued, npmIndexes, func(w string, dyn bool, opt string) {
		if opt == "" {
			x.add(npmSpec(w, runs, dyn))
		}
	})
}

// npmCreate: `npm create foo` runs the package create-foo.
func (x *extractor) npmCreate(i int) {
	first := true
	x.operands(NPM, i, npmValued, npmIndexes, func(w string, dyn bool, opt string) {
		if opt != "" || !first {
			return
		}
		first = false
		p := npmSpec(w, true, dyn)
		if p.Source == FromRegistry && p.Name != "" {
			if scope, name, ok := strings.Cut(p.Name, "/"); ok && strings.HasPrefix(scope, "@") {
				p.Name = scope + "/create-" + name
			} else if strings.HasPrefix(p.Name, "@") {
				p.Name += "/create"
			} else {
				p.Name = "create-" + p.Name
			}
		}
		x.add(p)
	})
}

// subcommand finds the first operand of a command line; at is its index
// in rest.
func subcommand(rest []string, valued []string) (string, int) {
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if strings.HasPrefix(a, "-") {
			if !strings.Contains(a, "=") && slices.Contains(valued, a) {
				i++
			}
			continue
		}
		return a, i
	}
	return "", len(rest)
}

var exactSemver = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// npmSpec reads an npm package spec: name, name@version, @scope/name@v,
// alias@npm:name@v, a git or URL spec, or a local path.
func npmSpec(w string, runs, dyn bool) Package {
	p := Package{Ecosystem: NPM, Runs: runs, Dynamic: dyn, Source: FromRegistry}
	switch {
	case isLocalPath(w) || strings.HasPrefix(w, "file:"):
		p.Source, p.Name = FromLocal, w
		return p
	case strings.Contains(w, "://") || strings.HasPrefix(w, "git+") || strings.HasPrefix(w, "github:") ||
		strings.HasPrefix(w, "gitlab:") || strings.HasPrefix(w, "bitbucket:") || strings.HasPrefix(w, "gist:") ||
		(!strings.HasPrefix(w, "@") && strings.Count(w, "/") == 1 && !strings.Contains(w, "@")):
		p.Source, p.Name = FromURL, w
		p.Pinned = commitPinned(w)
		return p
	}
	if _, target, ok := strings.Cut(w, "@npm:"); ok { // alias@npm:real@v
		w = target
	}
	name, version := w, ""
	if at := strings.LastIndex(w, "@"); at > 0 {
		name, version = w[:at], w[at+1:]
	}
	p.Name, p.Version = strings.ToLower(name), version
	p.Pinned = exactSemver.MatchString(version) && !strings.HasPrefix(version, "v")
	return p
}

// commitPinned reports whether a git or URL source names a full commit
// or carries a content hash.
func commitPinned(w string) bool {
	if i := strings.LastIndexAny(w, "#@"); i >= 0 && fullHex.MatchString(w[i+1:]) {
		return true
	}
	return strings.Contains(w, "#sha256=") || strings.Contains(w, "#sha512=")
}

var fullHex = regexp.MustCompile(`^[0-9a-f]{40}$|^[0-9a-f]{64}$`)

func isLocalPath(w string) bool {
	return w == "." || w == ".." || strings.HasPrefix(w, "./") || strings.HasPrefix(w, "../") || strings.HasPrefix(w, "/") ||
		strings.HasPrefix(w, "~/") || strings.HasSuffix(w, ".tgz") && !strings.Contains(w, "://") ||
		strings.HasSuffix(w, ".whl") && !strings.Contains(w, "://") || strings.HasSuffix(w, ".tar.gz") && !strings.Contains(w, "://")
}

// --- Python ---

var pipValued = []string{"-c", "--constraint", "-t", "--target", "--prefix", "--root", "--platform", "--python-version", "--implementation",
	"--abi", "--src", "--upgrade-strategy", "--global-option", "--config-settings", "-C", "--no-binary", "--only-binary", "--progress-bar",
	"--log", "--cache-dir", "--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert", "--report", "--python",
	"--root-user-action", "-r", "--requirement", "-e", "--editable", "-p", "--with", "--from", "--spec", "--python-preference", "--directory", "--project"}
var pipIndexes = []string{"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--index", "--default-index", "--pip-args"}

func (x *extractor) pip(i int, runs bool) {
	if i >= len(x.inv.Args) {
		return
	}
	sub, at := subcommand(x.inv.Args[i:], pipValued)
	if sub != "install" && sub != "download" && sub != "wheel" {
		return
	}
	x.pipInstall(i+at+1, runs)
}

func (x *extractor) pipInstall(i int, runs bool) {
	x.operands(PyPI, i, pipValued, pipIndexes, func(w string, dyn bool, opt string) {
		switch opt {
		case "":
			x.add(pipSpec(w, runs, dyn))
		case "-r", "--requirement", "-c", "--constraint":
			x.add(Package{Ecosystem: PyPI, Name: w, Source: FromRequirements, Dynamic: dyn})
		case "-e", "--editable":
			p := pipSpec(w, runs, dyn)
			x.add(p)
		case "--with", "--from", "--spec":
			x.add(pipSpec(w, true, dyn))
		}
	})
}

func (x *extractor) uv(i int) {
	args := x.inv.Args
	if i >= len(args) {
		return
	}
	sub, at := subcommand(args[i:], pipValued)
	j := i + at + 1
	switch sub {
	case "pip":
		x.pip(j, false)
	case "add":
		x.pipInstall(j, false)
	case "tool":
		if j < len(args) {
			switch args[j] {
			case "install":
				x.uvTool(j+1, false)
			case "run":
				x.uvTool(j+1, true)
			}
		}
	case "run":
		// uv run --with pkg script: only the --with packages come from
		// the registry.
		x.operands(PyPI, j, pipValued, pipIndexes, func(w string, dyn bool, opt string) {
			if opt == "--with" {
				x.add(pipSpec(w, true, dyn))
			}
		})
	}
}

func (x *extractor) uvx(i int) { x.uvTool(i, true) }

// uvTool reads `uvx [--from SPEC] PKG[@v] args...`.
func (x *extractor) uvTool(i int, runs bool) {
	from := false
	first := true
	x.operands(PyPI, i, pipValued, pipIndexes, func(w string, dyn bool, opt string) {
		switch opt {
		case "--from":
			from = true
			x.add(pipSpec(w, runs, dyn))
		case "--with":
			x.add(pipSpec(w, runs, dyn))
		case "":
			if first {
				first = false
				if !from {
					x.add(pipSpec(strings.Replace(w, "@", "==", 1), runs, dyn))
				}
			}
		}
	})
}

func (x *extractor) pipx(i int) {
	args := x.inv.Args
	if i >= len(args) {
		return
	}
	sub, at := subcommand(args[i:], pipValued)
	switch sub {
	case "install", "inject":
		x.pipInstall(i+at+1, false)
	case "run":
		x.uvTool(i+at+1, true)
	}
}

var pipReq = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$`)

// pipSpec reads a requirement: name[extras]==1.2.3, a URL, a local path.
func pipSpec(w string, runs, dyn bool) Package {
	p := Package{Ecosystem: PyPI, Runs: runs, Dynamic: dyn, Source: FromRegistry}
	w = strings.TrimSpace(w)
	if spec, _, ok := strings.Cut(w, ";"); ok {
		w = strings.TrimSpace(spec)
	}
	if _, url, ok := strings.Cut(w, " @ "); ok { // name @ url
		w = strings.TrimSpace(url)
	}
	switch {
	case isLocalPath(w) || strings.HasPrefix(w, "file:"):
		p.Source, p.Name = FromLocal, w
		return p
	case strings.Contains(w, "://"):
		p.Source, p.Name = FromURL, w
		p.Pinned = commitPinned(w)
		return p
	}
	m := pipReq.FindStringSubmatch(w)
	if m == nil {
		p.Name = w
		return p
	}
	p.Name = normalisePyPI(m[1])
	p.Version = strings.TrimSpace(m[3])
	v, ok := strings.CutPrefix(p.Version, "===")
	if !ok {
		v, ok = strings.CutPrefix(p.Version, "==")
	}
	p.Pinned = ok && !strings.ContainsAny(v, "*,<>!~ ") && v != ""
	return p
}

// normalisePyPI is PEP 503's name normalisation.
func normalisePyPI(name string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// --- Go ---

var goValued = []string{"-ldflags", "-tags", "-o", "-mod", "-modfile", "-C", "-exec", "-gcflags", "-asmflags", "-toolexec", "-p", "-pkgdir", "-overlay", "-pgo", "-buildmode", "-compiler", "-installsuffix"}

func (x *extractor) goCmd(rest []string) {
	sub, at := subcommand(rest, nil)
	if sub != "install" && sub != "run" && sub != "get" {
		return
	}
	runs := sub == "run"
	first := true
	x.operands(Go, at+2, goValued, nil, func(w string, dyn bool, opt string) {
		if opt != "" || (runs && !first) {
			return
		}
		first = false
		if isLocalPath(w) || strings.HasSuffix(w, ".go") {
			return
		}
		mod, version, _ := strings.Cut(w, "@")
		if elem, _, _ := strings.Cut(mod, "/"); !strings.Contains(elem, ".") {
			return // the standard library or a local module path
		}
		mod = strings.TrimSuffix(mod, "/...")
		x.add(Package{Ecosystem: Go, Name: mod, Version: version, Runs: runs || sub == "install", Dynamic: dyn, Source: FromRegistry,
			Pinned: exactSemver.MatchString(version) && strings.HasPrefix(version, "v") || shortHex.MatchString(version)})
	})
}

var shortHex = regexp.MustCompile(`^[0-9a-f]{12,40}$`)

// --- Cargo and RubyGems ---

func (x *extractor) cargo(rest []string) {
	sub, at := subcommand(rest, nil)
	if sub != "install" {
		return
	}
	var pkgs []Package
	version := ""
	git := ""
	x.operands(Cargo, at+2, []string{"--version", "--vers", "--git", "--branch", "--tag", "--rev", "--path", "--root", "--target", "--features", "-F", "--profile", "-j", "--jobs", "--bin", "--example", "--config", "-Z", "--target-dir"},
		[]string{"--registry", "--index"}, func(w string, dyn bool, opt string) {
			switch opt {
			case "":
				name, v, _ := strings.Cut(w, "@")
				pkgs = append(pkgs, Package{Ecosystem: Cargo, Name: strings.ToLower(name), Version: v, Runs: true, Dynamic: dyn, Source: FromRegistry})
			case "--version", "--vers":
				version = w
			case "--git":
				git = w
			case "--path":
				git = "local"
			case "--rev":
				if fullHex.MatchString(w) {
					git += "#" + w
				}
			}
		})
	if git == "local" {
		return
	}
	if git != "" {
		x.add(Package{Ecosystem: Cargo, Name: git, Source: FromURL, Runs: true, Pinned: commitPinned(git)})
		return
	}
	for _, p := range pkgs {
		if p.Version == "" {
			p.Version = version
		}
		v := strings.TrimPrefix(p.Version, "=")
		p.Pinned = exactSemver.MatchString(v) && !strings.HasPrefix(v, "v")
		x.add(p)
	}
}

func (x *extractor) gem(rest []string) {
	sub, at := subcommand(rest, nil)
	if sub != "install" && sub != "i" {
		return
	}
	var pkgs []Package
	version := ""
	x.operands(RubyGems, at+2, []string{"-v", "--version", "-i", "--install-dir", "-n", "--bindir", "--platform", "-P", "--trust-policy", "-g", "--file"},
		[]string{"-s", "--source", "--clear-sources"}, func(w string, dyn bool, opt string) {
			switch opt {
			case "":
				if strings.HasSuffix(w, ".gem") {
					return
				}
				name, v, _ := strings.Cut(w, ":")
				pkgs = append(pkgs, Package{Ecosystem: RubyGems, Name: strings.ToLower(name), Version: v, Runs: true, Dynamic: dyn, Source: FromRegistry})
			case "-v", "--version":
				version = w
			}
		})
	for _, p := range pkgs {
		if p.Version == "" {
			p.Version = version
		}
		v := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p.Version), "="))
		p.Pinned = exactSemver.MatchString(v) && !strings.HasPrefix(v, "v")
		x.add(p)
	}
}
