package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	mcpServerOnce sync.Once
	mcpServerBin  string
	mcpServerErr  error
)

// mcpTestServer builds testdata/mcpserver (a real MCP server on the
// official SDK) once per run.
func mcpTestServer(t *testing.T) string {
	t.Helper()
	mcpServerOnce.Do(func() {
		mcpServerBin = filepath.Join(filepath.Dir(binary), "mcpserver")
		cmd := exec.Command("go", "build", "-o", mcpServerBin, "./testdata/mcpserver")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			mcpServerErr = err
			t.Logf("%s", out)
		}
	})
	if mcpServerErr != nil {
		t.Fatalf("building the test MCP server: %v", mcpServerErr)
	}
	return mcpServerBin
}

// TestMCPPinsHTTP: `agentgov mcp pin` through a running server records
// the approved definitions (POST /v1/mcp/pins, ADMIN) with one audit entry
// per tool; `agentgov mcp scan` then compares the served tools with the
// pins (GET /v1/mcp/pins) and reports a changed description as a rug pull,
// exiting 1; a non-admin token may read pins but not write them.
func TestMCPPinsHTTP(t *testing.T) {
	srvBin := mcpTestServer(t)
	cfg := filepath.Join(t.TempDir(), "agentgov.yaml")
	if err := os.WriteFile(cfg, []byte("agents:\n  bot:\n    role: WRITER\n    ring: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startGateServer(t, cfg)
	remote := []string{"--server", s.url, "--token", adminToken}

	code, stdout, stderr := runCLI(t, append(append([]string{"mcp", "pin", "--output", "json"}, remote...), "--name", "calc", "--", srvBin, "-variant", "clean")...)
	if code != 0 {
		t.Fatalf("pin: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var res []struct {
		Server string `json:"server"`
		Pins   []struct {
			Tool       string `json:"tool"`
			Change     string `json:"change"`
			Version    int64  `json:"version"`
			Hash       string `json:"hash"`
			AuditIndex int64  `json:"audit_index"`
		} `json:"pins"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || len(res) != 1 || len(res[0].Pins) != 2 {
		t.Fatalf("pin output %s: %v", stdout, err)
	}
	for _, p := range res[0].Pins {
		if p.Change != "new" || p.Version != 1 || !strings.HasPrefix(p.Hash, "sha256:") {
			t.Fatalf("pin %+v", p)
		}
		e := s.entry(t, p.AuditIndex)
		if e.Type != "mcp_pin" || e.Decision != "pinned" || e.Action != "mcp.pin:calc/"+p.Tool || e.Source != "token:e2e-admin" {
			t.Fatalf("audit entry of %s: %+v", p.Tool, e)
		}
	}
	// Read the pins over HTTP.
	st, body := s.do(t, "GET", "/v1/mcp/pins?server=calc", adminToken, "")
	if st != 200 || !strings.Contains(string(body), `"tool":"add"`) || !strings.Contains(string(body), `"definition":{`) {
		t.Fatalf("GET pins: %d %s", st, body)
	}
	// A WRITER token may not pin.
	st, body = s.do(t, "POST", "/v1/mcp/pins", strictToken, `{"server":"calc","tools":[{"name":"x"}]}`)
	if st != 403 {
		t.Fatalf("WRITER pin: %d %s", st, body)
	}
	st, body = s.do(t, "POST", "/v1/mcp/pins", adminToken, `{"server":"","tools":[]}`)
	if st != 400 || !strings.Contains(string(body), "server") {
		t.Fatalf("empty server: %d %s", st, body)
	}

	// The same server scans clean against its pins.
	code, stdout, stderr = runCLI(t, append(append([]string{"mcp", "scan", "--output", "json"}, remote...), "--name", "calc", "--", srvBin, "-variant", "clean")...)
	if code != 0 || !strings.Contains(stdout, `"pinned": true`) && !strings.Contains(stdout, `"pinned":true`) {
		t.Fatalf("clean scan: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The description changed after approval: a rug pull, exit 1.
	code, stdout, stderr = runCLI(t, append(append([]string{"mcp", "scan"}, remote...), "--name", "calc", "--", srvBin, "-variant", "changed")...)
	if code != 1 || !strings.Contains(stdout, "RUG_PULL") || !strings.Contains(stdout, "CRITICAL") {
		t.Fatalf("changed scan: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// Approving the changed definition adds a version; the tool's history
	// holds both, oldest first.
	code, stdout, stderr = runCLI(t, append(append([]string{"mcp", "pin", "--output", "json"}, remote...), "--name", "calc", "--", srvBin, "-variant", "changed")...)
	if code != 0 || !strings.Contains(stdout, `"changed"`) {
		t.Fatalf("re-pin: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var changed string
	var again []struct {
		Pins []struct{ Tool, Change string } `json:"pins"`
	}
	if err := json.Unmarshal([]byte(stdout), &again); err != nil || len(again) != 1 {
		t.Fatalf("re-pin output %s: %v", stdout, err)
	}
	for _, p := range again[0].Pins {
		if p.Change == "changed" {
			changed = p.Tool
		}
	}
	st, body = s.do(t, "GET", "/v1/mcp/pins?server=calc&tool="+changed, strictToken, "")
	var hist struct {
		Server, Tool string
		Versions     []struct {
			Version    int64           `json:"version"`
			Hash       string          `json:"hash"`
			Definition json.RawMessage `json:"definition"`
		} `json:"versions"`
	}
	if st != 200 || json.Unmarshal(body, &hist) != nil || hist.Tool != changed || len(hist.Versions) != 2 ||
		hist.Versions[0].Version != 1 || hist.Versions[1].Version != 2 || hist.Versions[0].Hash == hist.Versions[1].Hash {
		t.Fatalf("history of %q: %d %s", changed, st, body)
	}
	if st, body = s.do(t, "GET", "/v1/mcp/pins?server=calc&tool=nope", strictToken, ""); st != 404 {
		t.Fatalf("history of an unpinned tool: %d %s", st, body)
	}
	// A poisoned server is reported without any pin.
	code, stdout, _ = runCLI(t, append(append([]string{"mcp", "scan"}, remote...), "--name", "other", "--", srvBin, "-variant", "poisoned")...)
	if code != 1 || !strings.Contains(stdout, "TOOL_POISONING") {
		t.Fatalf("poisoned scan: exit %d\n%s", code, stdout)
	}
	s.verifyOffline(t)
}
