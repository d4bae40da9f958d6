package egress

import (
	"strings"
	"testing"
)

func mustCompile(t *testing.T, def Action, rules ...Rule) *Policy {
	t.Helper()
	p, err := Compile(def, rules)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecide(t *testing.T) {
	p := mustCompile(t, Deny,
		Rule{"evil.corp.com", Deny},
		Rule{"*.corp.com", Allow},
		Rule{"https://api.partner.io", Allow},
		Rule{"files.example.com:8443", Allow},
		Rule{"10.0.0.0/8", Allow},
		Rule{"10.9.9.9", Deny}, // shadowed by the CIDR above: first match wins
		Rule{"192.168.1.5", Allow},
		Rule{"[::1]", Deny},
	)
	cases := []struct {
		dest   string
		action Action
		rule   string
	}{
		{"https://a.corp.com/x", Allow, "*.corp.com"},
		{"https://a.b.corp.com", Allow, "*.corp.com"},
		{"https://corp.com", Deny, ""}, // the wildcard does not cover the apex
		{"https://evil.corp.com", Deny, "evil.corp.com"},
		{"https://EVIL.Corp.Com.", Deny, "evil.corp.com"},
		{"https://notcorp.com", Deny, ""},
		{"https://corp.com.attacker.net", Deny, ""},
		{"https://api.partner.io/v1", Allow, "https://api.partner.io"},
		{"http://api.partner.io/v1", Deny, ""}, // scheme must match
		{"api.partner.io", Deny, ""},           // no scheme known
		{"https://files.example.com:8443/a", Allow, "files.example.com:8443"},
		{"https://files.example.com/a", Deny, ""}, // default port 443
		{"http://10.1.2.3/", Allow, "10.0.0.0/8"},
		{"http://10.9.9.9/", Allow, "10.0.0.0/8"},
		{"http://167772161/", Allow, "10.0.0.0/8"}, // 10.0.0.1 as one number
		{"http://0x0a.0.0.1/", Allow, "10.0.0.0/8"},
		{"http://[::ffff:10.0.0.1]/", Allow, "10.0.0.0/8"},
		{"http://192.168.1.5:9/", Allow, "192.168.1.5"},
		{"http://0300.0250.01.05/", Allow, "192.168.1.5"}, // octal
		{"http://[::1]:80/", Deny, "[::1]"},
		{"http://user:pw@a.corp.com/", Allow, "*.corp.com"},
	}
	for _, c := range cases {
		d, err := ParseDestination(c.dest)
		if err != nil {
			t.Fatalf("%s: %v", c.dest, err)
		}
		got := p.Decide(d)
		if got.Action != c.action || got.Rule != c.rule {
			t.Errorf("%s (%v): got %s by %q, want %s by %q", c.dest, d, got.Action, got.Rule, c.action, c.rule)
		}
	}
}

func TestStarAndDefault(t *testing.T) {
	allowAll := mustCompile(t, Deny, Rule{"*", Allow})
	d, _ := ParseDestination("https://anything.example")
	if allowAll.Decide(d).Action != Allow {
		t.Fatal("* did not match")
	}
	allowByDefault := mustCompile(t, Allow, Rule{"*.internal", Deny})
	d, _ = ParseDestination("https://db.internal")
	if allowByDefault.Decide(d).Action != Deny {
		t.Fatal("deny rule did not apply")
	}
	d, _ = ParseDestination("https://example.com")
	if dec := allowByDefault.Decide(d); dec.Action != Allow || dec.Rule != "" {
		t.Fatalf("default: %+v", dec)
	}
}

func TestCompileRejects(t *testing.T) {
	for _, r := range []Rule{
		{"", Allow}, {"a.*.com", Allow}, {"*a.com", Allow}, {"https://a.com/path", Allow},
		{"a.com:0", Allow}, {"a.com:70000", Allow}, {"a com", Allow}, {"a.com", "maybe"},
		{"[::1", Allow}, {"*.", Allow},
	} {
		if _, err := Compile(Deny, []Rule{r}); err == nil || !strings.Contains(err.Error(), "egress.rules[0]") {
			t.Errorf("rule %+v compiled (%v)", r, err)
		}
	}
	if _, err := Compile("open", nil); err == nil {
		t.Error("bad default accepted")
	}
}

func TestTargets(t *testing.T) {
	args := map[string]any{
		"url":   "https://a.example/x",
		"query": "ordinary text with no url",
		"nested": map[string]any{
			"Endpoint": "db.internal:5432",
			"list":     []any{"ftp://files.example/f", "plain"},
		},
		"note":     "see https://docs.example for details", // not URL-valued
		"hostname": "not a host!",
	}
	ts, errs := Targets(args)
	got := map[string]string{}
	for _, tg := range ts {
		got[tg.Path] = tg.Destination.String()
	}
	want := map[string]string{
		"/url":             "https://a.example:443",
		"/nested/Endpoint": "db.internal:5432",
		"/nested/list/0":   "ftp://files.example:21",
	}
	if len(got) != len(want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "/hostname") {
		t.Fatalf("errors %v: an unreadable host argument must be reported", errs)
	}
}

func FuzzParseDestination(f *testing.F) {
	for _, s := range []string{"https://a.b", "10.0.0.1", "[::ffff:127.0.0.1]:8", "http://0x7f.1/", "h:99999", "//x", "a@b"} {
		f.Add(s)
	}
	p, err := Compile(Deny, []Rule{{"127.0.0.0/8", Allow}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDestination(s)
		if err != nil {
			return
		}
		// Any spelling of a loopback address must reach the CIDR rule.
		if a, ok := parseIP(d.Host); ok && a.Is4() && a.As4()[0] == 127 {
			if p.Decide(d).Action != Allow {
				t.Fatalf("%q → %v escaped the loopback CIDR", s, d)
			}
		}
	})
}
