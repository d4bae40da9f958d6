package memory

import (
	"testing"

	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestKillsConformance(t *testing.T) {
	storetest.RunKills(t, func(*testing.T) storetest.KillStore { return NewKills() })
}
