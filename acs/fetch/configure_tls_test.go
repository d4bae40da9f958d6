package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"testing"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/internal/tlspin"
)

// TestConfigureTLSPins fetches from a pinned host: the right key passes,
// a wrong one ends the connection, and the hook raises the floor to TLS 1.3.
func TestConfigureTLSPins(t *testing.T) {
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS.Version != tls.VersionTLS13 {
			http.Error(w, "not TLS 1.3", http.StatusBadRequest)
			return
		}
		w.Write([]byte("{}"))
	}))
	right := tlspin.Of(e.srv.Certificate()).String()
	wrong := "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	for _, tc := range []struct {
		name string
		pins []string
		ok   bool
	}{
		{"right pin", []string{wrong, right}, true},
		{"wrong pin", []string{wrong}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := tlspin.New(map[string][]string{testHost: tc.pins})
			if err != nil {
				t.Fatal(err)
			}
			body, err := e.client(Options{ConfigureTLS: set.Hook}).Fetch(context.Background(), e.url("/"), acs.URLPin{})
			if tc.ok {
				if err != nil || string(body) != "{}" {
					t.Fatalf("%q %v", body, err)
				}
				return
			}
			if !errors.Is(err, tlspin.ErrMismatch) {
				t.Fatalf("got %v, want a pin mismatch", err)
			}
		})
	}
}
