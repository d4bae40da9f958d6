package gate

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gate's Prometheus collectors; a nil *Metrics records
// nothing.
type Metrics struct {
	decisions *prometheus.CounterVec
	duration  prometheus.Histogram
	breaches  prometheus.Counter
}

// NewMetrics registers the gate's collectors.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentgov_gate_decisions_total", Help: "Gate decisions by intervention point and verdict.",
		}, []string{"point", "decision"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "agentgov_gate_check_duration_seconds", Help: "Time to decide and record one check.",
			Buckets: prometheus.ExponentialBuckets(0.000002, 2, 18),
		}),
		breaches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentgov_gate_ring_breaches_total", Help: "Attempts to use a tool beyond the agent's ring.",
		}),
	}
	reg.MustRegister(m.decisions, m.duration, m.breaches)
	return m
}

func (m *Metrics) observe(point, decision string, d time.Duration) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(point, decision).Inc()
	m.duration.Observe(d.Seconds())
}

func (m *Metrics) ringBreach() {
	if m == nil {
		return
	}
	m.breaches.Inc()
}
