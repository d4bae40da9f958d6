package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/killswitch"
	"github.com/agentgov/agentgov/internal/lifecycle"
)

// KillSwitch is what the server needs of the kill switch.
type KillSwitch interface {
	Kill(ctx context.Context, req killswitch.Request) (api.Kill, error)
	Unkill(ctx context.Context, id, by, note string) (api.Kill, error)
	UnkillTarget(ctx context.Context, t killswitch.Target, by, note string) ([]api.Kill, error)
	Get(ctx context.Context, id string) (api.Kill, error)
	List(ctx context.Context, activeOnly bool, limit int) ([]api.Kill, error)
	Report(ctx context.Context, id string, p api.KillProcess, by string) (api.Kill, error)
	Subscribe(lastID string) (*killswitch.Subscription, []killswitch.Event, bool)
	Track(ctx context.Context, agent, session, tool string) (context.Context, func())
}

// Lifecycle is what the server needs of the agent lifecycle.
type Lifecycle interface {
	State(agent string) api.AgentState
	Transition(ctx context.Context, agent, to, by, note string) (api.AgentState, error)
}

// Problem types of the kill switch and the lifecycle.
const (
	probConflict = "urn:agentgov:problem:conflict"
)

// defaultHeartbeat is how often an idle kill stream sends a comment, so
// that proxies keep it open and clients notice a dead connection.
const defaultHeartbeat = 15 * time.Second

// maxKillList bounds GET /v1/kills (the newest are kept).
const maxKillList = 1000

// streams ends the held-open kill streams when the server shuts down:
// http.Server.Shutdown waits for handlers, and a stream never finishes on
// its own.
type streams struct {
	once sync.Once
	done chan struct{}
}

// CloseStreams ends every kill stream (call it from
// http.Server.RegisterOnShutdown).
func (s *Server) CloseStreams() {
	s.streams.once.Do(func() { close(s.streams.done) })
}

func (s *Server) killRoutes() {
	s.streams.done = make(chan struct{})
	if s.o.Kills != nil {
		s.route("POST /v1/kill", permAdmin, s.postKill)
		s.route("POST /v1/unkill", permAdmin, s.postUnkill)
		s.route("GET /v1/kills", permRead, s.listKills)
		s.route("GET /v1/kills/stream", permRead, s.killStream)
		s.route("GET /v1/kills/{id}", permRead, s.getKill)
		s.route("DELETE /v1/kills/{id}", permAdmin, s.deleteKill)
		s.route("POST /v1/kills/{id}/reports", permCheck, s.postKillReport)
	}
	if s.o.Lifecycle != nil {
		s.route("GET /v1/agents/{id}/state", permRead, s.getAgentState)
		s.route("POST /v1/agents/{id}/state", permAdmin, s.postAgentState)
	}
}

// mayActFor reports whether the principal may see or act for an agent.
func mayActFor(p Principal, agent string) bool {
	return p.can(permAdmin) || (p.agents != nil && p.agents(agent))
}

// visible reports whether a kill is the principal's to see: kills of an
// agent (or an agent's session) are seen by whoever may act for the agent;
// session, tool and global kills concern everyone.
func visible(p Principal, k *api.Kill) bool {
	return k.Agent == "" || mayActFor(p, k.Agent)
}

func killError(err error) error {
	var fe *killswitch.FieldError
	var le *lifecycle.FieldError
	switch {
	case errors.As(err, &fe):
		return badField(fe.Field, "%s", fe.Problem)
	case errors.As(err, &le):
		return badField(le.Field, "%s", le.Problem)
	case errors.Is(err, killswitch.ErrNotFound), errors.Is(err, lifecycle.ErrUnknownAgent):
		return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: err.Error()}
	case errors.Is(err, killswitch.ErrLifted), errors.Is(err, lifecycle.ErrTransition), errors.Is(err, lifecycle.ErrConflict):
		return &problemError{status: http.StatusConflict, typ: probConflict, title: "Conflict", detail: err.Error()}
	}
	return err
}

func (s *Server) postKill(w http.ResponseWriter, r *http.Request) error {
	var body api.KillRequest
	if err := decodeJSON(r, &body, s.o.MaxRequestBytes); err != nil {
		return err
	}
	by := principalFrom(r.Context()).source()
	k, err := s.o.Kills.Kill(r.Context(), killswitch.Request{Target: killswitch.Target{Scope: body.Scope, Agent: body.Agent,
		Session: body.Session, Tool: body.Tool}, Reason: body.Reason, Note: body.Note, By: by})
	if err != nil && k.ID == "" {
		return killError(err)
	}
	if err != nil {
		// In force, not recorded: say so, but the kill stands.
		s.log.Error("kill in force but not fully recorded", "kill", k.ID, "err", err)
	}
	w.Header().Set("Location", "/v1/kills/"+k.ID)
	writeJSON(w, http.StatusCreated, k)
	return nil
}

func (s *Server) postUnkill(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		ID string `json:"id"`
		api.KillRequest
	}
	if err := decodeJSON(r, &body, s.o.MaxRequestBytes); err != nil {
		return err
	}
	by := principalFrom(r.Context()).source()
	var out []api.Kill
	if body.ID != "" {
		if body.Scope != "" || body.Agent != "" || body.Session != "" || body.Tool != "" {
			return badField("id", "give either a kill id or a scope, not both")
		}
		k, err := s.o.Kills.Unkill(r.Context(), body.ID, by, body.Note)
		if err != nil && k.ID == "" {
			return killError(err)
		}
		out = append(out, k)
	} else {
		ks, err := s.o.Kills.UnkillTarget(r.Context(), killswitch.Target{Scope: body.Scope, Agent: body.Agent, Session: body.Session,
			Tool: body.Tool}, by, body.Note)
		if err != nil && len(ks) == 0 {
			return killError(err)
		}
		out = ks
	}
	if out == nil {
		out = []api.Kill{}
	}
	writeJSON(w, http.StatusOK, api.KillList{Kills: out})
	return nil
}

func (s *Server) deleteKill(w http.ResponseWriter, r *http.Request) error {
	k, err := s.o.Kills.Unkill(r.Context(), r.PathValue("id"), principalFrom(r.Context()).source(), "")
	if err != nil && k.ID == "" {
		return killError(err)
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) listKills(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "active", "limit"); err != nil {
		return err
	}
	active := false
	switch q.Get("active") {
	case "", "false":
	case "true":
		active = true
	default:
		return badField("active", "must be true or false")
	}
	limit := maxKillList
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxKillList {
			return badField("limit", "must be an integer between 1 and %d", maxKillList)
		}
		limit = n
	}
	ks, err := s.o.Kills.List(r.Context(), active, limit)
	if err != nil {
		return err
	}
	p := principalFrom(r.Context())
	out := api.KillList{Kills: []api.Kill{}}
	for i := range ks {
		if visible(p, &ks[i]) {
			out.Kills = append(out.Kills, ks[i])
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getKill(w http.ResponseWriter, r *http.Request) error {
	k, err := s.o.Kills.Get(r.Context(), r.PathValue("id"))
	if err == nil && !visible(principalFrom(r.Context()), &k) {
		err = killswitch.ErrNotFound
	}
	if err != nil {
		return killError(err)
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) postKillReport(w http.ResponseWriter, r *http.Request) error {
	var body api.KillProcess
	if err := decodeJSON(r, &body, s.o.MaxRequestBytes); err != nil {
		return err
	}
	p := principalFrom(r.Context())
	if !mayActFor(p, body.Agent) {
		return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden",
			detail: "this credential may not report for agent " + strconv.Quote(body.Agent)}
	}
	k, err := s.o.Kills.Report(r.Context(), r.PathValue("id"), body, p.source())
	if err != nil {
		return killError(err)
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

// killStream holds a response open and writes kill-switch events as
// Server-Sent Events: first every kill in force (or, with Last-Event-ID
// from a recent stream of this server, what came after it), then an event
// "ready", then new kills and unkills as they happen, with a comment every
// heartbeat. Events are filtered to what the principal may see, and with
// ?agent= to what concerns that agent.
func (s *Server) killStream(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "agent", "last_event_id"); err != nil {
		return err
	}
	p := principalFrom(r.Context())
	agent := q.Get("agent")
	if agent != "" && !mayActFor(p, agent) {
		return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden",
			detail: "this credential may not watch agent " + strconv.Quote(agent)}
	}
	last := r.Header.Get("Last-Event-ID")
	if v := q.Get("last_event_id"); v != "" {
		last = v
	}
	sub, backlog, _ := s.o.Kills.Subscribe(last)
	defer sub.Close()
	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for ordinary requests; a
	// stream is held open until the client or the server ends it (an
	// expired read deadline would end it as a closed connection).
	for _, set := range []func(time.Time) error{rc.SetWriteDeadline, rc.SetReadDeadline} {
		if err := set(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(e killswitch.Event) error {
		if e.Kill != nil && (!visible(p, e.Kill) || (agent != "" && !concerns(e.Kill, agent))) {
			return nil
		}
		b, err := json.Marshal(e.KillEvent)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", e.ID, e.Type, b); err != nil {
			return err
		}
		return rc.Flush()
	}
	for _, e := range backlog {
		if err := send(e); err != nil {
			return nil
		}
	}
	if _, err := fmt.Fprint(w, "event: ready\ndata: {\"type\":\"ready\"}\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	every := s.o.StreamHeartbeat
	if every <= 0 {
		every = defaultHeartbeat
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.streams.done:
			return nil
		case e, ok := <-sub.C:
			if !ok {
				return nil // fell behind: the client resumes from its last id
			}
			if err := send(e); err != nil {
				return nil
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}

// concerns reports whether a kill applies to an agent's actions.
func concerns(k *api.Kill, agent string) bool {
	return k.Agent == "" || k.Agent == agent
}

// trackCheck registers a check request in flight with the kill switch, so
// that a kill in its scope cancels it.
func (s *Server) trackCheck(ctx context.Context, cr *api.CheckRequest) (context.Context, func()) {
	if s.o.Kills == nil {
		return ctx, func() {}
	}
	tool := ""
	if tc, ok := cr.Snapshot["tool_call"].(map[string]any); ok {
		tool, _ = tc["name"].(string)
	}
	return s.o.Kills.Track(ctx, cr.Agent, cr.Session, tool)
}

func (s *Server) getAgentState(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !mayActFor(principalFrom(r.Context()), id) {
		return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: "no agent " + strconv.Quote(id) + " visible to this credential"}
	}
	writeJSON(w, http.StatusOK, s.o.Lifecycle.State(id))
	return nil
}

func (s *Server) postAgentState(w http.ResponseWriter, r *http.Request) error {
	var body api.AgentStateRequest
	if err := decodeJSON(r, &body, s.o.MaxRequestBytes); err != nil {
		return err
	}
	st, err := s.o.Lifecycle.Transition(r.Context(), r.PathValue("id"), body.To, principalFrom(r.Context()).source(), body.Note)
	if err != nil && st.State == "" {
		return killError(err)
	}
	if err != nil {
		s.log.Error("transition made but not fully recorded", "agent", st.Agent, "err", err)
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
