package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/agentgov/agentgov/api"
)

// SVIDIssuer issues X.509-SVIDs to agents (the built-in SPIFFE CA).
type SVIDIssuer interface {
	// IssueSVID signs csrPEM for agent on behalf of by (an audit source).
	// A *SVIDRequestError is the caller's fault (400); an error wrapping
	// ErrSVIDUnavailable means SVIDs do not come from agentgov here (409).
	IssueSVID(ctx context.Context, agent string, csrPEM []byte, by string) (api.SVIDResponse, error)
	// RevokeSVID revokes the SVID with serial (lower-case hex): new
	// handshakes presenting it fail. An unknown serial wraps
	// ErrSVIDNotFound.
	RevokeSVID(ctx context.Context, serial, by string) error
}

// ErrSVIDNotFound: no SVID with that serial was issued here.
var ErrSVIDNotFound = errors.New("no SVID with this serial was issued")

// ErrSVIDUnavailable: this server does not issue SVIDs (e.g. they come
// from SPIRE).
var ErrSVIDUnavailable = errors.New("SVIDs are not issued by this server")

// SVIDRequestError is a refused SVID request; Field is "csr" or "agent".
type SVIDRequestError struct {
	Field string
	Err   error
}

func (e *SVIDRequestError) Error() string { return e.Err.Error() }
func (e *SVIDRequestError) Unwrap() error { return e.Err }

func (s *Server) svidRoutes() {
	if s.o.SVID == nil {
		return
	}
	// permCheck: what an agent principal and an ADMIN both hold; postSVID
	// narrows it to "an agent for itself, an ADMIN for anyone".
	s.route("POST /v1/identity/svid", permCheck, s.postSVID)
	s.route("POST /v1/identity/svid/{serial}/revocation", permAdmin, s.revokeSVID)
}

func (s *Server) revokeSVID(w http.ResponseWriter, r *http.Request) error {
	serial := r.PathValue("serial")
	if len(serial) == 0 || len(serial) > 64 || strings.Trim(serial, "0123456789abcdef") != "" {
		return badField("serial", "must be the SVID's serial number in lower-case hex")
	}
	err := s.o.SVID.RevokeSVID(r.Context(), serial, principalFrom(r.Context()).source())
	switch {
	case errors.Is(err, ErrSVIDNotFound):
		return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: err.Error()}
	case errors.Is(err, ErrSVIDUnavailable):
		return &problemError{status: http.StatusConflict, typ: probUnavailable, title: "Not available", detail: err.Error()}
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusOK, api.SVIDRevoked{Serial: serial, Revoked: true})
	return nil
}

func (s *Server) postSVID(w http.ResponseWriter, r *http.Request) error {
	var req api.SVIDRequest
	if err := decodeJSON(r, &req, s.o.MaxRequestBytes); err != nil {
		return err
	}
	if req.CSR == "" {
		return badField("csr", "is required: a PEM CERTIFICATE REQUEST")
	}
	p := principalFrom(r.Context())
	agent := req.Agent
	switch {
	case p.isAgent():
		// The identity is the one the caller proved, never the body's.
		if agent != "" && agent != p.Agent {
			return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden",
				detail: "agent " + p.Agent + " may obtain an SVID only for itself, not for " + agent}
		}
		agent = p.Agent
	case p.can(permAdmin):
		if agent == "" {
			return badField("agent", "is required when an operator requests an SVID")
		}
	default:
		return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden",
			detail: "only an agent (for itself) or an ADMIN may obtain an SVID"}
	}
	resp, err := s.o.SVID.IssueSVID(r.Context(), agent, []byte(req.CSR), p.source())
	var re *SVIDRequestError
	switch {
	case errors.As(err, &re):
		return badField(re.Field, "%s", re.Err.Error())
	case errors.Is(err, ErrSVIDUnavailable):
		return &problemError{status: http.StatusConflict, typ: probUnavailable, title: "Not available", detail: err.Error()}
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusCreated, resp)
	return nil
}
