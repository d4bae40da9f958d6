package memory

import (
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunAudit(t, func(*testing.T) store.Audit { return New() })
	storetest.RunCertificates(t, func(*testing.T) store.Certificates { return New() })
}
