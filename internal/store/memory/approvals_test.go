package memory

import (
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestApprovalsConformance(t *testing.T) {
	storetest.RunApprovals(t, func(*testing.T) store.Approvals { return New() })
}
