// Package mcpconn reads MCP client configuration files and connects to the
// servers they name, through the official Go SDK, to list what each server
// offers. Servers are started with a deadline and cleaned up: a stdio
// server's whole process group is killed when the listing ends.
package mcpconn

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Spec is one configured MCP server.
type Spec struct {
	Name string
	// Command and Args start a stdio server; URL names an HTTP one,
	// streamable HTTP unless SSE is set.
	Command string
	Args    []string
	Env     map[string]string
	Cwd     string
	URL     string
	Headers map[string]string
	// SSE selects the deprecated HTTP+SSE transport (protocol 2024-11-05)
	// for URL, as a configuration's "type": "sse" does.
	SSE bool
	// Source is the configuration file the server came from.
	Source string
}

// entry is one server in any of the common formats: Claude Desktop,
// Cursor and Windsurf (mcpServers), VS Code (servers).
type entry struct {
	Type      string            `json:"type"`
	Command   string            `json:"command"`
	Args      []string          `json:"args"`
	Env       map[string]string `json:"env"`
	Cwd       string            `json:"cwd"`
	URL       string            `json:"url"`
	ServerURL string            `json:"serverUrl"`
	Headers   map[string]string `json:"headers"`
	Disabled  bool              `json:"disabled"`
}

// MaxConfigBytes bounds a configuration file.
const MaxConfigBytes = 4 << 20

var varRE = regexp.MustCompile(`\$\{([a-zA-Z]+)(:([^}]*))?\}`)

// ParseConfig reads the servers of one configuration file. lookupEnv
// resolves ${env:NAME} and ${input:ID} (as AGENTGOV_MCP_INPUT_<ID>); a
// reference that cannot be resolved is an error naming it.
func ParseConfig(path string, data []byte, lookupEnv func(string) (string, bool)) ([]Spec, error) {
	if len(data) > MaxConfigBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxConfigBytes)
	}
	var doc struct {
		MCPServers map[string]entry `json:"mcpServers"`
		Servers    map[string]entry `json:"servers"`
		MCP        *struct {
			Servers map[string]entry `json:"servers"`
		} `json:"mcp"`
	}
	if err := json.Unmarshal(stripJSONComments(data), &doc); err != nil {
		return nil, fmt.Errorf("%s: not an MCP client configuration: %w", path, err)
	}
	all := map[string]entry{}
	for k, v := range doc.MCPServers {
		all[k] = v
	}
	for k, v := range doc.Servers {
		all[k] = v
	}
	if doc.MCP != nil {
		for k, v := range doc.MCP.Servers {
			all[k] = v
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%s: no servers under mcpServers or servers", path)
	}
	workspace := filepath.Dir(filepath.Dir(path))
	resolve := func(name, s string) (string, error) {
		var err error
		out := varRE.ReplaceAllStringFunc(s, func(m string) string {
			sm := varRE.FindStringSubmatch(m)
			switch sm[1] {
			case "env":
				v, _ := lookupEnv(sm[3])
				return v
			case "workspaceFolder":
				return workspace
			case "userHome":
				h, _ := os.UserHomeDir()
				return h
			case "input":
				key := "AGENTGOV_MCP_INPUT_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(sm[3]))
				if v, ok := lookupEnv(key); ok {
					return v
				}
				err = fmt.Errorf("server %s needs the input %q: set %s", name, sm[3], key)
			}
			return m
		})
		return out, err
	}
	names := make([]string, 0, len(all))
	for k := range all {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []Spec
	for _, n := range names {
		e := all[n]
		if e.Disabled {
			continue
		}
		sp := Spec{Name: n, Source: path, Env: map[string]string{}, Headers: map[string]string{}}
		var err error
		if sp.Command, err = resolve(n, e.Command); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, a := range e.Args {
			v, err := resolve(n, a)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			sp.Args = append(sp.Args, v)
		}
		for k, v := range e.Env {
			if sp.Env[k], err = resolve(n, v); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		for k, v := range e.Headers {
			if sp.Headers[k], err = resolve(n, v); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		if sp.Cwd, err = resolve(n, e.Cwd); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if sp.URL, err = resolve(n, firstNonEmpty(e.URL, e.ServerURL)); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if sp.Command == "" && sp.URL == "" {
			return nil, fmt.Errorf("%s: server %s has neither a command nor a url", path, n)
		}
		switch e.Type {
		case "", "stdio", "http", "streamable-http", "streamableHttp":
		case "sse":
			if sp.URL == "" {
				return nil, fmt.Errorf("%s: server %s is of type sse and has no url", path, n)
			}
			sp.SSE = true
		default:
			return nil, fmt.Errorf("%s: server %s has type %q; want stdio, http, streamable-http or sse", path, n, e.Type)
		}
		out = append(out, sp)
	}
	return out, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// stripJSONComments removes // and /* */ comments outside strings (VS Code
// and Cursor accept JSON with comments).
func stripJSONComments(b []byte) []byte {
	out := make([]byte, 0, len(b))
	inStr, esc := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			out = append(out, c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		if c == '"' {
			inStr = true
			out = append(out, c)
			continue
		}
		if c == '/' && i+1 < len(b) && b[i+1] == '/' {
			for i < len(b) && b[i] != '\n' {
				i++
			}
			out = append(out, '\n')
			continue
		}
		if c == '/' && i+1 < len(b) && b[i+1] == '*' {
			i += 2
			for i+1 < len(b) && !(b[i] == '*' && b[i+1] == '/') {
				i++
			}
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}

// DiscoverPaths lists the configuration files of the common clients that
// exist for this user and working directory.
func DiscoverPaths(home, cwd string) []string {
	cands := []string{
		filepath.Join(home, ".config", "Claude", "claude_desktop_config.json"),
		filepath.Join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json"),
		filepath.Join(home, ".cursor", "mcp.json"),
		filepath.Join(home, ".codeium", "windsurf", "mcp_config.json"),
		filepath.Join(cwd, ".cursor", "mcp.json"),
		filepath.Join(cwd, ".vscode", "mcp.json"),
	}
	var out []string
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			out = append(out, c)
		}
	}
	return out
}
