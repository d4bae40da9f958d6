package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
)

// killConfig governs the kill-switch tests. The runaway agent may hold one
// tool call at a time and waits up to a minute for a slot, which gives the
// tests a check that is really in flight when the kill comes.
const killConfig = `
tools:
  kb_read:   {ring: 3, permission: read}
  notes:     {ring: 3, permission: write}
  wipe_disk: {ring: 1, permission: delete}
agents:
  runaway:
    role: WRITER
    ring: 3
    allowed_tools: ["*"]
    concurrency: {max: 1, backpressure: 1m}
  breaker:
    role: WRITER
    ring: 3
    allowed_tools: ["*"]
  steady:
    role: WRITER
    ring: 3
    allowed_tools: ["*"]
killswitch:
  ring_breaches: 3
  ring_breach_window: 1m
  quarantine_timeout: 1s
`

// agentSource is the supervised agent of the tests, built by the test: in
// mode "stubborn" it ignores SIGTERM and starts a grandchild in its
// process group that ignores it too; in mode "polite" it exits 0 on
// SIGTERM. Either writes "<pid> <grandchild pid or 0>" to the file it is
// given once it is ready.
const agentSource = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	mode, out := os.Args[1], os.Args[2]
	if mode == "grandchild" {
		signal.Ignore(syscall.SIGTERM)
		for {
			time.Sleep(time.Hour)
		}
	}
	gc := 0
	if mode == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
		c := exec.Command(os.Args[0], "grandchild", "-")
		if err := c.Start(); err != nil {
			os.Exit(2)
		}
		gc = c.Process.Pid
	} else {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		go func() { <-ch; os.Exit(0) }()
	}
	if err := os.WriteFile(out+".tmp", []byte(fmt.Sprintf("%d %d", os.Getpid(), gc)), 0o600); err != nil {
		os.Exit(2)
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		os.Exit(2)
	}
	for {
		time.Sleep(time.Hour)
	}
}
`

var (
	agentOnce sync.Once
	agentBin  string
	agentErr  error
)

// supervisedAgent builds the agent program once per test run.
func supervisedAgent(t testing.TB) string {
	t.Helper()
	agentOnce.Do(func() {
		dir, err := os.MkdirTemp("", "agentgov-e2e-agent-")
		if err != nil {
			agentErr = err
			return
		}
		src := filepath.Join(dir, "main.go")
		if agentErr = os.WriteFile(src, []byte(agentSource), 0o600); agentErr != nil {
			return
		}
		agentBin = filepath.Join(dir, "agent")
		build := exec.Command("go", "build", "-o", agentBin, src)
		build.Dir = dir
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GO111MODULE=off")
		if out, err := build.CombinedOutput(); err != nil {
			agentErr = fmt.Errorf("building the agent: %v\n%s", err, out)
		}
	})
	if agentErr != nil {
		t.Fatal(agentErr)
	}
	return agentBin
}

// supervised is an `agentgov run` process.
type supervised struct {
	cmd     *exec.Cmd
	stderr  *lockedBuffer
	done    chan struct{}
	err     error
	pid, gc int
}

// startRun starts `agentgov run` for agent with the test agent in mode,
// and waits until the agent says it is ready.
func startRun(t testing.TB, s *gateServer, agent, mode string, extra ...string) *supervised {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	r := &supervised{stderr: &lockedBuffer{}, done: make(chan struct{})}
	args := append([]string{"run", "--server", s.url, "--token", adminToken, "--agent", agent, "--grace", "300ms"}, extra...)
	r.cmd = exec.Command(binary, append(args, "--", supervisedAgent(t), mode, ready)...)
	r.cmd.Stderr = r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		<-r.done
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(ready)
		if err == nil {
			if _, err := fmt.Sscanf(string(b), "%d %d", &r.pid, &r.gc); err != nil {
				t.Fatalf("ready file %q: %v", b, err)
			}
			return r
		}
		select {
		case <-r.done:
			t.Fatalf("agentgov run ended before the agent was ready: %v\n%s", r.err, r.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the supervised agent did not start\n%s", r.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait waits for `agentgov run` to end and returns its exit status.
func (r *supervised) wait(t testing.TB) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("agentgov run did not end\n%s", r.stderr)
	}
	var ee *exec.ExitError
	if errors.As(r.err, &ee) {
		return ee.ExitCode()
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	return 0
}

// waitMetric polls /metrics until it has the line want.
func waitMetric(t *testing.T, s *gateServer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, b := s.do(t, "GET", "/metrics", "", "")
		if code == http.StatusOK && strings.Contains("\n"+string(b), "\n"+want+"\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never showed %q", want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func processGone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

// cli runs the agentgov binary and returns its stdout and exit status.
func cli(t testing.TB, args ...string) ([]byte, int) {
	t.Helper()
	var out, errb bytes.Buffer
	c := exec.Command(binary, args...)
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return append(out.Bytes(), errb.Bytes()...), ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.Bytes(), 0
}

func decodeKill(t testing.TB, b []byte) api.Kill {
	t.Helper()
	var k api.Kill
	if err := json.Unmarshal(b, &k); err != nil {
		t.Fatalf("kill %s: %v", b, err)
	}
	return k
}

// restartGateServer stops s and starts a server on the same data
// directory and configuration.
func restartGateServer(t *testing.T, s *gateServer) *gateServer {
	t.Helper()
	s.stop(t)
	n := &gateServer{data: s.data, config: s.config, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	n.cmd = exec.Command(binary, "serve", "--config", s.config, "--addr", "127.0.0.1:0", "--data-dir", s.data)
	n.cmd.Env = append(os.Environ(), "E2E_ADMIN_TOKEN="+adminToken, "E2E_STRICT_TOKEN="+strictToken)
	n.cmd.Stderr = n.stderr
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.done <- n.cmd.Wait() }()
	t.Cleanup(func() {
		n.cmd.Process.Kill()
		<-n.done
	})
	var err error
	if n.url, err = waitReady(n.data, 20*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, n.stderr)
	}
	return n
}

func writeKillConfig(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "agentgov.yaml")
	if err := os.WriteFile(p, []byte(killConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func toolSnap(id, tool string) string {
	return fmt.Sprintf(`{"tool_call":{"id":%q,"name":%q,"args":{}}}`, id, tool)
}

// TestKillSwitchEndToEnd shows every effect of a kill through the real
// binary: the gate denies in scope at once, a check in flight is
// cancelled, a supervised agent that ignores SIGTERM — and its grandchild
// — are gone with the outcome reported, the kill survives a restart, and
// unkill lifts it.
func TestKillSwitchEndToEnd(t *testing.T) {
	s := startGateServer(t, writeKillConfig(t))
	run := startRun(t, s, "runaway", "stubborn")
	if v := s.check(t, "runaway", "s1", "pre_tool_call", toolSnap("c-1", "kb_read"), ""); v.Decision != "allow" {
		t.Fatalf("before the kill: %+v", v)
	}
	// c-1 holds the agent's only slot; c-2 waits for it, in flight.
	inflight := make(chan verdict, 1)
	go func() {
		code, b := s.do(t, "POST", "/v1/check", adminToken, checkBody("runaway", "s1", "pre_tool_call", toolSnap("c-2", "kb_read"), ""))
		if code != http.StatusOK {
			t.Errorf("in-flight check: %d %s", code, b)
		}
		inflight <- decodeVerdict(t, b)
	}()
	// Kill only once the server tracks c-2 as a call in flight.
	waitMetric(t, s, "agentgov_killswitch_inflight_calls 1")

	out, code := cli(t, "kill", "--server", s.url, "--token", adminToken, "--agent", "runaway", "--reason", "MANUAL", "--note", "runaway tool loop")
	if code != 0 {
		t.Fatalf("agentgov kill: exit %d\n%s", code, out)
	}
	k := decodeKill(t, out)
	if k.ID == "" || k.Scope != "agent" || k.Reason != "MANUAL" || k.GateEffectiveAt == "" || !k.Active || k.AuditIndex < 0 {
		t.Fatalf("kill %+v", k)
	}
	// (1) The next check in scope is denied; another agent is not.
	if v := s.check(t, "runaway", "s2", "input", `{"input":"hello"}`, ""); v.Decision != "deny" || v.Reason != "killed:MANUAL" {
		t.Fatalf("after the kill: %+v", v)
	}
	if v := s.check(t, "steady", "s1", "pre_tool_call", toolSnap("c-9", "kb_read"), ""); v.Decision != "allow" {
		t.Fatalf("another agent after the kill: %+v", v)
	}
	// (2) The check in flight was cancelled, not left to wait for its
	// minute.
	select {
	case v := <-inflight:
		if v.Decision != "deny" || v.Reason != "killed:MANUAL" {
			t.Fatalf("in-flight check: %+v", v)
		}
		// It is recorded with the kill's reason, not lost with its
		// cancelled context.
		if e := s.entry(t, v.AuditIndex); e.Reason != "killed:MANUAL" {
			t.Fatalf("in-flight check's entry: %+v", e)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the in-flight check was not cancelled")
	}
	if k.InflightCancelled < 1 {
		t.Fatalf("inflight_cancelled %d", k.InflightCancelled)
	}
	// (3) The supervised agent ignored SIGTERM: SIGKILL after the grace
	// period; run's exit status mirrors it.
	if st := run.wait(t); st != 128+int(syscall.SIGKILL) {
		t.Fatalf("agentgov run exit status %d\n%s", st, run.stderr)
	}
	if !processGone(run.pid) || !processGone(run.gc) || !processGone(-run.pid) {
		t.Fatalf("processes survived the kill: child %d grandchild %d", run.pid, run.gc)
	}
	out, code = cli(t, "kills", "show", k.ID, "--server", s.url, "--token", adminToken)
	if code != 0 {
		t.Fatalf("kills show: %d %s", code, out)
	}
	got := decodeKill(t, out)
	if len(got.Processes) != 1 {
		t.Fatalf("outcome %+v", got)
	}
	p := got.Processes[0]
	if p.PID != run.pid || p.PGID != run.pid || p.Agent != "runaway" || p.ExitCode == nil || *p.ExitCode != -1 || p.ExitSignal != "killed" ||
		p.SignalledAt == "" || p.KilledAt == "" || p.TerminatedAt == "" || p.ConfirmedAt == "" || p.Error != "" {
		t.Fatalf("reported outcome %+v", p)
	}
	if !(p.SignalledAt <= p.KilledAt && p.KilledAt <= p.TerminatedAt && p.TerminatedAt <= p.ConfirmedAt) {
		t.Fatalf("outcome out of order: %+v", p)
	}
	// Every kill and outcome is an audit entry.
	code, b := s.do(t, "GET", "/v1/audit/entries?type=killswitch", adminToken, "")
	if code != 200 {
		t.Fatalf("entries: %d %s", code, b)
	}
	var page api.EntryPage
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Entries {
		actions = append(actions, e.Action)
	}
	if len(actions) < 2 || actions[0] != "kill:agent" || actions[len(actions)-1] != "kill_outcome:agent" {
		t.Fatalf("audit entries %v", actions)
	}

	// (4) An agent that is killed does not start under supervision.
	out, code = cli(t, "run", "--server", s.url, "--token", adminToken, "--agent", "runaway", "--", "/bin/true")
	if code != 1 || !strings.Contains(string(out), "is killed") {
		t.Fatalf("run of a killed agent: %d %s", code, out)
	}

	// The kill survives a restart.
	s = restartGateServer(t, s)
	if v := s.check(t, "runaway", "s3", "input", `{"input":"hello"}`, ""); v.Reason != "killed:MANUAL" {
		t.Fatalf("after a restart: %+v", v)
	}
	out, code = cli(t, "unkill", "--server", s.url, "--token", adminToken, "--agent", "runaway", "--note", "fixed")
	if code != 0 {
		t.Fatalf("unkill: %d %s", code, out)
	}
	if v := s.check(t, "runaway", "s3", "input", `{"input":"hello"}`, ""); v.Decision != "allow" {
		t.Fatalf("after unkill: %+v", v)
	}
}

// TestKillStreamAndScopes: the stream tells a connected agent of kills in
// its scope only, and tool and session kills deny only their scope.
func TestKillStreamAndScopes(t *testing.T) {
	s := startGateServer(t, writeKillConfig(t))
	cl, err := client.New(s.url, adminToken)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := cl.KillStream(ctx, "steady", "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ev, err := st.Next(); err != nil || ev.Type != "ready" {
		t.Fatalf("first event %+v %v", ev, err)
	}
	// A kill of another agent is not the steady agent's business; a tool
	// kill concerns everyone.
	if _, err := cl.Kill(ctx, api.KillRequest{Scope: "agent", Agent: "runaway", Reason: "MANUAL"}); err != nil {
		t.Fatal(err)
	}
	tk, err := cl.Kill(ctx, api.KillRequest{Scope: "tool", Tool: "notes", Reason: "BEHAVIORAL_DRIFT"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := st.Next()
	if err != nil || ev.Type != "kill" || ev.Kill.ID != tk.ID {
		t.Fatalf("stream event %+v %v", ev, err)
	}
	if v := s.check(t, "steady", "s1", "pre_tool_call", toolSnap("c-1", "notes"), ""); v.Reason != "killed:BEHAVIORAL_DRIFT" {
		t.Fatalf("killed tool: %+v", v)
	}
	if v := s.check(t, "steady", "s1", "pre_tool_call", toolSnap("c-2", "kb_read"), ""); v.Decision != "allow" {
		t.Fatalf("another tool: %+v", v)
	}
	// A session kill narrowed to one agent.
	out, code := cli(t, "kill", "--server", s.url, "--token", adminToken, "--session", "s9", "--agent", "steady", "--reason", "SESSION_TIMEOUT")
	if code != 0 {
		t.Fatalf("session kill: %d %s", code, out)
	}
	if v := s.check(t, "steady", "s9", "input", `{"input":"x"}`, ""); v.Reason != "killed:SESSION_TIMEOUT" {
		t.Fatalf("killed session: %+v", v)
	}
	if v := s.check(t, "breaker", "s9", "input", `{"input":"x"}`, ""); v.Decision != "allow" {
		t.Fatalf("another agent's session of the same id: %+v", v)
	}
	// Bad requests name their field; only ADMIN may kill.
	if code, b := s.do(t, "POST", "/v1/kill", adminToken, `{"scope":"agent","agent":"x","reason":"BORED"}`); code != 400 || !strings.Contains(string(b), `"field":"reason"`) {
		t.Fatalf("bad reason: %d %s", code, b)
	}
	if code, _ := s.do(t, "POST", "/v1/kill", strictToken, `{"scope":"global","reason":"MANUAL"}`); code != 403 {
		t.Fatalf("a WRITER killed everything: %d", code)
	}
	if _, code := cli(t, "kill", "--server", s.url, "--agent", "a", "--tool", "b", "--reason", "MANUAL"); code != 2 {
		t.Fatalf("two scopes: exit %d", code)
	}
}

// TestAutomaticKillEndToEnd: three ring breaches within the window kill
// the agent with reason RING_BREACH.
func TestAutomaticKillEndToEnd(t *testing.T) {
	s := startGateServer(t, writeKillConfig(t))
	for i := range 3 {
		if v := s.check(t, "breaker", "s1", "pre_tool_call", toolSnap(fmt.Sprint("c-", i), "wipe_disk"), ""); v.Decision != "deny" {
			t.Fatalf("breach %d: %+v", i, v)
		}
	}
	if v := s.check(t, "breaker", "s1", "pre_tool_call", toolSnap("c-9", "kb_read"), ""); v.Reason != "killed:RING_BREACH" {
		t.Fatalf("after three breaches: %+v", v)
	}
	code, b := s.do(t, "GET", "/v1/kills?active=true", adminToken, "")
	var list api.KillList
	if code != 200 || json.Unmarshal(b, &list) != nil || len(list.Kills) != 1 || list.Kills[0].By != "agentgov" || list.Kills[0].Agent != "breaker" {
		t.Fatalf("kills: %d %s", code, b)
	}
	// Without a server, agentgov check decides from the same store: the
	// kill holds there too.
	s.stop(t)
	c := exec.Command(binary, "check", "--config", s.config, "--data-dir", s.data)
	c.Stdin = strings.NewReader(checkBody("breaker", "s2", "input", `{"input":"x"}`, ""))
	c.Env = append(os.Environ(), "E2E_ADMIN_TOKEN="+adminToken, "E2E_STRICT_TOKEN="+strictToken)
	out, err := c.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(string(out), "killed:RING_BREACH") {
		t.Fatalf("local check of a killed agent: %v %s", err, out)
	}
}

// TestLifecycleEndToEnd: states admit what they allow, transitions are
// checked against the table, and a quarantine that lasts kills the agent.
func TestLifecycleEndToEnd(t *testing.T) {
	s := startGateServer(t, writeKillConfig(t))
	state := func(to string) (api.AgentState, int) {
		out, code := cli(t, "agents", "state", "--server", s.url, "--token", adminToken, "--agent", "steady", "--to", to)
		var st api.AgentState
		if code == 0 {
			if err := json.Unmarshal(out, &st); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
		}
		return st, code
	}
	if st, code := state("degraded"); code != 0 || st.Previous != "active" || st.State != "degraded" {
		t.Fatalf("degrade: %d %+v", code, st)
	}
	if v := s.check(t, "steady", "s1", "pre_tool_call", toolSnap("c-1", "notes"), ""); v.Reason != "lifecycle:degraded:read_only" {
		t.Fatalf("degraded write: %+v", v)
	}
	if v := s.check(t, "steady", "s1", "pre_tool_call", toolSnap("c-2", "kb_read"), ""); v.Decision != "allow" {
		t.Fatalf("degraded read: %+v", v)
	}
	if _, code := state("provisioning"); code != 1 {
		t.Fatalf("degraded → provisioning is not in the table: exit %d", code)
	}
	if _, code := state("quarantined"); code != 0 {
		t.Fatal("quarantine")
	}
	if v := s.check(t, "steady", "s1", "input", `{"input":"x"}`, ""); v.Reason != "lifecycle:quarantined" {
		t.Fatalf("quarantined: %+v", v)
	}
	// quarantine_timeout is 1s: the agent is then killed.
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, b := s.do(t, "GET", "/v1/kills?active=true", adminToken, "")
		var list api.KillList
		if code == 200 && json.Unmarshal(b, &list) == nil && len(list.Kills) == 1 && list.Kills[0].Reason == "QUARANTINE_TIMEOUT" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no QUARANTINE_TIMEOUT kill: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st, code := state("revoked"); code != 0 || st.State != "revoked" {
		t.Fatal("revoke")
	}
	if _, code := state("active"); code != 1 {
		t.Fatal("revoked is terminal")
	}
	code, b := s.do(t, "GET", "/v1/audit/entries?type=lifecycle&agent=steady", adminToken, "")
	var page api.EntryPage
	if code != 200 || json.Unmarshal(b, &page) != nil || len(page.Entries) != 3 {
		t.Fatalf("lifecycle entries: %d %s", code, b)
	}
	// One transition, one entry: the registry's status moved with it
	// without an entry of its own.
	code, b = s.do(t, "GET", "/v1/audit/entries?type=identity&agent=steady", adminToken, "")
	page = api.EntryPage{}
	if code != 200 || json.Unmarshal(b, &page) != nil {
		t.Fatalf("identity entries: %d %s", code, b)
	}
	for _, e := range page.Entries {
		if e.Action == "agent_status_change" {
			t.Fatalf("a lifecycle transition was recorded twice: %+v", e)
		}
	}
}

// BenchmarkKillPropagation measures, through the real server and
// `agentgov run`, the time from POST /v1/kill to the next denied check
// and to the supervised process's exit (its terminated_at as reported).
func BenchmarkKillPropagation(b *testing.B) {
	cfg := filepath.Join(b.TempDir(), "agentgov.yaml")
	if err := os.WriteFile(cfg, []byte(killConfig+authSection), 0o600); err != nil {
		b.Fatal(err)
	}
	s := startBenchServer(b, cfg)
	cl, err := client.New(s.url, adminToken)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var toDeny, toExit time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		run := startRun(b, s, "runaway", "polite")
		b.StartTimer()
		start := time.Now()
		k, err := cl.Kill(ctx, api.KillRequest{Scope: "agent", Agent: "runaway", Reason: "MANUAL"})
		if err != nil {
			b.Fatal(err)
		}
		d, err := cl.Check(ctx, client.CheckRequest{Agent: "runaway", Session: fmt.Sprint("b", i), InterventionPoint: "input", Snapshot: map[string]any{"input": "x"}})
		if err != nil || d.Decision != "deny" {
			b.Fatalf("%+v %v", d, err)
		}
		toDeny += time.Since(start)
		b.StopTimer()
		if st := run.wait(b); st != 0 {
			b.Fatalf("run exit %d\n%s", st, run.stderr)
		}
		got, err := cl.GetKill(ctx, k.ID)
		if err != nil || len(got.Processes) != 1 || got.Processes[0].TerminatedAt == "" {
			b.Fatalf("outcome %+v %v", got, err)
		}
		term, err := time.Parse(time.RFC3339Nano, got.Processes[0].TerminatedAt)
		if err != nil {
			b.Fatal(err)
		}
		toExit += term.Sub(start)
		if _, err := cl.Unkill(ctx, k.ID, api.KillRequest{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(toDeny.Nanoseconds())/float64(b.N), "ns-to-deny/op")
	b.ReportMetric(float64(toExit.Nanoseconds())/float64(b.N), "ns-to-exit/op")
}

// startBenchServer is startGateServer for a benchmark.
func startBenchServer(b *testing.B, config string) *gateServer {
	b.Helper()
	s := &gateServer{data: filepath.Join(b.TempDir(), "data"), config: config, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(binary, "serve", "--config", config, "--addr", "127.0.0.1:0", "--data-dir", s.data)
	s.cmd.Env = append(os.Environ(), "E2E_ADMIN_TOKEN="+adminToken, "E2E_STRICT_TOKEN="+strictToken, "AGENTGOV_LOG_LEVEL=warn")
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	b.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	var err error
	if s.url, err = waitReady(s.data, 20*time.Second); err != nil {
		b.Fatalf("%v\n%s", err, s.stderr)
	}
	return s
}

// startGateServerAt starts the server on a fixed address and data
// directory, so that a restart keeps its URL.
func startGateServerAt(t *testing.T, config, data, addr string) *gateServer {
	t.Helper()
	return launchServer(t, config, data, addr)
}

// TestRunReconnectsAcrossRestart: `agentgov run` keeps its agent governed
// across a server restart: it reconnects to the kill stream and a kill
// made after the restart terminates the agent, with the outcome reported.
func TestRunReconnectsAcrossRestart(t *testing.T) {
	cfg := writeKillConfig(t)
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(b, authSection...), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	data := filepath.Join(t.TempDir(), "data")
	s := startGateServerAt(t, cfg, data, addr)
	run := startRun(t, s, "steady", "polite")
	s.stop(t)
	s = startGateServerAt(t, cfg, data, addr)
	out, code := cli(t, "kill", "--server", s.url, "--token", adminToken, "--agent", "steady", "--reason", "MANUAL")
	if code != 0 {
		t.Fatalf("kill: %d %s", code, out)
	}
	k := decodeKill(t, out)
	// The polite agent exits 0 on SIGTERM; run mirrors it.
	if st := run.wait(t); st != 0 {
		t.Fatalf("run exit %d\n%s", st, run.stderr)
	}
	if !strings.Contains(run.stderr.String(), "reconnecting") {
		t.Fatalf("run did not notice the restart:\n%s", run.stderr)
	}
	got, err := mustClient(t, s).GetKill(context.Background(), k.ID)
	if err != nil || len(got.Processes) != 1 {
		t.Fatalf("outcome %+v %v", got, err)
	}
	p := got.Processes[0]
	if p.ExitCode == nil || *p.ExitCode != 0 || p.KilledAt != "" || p.ConfirmedAt == "" || !processGone(run.pid) {
		t.Fatalf("outcome %+v", p)
	}
}

// TestRunForwardsSignals: a SIGTERM sent to `agentgov run` reaches the
// agent, and run exits with the agent's status.
func TestRunForwardsSignals(t *testing.T) {
	s := startGateServer(t, writeKillConfig(t))
	run := startRun(t, s, "steady", "polite")
	if err := run.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if st := run.wait(t); st != 0 {
		t.Fatalf("run exit %d\n%s", st, run.stderr)
	}
	if !processGone(run.pid) {
		t.Fatal("the agent survived")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func mustClient(t *testing.T, s *gateServer) *client.Client {
	t.Helper()
	cl, err := client.New(s.url, adminToken)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestRunFailsClosedWithoutServer: with --max-disconnect, an agent whose
// supervisor loses the kill stream for longer than that is terminated.
func TestRunFailsClosedWithoutServer(t *testing.T) {
	s := startGateServer(t, writeKillConfig(t))
	run := startRun(t, s, "steady", "polite", "--max-disconnect", "500ms")
	s.stop(t)
	if st := run.wait(t); st != 0 {
		t.Fatalf("run exit %d\n%s", st, run.stderr)
	}
	if !processGone(run.pid) || !strings.Contains(run.stderr.String(), "--max-disconnect") {
		t.Fatalf("the agent outlived its supervisor's contact with the server\n%s", run.stderr)
	}
}
