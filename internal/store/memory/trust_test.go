package memory

import (
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestTrustConformance(t *testing.T) {
	storetest.RunTrust(t, func(*testing.T) store.Trust { return NewTrust() })
	storetest.RunDelegations(t, func(*testing.T) store.Delegations { return NewDelegations() })
}
