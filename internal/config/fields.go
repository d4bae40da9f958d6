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
	{"storage.data_dir", kindString, func(c *Config) any { return &c.Storage.DataDir }},
	{"storage.driver", kindString, func(c *Config) any { return &c.Storage.Driver }},
	{"storage.dsn", kindString, func(c *Config) any { return &c.Storage.DSN }},
	{"audit.origin", kindString, func(c *Config) any { return &c.Audit.Origin }},
	{"audit.checkpoint_interval", kindDuration, func(c *Config) any { return &c.Audit.CheckpointInterval }},
	{"audit.max_payload_bytes", kindInt, func(c *Config) any { return &c.Audit.MaxPayloadBytes }},
	{"audit.minimise", kindBool, func(c *Config) any { return &c.Audit.Minimise }},
	{"auth.trust_domain", kindString, func(c *Config) any { return &c.Auth.TrustDomain }},
	{"log.level", kindString, func(c *Config) any { return &c.Log.Level }},
	{"log.format", kindString, func(c *Config) any { return &c.Log.Format }},
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
