package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSPIFFEValidation(t *testing.T) {
	pin := "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	for _, tc := range []struct {
		name  string
		mut   func(*Config)
		field string
		want  string
	}{
		{"defaults", func(*Config) {}, "", ""},
		{"spiffe tls public", func(c *Config) { c.Server.TLS.SPIFFE = true; c.Server.Addr = ":8443" }, "", ""},
		{"spiffe require client", func(c *Config) { c.Server.TLS.SPIFFE = true; c.Server.TLS.RequireClientCert = true }, "", ""},
		{"spiffe with cert", func(c *Config) { c.Server.TLS.SPIFFE = true; c.Server.TLS.Cert, c.Server.TLS.Key = "c", "k" }, "server.tls.cert", "cannot be combined"},
		{"spiffe with client ca", func(c *Config) { c.Server.TLS.SPIFFE = true; c.Server.TLS.ClientCA = "ca" }, "server.tls.client_ca", "cannot be combined"},
		{"require without ca or spiffe", func(c *Config) { c.Server.TLS.RequireClientCert = true }, "server.tls.require_client_cert", "needs server.tls.client_ca"},
		{"bad source", func(c *Config) { c.Auth.SPIFFE.Source = "vault" }, "auth.spiffe.source", "builtin or spire"},
		{"spire without socket", func(c *Config) { c.Auth.SPIFFE.Source = SPIFFESpire }, "auth.spiffe.workload_api_socket", "is required"},
		{"spire bad socket", func(c *Config) {
			c.Auth.SPIFFE.Source = SPIFFESpire
			c.Auth.SPIFFE.WorkloadAPISocket = "/run/agent.sock"
		}, "auth.spiffe.workload_api_socket", "unix:///"},
		{"spire ok", func(c *Config) {
			c.Auth.SPIFFE.Source = SPIFFESpire
			c.Auth.SPIFFE.WorkloadAPISocket = "unix:///run/spire/agent.sock"
		}, "", ""},
		{"socket with builtin", func(c *Config) { c.Auth.SPIFFE.WorkloadAPISocket = "unix:///x" }, "auth.spiffe.workload_api_socket", "only with"},
		{"svid ttl short", func(c *Config) { c.Auth.SPIFFE.SVIDTTL = Duration{time.Second} }, "auth.spiffe.svid_ttl", "between 1m"},
		{"ca ttl short", func(c *Config) { c.Auth.SPIFFE.CATTL = Duration{time.Hour} }, "auth.spiffe.ca_ttl", "twice"},
		{"pins ok", func(c *Config) { c.Outbound.TLS.Pins = map[string][]string{"a.example.com": {pin}, "10.1.2.3": {pin}} }, "", ""},
		{"pin bad", func(c *Config) { c.Outbound.TLS.Pins = map[string][]string{"a.example.com": {"sha1/x"}} }, "outbound.tls.pins.a.example.com", "must start with"},
		{"pin host with port", func(c *Config) { c.Outbound.TLS.Pins = map[string][]string{"a.example.com:443": {pin}} }, "outbound.tls.pins.a.example.com:443", "without scheme or port"},
		{"pins empty list", func(c *Config) { c.Outbound.TLS.Pins = map[string][]string{"a.example.com": {}} }, "outbound.tls.pins.a.example.com", "at least one pin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mut(c)
			err := c.Validate()
			if tc.field == "" {
				for _, p := range problemsOf(err) {
					if strings.HasPrefix(p.Field, "server.tls") || strings.HasPrefix(p.Field, "auth.spiffe") || strings.HasPrefix(p.Field, "outbound") || p.Field == "server.addr" {
						t.Fatalf("unexpected problem %s: %s", p.Field, p.Problem)
					}
				}
				return
			}
			for _, p := range problemsOf(err) {
				if p.Field == tc.field && strings.Contains(p.Problem, tc.want) {
					return
				}
			}
			t.Fatalf("want %s: %q, got %v", tc.field, tc.want, err)
		})
	}
}

func problemsOf(err error) []*FieldError {
	var es Errors
	if !errors.As(err, &es) {
		return nil
	}
	var out []*FieldError
	for _, e := range es {
		var fe *FieldError
		if errors.As(e, &fe) {
			out = append(out, fe)
		}
	}
	return out
}

func TestOutboundPinsFile(t *testing.T) {
	pin := "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	cfg := mustLoad(t, Options{File: writeConfig(t, "outbound:\n  tls:\n    pins:\n      api.example.com: [\""+pin+"\"]\n      \"[::1]\":\n        - "+pin+"\n")})
	if got := cfg.Outbound.TLS.Pins; len(got) != 2 || got["api.example.com"][0] != pin || got["[::1]"][0] != pin {
		t.Fatalf("pins %v", got)
	}
	_, err := Load(Options{File: writeConfig(t, "outbound:\n  tls:\n    pins:\n      api.example.com: [sha256/short]\n")})
	if err == nil || !strings.Contains(err.Error(), ":4:") || !strings.Contains(err.Error(), "outbound.tls.pins.api.example.com") {
		t.Fatalf("bad pin error without location: %v", err)
	}
	_, err = Load(Options{File: writeConfig(t, "outbound:\n  tls:\n    pins: [a]\n")})
	if err == nil || !strings.Contains(err.Error(), "expected a mapping of host") {
		t.Fatalf("pins as a list: %v", err)
	}
	cfg = mustLoad(t, Options{LookupEnv: envOf("AGENTGOV_SERVER_TLS_SPIFFE", "true", "AGENTGOV_AUTH_SPIFFE_SVID_TTL", "10m")})
	if !cfg.Server.TLS.SPIFFE || !cfg.Server.TLS.Enabled() || cfg.Auth.SPIFFE.SVIDTTL.Duration != 10*time.Minute {
		t.Fatalf("env overrides: %+v %+v", cfg.Server.TLS, cfg.Auth.SPIFFE)
	}
}
