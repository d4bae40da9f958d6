// Package supplychain guards the code an agent installs or launches: a
// shell command, `npx`, `uvx`, `pip install`, `go install`, or an MCP
// server started from a package manager. It reads the command the way the
// shell would, finds the packages it fetches, and reports unpinned
// versions, names that imitate popular packages, packages younger than a
// configured age, deny-listed packages, package indexes other than the
// default, and downloads piped into an interpreter.
//
// It is a pure function of the command and its configuration except for
// the registry lookup, which is behind the Registry interface.
package supplychain

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/agentgov/agentgov/internal/glob"
)

// Finding types.
const (
	TypeUnpinned     = "UNPINNED_VERSION"
	TypeLookalike    = "TYPOSQUAT"
	TypeTooNew       = "PACKAGE_TOO_NEW"
	TypeDenyListed   = "DENY_LISTED"
	TypeUnknown      = "UNKNOWN_PACKAGE"
	TypeLookupFailed = "REGISTRY_UNAVAILABLE"
	TypeRemote       = "REMOTE_SOURCE"
	TypeIndex        = "CUSTOM_INDEX"
	TypeRemoteScript = "REMOTE_SCRIPT"
	TypeUnreadable   = "UNREADABLE_COMMAND"
)

// Severities, in the detector vocabulary.
const (
	Low      = "low"
	Medium   = "medium"
	High     = "high"
	Critical = "critical"
)

// Finding is one problem with what a command installs or runs.
type Finding struct {
	Type      string
	Severity  string
	Ecosystem Ecosystem
	Package   string
	Detail    string
}

// Options configure a Guard.
type Options struct {
	// Popular are the names lookalikes imitate; nil uses the shipped
	// lists.
	Popular *Popular
	// Deny and Allow are "<ecosystem>:<name glob>" patterns ("npm:evil-*",
	// "*:colors"). Deny always wins; allowed packages are exempt from the
	// lookalike and age checks.
	Deny, Allow []string
	// MinAge refuses packages published more recently; zero disables the
	// age check and with it every registry lookup.
	MinAge time.Duration
	// Registry answers the age check; required when MinAge is set.
	Registry Registry
	// LookupTimeout bounds one registry lookup (default 3 s).
	LookupTimeout time.Duration
	Now           func() time.Time
}

// Guard checks commands. It is safe for concurrent use.
type Guard struct {
	o           Options
	deny, allow []ecoPattern
}

type ecoPattern struct {
	eco  string
	name glob.Pattern
}

// New validates the options.
func New(o Options) (*Guard, error) {
	if o.Popular == nil {
		o.Popular = ShippedPopular()
	}
	if o.MinAge < 0 {
		return nil, errors.New("supplychain: min_age must not be negative")
	}
	if o.MinAge > 0 && o.Registry == nil {
		return nil, errors.New("supplychain: min_age needs a registry")
	}
	if o.LookupTimeout <= 0 {
		o.LookupTimeout = 3 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	g := &Guard{o: o}
	var err error
	if g.deny, err = compilePatterns("deny", o.Deny); err != nil {
		return nil, err
	}
	if g.allow, err = compilePatterns("allow", o.Allow); err != nil {
		return nil, err
	}
	return g, nil
}

func compilePatterns(field string, ps []string) ([]ecoPattern, error) {
	var out []ecoPattern
	for i, p := range ps {
		eco, name, ok := strings.Cut(p, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("supplychain: %s[%d] %q: want <ecosystem>:<name glob>", field, i, p)
		}
		if eco != "*" && !knownEcosystem(Ecosystem(eco)) {
			return nil, fmt.Errorf("supplychain: %s[%d] %q: unknown ecosystem %q", field, i, p, eco)
		}
		g, err := glob.Compile(name)
		if err != nil {
			return nil, fmt.Errorf("supplychain: %s[%d] %q: %w", field, i, p, err)
		}
		out = append(out, ecoPattern{eco: eco, name: g})
	}
	return out, nil
}

func knownEcosystem(e Ecosystem) bool {
	for _, x := range Ecosystems {
		if x == e {
			return true
		}
	}
	return false
}

func matchAny(ps []ecoPattern, eco Ecosystem, name string) bool {
	for _, p := range ps {
		if (p.eco == "*" || p.eco == string(eco)) && p.name.Match(name) {
			return true
		}
	}
	return false
}

// interpreters run the program they read.
var interpreters = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "python": true, "python3": true,
	"node": true, "perl": true, "ruby": true, "php": true, "pwsh": true, "powershell": true, "iex": true}

// CheckShell checks shell text. Text that cannot be read as shell is a
// finding of its own: what cannot be inspected does not run unseen.
func (g *Guard) CheckShell(ctx context.Context, src string) []Finding {
	invs, err := ParseShell(src)
	if err != nil {
		return []Finding{{Type: TypeUnreadable, Severity: High, Detail: err.Error()}}
	}
	var out []Finding
	for _, inv := range invs {
		out = append(out, g.CheckInvocation(ctx, inv)...)
	}
	return out
}

// CheckArgv checks a command given as a program and its arguments (the
// shape MCP client configurations and process launchers use).
func (g *Guard) CheckArgv(ctx context.Context, argv []string) []Finding {
	inv := strip(argv, nil)
	out := g.CheckInvocation(ctx, inv)
	if script, ok := shellScript(inv); ok {
		out = append(out, g.CheckShell(ctx, script)...)
	}
	return out
}

// CheckInvocation checks one simple command.
func (g *Guard) CheckInvocation(ctx context.Context, inv Invocation) []Finding {
	var out []Finding
	head := path.Base(inv.head())
	if interpreters[head] && (downloaders[inv.FedBy] || inv.Fetches) {
		out = append(out, Finding{Type: TypeRemoteScript, Severity: High,
			Detail: fmt.Sprintf("%s runs a script downloaded at run time; nothing pins what it executes", head)})
	}
	x := Extract(inv)
	for _, ix := range x.Indexes {
		sev := Medium
		what := "a package index other than the default, where a name can resolve to someone else's package"
		if ix.Option == "--trusted-host" {
			sev, what = High, "disables TLS verification for a package host"
		}
		out = append(out, Finding{Type: TypeIndex, Severity: sev, Ecosystem: ix.Ecosystem,
			Detail: fmt.Sprintf("%s %s: %s", ix.Option, ix.Value, what)})
	}
	for _, p := range x.Packages {
		out = append(out, g.checkPackage(ctx, p)...)
	}
	return out
}

func (g *Guard) checkPackage(ctx context.Context, p Package) []Finding {
	f := func(typ, sev, format string, args ...any) Finding {
		return Finding{Type: typ, Severity: sev, Ecosystem: p.Ecosystem, Package: p.Name, Detail: fmt.Sprintf(format, args...)}
	}
	if p.Dynamic && (p.Name == "" || p.Source == FromRegistry) {
		return []Finding{f(TypeUnreadable, High, "the package spec is built from a shell expansion; its value is not known before the command runs")}
	}
	switch p.Source {
	case FromLocal:
		return nil
	case FromRequirements:
		return []Finding{f(TypeRemote, Medium, "installs what %s lists; the guard cannot see its packages", p.Name)}
	case FromURL:
		if p.Pinned {
			return nil
		}
		return []Finding{f(TypeRemote, Medium, "installs from %s without a commit or hash pin: the content can change under the same address", p.Name)}
	}
	if matchAny(g.deny, p.Ecosystem, p.Name) {
		return []Finding{f(TypeDenyListed, Critical, "%s %s is on the deny-list", p.Ecosystem, p.Name)}
	}
	allowed := matchAny(g.allow, p.Ecosystem, p.Name)
	var out []Finding
	if !allowed {
		if target, ok := g.o.Popular.Lookalike(p.Ecosystem, p.Name); ok {
			out = append(out, f(TypeLookalike, High, "%s %q imitates the popular package %q", p.Ecosystem, p.Name, target))
		}
	}
	if !p.Pinned {
		verb := "installs"
		if p.Runs {
			verb = "runs"
		}
		want := "an exact version"
		if p.Version != "" {
			want = fmt.Sprintf("an exact version, not %q", p.Version)
		}
		out = append(out, f(TypeUnpinned, Medium, "%s whatever version of %s the registry serves today; pin %s", verb, p.Name, want))
	}
	if g.o.MinAge > 0 && !allowed {
		out = append(out, g.checkAge(ctx, p, f)...)
	}
	return out
}

func (g *Guard) checkAge(ctx context.Context, p Package, f func(typ, sev, format string, args ...any) Finding) []Finding {
	version := "" // a range resolves to the newest release
	if p.Pinned {
		version = strings.TrimLeft(p.Version, "=")
	}
	lctx, cancel := context.WithTimeout(ctx, g.o.LookupTimeout)
	defer cancel()
	rel, err := g.o.Registry.Release(lctx, p.Ecosystem, p.Name, version)
	switch {
	case errors.Is(err, ErrUnknownPackage):
		return []Finding{f(TypeUnknown, High, "the %s registry has no %s %s", p.Ecosystem, p.Name, version)}
	case err != nil:
		return []Finding{f(TypeLookupFailed, High, "the package's age could not be checked (%v); a package that cannot be checked does not run", err)}
	}
	age := g.o.Now().Sub(rel.Published)
	if age < g.o.MinAge {
		return []Finding{f(TypeTooNew, High, "%s %s was published %s ago, less than the %s required", p.Name, rel.Version, age.Round(time.Minute), g.o.MinAge)}
	}
	return nil
}
