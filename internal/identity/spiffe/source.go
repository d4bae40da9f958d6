package spiffe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// Source is where agentgov's server takes its own SVID and the bundle it
// verifies peers against: the built-in CA or a SPIRE agent.
type Source interface {
	x509svid.Source
	x509bundle.Source
	// TrustDomain is the domain peers must belong to.
	TrustDomain() spiffeid.TrustDomain
	// Verify checks a peer's certificate chain (leaf first) and returns
	// its SPIFFE ID.
	Verify(ctx context.Context, certs []*x509.Certificate) (spiffeid.ID, error)
	// Run keeps the SVID fresh until ctx ends.
	Run(ctx context.Context)
	Close() error
}

// builtinSource serves an SVID the CA issues to the server and renews.
type builtinSource struct {
	*Rotator
	ca *CA
}

// NewServerSource returns the built-in source: the server's own SVID from
// ca, for hosts (DNS names or IPs clients use to reach it), renewed at
// half-life and at once after a CA rotation.
func NewServerSource(ctx context.Context, ca *CA, hosts []string, now func() time.Time, log *slog.Logger) (Source, error) {
	if now == nil {
		now = time.Now
	}
	r, err := NewRotator(ctx, RotatorOptions{
		Obtain: func(ctx context.Context) (*x509svid.SVID, error) { return ca.IssueServer(ctx, hosts) },
		Stale: func(s *x509svid.SVID) bool {
			return s.Certificates[0].CheckSignatureFrom(ca.state.Load().current.cert) != nil
		},
		Now: now, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	return &builtinSource{Rotator: r, ca: ca}, nil
}

func (s *builtinSource) GetX509BundleForTrustDomain(td spiffeid.TrustDomain) (*x509bundle.Bundle, error) {
	return s.ca.GetX509BundleForTrustDomain(td)
}
func (s *builtinSource) TrustDomain() spiffeid.TrustDomain { return s.ca.td }
func (s *builtinSource) Verify(ctx context.Context, certs []*x509.Certificate) (spiffeid.ID, error) {
	return s.ca.Verify(ctx, certs)
}
func (s *builtinSource) Close() error { return nil }

// ServerTLSConfig is a TLS 1.3 server configuration that presents src's
// SVID (read at each handshake, so renewals apply at once) and asks for a
// client SVID, verified against src's bundle of the moment (a rotated
// bundle applies to the next handshake). With requireClient a connection
// without a client certificate is refused; otherwise it may proceed and
// authenticate another way (a bearer token). A client certificate that is
// given but does not verify always ends the handshake.
//
// Verification runs twice on purpose: crypto/tls checks the chain against
// the bundle (so http.Request.TLS.VerifiedChains is set as with any
// client CA), then Verify applies the SPIFFE rules (one URI SAN in the
// trust domain, not a CA, not revoked).
func ServerTLSConfig(src Source, requireClient bool, log *slog.Logger) *tls.Config {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	getCert := func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		s, err := src.GetX509SVID()
		if err != nil {
			log.Error("no server SVID to present", "err", err)
			return nil, err
		}
		return tlsCertificate(s), nil
	}
	clientAuth := tls.VerifyClientCertIfGiven
	if requireClient {
		clientAuth = tls.RequireAndVerifyClientCert
	}
	base := &tls.Config{MinVersion: tls.VersionTLS13, GetCertificate: getCert}
	base.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		b, err := src.GetX509BundleForTrustDomain(src.TrustDomain())
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		for _, c := range b.X509Authorities() {
			pool.AddCert(c)
		}
		c := &tls.Config{
			MinVersion:     tls.VersionTLS13,
			GetCertificate: getCert,
			ClientAuth:     clientAuth,
			ClientCAs:      pool,
			// The protocols the HTTP server registered on base (h2 when
			// it set HTTP/2 up), read at each handshake.
			NextProtos: base.NextProtos,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 {
					return nil // ClientAuth already refused it if required
				}
				ctx, cancel := context.WithTimeout(hello.Context(), 5*time.Second)
				defer cancel()
				if _, err := src.Verify(ctx, cs.PeerCertificates); err != nil {
					log.Info("client certificate refused", "remote", hello.Conn.RemoteAddr().String(), "err", err)
					return err
				}
				return nil
			},
		}
		return c, nil
	}
	return base
}

// ClientTLSConfig is a TLS 1.3 client configuration that presents svid's
// certificate and accepts only a server whose SVID verifies against bundle
// and satisfies authorize (e.g. tlsconfig.AuthorizeID). Host names are not
// checked: the SPIFFE ID is the server's identity.
func ClientTLSConfig(svid x509svid.Source, bundle x509bundle.Source, authorize tlsconfig.Authorizer) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			s, err := svid.GetX509SVID()
			if err != nil {
				return nil, err
			}
			return tlsCertificate(s), nil
		},
		// Chain verification happens in VerifyPeerCertificate against the
		// SPIFFE bundle, not against host names and system roots.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			id, chains, err := x509svid.ParseAndVerify(raw, bundle)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrUntrusted, err)
			}
			if authorize != nil {
				return authorize(id, chains)
			}
			return nil
		},
	}
}

func tlsCertificate(s *x509svid.SVID) *tls.Certificate {
	c := &tls.Certificate{PrivateKey: s.PrivateKey, Leaf: s.Certificates[0]}
	for _, x := range s.Certificates {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}
