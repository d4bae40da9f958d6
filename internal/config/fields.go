package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

type kind int

const (
	kindString kind = iota
	kindInt
	kindBool
	kindDuration
)

// field describes one overridable scalar. The table below is the single
// source of truth for YAML keys, environment variable names, Keys() and
// override parsing, so they cannot drift apart.
type field struct {
	key  string
	kind kind
	ref  func(*Config) any // *string, *int64, *bool or *Duration
}

// fields is immutable; it is in file order so Validate reports in the
// order an operator reads the file.
var fields = [...]field{
	{"server.addr", kindString, func(c *Config) any { return &c.Server.Addr }},
	{"server.diagnostic_addr", kindString, func(c *Config) any { return &c.Server.DiagnosticAddr }},
	{"server.max_request_bytes", kindInt, func(c *Config) any { return &c.Server.MaxRequestBytes }},
	{"server.shutdown_timeout", kindDuration, func(c *Config) any { return &c.Server.ShutdownTimeout }},
	{"server.tls.cert", kindString, func(c *Config) any { return &c.Server.TLS.Cert }},
	{"server.tls.key", kindString, func(c *Config) any { return &c.Server.TLS.Key }},
	{"server.tls.client_ca", kindString, func(c *Config) any { return &c.Server.TLS.ClientCA }},
	{"server.tls.require_client_cert", kindBool, func(c *Config) any { return &c.Server.TLS.RequireClientCert }},
	{"server.tls.spiffe", kindBool, func(c *Config) any { return &c.Server.TLS.SPIFFE }},
	{"storage.data_dir", kindString, func(c *Config) any { return &c.Storage.DataDir }},
	{"storage.driver", kindString, func(c *Config) any { return &c.Storage.Driver }},
	{"storage.dsn", kindString, func(c *Config) any { return &c.Storage.DSN }},
	{"audit.origin", kindString, func(c *Config) any { return &c.Audit.Origin }},
	{"audit.checkpoint_interval", kindDuration, func(c *Config) any { return &c.Audit.CheckpointInterval }},
	{"audit.max_payload_bytes", kindInt, func(c *Config) any { return &c.Audit.MaxPayloadBytes }},
	{"audit.minimise", kindBool, func(c *Config) any { return &c.Audit.Minimise }},
	{"audit.key_rotation", kindDuration, func(c *Config) any { return &c.Audit.KeyRotation }},
	{"auth.trust_domain", kindString, func(c *Config) any { return &c.Auth.TrustDomain }},
	{"auth.spiffe.source", kindString, func(c *Config) any { return &c.Auth.SPIFFE.Source }},
	{"auth.spiffe.workload_api_socket", kindString, func(c *Config) any { return &c.Auth.SPIFFE.WorkloadAPISocket }},
	{"auth.spiffe.svid_ttl", kindDuration, func(c *Config) any { return &c.Auth.SPIFFE.SVIDTTL }},
	{"auth.spiffe.ca_ttl", kindDuration, func(c *Config) any { return &c.Auth.SPIFFE.CATTL }},
	{"outbound.tls.ca_file", kindString, func(c *Config) any { return &c.Outbound.TLS.CAFile }},
	{"auth.handshake.challenge_ttl", kindDuration, func(c *Config) any { return &c.Auth.Handshake.ChallengeTTL }},
	{"auth.handshake.session_ttl", kindDuration, func(c *Config) any { return &c.Auth.Handshake.SessionTTL }},
	{"auth.handshake.max_outstanding", kindInt, func(c *Config) any { return &c.Auth.Handshake.MaxOutstanding }},
	{"auth.handshake.max_sessions", kindInt, func(c *Config) any { return &c.Auth.Handshake.MaxSessions }},
	{"auth.handshake.rate", kindInt, func(c *Config) any { return &c.Auth.Handshake.Rate }},
	{"auth.handshake.burst", kindInt, func(c *Config) any { return &c.Auth.Handshake.Burst }},
	{"auth.handshake.peer_rate", kindInt, func(c *Config) any { return &c.Auth.Handshake.PeerRate }},
	{"auth.handshake.peer_burst", kindInt, func(c *Config) any { return &c.Auth.Handshake.PeerBurst }},
	{"log.level", kindString, func(c *Config) any { return &c.Log.Level }},
	{"log.format", kindString, func(c *Config) any { return &c.Log.Format }},
	{"approvals.quorum", kindInt, func(c *Config) any { return &c.Approvals.Quorum }},
	{"approvals.reject_quorum", kindInt, func(c *Config) any { return &c.Approvals.RejectQuorum }},
	{"approvals.approver_role", kindString, func(c *Config) any { return &c.Approvals.ApproverRole }},
	{"approvals.timeout", kindDuration, func(c *Config) any { return &c.Approvals.Timeout }},
	{"approvals.fatigue.min_decision_time", kindDuration, func(c *Config) any { return &c.Approvals.Fatigue.MinDecisionTime }},
	{"approvals.fatigue.max_consecutive", kindInt, func(c *Config) any { return &c.Approvals.Fatigue.MaxConsecutive }},
	{"approvals.fatigue.window", kindDuration, func(c *Config) any { return &c.Approvals.Fatigue.Window }},
	{"approvals.fatigue.extra_approvers", kindInt, func(c *Config) any { return &c.Approvals.Fatigue.ExtraApprovers }},
	{"approvals.webhook.url", kindString, func(c *Config) any { return &c.Approvals.Webhook.URL }},
	{"approvals.webhook.ca_file", kindString, func(c *Config) any { return &c.Approvals.Webhook.CAFile }},
	{"approvals.webhook.timeout", kindDuration, func(c *Config) any { return &c.Approvals.Webhook.Timeout }},
	{"approvals.webhook.max_attempts", kindInt, func(c *Config) any { return &c.Approvals.Webhook.MaxAttempts }},
	{"approvals.webhook.queue_size", kindInt, func(c *Config) any { return &c.Approvals.Webhook.QueueSize }},
	{"killswitch.ring_breaches", kindInt, func(c *Config) any { return &c.Killswitch.RingBreaches }},
	{"killswitch.ring_breach_window", kindDuration, func(c *Config) any { return &c.Killswitch.RingBreachWindow }},
	{"killswitch.rate_limit_denials", kindInt, func(c *Config) any { return &c.Killswitch.RateLimitDenials }},
	{"killswitch.rate_limit_window", kindDuration, func(c *Config) any { return &c.Killswitch.RateLimitWindow }},
	{"killswitch.kill_on_session_timeout", kindBool, func(c *Config) any { return &c.Killswitch.KillOnSessionTimeout }},
	{"killswitch.quarantine_timeout", kindDuration, func(c *Config) any { return &c.Killswitch.QuarantineTimeout }},
	{"trust.half_life", kindDuration, func(c *Config) any { return &c.Trust.HalfLife }},
	{"trust.flush_interval", kindDuration, func(c *Config) any { return &c.Trust.FlushInterval }},
	{"trust.weights.clean", kindInt, func(c *Config) any { return &c.Trust.Weights.Clean }},
	{"trust.weights.denial", kindInt, func(c *Config) any { return &c.Trust.Weights.Denial }},
	{"trust.weights.ring_breach", kindInt, func(c *Config) any { return &c.Trust.Weights.RingBreach }},
	{"trust.weights.injection", kindInt, func(c *Config) any { return &c.Trust.Weights.Injection }},
	{"trust.weights.exfiltration", kindInt, func(c *Config) any { return &c.Trust.Weights.Exfiltration }},
	{"delegation.max_depth", kindInt, func(c *Config) any { return &c.Delegation.MaxDepth }},
	{"delegation.cache_size", kindInt, func(c *Config) any { return &c.Delegation.CacheSize }},
	{"delegation.resolve_ttl", kindDuration, func(c *Config) any { return &c.Delegation.ResolveTTL }},
	{"supply_chain.min_age", kindDuration, func(c *Config) any { return &c.SupplyChain.MinAge }},
	{"supply_chain.lookup_timeout", kindDuration, func(c *Config) any { return &c.SupplyChain.LookupTimeout }},
	{"supply_chain.popular_dir", kindString, func(c *Config) any { return &c.SupplyChain.PopularDir }},
	{"sagas.step_timeout", kindDuration, func(c *Config) any { return &c.Sagas.StepTimeout }},
	{"sagas.timeout", kindDuration, func(c *Config) any { return &c.Sagas.Timeout }},
	{"sagas.compensation_attempts", kindInt, func(c *Config) any { return &c.Sagas.CompensationAttempts }},
	{"sagas.backoff_initial", kindDuration, func(c *Config) any { return &c.Sagas.BackoffInitial }},
	{"sagas.backoff_max", kindDuration, func(c *Config) any { return &c.Sagas.BackoffMax }},
	{"sagas.max_response_bytes", kindInt, func(c *Config) any { return &c.Sagas.MaxResponseBytes }},
}

// tokensKey is the one list in the model; it is file-only.
const tokensKey = "auth.tokens"

// tokenKeys are the keys of one auth.tokens entry, in documentation order.
var tokenKeys = [...]string{"name", "token", "role", "agents"}

const envPrefix = "AGENTGOV_"

// Keys returns every overridable scalar key in dotted form, sorted. Each
// is also settable as the environment variable EnvVar(key) and as an
// Options.Overrides entry.
func Keys() []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.key
	}
	slices.Sort(out)
	return out
}

// EnvVar returns the environment variable that overrides key, e.g.
// "server.tls.cert" → "AGENTGOV_SERVER_TLS_CERT".
func EnvVar(key string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func lookupField(key string) (field, bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// isSection reports whether path names a mapping in the model.
func isSection(path string) bool {
	if path == "" {
		return true
	}
	if strings.HasPrefix(tokensKey, path+".") {
		return true
	}
	for _, f := range fields {
		if strings.HasPrefix(f.key, path+".") {
			return true
		}
	}
	return false
}

// childKeys returns the keys valid directly under section path, sorted.
func childKeys(path string) []string {
	prefix := ""
	if path != "" {
		prefix = path + "."
	}
	var out []string
	add := func(full string) {
		rest, ok := strings.CutPrefix(full, prefix)
		if !ok {
			return
		}
		name, _, _ := strings.Cut(rest, ".")
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, f := range fields {
		add(f.key)
	}
	add(tokensKey)
	add(outboundPinsKey)
	add(sagaSubstitutesKey)
	for _, k := range supplyChainListKeys {
		add(k)
	}
	for _, k := range governanceKeys {
		add(k)
	}
	slices.Sort(out)
	return out
}

// setText parses raw (from the environment or an override) into f's
// destination. Problems never quote raw: it may be a secret.
func (f field) setText(c *Config, raw string) string {
	switch p := f.ref(c).(type) {
	case *string:
		*p = raw
	case *int64:
		n, problem := parseDecimal(raw)
		if problem != "" {
			return problem
		}
		*p = n
	case *bool:
		switch raw {
		case "true", "1":
			*p = true
		case "false", "0":
			*p = false
		default:
			return "must be true, false, 1 or 0"
		}
	case *Duration:
		d, err := ParseDuration(raw)
		if err != nil {
			return err.Error()
		}
		*p = d
	default:
		panic(fmt.Sprintf("config: field %s has unsupported type %T", f.key, p))
	}
	return ""
}

func isDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseDecimal(s string) (int64, string) {
	if !isDecimal(s) {
		return 0, "must be a decimal integer (digits only, no quotes, units, '_' or 0x/0o prefixes)"
	}
	digits := strings.TrimLeft(s, "+-")
	if len(digits) > 1 && digits[0] == '0' {
		return 0, "must be a decimal integer without leading zeros (YAML 1.1 reads 010 as octal)"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, "integer out of range"
	}
	return n, ""
}
