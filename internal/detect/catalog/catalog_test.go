package catalog

import (
	"slices"
	"testing"

	"github.com/agentgov/agentgov/internal/config"
)

// Every detector has distinct names, a constructor whose detector reports
// the catalogued name, and a key that profiles accept.
func TestEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Entries() {
		if seen[e.Name] || seen["key:"+e.Key] {
			t.Fatalf("duplicate %s / %s", e.Name, e.Key)
		}
		seen[e.Name], seen["key:"+e.Key] = true, true
		if d := e.New(); d == nil || d.Name() != e.Name {
			t.Fatalf("%s: constructor gives %v", e.Name, d)
		}
		if !slices.Contains(config.DetectorNames, e.Key) {
			t.Fatalf("%s: profiles do not accept the key %q", e.Name, e.Key)
		}
		if e.Fields.ID == "" || e.Fields.Text == "" {
			t.Fatalf("%s: scan fields unset", e.Name)
		}
	}
	for _, key := range config.DetectorNames {
		// The supply-chain guard is not a content detector: it needs the
		// deployment's lists and registry, so the gate builds it from the
		// configuration (internal/gate/supplychain.go and its test).
		if key == "supply_chain" {
			continue
		}
		if !seen["key:"+key] {
			t.Fatalf("profiles accept %q, which no detector implements", key)
		}
	}
	if _, ok := Lookup("prompt-injection"); !ok {
		t.Fatal("prompt-injection is not catalogued")
	}
	if _, ok := Lookup("nope"); ok {
		t.Fatal("Lookup found an unknown name")
	}
}
