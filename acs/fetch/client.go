package fetch

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/agentgov/agentgov/acs"
)

// Typed errors callers branch on. Every error returned by this package that
// stems from one of these rules wraps the matching value.
var (
	// ErrTooLarge: the response body exceeds MaxBytes. Loaders map it to
	// runtime_error:resource_limit_exceeded (digest 2.9.6, §15).
	ErrTooLarge = errors.New("fetch: response body exceeds the size limit")
	// ErrPin: the content pin is malformed, doubled, or does not match.
	ErrPin = errors.New("fetch: content pin invalid or mismatched")
	// ErrForbidden: the URL (first or a redirect hop) breaks a URL rule, a
	// dial target is a banned literal, or the redirect cap was exceeded.
	ErrForbidden = errors.New("fetch: URL refused")
)

// StatusError is a final response outside 2xx on a Fetch.
type StatusError struct {
	Code int
	URL  string // redacted: no query
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("fetch: %s answered HTTP %d", e.URL, e.Code)
}

// Resolver resolves DNS names; *net.Resolver implements it.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Dialer opens TCP connections; *net.Dialer implements it.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Options configure a Client. For the three limits, zero selects the ACS
// reference default and a negative value an explicit zero (no body bytes,
// no time, no redirects), so that a host limits file can say 0; WithLimits
// does that mapping.
type Options struct {
	Resolver Resolver       // nil: net.DefaultResolver
	Dialer   Dialer         // nil: &net.Dialer{}
	RootCAs  *x509.CertPool // nil: system roots

	MaxBytes     int64         // 0: acs.DefaultLimits().MaxManifestURLBytes
	Timeout      time.Duration // 0: acs.DefaultLimits().ManifestURLTimeout; total per call
	MaxRedirects int           // 0: acs.DefaultLimits().MaxManifestURLRedirects

	// UserAgent replaces the default "agentgov-acs-fetch/1".
	UserAgent string

	// ConfigureTLS, if set, adjusts the client's TLS configuration once,
	// before first use: a host adds public-key pinning or raises the
	// minimum version here. It must not weaken verification.
	ConfigureTLS func(*tls.Config)
}

// WithLimits returns o with the URL-fetch limits taken from l, honouring
// zeros in l as real limits.
func (o Options) WithLimits(l acs.Limits) Options {
	o.MaxBytes = explicit(l.MaxManifestURLBytes)
	o.Timeout = explicit(l.ManifestURLTimeout)
	o.MaxRedirects = explicit(l.MaxManifestURLRedirects)
	return o
}

func explicit[T int | int64 | time.Duration](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

func limit[T int | int64 | time.Duration](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// Client is safe for concurrent use. It holds connection pools but no state
// that depends on what was fetched.
type Client struct {
	hc           *http.Client
	maxBytes     int64
	timeout      time.Duration
	maxRedirects int
	userAgent    string
}

// New builds a Client.
func New(o Options) *Client {
	def := acs.DefaultLimits()
	d := &dialer{resolver: o.Resolver, dialer: o.Dialer}
	if d.resolver == nil {
		d.resolver = net.DefaultResolver
	}
	if d.dialer == nil {
		d.dialer = &net.Dialer{}
	}
	tlsCfg := &tls.Config{
		MinVersion: tls.VersionTLS12, // MaxVersion unset: TLS 1.3 preferred
		RootCAs:    o.RootCAs,
	}
	if o.ConfigureTLS != nil {
		o.ConfigureTLS(tlsCfg)
		tlsCfg.InsecureSkipVerify = false
	}
	tr := &http.Transport{
		// Proxy nil: HTTPS_PROXY and friends are ambient configuration; a
		// proxy would also see every URL and could answer for any host.
		Proxy:               nil,
		DialContext:         d.dialContext,
		TLSClientConfig:     tlsCfg,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: 10 * time.Second,
		// Transparent gzip would make the pinned bytes depend on a header
		// the server chooses; pins are over the entity body as sent.
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
	}
	ua := o.UserAgent
	if ua == "" {
		ua = "agentgov-acs-fetch/1"
	}
	return &Client{
		hc: &http.Client{
			Transport: tr,
			// Redirects are followed by Fetch itself so that every hop is
			// re-validated (§2.2). Returning ErrUseLastResponse hands the
			// 3xx back unfollowed; net/http therefore never adds a Referer.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			// Jar nil: no cookies, ever.
		},
		maxBytes:     limit(o.MaxBytes, def.MaxManifestURLBytes),
		timeout:      limit(o.Timeout, def.ManifestURLTimeout),
		maxRedirects: limit(o.MaxRedirects, def.MaxManifestURLRedirects),
		userAgent:    ua,
	}
}

// CloseIdleConnections releases pooled connections.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// FetchPin is Fetch(ctx, pin.URL, pin); its signature matches
// acs.Source.Fetch.
func (c *Client) FetchPin(ctx context.Context, pin acs.URLPin) ([]byte, error) {
	return c.Fetch(ctx, pin.URL, pin)
}

// Fetch GETs rawURL, following up to MaxRedirects redirects (each hop
// re-validated), and returns the body of the final 2xx response after
// verifying pin. pin.URL, if set, must equal rawURL. A malformed pin fails
// before any network traffic.
func (c *Client) Fetch(ctx context.Context, rawURL string, pin acs.URLPin) ([]byte, error) {
	if pin.URL != "" && pin.URL != rawURL {
		return nil, fmt.Errorf("%w: pin is for a different URL", ErrPin)
	}
	if err := ValidatePin(pin); err != nil {
		return nil, err
	}
	u, err := ValidateURL(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	for hops := 0; ; hops++ {
		resp, err := c.do(ctx, http.MethodGet, u, nil, nil)
		if err != nil {
			return nil, err
		}
		if isRedirect(resp.StatusCode) {
			next, err := c.nextHop(u, resp, hops)
			if err != nil {
				return nil, err
			}
			u = next
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			discard(resp)
			return nil, &StatusError{Code: resp.StatusCode, URL: redact(u)}
		}
		body, err := c.readBody(ctx, u, resp)
		if err != nil {
			return nil, err
		}
		if err := VerifyPin(pin, body); err != nil {
			return nil, fmt.Errorf("%s: %w", redact(u), err)
		}
		return body, nil
	}
}

// Post sends body (JSON) to rawURL and returns the response body and status
// code, whatever the status, under the same URL, TLS, credential, size and
// time rules as Fetch. header is sent as given (the only way an
// Authorization header is ever sent); Content-Type and Accept default to
// application/json.
//
// Post never follows redirects: a 3xx is returned like any other status.
// Re-sending a body, and possibly credentials, to a location the server
// picks is the exfiltration path the URL guard exists to close.
func (c *Client) Post(ctx context.Context, rawURL string, body []byte, header http.Header) ([]byte, int, error) {
	u, err := ValidateURL(rawURL)
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	resp, err := c.do(ctx, http.MethodPost, u, body, header)
	if err != nil {
		return nil, 0, err
	}
	data, err := c.readBody(ctx, u, resp)
	return data, resp.StatusCode, err
}

// deadline bounds one Fetch or Post, redirects and body read included.
func (c *Client) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	cause := fmt.Errorf("fetch: total time limit of %v exceeded: %w", c.timeout, context.DeadlineExceeded)
	return context.WithTimeoutCause(ctx, c.timeout, cause)
}

func (c *Client) do(ctx context.Context, method string, u *url.URL, body []byte, header http.Header) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("fetch: %s: %w", redact(u), err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost && req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the unredacted URL
		}
		return nil, withCtx(ctx, fmt.Errorf("fetch: %s: %w", redact(u), err))
	}
	return resp, nil
}

// nextHop validates the Location of a redirect response and closes it.
func (c *Client) nextHop(cur *url.URL, resp *http.Response, hops int) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	discard(resp)
	if hops >= c.maxRedirects {
		return nil, fmt.Errorf("%w: more than %d redirects", ErrForbidden, c.maxRedirects)
	}
	if loc == "" {
		return nil, fmt.Errorf("fetch: %s: HTTP %d redirect without Location", redact(cur), resp.StatusCode)
	}
	if len(loc) > maxURLLen {
		return nil, fmt.Errorf("%w: redirect Location longer than %d bytes", ErrForbidden, maxURLLen)
	}
	// The raw Location is checked for '#' because resolving would drop an
	// empty fragment, and a fragment is refused on every hop as on the first.
	if strings.ContainsRune(loc, '#') {
		return nil, fmt.Errorf("%w: redirect from %s: URL carries a fragment", ErrForbidden, redact(cur))
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("%w: redirect from %s: malformed Location", ErrForbidden, redact(cur))
	}
	// A relative Location resolves against the current hop (RFC 9110
	// §10.2.2); the result goes through exactly the checks of a first URL.
	next, err := ValidateURL(cur.ResolveReference(ref).String())
	if err != nil {
		return nil, fmt.Errorf("redirect from %s: %w", redact(cur), err)
	}
	return next, nil
}

// readBody reads at most maxBytes; one byte more is ErrTooLarge. A declared
// Content-Length over the limit fails before reading; a smaller or missing
// one is not trusted.
func (c *Client) readBody(ctx context.Context, u *url.URL, resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if resp.ContentLength > c.maxBytes {
		return nil, fmt.Errorf("%w: %s declares %d bytes, limit %d", ErrTooLarge, redact(u), resp.ContentLength, c.maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, withCtx(ctx, fmt.Errorf("fetch: reading %s: %w", redact(u), err))
	}
	// A read can race the deadline: the cancellation closes the connection,
	// the server sees it, ends its response, and the last bytes arrive as a
	// clean EOF. A body completed after the deadline is a timeout, not a
	// success, so that the limit is deterministic.
	if ctx.Err() != nil {
		return nil, withCtx(ctx, fmt.Errorf("fetch: reading %s: response completed after the deadline", redact(u)))
	}
	if int64(len(body)) > c.maxBytes {
		return nil, fmt.Errorf("%w: %s sent more than %d bytes", ErrTooLarge, redact(u), c.maxBytes)
	}
	return body, nil
}

// discard drains a little of an unwanted body so the connection can be
// reused, then closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// withCtx makes a transport error that happened because ctx ended wrap the
// context's cause too (context.DeadlineExceeded or context.Canceled), so
// callers can tell a timeout from a refusal with errors.Is regardless of
// how net/http phrased it.
func withCtx(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	cause := context.Cause(ctx)
	if errors.Is(err, cause) {
		return err
	}
	return fmt.Errorf("%w: %w", cause, err)
}

// dialer resolves names through the injected Resolver and dials by IP
// through the injected Dialer.
type dialer struct {
	resolver Resolver
	dialer   Dialer
}

func (d *dialer) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("fetch: dial %q: %w", addr, err)
	}
	// Defence in depth: the URL was validated, but the literal ban is
	// re-applied to what is actually dialled.
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := checkAddr(ip); err != nil {
			return nil, err
		}
		return d.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
	}
	if err := checkHost(host, false); err != nil {
		return nil, err
	}
	ips, err := d.resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("fetch: resolve %q: %w", host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("fetch: resolve %q: no addresses", host)
	}
	// Resolved addresses are not checked against the literal ban: see the
	// package documentation (§2.2, "applies to IP literals only").
	var errs []error
	for _, ip := range ips {
		conn, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("fetch: dial %q: %w", host, errors.Join(errs...))
}
