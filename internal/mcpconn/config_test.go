package mcpconn

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseConfigFormats(t *testing.T) {
	cases := []struct {
		name, path, doc string
		want            []Spec
	}{
		{"claude desktop", "/h/claude_desktop_config.json",
			`{"mcpServers":{"fs":{"command":"npx","args":["-y","@modelcontextprotocol/server-filesystem","/tmp"],"env":{"K":"${env:HOME_KEY}"}}}}`,
			[]Spec{{Name: "fs", Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-filesystem", "/tmp"}, Env: map[string]string{"K": "v"}}}},
		{"cursor with url", "/p/.cursor/mcp.json",
			`{"mcpServers":{"remote":{"url":"https://mcp.example/mcp","headers":{"Authorization":"Bearer ${env:TOK}"}},"local":{"command":"uvx","args":["mcp-server-time"]}}}`,
			[]Spec{{Name: "local", Command: "uvx", Args: []string{"mcp-server-time"}}, {Name: "remote", URL: "https://mcp.example/mcp", Headers: map[string]string{"Authorization": "Bearer t"}}}},
		{"vs code", "/w/.vscode/mcp.json",
			"// comment\n" + `{"inputs":[{"type":"promptString","id":"api-key","password":true}],"servers":{"gh":{"type":"stdio","command":"docker","args":["run","-e","KEY","img"],"env":{"KEY":"${input:api-key}"},"cwd":"${workspaceFolder}/x"}}}`,
			[]Spec{{Name: "gh", Command: "docker", Args: []string{"run", "-e", "KEY", "img"}, Env: map[string]string{"KEY": "secret"}, Cwd: "/w/x"}}},
		{"sse", "/h/.cursor/mcp.json",
			`{"mcpServers":{"old":{"type":"sse","url":"http://127.0.0.1:9/sse"},"new":{"type":"http","url":"http://127.0.0.1:9/mcp"}}}`,
			[]Spec{{Name: "new", URL: "http://127.0.0.1:9/mcp"}, {Name: "old", URL: "http://127.0.0.1:9/sse", SSE: true}}},
		{"windsurf serverUrl and disabled", "/h/.codeium/windsurf/mcp_config.json",
			`{"mcpServers":{"a":{"serverUrl":"http://127.0.0.1:9/mcp"},"b":{"command":"x","disabled":true}}}`,
			[]Spec{{Name: "a", URL: "http://127.0.0.1:9/mcp"}}},
	}
	lookup := env(map[string]string{"HOME_KEY": "v", "TOK": "t", "AGENTGOV_MCP_INPUT_API_KEY": "secret"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseConfig(c.path, []byte(c.doc), lookup)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d servers, want %d: %+v", len(got), len(c.want), got)
			}
			for i, w := range c.want {
				g := got[i]
				if g.Name != w.Name || g.Command != w.Command || g.URL != w.URL || g.Cwd != w.Cwd || g.SSE != w.SSE || strings.Join(g.Args, " ") != strings.Join(w.Args, " ") || g.Source != c.path {
					t.Fatalf("server %d: %+v, want %+v", i, g, w)
				}
				for k, v := range w.Env {
					if g.Env[k] != v {
						t.Fatalf("env %s=%q, want %q", k, g.Env[k], v)
					}
				}
				for k, v := range w.Headers {
					if g.Headers[k] != v {
						t.Fatalf("header %s=%q, want %q", k, g.Headers[k], v)
					}
				}
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`not json`, "not an MCP client configuration"},
		{`{}`, "no servers"},
		{`{"mcpServers":{"x":{}}}`, "neither a command nor a url"},
		{`{"servers":{"x":{"command":"c","env":{"K":"${input:tok}"}}}}`, "AGENTGOV_MCP_INPUT_TOK"},
		{`{"mcpServers":{"x":{"type":"sse","command":"c"}}}`, "type sse and has no url"},
		{`{"mcpServers":{"x":{"type":"websocket","url":"ws://h/"}}}`, `type "websocket"`},
	} {
		if _, err := ParseConfig("f.json", []byte(c.doc), env(nil)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.doc, err, c.want)
		}
	}
	if _, err := ParseConfig("f.json", make([]byte, MaxConfigBytes+1), env(nil)); err == nil {
		t.Error("oversized configuration accepted")
	}
}

func TestStripJSONComments(t *testing.T) {
	in := "{\n// c\n\"a\": \"// not a comment\", /* block */ \"b\": \"x\\\"/*y*/\"}"
	got := string(stripJSONComments([]byte(in)))
	if !strings.Contains(got, `"// not a comment"`) || strings.Contains(got, "block") || !strings.Contains(got, `"x\"/*y*/"`) {
		t.Fatalf("%q", got)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"mcpServers":{"a":{"command":"x","args":["${env:A}"]}}}`))
	f.Add([]byte("// c\n{\"servers\":{\"b\":{\"url\":\"${input:x}\"}}}"))
	f.Add([]byte(`{"mcp":{"servers":{"c":{"command":"/*"}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		specs, err := ParseConfig("f.json", b, env(map[string]string{"A": "1"}))
		if err != nil {
			return
		}
		for _, s := range specs {
			if s.Name == "" && s.Command == "" && s.URL == "" {
				t.Fatalf("empty spec %+v", s)
			}
			if s.Command == "" && s.URL == "" {
				t.Fatalf("spec without target %+v", s)
			}
		}
	})
}
