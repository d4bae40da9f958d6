package glob

import "testing"

func TestMatch(t *testing.T) {
	cases := []struct {
		g, name string
		want    bool
	}{
		{"web_search", "web_search", true},
		{"web_search", "web_search2", false},
		{"kb.*", "kb.lookup", true},
		{"kb.*", "kb", false},
		{"mcp/*/read", "mcp/github/read", true},
		{"mcp/*/read", "mcp/github/files/read", true},
		{"*", "anything/at.all", true},
		{"tool_?", "tool_1", true},
		{"tool_?", "tool_12", false},
		{"db_[rw]*", "db_read", true},
		{"db_[!rw]*", "db_read", false},
		{"db_[!rw]*", "db_admin", true},
		{"a.b", "aXb", false}, // '.' is literal
		{"Delete", "delete", false},
		{"x[", "x[", true},
		{"[a-c]x", "bx", true},
	}
	for _, c := range cases {
		p, err := Compile(c.g)
		if err != nil {
			t.Fatalf("%s: %v", c.g, err)
		}
		if got := p.Match(c.name); got != c.want {
			t.Errorf("%q ~ %q = %v, want %v", c.g, c.name, got, c.want)
		}
	}
	if _, err := Compile(""); err == nil {
		t.Error("empty glob compiled")
	}
}

func FuzzCompile(f *testing.F) {
	f.Add("a*b?[cd][!e]", "axbcd")
	f.Fuzz(func(t *testing.T, g, name string) {
		p, err := Compile(g)
		if err != nil {
			return
		}
		_ = p.Match(name)
		if !p.literal && p.re == nil {
			t.Fatal("compiled pattern without a matcher")
		}
	})
}
