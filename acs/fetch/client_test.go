package fetch

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentgov/agentgov/acs"
)

func serve(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) }
}

func TestFetchOK(t *testing.T) {
	var sawTLS atomic.Uint32
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawTLS.Store(uint32(r.TLS.Version))
		_, _ = w.Write(pinBody)
	}))
	c := e.client(Options{})
	got, err := c.Fetch(context.Background(), e.url("/base.yaml"), acs.URLPin{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, pinBody) {
		t.Fatalf("body %q", got)
	}
	// TLS 1.3 is negotiated when the server offers it.
	if sawTLS.Load() != tls.VersionTLS13 {
		t.Errorf("negotiated TLS version %#x, want 1.3", sawTLS.Load())
	}
	// The name went through the injected resolver and was dialled by IP.
	if len(e.resolver.lookups) == 0 || e.resolver.lookups[0] != testHost {
		t.Errorf("lookups %v", e.resolver.lookups)
	}
	if d := e.dialer.dialed(); len(d) != 1 || d[0] != net.JoinHostPort("127.0.0.1", e.port) {
		t.Errorf("dialed %v, want the resolved IP", d)
	}
}

// The resolved address is loopback, and that is allowed: §2.2 bans IP
// literals only and leaves DNS to the host network.
func TestFetchResolvedLoopbackAllowed(t *testing.T) {
	e := newEnv(t, serve("ok"))
	e.resolver.m[testHost] = []net.IPAddr{{IP: net.ParseIP("::1")}, {IP: net.ParseIP("127.0.0.1")}}
	e.dialer.fail = map[string]bool{net.JoinHostPort("::1", e.port): true}
	got, err := e.client(Options{}).Fetch(context.Background(), e.url("/"), acs.URLPin{})
	if err != nil || string(got) != "ok" {
		t.Fatalf("got %q, %v", got, err)
	}
	if d := e.dialer.dialed(); len(d) != 2 {
		t.Fatalf("dialed %v, want fallback to the second address", d)
	}
}

func TestFetchResolveFailure(t *testing.T) {
	e := newEnv(t, serve("ok"))
	_, err := e.client(Options{}).Fetch(context.Background(), "https://unknown.example.com:"+e.port+"/", acs.URLPin{})
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) {
		t.Fatalf("err %v, want DNS error", err)
	}
}

func TestFetchRefusedURLsNeverDial(t *testing.T) {
	e := newEnv(t, serve("ok"))
	c := e.client(Options{})
	for _, raw := range []string{
		"http://" + testHost + ":" + e.port + "/",
		"https://user:pw@" + testHost + ":" + e.port + "/",
		e.url("/#frag"),
		"https://127.0.0.1:" + e.port + "/",
		"https://[::ffff:127.0.0.1]:" + e.port + "/",
		"https://2130706433:" + e.port + "/",
		"https://0x7f.1:" + e.port + "/",
		"https://0177.0.0.1:" + e.port + "/",
		"https://localhost:" + e.port + "/",
	} {
		if _, err := c.Fetch(context.Background(), raw, acs.URLPin{}); !errors.Is(err, ErrForbidden) {
			t.Errorf("Fetch(%q) = %v, want ErrForbidden", raw, err)
		}
		if _, _, err := c.Post(context.Background(), raw, []byte("{}"), nil); !errors.Is(err, ErrForbidden) {
			t.Errorf("Post(%q) = %v, want ErrForbidden", raw, err)
		}
	}
	if d := e.dialer.dialed(); len(d) != 0 {
		t.Fatalf("refused URLs were dialled: %v", d)
	}
}

// selfSigned returns a server certificate for the given IP and a pool
// trusting it.
func selfSigned(t *testing.T, ip net.IP) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "rfc1918 test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{ip},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// An RFC 1918 literal is allowed end to end: it is dialled as written (the
// test dialer routes it to the local server) and verified against a
// certificate for that IP.
func TestFetchRFC1918LiteralAllowed(t *testing.T) {
	ip := net.ParseIP("10.11.12.13")
	cert, pool := selfSigned(t, ip)
	srv := unstarted(serve("private"))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e := envFor(t, srv)
	e.dialer.rewrite = map[string]string{
		net.JoinHostPort("10.11.12.13", e.port): srv.Listener.Addr().String(),
	}
	c := e.client(Options{RootCAs: pool})
	got, err := c.Fetch(context.Background(), "https://10.11.12.13:"+e.port+"/m.yaml", acs.URLPin{})
	if err != nil || string(got) != "private" {
		t.Fatalf("got %q, %v", got, err)
	}
	if len(e.resolver.lookups) != 0 {
		t.Errorf("literal was resolved: %v", e.resolver.lookups)
	}
}

func TestFetchCertificateVerified(t *testing.T) {
	e := newEnv(t, serve("ok"))
	// System roots do not trust the httptest CA.
	c := e.client(Options{RootCAs: x509.NewCertPool()})
	_, err := c.Fetch(context.Background(), e.url("/"), acs.URLPin{})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("err %v, want unknown authority", err)
	}
	// A name the certificate does not cover fails hostname verification.
	e.resolver.m["other.test"] = e.resolver.m[testHost]
	_, err = e.client(Options{}).Fetch(context.Background(), "https://other.test:"+e.port+"/", acs.URLPin{})
	var host x509.HostnameError
	if !errors.As(err, &host) {
		t.Fatalf("err %v, want hostname error", err)
	}
}

func TestFetchRefusesOldTLS(t *testing.T) {
	srv := unstarted(serve("ok"))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e := envFor(t, srv)
	_, err := e.client(Options{}).Fetch(context.Background(), e.url("/"), acs.URLPin{})
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("err %v, want a TLS version failure", err)
	}
}

func TestFetchTLS12Allowed(t *testing.T) {
	srv := unstarted(serve("ok"))
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e := envFor(t, srv)
	if _, err := e.client(Options{}).Fetch(context.Background(), e.url("/"), acs.URLPin{}); err != nil {
		t.Fatal(err)
	}
}

func TestFetchNoAmbientCredentials(t *testing.T) {
	// A proxy from the environment would be used by a default transport;
	// this one points nowhere, so honouring it would fail the fetch.
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	t.Setenv("ALL_PROXY", "http://127.0.0.1:1")
	var bad atomic.Value
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"Cookie", "Authorization", "Referer", "Proxy-Authorization"} {
			if v := r.Header.Get(h); v != "" {
				bad.Store(fmt.Sprintf("%s on %s: %q", h, r.URL.Path, v))
			}
		}
		if r.URL.Path == "/start" {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "x", Path: "/"})
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			http.Redirect(w, r, "/final", http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	c := e.client(Options{})
	for range 2 { // the second round would carry a cookie if a jar existed
		got, err := c.Fetch(context.Background(), e.url("/start"), acs.URLPin{})
		if err != nil || string(got) != "ok" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	if v := bad.Load(); v != nil {
		t.Fatal(v)
	}
}

func TestFetchRedirects(t *testing.T) {
	var e *env
	e = newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/relative":
			w.Header().Set("Location", "final.yaml")
			w.WriteHeader(http.StatusMovedPermanently)
		case p == "/absolute":
			w.Header().Set("Location", e.url("/final.yaml"))
			w.WriteHeader(http.StatusTemporaryRedirect)
		case p == "/see-other":
			w.Header().Set("Location", "/final.yaml")
			w.WriteHeader(http.StatusSeeOther)
		case p == "/to-http":
			w.Header().Set("Location", "http://"+testHost+":"+e.port+"/final.yaml")
			w.WriteHeader(http.StatusFound)
		case p == "/to-literal":
			w.Header().Set("Location", "https://127.0.0.1:"+e.port+"/final.yaml")
			w.WriteHeader(http.StatusFound)
		case p == "/to-metadata":
			w.Header().Set("Location", "https://169.254.169.254/latest/meta-data/")
			w.WriteHeader(http.StatusFound)
		case p == "/to-mapped":
			w.Header().Set("Location", "https://[::ffff:169.254.169.254]/latest/")
			w.WriteHeader(http.StatusPermanentRedirect)
		case p == "/to-mapped-loopback":
			w.Header().Set("Location", "https://[::ffff:7f00:1]:"+e.port+"/final.yaml")
			w.WriteHeader(http.StatusFound)
		case p == "/to-decimal":
			w.Header().Set("Location", "https://2130706433:"+e.port+"/final.yaml")
			w.WriteHeader(http.StatusFound)
		case p == "/to-userinfo":
			w.Header().Set("Location", "https://u:p@"+testHost+":"+e.port+"/final.yaml")
			w.WriteHeader(http.StatusFound)
		case p == "/to-fragment":
			w.Header().Set("Location", "/final.yaml#")
			w.WriteHeader(http.StatusFound)
		case p == "/to-scheme-relative-literal":
			w.Header().Set("Location", "//127.0.0.1:"+e.port+"/final.yaml")
			w.WriteHeader(http.StatusFound)
		case p == "/no-location":
			w.WriteHeader(http.StatusFound)
		case strings.HasPrefix(p, "/chain/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(p, "/chain/"))
			if n == 0 {
				_, _ = io.WriteString(w, "end of chain")
				return
			}
			http.Redirect(w, r, "/chain/"+strconv.Itoa(n-1), http.StatusFound)
		case p == "/final.yaml":
			_, _ = io.WriteString(w, "final")
		default:
			http.NotFound(w, r)
		}
	}))
	c := e.client(Options{MaxRedirects: 3})
	ctx := context.Background()

	for _, p := range []string{"/relative", "/absolute", "/see-other"} {
		if got, err := c.Fetch(ctx, e.url(p), acs.URLPin{}); err != nil || string(got) != "final" {
			t.Errorf("%s: got %q, %v", p, got, err)
		}
	}
	for _, p := range []string{"/to-http", "/to-literal", "/to-metadata", "/to-mapped", "/to-mapped-loopback",
		"/to-decimal", "/to-userinfo", "/to-fragment", "/to-scheme-relative-literal"} {
		before := len(e.dialer.dialed())
		if _, err := c.Fetch(ctx, e.url(p), acs.URLPin{}); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", p, err)
		}
		for _, a := range e.dialer.dialed()[before:] {
			if !strings.HasPrefix(a, "127.0.0.1:"+e.port) || strings.Contains(a, "169.254") {
				t.Errorf("%s: dialled %s", p, a)
			}
		}
	}
	// Exactly the cap is fine; one more is refused.
	if got, err := c.Fetch(ctx, e.url("/chain/3"), acs.URLPin{}); err != nil || string(got) != "end of chain" {
		t.Errorf("chain at cap: %q, %v", got, err)
	}
	if _, err := c.Fetch(ctx, e.url("/chain/4"), acs.URLPin{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("chain over cap: %v, want ErrForbidden", err)
	}
	if _, err := c.Fetch(ctx, e.url("/no-location"), acs.URLPin{}); err == nil || errors.Is(err, ErrForbidden) {
		t.Errorf("redirect without Location: %v", err)
	}
	// Explicit zero redirects: the first 3xx is refused.
	none := e.client(Options{MaxRedirects: -1})
	if _, err := none.Fetch(ctx, e.url("/chain/1"), acs.URLPin{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("no redirects allowed: %v", err)
	}
	// Default cap is the reference 5.
	def := e.client(Options{})
	if _, err := def.Fetch(ctx, e.url("/chain/5"), acs.URLPin{}); err != nil {
		t.Errorf("default cap 5: %v", err)
	}
	if _, err := def.Fetch(ctx, e.url("/chain/6"), acs.URLPin{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("default cap exceeded: %v", err)
	}
}

func TestFetchStatus(t *testing.T) {
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "body")
	}))
	c := e.client(Options{})
	for _, code := range []int{204, 201} {
		if _, err := c.Fetch(context.Background(), e.url("/"+strconv.Itoa(code)), acs.URLPin{}); err != nil {
			t.Errorf("%d: %v", code, err)
		}
	}
	for _, code := range []int{300, 304, 404, 500} {
		_, err := c.Fetch(context.Background(), e.url("/"+strconv.Itoa(code)+"?token=s3cret"), acs.URLPin{})
		var se *StatusError
		if !errors.As(err, &se) || se.Code != code {
			t.Errorf("%d: %v", code, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%d: error leaks the query: %v", code, err)
		}
	}
}

func TestFetchSizeLimit(t *testing.T) {
	const limit = 1024
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		chunk := bytes.Repeat([]byte("x"), n)
		switch r.URL.Path {
		case "/with-length":
			w.Header().Set("Content-Length", strconv.Itoa(n))
			_, _ = w.Write(chunk)
		case "/chunked":
			// Flushing before the body is complete forces chunked encoding:
			// no Content-Length at all.
			for i := 0; i < n; i += 100 {
				_, _ = w.Write(chunk[i:min(i+100, n)])
				w.(http.Flusher).Flush()
			}
		}
	}))
	c := e.client(Options{MaxBytes: limit})
	ctx := context.Background()
	for _, path := range []string{"/with-length", "/chunked"} {
		got, err := c.Fetch(ctx, e.url(path+"?n="+strconv.Itoa(limit)), acs.URLPin{})
		if err != nil || len(got) != limit {
			t.Errorf("%s at limit: %d bytes, %v", path, len(got), err)
		}
		if _, err := c.Fetch(ctx, e.url(path+"?n="+strconv.Itoa(limit+1)), acs.URLPin{}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s over limit: %v, want ErrTooLarge", path, err)
		}
		if _, _, err := c.Post(ctx, e.url(path+"?n="+strconv.Itoa(limit+1)), []byte("{}"), nil); !errors.Is(err, ErrTooLarge) {
			t.Errorf("POST %s over limit: %v, want ErrTooLarge", path, err)
		}
	}
	// WithLimits honours an explicit zero: only an empty body passes.
	zero := e.client(Options{}.WithLimits(acs.Limits{MaxManifestURLBytes: 0, ManifestURLTimeout: time.Minute, MaxManifestURLRedirects: 1}))
	if _, err := zero.Fetch(ctx, e.url("/with-length?n=1"), acs.URLPin{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("zero limit: %v", err)
	}
	if _, err := zero.Fetch(ctx, e.url("/with-length?n=0"), acs.URLPin{}); err != nil {
		t.Errorf("zero limit, empty body: %v", err)
	}
}

func TestFetchDefaultSizeLimit(t *testing.T) {
	big := acs.DefaultLimits().MaxManifestURLBytes + 1
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, big))
	}))
	if _, err := e.client(Options{}).Fetch(context.Background(), e.url("/"), acs.URLPin{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%v, want ErrTooLarge at the reference default", err)
	}
}

func TestFetchTimeouts(t *testing.T) {
	var e *env
	e = newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow-headers":
		case "/slow-body":
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		case "/slow-redirect":
			time.Sleep(150 * time.Millisecond)
			http.Redirect(w, r, "/slow-redirect", http.StatusFound)
			return
		}
		select {
		case <-r.Context().Done():
		case <-e.release:
		}
	}))
	c := e.client(Options{Timeout: 300 * time.Millisecond, MaxRedirects: 100})
	for _, p := range []string{"/slow-headers", "/slow-body", "/slow-redirect"} {
		start := time.Now()
		_, err := c.Fetch(context.Background(), e.url(p), acs.URLPin{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want DeadlineExceeded", p, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", p, d)
		}
		if p == "/slow-redirect" {
			continue // Post does not follow redirects
		}
		_, _, err = c.Post(context.Background(), e.url(p), []byte("{}"), nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("POST %s: %v, want DeadlineExceeded", p, err)
		}
	}
	// The caller's context ends the read too, as a cancellation.
	for _, p := range []string{"/slow-headers", "/slow-body"} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := e.client(Options{}).Fetch(ctx, e.url(p), acs.URLPin{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancel %s: %v, want Canceled", p, err)
		}
	}
}

func TestFetchPins(t *testing.T) {
	var hits atomic.Int32
	e := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write(pinBody)
	}))
	c := e.client(Options{})
	ctx := context.Background()
	u := e.url("/base.yaml")
	other := sha256.Sum256([]byte("tampered"))

	for name, pin := range map[string]acs.URLPin{
		"sha256":         {SHA256: pinHex},
		"sha256 upper":   {SHA256: strings.ToUpper(pinHex)},
		"integrity":      {Integrity: "sha256-" + pinB64},
		"integrity raw":  {Integrity: "sha256-" + pinB64Raw},
		"with same URL":  {URL: u, SHA256: pinHex},
		"unpinned":       {},
		"FetchPin route": {URL: u, Integrity: "sha256-" + pinB64},
	} {
		var err error
		if name == "FetchPin route" {
			_, err = c.FetchPin(ctx, pin)
		} else {
			_, err = c.Fetch(ctx, u, pin)
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, pin := range map[string]acs.URLPin{
		"sha256 mismatch":    {SHA256: hex.EncodeToString(other[:])},
		"integrity mismatch": {Integrity: "sha256-" + base64.StdEncoding.EncodeToString(other[:])},
	} {
		if _, err := c.Fetch(ctx, u, pin); !errors.Is(err, ErrPin) {
			t.Errorf("%s: %v, want ErrPin", name, err)
		}
	}
	before := hits.Load()
	for name, pin := range map[string]acs.URLPin{
		"both":          {SHA256: pinHex, Integrity: "sha256-" + pinB64},
		"malformed hex": {SHA256: pinHex[:60]},
		"malformed sri": {Integrity: "md5-abc"},
		"other URL":     {URL: e.url("/other.yaml"), SHA256: pinHex},
	} {
		if _, err := c.Fetch(ctx, u, pin); !errors.Is(err, ErrPin) {
			t.Errorf("%s: %v, want ErrPin", name, err)
		}
	}
	if hits.Load() != before {
		t.Errorf("malformed pins reached the network")
	}
}

func TestPost(t *testing.T) {
	var e *env
	e = newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			if r.Method != http.MethodPost {
				http.Error(w, "method", http.StatusMethodNotAllowed)
				return
			}
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"body":%s,"ct":%q,"accept":%q,"auth":%q,"cookie":%q}`,
				b, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("Authorization"), r.Header.Get("Cookie"))
		case "/redirect":
			w.Header().Set("Location", e.url("/echo"))
			w.WriteHeader(http.StatusTemporaryRedirect)
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, "short and stout")
		}
	}))
	c := e.client(Options{})
	ctx := context.Background()

	body, code, err := c.Post(ctx, e.url("/echo"), []byte(`{"a":1}`), nil)
	if err != nil || code != 200 {
		t.Fatalf("%d %v", code, err)
	}
	want := `{"body":{"a":1},"ct":"application/json","accept":"application/json","auth":"","cookie":""}`
	if string(body) != want {
		t.Errorf("got %s\nwant %s", body, want)
	}
	h := http.Header{"Authorization": {"Bearer k"}, "Content-Type": {"application/x+json"}}
	body, _, err = c.Post(ctx, e.url("/echo"), []byte(`{}`), h)
	if err != nil || !strings.Contains(string(body), `"auth":"Bearer k"`) || !strings.Contains(string(body), `"ct":"application/x+json"`) {
		t.Errorf("explicit headers: %s %v", body, err)
	}
	// Redirects are never followed on POST: the 307 comes back as is.
	_, code, err = c.Post(ctx, e.url("/redirect"), []byte(`{}`), h)
	if err != nil || code != http.StatusTemporaryRedirect {
		t.Errorf("redirect: %d %v", code, err)
	}
	body, code, err = c.Post(ctx, e.url("/teapot"), []byte(`{}`), nil)
	if err != nil || code != http.StatusTeapot || string(body) != "short and stout" {
		t.Errorf("non-2xx: %d %q %v", code, body, err)
	}
}

func TestWithLimits(t *testing.T) {
	c := New(Options{}.WithLimits(acs.DefaultLimits()))
	def := acs.DefaultLimits()
	if c.maxBytes != def.MaxManifestURLBytes || c.timeout != def.ManifestURLTimeout || c.maxRedirects != def.MaxManifestURLRedirects {
		t.Errorf("defaults: %+v", c)
	}
	z := New(Options{}.WithLimits(acs.Limits{}))
	if z.maxBytes != 0 || z.timeout != 0 || z.maxRedirects != 0 {
		t.Errorf("explicit zeros: %+v", z)
	}
	d := New(Options{})
	if d.maxBytes != def.MaxManifestURLBytes || d.timeout != def.ManifestURLTimeout || d.maxRedirects != def.MaxManifestURLRedirects {
		t.Errorf("zero options: %+v", d)
	}
}

func TestDialerRecheck(t *testing.T) {
	d := &dialer{resolver: &fakeResolver{}, dialer: &recordingDialer{}}
	for _, addr := range []string{"127.0.0.1:443", "[::ffff:169.254.169.254]:443", "0x7f.1:443", "localhost:443"} {
		if _, err := d.dialContext(context.Background(), "tcp", addr); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if got := d.dialer.(*recordingDialer).dialed(); len(got) != 0 {
		t.Errorf("dialled %v", got)
	}
}

// A body that completes (clean EOF) only after the deadline is a timeout:
// the race between cancellation and the server finishing its response must
// not turn into an accepted, possibly partial, body.
func TestReadBodyAfterDeadline(t *testing.T) {
	c := New(Options{})
	ctx, cancel := c.deadline(context.Background())
	cancel()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	u, _ := ValidateURL("https://" + testHost + "/x")
	for _, cx := range []context.Context{ctx, ctx2} {
		resp := &http.Response{Body: io.NopCloser(strings.NewReader("complete")), ContentLength: -1}
		if _, err := c.readBody(cx, u, resp); err == nil || !errors.Is(err, cx.Err()) {
			t.Errorf("%v, want %v", err, cx.Err())
		}
	}
}
