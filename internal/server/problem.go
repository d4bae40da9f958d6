package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/strictjson"
)

// Problem type URIs. They name the kind of failure so that clients can
// branch on it without parsing prose.
const (
	probInvalid     = "urn:agentgov:problem:invalid-request"
	probTooLarge    = "urn:agentgov:problem:request-too-large"
	probUnauth      = "urn:agentgov:problem:unauthenticated"
	probForbidden   = "urn:agentgov:problem:forbidden"
	probNotFound    = "urn:agentgov:problem:not-found"
	probMethod      = "urn:agentgov:problem:method-not-allowed"
	probNotCovered  = "urn:agentgov:problem:not-covered-by-checkpoint"
	probUnavailable = "urn:agentgov:problem:unavailable"
	probInternal    = "urn:agentgov:problem:internal"
	probUnsupported = "urn:agentgov:problem:unsupported-media-type"
)

// problemError is an error that already knows its HTTP rendering.
type problemError struct {
	status int
	typ    string
	title  string
	detail string
	field  string
}

func (p *problemError) Error() string { return p.detail }

func badField(field, format string, args ...any) error {
	return fieldProblem(field, format, args...)
}

func fieldProblem(field, format string, args ...any) *problemError {
	return &problemError{status: http.StatusBadRequest, typ: probInvalid, title: "Invalid request",
		detail: field + ": " + fmt.Sprintf(format, args...), field: field}
}

func writeProblem(w http.ResponseWriter, r *http.Request, p *problemError) {
	body := api.Problem{Type: p.typ, Title: p.title, Status: p.status, Detail: p.detail, Instance: r.URL.Path, Field: p.field}
	b, err := json.Marshal(body)
	if err != nil {
		b = []byte(`{"type":"` + probInternal + `","title":"Internal error","status":500}`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.status)
	_, _ = w.Write(append(b, '\n'))
}

// decodeJSON reads one JSON object from the body into v, strictly (see
// readBody and strictjson).
func decodeJSON(r *http.Request, v any, maxBytes int64) error {
	body, err := readBody(r, maxBytes)
	if err != nil {
		return err
	}
	if err := strictjson.Decode(body, v, false, ""); err != nil {
		return jsonProblem(err)
	}
	return nil
}

// jsonProblem is the problem document for a document strictjson refused.
func jsonProblem(err error) error {
	var e *strictjson.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Field == "" {
		return &problemError{status: http.StatusBadRequest, typ: probInvalid, title: "Invalid request", detail: e.Problem}
	}
	return badField(e.Field, "%s", e.Problem)
}
