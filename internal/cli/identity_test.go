package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestIdentityUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"identity", "register", "--agent", "a"}, want: "pass --server URL"},
		{args: []string{"identity", "register", "--server", "http://127.0.0.1:1"}, want: "--agent is required"},
		{args: []string{"identity", "rotate", "--agent", "a"}, want: "--agent and --key-out are required"},
		{args: []string{"identity", "login", "--key", "k"}, want: "pass --server URL"},
		{args: []string{"identity", "login"}, env: map[string]string{"AGENTGOV_SERVER": "http://127.0.0.1:1"}, want: "--key is required"},
	} {
		code, _, stderr := runWith(t, tc.env, "", tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want usage error %q", tc.args, code, stderr, tc.want)
		}
	}
}

// Every command with --server also takes --token, both documented with
// their environment variables: the one shared helper gives them.
func TestClientFlagsEverywhere(t *testing.T) {
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		if f := c.Flags().Lookup("server"); f != nil && c.Name() != "http" {
			seen++
			tok := c.Flags().Lookup("token")
			if tok == nil || !strings.Contains(f.Usage, envServer) || !strings.Contains(tok.Usage, envToken) {
				t.Errorf("%s: --server/--token are not the shared client flags", c.CommandPath())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(Env{}))
	if seen < 3 {
		t.Fatalf("only %d commands take --server", seen)
	}
}

func TestAPITokenPrecedence(t *testing.T) {
	g := &globals{env: Env{LookupEnv: func(k string) (string, bool) {
		return map[string]string{envToken: "from-env", envServer: "http://env"}[k], true
	}}}
	if g.apiToken() != "from-env" || g.serverURL() != "http://env" {
		t.Fatal("environment not used")
	}
	g.token, g.server = "from-flag", "http://flag"
	if g.apiToken() != "from-flag" || g.serverURL() != "http://flag" {
		t.Fatal("flag does not win over the environment")
	}
}
