package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agentgov/agentgov"
	"github.com/agentgov/agentgov/api"
)

// Tokens of the gate servers: an ADMIN token for everything, and a WRITER
// token that may submit checks only for agents matching strict-*.
const (
	adminToken  = "e2e-admin-token-0123456789abcdef0123456789"
	strictToken = "e2e-strict-token-0123456789abcdef012345678"
	authSection = `
auth:
  tokens:
    - {name: e2e-admin, token: "${E2E_ADMIN_TOKEN}", role: ADMIN}
    - {name: strict-only, token: "${E2E_STRICT_TOKEN}", role: WRITER, agents: ["strict-*"]}
`
)

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// gateServer is a running `agentgov serve` with the gate fixture.
type gateServer struct {
	url, data, config string
	cmd               *exec.Cmd
	stderr            *lockedBuffer
	done              chan error
	vkey              string
}

// startGateServer writes the auth section into the configuration and
// starts the real binary on a free loopback port.
func startGateServer(t *testing.T, config string) *gateServer {
	t.Helper()
	b, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\nauth:") {
		if err := os.WriteFile(config, append(b, authSection...), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return launchServer(t, config, filepath.Join(t.TempDir(), "data"), "127.0.0.1:0")
}

// launchServer starts agentgov serve with config over the data directory
// on addr, and waits until it is ready. The server is killed when the
// test ends, if it is still running.
func launchServer(t *testing.T, config, data, addr string) *gateServer {
	t.Helper()
	s := &gateServer{data: data, config: config, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(binary, "serve", "--config", config, "--addr", addr, "--data-dir", data)
	s.cmd.Env = append(os.Environ(), "E2E_ADMIN_TOKEN="+adminToken, "E2E_STRICT_TOKEN="+strictToken)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	var err error
	if s.url, err = waitReady(s.data, 30*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, s.stderr)
	}
	return s
}

// stop ends the server with SIGTERM, as an operator would.
func (s *gateServer) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("server exit: %v\n%s", err, s.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop")
	}
}

func (s *gateServer) do(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func checkBody(agent, session, point, snapshot, mode string) string {
	b, _ := json.Marshal(map[string]any{"agent": agent, "session": session, "intervention_point": point,
		"snapshot": json.RawMessage(snapshot), "mode": mode})
	if mode == "" {
		b, _ = json.Marshal(map[string]any{"agent": agent, "session": session, "intervention_point": point, "snapshot": json.RawMessage(snapshot)})
	}
	return string(b)
}

func decodeVerdict(t *testing.T, b []byte) verdict {
	t.Helper()
	var v verdict
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decision %s: %v", b, err)
	}
	// Escalate is not an allow: an HTTP caller proceeds only on these.
	v.allowed = v.Decision == "allow" || v.Decision == "warn" || v.Decision == "transform"
	return v
}

// checkAs posts one check with token.
func (s *gateServer) checkAs(t *testing.T, token, agent, session, point, snapshot, mode string) verdict {
	t.Helper()
	code, b := s.do(t, "POST", "/v1/check", token, checkBody(agent, session, point, snapshot, mode))
	if code != http.StatusOK {
		t.Fatalf("POST /v1/check: %d %s", code, b)
	}
	return decodeVerdict(t, b)
}

func (s *gateServer) check(t *testing.T, agent, session, point, snapshot, mode string) verdict {
	t.Helper()
	return s.checkAs(t, adminToken, agent, session, point, snapshot, mode)
}

func (s *gateServer) entry(t *testing.T, index int64) api.Entry {
	t.Helper()
	code, b := s.do(t, "GET", fmt.Sprintf("/v1/audit/entries/%d", index), adminToken, "")
	if code != http.StatusOK {
		t.Fatalf("GET entry %d: %d %s", index, code, b)
	}
	var e api.Entry
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (s *gateServer) proveEntry(t *testing.T, e api.Entry) {
	t.Helper()
	if s.vkey == "" {
		code, b := s.do(t, "GET", "/v1/audit/pubkey", adminToken, "")
		if code != http.StatusOK {
			t.Fatalf("pubkey: %d %s", code, b)
		}
		s.vkey = strings.TrimSpace(string(b))
	}
	code, cp := s.do(t, "GET", "/v1/audit/checkpoint", adminToken, "")
	if code != http.StatusOK {
		t.Fatalf("checkpoint: %d %s", code, cp)
	}
	head, err := agentgov.OpenCheckpoint(cp, s.vkey)
	if err != nil {
		t.Fatal(err)
	}
	code, b := s.do(t, "GET", fmt.Sprintf("/v1/audit/proof/inclusion?index=%d&tree_size=%d", e.Index, head.TreeSize), adminToken, "")
	if code != http.StatusOK {
		t.Fatalf("proof of %d at %d: %d %s", e.Index, head.TreeSize, code, b)
	}
	var proof api.InclusionProof
	if err := json.Unmarshal(b, &proof); err != nil {
		t.Fatal(err)
	}
	if err := agentgov.VerifyInclusion(cp, s.vkey, proof, &e); err != nil {
		t.Fatalf("entry %d does not verify: %v", e.Index, err)
	}
}

// configChanges returns the log's config_change entries.
func (s *gateServer) configChanges(t *testing.T) []api.Entry {
	t.Helper()
	code, b := s.do(t, "GET", "/v1/audit/entries?type=config_change&limit=1000", adminToken, "")
	if code != http.StatusOK {
		t.Fatalf("config changes: %d %s", code, b)
	}
	var page api.EntryPage
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

// verifyOffline stops the server and recomputes the whole log with the CLI.
func (s *gateServer) verifyOffline(t *testing.T) {
	t.Helper()
	s.stop(t)
	out, err := exec.Command(binary, "audit", "verify", "--data-dir", s.data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "INTACT") {
		t.Fatalf("agentgov audit verify: %v\n%s", err, out)
	}
}

// TestGateControlsHTTP shows every control blocking a request sent to
// POST /v1/check on the real binary, with durable SQLite audit; then the
// controls only the HTTP API has (tokens bound to agents, batches, bad
// requests), and an offline verification of the whole log.
func TestGateControlsHTTP(t *testing.T) {
	t.Parallel()
	s := startGateServer(t, gateFixture(t))
	runControls(t, s, true)

	t.Run("token bound to agents: a failed authorization denies in every mode", func(t *testing.T) {
		v := s.checkAs(t, strictToken, "strict-bot", "bound", pre, tool("kb_read", `{}`), "")
		if v.Decision != "allow" {
			t.Fatalf("own agent: %+v", v)
		}
		for _, agent := range []string{"pattern-bot", "audit-bot"} {
			v := s.checkAs(t, strictToken, agent, "bound", pre, tool("kb_read", `{}`), "")
			if v.Decision != "deny" || v.Reason != "agent_not_authorized" || v.allowed {
				t.Fatalf("%s: %+v", agent, v)
			}
			e := s.entry(t, v.AuditIndex)
			if e.Decision != "deny" || e.Reason != "agent_not_authorized" || e.Source != "token:strict-only" || e.Agent != agent {
				t.Fatalf("entry: %+v", e)
			}
			s.proveEntry(t, e)
		}
		// Without a token nothing is checked at all.
		if code, b := s.do(t, "POST", "/v1/check", "", checkBody("strict-bot", "x", pre, tool("kb_read", `{}`), "")); code != http.StatusUnauthorized {
			t.Fatalf("no token: %d %s", code, b)
		}
	})

	t.Run("ring breaches are counted", func(t *testing.T) {
		code, b := s.do(t, "GET", "/metrics", "", "")
		if code != http.StatusOK || !regexp.MustCompile(`(?m)^agentgov_gate_ring_breaches_total 2$`).Match(b) {
			t.Fatalf("metrics: %d\n%s", code, grepLines(b, "ring_breaches"))
		}
	})

	t.Run("batch: decisions in order, each recorded", func(t *testing.T) {
		body := fmt.Sprintf(`{"requests":[%s,%s,%s]}`,
			checkBody("strict-bot", "batch", pre, tool("kb_read", `{}`), ""),
			checkBody("pattern-bot", "batch", pre, tool("kb_read", `{"q":"DROP TABLE x"}`), ""),
			checkBody("approval-bot", "batch", pre, tool("send_email", `{"to":"a@corp.example"}`), ""))
		code, b := s.do(t, "POST", "/v1/check/batch", adminToken, body)
		if code != http.StatusOK {
			t.Fatalf("batch: %d %s", code, b)
		}
		var out struct{ Decisions []json.RawMessage }
		if err := json.Unmarshal(b, &out); err != nil || len(out.Decisions) != 3 {
			t.Fatalf("batch answer %s: %v", b, err)
		}
		want := [][2]string{{"allow", ""}, {"deny", "blocked_patterns:blocked_pattern"}, {"escalate", "approval_required"}}
		for i, raw := range out.Decisions {
			v := decodeVerdict(t, raw)
			if v.Decision != want[i][0] || v.Reason != want[i][1] {
				t.Fatalf("decision %d: %+v", i, v)
			}
			e := s.entry(t, v.AuditIndex)
			if e.Decision != v.Decision || e.Reason != v.Reason || e.Session != "batch" {
				t.Fatalf("entry %d: %+v", i, e)
			}
		}
	})

	t.Run("malformed requests are 400 problems naming the field", func(t *testing.T) {
		for body, field := range map[string]string{
			`{"agent":"strict-bot","intervention_point":"pre_everything","snapshot":{}}`:            "intervention_point",
			`{"agent":"strict-bot","intervention_point":"pre_tool_call"}`:                           "snapshot",
			`{"agent":"strict-bot","intervention_point":"input","snapshot":{},"mode":"x"}`:          "mode",
			`{"agent":"strict-bot","agent":"ops-admin","intervention_point":"input","snapshot":{}}`: "agent",
		} {
			code, b := s.do(t, "POST", "/v1/check", adminToken, body)
			var p api.Problem
			if code != http.StatusBadRequest || json.Unmarshal(b, &p) != nil || p.Field != field {
				t.Fatalf("%s: %d %s", body, code, b)
			}
		}
	})

	s.verifyOffline(t)
}

func grepLines(b []byte, sub string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// rewrite replaces old with new in file, insisting that old is there.
func rewrite(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte(old), []byte(new), 1), 0o600); err != nil {
		t.Fatal(err)
	}
}

var contentHash = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// activation checks a config_change entry: the version activated, the one
// it replaced and what triggered it.
func activation(t *testing.T, e api.Entry, version, previous, trigger string) {
	t.Helper()
	var p struct {
		PolicyVersion   string `json:"policy_version"`
		PreviousVersion string `json:"previous_version"`
		Trigger         string `json:"trigger"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if e.Type != "config_change" || e.Source != "agentgov" || e.PolicyVersion != version || e.Reason != trigger ||
		p.PolicyVersion != version || p.PreviousVersion != previous || p.Trigger != trigger {
		t.Fatalf("activation entry %+v %s, want %s after %s by %s", e, e.Payload, version, previous, trigger)
	}
}

const (
	strictTools    = `allowed_tools: ["kb_*", notes_write]`
	strictWithWeb  = `allowed_tools: ["kb_*", notes_write, web_search]`
	externalReason = `"reason": "external_recipient"`
)

// TestGateReloadHTTP: POST /v1/admin/reload refuses a bad configuration
// and keeps the running policy; a good one is activated and recorded with
// its content hash.
func TestGateReloadHTTP(t *testing.T) {
	t.Parallel()
	cfg := gateFixture(t)
	s := startGateServer(t, cfg)
	web := tool("web_search", `{"q":"x"}`)
	email := tool("send_email", `{"to":"rival@evil.example"}`)

	v := s.check(t, "strict-bot", "r", pre, web, "")
	if v.Decision != "deny" || v.Reason != "tool_not_allowed" {
		t.Fatalf("before: %+v", v)
	}
	v1 := s.entry(t, v.AuditIndex).PolicyVersion
	changes := s.configChanges(t)
	if len(changes) != 1 || !contentHash.MatchString(changes[0].PolicyVersion) || !strings.HasPrefix(v1, changes[0].PolicyVersion+"+") && v1 != changes[0].PolicyVersion {
		t.Fatalf("start: %+v, decisions under %s", changes, v1)
	}
	activation(t, changes[0], changes[0].PolicyVersion, "", "start")
	base := changes[0].PolicyVersion

	// Only ADMIN may reload.
	if code, b := s.do(t, "POST", "/v1/admin/reload", strictToken, ""); code != http.StatusForbidden {
		t.Fatalf("reload as WRITER: %d %s", code, b)
	}

	rego := filepath.Join(filepath.Dir(cfg), "rego", "tools", "tools.rego")
	regoSrc, _ := os.ReadFile(rego)
	bad := []struct {
		name, file, old, new, detail string
	}{
		{"an invalid value", cfg, strictTools, strictWithWeb + "\n    ring: 7", "strict-bot.ring"},
		{"an unknown key", cfg, strictTools, strictWithWeb + "\n    rings: 2", "strict-bot.rings"},
		{"a manifest whose policy does not compile", rego, "default verdict", "default verdict := {{", "tools.rego"},
	}
	for _, c := range bad {
		t.Run("refused: "+c.name, func(t *testing.T) {
			orig, _ := os.ReadFile(c.file)
			rewrite(t, c.file, c.old, c.new)
			defer os.WriteFile(c.file, orig, 0o600)
			code, b := s.do(t, "POST", "/v1/admin/reload", adminToken, "")
			var p api.Problem
			if code != http.StatusUnprocessableEntity || json.Unmarshal(b, &p) != nil || !strings.Contains(p.Detail, c.detail) ||
				!strings.Contains(p.Detail, "old one keeps running") {
				t.Fatalf("reload: %d %s", code, b)
			}
			// The old policy still decides, under its old version.
			v := s.check(t, "strict-bot", "r", pre, web, "")
			if v.Decision != "deny" || v.Reason != "tool_not_allowed" || s.entry(t, v.AuditIndex).PolicyVersion != v1 {
				t.Fatalf("after a refused reload: %+v", v)
			}
			v = s.check(t, "manifest-bot", "r", pre, email, "")
			if v.Decision != "deny" || v.Reason != "external_recipient" {
				t.Fatalf("the old manifest: %+v", v)
			}
			if n := len(s.configChanges(t)); n != 1 {
				t.Fatalf("%d config changes after a refused reload", n)
			}
		})
	}
	if b, _ := os.ReadFile(rego); !bytes.Equal(b, regoSrc) {
		t.Fatal("fixture not restored")
	}

	// A good configuration is activated and recorded.
	rewrite(t, cfg, strictTools, strictWithWeb)
	code, b := s.do(t, "POST", "/v1/admin/reload", adminToken, "")
	var answer struct {
		PolicyVersion string `json:"policy_version"`
	}
	if code != http.StatusOK || json.Unmarshal(b, &answer) != nil || !contentHash.MatchString(answer.PolicyVersion) || answer.PolicyVersion == base {
		t.Fatalf("reload: %d %s", code, b)
	}
	changes = s.configChanges(t)
	if len(changes) != 2 {
		t.Fatalf("config changes: %+v", changes)
	}
	activation(t, changes[1], answer.PolicyVersion, base, "api")
	s.proveEntry(t, changes[1])
	v = s.check(t, "strict-bot", "r", pre, web, "")
	if v.Decision != "allow" || s.entry(t, v.AuditIndex).PolicyVersion != answer.PolicyVersion {
		t.Fatalf("after the reload: %+v", v)
	}

	// Reloading the same content activates nothing new.
	code, b = s.do(t, "POST", "/v1/admin/reload", adminToken, "")
	if code != http.StatusOK || !strings.Contains(string(b), answer.PolicyVersion) || len(s.configChanges(t)) != 2 {
		t.Fatalf("idempotent reload: %d %s", code, b)
	}

	s.verifyOffline(t)
}

// TestGateReloadChangedManifestPolicy: a changed rego policy behind an
// unchanged manifest is a new policy: reloading must activate it, under a
// new version, and record the change.
func TestGateReloadChangedManifestPolicy(t *testing.T) {
	t.Parallel()
	cfg := gateFixture(t)
	s := startGateServer(t, cfg)
	email := tool("send_email", `{"to":"rival@evil.example"}`)
	if v := s.check(t, "manifest-bot", "m", pre, email, ""); v.Reason != "external_recipient" {
		t.Fatalf("before: %+v", v)
	}
	base := s.configChanges(t)[0].PolicyVersion
	rewrite(t, filepath.Join(filepath.Dir(cfg), "rego", "tools", "tools.rego"), externalReason, `"reason": "external_recipient_v2"`)
	code, b := s.do(t, "POST", "/v1/admin/reload", adminToken, "")
	var answer struct {
		PolicyVersion string `json:"policy_version"`
	}
	if code != http.StatusOK || json.Unmarshal(b, &answer) != nil {
		t.Fatalf("reload: %d %s", code, b)
	}
	v := s.check(t, "manifest-bot", "m", pre, email, "")
	if answer.PolicyVersion == base || v.Reason != "external_recipient_v2" || len(s.configChanges(t)) != 2 {
		t.Fatalf("the changed rego policy was not activated: version %s (before: %s), decision %s %q, %d config changes",
			answer.PolicyVersion, base, v.Decision, v.Reason, len(s.configChanges(t)))
	}
}

// TestGateReloadSIGHUP: the real binary reloads on SIGHUP, refusing a bad
// file without stopping and activating a good one.
func TestGateReloadSIGHUP(t *testing.T) {
	t.Parallel()
	cfg := gateFixture(t)
	s := startGateServer(t, cfg)
	web := tool("web_search", `{"q":"x"}`)
	v := s.check(t, "strict-bot", "h", pre, web, "")
	if v.Decision != "deny" {
		t.Fatalf("before: %+v", v)
	}
	base := s.configChanges(t)[0].PolicyVersion

	hangup := func() {
		t.Helper()
		if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not happen\n%s", what, s.stderr)
			}
			time.Sleep(25 * time.Millisecond)
		}
	}

	orig, _ := os.ReadFile(cfg)
	rewrite(t, cfg, strictTools, strictWithWeb+"\n    ring: 0")
	hangup()
	eventually("the refusal in the log", func() bool { return strings.Contains(s.stderr.String(), "reload refused") })
	if !strings.Contains(s.stderr.String(), "strict-bot.ring") {
		t.Fatalf("the refusal does not name the field:\n%s", s.stderr)
	}
	if code, _ := s.do(t, "GET", "/readyz", "", ""); code != http.StatusOK {
		t.Fatal("the server is not ready after a refused reload")
	}
	v = s.check(t, "strict-bot", "h", pre, web, "")
	if v.Decision != "deny" || len(s.configChanges(t)) != 1 {
		t.Fatalf("after a refused reload: %+v", v)
	}

	if err := os.WriteFile(cfg, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	rewrite(t, cfg, strictTools, strictWithWeb)
	hangup()
	eventually("the activation", func() bool { return len(s.configChanges(t)) == 2 })
	changes := s.configChanges(t)
	activation(t, changes[1], changes[1].PolicyVersion, base, "sighup")
	if !contentHash.MatchString(changes[1].PolicyVersion) || changes[1].PolicyVersion == base {
		t.Fatalf("new version %q", changes[1].PolicyVersion)
	}
	v = s.check(t, "strict-bot", "h", pre, web, "")
	if v.Decision != "allow" || s.entry(t, v.AuditIndex).PolicyVersion != changes[1].PolicyVersion {
		t.Fatalf("after SIGHUP: %+v", v)
	}
	s.verifyOffline(t)
}
