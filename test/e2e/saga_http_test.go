package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
)

// sagaEndpoints is an agent's step service in another language: it answers
// POSTs by path and remembers each delivery.
type sagaEndpoints struct {
	mu   sync.Mutex
	got  []sagaDelivery
	fail map[string]int // path -> status to answer
	// hold, when set for a path, blocks its first delivery until release
	// is closed.
	hold    map[string]chan struct{}
	entered chan string
}

type sagaDelivery struct {
	Path, Key, Agent string
	TLS              uint16
	Body             map[string]any
}

func (s *sagaEndpoints) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	d := sagaDelivery{Path: r.URL.Path, Key: r.Header.Get("Idempotency-Key"), Agent: r.Header.Get("Agentgov-Agent"), Body: body}
	if r.TLS != nil {
		d.TLS = r.TLS.Version
	}
	s.mu.Lock()
	first := true
	for _, g := range s.got {
		first = first && g.Path != d.Path
	}
	s.got = append(s.got, d)
	status, hold := s.fail[d.Path], s.hold[d.Path]
	s.mu.Unlock()
	if hold != nil && first {
		s.entered <- d.Path
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		http.Error(w, `{"error":"refused"}`, status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ok":%q}`, strings.TrimPrefix(d.Path, "/"))
}

func (s *sagaEndpoints) deliveries() []sagaDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// sagaConfig writes a configuration whose shop-bot may use the three
// shop tools and reach only loopback, and which trusts the endpoints'
// certificate through outbound.tls.
func sagaConfig(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	dir := t.TempDir()
	ca := filepath.Join(dir, "endpoints.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `
outbound:
  tls:
    ca_file: ` + ca + `
sagas:
  backoff_initial: 10ms
  backoff_max: 50ms
  compensation_attempts: 3
tools:
  inventory.reserve: {ring: 3, permission: write}
  payment.charge:    {ring: 3, permission: write}
  shipping.book:     {ring: 3, permission: write}
agents:
`
	// relay-bot and standby-bot are the kill test's pair: a saga of
	// relay-bot names standby-bot as its substitute.
	for _, agent := range []string{"shop-bot", "relay-bot", "standby-bot"} {
		cfg += `  ` + agent + `:
    role: WRITER
    ring: 3
    allowed_tools: ["inventory.*", "payment.*", "shipping.*"]
    egress:
      default: deny
      rules:
        - {host: "127.0.0.1", action: allow}
`
	}
	path := filepath.Join(dir, "agentgov.yaml")
	if err := os.WriteFile(path, []byte(cfg+authSection), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func shopSaga(base string, hosts ...string) string {
	return agentSaga("shop-bot", "", base, hosts...)
}

func agentSaga(agent, substitute, base string, hosts ...string) string {
	steps := []map[string]any{}
	for i, s := range []struct{ name, tool string }{{"reserve", "inventory.reserve"}, {"charge", "payment.charge"}, {"ship", "shipping.book"}} {
		b := base
		if i < len(hosts) && hosts[i] != "" {
			b = hosts[i]
		}
		steps = append(steps, map[string]any{"name": s.name, "tool": s.tool, "url": b + "/" + s.name, "compensation_url": b + "/undo-" + s.name, "timeout": "10s"})
	}
	out, _ := json.Marshal(map[string]any{"agent": agent, "substitute": substitute, "timeout": "2m", "input": map[string]any{"order": "A-1001"}, "steps": steps})
	return string(out)
}

type sagaView struct {
	ID, Agent, Status, Reason string
	ActingAgent               string `json:"acting_agent"`
	Finished                  bool
	Steps                     []struct {
		Name, Status         string
		Attempts             int
		CompensationAttempts int `json:"compensation_attempts"`
		Result               json.RawMessage
	}
}

func (v sagaView) statuses() []string {
	var out []string
	for _, s := range v.Steps {
		out = append(out, s.Name+"="+s.Status)
	}
	return out
}

func getSaga(t *testing.T, url, token, id string) (int, sagaView) {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/v1/sagas/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v sagaView
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	return resp.StatusCode, v
}

func waitSaga(t *testing.T, url, id string) sagaView {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, v := getSaga(t, url, adminToken, id)
		if code != 200 {
			t.Fatalf("GET saga: %d", code)
		}
		if v.Finished {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("saga %s did not finish: %+v", id, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sagaEntries returns the audit entries of type saga in the saga's session.
func sagaEntries(t *testing.T, s *gateServer, id string) []api.Entry {
	t.Helper()
	code, b := s.do(t, "GET", "/v1/audit/entries?type=saga&session="+id+"&limit=1000", adminToken, "")
	if code != 200 {
		t.Fatalf("audit query: %d %s", code, b)
	}
	var page api.EntryPage
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

// TestSagaHTTP: POST /v1/sagas with three HTTPS steps, the third refused:
// the two that completed are compensated in reverse order, which GET
// /v1/sagas/{id} and the audit log both show.
func TestSagaHTTP(t *testing.T) {
	t.Parallel()
	ep := &sagaEndpoints{fail: map[string]int{"/ship": http.StatusUnprocessableEntity}}
	srv := httptest.NewTLSServer(ep)
	defer srv.Close()
	s := startGateServer(t, sagaConfig(t, srv))

	code, b := s.do(t, "POST", "/v1/sagas", adminToken, shopSaga(srv.URL))
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/sagas: %d %s", code, b)
	}
	var created sagaView
	if err := json.Unmarshal(b, &created); err != nil || created.ID == "" || created.Agent != "shop-bot" {
		t.Fatalf("created %s", b)
	}
	id := created.ID
	v := waitSaga(t, s.url, id)
	if v.Status != "compensated" || v.Reason != "step_failed:ship" {
		t.Fatalf("status %s reason %s", v.Status, v.Reason)
	}
	if got := v.statuses(); !slices.Equal(got, []string{"reserve=compensated", "charge=compensated", "ship=failed"}) {
		t.Fatalf("steps %v", got)
	}
	if string(v.Steps[0].Result) != `{"ok":"reserve"}` {
		t.Fatalf("result %s", v.Steps[0].Result)
	}

	// The endpoints saw the steps, then the compensations in reverse,
	// each under its own key, over TLS 1.3, as shop-bot.
	ds := ep.deliveries()
	var paths, keys []string
	for _, d := range ds {
		paths, keys = append(paths, d.Path), append(keys, d.Key)
		if d.TLS != tls.VersionTLS13 || d.Agent != "shop-bot" || d.Body["saga_id"] != id {
			t.Fatalf("delivery %+v", d)
		}
	}
	if !slices.Equal(paths, []string{"/reserve", "/charge", "/ship", "/undo-charge", "/undo-reserve"}) {
		t.Fatalf("deliveries %v", paths)
	}
	wantKeys := []string{id + ".0.step.1", id + ".1.step.1", id + ".2.step.1", id + ".1.compensation.1", id + ".0.compensation.1"}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("keys %v, want %v", keys, wantKeys)
	}
	if prev, _ := ds[2].Body["previous"].(map[string]any); prev["charge"] == nil || ds[3].Body["outcome"] != "succeeded" {
		t.Fatalf("ship saw previous %v; undo-charge body %v", ds[2].Body["previous"], ds[3].Body)
	}

	// The audit log has every step, both compensations in reverse order
	// and the end; the gate recorded each step's check in the saga's
	// session.
	var actions []string
	for _, e := range sagaEntries(t, s, id) {
		actions = append(actions, e.Action+"="+e.Decision)
		if e.Agent != "shop-bot" || e.Source != "agentgov" {
			t.Fatalf("entry %+v", e)
		}
	}
	want := []string{"saga_start=started", "step:reserve=succeeded", "step:charge=succeeded", "step:ship=failed",
		"saga_compensate=compensating", "compensate:charge=compensated", "compensate:reserve=compensated", "saga_end=compensated"}
	if !slices.Equal(actions, want) {
		t.Fatalf("audit %v, want %v", actions, want)
	}
	code, b = s.do(t, "GET", "/v1/audit/entries?session="+id+"&type=decision&limit=100", adminToken, "")
	var page api.EntryPage
	if code != 200 || json.Unmarshal(b, &page) != nil || len(page.Entries) != 6 {
		t.Fatalf("gate decisions for the saga: %d %s", code, b)
	}
	for _, e := range page.Entries[:1] {
		if e.Decision != "allow" || e.Source != "token:e2e-admin" {
			t.Fatalf("gate entry %+v", e)
		}
	}

	// Aborting a finished saga is a conflict.
	if code, b := s.do(t, "POST", "/v1/sagas/"+id+"/abort", adminToken, ""); code != http.StatusConflict {
		t.Fatalf("abort of a finished saga: %d %s", code, b)
	}

	// The CLI lists, shows and (refuses to) abort it.
	code, out, errOut := runCLI(t, "sagas", "list", "--agent", "shop-bot", "--server", s.url, "--token", adminToken)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "compensated") || !strings.Contains(out, "step_failed:ship") {
		t.Fatalf("sagas list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "sagas", "list", "--unfinished", "--output", "json", "--agent", "shop-bot", "--server", s.url, "--token", adminToken)
	if code != 0 || strings.TrimSpace(out) != `{"sagas":[]}` && !strings.Contains(out, `"sagas": []`) {
		t.Fatalf("sagas list --unfinished: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "sagas", "show", id, "--server", s.url, "--token", adminToken)
	if code != 0 || !strings.Contains(out, `"step_failed:ship"`) {
		t.Fatalf("sagas show: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = runCLI(t, "sagas", "abort", id, "--server", s.url, "--token", adminToken); code != 1 || !strings.Contains(errOut, "finished") {
		t.Fatalf("sagas abort of a finished saga: exit %d\n%s%s", code, out, errOut)
	}
}

// TestSagaHTTPRefusals: a credential that may not act for the agent can
// neither start nor see its sagas; a bad definition names its field; a
// step whose URL the agent's egress rules deny fails at the gate before any
// connection, and what ran before it is compensated.
func TestSagaHTTPRefusals(t *testing.T) {
	t.Parallel()
	ep := &sagaEndpoints{}
	srv := httptest.NewTLSServer(ep)
	defer srv.Close()
	s := startGateServer(t, sagaConfig(t, srv))

	if code, b := s.do(t, "POST", "/v1/sagas", strictToken, shopSaga(srv.URL)); code != http.StatusForbidden {
		t.Fatalf("strict token started a shop-bot saga: %d %s", code, b)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"agent":"shop-bot","steps":[]}`, "steps"},
		{`{"agent":"shop-bot","steps":[{"name":"a","url":"http://10.0.0.1/a","compensation_url":"https://x.example/b"}]}`, "steps[0].url"},
		{`{"agent":"shop-bot","bogus":1,"steps":[]}`, "bogus"},
	} {
		code, b := s.do(t, "POST", "/v1/sagas", adminToken, tc.body)
		var p api.Problem
		if code != http.StatusBadRequest || json.Unmarshal(b, &p) != nil || p.Field != tc.field {
			t.Fatalf("%s: %d %s, want 400 naming %s", tc.body, code, b, tc.field)
		}
	}

	code, b := s.do(t, "POST", "/v1/sagas", adminToken, shopSaga(srv.URL, "", "https://payments.elsewhere.example"))
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, b)
	}
	var created sagaView
	_ = json.Unmarshal(b, &created)
	v := waitSaga(t, s.url, created.ID)
	if !strings.HasPrefix(v.Reason, "step_denied:charge:") || !slices.Equal(v.statuses(), []string{"reserve=compensated", "charge=failed", "ship=pending"}) {
		t.Fatalf("reason %s steps %v", v.Reason, v.statuses())
	}
	var paths []string
	for _, d := range ep.deliveries() {
		paths = append(paths, d.Path)
	}
	if !slices.Equal(paths, []string{"/reserve", "/undo-reserve"}) {
		t.Fatalf("deliveries %v", paths)
	}
	if code, _ := getSaga(t, s.url, strictToken, created.ID); code != http.StatusNotFound {
		t.Fatalf("strict token saw a shop-bot saga: %d", code)
	}
}

// TestSagaHTTPResumesAfterCrash: the server is killed (SIGKILL) while a
// step is in flight; started again on the same data directory, it re-sends
// the step under the same idempotency key and finishes the saga.
func TestSagaHTTPResumesAfterCrash(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ep := &sagaEndpoints{hold: map[string]chan struct{}{"/charge": release}, entered: make(chan string, 1)}
	srv := httptest.NewTLSServer(ep)
	defer srv.Close()
	config := sagaConfig(t, srv)
	data := filepath.Join(t.TempDir(), "data")

	first := startSagaServer(t, config, data)
	code, b := first.do(t, "POST", "/v1/sagas", adminToken, shopSaga(srv.URL))
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, b)
	}
	var created sagaView
	_ = json.Unmarshal(b, &created)
	select {
	case <-ep.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the charge step never arrived")
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	first.done <- nil
	close(release)

	second := startSagaServer(t, config, data)
	v := waitSaga(t, second.url, created.ID)
	if v.Status != "completed" || v.Steps[1].Attempts != 1 {
		t.Fatalf("status %s steps %+v", v.Status, v.Steps)
	}
	var charges []string
	for _, d := range ep.deliveries() {
		if d.Path == "/charge" {
			charges = append(charges, d.Key)
		}
		if d.Path == "/reserve" && d.Key != created.ID+".0.step.1" {
			t.Fatalf("reserve re-sent: %+v", d)
		}
	}
	key := created.ID + ".1.step.1"
	if !slices.Equal(charges, []string{key, key}) {
		t.Fatalf("charge deliveries %v, want the same key twice", charges)
	}
	// The query index follows the log by a few milliseconds: poll.
	var actions []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		actions = actions[:0]
		for _, e := range sagaEntries(t, second, created.ID) {
			actions = append(actions, e.Action+"="+e.Decision)
		}
		if len(actions) > 0 && actions[len(actions)-1] == "saga_end=completed" || time.Now().After(deadline) {
			break
		}
	}
	if !slices.Contains(actions, "saga_resume=running") || actions[len(actions)-1] != "saga_end=completed" {
		t.Fatalf("audit %v", actions)
	}
}

// startSagaServer starts the binary on a given data directory (so that a
// second server can take over the first one's store).
func startSagaServer(t *testing.T, config, data string) *gateServer {
	t.Helper()
	// A stale lock description from a killed server must not be taken
	// for the new server's address.
	_ = os.Remove(filepath.Join(data, "LOCK"))
	return launchServer(t, config, data, "127.0.0.1:0")
}

// TestSagaHTTPKill: POST /v1/kill of a saga's agent while a step is in
// flight. Without a substitute the saga compensates what may have taken
// effect (the cut-off step included: its outcome is unknown); with one,
// the substitute re-sends the cut-off step under the same key and
// finishes the saga, and the handoff is in the audit log.
func TestSagaHTTPKill(t *testing.T) {
	t.Parallel()
	hold := func() (*sagaEndpoints, *httptest.Server, chan struct{}) {
		release := make(chan struct{})
		ep := &sagaEndpoints{hold: map[string]chan struct{}{"/charge": release}, entered: make(chan string, 1)}
		return ep, httptest.NewTLSServer(ep), release
	}
	plain, plainSrv, plainRelease := hold()
	defer plainSrv.Close()
	defer close(plainRelease)
	relay, relaySrv, relayRelease := hold()
	defer relaySrv.Close()
	defer close(relayRelease)
	// Both endpoint servers use httptest's one certificate.
	s := startGateServer(t, sagaConfig(t, plainSrv))

	start := func(body string, ep *sagaEndpoints) string {
		code, b := s.do(t, "POST", "/v1/sagas", adminToken, body)
		if code != http.StatusCreated {
			t.Fatalf("POST: %d %s", code, b)
		}
		var v sagaView
		_ = json.Unmarshal(b, &v)
		select {
		case <-ep.entered:
		case <-time.After(30 * time.Second):
			t.Fatal("the charge step never arrived")
		}
		return v.ID
	}
	kill := func(agent string) {
		code, b := s.do(t, "POST", "/v1/kill", adminToken, `{"scope":"agent","agent":"`+agent+`","reason":"MANUAL"}`)
		if code != http.StatusCreated {
			t.Fatalf("POST /v1/kill: %d %s", code, b)
		}
	}
	paths := func(ep *sagaEndpoints) []string {
		var out []string
		for _, d := range ep.deliveries() {
			out = append(out, d.Path+"@"+d.Agent)
		}
		return out
	}

	id := start(shopSaga(plainSrv.URL), plain)
	kill("shop-bot")
	v := waitSaga(t, s.url, id)
	if v.Status != "compensated" || v.Reason != "killed:MANUAL" {
		t.Fatalf("status %s reason %s", v.Status, v.Reason)
	}
	if got := v.statuses(); !slices.Equal(got, []string{"reserve=compensated", "charge=compensated", "ship=pending"}) {
		t.Fatalf("steps %v", got)
	}
	if got := paths(plain); !slices.Equal(got, []string{"/reserve@shop-bot", "/charge@shop-bot", "/undo-charge@shop-bot", "/undo-reserve@shop-bot"}) {
		t.Fatalf("deliveries %v", got)
	}

	id = start(agentSaga("relay-bot", "standby-bot", relaySrv.URL), relay)
	kill("relay-bot")
	v = waitSaga(t, s.url, id)
	if v.Status != "completed" || v.ActingAgent != "standby-bot" {
		t.Fatalf("status %s acting %s", v.Status, v.ActingAgent)
	}
	if got := paths(relay); !slices.Equal(got, []string{"/reserve@relay-bot", "/charge@relay-bot", "/charge@standby-bot", "/ship@standby-bot"}) {
		t.Fatalf("deliveries %v", got)
	}
	ds := relay.deliveries()
	if ds[1].Key != ds[2].Key || ds[1].Key != id+".1.step.1" {
		t.Fatalf("the substitute re-sent under key %s, the first delivery had %s", ds[2].Key, ds[1].Key)
	}
	var handoff *api.Entry
	for _, e := range sagaEntries(t, s, id) {
		if e.Action == "handoff" {
			handoff = &e
		}
	}
	if handoff == nil || handoff.Agent != "relay-bot" || handoff.Reason != "killed:MANUAL" {
		t.Fatalf("handoff entry %+v", handoff)
	}
	// The substitute's steps passed the gate as the substitute.
	code, b := s.do(t, "GET", "/v1/audit/entries?session="+id+"&type=decision&agent=standby-bot&limit=100", adminToken, "")
	var page api.EntryPage
	if code != 200 || json.Unmarshal(b, &page) != nil || len(page.Entries) != 4 {
		t.Fatalf("standby-bot's gate entries: %d %s", code, b)
	}
}

// TestSagaHTTPEscalates: a compensation that keeps failing is retried
// (sagas.compensation_attempts deliveries, each under its own key), then
// escalated as an approval request for a human; the saga ends as
// compensation_failed_escalated, and the other compensation still runs.
func TestSagaHTTPEscalates(t *testing.T) {
	t.Parallel()
	ep := &sagaEndpoints{fail: map[string]int{"/ship": http.StatusBadRequest, "/undo-charge": http.StatusServiceUnavailable}}
	srv := httptest.NewTLSServer(ep)
	defer srv.Close()
	s := startGateServer(t, sagaConfig(t, srv))
	// Through the Go client this time.
	c, err := client.New(s.url, adminToken)
	if err != nil {
		t.Fatal(err)
	}
	var def api.SagaDefinition
	if err := json.Unmarshal([]byte(shopSaga(srv.URL)), &def); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	created, err := c.StartSaga(ctx, def)
	if err != nil || created.Status != "running" {
		t.Fatalf("StartSaga: %+v %v", created, err)
	}
	id := created.ID
	waitSaga(t, s.url, id)
	v, err := c.Saga(ctx, id)
	if err != nil || v.Status != "compensation_failed_escalated" || v.Steps[1].Status != "compensation_failed" || v.Steps[1].CompensationAttempts != 3 ||
		v.Steps[0].Status != "compensated" {
		t.Fatalf("status %s steps %+v (%v)", v.Status, v.Steps, err)
	}
	var ce *client.Error
	if _, err := c.AbortSaga(ctx, id); !errors.As(err, &ce) || ce.Status != http.StatusConflict {
		t.Fatalf("AbortSaga of a finished saga: %v", err)
	}
	var keys []string
	for _, d := range ep.deliveries() {
		if d.Path == "/undo-charge" {
			keys = append(keys, d.Key)
		}
	}
	if !slices.Equal(keys, []string{id + ".1.compensation.1", id + ".1.compensation.2", id + ".1.compensation.3"}) {
		t.Fatalf("undo-charge keys %v", keys)
	}
	ap, err := c.Approval(ctx, v.Escalation, 0)
	if err != nil || ap.Tool != "saga.compensation:charge" || ap.Agent != "shop-bot" || ap.State != "pending" {
		t.Fatalf("escalation %q: %+v %v", v.Escalation, ap, err)
	}
	var actions []string
	for _, e := range sagaEntries(t, s, id) {
		actions = append(actions, e.Action+"="+e.Decision)
	}
	if !slices.Contains(actions, "escalate=escalated") || actions[len(actions)-1] != "saga_end=compensation_failed_escalated" {
		t.Fatalf("audit %v", actions)
	}
}
