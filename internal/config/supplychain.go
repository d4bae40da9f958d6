package config

import (
	"net/url"
	"os"

	"github.com/goccy/go-yaml/ast"
	"slices"
	"strings"
	"time"
)

// SupplyChain configures the guard over code that agents install or
// launch (package supplychain). Whether it runs, and what each finding
// does, is a profile's `detectors.supply_chain`; what the guard knows —
// the deny and allow lists, the minimum package age, where registries
// are, which names are popular — is the deployment's and lives here.
type SupplyChain struct {
	// Deny and Allow are "<ecosystem>:<name glob>" patterns; ecosystems are
	// npm, pypi, go, cargo, rubygems or *.
	Deny  []string `yaml:"deny,omitempty"`
	Allow []string `yaml:"allow,omitempty"`
	// MinAge refuses packages published more recently (0: no age check and
	// no registry lookups).
	MinAge Duration `yaml:"min_age"`
	// LookupTimeout bounds one registry lookup.
	LookupTimeout Duration `yaml:"lookup_timeout"`
	// Registries overrides registry base URLs by ecosystem (mirrors).
	Registries map[string]string `yaml:"registries,omitempty"`
	// PopularDir holds <ecosystem>.txt files that replace the shipped
	// lists of popular package names.
	PopularDir string `yaml:"popular_dir"`
}

// supplyChainListKeys are the list and map keys of the section; like the
// governance sections they come from the file only.
var supplyChainListKeys = []string{"supply_chain.allow", "supply_chain.deny", "supply_chain.registries"}

// supplyChainList decodes one of supplyChainListKeys.
func (l *loader) supplyChainList(path string, keyNode, val ast.Node) {
	l.prov[path] = l.fileOrigin(keyNode)
	if p := unsupported(val); p != "" {
		l.fail(path, val, p)
		return
	}
	if _, isNull := val.(*ast.NullNode); isNull {
		return
	}
	s := &l.cfg.SupplyChain
	switch path {
	case "supply_chain.deny":
		s.Deny = slices.Clip(l.strList(path, val).Values)
	case "supply_chain.allow":
		s.Allow = slices.Clip(l.strList(path, val).Values)
	case "supply_chain.registries":
		s.Registries = nilIfEmpty(l.strMap(path, val))
	}
	// `deny: []` loads like an absent key.
	if len(s.Deny) == 0 {
		s.Deny = nil
	}
	if len(s.Allow) == 0 {
		s.Allow = nil
	}
}

func defaultSupplyChain() SupplyChain {
	return SupplyChain{LookupTimeout: Duration{5 * time.Second}}
}

var supplyChainEcosystems = []string{"npm", "pypi", "go", "cargo", "rubygems"}

func (c *Config) supplyChainProblems(add func(field, format string, args ...any)) {
	s := &c.SupplyChain
	if d := s.MinAge.Duration; d < 0 || d > 365*24*time.Hour {
		add("supply_chain.min_age", "must be between 0s (off) and 8760h, got %s", d)
	}
	if d := s.LookupTimeout.Duration; d < 100*time.Millisecond || d > time.Minute {
		add("supply_chain.lookup_timeout", "must be between 100ms and 1m, got %s", d)
	}
	for field, list := range map[string][]string{"supply_chain.deny": s.Deny, "supply_chain.allow": s.Allow} {
		for _, p := range list {
			eco, name, ok := strings.Cut(p, ":")
			if !ok || name == "" || (eco != "*" && !slices.Contains(supplyChainEcosystems, eco)) {
				add(field, "%q: want <ecosystem>:<name glob> with ecosystem one of %s or *", p, strings.Join(supplyChainEcosystems, ", "))
			}
		}
	}
	for eco, u := range s.Registries {
		if !slices.Contains(supplyChainEcosystems, eco) {
			add("supply_chain.registries."+eco, "is not an ecosystem; want one of %s", strings.Join(supplyChainEcosystems, ", "))
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Scheme != "https" || pu.Host == "" || pu.User != nil {
			add("supply_chain.registries."+eco, "must be an https URL without credentials")
		}
	}
	if s.PopularDir != "" {
		if fi, err := os.Stat(s.PopularDir); err != nil || !fi.IsDir() {
			add("supply_chain.popular_dir", "must be a readable directory")
		}
	}
}
