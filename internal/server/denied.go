package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
)

// probRateLimited is the problem type of a refused handshake flood (the
// conflict type, probConflict, is shared with the lifecycle routes).
const probRateLimited = "urn:agentgov:problem:rate-limited"

// AccessDeniedType is the audit entry type of a refused request.
const AccessDeniedType = "access_denied"

// Bounds of denial recording. A flood of bad requests must not fill the
// log: each remote host may write one access_denied entry per second
// (burst 5), all remotes together 20 per second (burst 50), and the table
// of per-remote limiters holds at most maxDenyRemotes hosts (idle ones are
// forgotten first; when it is full of active ones, new remotes share the
// global budget only). Refusals beyond the budget are still refused and
// logged to the process log at debug level and counted in
// agentgov_access_denied_unrecorded_total.
const (
	denyPerRemote   = 1
	denyRemoteBurst = 5
	denyGlobal      = 20
	denyGlobalBurst = 50
	maxDenyRemotes  = 4096
)

type denyLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

// deniedRecorder writes rate-limited access_denied audit entries.
type deniedRecorder struct {
	log AuditLog
	// remoteRate and remoteBurst shape each remote's budget.
	remoteRate  rate.Limit
	remoteBurst int
	global      *rate.Limiter
	now         func() time.Time
	mu          sync.Mutex
	remotes     map[string]*denyLimiter
	lastSweep   time.Time
	recorded    *prometheus.CounterVec
	unrecorded  prometheus.Counter
}

func newDeniedRecorder(log AuditLog, reg *prometheus.Registry, now func() time.Time) *deniedRecorder {
	d := &deniedRecorder{log: log, now: now, remoteRate: denyPerRemote, remoteBurst: denyRemoteBurst, global: rate.NewLimiter(denyGlobal, denyGlobalBurst), remotes: map[string]*denyLimiter{},
		recorded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "agentgov_access_denied_total",
			Help: "Requests refused as unauthenticated (401) or unauthorised (403)."}, []string{"status"}),
		unrecorded: prometheus.NewCounter(prometheus.CounterOpts{Name: "agentgov_access_denied_unrecorded_total",
			Help: "Refused requests not written to the audit log because the denial-recording budget was spent."}),
	}
	if d.now == nil {
		d.now = time.Now
	}
	reg.MustRegister(d.recorded, d.unrecorded)
	return d
}

// allow spends one unit of the remote's and the global budget.
func (d *deniedRecorder) allow(remote string) bool {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.remotes[remote]
	if !ok {
		// A full table is scanned at most once a second: a flood from
		// many hosts costs a lookup each, not a scan each.
		if len(d.remotes) >= maxDenyRemotes && now.Sub(d.lastSweep) >= time.Second {
			d.lastSweep = now
			for k, v := range d.remotes {
				if now.Sub(v.seen) > denyRemoteBurst*time.Second {
					delete(d.remotes, k)
				}
			}
		}
		if len(d.remotes) < maxDenyRemotes {
			l = &denyLimiter{lim: rate.NewLimiter(d.remoteRate, d.remoteBurst)}
			d.remotes[remote] = l
		}
	}
	if l != nil {
		l.seen = now
		if !l.lim.AllowN(now, 1) {
			return false
		}
	}
	return d.global.AllowN(now, 1)
}

// record writes the refusal of r with problem p, within budget.
func (d *deniedRecorder) record(r *http.Request, pr Principal, p *problemError) {
	d.recorded.WithLabelValues(http.StatusText(p.status)).Inc()
	if !d.allow(remoteHost(r)) {
		d.unrecorded.Inc()
		return
	}
	path := r.URL.Path
	if len(path) > 200 {
		path = path[:200] + "..."
	}
	agent := pr.Agent
	if agent == "" {
		agent = "agentgov"
	}
	who := "unauthenticated"
	if pr.Kind != "" {
		who = pr.source()
	}
	payload, _ := json.Marshal(map[string]any{"method": r.Method, "path": path, "status": p.status,
		"remote": remoteHost(r), "principal": who, "detail": p.detail})
	// The entry is agentgov's record of the refusal; it is written with the
	// request's context detached so that a caller hanging up early cannot
	// suppress it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	_, _ = d.log.Append(ctx, &api.Event{Type: AccessDeniedType, Agent: agent, Action: r.Method + " " + path,
		Decision: "deny", Reason: http.StatusText(p.status), Payload: payload}, audit.SourceAgentgov)
}

// noteDenied records a 401 or 403 a handler returned.
func (s *Server) noteDenied(r *http.Request, err error) {
	var p *problemError
	if errors.As(err, &p) && (p.status == http.StatusUnauthorized || p.status == http.StatusForbidden) {
		s.denied.record(r, principalFrom(r.Context()), p)
	}
}
