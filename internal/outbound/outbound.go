// Package outbound is the TLS client configuration of every connection
// agentgov opens to something it does not run (webhooks, package
// registries, manifest fetches, upstream MCP servers): TLS 1.3, the system
// roots plus outbound.tls.ca_file, and outbound.tls.pins checked after,
// never instead of, normal chain and name verification.
package outbound

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/tlspin"
)

// TLS is the client configuration for outbound connections; extraCAFile,
// if set, adds roots for this one purpose (a webhook's own CA).
func TLS(cfg *config.Config, extraCAFile string) (*tls.Config, error) {
	pins, err := PinHook(cfg)
	if err != nil {
		return nil, err
	}
	roots, err := Roots(cfg)
	if err != nil {
		return nil, err
	}
	if extraCAFile != "" {
		if roots == nil {
			roots = systemRoots()
		}
		if err := appendPEMFile(roots, extraCAFile); err != nil {
			return nil, err
		}
	}
	c := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: roots}
	pins(c)
	return c, nil
}

// PinHook checks outbound.tls.pins on a TLS client configuration (and
// raises it to TLS 1.3).
func PinHook(cfg *config.Config) (func(*tls.Config), error) {
	pins, err := tlspin.New(cfg.Outbound.TLS.Pins)
	if err != nil {
		return nil, fmt.Errorf("outbound.tls.pins: %w", err)
	}
	return pins.Hook, nil
}

// Roots is the system pool plus outbound.tls.ca_file, or nil (the system
// pool) when no file is configured.
func Roots(cfg *config.Config) (*x509.CertPool, error) {
	f := cfg.Outbound.TLS.CAFile
	if f == "" {
		return nil, nil
	}
	roots := systemRoots()
	if err := appendPEMFile(roots, f); err != nil {
		return nil, fmt.Errorf("outbound.tls.ca_file: %w", err)
	}
	return roots, nil
}

func systemRoots() *x509.CertPool {
	if roots, err := x509.SystemCertPool(); err == nil {
		return roots
	}
	return x509.NewCertPool()
}

func appendPEMFile(pool *x509.CertPool, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !pool.AppendCertsFromPEM(b) {
		return fmt.Errorf("%s holds no PEM certificate", path)
	}
	return nil
}
