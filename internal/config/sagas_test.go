package config

import (
	"strings"
	"testing"
	"time"
)

const sagaAgents = `
agents:
  billing-bot: {role: WRITER, ring: 3}
  billing-standby: {role: WRITER, ring: 3}
`

func TestSagasSection(t *testing.T) {
	cfg := mustLoad(t, Options{File: writeConfig(t, `
sagas:
  step_timeout: 5s
  compensation_attempts: 9
  substitutes:
    billing-bot: billing-standby
`+sagaAgents)})
	if cfg.Sagas.StepTimeout.Duration != 5*time.Second || cfg.Sagas.CompensationAttempts != 9 ||
		cfg.Sagas.Substitutes["billing-bot"] != "billing-standby" || cfg.Sagas.Timeout.Duration != time.Hour {
		t.Fatalf("%+v", cfg.Sagas)
	}
	env := mustLoad(t, Options{File: writeConfig(t, sagaAgents), LookupEnv: envOf("AGENTGOV_SAGAS_BACKOFF_MAX", "2m")})
	if env.Sagas.BackoffMax.Duration != 2*time.Minute {
		t.Fatalf("env override: %+v", env.Sagas)
	}

	for _, tc := range []struct{ yaml, want string }{
		{"sagas:\n  step_timeout: 2h\n", "sagas.step_timeout: must be between 100ms and 1h"},
		{"sagas:\n  compensation_attempts: 0\n", "sagas.compensation_attempts: must be between 1 and 100"},
		{"sagas:\n  backoff_initial: 10s\n  backoff_max: 1s\n", "sagas.backoff_max: must be at least sagas.backoff_initial"},
		{"sagas:\n  max_response_bytes: 10\n", "sagas.max_response_bytes: must be between"},
		{"sagas:\n  substitutes: {ghost: billing-standby}\n", `sagas.substitutes.ghost: is not an agent configured under agents`},
		{"sagas:\n  substitutes: {billing-bot: billing-bot}\n", "sagas.substitutes.billing-bot: must name another agent"},
		{"sagas:\n  substitutes: {billing-bot: ghost}\n", "sagas.substitutes.billing-bot: must name an agent configured under agents"},
		{"sagas:\n  substitutes: [a]\n", "sagas.substitutes"},
		{"sagas:\n  substitute: {}\n", `unknown key "substitute"; did you mean "substitutes"?`},
	} {
		_, err := Load(Options{File: writeConfig(t, tc.yaml+sagaAgents)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.yaml, err, tc.want)
		}
	}
}
