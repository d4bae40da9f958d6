package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/killswitch"
	"github.com/agentgov/agentgov/internal/lifecycle"
	"github.com/agentgov/agentgov/internal/store/memory"
)

const botTok = "bot-token-0123456789abcdef0123456789abcd"

// killFixture is a server with a real kill switch and lifecycle over
// memory stores; the bot token may act for agent "bot" only.
func killFixture(t *testing.T) (*fixture, *Server, *killswitch.Switch) {
	t.Helper()
	ctx := context.Background()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "agentgov.test/log")
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(ctx, audit.Options{Store: memory.New(), Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	kst := memory.NewKills()
	ks, err := killswitch.New(ctx, killswitch.Options{Store: kst, Recorder: l})
	if err != nil {
		t.Fatal(err)
	}
	lc, err := lifecycle.New(ctx, lifecycle.Options{Store: kst, Recorder: l, Configured: func(a string) bool { return a != "nobody" }})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Audit: l, VerifierKey: vkey, Registry: prometheus.NewRegistry(), Kills: ks, Lifecycle: lc,
		StreamHeartbeat: 20 * time.Millisecond,
		Tokens: []Token{
			{Name: "admin", Secret: adminTok, Role: "ADMIN"},
			{Name: "bot", Secret: botTok, Role: "WRITER", Agents: []string{"bot"}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() { s.CloseStreams(); hs.Close() })
	return &fixture{srv: hs, log: l, vkey: vkey}, s, ks
}

type sse struct {
	resp *http.Response
	r    *bufio.Reader
}

func (f *fixture) stream(t *testing.T, token, query, last string) *sse {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+"/v1/kills/stream"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if last != "" {
		req.Header.Set("Last-Event-ID", last)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return &sse{resp: resp, r: bufio.NewReader(resp.Body)}
}

// next returns the next event's id, type and kill, skipping heartbeats.
func (s *sse) next(t *testing.T) (string, string, *api.Kill) {
	t.Helper()
	var id, typ string
	var k *api.Kill
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && typ != "":
			return id, typ, k
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "event: "):
			typ = line[7:]
		case strings.HasPrefix(line, "data: "):
			var ev api.KillEvent
			if err := json.Unmarshal([]byte(line[6:]), &ev); err != nil {
				t.Fatal(err)
			}
			k = ev.Kill
		}
	}
}

func TestKillRoutes(t *testing.T) {
	f, _, ks := killFixture(t)
	resp, b := f.do(t, "POST", "/v1/kill", adminTok, `{"scope":"agent","agent":"other","reason":"MANUAL"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("kill: %d %s", resp.StatusCode, b)
	}
	var other api.Kill
	json.Unmarshal(b, &other)
	if _, killed := ks.Killed("other", "", ""); !killed || resp.Header.Get("Location") != "/v1/kills/"+other.ID {
		t.Fatal("the kill is not in force when POST /v1/kill answers")
	}
	for _, c := range []struct {
		method, path, tok, body string
		status                  int
		field                   string
	}{
		{"POST", "/v1/kill", botTok, `{"scope":"global","reason":"MANUAL"}`, 403, ""},
		{"POST", "/v1/kill", adminTok, `{"scope":"agent","reason":"MANUAL"}`, 400, "agent"},
		{"POST", "/v1/kill", adminTok, `{"scope":"agent","agent":"a","reason":"MANUAL","extra":1}`, 400, "extra"},
		{"GET", "/v1/kills/k-none", adminTok, "", 404, ""},
		{"GET", "/v1/kills/" + other.ID, botTok, "", 404, ""}, // not the bot's to see
		{"DELETE", "/v1/kills/k-none", adminTok, "", 404, ""},
		{"POST", "/v1/unkill", adminTok, `{"id":"x","scope":"global"}`, 400, "id"},
		{"POST", "/v1/kills/" + other.ID + "/reports", botTok, `{"runner":"r","agent":"other","pid":5,"pgid":5}`, 403, ""},
		{"POST", "/v1/agents/bot/state", adminTok, `{"to":"paused"}`, 400, "to"},
		{"POST", "/v1/agents/nobody/state", adminTok, `{"to":"suspended"}`, 404, ""},
		{"POST", "/v1/agents/bot/state", botTok, `{"to":"active"}`, 403, ""},
		{"GET", "/v1/kills?limit=0", adminTok, "", 400, "limit"},
	} {
		resp, b := f.do(t, c.method, c.path, c.tok, c.body)
		if resp.StatusCode != c.status || (c.field != "" && !strings.Contains(string(b), `"field":"`+c.field+`"`)) {
			t.Errorf("%s %s: %d %s", c.method, c.path, resp.StatusCode, b)
		}
	}
	// The bot sees global kills and its own, not other agents'.
	_, b = f.do(t, "POST", "/v1/kill", adminTok, `{"scope":"agent","agent":"bot","reason":"RING_BREACH"}`)
	var bot api.Kill
	json.Unmarshal(b, &bot)
	_, b = f.do(t, "GET", "/v1/kills", botTok, "")
	var list api.KillList
	if json.Unmarshal(b, &list); len(list.Kills) != 1 || list.Kills[0].ID != bot.ID {
		t.Fatalf("bot's list: %s", b)
	}
	code := -1
	rep, _ := json.Marshal(api.KillProcess{Runner: "r1", Agent: "bot", PID: 9, PGID: 9, ExitCode: &code, ExitSignal: "killed",
		TerminatedAt: "2026-01-01T00:00:00Z", ConfirmedAt: "2026-01-01T00:00:01Z"})
	if resp, b := f.do(t, "POST", "/v1/kills/"+bot.ID+"/reports", botTok, string(rep)); resp.StatusCode != 200 {
		t.Fatalf("report: %d %s", resp.StatusCode, b)
	}
	if resp, b := f.do(t, "DELETE", "/v1/kills/"+bot.ID, adminTok, ""); resp.StatusCode != 200 || !strings.Contains(string(b), `"active":false`) {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	if resp, _ := f.do(t, "DELETE", "/v1/kills/"+bot.ID, adminTok, ""); resp.StatusCode != 409 {
		t.Fatalf("second delete: %d", resp.StatusCode)
	}
	if resp, b := f.do(t, "POST", "/v1/agents/bot/state", adminTok, `{"to":"quarantined","note":"x"}`); resp.StatusCode != 200 || !strings.Contains(string(b), `"previous":"active"`) {
		t.Fatalf("transition: %d %s", resp.StatusCode, b)
	}
	if resp, _ := f.do(t, "POST", "/v1/agents/bot/state", adminTok, `{"to":"provisioning"}`); resp.StatusCode != 409 {
		t.Fatalf("transition out of the table: %d", resp.StatusCode)
	}
	if resp, b := f.do(t, "GET", "/v1/agents/bot/state", botTok, ""); resp.StatusCode != 200 || !strings.Contains(string(b), `"state":"quarantined"`) {
		t.Fatalf("state: %d %s", resp.StatusCode, b)
	}
}

func TestKillStream(t *testing.T) {
	f, _, _ := killFixture(t)
	f.do(t, "POST", "/v1/kill", adminTok, `{"scope":"agent","agent":"other","reason":"MANUAL"}`)
	f.do(t, "POST", "/v1/kill", adminTok, `{"scope":"tool","tool":"rm","reason":"MANUAL"}`)

	// The bot's stream starts with what it may see: the tool kill.
	st := f.stream(t, botTok, "", "")
	_, typ, k := st.next(t)
	if typ != "kill" || k.Tool != "rm" {
		t.Fatalf("first event %s %+v", typ, k)
	}
	if _, typ, _ := st.next(t); typ != "ready" {
		t.Fatalf("then %s", typ)
	}
	f.do(t, "POST", "/v1/kill", adminTok, `{"scope":"agent","agent":"other2","reason":"MANUAL"}`)
	_, b := f.do(t, "POST", "/v1/kill", adminTok, `{"scope":"agent","agent":"bot","reason":"MANUAL"}`)
	var bot api.Kill
	json.Unmarshal(b, &bot)
	id, typ, k := st.next(t)
	if typ != "kill" || k.ID != bot.ID {
		t.Fatalf("live event %s %+v (the other agent's kill must be filtered out)", typ, k)
	}
	// Resuming from that id replays only what came later.
	f.do(t, "DELETE", "/v1/kills/"+bot.ID, adminTok, "")
	st2 := f.stream(t, botTok, "?agent=bot", id)
	if _, typ, k := st2.next(t); typ != "unkill" || k.ID != bot.ID {
		t.Fatalf("replay %s %+v", typ, k)
	}
	if _, typ, _ := st2.next(t); typ != "ready" {
		t.Fatalf("after replay %s", typ)
	}
	// A principal may watch only agents it acts for.
	if resp, _ := f.do(t, "GET", "/v1/kills/stream?agent=other", botTok, ""); resp.StatusCode != 403 {
		t.Fatalf("watching another agent: %d", resp.StatusCode)
	}
}

// TestKillStreamOutlivesServerTimeouts: a stream is held open past the
// server's read and write timeouts, with heartbeats.
func TestKillStreamOutlivesServerTimeouts(t *testing.T) {
	_, s, ks := killFixture(t)
	hs := httptest.NewUnstartedServer(s)
	hs.Config.ReadTimeout, hs.Config.WriteTimeout = 100*time.Millisecond, 100*time.Millisecond
	hs.Start()
	defer func() { s.CloseStreams(); hs.Close() }()
	f := &fixture{srv: hs}
	st := f.stream(t, adminTok, "", "")
	if _, typ, _ := st.next(t); typ != "ready" {
		t.Fatalf("first event %s", typ)
	}
	time.Sleep(400 * time.Millisecond)
	ks.Trip(context.Background(), "late", "", killswitch.ReasonManual, "")
	if _, typ, k := st.next(t); typ != "kill" || k.Agent != "late" {
		t.Fatalf("event after the timeouts: %s %+v", typ, k)
	}
}
