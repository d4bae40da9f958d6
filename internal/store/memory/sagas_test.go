package memory

import (
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestSagasConformance(t *testing.T) {
	storetest.RunSagas(t, func(*testing.T) store.Sagas { return New() })
}
