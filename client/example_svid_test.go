package client_test

import (
	"context"
	"crypto/tls"
	"log"
	"net/http"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"

	"github.com/agentgov/agentgov/client"
)

// An agent obtains an SVID from agentgov's CA with its session token,
// keeps it renewed, calls agentgov with it instead of a token, and serves
// a peer agent over mutual TLS with the same SVID and bundle.
func ExampleClient_NewSVIDSource() {
	ctx := context.Background()
	tc, err := client.TLSConfig(client.TLSFiles{CA: "bundle.pem"}) // the trust domain's CA bundle
	if err != nil {
		log.Fatal(err)
	}
	bootstrap, err := client.New("https://agentgov.internal:8470", "SESSION-TOKEN", client.WithTLSConfig(tc))
	if err != nil {
		log.Fatal(err)
	}
	src, err := bootstrap.NewSVIDSource(ctx, client.SVIDSourceOptions{})
	if err != nil {
		log.Fatal(err)
	}
	go src.Run(ctx) // renews at half-life

	// Decisions, authenticated by the SVID alone.
	gov, err := client.New("https://agentgov.internal:8470", "", client.WithTLSConfig(src.TLSConfig()))
	if err != nil {
		log.Fatal(err)
	}
	_ = gov

	// A peer-facing server that accepts only agent "billing".
	peer := spiffeid.RequireFromString("spiffe://agentgov.local/agent/billing")
	peerTLS := tlsconfig.MTLSServerConfig(src, src, tlsconfig.AuthorizeID(peer))
	peerTLS.MinVersion = tls.VersionTLS13
	srv := &http.Server{Addr: ":9443", TLSConfig: peerTLS}
	_ = srv.ListenAndServeTLS("", "")
}
