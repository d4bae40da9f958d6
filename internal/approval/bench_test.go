package approval

import (
	"context"
	"testing"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// BenchmarkApprovalLifecycle is one escalation's full life on the memory
// store: open, one approval (quorum 1), consumption.
func BenchmarkApprovalLifecycle(b *testing.B) {
	s, err := New(Options{Store: memory.New(), Recorder: &events{}, Config: Config{Quorum: 1}, Clock: newClock()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	who := approver("alice")
	b.ReportAllocs()
	for b.Loop() {
		id, err := s.Open(ctx, action)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Vote(ctx, id, who, api.VoteApprove, ""); err != nil {
			b.Fatal(err)
		}
		if err := s.Consume(ctx, id, action); err != nil {
			b.Fatal(err)
		}
	}
}
