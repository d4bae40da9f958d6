package config

import (
	"slices"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Sagas configures the saga runner (multi-step agent workflows with
// compensations). Step endpoints are reached with outbound.tls.
type Sagas struct {
	// StepTimeout bounds one delivery of a step or compensation that sets
	// no timeout of its own; Timeout bounds a saga that sets none.
	StepTimeout Duration `yaml:"step_timeout"`
	Timeout     Duration `yaml:"timeout"`
	// CompensationAttempts deliveries of a failing compensation are made
	// before it is escalated to a human.
	CompensationAttempts int64 `yaml:"compensation_attempts"`
	// BackoffInitial and BackoffMax shape the delays between retries:
	// doubling from the initial delay up to the maximum, with jitter.
	BackoffInitial Duration `yaml:"backoff_initial"`
	BackoffMax     Duration `yaml:"backoff_max"`
	// MaxResponseBytes bounds the answer of a step endpoint.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
	// Substitutes maps an agent to the agent its sagas are handed to when
	// it is killed (a saga's own substitute comes first). File only.
	Substitutes map[string]string `yaml:"substitutes,omitempty"`
}

// sagaSubstitutesKey is the one map of the section; it is file-only.
const sagaSubstitutesKey = "sagas.substitutes"

func (l *loader) sagaSubstitutes(keyNode, val ast.Node) {
	l.prov[sagaSubstitutesKey] = l.fileOrigin(keyNode)
	if p := unsupported(val); p != "" {
		l.fail(sagaSubstitutesKey, val, p)
		return
	}
	if _, isNull := val.(*ast.NullNode); isNull {
		return
	}
	l.cfg.Sagas.Substitutes = nilIfEmpty(l.strMap(sagaSubstitutesKey, val))
}

func defaultSagas() Sagas {
	return Sagas{StepTimeout: Duration{30 * time.Second}, Timeout: Duration{time.Hour}, CompensationAttempts: 5,
		BackoffInitial: Duration{500 * time.Millisecond}, BackoffMax: Duration{30 * time.Second}, MaxResponseBytes: 1 << 20}
}

func (c *Config) sagaProblems(add func(field, format string, args ...any)) {
	s := &c.Sagas
	if d := s.StepTimeout.Duration; d < 100*time.Millisecond || d > time.Hour {
		add("sagas.step_timeout", "must be between 100ms and 1h, got %s", d)
	}
	if d := s.Timeout.Duration; d < time.Second || d > 7*24*time.Hour {
		add("sagas.timeout", "must be between 1s and 168h, got %s", d)
	}
	if n := s.CompensationAttempts; n < 1 || n > 100 {
		add("sagas.compensation_attempts", "must be between 1 and 100, got %d", n)
	}
	if d := s.BackoffInitial.Duration; d < time.Millisecond || d > time.Hour {
		add("sagas.backoff_initial", "must be between 1ms and 1h, got %s", d)
	}
	if d := s.BackoffMax.Duration; d < s.BackoffInitial.Duration || d > 24*time.Hour {
		add("sagas.backoff_max", "must be at least sagas.backoff_initial and at most 24h, got %s", d)
	}
	if n := s.MaxResponseBytes; n < 1<<10 || n > 64<<20 {
		add("sagas.max_response_bytes", "must be between %d (1 KiB) and %d (64 MiB), got %d", 1<<10, 64<<20, n)
	}
	agents := make([]string, 0, len(s.Substitutes))
	for a := range s.Substitutes {
		agents = append(agents, a)
	}
	slices.Sort(agents)
	for _, a := range agents {
		sub, p := s.Substitutes[a], memberPath(sagaSubstitutesKey, a)
		_, known := c.Agents[a]
		_, subKnown := c.Agents[sub]
		switch {
		case !known:
			add(p, "is not an agent configured under agents")
		case sub == a:
			add(p, "must name another agent: an agent cannot substitute for itself")
		case !subKnown:
			add(p, "must name an agent configured under agents")
		}
	}
}
