package config

import (
	"strings"
	"testing"
	"time"
)

func TestAuditKeyRotation(t *testing.T) {
	for _, tc := range []struct {
		src, env string
		want     time.Duration
		problem  string
	}{
		{src: "audit:\n  origin: agentgov.local/log\n", want: 0},
		{src: "audit:\n  key_rotation: 0s\n", want: 0},
		{src: "audit:\n  key_rotation: 2160h\n", want: 90 * 24 * time.Hour},
		{src: "audit:\n  key_rotation: 1h\n", env: "720h", want: 30 * 24 * time.Hour},
		{src: "audit:\n  key_rotation: 90s\n", problem: "audit.key_rotation: must be 0s (rotate only on request) or between 1h and"},
		{src: "audit:\n  key_rotation: 50000h\n", problem: "audit.key_rotation: must be 0s"},
		{src: "audit:\n  key_rotation: -1h\n", problem: "audit.key_rotation: must be 0s"},
		{src: "audit:\n  key_rotation: 90\n", problem: "audit.key_rotation"},
		{src: "audit:\n  key_rotation: 90d\n", problem: "audit.key_rotation"},
	} {
		o := Options{File: writeConfig(t, tc.src), LookupEnv: envOf()}
		if tc.env != "" {
			o.LookupEnv = envOf("AGENTGOV_AUDIT_KEY_ROTATION", tc.env)
		}
		cfg, err := Load(o)
		if tc.problem != "" {
			if err == nil || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("%q: got %v, want %q", tc.src, err, tc.problem)
			}
			continue
		}
		if err != nil || cfg.Audit.KeyRotation.Duration != tc.want {
			t.Errorf("%q: %v, %v; want %s", tc.src, err, cfg, tc.want)
		}
	}
}
