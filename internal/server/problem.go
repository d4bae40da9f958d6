package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
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

// decodeJSON reads one JSON object from the (already size-limited) body
// into v. The body is first run through the canonical parser, which rejects
// duplicate keys, invalid UTF-8 and excessive nesting: a security product
// must not let two parsers disagree about what a request said.
func decodeJSON(r *http.Request, v any, maxBytes int64) error {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &problemError{status: http.StatusUnsupportedMediaType, typ: probUnsupported, title: "Unsupported media type",
			detail: "Content-Type must be application/json (with curl: -H 'Content-Type: application/json')"}
	}
	body, err := readAll(r, maxBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &problemError{status: http.StatusRequestEntityTooLarge, typ: probTooLarge, title: "Request too large",
				detail: fmt.Sprintf("the request body exceeds %d bytes", mbe.Limit)}
		}
		return &problemError{status: http.StatusBadRequest, typ: probInvalid, title: "Invalid request", detail: "reading the body: " + err.Error()}
	}
	if len(body) == 0 {
		return &problemError{status: http.StatusBadRequest, typ: probInvalid, title: "Invalid request", detail: "the request body is empty; send a JSON object"}
	}
	if _, err := canonical.Append(nil, body, canonical.Limits{MaxBytes: int(maxBytes)}); err != nil {
		var ce *canonical.Error
		if errors.As(err, &ce) && ce.Path != "" {
			return badField(strings.TrimPrefix(ce.Path, "/"), "%s", ce.Reason)
		}
		return &problemError{status: http.StatusBadRequest, typ: probInvalid, title: "Invalid request", detail: "malformed JSON: " + err.Error()}
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				return &problemError{status: http.StatusBadRequest, typ: probInvalid, title: "Invalid request", detail: "the body must be a JSON object"}
			}
			return badField(field, "must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return badField(name, "is not a known field")
		default:
			return &problemError{status: http.StatusBadRequest, typ: probInvalid, title: "Invalid request", detail: "malformed JSON: " + err.Error()}
		}
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64", "int32", "uint64", "float64":
		return "a number"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "of another type"
}
