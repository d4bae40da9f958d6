package config

import (
	"strings"
	"testing"
	"time"
)

func TestTrustAndDelegationRules(t *testing.T) {
	cases := []struct {
		name  string
		mut   func(*Config)
		field string
	}{
		{"defaults", func(*Config) {}, ""},
		{"half life too short", func(c *Config) { c.Trust.HalfLife.Duration = time.Second }, "trust.half_life"},
		{"flush too slow", func(c *Config) { c.Trust.FlushInterval.Duration = time.Hour }, "trust.flush_interval"},
		{"clean negative", func(c *Config) { c.Trust.Weights.Clean = -1 }, "trust.weights.clean"},
		{"symmetric", func(c *Config) { c.Trust.Weights.Clean = 10 }, "trust.weights.denial"},
		{"penalty off", func(c *Config) { c.Trust.Weights.Injection = 0 }, ""},
		{"penalty too big", func(c *Config) { c.Trust.Weights.Exfiltration = 1001 }, "trust.weights.exfiltration"},
		{"depth zero", func(c *Config) { c.Delegation.MaxDepth = 0 }, "delegation.max_depth"},
		{"depth above 16", func(c *Config) { c.Delegation.MaxDepth = 17 }, "delegation.max_depth"},
		{"cache tiny", func(c *Config) { c.Delegation.CacheSize = 1 }, "delegation.cache_size"},
		{"resolve ttl", func(c *Config) { c.Delegation.ResolveTTL.Duration = 0 }, "delegation.resolve_ttl"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			c.mut(cfg)
			err := cfg.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("got %v, want a problem with %s", err, c.field)
			}
		})
	}
}

func TestMinTrustTierKeys(t *testing.T) {
	src := `
tools:
  payments: {ring: 3, permission: write, min_trust_tier: trusted}
defaults: {role: WRITER, ring: 3}
agents:
  a: {min_trust_tier: probationary}
  b: {}
`
	c := mustLoad(t, Options{File: writeConfig(t, src)})
	if c.Tools["payments"].MinTrustTier != "trusted" || c.Agents["a"].MinTrustTier != "probationary" {
		t.Fatalf("%+v %+v", c.Tools["payments"], c.Agents["a"])
	}
	expectErr(t, Options{File: writeConfig(t, "defaults: {role: WRITER, ring: 3, min_trust_tier: Trusted}\n")},
		"FILE:1:51: defaults.min_trust_tier: must be one of untrusted, probationary, standard, trusted, verified_partner")
}
