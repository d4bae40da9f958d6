package e2e

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/agentgov/agentgov/api"
)

// Tokens of the approvals journey: the agent's own credential, two
// operators, and an operator token bound to the agent.
const (
	apBotToken   = "e2e-ap-bot-token-0123456789abcdef0123456"
	apAliceToken = "e2e-ap-alice-token-0123456789abcdef01234"
	apBobToken   = "e2e-ap-bob-token-0123456789abcdef0123456"
	apBoundToken = "e2e-ap-bound-token-0123456789abcdef01234"
)

const approvalsConfig = `
approvals:
  quorum: 2
  timeout: 5m
  webhook:
    url: %WEBHOOK%
    max_attempts: 3
tools:
  send_email: {ring: 3, permission: write}
agents:
  mailer:
    role: WRITER
    ring: 3
    allowed_tools: ["*"]
    require_approval: [send_email]
auth:
  tokens:
    - {name: e2e-admin, token: "${E2E_ADMIN_TOKEN}", role: ADMIN}
    - {name: mailer-bot, token: "` + apBotToken + `", role: WRITER, agents: [mailer]}
    - {name: alice, token: "` + apAliceToken + `", role: ADMIN}
    - {name: bob, token: "` + apBobToken + `", role: ADMIN}
    - {name: mailer-ops, token: "` + apBoundToken + `", role: ADMIN, agents: ["mail*"]}
`

// webhookReceiver collects signed deliveries.
type webhookReceiver struct {
	mu    sync.Mutex
	got   [][]byte
	sigs  []string
	kids  []string
	types []string
}

func (w *webhookReceiver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	w.got = append(w.got, b)
	w.sigs = append(w.sigs, r.Header.Get("Agentgov-Signature"))
	w.kids = append(w.kids, r.Header.Get("Agentgov-Key-Id"))
	w.types = append(w.types, r.Header.Get("Agentgov-Event"))
	w.mu.Unlock()
	rw.WriteHeader(http.StatusNoContent)
}

// runCLI runs the real binary and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "AGENTGOV_SERVER=", "AGENTGOV_TOKEN=")
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

const emailTo = `{"tool_call":{"id":"c1","name":"send_email","args":{"to":"customer@example.com","body":"refund approved"}}}`

// TestApprovalsJourneyHTTP is the operator's journey through the real
// binary: an escalated check opens a request and the caller long-polls
// it; two operators with distinct tokens approve with
// `agentgov approvals approve`; the caller is released with approved; the
// same action re-submitted with the approval id runs once, a changed one
// never.
func TestApprovalsJourneyHTTP(t *testing.T) {
	hook := &webhookReceiver{}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "agentgov.yaml")
	if err := os.WriteFile(cfgPath, []byte(strings.ReplaceAll(approvalsConfig, "%WEBHOOK%", hs.URL+"/hook")), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startGateServer(t, cfgPath)

	v := s.checkAs(t, apBotToken, "mailer", "s1", "pre_tool_call", emailTo, "")
	if v.Decision != "escalate" || v.ApprovalID == "" || v.allowed {
		t.Fatalf("escalated check: %+v", v)
	}
	id := v.ApprovalID

	// The caller long-polls with its own credential.
	polled := make(chan api.Approval, 1)
	go func() {
		req, _ := http.NewRequest("GET", s.url+"/v1/approvals/"+id+"?wait=45s", nil)
		req.Header.Set("Authorization", "Bearer "+apBotToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			polled <- api.Approval{}
			return
		}
		defer resp.Body.Close()
		var a api.Approval
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Error(err)
		}
		polled <- a
	}()

	srv := []string{"--server", s.url}
	// Neither the agent's own credential nor an operator token bound to
	// the agent may approve.
	for _, tok := range []string{apBotToken, apBoundToken} {
		if code, out, errOut := runCLI(t, append([]string{"approvals", "approve", id, "--token", tok}, srv...)...); code != 1 || !strings.Contains(errOut, "403") {
			t.Fatalf("self-approval with %s…: exit %d\n%s%s", tok[:12], code, out, errOut)
		}
	}
	code, out, errOut := runCLI(t, append([]string{"approvals", "approve", id, "--token", apAliceToken, "--comment", "recipient checked"}, srv...)...)
	if code != 0 {
		t.Fatalf("alice approves: exit %d\n%s%s", code, out, errOut)
	}
	var a api.Approval
	if err := json.Unmarshal([]byte(out), &a); err != nil || a.State != "pending" || len(a.Votes) != 1 || a.Votes[0].Approver != "token:alice" {
		t.Fatalf("after alice: %v %s", err, out)
	}
	// Alice again counts once.
	if code, _, errOut := runCLI(t, append([]string{"approvals", "approve", id, "--token", apAliceToken}, srv...)...); code != 1 || !strings.Contains(errOut, "409") {
		t.Fatalf("alice twice: exit %d %s", code, errOut)
	}
	select {
	case a := <-polled:
		t.Fatalf("caller released before the quorum: %+v", a)
	default:
	}
	code, out, errOut = runCLI(t, append([]string{"approvals", "list", "--token", apBobToken}, srv...)...)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "1/2") {
		t.Fatalf("pending list: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = runCLI(t, append([]string{"approvals", "approve", id, "--token", apBobToken}, srv...)...); code != 0 {
		t.Fatalf("bob approves: exit %d\n%s%s", code, out, errOut)
	}
	a = <-polled
	if a.State != "approved" || a.Resolution != "quorum_met" || len(a.Votes) != 2 {
		t.Fatalf("caller released with %+v", a)
	}

	withID := func(snapshot string) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(checkBody("mailer", "s1", "pre_tool_call", snapshot, "")), &m)
		m["approval_id"] = id
		b, _ := json.Marshal(m)
		return string(b)
	}
	recheck := func(snapshot string) verdict {
		code, b := s.do(t, "POST", "/v1/check", apBotToken, withID(snapshot))
		if code != http.StatusOK {
			t.Fatalf("re-check: %d %s", code, b)
		}
		return decodeVerdict(t, b)
	}
	tampered := strings.Replace(emailTo, "customer@example.com", "attacker@example.net", 1)
	if v := recheck(tampered); v.Decision != "deny" || v.Reason != "approval_mismatch" {
		t.Fatalf("tampered re-check: %+v", v)
	}
	if v := recheck(emailTo); v.Decision != "allow" || v.Reason != "approval_granted" || !v.allowed {
		t.Fatalf("approved re-check: %+v", v)
	}
	if v := recheck(emailTo); v.Decision != "deny" || v.Reason != "approval_consumed" {
		t.Fatalf("second use: %+v", v)
	}

	// Every step is in the audit log.
	code2, b := s.do(t, "GET", "/v1/audit/entries?type=approval", adminToken, "")
	if code2 != http.StatusOK {
		t.Fatalf("audit query: %d %s", code2, b)
	}
	var page api.EntryPage
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range page.Entries {
		steps = append(steps, e.Action+":"+e.Decision+":"+e.Source)
	}
	want := "approval_request:pending:agentgov approval_vote:approve:token:alice approval_vote:approve:token:bob approval_resolved:approved:agentgov approval_consumed:consumed:agentgov"
	if strings.Join(steps, " ") != want {
		t.Fatalf("audit steps\n got %s\nwant %s", strings.Join(steps, " "), want)
	}

	// The webhook received the request and its resolution, signed with
	// the published key.
	code2, b = s.do(t, "GET", "/v1/approvals/webhook-key", apBobToken, "")
	var key struct {
		KeyID     string `json:"key_id"`
		PublicKey string `json:"public_key"`
	}
	if err := json.Unmarshal(b, &key); code2 != http.StatusOK || err != nil {
		t.Fatalf("webhook key: %d %s", code2, b)
	}
	pub, _ := base64.StdEncoding.DecodeString(key.PublicKey)
	deadline := 200
	for ; deadline > 0; deadline-- {
		hook.mu.Lock()
		n := len(hook.got)
		hook.mu.Unlock()
		if n >= 2 {
			break
		}
		runCLI(t, "version") // a pause that does real work instead of sleeping blind
	}
	hook.mu.Lock()
	if len(hook.got) < 2 {
		t.Fatalf("webhook deliveries: %d", len(hook.got))
	}
	for i, body := range hook.got[:2] {
		sig, _ := base64.StdEncoding.DecodeString(hook.sigs[i])
		if !ed25519.Verify(ed25519.PublicKey(pub), body, sig) || hook.kids[i] != key.KeyID {
			t.Fatalf("delivery %d does not verify", i)
		}
		tampered := bytes.Replace(body, []byte(`"pending"`), []byte(`"approved"`), 1)
		if i == 0 && ed25519.Verify(ed25519.PublicKey(pub), tampered, sig) {
			t.Fatal("a changed body still verifies")
		}
		var p struct {
			Type     string       `json:"type"`
			Approval api.Approval `json:"approval"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Approval.ID != id {
			t.Fatalf("delivery %d: %v %s", i, err, body)
		}
	}
	if hook.types[0] != "approval.requested" || hook.types[1] != "approval.resolved" {
		t.Fatalf("delivery types %v", hook.types)
	}
	hook.mu.Unlock()

	// A long poll in flight does not hold up a shutdown: it answers with
	// the request as it stands, and the server stops (well within the
	// 30s drain a held poll would otherwise take).
	v = s.checkAs(t, apBotToken, "mailer", "s2", "pre_tool_call", emailTo, "")
	held := make(chan struct{})
	go func() {
		defer close(held)
		req, _ := http.NewRequest("GET", s.url+"/v1/approvals/"+v.ApprovalID+"?wait=45s", nil)
		req.Header.Set("Authorization", "Bearer "+apBotToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return // the poll had not reached the server before it closed
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK && !strings.Contains(string(b), `"state":"pending"`) {
			t.Errorf("poll at shutdown: %s", b)
		}
	}()
	code2, _ = s.do(t, "GET", "/v1/approvals/"+v.ApprovalID, apBotToken, "")
	if code2 != http.StatusOK {
		t.Fatalf("get: %d", code2)
	}
	s.stop(t)
	<-held
}

// restartIn starts the binary again over the data directory of s, which
// must have stopped.
func restartIn(t *testing.T, s *gateServer) *gateServer {
	t.Helper()
	return launchServer(t, s.config, s.data, "127.0.0.1:0")
}

// TestApprovalsSurviveRestartAndExpire: a pending request and its votes
// outlive a restart, and the caller waiting on it is released with
// expired at its deadline.
func TestApprovalsSurviveRestartAndExpire(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "agentgov.yaml")
	src := strings.Replace(approvalsConfig, "  timeout: 5m\n  webhook:\n    url: %WEBHOOK%\n    max_attempts: 3\n", "  timeout: 4s\n", 1)
	if err := os.WriteFile(cfgPath, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startGateServer(t, cfgPath)
	v := s.checkAs(t, apBotToken, "mailer", "s1", "pre_tool_call", emailTo, "")
	if v.Decision != "escalate" || v.ApprovalID == "" {
		t.Fatalf("escalated check: %+v", v)
	}
	id := v.ApprovalID
	if code, b := s.do(t, "POST", "/v1/approvals/"+id+"/approve", apAliceToken, `{"comment":"one of two"}`); code != http.StatusOK {
		t.Fatalf("alice: %d %s", code, b)
	}
	s.stop(t)

	s2 := restartIn(t, s)
	code, b := s2.do(t, "GET", "/v1/approvals?state=pending", apBobToken, "")
	var list api.ApprovalList
	if err := json.Unmarshal(b, &list); code != http.StatusOK || err != nil || len(list.Approvals) != 1 || list.Approvals[0].ID != id ||
		len(list.Approvals[0].Votes) != 1 {
		t.Fatalf("pending after restart: %d %s", code, b)
	}
	// The caller waits; nobody else approves; the stored deadline denies.
	code, b = s2.do(t, "GET", "/v1/approvals/"+id+"?wait=45s", apBotToken, "")
	var a api.Approval
	if err := json.Unmarshal(b, &a); code != http.StatusOK || err != nil || a.State != "expired" || a.Resolution != "timeout" {
		t.Fatalf("after the deadline: %d %s", code, b)
	}
	withID, _ := json.Marshal(map[string]any{"agent": "mailer", "session": "s1", "intervention_point": "pre_tool_call",
		"snapshot": json.RawMessage(emailTo), "approval_id": id})
	code, b = s2.do(t, "POST", "/v1/check", apBotToken, string(withID))
	if v := decodeVerdict(t, b); code != http.StatusOK || v.Decision != "deny" || v.Reason != "approval_expired" {
		t.Fatalf("re-check after expiry: %d %s", code, b)
	}
}
