package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/identity/spiffe"
)

// RequestSVID asks the server's CA for an X.509-SVID for the key that
// signed csrPEM. An agent principal gets its own SVID (leave agent
// empty); an ADMIN operator names the agent.
func (c *Client) RequestSVID(ctx context.Context, agent string, csrPEM []byte) (api.SVIDResponse, error) {
	var out api.SVIDResponse
	_, err := c.do(ctx, http.MethodPost, "/v1/identity/svid", nil, api.SVIDRequest{CSR: string(csrPEM), Agent: agent}, &out)
	return out, err
}

// RevokeSVID revokes an SVID by its serial (lower-case hex, as
// RequestSVID returned it); new handshakes presenting it fail. ADMIN only.
func (c *Client) RevokeSVID(ctx context.Context, serial string) error {
	_, err := c.do(ctx, http.MethodPost, "/v1/identity/svid/"+url.PathEscape(serial)+"/revocation", nil, struct{}{}, nil)
	return err
}

// NewSVID generates an ECDSA P-256 key, has the server's CA certify it and
// returns the SVID and the trust bundle.
func (c *Client) NewSVID(ctx context.Context, agent string) (*x509svid.SVID, *x509bundle.Bundle, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.RequestSVID(ctx, agent, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	svid, err := x509svid.Parse([]byte(resp.SVID), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		return nil, nil, fmt.Errorf("client: the server's SVID: %w", err)
	}
	bundle, err := x509bundle.Parse(svid.ID.TrustDomain(), []byte(resp.Bundle))
	if err != nil {
		return nil, nil, fmt.Errorf("client: the server's bundle: %w", err)
	}
	return svid, bundle, nil
}

// SVIDSource holds an agent's X.509-SVID from agentgov's CA and renews it
// at half its lifetime, so that it never presents an expired one. It is an
// x509svid.Source and an x509bundle.Source for go-spiffe's tlsconfig, and
// TLSConfig makes a client that presents it to agentgov itself. Run it
// (go src.Run(ctx)) to keep it fresh.
type SVIDSource struct {
	r      *spiffe.Rotator
	now    func() time.Time
	mu     sync.RWMutex
	bundle *x509bundle.Bundle
}

// SVIDSourceOptions configure NewSVIDSource.
type SVIDSourceOptions struct {
	// Agent is the agent to ask for; empty when c authenticates as that
	// agent (a session token or its current SVID).
	Agent string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// NewSVIDSource obtains the first SVID through c.
func (c *Client) NewSVIDSource(ctx context.Context, o SVIDSourceOptions) (*SVIDSource, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &SVIDSource{now: o.Now}
	r, err := spiffe.NewRotator(ctx, spiffe.RotatorOptions{
		Obtain: func(ctx context.Context) (*x509svid.SVID, error) {
			svid, bundle, err := c.NewSVID(ctx, o.Agent)
			if err != nil {
				return nil, err
			}
			s.mu.Lock()
			s.bundle = bundle
			s.mu.Unlock()
			return svid, nil
		},
		Now: o.Now,
	})
	if err != nil {
		return nil, err
	}
	s.r = r
	return s, nil
}

// GetX509SVID implements x509svid.Source; an expired SVID is an error.
func (s *SVIDSource) GetX509SVID() (*x509svid.SVID, error) { return s.r.GetX509SVID() }

// GetX509BundleForTrustDomain implements x509bundle.Source with the
// bundle of the last renewal.
func (s *SVIDSource) GetX509BundleForTrustDomain(td spiffeid.TrustDomain) (*x509bundle.Bundle, error) {
	s.mu.RLock()
	b := s.bundle
	s.mu.RUnlock()
	return b.GetX509BundleForTrustDomain(td)
}

// RenewIfDue renews the SVID when half its lifetime has passed.
func (s *SVIDSource) RenewIfDue(ctx context.Context) (bool, error) { return s.r.RenewIfDue(ctx) }

// Run renews until ctx ends.
func (s *SVIDSource) Run(ctx context.Context) { s.r.Run(ctx) }

// TLSConfig is a TLS 1.3 client configuration for an agentgov server in
// SPIFFE mode: it presents the current SVID and accepts the server if its
// certificate verifies against the current bundle for the host name
// dialled and carries the server's SPIFFE ID.
func (s *SVIDSource) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			svid, err := s.GetX509SVID()
			if err != nil {
				return nil, err
			}
			c := &tls.Certificate{PrivateKey: svid.PrivateKey, Leaf: svid.Certificates[0]}
			for _, x := range svid.Certificates {
				c.Certificate = append(c.Certificate, x.Raw)
			}
			return c, nil
		},
		// The chain is verified below, against the bundle of the moment
		// (a CA rotation changes it) rather than a fixed pool.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("client: the server presented no certificate")
			}
			svid, err := s.GetX509SVID()
			if err != nil {
				return err
			}
			td := svid.ID.TrustDomain()
			b, err := s.GetX509BundleForTrustDomain(td)
			if err != nil {
				return err
			}
			roots := x509.NewCertPool()
			for _, c := range b.X509Authorities() {
				roots.AddCert(c)
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			leaf := cs.PeerCertificates[0]
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: cs.ServerName,
				CurrentTime: s.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
				return fmt.Errorf("client: the server's certificate: %w", err)
			}
			id, err := x509svid.IDFromCert(leaf)
			if err != nil {
				return fmt.Errorf("client: the server's certificate is no SVID: %w", err)
			}
			if want := spiffeid.RequireFromPath(td, spiffe.ServerPath); id != want {
				return fmt.Errorf("client: the server is %s, not %s", id, want)
			}
			return nil
		},
	}
}
