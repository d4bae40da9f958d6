package annotate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/fetch"
)

// Declaration fields the Endpoint engine reads. ACS §10 lets declarations
// carry host-defined fields and says nothing about `endpoint` beyond its
// name; these follow the reference dispatcher where it has an opinion
// (`url`, `timeout_ms`, `api_key_env`, `api_key_header`, the `input` and
// `fields` request members) and are agentgov's choice otherwise.
const (
	FieldURL          = "url"            // required, https
	FieldTimeoutMS    = "timeout_ms"     // optional positive integer
	FieldAPIKeyEnv    = "api_key_env"    // optional: env var holding the key
	FieldAPIKey       = "api_key"        // optional: inline key
	FieldAPIKeyHeader = "api_key_header" // optional: header name for the key
	FieldHeaders      = "headers"        // optional: static non-secret headers
)

// Typed errors. All of them end in runtime_error:annotation_failed except
// timeouts, which wrap acs.ErrAnnotatorTimeout instead.
var (
	// ErrConfig: the declaration cannot be used (missing url, bad
	// timeout_ms, env credential in a URL-sourced manifest, …).
	ErrConfig = errors.New("annotate: invalid endpoint annotator configuration")
	// ErrCredential: the named credential environment variable is unset or
	// empty.
	ErrCredential = errors.New("annotate: endpoint credential unavailable")
	// ErrResponse: the endpoint answered outside 2xx or not with exactly one
	// JSON value.
	ErrResponse = errors.New("annotate: bad endpoint response")
)

// Defaults for EndpointOptions.
const (
	DefaultEndpointTimeout = 5 * time.Second
	MaxEndpointTimeout     = 60 * time.Second
)

// EndpointOptions configure an Endpoint engine.
type EndpointOptions struct {
	// Fetch configures the HTTPS client (resolver, dialer, roots). MaxBytes
	// 0 means acs.DefaultLimits().MaxAnnotatorOutputBytes: the response is
	// the annotation, so the annotator output limit (§15) bounds it before
	// it is even parsed. Timeout 0 means MaxTimeout.
	Fetch fetch.Options
	// LookupEnv resolves api_key_env. Nil means os.LookupEnv; tests and
	// hosts with a secret store inject their own.
	LookupEnv func(name string) (string, bool)
	// DefaultTimeout applies when a declaration has no timeout_ms (0:
	// DefaultEndpointTimeout); MaxTimeout is the largest timeout_ms accepted
	// (0: MaxEndpointTimeout).
	DefaultTimeout time.Duration
	MaxTimeout     time.Duration
}

// Endpoint is the acs.AnnotatorEngine for `type: endpoint`: it POSTs the
// resolved `from` value to an HTTPS URL and returns the JSON response as
// the annotation. It is safe for concurrent use and keeps no state between
// calls.
//
// Request body (Content-Type application/json):
//
//	{"annotator": <name>, "intervention_point": <point>,
//	 "input": <resolved from value>, "fields": {<host-defined fields>}}
//
// "input" and "fields" are the members the reference endpoint dispatcher
// sends, so an endpoint service written for it works unchanged (the
// reference only accepts string inputs; any JSON value is sent here, and a
// string is sent identically). "fields" holds the declaration overlaid with
// the binding minus everything this engine consumes: type, from,
// input_from, url, timeout_ms, headers and every credential field, so no
// credential or credential name is ever put in a body. "annotator" and
// "intervention_point" are small routing hints for an endpoint serving
// several annotators.
//
// The preliminary policy input is deliberately not sent. The data an
// endpoint sees is exactly what the manifest author selected with `from`
// (which may be `$pi` when the whole input is really wanted), so a shared
// or third-party endpoint never receives the full snapshot by default.
type Endpoint struct {
	client         *fetch.Client
	lookupEnv      func(string) (string, bool)
	defaultTimeout time.Duration
	maxTimeout     time.Duration
}

// NewEndpoint builds an Endpoint engine.
func NewEndpoint(o EndpointOptions) *Endpoint {
	e := &Endpoint{
		lookupEnv:      o.LookupEnv,
		defaultTimeout: o.DefaultTimeout,
		maxTimeout:     o.MaxTimeout,
	}
	if e.lookupEnv == nil {
		e.lookupEnv = os.LookupEnv
	}
	if e.maxTimeout <= 0 {
		e.maxTimeout = MaxEndpointTimeout
	}
	if e.defaultTimeout <= 0 {
		e.defaultTimeout = DefaultEndpointTimeout
	}
	e.defaultTimeout = min(e.defaultTimeout, e.maxTimeout)
	fo := o.Fetch
	if fo.MaxBytes == 0 {
		fo.MaxBytes = acs.DefaultLimits().MaxAnnotatorOutputBytes
	}
	if fo.Timeout == 0 {
		fo.Timeout = e.maxTimeout
	}
	e.client = fetch.New(fo)
	return e
}

// CloseIdleConnections releases pooled connections.
func (e *Endpoint) CloseIdleConnections() { e.client.CloseIdleConnections() }

// endpointRequest is the wire shape documented on Endpoint.
type endpointRequest struct {
	Annotator         string         `json:"annotator"`
	InterventionPoint acs.Point      `json:"intervention_point"`
	Input             any            `json:"input"`
	Fields            map[string]any `json:"fields"`
}

// Annotate implements acs.AnnotatorEngine.
func (e *Endpoint) Annotate(ctx context.Context, call *acs.AnnotatorCall) (any, error) {
	typ, err := callType(call)
	if err != nil {
		return nil, err
	}
	if typ != TypeEndpoint {
		return nil, fmt.Errorf("%w: annotator %q has type %q, not %q", ErrConfig, call.Name, typ, TypeEndpoint)
	}
	req, err := e.prepare(call)
	if err != nil {
		return nil, fmt.Errorf("annotator %q: %w", call.Name, err)
	}
	body, err := json.Marshal(endpointRequest{
		Annotator:         call.Name,
		InterventionPoint: call.Point,
		Input:             call.Value,
		Fields:            req.fields,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: annotator %q: encoding request: %w", ErrConfig, call.Name, err)
	}

	cause := fmt.Errorf("annotate: timeout_ms %d elapsed: %w", req.timeout.Milliseconds(), context.DeadlineExceeded)
	callCtx, cancel := context.WithTimeoutCause(ctx, req.timeout, cause)
	defer cancel()
	resp, code, err := e.client.Post(callCtx, req.url, body, req.header)
	if err != nil {
		// A deadline, ours or the caller's, is a timeout (§10:
		// annotation_timeout); everything else, refusals and oversized
		// bodies included, is an annotator error.
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: annotator %q: %w", acs.ErrAnnotatorTimeout, call.Name, err)
		}
		return nil, fmt.Errorf("annotator %q: %w", call.Name, err)
	}
	if code < 200 || code > 299 {
		return nil, fmt.Errorf("%w: annotator %q: HTTP %d: %s", ErrResponse, call.Name, code, snippet(resp))
	}
	v, err := decodeOne(resp)
	if err != nil {
		return nil, fmt.Errorf("%w: annotator %q: %w", ErrResponse, call.Name, err)
	}
	return v, nil
}

type prepared struct {
	url     string
	timeout time.Duration
	header  http.Header
	fields  map[string]any
}

// prepare reads the declaration. It runs before any network traffic, so a
// bad declaration or a missing credential never produces a request.
func (e *Endpoint) prepare(call *acs.AnnotatorCall) (*prepared, error) {
	cfg := call.Config
	p := &prepared{header: http.Header{}, fields: map[string]any{}}
	urlSourced := call.Source.URL != ""

	for k, v := range cfg {
		switch {
		case k == "type" || k == "from" || k == "input_from" || k == FieldURL ||
			k == FieldTimeoutMS || k == FieldAPIKey || k == FieldAPIKeyEnv ||
			k == FieldAPIKeyHeader || k == FieldHeaders:
			// consumed below, never forwarded
		case strings.HasPrefix(k, "aws_"):
			// AWS signing is an llm-preset concern; an endpoint has no use
			// for AWS credentials, and forwarding them in "fields" would
			// leak them. §2.3 forbids aws_*_env outright for URL-sourced
			// manifests; for the rest, refusing is the fail-closed reading.
			if strings.HasSuffix(k, "_env") && urlSourced {
				return nil, fmt.Errorf("%w: URL-sourced manifest may not declare %s (§2.3)", ErrConfig, k)
			}
			if strings.HasSuffix(k, "_env") || k == "aws_access_key_id" || k == "aws_secret_access_key" || k == "aws_session_token" {
				return nil, fmt.Errorf("%w: %s is not supported by the endpoint annotator", ErrConfig, k)
			}
			p.fields[k] = v
		default:
			p.fields[k] = v
		}
	}

	rawURL, ok := cfg[FieldURL].(string)
	if !ok || rawURL == "" {
		return nil, fmt.Errorf("%w: %s must be a non-empty string", ErrConfig, FieldURL)
	}
	if _, err := fetch.ValidateURL(rawURL); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, FieldURL, err)
	}
	p.url = rawURL

	timeout, err := e.timeout(cfg)
	if err != nil {
		return nil, err
	}
	p.timeout = timeout

	if err := staticHeaders(cfg, p.header); err != nil {
		return nil, err
	}
	if err := e.credential(cfg, urlSourced, p.header); err != nil {
		return nil, err
	}
	return p, nil
}

// timeout reads timeout_ms: a positive integer of milliseconds no larger
// than the engine's MaxTimeout. Out-of-range values are an error rather
// than clamped, so a manifest never silently runs with a different timeout
// than it declares.
func (e *Endpoint) timeout(cfg map[string]any) (time.Duration, error) {
	raw, ok := cfg[FieldTimeoutMS]
	if !ok || raw == nil {
		return e.defaultTimeout, nil
	}
	ms, ok := integer(raw)
	if !ok || ms <= 0 {
		return 0, fmt.Errorf("%w: %s must be a positive integer, got %v", ErrConfig, FieldTimeoutMS, raw)
	}
	if ms > e.maxTimeout.Milliseconds() {
		return 0, fmt.Errorf("%w: %s %d exceeds the host maximum of %d", ErrConfig, FieldTimeoutMS, ms, e.maxTimeout.Milliseconds())
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// integer accepts the integer representations JSON and YAML decoders
// produce.
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(n.String(), 10, 64)
		return i, err == nil
	case int:
		return int64(n), true
	case int64:
		return n, true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case float64:
		if n != math.Trunc(n) || n >= math.MaxInt64 || n < math.MinInt64 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

// credential sets the authentication header, if any. Credentials come only
// from an explicit inline api_key or from the environment variable named
// by api_key_env (§10: "credentials MUST come from explicit manifest fields
// or named environment variables"); there is no default variable. A
// URL-sourced manifest may not name an environment variable (§2.3): it
// could otherwise send any host secret to an endpoint of its choosing.
func (e *Endpoint) credential(cfg map[string]any, urlSourced bool, h http.Header) error {
	_, hasEnv := cfg[FieldAPIKeyEnv]
	_, hasInline := cfg[FieldAPIKey]
	if hasEnv && urlSourced {
		return fmt.Errorf("%w: URL-sourced manifest may not declare %s (§2.3)", ErrConfig, FieldAPIKeyEnv)
	}
	if hasEnv && hasInline {
		return fmt.Errorf("%w: %s and %s are mutually exclusive", ErrConfig, FieldAPIKey, FieldAPIKeyEnv)
	}
	var key string
	switch {
	case hasEnv:
		name, ok := cfg[FieldAPIKeyEnv].(string)
		if !ok || name == "" {
			return fmt.Errorf("%w: %s must be a non-empty string", ErrConfig, FieldAPIKeyEnv)
		}
		v, ok := e.lookupEnv(name)
		if !ok || v == "" {
			return fmt.Errorf("%w: environment variable %s named by %s is unset or empty", ErrCredential, name, FieldAPIKeyEnv)
		}
		key = v
	case hasInline:
		v, ok := cfg[FieldAPIKey].(string)
		if !ok || v == "" {
			return fmt.Errorf("%w: %s must be a non-empty string", ErrConfig, FieldAPIKey)
		}
		key = v
	default:
		if _, ok := cfg[FieldAPIKeyHeader]; ok {
			return fmt.Errorf("%w: %s without %s or %s", ErrConfig, FieldAPIKeyHeader, FieldAPIKey, FieldAPIKeyEnv)
		}
		return nil
	}
	if !validHeaderValue(key) {
		// Never echo the value: it is a secret.
		return fmt.Errorf("%w: credential contains characters not allowed in a header", ErrCredential)
	}
	name, value := "Authorization", "Bearer "+key
	if raw, ok := cfg[FieldAPIKeyHeader]; ok {
		s, ok := raw.(string)
		if !ok || !validHeaderName(s) || (reservedHeader(s) && !strings.EqualFold(s, "Authorization")) {
			return fmt.Errorf("%w: %s must be a usable header name", ErrConfig, FieldAPIKeyHeader)
		}
		// A custom header (api-key, Ocp-Apim-Subscription-Key, …) carries the
		// raw key, as the reference does.
		name, value = s, key
	}
	if h.Get(name) != "" {
		return fmt.Errorf("%w: header %s set both statically and as the credential", ErrConfig, name)
	}
	h.Set(name, value)
	return nil
}

// staticHeaders copies the optional `headers` object: string values, valid
// names, nothing the transport owns and nothing that carries credentials
// (those go through api_key/api_key_env so that the §2.3 rule sees them).
func staticHeaders(cfg map[string]any, h http.Header) error {
	raw, ok := cfg[FieldHeaders]
	if !ok || raw == nil {
		return nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: %s must be an object of strings", ErrConfig, FieldHeaders)
	}
	for k, v := range m {
		s, ok := v.(string)
		if !ok || !validHeaderName(k) || !validHeaderValue(s) {
			return fmt.Errorf("%w: %s.%s must be a valid header with a string value", ErrConfig, FieldHeaders, k)
		}
		if reservedHeader(k) {
			return fmt.Errorf("%w: %s may not set %s", ErrConfig, FieldHeaders, k)
		}
		h.Add(k, s)
	}
	return nil
}

// reservedHeader: headers the transport must control, or that carry
// credentials or ambient state.
func reservedHeader(name string) bool {
	switch strings.ToLower(name) {
	case "host", "content-length", "content-type", "transfer-encoding", "connection",
		"keep-alive", "upgrade", "te", "trailer", "expect",
		"authorization", "proxy-authorization", "proxy-connection", "cookie":
		return true
	}
	return false
}

// validHeaderName: an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// validHeaderValue: visible ASCII, space and tab only (no CR/LF/NUL, no
// obs-text).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\t' && (c < 0x20 || c > 0x7e) {
			return false
		}
	}
	return true
}

// decodeOne parses exactly one JSON value (numbers kept as json.Number, as
// the runtime expects) and refuses empty bodies and trailing data.
func decodeOne(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty body, want a JSON value")
		}
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// snippet renders the start of an error body for diagnostics.
func snippet(b []byte) string {
	const n = 256
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "…"
	}
	return strconv.Quote(string(b))
}
