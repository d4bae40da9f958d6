package tlspin

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParsePin(t *testing.T) {
	good := Prefix + base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		in, want string
	}{
		{good, ""},
		{"sha256/" + base64.RawStdEncoding.EncodeToString(make([]byte, 32)), "base64 characters"},
		{"sha1/" + base64.StdEncoding.EncodeToString(make([]byte, 20)), "must start with"},
		{"SHA256/" + good[7:], "must start with"},
		{"sha256/" + strings.Repeat("-", 44), "standard base64"},
		{"sha256/" + base64.StdEncoding.EncodeToString(make([]byte, 31)) + "AAAA", "base64 characters"},
		{"", "must start with"},
	} {
		p, err := ParsePin(tc.in)
		if tc.want == "" {
			if err != nil || p.String() != tc.in {
				t.Errorf("%q: %v %v", tc.in, p, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestNew(t *testing.T) {
	pin := Prefix + base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		name string
		in   map[string][]string
		want string
	}{
		{"ok", map[string][]string{"api.example.com": {pin}, "10.0.0.1": {pin}, "[::1]": {pin}}, ""},
		{"port", map[string][]string{"api.example.com:443": {pin}}, "without scheme or port"},
		{"scheme", map[string][]string{"https://api.example.com": {pin}}, "without scheme or port"},
		{"empty list", map[string][]string{"a.example": nil}, "at least one pin"},
		{"bad pin", map[string][]string{"a.example": {"sha256/x"}}, "pin 0"},
		{"empty host", map[string][]string{"": {pin}}, "must not be empty"},
	} {
		s, err := New(tc.in)
		if tc.want == "" {
			if err != nil || s.Len() != 3 {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestVerifyOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	leaf := srv.Certificate()
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	right := Of(leaf).String()
	wrong := Prefix + base64.StdEncoding.EncodeToString(make([]byte, 32))
	if got := sha256.Sum256(leaf.RawSubjectPublicKeyInfo); Of(leaf) != Pin(got) {
		t.Fatal("Of is not the SPKI digest")
	}
	// httptest's certificate covers example.com and 127.0.0.1.
	dialLocal := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}
	for _, tc := range []struct {
		name, url string
		pins      map[string][]string
		wantErr   error
	}{
		{"pinned name", "https://example.com/", map[string][]string{"example.com": {wrong, right}}, nil},
		{"wrong pin name", "https://example.com/", map[string][]string{"example.com": {wrong}}, ErrMismatch},
		{"pinned ip", "https://127.0.0.1/", map[string][]string{"127.0.0.1": {right}}, nil},
		{"wrong pin ip", "https://127.0.0.1/", map[string][]string{"127.0.0.1": {wrong}}, ErrMismatch},
		{"unpinned host", "https://example.com/", map[string][]string{"other.example": {wrong}}, nil},
		{"no pins", "https://example.com/", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.pins)
			if err != nil {
				t.Fatal(err)
			}
			hc := &http.Client{Transport: &http.Transport{TLSClientConfig: s.ClientConfig(roots), DialContext: dialLocal}}
			resp, err := hc.Get(tc.url)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.TLS.Version != tls.VersionTLS13 {
					t.Fatal("not TLS 1.3")
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
		})
	}
	// Pins never replace chain verification: an untrusted chain with the
	// right pin is still refused.
	s, _ := New(map[string][]string{"example.com": {right}})
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: s.ClientConfig(x509.NewCertPool()), DialContext: dialLocal}}
	if _, err := hc.Get("https://example.com/"); err == nil {
		t.Fatal("pinned key accepted over an unverified chain")
	}
	// Hook keeps an existing check and raises the version floor.
	c := &tls.Config{MinVersion: tls.VersionTLS12, VerifyConnection: func(tls.ConnectionState) error { return errors.New("first") }}
	s.Hook(c)
	if c.MinVersion != tls.VersionTLS13 || c.VerifyConnection(tls.ConnectionState{}).Error() != "first" {
		t.Fatal("Hook dropped the existing check or the TLS 1.3 floor")
	}
}

func FuzzParsePin(f *testing.F) {
	f.Add(Prefix + base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("sha256/")
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParsePin(in)
		if err == nil && p.String() != in {
			t.Fatalf("%q parsed to %q: two spellings of one pin", in, p)
		}
	})
}
