package cli

import (
	"errors"
	"testing"
)

func TestKillScopeFlags(t *testing.T) {
	cases := []struct {
		f     scopeFlags
		scope string
		usage bool
	}{
		{f: scopeFlags{agent: "a"}, scope: "agent"},
		{f: scopeFlags{session: "s"}, scope: "session"},
		{f: scopeFlags{session: "s", agent: "a"}, scope: "session"},
		{f: scopeFlags{tool: "t"}, scope: "tool"},
		{f: scopeFlags{all: true}, scope: "global"},
		{f: scopeFlags{}, usage: true},
		{f: scopeFlags{agent: "a", tool: "t"}, usage: true},
		{f: scopeFlags{all: true, agent: "a"}, usage: true},
		{f: scopeFlags{session: "s", tool: "t"}, usage: true},
	}
	for _, c := range cases {
		req, err := c.f.request()
		var ec *ExitCodeError
		switch {
		case c.usage && (!errors.As(err, &ec) || ec.Code != ExitUsage):
			t.Errorf("%+v: %v, want a usage error", c.f, err)
		case !c.usage && (err != nil || req.Scope != c.scope):
			t.Errorf("%+v: %+v %v", c.f, req, err)
		}
	}
}

func TestKillCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"kill", "--server", "http://127.0.0.1:1", "--agent", "a", "--reason", "BORED"},
		{"kill", "--server", "http://127.0.0.1:1", "--reason", "MANUAL"},
		{"run", "--server", "http://127.0.0.1:1", "--agent", "a"},
		{"run", "--server", "http://127.0.0.1:1", "--", "true"},
		{"agents", "state", "--server", "http://127.0.0.1:1", "--agent", "a", "--to", "paused"},
		{"kill", "--agent", "a", "--reason", "MANUAL"},
	} {
		var out, errb testWriter
		if code := Main(t.Context(), args, Env{Stdout: &out, Stderr: &errb, LookupEnv: func(string) (string, bool) { return "", false }}); code != ExitUsage {
			t.Errorf("%v: exit %d (%s)", args, code, errb)
		}
	}
}

type testWriter []byte

func (w *testWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }
func (w testWriter) String() string               { return string(w) }
