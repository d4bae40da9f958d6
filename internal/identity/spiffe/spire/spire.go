// Package spire takes agentgov's SPIFFE identity from an existing SPIRE
// agent through the Workload API, instead of the built-in CA. It is its
// own package so that only a server configured for SPIRE links the gRPC
// client.
package spire

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"

	"github.com/agentgov/agentgov/internal/identity/spiffe"
)

// ErrWorkloadAPI reports that the SPIRE Workload API could not be used.
var ErrWorkloadAPI = errors.New("spiffe: SPIRE Workload API unavailable")

// CheckWorkloadAPIAddr validates a Workload API address: unix:///path or
// tcp://ip:port.
func CheckWorkloadAPIAddr(addr string) error {
	u, err := url.Parse(addr)
	if err != nil {
		return fmt.Errorf("must be a URL (unix:///path/to/agent.sock or tcp://ip:port): %w", err)
	}
	switch u.Scheme {
	case "unix":
		if u.Host != "" || u.Path == "" || u.RawQuery != "" || u.Fragment != "" {
			return errors.New("a unix address is unix:///absolute/path/to/agent.sock")
		}
	case "tcp":
		if net.ParseIP(u.Hostname()) == nil || u.Port() == "" || u.Path != "" {
			return errors.New("a tcp address is tcp://ip:port (an IP, not a name)")
		}
	default:
		return errors.New("the scheme must be unix or tcp")
	}
	return nil
}

// OpenWorkloadAPI takes the server's SVID and bundles from a SPIRE agent.
// It fails closed, with an error naming the problem, when the socket is
// missing or the agent does not answer within timeout: a server configured
// for SPIRE never falls back to anything weaker.
func OpenWorkloadAPI(ctx context.Context, addr string, timeout time.Duration) (spiffe.Source, error) {
	if err := CheckWorkloadAPIAddr(addr); err != nil {
		return nil, fmt.Errorf("%w: auth.spiffe.workload_api_socket: %w", ErrWorkloadAPI, err)
	}
	if u, _ := url.Parse(addr); u.Scheme == "unix" {
		fi, err := os.Stat(u.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: no SPIRE agent socket at %s (auth.spiffe.workload_api_socket); is the agent running?", ErrWorkloadAPI, u.Path)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrWorkloadAPI, err)
		}
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("%w: %s is not a socket (auth.spiffe.workload_api_socket)", ErrWorkloadAPI, u.Path)
		}
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	src, err := workloadapi.NewX509Source(cctx, workloadapi.WithClientOptions(workloadapi.WithAddr(addr)))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrWorkloadAPI, addr, err)
	}
	svid, err := src.GetX509SVID()
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("%w: %w", ErrWorkloadAPI, err)
	}
	return &spireSource{X509Source: src, td: svid.ID.TrustDomain()}, nil
}

// spireSource is a Workload API X509Source; SPIRE rotates its SVIDs.
type spireSource struct {
	*workloadapi.X509Source
	td spiffeid.TrustDomain
}

func (s *spireSource) TrustDomain() spiffeid.TrustDomain { return s.td }
func (s *spireSource) Run(context.Context)               {}
func (s *spireSource) Verify(_ context.Context, certs []*x509.Certificate) (spiffeid.ID, error) {
	id, _, err := x509svid.Verify(certs, s)
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("%w: %w", spiffe.ErrUntrusted, err)
	}
	return id, nil
}
