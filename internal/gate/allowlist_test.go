package gate

import (
	"testing"

	"github.com/agentgov/agentgov/internal/glob"
)

// TestAllowListFirstMatch: the index answers as a scan of the globs in
// order would: the first glob that admits the tool names the rule, even
// when a plain name further down the list spells the tool exactly.
func TestAllowListFirstMatch(t *testing.T) {
	cases := []struct {
		globs []string
		tool  string
		rule  string // "" when denied
	}{
		{[]string{"a", "b", "c"}, "b", "allowed_tools:b"},
		{[]string{"a", "b"}, "z", ""},
		{[]string{"fs/*", "fs/read"}, "fs/read", "allowed_tools:fs/*"},
		{[]string{"fs/read", "fs/*"}, "fs/read", "allowed_tools:fs/read"},
		{[]string{"fs/read", "fs/*"}, "fs/write", "allowed_tools:fs/*"},
		{[]string{"x", "x"}, "x", "allowed_tools:x"},
		{[]string{"db_?", "db_a", "*"}, "db_a", "allowed_tools:db_?"},
		{[]string{"db_a", "db_?", "*"}, "db_bb", "allowed_tools:*"},
		{[]string{"[ab]x", "cx"}, "cx", "allowed_tools:cx"},
		{[]string{}, "x", ""},
	}
	for _, c := range cases {
		set, err := glob.CompileSet(c.globs)
		if err != nil {
			t.Fatal(err)
		}
		indexed := &Profile{Allowed: set, allow: newAllowList(set)}
		plain := &Profile{Allowed: set} // indexed on each call
		for name, p := range map[string]*Profile{"indexed": indexed, "unindexed": plain} {
			rule, ok := p.allowedRule(c.tool)
			if ok != (c.rule != "") || rule != c.rule {
				t.Errorf("%s %v %q: got %q %v, want %q", name, c.globs, c.tool, rule, ok, c.rule)
			}
		}
	}
}

// TestAllowListShared: agents whose profiles carry the same allow-list
// share its index.
func TestAllowListShared(t *testing.T) {
	f := newFixture(t, benchConfig(3), nil)
	a := f.g.Policy().agents["agent-0"]
	b := f.g.Policy().agents["agent-2"]
	if a == nil || b == nil || a.allow == nil || a.allow != b.allow {
		t.Fatalf("allow-lists not shared: %p %p", a, b)
	}
}
