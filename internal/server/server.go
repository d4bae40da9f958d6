// Package server is agentgov's HTTP API: the /v1 routes, bearer-token
// authentication with roles, request limits, RFC 9457 problem responses,
// health, readiness and Prometheus metrics. It holds no state of its own;
// everything it serves comes from the components handed to New.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
)

// AuditLog is what the server needs of the audit log.
type AuditLog interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
	Erase(ctx context.Context, index int64, reason, source string) (int64, error)
	Entry(ctx context.Context, index int64) (api.Entry, error)
	Query(ctx context.Context, q audit.Query) (api.EntryPage, error)
	Checkpoint(ctx context.Context) (audit.Checkpoint, error)
	CheckpointAt(ctx context.Context, size int64) (audit.Checkpoint, error)
	InclusionProof(ctx context.Context, index, size int64) (api.InclusionProof, error)
	ConsistencyProof(ctx context.Context, from, to int64) (api.ConsistencyProof, error)
}

// Check is one readiness condition.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Options configure New.
type Options struct {
	Audit       AuditLog
	Tokens      []Token
	VerifierKey string
	// MaxRequestBytes bounds every request body.
	MaxRequestBytes int64
	Ready           []Check
	Registry        *prometheus.Registry
	Logger          *slog.Logger
	// Gate decides /v1/check requests; nil disables the check routes.
	Gate Checker
	// Reload re-reads the configuration (POST /v1/admin/reload).
	Reload Reloader
	// MCPPins approves MCP tool definitions (the /v1/mcp/pins routes,
	// mcppins.go); nil leaves the routes out.
	MCPPins MCPPins
	// SVID issues X.509-SVIDs (POST /v1/identity/svid, svid.go); nil
	// leaves the route out.
	SVID SVIDIssuer
	// Approvals serves /v1/approvals; nil disables those routes.
	Approvals ApprovalService
	// WebhookKey is published at GET /v1/approvals/webhook-key.
	WebhookKey *WebhookKey
	// Identity is the agent registry (the /v1/identity/agents routes);
	// Handshake the challenge-response handshake and its sessions.
	Identity  Registry
	Handshake Handshake
	// TrustDomain is the SPIFFE trust domain whose agent SVIDs, presented
	// as verified TLS client certificates, authenticate agents.
	TrustDomain string
	// SVIDRevocations, if set, re-checks a client SVID on every request,
	// so that a revocation ends the access of connections already open.
	SVIDRevocations SVIDRevocations
	// Anonymous treats a loopback caller without credentials as an ADMIN:
	// only for a server with no authentication configured at all.
	Anonymous bool
	// Kills is the kill switch (the /v1/kill routes and the kill stream)
	// and Lifecycle the agent lifecycle (/v1/agents/{id}/state); nil
	// leaves their routes out. StreamHeartbeat is the idle interval of
	// the kill stream (default 15s).
	Kills           KillSwitch
	Lifecycle       Lifecycle
	StreamHeartbeat time.Duration
	// Trust serves /v1/trust/{agent} and Delegations /v1/delegations
	// (trust.go); nil leaves their routes out.
	Trust       TrustService
	Delegations DelegationService
	// Sagas runs HTTP sagas (/v1/sagas, sagas.go); nil leaves the routes
	// out.
	Sagas SagaService
	// Keys rotates agentgov's keys (POST /v1/admin/keys/rotate, keys.go);
	// nil leaves the route out.
	Keys KeyRotator
}

// Server is the HTTP handler of the API.
type Server struct {
	o       Options
	auth    *authenticator
	denied  *deniedRecorder
	mux     *http.ServeMux
	log     *slog.Logger
	metrics *httpMetrics
	streams streams
}

// New builds the handler.
func New(o Options) (*Server, error) {
	if o.Audit == nil || o.Registry == nil {
		return nil, errors.New("server: an audit log and a metrics registry are required")
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = 1 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := newAuthenticator(o.Tokens)
	if err != nil {
		return nil, err
	}
	a.trustDomain, a.anonymous = o.TrustDomain, o.Anonymous
	a.svids = newSVIDCheck(o.SVIDRevocations)
	if o.Handshake != nil {
		a.sessions = o.Handshake
	}
	s := &Server{o: o, auth: a, mux: http.NewServeMux(), log: o.Logger, metrics: newHTTPMetrics(o.Registry)}
	s.denied = newDeniedRecorder(o.Audit, o.Registry, nil)
	s.routes()
	return s, nil
}

// DiagnosticHandler serves only /healthz, /readyz and /metrics, for a
// separate listener that monitoring can reach without reaching the API.
func (s *Server) DiagnosticHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	return mux
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.o.Registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError)})
}

// route registers a handler that requires perm ("" = open).
func (s *Server) route(pattern, perm string, h func(http.ResponseWriter, *http.Request) error) {
	s.mux.Handle(pattern, s.metrics.wrap(pattern, s.guard(perm, h)))
}

func (s *Server) routes() {
	s.mux.Handle("GET /healthz", s.metrics.wrap("GET /healthz", http.HandlerFunc(s.healthz)))
	s.mux.Handle("GET /readyz", s.metrics.wrap("GET /readyz", http.HandlerFunc(s.readyz)))
	s.mux.Handle("GET /metrics", s.metricsHandler())

	s.route("POST /v1/audit/events", permWrite, s.postEvent)
	s.route("GET /v1/audit/entries", permAudit, s.listEntries)
	s.route("GET /v1/audit/entries/{index}", permAudit, s.getEntry)
	s.route("POST /v1/audit/entries/{index}/erasure", permAdmin, s.eraseEntry)
	s.route("GET /v1/audit/checkpoint", permRead, s.getCheckpoint)
	s.route("GET /v1/audit/pubkey", permRead, s.getPubkey)
	s.route("GET /v1/audit/proof/inclusion", permRead, s.inclusionProof)
	s.route("GET /v1/audit/proof/consistency", permRead, s.consistencyProof)
	if s.o.Gate != nil {
		s.route("POST /v1/check", permCheck, s.postCheck)
		s.route("POST /v1/check/batch", permCheck, s.postCheckBatch)
		s.route("POST /v1/admin/reload", permAdmin, s.postReload)
	}
	s.approvalRoutes()
	s.identityRoutes()
	s.svidRoutes()
	s.killRoutes()
	s.trustRoutes()
	s.sagaRoutes()
	s.keyRoutes()
	s.mcpPinRoutes()
	// Everything else is a problem+json 404 or 405, not the mux's plain
	// text. The catch-all shadows the mux's own 405 logic, so it probes the
	// other methods itself.
	s.route("/", "", func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
			if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return &problemError{status: http.StatusMethodNotAllowed, typ: probMethod, title: "Method not allowed",
				detail: r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + strings.Join(allow, ", ")}
		}
		return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: "no route for " + r.Method + " " + r.URL.Path}
	})
}

// ServeHTTP implements http.Handler and sets headers every response
// carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// guard authenticates and authorises, limits the body, runs h and renders
// its error.
func (s *Server) guard(perm string, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if perm != "" {
			p, perr := s.auth.authenticate(r)
			if perr == nil && !p.can(perm) {
				perr = &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden",
					detail: "role " + string(p.Role) + " may not " + perm}
			}
			if perr != nil {
				if perr.status == http.StatusUnauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="agentgov"`)
				}
				s.log.Info("request refused", "method", r.Method, "path", r.URL.Path, "status", perr.status, "remote", r.RemoteAddr)
				s.denied.record(r, p, perr)
				writeProblem(w, r, perr)
				return
			}
			r = r.WithContext(withPrincipal(r.Context(), p))
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.o.MaxRequestBytes)
		if err := h(w, r); err != nil {
			s.noteDenied(r, err)
			s.renderError(w, r, err)
		}
	})
}

// renderError maps domain errors to problems. Unknown errors are 500s whose
// detail is logged, not sent: it may name internals.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var p *problemError
	var fe *audit.FieldError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &fe):
		p = fieldProblem(fe.Field, "%s", fe.Problem)
	case errors.Is(err, audit.ErrNotFound):
		p = &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: err.Error()}
	case errors.Is(err, audit.ErrNotCovered):
		p = &problemError{status: http.StatusConflict, typ: probNotCovered, title: "Not covered by a checkpoint", detail: err.Error()}
	case errors.Is(err, audit.ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		p = &problemError{status: http.StatusServiceUnavailable, typ: probUnavailable, title: "Unavailable", detail: "the server is shutting down or the request timed out"}
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p = &problemError{status: http.StatusInternalServerError, typ: probInternal, title: "Internal error", detail: "the request failed; the server log has the cause"}
	}
	writeProblem(w, r, p)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	ready := true
	for _, c := range s.o.Ready {
		if err := c.Fn(ctx); err != nil {
			checks[c.Name] = err.Error()
			ready = false
		} else {
			checks[c.Name] = "ok"
		}
	}
	status, code := "ready", http.StatusOK
	if !ready {
		status, code = "not ready", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"status": status, "checks": checks})
}

func (s *Server) postEvent(w http.ResponseWriter, r *http.Request) error {
	var ev api.Event
	if err := decodeJSON(r, &ev, s.o.MaxRequestBytes); err != nil {
		return err
	}
	idx, err := s.o.Audit.Append(r.Context(), &ev, principalFrom(r.Context()).source())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/audit/entries/"+strconv.FormatInt(idx, 10))
	writeJSON(w, http.StatusCreated, api.EventAccepted{Index: idx})
	return nil
}

func (s *Server) listEntries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "agent", "session", "type", "decision", "since", "until", "limit", "cursor"); err != nil {
		return err
	}
	aq := audit.Query{Agent: q.Get("agent"), Session: q.Get("session"), Type: q.Get("type"), Decision: q.Get("decision"), Cursor: q.Get("cursor")}
	var err error
	if aq.Since, err = timeParam(q.Get("since"), "since"); err != nil {
		return err
	}
	if aq.Until, err = timeParam(q.Get("until"), "until"); err != nil {
		return err
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > audit.MaxQueryLimit {
			return badField("limit", "must be an integer between 1 and %d", audit.MaxQueryLimit)
		}
		aq.Limit = n
	}
	page, err := s.o.Audit.Query(r.Context(), aq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getEntry(w http.ResponseWriter, r *http.Request) error {
	idx, err := indexParam(r.PathValue("index"), "index")
	if err != nil {
		return err
	}
	e, err := s.o.Audit.Entry(r.Context(), idx)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) eraseEntry(w http.ResponseWriter, r *http.Request) error {
	idx, err := indexParam(r.PathValue("index"), "index")
	if err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &body, s.o.MaxRequestBytes); err != nil {
		return err
	}
	if body.Reason == "" {
		return badField("reason", "is required")
	}
	// The erasure entry is agentgov's own record; who asked is kept in it.
	ei, err := s.o.Audit.Erase(r.Context(), idx, body.Reason+" (requested by "+principalFrom(r.Context()).source()+")", audit.SourceAgentgov)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, api.EventAccepted{Index: ei})
	return nil
}

func (s *Server) getCheckpoint(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "size"); err != nil {
		return err
	}
	var cp audit.Checkpoint
	var err error
	if v := q.Get("size"); v != "" {
		size, perr := indexParam(v, "size")
		if perr != nil {
			return perr
		}
		cp, err = s.o.Audit.CheckpointAt(r.Context(), size)
	} else {
		cp, err = s.o.Audit.Checkpoint(r.Context())
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(cp.Note)
	return nil
}

func (s *Server) getPubkey(w http.ResponseWriter, r *http.Request) error {
	return s.writePubkey(w, r)
}

func (s *Server) inclusionProof(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "index", "tree_size"); err != nil {
		return err
	}
	idx, err := indexParam(q.Get("index"), "index")
	if err != nil {
		return err
	}
	var size int64
	if v := q.Get("tree_size"); v != "" {
		if size, err = indexParam(v, "tree_size"); err != nil {
			return err
		}
		if size == 0 {
			return badField("tree_size", "must be at least 1")
		}
	}
	p, err := s.o.Audit.InclusionProof(r.Context(), idx, size)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) consistencyProof(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "from", "to"); err != nil {
		return err
	}
	from, err := indexParam(q.Get("from"), "from")
	if err != nil {
		return err
	}
	to, err := indexParam(q.Get("to"), "to")
	if err != nil {
		return err
	}
	p, err := s.o.Audit.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
