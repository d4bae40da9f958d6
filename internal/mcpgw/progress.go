package mcpgw

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"
)

// Progress of a governed call is relayed from the upstream to the client
// that asked for it (a progressToken in the call's _meta). The upstream
// never sees the client's token: the gateway asks under a token of its
// own per call, so that calls of different clients sharing the one
// upstream cannot be confused or spoofed across each other, and a
// notification for a call that has ended goes nowhere.
//
// Only the numbers are relayed. A progress message is free text from the
// upstream that would reach the client without passing the gate (no
// post_tool_call check sees it), so it is dropped: the result, which the
// gate does check, is where a server's words reach the client.

// progressSink sends one progress update to the client under its own
// token. total 0 means unknown, as in the SDK.
type progressSink func(ctx context.Context, progress, total float64) error

// progressPrefix marks the tokens the gateway gives its upstream.
const progressPrefix = "agentgov-p-"

// progressRelay carries one call's progress to its client. Updates are
// coalesced: a client that reads slowly gets the latest progress, and
// the upstream's reader never waits for the client.
type progressRelay struct {
	sink progressSink

	mu              sync.Mutex
	pending         bool
	progress, total float64
	last            float64 // the last progress sent; updates must increase it
	sent            bool

	wake chan struct{}
}

func newProgressRelay(sink progressSink) *progressRelay {
	return &progressRelay{sink: sink, wake: make(chan struct{}, 1)}
}

// offer queues an update, dropping one that is not finite or does not
// advance (MCP: progress increases with every notification).
func (r *progressRelay) offer(progress, total float64) {
	if math.IsNaN(progress) || math.IsInf(progress, 0) || math.IsNaN(total) || math.IsInf(total, 0) || total < 0 {
		return
	}
	r.mu.Lock()
	if (r.sent && progress <= r.last) || (r.pending && progress <= r.progress) {
		r.mu.Unlock()
		return
	}
	r.pending, r.progress, r.total = true, progress, total
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run sends queued updates until stop is called. stop sends what is
// still queued and returns once nothing more will be sent, so that the
// last progress precedes the call's answer and none follows it.
func (r *progressRelay) run(ctx context.Context) (stop func()) {
	finish, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			last := false
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			case <-finish:
				last = true
			}
			if !r.flush(ctx) || last {
				return
			}
		}
	}()
	return func() {
		close(finish)
		<-done
	}
}

// flush sends the queued update, if any; false means the client is gone.
func (r *progressRelay) flush(ctx context.Context) bool {
	r.mu.Lock()
	if !r.pending {
		r.mu.Unlock()
		return true
	}
	p, t := r.progress, r.total
	r.pending, r.sent, r.last = false, true, p
	r.mu.Unlock()
	return r.sink(ctx, p, t) == nil
}

// watchProgress registers a relay and returns the token the upstream is
// to report under.
func (c *upstreamConn) watchProgress(r *progressRelay) string {
	tok := progressPrefix + strconv.FormatUint(c.nextProgress.Add(1), 10)
	c.mu.Lock()
	if c.relays == nil {
		c.relays = map[string]*progressRelay{}
	}
	c.relays[tok] = r
	c.mu.Unlock()
	return tok
}

func (c *upstreamConn) unwatchProgress(tok string) {
	c.mu.Lock()
	delete(c.relays, tok)
	c.mu.Unlock()
}

// progressParams is a notifications/progress as the gateway reads it.
type progressParams struct {
	Token    any     `json:"progressToken"`
	Progress float64 `json:"progress"`
	Total    float64 `json:"total"`
}

// claimProgress takes a progress notification under one of the gateway's
// tokens to its relay and reports whether it was one (the SDK session
// never issued such a token, so it must not see it). A malformed one is
// dropped.
func (c *upstreamConn) claimProgress(params json.RawMessage) bool {
	var p progressParams
	if json.Unmarshal(params, &p) != nil {
		return false
	}
	tok, ok := p.Token.(string)
	if !ok || !strings.HasPrefix(tok, progressPrefix) {
		return false
	}
	c.mu.Lock()
	r := c.relays[tok]
	c.mu.Unlock()
	if r != nil {
		r.offer(p.Progress, p.Total)
	}
	return true
}

// clientProgressToken validates a client's progress token (MCP: a string
// or an integer) as raw JSON.
func clientProgressToken(raw json.RawMessage) (json.RawMessage, bool) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return nil, false
	}
	switch t := v.(type) {
	case string:
		return raw, true
	case json.Number:
		if _, err := t.Int64(); err == nil {
			return json.RawMessage(t.String()), true
		}
	}
	return nil, false
}
