// Package loadgen drives agentgov's HTTP check API (POST /v1/check) with
// the traffic of many agents and measures what the server sustains:
// decisions per second and the latency distribution.
//
// Each client is one keep-alive connection in a closed loop, as an agent runtime that
// waits for the verdict before running the tool: it plays one agent's
// session of pre_tool_call checks (optionally each followed by the
// post_tool_call that releases its concurrency slot), then starts a new
// session as the next agent. Latency is measured from sending the request
// to having read the whole answer.
package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure Run.
type Options struct {
	// URL is the server's base URL (http://127.0.0.1:8470).
	URL string
	// Token is the bearer token sent with every request.
	Token string
	// Clients is the number of concurrent clients (default 64).
	Clients int
	// Duration is the measured time (default 10s); Warmup runs before it
	// and is not counted (default 1s; negative for none).
	Duration, Warmup time.Duration
	// Agents is the number of distinct agents, named AgentPrefix + index
	// (default 1000 agents named agent-0 ... agent-999).
	Agents      int
	AgentPrefix string
	// Tools are the tool names the agents call, in turn (default
	// DefaultTools(20)).
	Tools []string
	// SessionCalls is the number of tool calls in one session before the
	// client starts a new one (default 20).
	SessionCalls int
	// PostToolCall follows every pre_tool_call with the post_tool_call of
	// the same call, as an agent does once the tool has run; both are
	// decisions.
	PostToolCall bool
	// RunID keeps this run's sessions apart from those of earlier runs
	// against the same server, whose budgets the server remembers
	// (default: derived from the start time).
	RunID string
	// TLSConfig is used for an https URL (default: the system's roots).
	TLSConfig *tls.Config
}

// DefaultTools returns n tool names, tool_00 ... tool_NN.
func DefaultTools(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tool_%02d", i)
	}
	return out
}

// AgentName is the name of agent i.
func AgentName(prefix string, i int) string { return prefix + strconv.Itoa(i) }

func (o Options) withDefaults() (Options, error) {
	if o.Clients == 0 {
		o.Clients = 64
	}
	if o.Duration == 0 {
		o.Duration = 10 * time.Second
	}
	if o.Warmup == 0 {
		o.Warmup = time.Second
	}
	o.Warmup = max(o.Warmup, 0)
	if o.Agents == 0 {
		o.Agents = 1000
	}
	if o.AgentPrefix == "" {
		o.AgentPrefix = "agent-"
	}
	if o.Tools == nil {
		o.Tools = DefaultTools(20)
	}
	if o.SessionCalls == 0 {
		o.SessionCalls = 20
	}
	if o.RunID == "" {
		o.RunID = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	u, err := url.Parse(o.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return o, fmt.Errorf("loadgen: server URL %q must be http(s)://host[:port]", o.URL)
	case o.Clients < 0:
		return o, errors.New("loadgen: clients must be positive")
	case o.Duration < 0:
		return o, errors.New("loadgen: duration must be positive")
	case o.Agents < 0:
		return o, errors.New("loadgen: agents must be positive")
	case o.SessionCalls < 0:
		return o, errors.New("loadgen: session calls must be positive")
	case len(o.Tools) == 0:
		return o, errors.New("loadgen: at least one tool is needed")
	case strings.ContainsAny(o.Token, "\r\n"):
		return o, errors.New("loadgen: the token holds a line break")
	}
	return o, nil
}

// Result is what a run measured, over the measured window only.
type Result struct {
	// Elapsed is the measured window.
	Elapsed time.Duration
	// Decisions counts answered checks, ByDecision by verdict.
	Decisions  int64
	ByDecision map[string]int64
	// Reasons counts the decisive reasons of every verdict but allow, as
	// "verdict: reason", so that a run the policy blocks says why.
	Reasons map[string]int64
	// Errors counts requests without a decision: transport failures and
	// non-200 answers. ErrorSamples holds the first few distinct ones.
	Errors       int64
	ErrorSamples []string
	// Latency of the answered checks.
	P50, P95, P99, Max, Mean time.Duration
}

// PerSecond is the decision rate over the measured window.
func (r *Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Decisions) / r.Elapsed.Seconds()
}

// maxErrorSamples bounds the distinct errors a run keeps.
const maxErrorSamples = 5

// Run sends load until o.Duration has been measured (after the warm-up) or
// ctx ends, and returns what it measured. One check is sent first, so that
// a wrong URL, token or agent name fails at once with the server's answer
// instead of as a run full of errors.
func Run(ctx context.Context, o Options) (*Result, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &generator{o: o}
	g.prepare()
	pre := g.newClient(-1)
	_, err = pre.send(ctx, pre.next())
	pre.conn.close()
	if err != nil {
		return nil, fmt.Errorf("loadgen: the first check failed: %w", err)
	}

	start := time.Now()
	measureFrom := start.Add(o.Warmup)
	end := measureFrom.Add(o.Duration)
	// Requests still in flight at the end are abandoned a little later,
	// so that a server that stops answering cannot hold the run.
	rctx, cancel := context.WithDeadline(ctx, end.Add(5*time.Second))
	defer cancel()

	clients := make([]*client, o.Clients)
	var wg sync.WaitGroup
	for i := range clients {
		clients[i] = g.newClient(i)
		wg.Go(func() {
			defer clients[i].conn.close()
			clients[i].loop(rctx, measureFrom, end)
		})
	}
	wg.Wait()
	stopped := time.Now()

	res := &Result{ByDecision: map[string]int64{}, Reasons: map[string]int64{}}
	var h histogram
	seen := map[string]bool{}
	for _, c := range clients {
		h.merge(&c.hist)
		for d, n := range c.decisions {
			res.ByDecision[d] += n
			res.Decisions += n
		}
		for r, n := range c.reasons {
			res.Reasons[r] += n
		}
		res.Errors += c.errors
		for _, s := range c.samples {
			if !seen[s] && len(res.ErrorSamples) < maxErrorSamples {
				seen[s] = true
				res.ErrorSamples = append(res.ErrorSamples, s)
			}
		}
	}
	// A run cut short by ctx is measured over the time it actually ran.
	if stopped.After(end) {
		stopped = end
	}
	res.Elapsed = max(stopped.Sub(measureFrom), 0)
	res.P50, res.P95, res.P99 = h.quantile(0.50), h.quantile(0.95), h.quantile(0.99)
	res.Max, res.Mean = h.max, h.mean()
	return res, nil
}

// generator holds what every client shares: where to connect and the JSON
// forms of names, encoded once.
type generator struct {
	o                Options
	addr, host, path string
	tls              *tls.Config
	agents           [][]byte
	tools            [][]byte
}

func (g *generator) prepare() {
	u, _ := url.Parse(g.o.URL) // validated by withDefaults
	g.host, g.path = u.Host, strings.TrimRight(u.Path, "/")+"/v1/check"
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	g.addr = net.JoinHostPort(u.Hostname(), port)
	if u.Scheme == "https" {
		// agentgov serves TLS 1.3 only.
		g.tls = &tls.Config{MinVersion: tls.VersionTLS13}
		if g.o.TLSConfig != nil {
			g.tls = g.o.TLSConfig.Clone()
		}
		if g.tls.ServerName == "" {
			g.tls.ServerName = u.Hostname()
		}
	}
	g.agents = make([][]byte, g.o.Agents)
	for i := range g.agents {
		g.agents[i] = jsonString(AgentName(g.o.AgentPrefix, i))
	}
	g.tools = make([][]byte, len(g.o.Tools))
	for i, t := range g.o.Tools {
		g.tools[i] = jsonString(t)
	}
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return b
}

// client is one closed-loop connection. Its state is its own; the run
// merges it at the end.
type client struct {
	g    *generator
	id   int
	conn *conn
	// session is the client's current session: its number, agent and
	// the calls made in it.
	session, calls int
	agent          []byte
	sessionID      string
	// pending is the post_tool_call owed for the last pre_tool_call.
	pending []byte
	resp    bytes.Buffer

	hist      histogram
	decisions map[string]int64
	reasons   map[string]int64
	errors    int64
	samples   []string
}

func (g *generator) newClient(id int) *client {
	c := &client{g: g, id: id, decisions: map[string]int64{}, reasons: map[string]int64{},
		conn: newConn(g.addr, g.host, g.path, g.o.Token, g.tls)}
	c.newSession()
	return c
}

// newSession moves the client to its next session, as the next agent in
// its share of them: client i plays agents i, i+Clients, i+2·Clients...
// so that every agent is exercised.
func (c *client) newSession() {
	n := c.g.o.Clients
	c.agent = c.g.agents[((c.id+n)+c.session*n)%len(c.g.agents)]
	c.sessionID = c.g.o.RunID + "-" + strconv.Itoa(c.id) + "-" + strconv.Itoa(c.session)
	c.session++
	c.calls = 0
}

// next returns the body of the client's next check.
func (c *client) next() []byte {
	if c.pending != nil {
		b := c.pending
		c.pending = nil
		return b
	}
	if c.calls == c.g.o.SessionCalls {
		c.newSession()
	}
	call := c.calls
	c.calls++
	tool := c.g.tools[(c.id+len(c.g.tools)+call)%len(c.g.tools)]
	callID := "c" + strconv.Itoa(call)
	// A fresh buffer per request: the transport may still hold the last
	// body after the answer has arrived.
	body := appendPre(make([]byte, 0, 768), c.agent, c.sessionID, callID, tool, c.session*c.g.o.SessionCalls+call)
	if c.g.o.PostToolCall {
		c.pending = appendPost(make([]byte, 0, 512), c.agent, c.sessionID, callID, tool, call)
	}
	return body
}

// appendPre appends a pre_tool_call check with realistic arguments: a
// query, a URL (an egress destination), a path, numbers, a list and a
// nested object, about 500 bytes in all.
func appendPre(b, agent []byte, session, callID string, tool []byte, n int) []byte {
	b = appendHead(b, agent, session, "pre_tool_call", callID, tool)
	b = append(b, `,"args":{"query":"quarterly revenue by region, ticket FIN-`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `","url":"https://api.example.com/v1/reports/`...)
	b = strconv.AppendInt(b, int64(n%9973), 10)
	b = append(b, `?format=json&currency=EUR","path":"reports/2026/q3/summary-`...)
	b = strconv.AppendInt(b, int64(n%97), 10)
	b = append(b, `.csv","limit":50,"offset":`...)
	b = strconv.AppendInt(b, int64(n%1000)*50, 10)
	b = append(b, `,"include_archived":false,"fields":["region","revenue","currency","period","owner"],`...)
	b = append(b, `"requester":{"team":"finance","reason":"month-end close: reconcile the regional totals against the ledger export before the review meeting"}}}}}`...)
	return b
}

// appendPost appends the post_tool_call of a call with a small result.
func appendPost(b, agent []byte, session, callID string, tool []byte, n int) []byte {
	b = appendHead(b, agent, session, "post_tool_call", callID, tool)
	b = append(b, `},"tool_result":{"status":"ok","rows":`...)
	b = strconv.AppendInt(b, int64(n%50), 10)
	b = append(b, `,"summary":"EMEA 4.1M, AMER 6.3M, APAC 2.2M; totals reconcile with the ledger export"}}}`...)
	return b
}

func appendHead(b, agent []byte, session, point, callID string, tool []byte) []byte {
	b = append(b, `{"agent":`...)
	b = append(b, agent...)
	b = append(b, `,"session":"`...)
	b = append(b, session...)
	b = append(b, `","intervention_point":"`...)
	b = append(b, point...)
	b = append(b, `","snapshot":{"tool_call":{"id":"`...)
	b = append(b, callID...)
	b = append(b, `","name":`...)
	b = append(b, tool...)
	return b
}

// maxAnswer bounds a decision the client reads.
const maxAnswer = 1 << 20

// answer is what the client reads of a decision.
type answer struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// send posts one check and returns its decision.
func (c *client) send(ctx context.Context, body []byte) (answer, error) {
	status, err := c.conn.post(ctx, body, &c.resp)
	if err != nil {
		return answer{}, err
	}
	if status != http.StatusOK {
		var p struct {
			Detail string `json:"detail"`
		}
		_ = json.Unmarshal(c.resp.Bytes(), &p)
		return answer{}, fmt.Errorf("server answered %d: %s", status, p.Detail)
	}
	var a answer
	if err := json.Unmarshal(c.resp.Bytes(), &a); err != nil || a.Decision == "" {
		return answer{}, fmt.Errorf("the answer holds no decision: %.200s", c.resp.String())
	}
	return a, nil
}

// loop sends checks until end, counting those answered in [from, end).
func (c *client) loop(ctx context.Context, from, end time.Time) {
	for ctx.Err() == nil {
		body := c.next()
		t0 := time.Now()
		if !t0.Before(end) {
			return
		}
		a, err := c.send(ctx, body)
		t1 := time.Now()
		if !t1.Before(end) || t1.Before(from) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.errors++
			if len(c.samples) < maxErrorSamples {
				c.samples = append(c.samples, err.Error())
			}
			continue
		}
		c.decisions[a.Decision]++
		if a.Decision != "allow" {
			c.reasons[a.Decision+": "+a.Reason]++
		}
		c.hist.record(t1.Sub(t0))
	}
}
