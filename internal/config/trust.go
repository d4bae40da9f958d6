package config

import (
	"slices"
	"strings"
	"time"
)

// Trust configures the one trust score (package trust): how fast it decays
// toward the default, how often changed scores are written, and what each
// signal from the gate is worth.
type Trust struct {
	// HalfLife is how long, without signals, it takes the distance
	// between a score and the default (500) to halve.
	HalfLife Duration `yaml:"half_life"`
	// FlushInterval bounds how long a changed score waits in memory
	// before it is written to the store (at most this much score drift
	// is lost in a crash; tier changes are in the audit log at once).
	FlushInterval Duration     `yaml:"flush_interval"`
	Weights       TrustWeights `yaml:"weights"`
}

// TrustWeights are the points a signal moves a score by: Clean is gained
// (at the default score, less above it), the others are lost.
type TrustWeights struct {
	Clean        int64 `yaml:"clean"`
	Denial       int64 `yaml:"denial"`
	RingBreach   int64 `yaml:"ring_breach"`
	Injection    int64 `yaml:"injection"`
	Exfiltration int64 `yaml:"exfiltration"`
}

// Delegation configures the verification of delegation chains.
type Delegation struct {
	// MaxDepth is the most links a chain may have.
	MaxDepth int64 `yaml:"max_depth"`
	// CacheSize bounds the caches of verified tokens and chains.
	CacheSize int64 `yaml:"cache_size"`
	// ResolveTTL is how long a chain's resolution of keys to agents is
	// reused before the registry is asked again.
	ResolveTTL Duration `yaml:"resolve_ttl"`
}

func defaultTrust() Trust {
	return Trust{HalfLife: Duration{7 * 24 * time.Hour}, FlushInterval: Duration{time.Second},
		Weights: TrustWeights{Clean: 1, Denial: 10, RingBreach: 50, Injection: 100, Exfiltration: 150}}
}

func defaultDelegation() Delegation {
	return Delegation{MaxDepth: 5, CacheSize: 8192, ResolveTTL: Duration{30 * time.Second}}
}

// TrustTiers are the tier names, lowest first (package trust owns their
// meaning).
var TrustTiers = []string{"untrusted", "probationary", "standard", "trusted", "verified_partner"}

func checkTier(path, tier string, add func(field, format string, args ...any)) {
	if tier != "" && !slices.Contains(TrustTiers, tier) {
		add(path, "must be one of %s", strings.Join(TrustTiers, ", "))
	}
}

func (c *Config) trustProblems(add func(field, format string, args ...any)) {
	t := &c.Trust
	if d := t.HalfLife.Duration; d < time.Minute || d > 365*24*time.Hour {
		add("trust.half_life", "must be between 1m and 8760h, got %s", d)
	}
	if d := t.FlushInterval.Duration; d < 100*time.Millisecond || d > time.Minute {
		add("trust.flush_interval", "must be between 100ms and 1m, got %s", d)
	}
	w := &t.Weights
	if w.Clean < 0 || w.Clean > 100 {
		add("trust.weights.clean", "must be between 0 and 100, got %d", w.Clean)
	}
	for _, p := range []struct {
		key string
		v   int64
	}{{"denial", w.Denial}, {"ring_breach", w.RingBreach}, {"injection", w.Injection}, {"exfiltration", w.Exfiltration}} {
		switch {
		case p.v < 0 || p.v > 1000:
			add("trust.weights."+p.key, "must be between 0 (off) and 1000, got %d", p.v)
		case p.v != 0 && p.v <= w.Clean:
			add("trust.weights."+p.key, "must be greater than trust.weights.clean (%d): trust is lost faster than it is earned", w.Clean)
		}
	}
	d := &c.Delegation
	if d.MaxDepth < 1 || d.MaxDepth > 16 {
		add("delegation.max_depth", "must be between 1 and 16, got %d", d.MaxDepth)
	}
	if d.CacheSize < 16 || d.CacheSize > 1_000_000 {
		add("delegation.cache_size", "must be between 16 and 1000000, got %d", d.CacheSize)
	}
	if r := d.ResolveTTL.Duration; r < time.Second || r > time.Hour {
		add("delegation.resolve_ttl", "must be between 1s and 1h, got %s", r)
	}
}
