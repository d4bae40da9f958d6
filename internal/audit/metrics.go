package audit

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the audit log's Prometheus collectors. A nil *Metrics records
// nothing, so tests and embedders need not register any.
type Metrics struct {
	appends     prometheus.Counter
	failures    prometheus.Counter
	batchSize   prometheus.Histogram
	commitTime  prometheus.Histogram
	treeSize    prometheus.Gauge
	checkpoints prometheus.Counter
	cpSize      prometheus.Gauge
}

// NewMetrics registers the audit collectors with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		appends: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentgov_audit_appends_total", Help: "Audit entries durably appended.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentgov_audit_append_failures_total", Help: "Audit entries whose append failed and was not acknowledged.",
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "agentgov_audit_commit_batch_entries", Help: "Entries per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 13),
		}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "agentgov_audit_commit_duration_seconds", Help: "Time to stage and durably commit one batch.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16),
		}),
		treeSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "agentgov_audit_tree_size_entries", Help: "Entries in the audit log.",
		}),
		checkpoints: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentgov_audit_checkpoints_signed_total", Help: "Checkpoints signed.",
		}),
		cpSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "agentgov_audit_checkpoint_size_entries", Help: "Tree size of the latest signed checkpoint.",
		}),
	}
	reg.MustRegister(m.appends, m.failures, m.batchSize, m.commitTime, m.treeSize, m.checkpoints, m.cpSize)
	return m
}

func (m *Metrics) appended(n int, size int64, d time.Duration) {
	if m == nil {
		return
	}
	m.appends.Add(float64(n))
	m.batchSize.Observe(float64(n))
	m.commitTime.Observe(d.Seconds())
	m.treeSize.Set(float64(size))
}

func (m *Metrics) failed(n int) {
	if m == nil {
		return
	}
	m.failures.Add(float64(n))
}

func (m *Metrics) setSize(size int64) {
	if m == nil {
		return
	}
	m.treeSize.Set(float64(size))
}

func (m *Metrics) checkpointed(size int64) {
	if m == nil {
		return
	}
	m.checkpoints.Inc()
	m.cpSize.Set(float64(size))
}
