package config

import (
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/agentgov/agentgov/internal/tlspin"
)

// SPIFFE configures where agent and server X.509-SVIDs come from
// (auth.spiffe).
type SPIFFE struct {
	// Source is "builtin" (agentgov's own CA for auth.trust_domain, keys
	// in the data directory) or "spire" (an existing SPIRE agent's
	// Workload API; the built-in CA is then not used).
	Source string `yaml:"source"`
	// WorkloadAPISocket is the SPIRE agent's address, unix:///path or
	// tcp://ip:port; required with source spire.
	WorkloadAPISocket string `yaml:"workload_api_socket"`
	// SVIDTTL is the lifetime of SVIDs the built-in CA issues; holders
	// renew at half of it.
	SVIDTTL Duration `yaml:"svid_ttl"`
	// CATTL is the lifetime of a new built-in CA certificate.
	CATTL Duration `yaml:"ca_ttl"`
}

// SPIFFE sources.
const (
	SPIFFEBuiltin = "builtin"
	SPIFFESpire   = "spire"
)

func defaultSPIFFE() SPIFFE {
	return SPIFFE{Source: SPIFFEBuiltin, SVIDTTL: Duration{time.Hour}, CATTL: Duration{365 * 24 * time.Hour}}
}

// Outbound configures the connections agentgov itself opens (manifest
// URLs, endpoint annotators, webhooks).
type Outbound struct {
	TLS OutboundTLS `yaml:"tls"`
}

// OutboundTLS configures outbound TLS. Outbound connections always verify
// the server's chain and name and use TLS 1.3.
type OutboundTLS struct {
	// CAFile adds PEM roots to the system's for outbound connections.
	CAFile string `yaml:"ca_file"`
	// Pins maps a host (DNS name or IP, no port) to the SHA-256 SPKI pins
	// ("sha256/<base64>") one of which its chain must carry. File only.
	Pins map[string][]string `yaml:"pins,omitempty"`
}

// outboundPinsKey is the one map under outbound; it is file-only.
const outboundPinsKey = "outbound.tls.pins"

const (
	minSVIDTTL = time.Minute
	maxSVIDTTL = 24 * time.Hour
	maxCATTL   = 10 * 365 * 24 * time.Hour
	maxPins    = 1000
)

func (c *Config) spiffeProblems(add func(field, format string, args ...any)) {
	t := &c.Server.TLS
	if t.SPIFFE {
		if t.Cert != "" {
			add("server.tls.cert", "cannot be combined with server.tls.spiffe: the server presents its own SVID")
		}
		if t.Key != "" {
			add("server.tls.key", "cannot be combined with server.tls.spiffe: the server presents its own SVID")
		}
		if t.ClientCA != "" {
			add("server.tls.client_ca", "cannot be combined with server.tls.spiffe: client SVIDs are verified against the trust domain's bundle")
		}
	}
	s := &c.Auth.SPIFFE
	switch s.Source {
	case SPIFFEBuiltin:
		if s.WorkloadAPISocket != "" {
			add("auth.spiffe.workload_api_socket", "is used only with auth.spiffe.source: spire")
		}
	case SPIFFESpire:
		switch {
		case s.WorkloadAPISocket == "":
			add("auth.spiffe.workload_api_socket", "is required with auth.spiffe.source: spire (e.g. unix:///run/spire/agent.sock)")
		case !strings.HasPrefix(s.WorkloadAPISocket, "unix:///") && !strings.HasPrefix(s.WorkloadAPISocket, "tcp://"):
			add("auth.spiffe.workload_api_socket", "must be unix:///absolute/path or tcp://ip:port")
		}
	default:
		add("auth.spiffe.source", "must be builtin or spire")
	}
	if d := s.SVIDTTL.Duration; d < minSVIDTTL || d > maxSVIDTTL {
		add("auth.spiffe.svid_ttl", "must be between %s and %s, got %s", shortDuration(minSVIDTTL), shortDuration(maxSVIDTTL), d)
	} else if ca := s.CATTL.Duration; ca < 2*d || ca > maxCATTL {
		add("auth.spiffe.ca_ttl", "must be between twice auth.spiffe.svid_ttl (%s) and %s, got %s", 2*d, maxCATTL, ca)
	}
	pins := c.Outbound.TLS.Pins
	if len(pins) > maxPins {
		add(outboundPinsKey, "at most %d hosts may be pinned, got %d", maxPins, len(pins))
	}
	hosts := make([]string, 0, len(pins))
	for h := range pins {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	for _, h := range hosts {
		if _, err := tlspin.New(map[string][]string{h: pins[h]}); err != nil {
			add(outboundPinsKey+"."+h, "%s", strings.TrimPrefix(err.Error(), "tlspin: "))
		}
	}
}

// outboundPins decodes outbound.tls.pins: a mapping of host to a list of
// pins. Host keys are read here, not by loader.key, because a host name
// contains dots.
func (l *loader) outboundPins(node ast.Node) {
	if p := unsupported(node); p != "" {
		l.fail(outboundPinsKey, node, p)
		return
	}
	switch node.(type) {
	case *ast.NullNode:
		l.cfg.Outbound.TLS.Pins = nil
		return
	case ast.MapNode:
	default:
		l.fail(outboundPinsKey, node, "expected a mapping of host to a list of pins (sha256/<base64>), got "+describe(node))
		return
	}
	out := map[string][]string{}
	it := node.(ast.MapNode).MapRange()
	for it.Next() {
		kv := it.KeyValue()
		var k ast.Node = kv.Key
		if mk, ok := k.(*ast.MappingKeyNode); ok {
			k = mk.Value
		}
		var host string
		switch kn := k.(type) {
		case *ast.StringNode:
			host = kn.Value
		default:
			l.note(outboundPinsKey, kv.Key, "a pinned host must be a string, got "+describe(k))
			continue
		}
		full := outboundPinsKey + "." + host
		if _, dup := out[host]; dup {
			l.fail(full, kv.Key, "duplicate host")
			continue
		}
		l.prov[full] = l.fileOrigin(kv.Value)
		list := l.strList(full, kv.Value)
		out[host] = list.Values
		if out[host] == nil {
			out[host] = []string{}
		}
	}
	if len(out) == 0 {
		out = nil // "pins: {}" is the default
	}
	l.cfg.Outbound.TLS.Pins = out
}
