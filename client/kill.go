package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/sse"
)

// Kill activates a kill switch (POST /v1/kill, ADMIN). It returns once
// the server's gate denies in scope.
func (c *Client) Kill(ctx context.Context, req api.KillRequest) (api.Kill, error) {
	var out api.Kill
	_, err := c.do(ctx, http.MethodPost, "/v1/kill", nil, req, &out)
	return out, err
}

// Unkill lifts kills (POST /v1/unkill, ADMIN): the kill id, or every kill
// in force with exactly the target of req.
func (c *Client) Unkill(ctx context.Context, id string, req api.KillRequest) ([]api.Kill, error) {
	body := struct {
		ID string `json:"id,omitempty"`
		api.KillRequest
	}{ID: id, KillRequest: req}
	var out api.KillList
	_, err := c.do(ctx, http.MethodPost, "/v1/unkill", nil, body, &out)
	return out.Kills, err
}

// GetKill returns a kill and its measured outcome.
func (c *Client) GetKill(ctx context.Context, id string) (api.Kill, error) {
	var out api.Kill
	_, err := c.do(ctx, http.MethodGet, "/v1/kills/"+url.PathEscape(id), nil, nil, &out)
	return out, err
}

// Kills lists kills (only those in force with active).
func (c *Client) Kills(ctx context.Context, active bool) ([]api.Kill, error) {
	q := url.Values{}
	if active {
		q.Set("active", "true")
	}
	var out api.KillList
	_, err := c.do(ctx, http.MethodGet, "/v1/kills", q, nil, &out)
	return out.Kills, err
}

// ReportKill reports a supervised process's outcome of kill id.
func (c *Client) ReportKill(ctx context.Context, id string, p api.KillProcess) (api.Kill, error) {
	var out api.Kill
	_, err := c.do(ctx, http.MethodPost, "/v1/kills/"+url.PathEscape(id)+"/reports", nil, p, &out)
	return out, err
}

// SetAgentState moves an agent to another lifecycle state (ADMIN).
func (c *Client) SetAgentState(ctx context.Context, agent, to, note string) (api.AgentState, error) {
	var out api.AgentState
	_, err := c.do(ctx, http.MethodPost, "/v1/agents/"+url.PathEscape(agent)+"/state", nil, api.AgentStateRequest{To: to, Note: note}, &out)
	return out, err
}

// AgentState returns an agent's lifecycle state.
func (c *Client) AgentState(ctx context.Context, agent string) (api.AgentState, error) {
	var out api.AgentState
	_, err := c.do(ctx, http.MethodGet, "/v1/agents/"+url.PathEscape(agent)+"/state", nil, nil, &out)
	return out, err
}

// KillStream is an open GET /v1/kills/stream.
type KillStream struct {
	body io.ReadCloser
	r    *EventReader
	// LastID is the id of the latest event read: pass it to the next
	// KillStream call to resume after a disconnection.
	LastID string
}

// KillStream opens the kill stream, filtered to agent when set, resuming
// after lastID when set. The HTTP client's timeout does not apply: the
// stream is held open until ctx ends or Close.
func (c *Client) KillStream(ctx context.Context, agent, lastID string) (*KillStream, error) {
	u := *c.base
	u.Path += "/v1/kills/stream"
	if agent != "" {
		u.RawQuery = url.Values{"agent": {agent}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	hc := *c.http
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		e := &Error{Status: resp.StatusCode}
		_ = json.Unmarshal(raw, &e.Problem)
		return nil, e
	}
	return &KillStream{body: resp.Body, r: NewEventReader(resp.Body), LastID: lastID}, nil
}

// Next returns the next event (kill, unkill or ready), skipping
// heartbeats. io.EOF means the server ended the stream.
func (s *KillStream) Next() (api.KillEvent, error) {
	// Heartbeats are SSE comments, which the reader skips.
	ev, err := s.r.Next()
	if err != nil {
		return api.KillEvent{}, err
	}
	if ev.ID != "" {
		s.LastID = ev.ID
	}
	var ke api.KillEvent
	if err := json.Unmarshal([]byte(ev.Data), &ke); err != nil {
		return api.KillEvent{}, fmt.Errorf("client: kill stream event: %w", err)
	}
	if ke.Type == "" {
		ke.Type = ev.Type
	}
	return ke, nil
}

// Close ends the stream.
func (s *KillStream) Close() error { return s.body.Close() }

// Event is one Server-Sent Event.
type Event struct {
	ID, Type, Data string
}

// maxEventBytes bounds one event (and one line).
const maxEventBytes = 1 << 20

// EventReader parses a text/event-stream (the WHATWG Server-Sent Events
// format): "field: value" lines, events ended by a blank line, comments
// starting with ':'.
type EventReader struct {
	r *sse.Reader
}

// NewEventReader reads events from r.
func NewEventReader(r io.Reader) *EventReader {
	return &EventReader{r: sse.NewReader(r, maxEventBytes)}
}

// ErrEventTooLarge is an event beyond the reader's bound.
var ErrEventTooLarge = sse.ErrTooLarge

// Next returns the next event that carries data.
func (e *EventReader) Next() (Event, error) {
	ev, err := e.r.Next()
	if err != nil {
		return Event{}, err
	}
	return Event{ID: ev.ID, Type: ev.Type, Data: string(ev.Data)}, nil
}
