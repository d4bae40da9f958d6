package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/gate"
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

// checkRequest is the wire form of one check.
type checkRequest struct {
	Agent             string         `json:"agent"`
	Session           string         `json:"session"`
	InterventionPoint string         `json:"intervention_point"`
	Snapshot          map[string]any `json:"snapshot"`
	Mode              string         `json:"mode"`
}

// checkResponse is the wire form of one decision.
type checkResponse struct {
	Decision    string   `json:"decision"`
	Reason      string   `json:"reason"`
	Reasons     []string `json:"reasons"`
	Message     *string  `json:"message"`
	Transformed any      `json:"transformed,omitempty"`
	AuditIndex  int64    `json:"audit_index"`
	// Canary is present only on an allowed agent_startup whose profile
	// plants a session canary.
	Canary string `json:"canary,omitempty"`
}

func toResponse(d gate.Decision) checkResponse {
	r := checkResponse{Decision: d.Decision, Reason: d.Reason, Reasons: d.Reasons, AuditIndex: d.AuditIndex, Canary: d.Canary}
	if r.Reasons == nil {
		r.Reasons = []string{}
	}
	if d.Message != "" {
		msg := d.Message
		r.Message = &msg
	}
	if d.HasTransformed {
		r.Transformed = d.Transformed
		if r.Transformed == nil {
			// A transform to null is still a transform: send it.
			r.Transformed = json.RawMessage("null")
		}
	}
	return r
}

// readBody reads and vets a JSON body: size limit, strict syntax (no
// duplicate keys, valid UTF-8, bounded nesting).
func readBody(r *http.Request, maxBytes int64) ([]byte, error) {
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
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &problemError{status: http.StatusBadRequest, typ: probInvalid, title: "Invalid request", detail: "the request body is empty; send a JSON object"}
	}
	if _, err := canonical.Append(nil, body, canonical.Limits{MaxBytes: int(maxBytes)}); err != nil {
		var ce *canonical.Error
		if errors.As(err, &ce) && ce.Path != "" {
			return nil, badField(strings.TrimPrefix(ce.Path, "/"), "%s", ce.Reason)
		}
		return nil, &problemError{status: http.StatusBadRequest, typ: probInvalid, title: "Invalid request", detail: "malformed JSON: " + err.Error()}
	}
	return body, nil
}

// decodeCheck decodes one check request; numbers stay json.Number so that
// digests and policies see them exactly as sent. prefix locates the
// request inside a batch in error messages.
func decodeCheck(raw []byte, prefix string) (*checkRequest, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var cr checkRequest
	if err := dec.Decode(&cr); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return nil, badField(prefix+te.Field, "must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)
		case errors.As(err, &te):
			return nil, badField(strings.TrimSuffix(prefix, "."), "must be a JSON object")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return nil, badField(prefix+strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
		}
		return nil, badField(strings.TrimSuffix(prefix, "."), "malformed: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badField(strings.TrimSuffix(prefix, "."), "trailing data after the object")
	}
	switch {
	case cr.Agent == "":
		return nil, badField(prefix+"agent", "is required")
	case cr.InterventionPoint == "":
		return nil, badField(prefix+"intervention_point", "is required")
	case cr.Snapshot == nil:
		return nil, badField(prefix+"snapshot", "is required (an object)")
	}
	return &cr, nil
}

func (s *Server) gateRequest(r *http.Request, cr *checkRequest) *gate.Request {
	p := principalFrom(r.Context())
	return &gate.Request{Agent: cr.Agent, Session: cr.Session, Point: cr.InterventionPoint, Snapshot: cr.Snapshot, Mode: cr.Mode,
		Principal: gate.Principal{Name: p.source(), Agents: p.agents}}
}

func (s *Server) check(ctx context.Context, r *http.Request, cr *checkRequest, field string) (checkResponse, error) {
	d, err := s.o.Gate.Check(ctx, s.gateRequest(r, cr))
	if err != nil {
		var re *gate.RequestError
		if errors.As(err, &re) {
			return checkResponse{}, badField(field+re.Field, "%s", re.Problem)
		}
		return checkResponse{}, err
	}
	return toResponse(d), nil
}

func (s *Server) postCheck(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r, s.o.MaxRequestBytes)
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
	reqs := make([]*checkRequest, len(items))
	for i, raw := range items {
		cr, err := decodeCheck(raw, fmt.Sprintf("requests[%d].", i))
		if err != nil {
			return err
		}
		reqs[i] = cr
	}
	out := struct {
		Decisions []checkResponse `json:"decisions"`
	}{Decisions: make([]checkResponse, 0, len(reqs))}
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
