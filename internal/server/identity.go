package server

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/identity"
	"github.com/agentgov/agentgov/internal/store"
)

// Registry is what the server needs of the agent registry.
type Registry interface {
	Register(ctx context.Context, id string, pub ed25519.PublicKey) (identity.Agent, error)
	RotateKey(ctx context.Context, id string, pub ed25519.PublicKey) (identity.Agent, error)
	Get(ctx context.Context, id string) (identity.Agent, error)
	List(ctx context.Context) ([]identity.Agent, error)
}

// Handshake is the server side of the challenge-response handshake.
type Handshake interface {
	Sessions
	Challenge(ctx context.Context, remote string, req identity.ChallengeRequest) (identity.Challenge, error)
	Respond(ctx context.Context, remote string, req identity.ResponseRequest) (identity.SessionGrant, error)
	ServerDID() string
	Config() identity.HandshakeConfig
}

// maxHandshakeBytes bounds the open handshake bodies far below the API's
// limit: they are read before anyone is authenticated.
const maxHandshakeBytes = 4 << 10

// identityRoutes registers the registry and handshake routes.
func (s *Server) identityRoutes() {
	if s.o.Handshake != nil {
		s.route("POST /v1/identity/challenge", "", s.postChallenge)
		s.route("POST /v1/identity/response", "", s.postResponse)
		s.route("GET /v1/identity/server", permRead, s.getIdentityServer)
	}
	if s.o.Identity != nil {
		s.route("POST /v1/identity/agents", permAdmin, s.postAgent)
		s.route("GET /v1/identity/agents", permRead, s.listAgents)
		s.route("GET /v1/identity/agents/{id}", permRead, s.getAgent)
		s.route("POST /v1/identity/agents/{id}/keys", permAdmin, s.postAgentKey)
	}
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// handshakeError maps handshake outcomes to problems.
func handshakeError(err error) error {
	var fe *identity.FieldError
	switch {
	case errors.As(err, &fe):
		return badField(fe.Field, "%s", fe.Problem)
	case errors.Is(err, identity.ErrRateLimited):
		return &problemError{status: http.StatusTooManyRequests, typ: probRateLimited, title: "Too many requests",
			detail: "too many handshake requests from this peer or overall; retry later"}
	case errors.Is(err, identity.ErrBusy):
		return &problemError{status: http.StatusTooManyRequests, typ: probRateLimited, title: "Too many requests",
			detail: "too many outstanding handshakes; retry later"}
	case errors.Is(err, identity.ErrHandshake):
		return unauthenticated("the response does not prove the agent's key for a live challenge")
	}
	return err
}

func (s *Server) postChallenge(w http.ResponseWriter, r *http.Request) error {
	var req identity.ChallengeRequest
	if err := decodeJSON(r, &req, maxHandshakeBytes); err != nil {
		return err
	}
	ch, err := s.o.Handshake.Challenge(r.Context(), remoteHost(r), req)
	if err != nil {
		return handshakeError(err)
	}
	writeJSON(w, http.StatusCreated, ch)
	return nil
}

func (s *Server) postResponse(w http.ResponseWriter, r *http.Request) error {
	var req identity.ResponseRequest
	if err := decodeJSON(r, &req, maxHandshakeBytes); err != nil {
		return err
	}
	g, err := s.o.Handshake.Respond(r.Context(), remoteHost(r), req)
	if err != nil {
		return handshakeError(err)
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

func (s *Server) getIdentityServer(w http.ResponseWriter, r *http.Request) error {
	c := s.o.Handshake.Config()
	writeJSON(w, http.StatusOK, map[string]any{"did": s.o.Handshake.ServerDID(), "audience": c.Audience,
		"challenge_ttl": c.ChallengeTTL.String(), "session_ttl": c.SessionTTL.String()})
	return nil
}

// parsePublicKey accepts a did:key or an unpadded base64url key.
func parsePublicKey(field, v string) (ed25519.PublicKey, error) {
	if v == "" {
		return nil, badField(field, "is required: a did:key or a base64url Ed25519 public key")
	}
	if strings.HasPrefix(v, "did:") {
		pub, err := identity.PublicKeyFromDID(v)
		if err != nil {
			return nil, badField(field, "%v", err)
		}
		return pub, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, badField(field, "must be a did:key or %d bytes of unpadded base64url", ed25519.PublicKeySize)
	}
	return b, nil
}

func registryError(err error) error {
	var fe *identity.FieldError
	switch {
	case errors.As(err, &fe):
		return badField(fe.Field, "%s", fe.Problem)
	case errors.Is(err, identity.ErrUnknownAgent):
		return badField("agent", "%v", err)
	case errors.Is(err, store.ErrNotFound):
		return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: err.Error()}
	case errors.Is(err, identity.ErrAlreadyRegistered), errors.Is(err, store.ErrConflict):
		return &problemError{status: http.StatusConflict, typ: probConflict, title: "Conflict", detail: err.Error()}
	}
	return err
}

func (s *Server) postAgent(w http.ResponseWriter, r *http.Request) error {
	var req api.AgentRegistration
	if err := decodeJSON(r, &req, s.o.MaxRequestBytes); err != nil {
		return err
	}
	if req.Agent == "" {
		return badField("agent", "is required")
	}
	pub, err := parsePublicKey("public_key", req.PublicKey)
	if err != nil {
		return err
	}
	ctx := identity.WithSource(r.Context(), principalFrom(r.Context()).source())
	a, err := s.o.Identity.Register(ctx, req.Agent, pub)
	if err != nil {
		return registryError(err)
	}
	w.Header().Set("Location", "/v1/identity/agents/"+a.ID)
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) postAgentKey(w http.ResponseWriter, r *http.Request) error {
	var req api.AgentKeyRotation
	if err := decodeJSON(r, &req, s.o.MaxRequestBytes); err != nil {
		return err
	}
	pub, err := parsePublicKey("public_key", req.PublicKey)
	if err != nil {
		return err
	}
	ctx := identity.WithSource(r.Context(), principalFrom(r.Context()).source())
	a, err := s.o.Identity.RotateKey(ctx, r.PathValue("id"), pub)
	if err != nil {
		return registryError(err)
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	l, err := s.o.Identity.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"agents": l})
	return nil
}

func (s *Server) getAgent(w http.ResponseWriter, r *http.Request) error {
	a, err := s.o.Identity.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return registryError(err)
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}
