package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultValidates(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if !Default().Loopback() {
		t.Fatal("default address must be loopback")
	}
}

// withTLS makes non-loopback addresses legal so address syntax rules can
// be tested on their own.
func withTLS(c *Config) {
	c.Server.TLS.Cert = "/etc/agentgov/tls.crt"
	c.Server.TLS.Key = "/etc/agentgov/tls.key"
}

func tok(name, secret string, role Role) Token {
	return Token{Name: name, Secret: secret, Role: role}
}

const (
	secretA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" // 32 bytes
	secretB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestValidateRules(t *testing.T) {
	type tc struct {
		name  string
		mut   func(*Config)
		field string // "" = must be valid
		want  string // substring of the problem
	}
	set := func(f func(*Config)) func(*Config) { return f }
	cases := []tc{
		// server.addr syntax
		{"addr empty", set(func(c *Config) { c.Server.Addr = "" }), "server.addr", "must not be empty"},
		{"addr ipv4 loopback", set(func(c *Config) { c.Server.Addr = "127.0.0.1:8470" }), "", ""},
		{"addr ipv6 loopback", set(func(c *Config) { c.Server.Addr = "[::1]:8470" }), "", ""},
		{"addr localhost", set(func(c *Config) { c.Server.Addr = "localhost:8470" }), "", ""},
		{"addr LOCALHOST", set(func(c *Config) { c.Server.Addr = "LOCALHOST:8470" }), "", ""},
		{"addr mapped loopback", set(func(c *Config) { c.Server.Addr = "[::ffff:127.0.0.1]:80" }), "", ""},
		{"addr 127/8", set(func(c *Config) { c.Server.Addr = "127.1.2.3:80" }), "", ""},
		{"addr port 0", set(func(c *Config) { c.Server.Addr = "127.0.0.1:0" }), "", ""},
		{"addr port max", set(func(c *Config) { c.Server.Addr = "127.0.0.1:65535" }), "", ""},
		{"addr port too big", set(func(c *Config) { c.Server.Addr = "127.0.0.1:65536" }), "server.addr", "port must be"},
		{"addr port name", set(func(c *Config) { c.Server.Addr = "127.0.0.1:http" }), "server.addr", "port must be"},
		{"addr no port", set(func(c *Config) { c.Server.Addr = "127.0.0.1" }), "server.addr", "must be host:port"},
		{"addr empty port", set(func(c *Config) { c.Server.Addr = "127.0.0.1:" }), "server.addr", "port must be"},
		{"addr unbracketed v6", set(func(c *Config) { c.Server.Addr = "::1:80" }), "server.addr", "must be host:port"},
		{"addr bad ipv4", set(func(c *Config) { withTLS(c); c.Server.Addr = "999.1.1.1:80" }), "server.addr", "host must be"},
		{"addr bad name", set(func(c *Config) { withTLS(c); c.Server.Addr = "-x.example:80" }), "server.addr", "host must be"},
		{"addr space", set(func(c *Config) { withTLS(c); c.Server.Addr = "a b:80" }), "server.addr", "host must be"},
		{"addr name with tls", set(func(c *Config) { withTLS(c); c.Server.Addr = "agentgov.example.com:443" }), "", ""},
		{"addr zone with tls", set(func(c *Config) { withTLS(c); c.Server.Addr = "[fe80::1%eth0]:443" }), "", ""},
		// plain HTTP only on loopback
		{"all interfaces plain", set(func(c *Config) { c.Server.Addr = ":8470" }), "server.addr", plainHTTPProblem},
		{"all interfaces tls", set(func(c *Config) { withTLS(c); c.Server.Addr = ":8470" }), "", ""},
		{"0.0.0.0 plain", set(func(c *Config) { c.Server.Addr = "0.0.0.0:8470" }), "server.addr", plainHTTPProblem},
		{"public ip plain", set(func(c *Config) { c.Server.Addr = "10.0.0.1:443" }), "server.addr", plainHTTPProblem},
		{"name plain", set(func(c *Config) { c.Server.Addr = "agentgov.example.com:80" }), "server.addr", plainHTTPProblem},
		// server.diagnostic_addr
		{"diag loopback", set(func(c *Config) { c.Server.DiagnosticAddr = "127.0.0.1:9090" }), "", ""},
		{"diag bad", set(func(c *Config) { c.Server.DiagnosticAddr = "9090" }), "server.diagnostic_addr", "must be host:port"},
		{"diag same as addr", set(func(c *Config) { c.Server.DiagnosticAddr = c.Server.Addr }), "server.diagnostic_addr", "must differ from server.addr"},
		{"diag same port 0", set(func(c *Config) { c.Server.Addr = "127.0.0.1:0"; c.Server.DiagnosticAddr = "127.0.0.1:0" }), "server.diagnostic_addr", "must differ"},
		{"diag wildcard same port", set(func(c *Config) { withTLS(c); c.Server.DiagnosticAddr = ":8470" }), "server.diagnostic_addr", "must differ"},
		{"diag other host same port", set(func(c *Config) { c.Server.DiagnosticAddr = "127.0.0.2:8470" }), "", ""},
		{"diag both port 0 other host", set(func(c *Config) { c.Server.Addr = "127.0.0.1:0"; c.Server.DiagnosticAddr = "[::1]:0" }), "", ""},
		{"diag plain public", set(func(c *Config) { c.Server.DiagnosticAddr = "0.0.0.0:9090" }), "server.diagnostic_addr", plainHTTPProblem},
		{"diag tls public", set(func(c *Config) { withTLS(c); c.Server.DiagnosticAddr = "0.0.0.0:9090" }), "", ""},
		// server.max_request_bytes
		{"request too small", set(func(c *Config) { c.Server.MaxRequestBytes = 1023; c.Audit.MaxPayloadBytes = 1 }), "server.max_request_bytes", "between 1024"},
		{"request min", set(func(c *Config) { c.Server.MaxRequestBytes = 1024; c.Audit.MaxPayloadBytes = 1024 }), "", ""},
		{"request max", set(func(c *Config) { c.Server.MaxRequestBytes = 64 << 20 }), "", ""},
		{"request too big", set(func(c *Config) { c.Server.MaxRequestBytes = 64<<20 + 1 }), "server.max_request_bytes", "67108864"},
		// server.shutdown_timeout
		{"shutdown too short", set(func(c *Config) { c.Server.ShutdownTimeout = Duration{999 * time.Millisecond} }), "server.shutdown_timeout", "between 1s and 10m, got 999ms"},
		{"shutdown min", set(func(c *Config) { c.Server.ShutdownTimeout = Duration{time.Second} }), "", ""},
		{"shutdown max", set(func(c *Config) { c.Server.ShutdownTimeout = Duration{10 * time.Minute} }), "", ""},
		{"shutdown too long", set(func(c *Config) { c.Server.ShutdownTimeout = Duration{10*time.Minute + time.Second} }), "server.shutdown_timeout", "between 1s and 10m"},
		// server.tls
		{"tls both", set(withTLS), "", ""},
		{"tls cert only", set(func(c *Config) { c.Server.TLS.Cert = "c.pem" }), "server.tls.cert", "server.tls.key is empty"},
		{"tls key only", set(func(c *Config) { c.Server.TLS.Key = "k.pem" }), "server.tls.key", "server.tls.cert is empty"},
		{"client ca without tls", set(func(c *Config) { c.Server.TLS.ClientCA = "ca.pem" }), "server.tls.client_ca", "needs server.tls.cert"},
		{"client ca with tls", set(func(c *Config) { withTLS(c); c.Server.TLS.ClientCA = "ca.pem" }), "", ""},
		{"require without ca", set(func(c *Config) { withTLS(c); c.Server.TLS.RequireClientCert = true }), "server.tls.require_client_cert", "needs server.tls.client_ca"},
		{"require with ca", set(func(c *Config) {
			withTLS(c)
			c.Server.TLS.ClientCA = "ca.pem"
			c.Server.TLS.RequireClientCert = true
		}), "", ""},
		// storage
		{"data dir empty", set(func(c *Config) { c.Storage.DataDir = "" }), "storage.data_dir", "must not be empty"},
		{"data dir newline", set(func(c *Config) { c.Storage.DataDir = "/var/lib/agentgov\n" }), "storage.data_dir", "control character"},
		{"data dir absolute", set(func(c *Config) { c.Storage.DataDir = "/var/lib/agentgov" }), "", ""},
		{"driver postgres", set(func(c *Config) { c.Storage.Driver = "postgres" }), "storage.driver", "postgres is not supported yet; use sqlite"},
		{"driver unknown", set(func(c *Config) { c.Storage.Driver = "mysql" }), "storage.driver", "unknown driver; use sqlite"},
		{"driver empty", set(func(c *Config) { c.Storage.Driver = "" }), "storage.driver", "must not be empty"},
		{"dsn with sqlite", set(func(c *Config) { c.Storage.DSN = "file:x.db" }), "storage.dsn", "must be empty for the sqlite driver"},
		// audit.origin
		{"origin empty", set(func(c *Config) { c.Audit.Origin = "" }), "audit.origin", "must not be empty"},
		{"origin 255", set(func(c *Config) { c.Audit.Origin = strings.Repeat("o", 255) }), "", ""},
		{"origin 256", set(func(c *Config) { c.Audit.Origin = strings.Repeat("o", 256) }), "audit.origin", "256 bytes; the limit is 255"},
		{"origin space", set(func(c *Config) { c.Audit.Origin = "agentgov log" }), "audit.origin", "space at byte 8"},
		{"origin plus", set(func(c *Config) { c.Audit.Origin = "a+b" }), "audit.origin", "'+' at byte 1"},
		{"origin non-ascii", set(func(c *Config) { c.Audit.Origin = "agentgov.é/log" }), "audit.origin", "non-ASCII"},
		{"origin control", set(func(c *Config) { c.Audit.Origin = "a\tb" }), "audit.origin", "control character"},
		{"origin punctuation", set(func(c *Config) { c.Audit.Origin = "example.com/log-1_~!" }), "", ""},
		// audit.checkpoint_interval
		{"checkpoint too short", set(func(c *Config) { c.Audit.CheckpointInterval = Duration{99 * time.Millisecond} }), "audit.checkpoint_interval", "between 100ms and 24h"},
		{"checkpoint min", set(func(c *Config) { c.Audit.CheckpointInterval = Duration{100 * time.Millisecond} }), "", ""},
		{"checkpoint max", set(func(c *Config) { c.Audit.CheckpointInterval = Duration{24 * time.Hour} }), "", ""},
		{"checkpoint too long", set(func(c *Config) { c.Audit.CheckpointInterval = Duration{24*time.Hour + 1} }), "audit.checkpoint_interval", "between 100ms and 24h"},
		// audit.max_payload_bytes
		{"payload zero", set(func(c *Config) { c.Audit.MaxPayloadBytes = 0 }), "audit.max_payload_bytes", "between 1 and"},
		{"payload one", set(func(c *Config) { c.Audit.MaxPayloadBytes = 1 }), "", ""},
		{"payload too big", set(func(c *Config) { c.Audit.MaxPayloadBytes = 64<<20 + 1; c.Server.MaxRequestBytes = 64 << 20 }), "audit.max_payload_bytes", "between 1 and"},
		{"payload above request", set(func(c *Config) { c.Audit.MaxPayloadBytes = 2 << 20 }), "audit.max_payload_bytes", "exceeds server.max_request_bytes (1048576)"},
		{"payload equals request", set(func(c *Config) { c.Audit.MaxPayloadBytes = 64 << 20; c.Server.MaxRequestBytes = 64 << 20 }), "", ""},
		// auth.trust_domain
		{"trust domain empty", set(func(c *Config) { c.Auth.TrustDomain = "" }), "auth.trust_domain", "must not be empty"},
		{"trust domain upper", set(func(c *Config) { c.Auth.TrustDomain = "Example.org" }), "auth.trust_domain", "upper-case"},
		{"trust domain scheme", set(func(c *Config) { c.Auth.TrustDomain = "spiffe://example.org" }), "auth.trust_domain", "without a spiffe:// prefix"},
		{"trust domain slash", set(func(c *Config) { c.Auth.TrustDomain = "example.org/x" }), "auth.trust_domain", "invalid character at byte 11"},
		{"trust domain long", set(func(c *Config) { c.Auth.TrustDomain = strings.Repeat("a", 256) }), "auth.trust_domain", "limit is 255"},
		{"trust domain all classes", set(func(c *Config) { c.Auth.TrustDomain = "prod-1_eu.example.org" }), "", ""},
		// auth.tokens
		{"token ok", set(func(c *Config) { c.Auth.Tokens = []Token{tok("ops", secretA, RoleAdmin)} }), "", ""},
		{"all roles", set(func(c *Config) {
			c.Auth.Tokens = []Token{tok("a", secretA, RoleAdmin), tok("b", secretB, RoleAuditor), tok("c", secretA+"c", RoleWriter), tok("d", secretA+"d", RoleReader)}
		}), "", ""},
		{"token name empty", set(func(c *Config) { c.Auth.Tokens = []Token{tok("", secretA, RoleAdmin)} }), "auth.tokens[0].name", "must not be empty"},
		{"token name 64", set(func(c *Config) { c.Auth.Tokens = []Token{tok(strings.Repeat("n", 64), secretA, RoleAdmin)} }), "", ""},
		{"token name 65", set(func(c *Config) { c.Auth.Tokens = []Token{tok(strings.Repeat("n", 65), secretA, RoleAdmin)} }), "auth.tokens[0].name", "limit is 64"},
		{"token name chars", set(func(c *Config) { c.Auth.Tokens = []Token{tok("ops team", secretA, RoleAdmin)} }), "auth.tokens[0].name", "only letters, digits"},
		{"token name all classes", set(func(c *Config) { c.Auth.Tokens = []Token{tok("Ops.team_1-a", secretA, RoleAdmin)} }), "", ""},
		{"token name dup", set(func(c *Config) {
			c.Auth.Tokens = []Token{tok("ops", secretA, RoleAdmin), tok("ops", secretB, RoleReader)}
		}), "auth.tokens[1].name", "auth.tokens[0] already uses it"},
		{"token empty", set(func(c *Config) { c.Auth.Tokens = []Token{tok("ops", "", RoleAdmin)} }), "auth.tokens[0].token", "must be set"},
		{"token 31 bytes", set(func(c *Config) { c.Auth.Tokens = []Token{tok("ops", secretA[1:], RoleAdmin)} }), "auth.tokens[0].token", "at least 32 bytes after ${VAR} expansion"},
		{"token space", set(func(c *Config) { c.Auth.Tokens = []Token{tok("ops", secretA+" x", RoleAdmin)} }), "auth.tokens[0].token", "printable ASCII without spaces"},
		{"token dup", set(func(c *Config) {
			c.Auth.Tokens = []Token{tok("a", secretA, RoleAdmin), tok("b", secretB, RoleReader), tok("c", secretA, RoleReader)}
		}), "auth.tokens[2].token", "same value as auth.tokens[0].token"},
		{"role lower", set(func(c *Config) { c.Auth.Tokens = []Token{tok("ops", secretA, "admin")} }), "auth.tokens[0].role", "must be one of ADMIN, AUDITOR, WRITER, READER"},
		{"role empty", set(func(c *Config) { c.Auth.Tokens = []Token{tok("ops", secretA, "")} }), "auth.tokens[0].role", "must not be empty"},
		// log
		{"level trace", set(func(c *Config) { c.Log.Level = "trace" }), "log.level", "debug, info, warn, error"},
		{"level debug", set(func(c *Config) { c.Log.Level = "debug" }), "", ""},
		{"level warn", set(func(c *Config) { c.Log.Level = "warn" }), "", ""},
		{"level error", set(func(c *Config) { c.Log.Level = "error" }), "", ""},
		{"format yaml", set(func(c *Config) { c.Log.Format = "yaml" }), "log.format", "json or text"},
		{"format text", set(func(c *Config) { c.Log.Format = "text" }), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mut(c)
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got:\n%v", err)
				}
				return
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("want Errors, got %T %v", err, err)
			}
			for _, e := range es {
				if e.Field == tc.field && strings.Contains(e.Problem, tc.want) {
					if len(es) != 1 {
						t.Errorf("want exactly one problem, got:\n%v", err)
					}
					return
				}
			}
			t.Fatalf("want %s: ...%s..., got:\n%v", tc.field, tc.want, err)
		})
	}
}

func TestValidateCollectsAll(t *testing.T) {
	c := Default()
	c.Server.Addr = ""
	c.Log.Level = "loud"
	c.Auth.Tokens = []Token{tok("x", "short", "root")}
	err := c.Validate()
	want := strings.Join([]string{
		"server.addr: must not be empty: write host:port, e.g. 127.0.0.1:8470",
		"auth.tokens[0].token: must be at least 32 bytes after ${VAR} expansion",
		"auth.tokens[0].role: must be one of ADMIN, AUDITOR, WRITER, READER (upper case)",
		"log.level: must be one of debug, info, warn, error",
	}, "\n")
	if err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8470":        true,
		"127.9.9.9:1":           true,
		"[::1]:8470":            true,
		"[::ffff:127.0.0.1]:80": true,
		"localhost:8470":        true,
		"Localhost:8470":        true,
		":8470":                 false,
		"0.0.0.0:8470":          false,
		"[::]:8470":             false,
		"10.1.2.3:8470":         false,
		"localhost.example:80":  false,
		"127.0.0.1":             false,
		"":                      false,
	} {
		c := Default()
		c.Server.Addr = addr
		if got := c.Loopback(); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestRedacted(t *testing.T) {
	c := Default()
	c.Auth.Tokens = []Token{tok("ops", secretA, RoleAdmin), tok("ci", secretB, RoleWriter)}
	c.Storage.DSN = "postgres://u:pw@h/db"
	r := c.Redacted()
	for i, tk := range r.Auth.Tokens {
		if tk.Secret != RedactedText || tk.Name != c.Auth.Tokens[i].Name || tk.Role != c.Auth.Tokens[i].Role {
			t.Errorf("token %d: %#v", i, tk)
		}
	}
	if r.Storage.DSN != RedactedText {
		t.Errorf("dsn not redacted")
	}
	if c.Auth.Tokens[0].Secret != secretA || c.Storage.DSN == RedactedText {
		t.Fatal("Redacted modified the original")
	}
	r.Auth.Tokens[0].Name = "changed"
	if c.Auth.Tokens[0].Name != "ops" {
		t.Fatal("Redacted shares the token slice")
	}
	if Default().Redacted().Storage.DSN != "" {
		t.Fatal("empty dsn must stay empty")
	}
}

func TestTokenFormattingHidesSecret(t *testing.T) {
	c := Default()
	c.Auth.Tokens = []Token{tok("ops", secretA, RoleAdmin)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := sprintf(verb, c); strings.Contains(s, secretA) {
			t.Errorf("%s leaks the token: %s", verb, s)
		}
		if s := sprintf(verb, *c); strings.Contains(s, secretA) {
			t.Errorf("%s of value leaks the token: %s", verb, s)
		}
	}
}
