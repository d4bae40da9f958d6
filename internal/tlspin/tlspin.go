// Package tlspin pins the public keys of the servers agentgov connects to.
// A pin is "sha256/" followed by the standard base64 of the SHA-256 of the
// certificate's SubjectPublicKeyInfo (the form of RFC 7469 and of curl's
// --pinnedpubkey). Pins are checked after, never instead of, normal chain
// and host-name verification: a pinned host must present a certificate
// that is valid for it and whose key, or the key of a certificate in its
// verified chain, is pinned.
package tlspin

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Prefix starts every pin.
const Prefix = "sha256/"

// ErrMismatch reports a pinned host whose certificate chain carries none
// of its pinned keys.
var ErrMismatch = errors.New("tlspin: the server's public key is not pinned")

// Pin is the SHA-256 of a SubjectPublicKeyInfo.
type Pin [sha256.Size]byte

// String is the pin's text form.
func (p Pin) String() string { return Prefix + base64.StdEncoding.EncodeToString(p[:]) }

// ParsePin reads "sha256/<base64>" (standard alphabet, padded).
func ParsePin(s string) (Pin, error) {
	var p Pin
	b64, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return p, fmt.Errorf("a pin must start with %q", Prefix)
	}
	if len(b64) != base64.StdEncoding.EncodedLen(sha256.Size) {
		return p, fmt.Errorf("a pin is %q followed by %d base64 characters", Prefix, base64.StdEncoding.EncodedLen(sha256.Size))
	}
	b, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(b) != sha256.Size {
		return p, errors.New("a pin's digest must be standard base64 of 32 bytes")
	}
	copy(p[:], b)
	return p, nil
}

// Of returns the pin of a certificate's public key.
func Of(cert *x509.Certificate) Pin { return sha256.Sum256(cert.RawSubjectPublicKeyInfo) }

// NormalizeHost lower-cases a host name and strips an IPv6 literal's
// brackets, so that pins and connections name a host the same way.
func NormalizeHost(host string) string {
	h := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return h
}

// CheckHost validates a pinned host: a DNS name or an IP literal, without
// port or scheme.
func CheckHost(host string) error {
	if host == "" {
		return errors.New("the host must not be empty")
	}
	if net.ParseIP(NormalizeHost(host)) != nil {
		return nil
	}
	if len(host) > 253 || strings.ContainsAny(host, ":/@ ") {
		return errors.New("the host must be a DNS name or an IP address, without scheme or port")
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return errors.New("the host must be a DNS name or an IP address, without scheme or port")
		}
		for _, r := range label {
			if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return errors.New("the host must be a DNS name or an IP address, without scheme or port")
			}
		}
	}
	return nil
}

// Set holds the pins of several hosts. The zero value (and nil) pins
// nothing. A Set is immutable once built and safe for concurrent use.
type Set struct {
	hosts map[string][]Pin
}

// New builds a Set from host → pins text, reporting the first bad entry
// by host.
func New(pins map[string][]string) (*Set, error) {
	s := &Set{hosts: map[string][]Pin{}}
	for host, list := range pins {
		if err := CheckHost(host); err != nil {
			return nil, fmt.Errorf("tlspin: host %q: %w", host, err)
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("tlspin: host %q: at least one pin is required", host)
		}
		h := NormalizeHost(host)
		for i, text := range list {
			p, err := ParsePin(text)
			if err != nil {
				return nil, fmt.Errorf("tlspin: host %q pin %d: %w", host, i, err)
			}
			s.hosts[h] = append(s.hosts[h], p)
		}
	}
	return s, nil
}

// Len is the number of pinned hosts.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.hosts)
}

// Verify checks the connection to host: unpinned hosts pass (chain
// verification has already run), pinned ones must have verified chains
// with a pinned key in one of them. It never passes a connection whose
// chain crypto/tls did not verify.
func (s *Set) Verify(host string, cs tls.ConnectionState) error {
	if s == nil {
		return nil
	}
	pins, ok := s.hosts[NormalizeHost(host)]
	if host == "" && len(cs.PeerCertificates) > 0 {
		// A connection to an IP literal sends no server name, and crypto/tls
		// reports none; the leaf was verified for the dialled IP, so every
		// pinned IP the leaf covers is held to its pins.
		for _, ip := range cs.PeerCertificates[0].IPAddresses {
			if p, found := s.hosts[ip.String()]; found {
				pins, ok = append(pins, p...), true
			}
		}
	}
	if !ok {
		return nil
	}
	if len(cs.VerifiedChains) == 0 {
		return fmt.Errorf("%w: no verified chain for pinned host %s", ErrMismatch, host)
	}
	for _, chain := range cs.VerifiedChains {
		for _, c := range chain {
			got := Of(c)
			for _, want := range pins {
				if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("%w: %s presented %s", ErrMismatch, host, Of(cs.PeerCertificates[0]))
}

// ClientConfig returns a TLS 1.3 client configuration over roots (nil:
// the system's) that verifies chains and host names as usual and then the
// pins of the host it connects to (ServerName). One configuration serves
// every host: the host is taken from each connection.
func (s *Set) ClientConfig(roots *x509.CertPool) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		RootCAs:    roots,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return s.Verify(cs.ServerName, cs)
		},
	}
}

// Hook adds the pin check to an existing client configuration, keeping
// any VerifyConnection it had, and raises its minimum version to TLS 1.3.
func (s *Set) Hook(c *tls.Config) {
	c.MinVersion = max(c.MinVersion, tls.VersionTLS13)
	if s.Len() == 0 {
		return
	}
	prev := c.VerifyConnection
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if prev != nil {
			if err := prev(cs); err != nil {
				return err
			}
		}
		return s.Verify(cs.ServerName, cs)
	}
}
