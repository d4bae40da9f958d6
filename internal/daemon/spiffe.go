package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/agentgov/agentgov/acs/fetch"
	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/identity/spiffe"
	"github.com/agentgov/agentgov/internal/identity/spiffe/spire"
	"github.com/agentgov/agentgov/internal/outbound"
	"github.com/agentgov/agentgov/internal/server"
	"github.com/agentgov/agentgov/internal/store"
)

// SPIFFEDir is the built-in CA's directory inside the keys directory.
func SPIFFEDir(keysDir string) string { return filepath.Join(keysDir, "spiffe") }

// SPIFFE owns agentgov's SPIFFE identities in a running server: the
// built-in CA (opened on first use, so that a deployment that never asks
// for an SVID never gets a CA) or a SPIRE agent's Workload API.
type SPIFFE struct {
	cfg    *config.Config
	keys   string
	st     store.Certificates
	log    spiffe.AuditLog
	logger *slog.Logger

	mu sync.Mutex
	ca *spiffe.CA
}

// NewSPIFFE prepares the identities of cfg; it does no I/O.
func NewSPIFFE(cfg *config.Config, keysDir string, st store.Certificates, log spiffe.AuditLog, logger *slog.Logger) *SPIFFE {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &SPIFFE{cfg: cfg, keys: keysDir, st: st, log: log, logger: logger}
}

// CA opens (creating on first use) the built-in CA. With SVIDs from SPIRE
// there is none: the error wraps server.ErrSVIDUnavailable.
func (s *SPIFFE) CA(ctx context.Context) (*spiffe.CA, error) {
	if s.cfg.Auth.SPIFFE.Source != config.SPIFFEBuiltin {
		return nil, fmt.Errorf("%w: auth.spiffe.source is %s; SVIDs come from the SPIRE agent", server.ErrSVIDUnavailable, s.cfg.Auth.SPIFFE.Source)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ca != nil {
		return s.ca, nil
	}
	ca, err := spiffe.OpenCA(ctx, spiffe.Options{
		TrustDomain: s.cfg.Auth.TrustDomain, Dir: SPIFFEDir(s.keys), Store: s.st, Audit: s.log,
		SVIDTTL: s.cfg.Auth.SPIFFE.SVIDTTL.Duration, CATTL: s.cfg.Auth.SPIFFE.CATTL.Duration,
	})
	if err != nil {
		return nil, err
	}
	s.ca = ca
	return ca, nil
}

// RotateCA replaces the built-in CA's key (agentgov keys rotate --ca);
// SVIDs already issued keep verifying until they expire.
func (s *SPIFFE) RotateCA(ctx context.Context) error {
	if s.cfg.Auth.SPIFFE.Source != config.SPIFFEBuiltin {
		return fmt.Errorf("%w: auth.spiffe.source is %s; SPIRE rotates its own CA", server.ErrKeyTargetUnavailable, s.cfg.Auth.SPIFFE.Source)
	}
	ca, err := s.CA(ctx)
	if err != nil {
		return err
	}
	if err := ca.Rotate(ctx); err != nil {
		return err
	}
	s.logger.Info("SPIFFE CA rotated", "ca", ca.CurrentID())
	return nil
}

// RunCARotation rotates the built-in CA before its certificate runs out:
// at start and every interval it checks CA.RotationDue. It acts only on a
// CA that exists (one is created on first use, not by this schedule).
func (s *SPIFFE) RunCARotation(ctx context.Context, every time.Duration) {
	if s.cfg.Auth.SPIFFE.Source != config.SPIFFEBuiltin {
		return
	}
	check := func() {
		if !spiffe.Exists(SPIFFEDir(s.keys)) {
			return
		}
		ca, err := s.CA(ctx)
		if err != nil {
			s.logger.Error("scheduled CA rotation: opening the CA failed", "err", err)
			return
		}
		if !ca.RotationDue() {
			return
		}
		if err := s.RotateCA(ctx); err != nil {
			s.logger.Error("scheduled CA rotation failed; retrying at the next check", "err", err)
		}
	}
	check()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			check()
		}
	}
}

// IssueSVID implements server.SVIDIssuer.
func (s *SPIFFE) IssueSVID(ctx context.Context, agent string, csrPEM []byte, by string) (api.SVIDResponse, error) {
	ca, err := s.CA(ctx)
	if err != nil {
		return api.SVIDResponse{}, err
	}
	if _, err := ca.AgentID(agent); err != nil {
		return api.SVIDResponse{}, &server.SVIDRequestError{Field: "agent", Err: err}
	}
	csr, err := spiffe.ParseCSR(csrPEM)
	if err != nil {
		return api.SVIDResponse{}, &server.SVIDRequestError{Field: "csr", Err: err}
	}
	is, err := ca.IssueAgent(ctx, agent, csr, by)
	if errors.Is(err, spiffe.ErrRequest) {
		return api.SVIDResponse{}, &server.SVIDRequestError{Field: "csr", Err: err}
	}
	if err != nil {
		return api.SVIDResponse{}, err
	}
	return api.SVIDResponse{
		SPIFFEID: is.ID.String(), SVID: string(is.CertificatePEM()), Bundle: string(ca.BundlePEM()),
		Serial: is.Record.Serial, NotBefore: is.Record.NotBefore.UTC().Format(time.RFC3339),
		NotAfter: is.Record.NotAfter.UTC().Format(time.RFC3339), AuditIndex: is.AuditIndex,
	}, nil
}

// RevokeSVID implements server.SVIDIssuer.
func (s *SPIFFE) RevokeSVID(ctx context.Context, serial, by string) error {
	ca, err := s.CA(ctx)
	if err != nil {
		return err
	}
	err = ca.Revoke(ctx, serial, by)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s", server.ErrSVIDNotFound, serial)
	}
	return err
}

// RevocationEpoch implements server.SVIDRevocations: it changes whenever
// the built-in CA revokes a certificate (never with SPIRE, which revokes
// by not renewing).
func (s *SPIFFE) RevocationEpoch() uint64 {
	s.mu.Lock()
	ca := s.ca
	s.mu.Unlock()
	if ca == nil {
		return 0
	}
	return ca.RevocationEpoch()
}

// CheckRevoked implements server.SVIDRevocations for the built-in CA;
// with SPIRE there is nothing of agentgov's to check.
func (s *SPIFFE) CheckRevoked(ctx context.Context, leaf *x509.Certificate) error {
	if s.cfg.Auth.SPIFFE.Source != config.SPIFFEBuiltin {
		return nil
	}
	ca, err := s.CA(ctx)
	if err != nil {
		return err
	}
	return ca.CheckRevoked(ctx, leaf)
}

// ServerTLS is the listeners' TLS configuration in SPIFFE mode
// (server.tls.spiffe): the server's own SVID, renewed in the background
// until ctx ends, and client SVIDs verified against the bundle. It fails
// closed: no CA or no SPIRE agent, no server.
func (s *SPIFFE) ServerTLS(ctx context.Context, addrs ...string) (*tls.Config, spiffe.Source, error) {
	var src spiffe.Source
	switch s.cfg.Auth.SPIFFE.Source {
	case config.SPIFFESpire:
		var err error
		src, err = spire.OpenWorkloadAPI(ctx, s.cfg.Auth.SPIFFE.WorkloadAPISocket, 10*time.Second)
		if err != nil {
			return nil, nil, fmt.Errorf("server.tls.spiffe: %w", err)
		}
	default:
		ca, err := s.CA(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("server.tls.spiffe: %w", err)
		}
		src, err = spiffe.NewServerSource(ctx, ca, serverHosts(addrs...), nil, s.logger.With("component", "spiffe"))
		if err != nil {
			return nil, nil, fmt.Errorf("server.tls.spiffe: %w", err)
		}
	}
	go src.Run(ctx)
	return spiffe.ServerTLSConfig(src, s.cfg.Server.TLS.RequireClientCert, s.logger.With("component", "tls")), src, nil
}

// serverHosts are the DNS and IP SANs of the server's SVID: the listen
// hosts, or for a wildcard listener the machine's names and addresses.
func serverHosts(addrs ...string) []string {
	var out []string
	add := func(h string) {
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	for _, a := range addrs {
		if a == "" {
			continue
		}
		host, _, err := net.SplitHostPort(a)
		if err != nil {
			continue
		}
		if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
			add(host)
			if host == "localhost" {
				add("127.0.0.1")
				add("::1")
			}
			continue
		}
		add("localhost")
		add("127.0.0.1")
		add("::1")
		if name, err := os.Hostname(); err == nil {
			add(name)
		}
		if ifaddrs, err := net.InterfaceAddrs(); err == nil {
			for _, ia := range ifaddrs {
				if n, ok := ia.(*net.IPNet); ok && !n.IP.IsLinkLocalUnicast() {
					add(n.IP.String())
				}
			}
		}
	}
	return out
}

// OutboundFetch is the fetch configuration of every HTTPS connection a
// manifest causes (extends, bundle_url, endpoint annotators):
// outbound.tls roots and pins, TLS 1.3.
func OutboundFetch(cfg *config.Config) (fetch.Options, error) {
	pins, err := outbound.PinHook(cfg)
	if err != nil {
		return fetch.Options{}, err
	}
	roots, err := outbound.Roots(cfg)
	if err != nil {
		return fetch.Options{}, err
	}
	return fetch.Options{RootCAs: roots, ConfigureTLS: pins}, nil
}
