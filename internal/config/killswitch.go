package config

import (
	"time"
)

// Killswitch configures automatic kills and the quarantine timeout. It is
// one top-level section rather than a profile key: the thresholds are the
// deployment's incident-response policy, applied the same way to every
// agent, and as scalars they can be overridden from the environment
// (AGENTGOV_KILLSWITCH_RING_BREACHES, ...) in an incident without editing
// the file. Zero counts and a zero quarantine timeout switch a trigger off.
type Killswitch struct {
	// RingBreaches ring breaches by one agent within RingBreachWindow kill
	// it (reason RING_BREACH).
	RingBreaches     int64    `yaml:"ring_breaches"`
	RingBreachWindow Duration `yaml:"ring_breach_window"`
	// RateLimitDenials rate-limit denials of one agent within
	// RateLimitWindow kill it (reason RATE_LIMIT).
	RateLimitDenials int64    `yaml:"rate_limit_denials"`
	RateLimitWindow  Duration `yaml:"rate_limit_window"`
	// KillOnSessionTimeout kills a session (that agent's session only)
	// whose limits.timeout has passed (reason SESSION_TIMEOUT).
	KillOnSessionTimeout bool `yaml:"kill_on_session_timeout"`
	// QuarantineTimeout kills an agent that has stayed quarantined this
	// long (reason QUARANTINE_TIMEOUT).
	QuarantineTimeout Duration `yaml:"quarantine_timeout"`
}

func defaultKillswitch() Killswitch {
	return Killswitch{RingBreachWindow: Duration{time.Minute}, RateLimitWindow: Duration{time.Minute}}
}

const (
	maxTripCount     = 100000
	minTripWindow    = time.Second
	maxTripWindow    = 24 * time.Hour
	maxQuarantineFor = 30 * 24 * time.Hour
)

func (c *Config) killswitchProblems(add func(field, format string, args ...any)) {
	k := &c.Killswitch
	for _, n := range []struct {
		key string
		v   int64
	}{{"killswitch.ring_breaches", k.RingBreaches}, {"killswitch.rate_limit_denials", k.RateLimitDenials}} {
		if n.v < 0 || n.v > maxTripCount {
			add(n.key, "must be between 0 (off) and %d, got %d", maxTripCount, n.v)
		}
	}
	for _, w := range []struct {
		key string
		d   time.Duration
	}{{"killswitch.ring_breach_window", k.RingBreachWindow.Duration}, {"killswitch.rate_limit_window", k.RateLimitWindow.Duration}} {
		if w.d < minTripWindow || w.d > maxTripWindow {
			add(w.key, "must be between %s and %s, got %s", shortDuration(minTripWindow), shortDuration(maxTripWindow), w.d)
		}
	}
	if d := k.QuarantineTimeout.Duration; d != 0 && (d < time.Second || d > maxQuarantineFor) {
		add("killswitch.quarantine_timeout", "must be 0s (never) or between 1s and 720h, got %s", d)
	}
}
