package config

import (
	"strings"
	"testing"
	"time"
)

func TestKillswitchValidation(t *testing.T) {
	cases := []struct {
		name  string
		set   func(*Killswitch)
		field string // "" = valid
	}{
		{"defaults", func(*Killswitch) {}, ""},
		{"on", func(k *Killswitch) {
			k.RingBreaches, k.RateLimitDenials, k.KillOnSessionTimeout, k.QuarantineTimeout = 3, 50, true, Duration{time.Hour}
		}, ""},
		{"negative breaches", func(k *Killswitch) { k.RingBreaches = -1 }, "killswitch.ring_breaches"},
		{"huge denials", func(k *Killswitch) { k.RateLimitDenials = maxTripCount + 1 }, "killswitch.rate_limit_denials"},
		{"tiny window", func(k *Killswitch) { k.RingBreachWindow = Duration{time.Millisecond} }, "killswitch.ring_breach_window"},
		{"zero window", func(k *Killswitch) { k.RateLimitWindow = Duration{} }, "killswitch.rate_limit_window"},
		{"long window", func(k *Killswitch) { k.RateLimitWindow = Duration{25 * time.Hour} }, "killswitch.rate_limit_window"},
		{"short quarantine", func(k *Killswitch) { k.QuarantineTimeout = Duration{time.Millisecond} }, "killswitch.quarantine_timeout"},
		{"negative quarantine", func(k *Killswitch) { k.QuarantineTimeout = Duration{-time.Second} }, "killswitch.quarantine_timeout"},
	}
	for _, c := range cases {
		cfg := Default()
		c.set(&cfg.Killswitch)
		err := cfg.Validate()
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.field != "" && (err == nil || !strings.Contains(err.Error(), c.field)):
			t.Errorf("%s: error %v, want one naming %s", c.name, err, c.field)
		}
	}
}

func TestKillswitchFromEnvironment(t *testing.T) {
	env := map[string]string{"AGENTGOV_KILLSWITCH_RING_BREACHES": "4", "AGENTGOV_KILLSWITCH_KILL_ON_SESSION_TIMEOUT": "true",
		"AGENTGOV_KILLSWITCH_QUARANTINE_TIMEOUT": "10m"}
	cfg, err := Load(Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	k := cfg.Killswitch
	if k.RingBreaches != 4 || !k.KillOnSessionTimeout || k.QuarantineTimeout.Duration != 10*time.Minute || k.RingBreachWindow.Duration != time.Minute {
		t.Fatalf("%+v", k)
	}
}
