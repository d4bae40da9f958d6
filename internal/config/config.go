// Package config is the configuration model of agentgov: the YAML file,
// environment overrides, explicit overrides (flags), defaults and
// validation.
//
// Layering, lowest to highest precedence: Default, the file, the
// environment (AGENTGOV_<SECTION>_<KEY>), Options.Overrides. The result is
// validated as a whole, and every problem is reported with where the
// offending value came from: FILE:LINE:COL for the file, the variable name
// for the environment, "override KEY" for overrides.
//
// Error messages never repeat configured string values: a value may have
// been produced by ${VAR} expansion from a secret, and the location is
// enough to find it.
package config

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Role is the authorisation role of an API token.
type Role string

// The roles a token may carry.
const (
	RoleAdmin   Role = "ADMIN"
	RoleAuditor Role = "AUDITOR"
	RoleWriter  Role = "WRITER"
	RoleReader  Role = "READER"
)

// Roles lists the valid roles, most privileged first.
func Roles() []Role { return []Role{RoleAdmin, RoleAuditor, RoleWriter, RoleReader} }

// Valid reports whether r is one of the defined roles (case-sensitive).
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleAuditor, RoleWriter, RoleReader:
		return true
	}
	return false
}

// OperatorTokenEnv names the variable that adds a token
// {name: operator, role: ADMIN}; it lets a deployment inject a break-glass
// credential without editing the file.
const OperatorTokenEnv = "AGENTGOV_OPERATOR_TOKEN"

// OperatorTokenName is the name given to the token from OperatorTokenEnv.
const OperatorTokenName = "operator"

// Config is the complete agentgov configuration.
type Config struct {
	Server  Server  `yaml:"server"`
	Storage Storage `yaml:"storage"`
	Audit   Audit   `yaml:"audit"`
	Auth    Auth    `yaml:"auth"`
	Log     Log     `yaml:"log"`
	// Approvals configures the approval of escalated actions.
	Approvals Approvals `yaml:"approvals"`
	// Killswitch configures automatic kills (killswitch.go).
	Killswitch Killswitch `yaml:"killswitch"`
	// SupplyChain configures the guard over installed and launched code
	// (supplychain.go).
	SupplyChain SupplyChain `yaml:"supply_chain"`
	// Outbound configures TLS of the connections agentgov opens
	// (spiffe.go).
	Outbound Outbound `yaml:"outbound"`
	// Trust configures the trust score; Delegation the verification of
	// delegation chains (trust.go).
	Trust      Trust      `yaml:"trust"`
	Delegation Delegation `yaml:"delegation"`
	// Sagas configures the saga runner (sagas.go).
	Sagas Sagas `yaml:"sagas"`

	// Governance: custom roles, the profile laid under every agent, the
	// agents (an agent absent here is denied everything) and the tool
	// catalog. They come from the file only.
	Roles    map[string][]string `yaml:"-"`
	Defaults Profile             `yaml:"-"`
	Agents   map[string]Profile  `yaml:"-"`
	Tools    map[string]Tool     `yaml:"-"`
}

// Server configures the HTTP listeners.
type Server struct {
	Addr            string   `yaml:"addr"`
	DiagnosticAddr  string   `yaml:"diagnostic_addr"`
	MaxRequestBytes int64    `yaml:"max_request_bytes"`
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	TLS             TLS      `yaml:"tls"`
}

// TLS configures HTTPS. There is deliberately no version setting: the
// server speaks TLS 1.3 only.
type TLS struct {
	Cert              string `yaml:"cert"`
	Key               string `yaml:"key"`
	ClientCA          string `yaml:"client_ca"`
	RequireClientCert bool   `yaml:"require_client_cert"`
	// SPIFFE serves the server's own SVID (from auth.spiffe) instead of
	// cert/key and verifies client certificates as SVIDs of the trust
	// domain (spiffe.go).
	SPIFFE bool `yaml:"spiffe"`
}

// Enabled reports whether the listeners serve HTTPS: a certificate is
// configured, or the server presents its SVID.
func (t TLS) Enabled() bool { return t.Cert != "" || t.SPIFFE }

// Storage configures persistence.
type Storage struct {
	DataDir string `yaml:"data_dir"`
	Driver  string `yaml:"driver"`
	DSN     string `yaml:"dsn"`
}

// Audit configures the tamper-evident audit log.
type Audit struct {
	Origin             string   `yaml:"origin"`
	CheckpointInterval Duration `yaml:"checkpoint_interval"`
	MaxPayloadBytes    int64    `yaml:"max_payload_bytes"`
	// Minimise runs the PII and secret detectors over every event before
	// it is appended and replaces what they find with tags.
	Minimise bool `yaml:"minimise"`
	// KeyRotation is how long a log signing key is used before serve
	// rotates it (0: only on request, agentgov keys rotate --log).
	KeyRotation Duration `yaml:"key_rotation"`
}

// Auth configures authentication.
type Auth struct {
	Tokens      []Token   `yaml:"tokens"`
	TrustDomain string    `yaml:"trust_domain"`
	Handshake   Handshake `yaml:"handshake"`
	// SPIFFE configures X.509-SVIDs (spiffe.go).
	SPIFFE SPIFFE `yaml:"spiffe"`
}

// Handshake configures the agents' challenge-response handshake
// (POST /v1/identity/challenge and /v1/identity/response).
type Handshake struct {
	// ChallengeTTL is how long a challenge may be answered.
	ChallengeTTL Duration `yaml:"challenge_ttl"`
	// SessionTTL is the life of a session token.
	SessionTTL Duration `yaml:"session_ttl"`
	// MaxOutstanding bounds unanswered challenges held in memory.
	MaxOutstanding int64 `yaml:"max_outstanding"`
	// MaxSessions bounds live session tokens held in memory.
	MaxSessions int64 `yaml:"max_sessions"`
	// Rate and Burst limit handshake requests overall (per second);
	// PeerRate and PeerBurst per remote address and per agent.
	Rate      int64 `yaml:"rate"`
	Burst     int64 `yaml:"burst"`
	PeerRate  int64 `yaml:"peer_rate"`
	PeerBurst int64 `yaml:"peer_burst"`
}

// Token is a static bearer token. Its String and GoString hide Secret so
// that logging a Config with %v or %#v does not leak credentials.
type Token struct {
	Name   string `yaml:"name"`
	Secret string `yaml:"token"`
	Role   Role   `yaml:"role"`
	// Agents lists the agents (ids or globs) this token may submit checks
	// for. Nil on an ADMIN token means every agent; nil on any other token
	// means none: a credential speaks for the agents it names.
	Agents []string `yaml:"agents,omitempty"`
}

// RedactedText is the text that replaces secrets in Config.Redacted.
const RedactedText = "REDACTED"

func (t Token) String() string {
	return fmt.Sprintf("{%s %s %s}", t.Name, RedactedText, t.Role)
}

// GoString hides the secret from %#v.
func (t Token) GoString() string {
	return fmt.Sprintf("config.Token{Name:%q, Secret:%q, Role:%q}", t.Name, RedactedText, string(t.Role))
}

// Log configures the process log.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Default returns the built-in configuration. It is valid as is: it
// listens on loopback over plain HTTP, which is the only place plain HTTP
// is allowed.
func Default() *Config {
	return &Config{
		Server: Server{
			Addr:            "127.0.0.1:8470",
			MaxRequestBytes: 1 << 20,
			ShutdownTimeout: Duration{30 * time.Second},
		},
		Storage: Storage{
			DataDir: "./agentgov-data",
			Driver:  "sqlite",
		},
		Audit: Audit{
			Origin:             "agentgov.local/log",
			CheckpointInterval: Duration{10 * time.Second},
			MaxPayloadBytes:    1 << 20,
			Minimise:           true,
		},
		Auth: Auth{
			TrustDomain: "agentgov.local",
			SPIFFE:      defaultSPIFFE(),
			Handshake: Handshake{
				ChallengeTTL:   Duration{30 * time.Second},
				SessionTTL:     Duration{15 * time.Minute},
				MaxOutstanding: 10000,
				MaxSessions:    100000,
				Rate:           200,
				Burst:          400,
				PeerRate:       5,
				PeerBurst:      10,
			},
		},
		Log: Log{
			Level:  "info",
			Format: "json",
		},
		Approvals:   defaultApprovals(),
		Killswitch:  defaultKillswitch(),
		SupplyChain: defaultSupplyChain(),
		Trust:       defaultTrust(),
		Delegation:  defaultDelegation(),
		Sagas:       defaultSagas(),
	}
}

// Clone returns a copy of c.
//
// The governance maps (roles, agents, tools) are shared, not copied: a
// loaded configuration is never modified, only replaced.
func (c *Config) Clone() *Config {
	out := *c
	if c.Auth.Tokens != nil {
		out.Auth.Tokens = append([]Token(nil), c.Auth.Tokens...)
	}
	return &out
}

// Redacted returns a deep copy of c that is safe to print: token values
// and a non-empty storage.dsn (which may embed a password) are replaced by
// "REDACTED".
func (c *Config) Redacted() *Config {
	out := c.Clone()
	for i := range out.Auth.Tokens {
		out.Auth.Tokens[i].Secret = RedactedText
	}
	if out.Storage.DSN != "" {
		out.Storage.DSN = RedactedText
	}
	out.Approvals.Webhook.URL = redactWebhookURL(out.Approvals.Webhook.URL)
	return out
}

// Loopback reports whether server.addr's host is a loopback IP or
// "localhost". An empty host means all interfaces and is not loopback; an
// unparsable address is not loopback either.
func (c *Config) Loopback() bool {
	host, _, err := net.SplitHostPort(c.Server.Addr)
	return err == nil && isLoopbackHost(host)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
