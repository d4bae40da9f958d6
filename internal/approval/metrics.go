package approval

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the approval service's Prometheus collectors; a nil
// *Metrics records nothing.
type Metrics struct {
	opened   prometheus.Counter
	votes    *prometheus.CounterVec
	resolved *prometheus.CounterVec
	fatigue  *prometheus.CounterVec
	consumed prometheus.Counter
}

// NewMetrics registers the approval collectors.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		opened: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentgov_approval_requests_total", Help: "Approval requests opened for escalated actions.",
		}),
		votes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentgov_approval_votes_total", Help: "Votes that counted, by vote (approve, deny).",
		}, []string{"vote"}),
		resolved: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentgov_approval_resolutions_total", Help: "Approval requests resolved, by state (approved, denied, expired).",
		}, []string{"state"}),
		fatigue: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentgov_approval_fatigue_flags_total", Help: "Approvals flagged by fatigue detection, by flag.",
		}, []string{"flag"}),
		consumed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentgov_approval_consumptions_total", Help: "Approved actions allowed by a re-check (each approval once).",
		}),
	}
	reg.MustRegister(m.opened, m.votes, m.resolved, m.fatigue, m.consumed)
	return m
}

func (m *Metrics) open() {
	if m != nil {
		m.opened.Inc()
	}
}

func (m *Metrics) vote(v string, flags []string) {
	if m == nil {
		return
	}
	m.votes.WithLabelValues(v).Inc()
	for _, f := range flags {
		m.fatigue.WithLabelValues(f).Inc()
	}
}

func (m *Metrics) resolve(state string) {
	if m != nil {
		m.resolved.WithLabelValues(state).Inc()
	}
}

func (m *Metrics) consume() {
	if m != nil {
		m.consumed.Inc()
	}
}
