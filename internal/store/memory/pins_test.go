package memory

import (
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestPinsConformance(t *testing.T) {
	storetest.RunPins(t, func(*testing.T) store.Pins { return NewPins() })
}
