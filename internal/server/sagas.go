package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/saga"
	"github.com/agentgov/agentgov/internal/store"
)

// SagaService is what the server needs of the saga runner.
type SagaService interface {
	Start(ctx context.Context, s saga.Spec) (string, error)
	Get(ctx context.Context, id string) (saga.View, error)
	List(ctx context.Context, q store.SagaQuery) ([]saga.View, error)
	Abort(ctx context.Context, id, by string) error
}

// Problem types of the saga routes.
const (
	probSagaFinished   = "urn:agentgov:problem:saga-finished"
	probSagaNotRunning = "urn:agentgov:problem:saga-not-running"
)

func (s *Server) sagaRoutes() {
	if s.o.Sagas == nil {
		return
	}
	// Starting and aborting a saga are actions of its agent: whoever may
	// submit checks for the agent (and its substitute) may do them.
	s.route("POST /v1/sagas", permCheck, s.postSaga)
	s.route("GET /v1/sagas", permRead, s.listSagas)
	s.route("GET /v1/sagas/{id}", permRead, s.getSaga)
	s.route("POST /v1/sagas/{id}/abort", permCheck, s.abortSaga)
}

// sagaError maps the runner's errors to problems.
func sagaError(err error) error {
	var fe *saga.FieldError
	switch {
	case errors.As(err, &fe):
		return badField(fe.Field, "%s", fe.Problem)
	case errors.Is(err, store.ErrNotFound):
		return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: "no such saga"}
	case errors.Is(err, saga.ErrFinished):
		return &problemError{status: http.StatusConflict, typ: probSagaFinished, title: "Saga finished", detail: "the saga has already finished"}
	case errors.Is(err, saga.ErrNotRunning):
		return &problemError{status: http.StatusConflict, typ: probSagaNotRunning, title: "Saga not running",
			detail: "the saga is not driven by this server (a Go saga of an embedding program)"}
	}
	return err
}

// POST /v1/sagas defines and starts an HTTP saga (saga.Definition); it
// answers 201 with the saga's first checkpoint (saga.View).
func (s *Server) postSaga(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r, s.o.MaxRequestBytes)
	if err != nil {
		return err
	}
	d, err := saga.DecodeDefinition(body)
	if err != nil {
		return sagaError(err)
	}
	p := principalFrom(r.Context())
	for field, agent := range map[string]string{"agent": d.Agent, "substitute": d.Substitute} {
		if agent != "" && !mayActFor(p, agent) {
			return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden", field: field,
				detail: field + ": this credential may not act for that agent"}
		}
	}
	id, err := s.o.Sagas.Start(r.Context(), saga.Spec{HTTP: d, Source: p.source()})
	if err != nil {
		return sagaError(err)
	}
	v, err := s.o.Sagas.Get(r.Context(), id)
	if err != nil {
		return sagaError(err)
	}
	w.Header().Set("Location", "/v1/sagas/"+id)
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// visibleSaga loads a saga the principal may see: its agent's (or its
// substitute's) credentials, or an auditor's. Others get the same 404 as
// for a saga that does not exist.
func (s *Server) visibleSaga(r *http.Request) (saga.View, error) {
	v, err := s.o.Sagas.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return v, sagaError(err)
	}
	p := principalFrom(r.Context())
	if !mayActFor(p, v.Agent) && !mayActFor(p, v.ActingAgent) && !p.can(permAudit) {
		return v, sagaError(store.ErrNotFound)
	}
	return v, nil
}

func (s *Server) getSaga(w http.ResponseWriter, r *http.Request) error {
	v, err := s.visibleSaga(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// GET /v1/sagas?agent=A&unfinished=true&limit=N lists sagas newest first.
// An auditor (or an admin) may list every agent's; any other credential
// names an agent it may act for, and sees the sagas started for it.
func (s *Server) listSagas(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "agent", "unfinished", "limit"); err != nil {
		return err
	}
	sq := store.SagaQuery{Agent: q.Get("agent"), Limit: 100, Newest: true}
	if len(sq.Agent) > 256 {
		return badField("agent", "is longer than 256 bytes")
	}
	switch v := q.Get("unfinished"); v {
	case "", "false":
	case "true":
		sq.Unfinished = true
	default:
		return badField("unfinished", "must be true or false")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return badField("limit", "must be an integer between 1 and 1000")
		}
		sq.Limit = n
	}
	p := principalFrom(r.Context())
	if !p.can(permAudit) {
		if sq.Agent == "" && p.isAgent() {
			sq.Agent = p.Agent
		}
		if sq.Agent == "" {
			return badField("agent", "is required: this credential may list only the sagas of agents it may act for")
		}
		if !mayActFor(p, sq.Agent) {
			return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden", field: "agent",
				detail: "agent: this credential may not act for that agent"}
		}
	}
	list, err := s.o.Sagas.List(r.Context(), sq)
	if err != nil {
		return sagaError(err)
	}
	if list == nil {
		list = []saga.View{}
	}
	writeJSON(w, http.StatusOK, api.SagaList{Sagas: list})
	return nil
}

// POST /v1/sagas/{id}/abort stops the saga and compensates what it did;
// it answers 202 with the checkpoint at that moment (compensation follows).
func (s *Server) abortSaga(w http.ResponseWriter, r *http.Request) error {
	v, err := s.visibleSaga(r)
	if err != nil {
		return err
	}
	p := principalFrom(r.Context())
	if !mayActFor(p, v.Agent) && !mayActFor(p, v.ActingAgent) {
		return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden", detail: "this credential may not act for the saga's agent"}
	}
	if err := s.o.Sagas.Abort(r.Context(), v.ID, p.source()); err != nil {
		return sagaError(err)
	}
	if v, err = s.o.Sagas.Get(r.Context(), v.ID); err != nil {
		return sagaError(err)
	}
	writeJSON(w, http.StatusAccepted, v)
	return nil
}
