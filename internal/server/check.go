package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/strictjson"
)

// Checker decides checks (the gate).
type Checker interface {
	Check(ctx context.Context, req *gate.Request) (gate.Decision, error)
}

// Reloader re-reads and activates the configuration, returning the new
// policy version.
type Reloader func(ctx context.Context) (string, error)

// maxBatch bounds one batch request.
const maxBatch = 1000

// readBody reads and vets a JSON body: size limit, strict syntax (no
// duplicate keys, valid UTF-8, bounded nesting).
func readBody(r *http.Request, maxBytes int64) ([]byte, error) {
	body, err := readJSONBody(r, maxBytes)
	if err != nil {
		return nil, err
	}
	if err := strictjson.Vet(body, int(maxBytes)); err != nil {
		return nil, jsonProblem(err)
	}
	return body, nil
}

// readJSONBody is readBody for a caller that parses the body with the
// same strict parser itself (a check: gate.DecodeCheck), so that it is
// parsed once.
func readJSONBody(r *http.Request, maxBytes int64) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return nil, &problemError{status: http.StatusUnsupportedMediaType, typ: probUnsupported, title: "Unsupported media type",
			detail: "Content-Type must be application/json"}
	}
	body, err := readAll(r, maxBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &problemError{status: http.StatusRequestEntityTooLarge, typ: probTooLarge, title: "Request too large",
				detail: fmt.Sprintf("the request body exceeds %d bytes", mbe.Limit)}
		}
		return nil, badField("", "reading the body: %v", err)
	}
	return body, nil
}

func (s *Server) gateRequest(r *http.Request, cr *api.CheckRequest) *gate.Request {
	p := principalFrom(r.Context())
	return &gate.Request{Agent: cr.Agent, Session: cr.Session, Point: cr.InterventionPoint, Snapshot: cr.Snapshot, Mode: cr.Mode,
		ApprovalID: cr.ApprovalID, Delegation: cr.Delegation, Principal: gate.Principal{Name: p.source(), Agents: p.agents}}
}

func (s *Server) check(ctx context.Context, r *http.Request, cr *api.CheckRequest, field string) (api.CheckDecision, error) {
	if err := authoriseAgent(r, cr.Agent); err != nil {
		return api.CheckDecision{}, err
	}
	ctx, done := s.trackCheck(ctx, cr)
	defer done()
	d, err := s.o.Gate.Check(ctx, s.gateRequest(r, cr))
	if err != nil {
		var re *gate.RequestError
		if errors.As(err, &re) {
			return api.CheckDecision{}, badField(field+re.Field, "%s", re.Problem)
		}
		return api.CheckDecision{}, err
	}
	return d.Wire()
}

// decodeCheck decodes one vetted check request.
func decodeCheck(raw []byte, prefix string) (*api.CheckRequest, error) {
	cr, err := gate.DecodeCheck(raw, prefix)
	if err != nil {
		return nil, jsonProblem(err)
	}
	return &cr, nil
}

func (s *Server) postCheck(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, s.o.MaxRequestBytes)
	if err != nil {
		return err
	}
	cr, err := decodeCheck(body, "")
	if err != nil {
		return err
	}
	resp, err := s.check(r.Context(), r, cr, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) postCheckBatch(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r, s.o.MaxRequestBytes)
	if err != nil {
		return err
	}
	// The batch is {"requests": [...]}; a bare array is accepted too.
	var items []json.RawMessage
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return badField("", "malformed: %v", err)
		}
	} else {
		var env struct {
			Requests []json.RawMessage `json:"requests"`
		}
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&env); err != nil {
			return badField("requests", "must be an array of check requests")
		}
		if env.Requests == nil {
			return badField("requests", "is required")
		}
		items = env.Requests
	}
	if len(items) > maxBatch {
		return badField("requests", "holds %d requests; the limit is %d", len(items), maxBatch)
	}
	// Every request is validated before any is decided, so that a bad
	// batch records nothing.
	reqs := make([]*api.CheckRequest, len(items))
	for i, raw := range items {
		cr, err := decodeCheck(raw, fmt.Sprintf("requests[%d].", i))
		if err != nil {
			return err
		}
		if err := authoriseAgent(r, cr.Agent); err != nil {
			return err
		}
		reqs[i] = cr
	}
	out := api.CheckBatchDecisions{Decisions: make([]api.CheckDecision, 0, len(reqs))}
	for i, cr := range reqs {
		resp, err := s.check(r.Context(), r, cr, fmt.Sprintf("requests[%d].", i))
		if err != nil {
			return err
		}
		out.Decisions = append(out.Decisions, resp)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) postReload(w http.ResponseWriter, r *http.Request) error {
	if s.o.Reload == nil {
		return &problemError{status: http.StatusServiceUnavailable, typ: probUnavailable, title: "Unavailable", detail: "this server has no reloadable configuration"}
	}
	version, err := s.o.Reload(r.Context())
	if err != nil {
		return &problemError{status: http.StatusUnprocessableEntity, typ: probInvalid, title: "Configuration rejected",
			detail: "the new configuration was not activated; the old one keeps running: " + err.Error()}
	}
	writeJSON(w, http.StatusOK, map[string]string{"policy_version": version})
	return nil
}
