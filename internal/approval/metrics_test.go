package approval

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store/memory"
)

func TestMetricsCount(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	clock := newClock()
	s, err := New(Options{Store: memory.New(), Recorder: &events{}, Config: Config{Quorum: 1, Fatigue: Fatigue{MinDecisionTime: 10e9}}, Clock: clock, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	id, _ := s.Open(ctx, action)
	if _, err := s.Vote(ctx, id, approver("alice"), api.VoteApprove, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Consume(ctx, id, action); err != nil {
		t.Fatal(err)
	}
	s.Open(ctx, action)
	clock.Advance(DefaultTimeout)
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += ":" + l.GetValue()
			}
			got[name] = m.GetCounter().GetValue()
		}
	}
	for name, want := range map[string]float64{
		"agentgov_approval_requests_total": 2, "agentgov_approval_votes_total:approve": 1,
		"agentgov_approval_resolutions_total:approved": 1, "agentgov_approval_resolutions_total:expired": 1,
		"agentgov_approval_fatigue_flags_total:fatigue:fast": 1, "agentgov_approval_consumptions_total": 1,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
}
