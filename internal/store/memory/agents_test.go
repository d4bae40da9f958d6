package memory

import (
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestAgentsConformance(t *testing.T) {
	storetest.RunAgents(t, func(*testing.T) store.Agents { return NewAgents() })
}
