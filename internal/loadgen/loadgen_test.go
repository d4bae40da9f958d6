package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "test-token-0123456789abcdef0123456789"

// fakeServer answers /v1/check like agentgov serve does, and checks that
// the traffic is what the generator promises: well-formed requests from
// the configured agents and tools, sessions of bounded length, and every
// post_tool_call paired with the pre_tool_call before it.
type fakeServer struct {
	agents, tools []string
	sessionCalls  int
	// answer decides the reply to the n-th request (0 is the first).
	answer func(n int) (status int, decision string)
	delay  time.Duration

	mu         sync.Mutex
	n          int
	problems   []string
	agentsSeen map[string]bool
	pre, post  int
	// calls counts pre_tool_calls per session; open holds the call id a
	// session's post_tool_call must name next.
	calls map[string]int
	open  map[string]string
}

func (f *fakeServer) problem(format string, args ...any) {
	if len(f.problems) < 10 {
		f.problems = append(f.problems, fmt.Sprintf(format, args...))
	}
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/check" {
		http.Error(w, "no route", http.StatusNotFound)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"status":401,"detail":"missing or unknown bearer token"}`))
		return
	}
	var req struct {
		Agent             string `json:"agent"`
		Session           string `json:"session"`
		InterventionPoint string `json:"intervention_point"`
		Snapshot          struct {
			ToolCall struct {
				ID   string         `json:"id"`
				Name string         `json:"name"`
				Args map[string]any `json:"args"`
			} `json:"tool_call"`
			ToolResult any `json:"tool_result"`
		} `json:"snapshot"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	time.Sleep(f.delay)

	f.mu.Lock()
	n := f.n
	f.n++
	key := req.Agent + "/" + req.Session
	switch {
	case err != nil:
		f.problem("request %d: %v", n, err)
	case !slices.Contains(f.agents, req.Agent):
		f.problem("request %d: unknown agent %q", n, req.Agent)
	case !slices.Contains(f.tools, req.Snapshot.ToolCall.Name):
		f.problem("request %d: unknown tool %q", n, req.Snapshot.ToolCall.Name)
	case req.Session == "" || req.Snapshot.ToolCall.ID == "":
		f.problem("request %d: no session or call id", n)
	case req.InterventionPoint == "pre_tool_call":
		f.pre++
		f.agentsSeen[req.Agent] = true
		if len(req.Snapshot.ToolCall.Args) == 0 {
			f.problem("request %d: pre_tool_call without arguments", n)
		}
		f.calls[key]++
		if f.calls[key] > f.sessionCalls {
			f.problem("session %s has %d calls, more than %d", key, f.calls[key], f.sessionCalls)
		}
		f.open[key] = req.Snapshot.ToolCall.ID
	case req.InterventionPoint == "post_tool_call":
		f.post++
		if f.open[key] != req.Snapshot.ToolCall.ID {
			f.problem("request %d: post_tool_call %q does not follow its pre_tool_call (open: %q)", n, req.Snapshot.ToolCall.ID, f.open[key])
		}
		if req.Snapshot.ToolResult == nil {
			f.problem("request %d: post_tool_call without a result", n)
		}
		delete(f.open, key)
	default:
		f.problem("request %d: point %q", n, req.InterventionPoint)
	}
	f.mu.Unlock()

	status, decision := f.answer(n)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status != http.StatusOK {
		w.Write([]byte(`{"status":500,"detail":"store unavailable"}`))
		return
	}
	reason := ""
	if decision != "allow" {
		reason = "rate_limited"
	}
	fmt.Fprintf(w, `{"decision":%q,"reason":%q,"reasons":[],"message":null,"audit_index":%d}`, decision, reason, n)
}

func allow(int) (int, string) { return http.StatusOK, "allow" }

func TestRun(t *testing.T) {
	tools := []string{"search", "read_file", "send_email"}
	base := Options{Token: testToken, Clients: 4, Agents: 8, Tools: tools, SessionCalls: 5,
		Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond}
	tests := []struct {
		name   string
		opts   func(o *Options)
		answer func(n int) (int, string)
		delay  time.Duration
		check  func(t *testing.T, r *Result, f *fakeServer)
	}{
		{
			name: "pre_tool_call across every agent", answer: allow,
			check: func(t *testing.T, r *Result, f *fakeServer) {
				if r.Errors != 0 || r.Decisions == 0 || r.ByDecision["allow"] != r.Decisions {
					t.Errorf("decisions %d %v, errors %d %v", r.Decisions, r.ByDecision, r.Errors, r.ErrorSamples)
				}
				if len(f.agentsSeen) != 8 {
					t.Errorf("%d agents seen, want all 8", len(f.agentsSeen))
				}
				if f.post != 0 {
					t.Errorf("%d post_tool_calls sent without PostToolCall", f.post)
				}
			},
		},
		{
			name: "each post_tool_call follows its pre_tool_call", answer: allow,
			opts: func(o *Options) { o.PostToolCall = true },
			check: func(t *testing.T, r *Result, f *fakeServer) {
				if f.post == 0 || f.pre-f.post > base.Clients+1 {
					t.Errorf("%d pre_tool_calls, %d post_tool_calls", f.pre, f.post)
				}
			},
		},
		{
			name: "verdicts are counted apart",
			answer: func(n int) (int, string) {
				if n%3 == 0 {
					return http.StatusOK, "deny"
				}
				return http.StatusOK, "allow"
			},
			check: func(t *testing.T, r *Result, f *fakeServer) {
				if r.ByDecision["deny"] == 0 || r.ByDecision["allow"] == 0 || r.ByDecision["deny"]+r.ByDecision["allow"] != r.Decisions {
					t.Errorf("by decision %v, total %d", r.ByDecision, r.Decisions)
				}
				if len(r.Reasons) != 1 || r.Reasons["deny: rate_limited"] != r.ByDecision["deny"] {
					t.Errorf("reasons %v, want every deny counted under its reason", r.Reasons)
				}
			},
		},
		{
			name: "failures are errors, not decisions",
			answer: func(n int) (int, string) {
				if n == 0 {
					return http.StatusOK, "allow"
				}
				return http.StatusInternalServerError, ""
			},
			check: func(t *testing.T, r *Result, f *fakeServer) {
				if r.Decisions != 0 || r.Errors == 0 {
					t.Errorf("decisions %d, errors %d", r.Decisions, r.Errors)
				}
				if len(r.ErrorSamples) != 1 || !strings.Contains(r.ErrorSamples[0], "500: store unavailable") {
					t.Errorf("error samples %q, want the one distinct server answer", r.ErrorSamples)
				}
			},
		},
		{
			name: "latency is measured to the answer", answer: allow, delay: 3 * time.Millisecond,
			check: func(t *testing.T, r *Result, f *fakeServer) {
				if r.P50 < 3*time.Millisecond || r.P50 > r.P95 || r.P95 > r.P99 || r.P99 > r.Max || r.Mean < 3*time.Millisecond {
					t.Errorf("p50 %v p95 %v p99 %v max %v mean %v: want 3ms ≤ p50 ≤ p95 ≤ p99 ≤ max", r.P50, r.P95, r.P99, r.Max, r.Mean)
				}
				// Closed loop: at most Clients requests at once.
				if max := float64(base.Clients) / (3 * time.Millisecond).Seconds(); r.PerSecond() > max {
					t.Errorf("%.0f decisions/s, more than %d clients can make at 3ms each (%.0f/s)", r.PerSecond(), base.Clients, max)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeServer{agents: agentNames(8), tools: tools, sessionCalls: base.SessionCalls, answer: tt.answer, delay: tt.delay,
				agentsSeen: map[string]bool{}, calls: map[string]int{}, open: map[string]string{}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			o := base
			o.URL = srv.URL
			if tt.opts != nil {
				tt.opts(&o)
			}
			r, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if r.Elapsed < 250*time.Millisecond || r.Elapsed > 400*time.Millisecond {
				t.Errorf("measured %v, want about %v", r.Elapsed, o.Duration)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, p := range f.problems {
				t.Error(p)
			}
			tt.check(t, r, f)
		})
	}
}

func agentNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = AgentName("agent-", i)
	}
	return out
}

func TestRunRefusesAtTheFirstCheck(t *testing.T) {
	f := &fakeServer{agents: agentNames(1000), tools: DefaultTools(20), sessionCalls: 20, answer: allow,
		agentsSeen: map[string]bool{}, calls: map[string]int{}, open: map[string]string{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"wrong token", Options{URL: srv.URL, Token: "wrong"}, "401: missing or unknown bearer token"},
		{"not http", Options{URL: "ftp://127.0.0.1:1"}, "must be http(s)"},
		{"no host", Options{URL: "http://"}, "must be http(s)"},
		{"negative clients", Options{URL: srv.URL, Clients: -1}, "clients must be positive"},
		{"no tools", Options{URL: srv.URL, Tools: []string{}}, "at least one tool"},
		{"header injection", Options{URL: srv.URL, Token: "t\r\nX-Admin: 1"}, "line break"},
		{"nothing listening", Options{URL: "http://127.0.0.1:1", Token: testToken}, "the first check failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Run(context.Background(), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run: %v, want an error containing %q", err, tt.want)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("refusing took %v: it must not run the load first", time.Since(start))
			}
		})
	}
}

func TestRunStopsWithTheContext(t *testing.T) {
	f := &fakeServer{agents: agentNames(1000), tools: DefaultTools(20), sessionCalls: 20, answer: allow,
		agentsSeen: map[string]bool{}, calls: map[string]int{}, open: map[string]string{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := Run(ctx, Options{URL: srv.URL, Token: testToken, Clients: 2, Duration: time.Minute, Warmup: -1})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Run took %v after its context ended", time.Since(start))
	}
	if r.Elapsed > time.Second || r.Decisions == 0 {
		t.Errorf("measured %d decisions over %v; want the time it ran", r.Decisions, r.Elapsed)
	}
}

func TestBodiesAreValidJSON(t *testing.T) {
	agent, tool := jsonString(`agent "quoted" \ name`), jsonString("tool_00")
	for _, b := range [][]byte{
		appendPre(nil, agent, "s-1", "c0", tool, 123456),
		appendPost(nil, agent, "s-1", "c0", tool, 7),
	} {
		var v map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%v in %s", err, b)
		}
		if dec.More() {
			t.Fatalf("trailing data in %s", b)
		}
		if v["agent"] != `agent "quoted" \ name` {
			t.Errorf("agent %q", v["agent"])
		}
	}
}
