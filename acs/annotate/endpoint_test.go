package annotate

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/fetch"
)

// testHost is covered by the httptest certificate (*.example.com).
const testHost = "annotator.example.com"

type mapResolver map[string][]net.IPAddr

func (m mapResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	if ips, ok := m[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

type countingDialer struct {
	n atomic.Int32
	d net.Dialer
}

func (c *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c.n.Add(1)
	return c.d.DialContext(ctx, network, addr)
}

// received is what the test endpoint saw.
type received struct {
	Method string
	Header http.Header
	Body   map[string]any
}

type endpointEnv struct {
	t       *testing.T
	port    string
	roots   *x509.CertPool
	dialer  *countingDialer
	release chan struct{}

	mu   sync.Mutex
	reqs []received
}

func newEndpointEnv(t *testing.T, h func(w http.ResponseWriter, r *http.Request, release <-chan struct{})) *endpointEnv {
	t.Helper()
	e := &endpointEnv{t: t, dialer: &countingDialer{}, release: make(chan struct{})}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		_ = dec.Decode(&body)
		e.mu.Lock()
		e.reqs = append(e.reqs, received{Method: r.Method, Header: r.Header.Clone(), Body: body})
		e.mu.Unlock()
		h(w, r, e.release)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(e.release) }) // before srv.Close
	_, e.port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	e.roots = x509.NewCertPool()
	e.roots.AddCert(srv.Certificate())
	return e
}

func (e *endpointEnv) url(path string) string {
	return "https://" + net.JoinHostPort(testHost, e.port) + path
}

func (e *endpointEnv) engine(env map[string]string, o EndpointOptions) *Endpoint {
	o.Fetch.Resolver = mapResolver{testHost: {{IP: net.ParseIP("127.0.0.1")}}}
	o.Fetch.Dialer = e.dialer
	o.Fetch.RootCAs = e.roots
	o.LookupEnv = func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	eng := NewEndpoint(o)
	e.t.Cleanup(eng.CloseIdleConnections)
	return eng
}

func (e *endpointEnv) requests() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.reqs...)
}

func jsonHandler(body string) func(http.ResponseWriter, *http.Request, <-chan struct{}) {
	return func(w http.ResponseWriter, _ *http.Request, _ <-chan struct{}) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

func call(cfg map[string]any) *acs.AnnotatorCall {
	full := map[string]any{"type": "endpoint", "from": "$target.text"}
	for k, v := range cfg {
		full[k] = v
	}
	return &acs.AnnotatorCall{
		Point:  acs.Input,
		Name:   "pii",
		Type:   "endpoint",
		Config: full,
		Value:  "my card is 4111 1111 1111 1111",
		Input: &acs.PolicyInput{
			InterventionPoint: acs.Input,
			Snapshot:          map[string]any{"secret_context": "must not be sent"},
			Annotations:       map[string]any{},
		},
		Source: acs.Source{Dir: "/etc/agentgov"},
	}
}

func TestEndpointSuccess(t *testing.T) {
	e := newEndpointEnv(t, jsonHandler(`{"label":"pii","score":0.97,"spans":[[11,30]]}`))
	eng := e.engine(map[string]string{"PII_KEY": "k-123"}, EndpointOptions{})
	c := call(map[string]any{
		"url":         e.url("/classify"),
		"timeout_ms":  json.Number("2000"),
		"api_key_env": "PII_KEY",
		"headers":     map[string]any{"X-Tenant": "acme"},
		"categories":  []any{"card", "email"},
		"aws_region":  "eu-west-1", // host-defined, forwarded
	})
	got, err := eng.Annotate(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"label": "pii", "score": json.Number("0.97"), "spans": []any{[]any{json.Number("11"), json.Number("30")}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("annotation %#v\nwant %#v", got, want)
	}

	reqs := e.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost {
		t.Errorf("method %s", r.Method)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer k-123" {
		t.Errorf("Authorization %q", got)
	}
	if r.Header.Get("X-Tenant") != "acme" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.Header)
	}
	wantBody := map[string]any{
		"annotator":          "pii",
		"intervention_point": "input",
		"input":              "my card is 4111 1111 1111 1111",
		"fields": map[string]any{
			"categories": []any{"card", "email"},
			"aws_region": "eu-west-1",
		},
	}
	if !reflect.DeepEqual(r.Body, wantBody) {
		t.Errorf("body %#v\nwant %#v", r.Body, wantBody)
	}
}

func TestEndpointNonStringInputAndScalarResponse(t *testing.T) {
	e := newEndpointEnv(t, jsonHandler(" true \n"))
	eng := e.engine(nil, EndpointOptions{})
	c := call(map[string]any{"url": e.url("/")})
	c.Value = map[string]any{"n": json.Number("1")}
	got, err := eng.Annotate(context.Background(), c)
	if err != nil || got != true {
		t.Fatalf("%v %v", got, err)
	}
	r := e.requests()[0]
	if !reflect.DeepEqual(r.Body["input"], map[string]any{"n": json.Number("1")}) {
		t.Errorf("input %#v", r.Body["input"])
	}
	if r.Header.Get("Authorization") != "" {
		t.Errorf("unexpected Authorization without credential fields")
	}
}

func TestEndpointCustomKeyHeaderAndInlineKey(t *testing.T) {
	e := newEndpointEnv(t, jsonHandler(`{}`))
	eng := e.engine(map[string]string{"K": "env-key"}, EndpointOptions{})
	if _, err := eng.Annotate(context.Background(), call(map[string]any{
		"url": e.url("/"), "api_key_env": "K", "api_key_header": "Ocp-Apim-Subscription-Key",
	})); err != nil {
		t.Fatal(err)
	}
	// Inline keys are allowed even for URL-sourced manifests (§2.3: "such a
	// manifest supplies any credential inline").
	c := call(map[string]any{"url": e.url("/"), "api_key": "inline-key"})
	c.Source = acs.Source{URL: "https://manifests.example.com/agent.yaml"}
	if _, err := eng.Annotate(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests()
	if got := reqs[0].Header.Get("Ocp-Apim-Subscription-Key"); got != "env-key" || reqs[0].Header.Get("Authorization") != "" {
		t.Errorf("custom header: %v", reqs[0].Header)
	}
	if got := reqs[1].Header.Get("Authorization"); got != "Bearer inline-key" {
		t.Errorf("inline key: %q", got)
	}
	for _, r := range reqs {
		f, _ := r.Body["fields"].(map[string]any)
		if len(f) != 0 {
			t.Errorf("credential material forwarded in fields: %v", f)
		}
	}
}

func TestEndpointTimeout(t *testing.T) {
	e := newEndpointEnv(t, func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
		if r.URL.Path == "/slow-body" {
			_, _ = io.WriteString(w, `{"label":`)
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	eng := e.engine(nil, EndpointOptions{})
	for _, p := range []string{"/slow", "/slow-body"} {
		start := time.Now()
		_, err := eng.Annotate(context.Background(), call(map[string]any{"url": e.url(p), "timeout_ms": json.Number("100")}))
		if !errors.Is(err, acs.ErrAnnotatorTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want ErrAnnotatorTimeout", p, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: took %v", p, d)
		}
	}
	// The default timeout applies when timeout_ms is absent.
	short := e.engine(nil, EndpointOptions{DefaultTimeout: 100 * time.Millisecond})
	if _, err := short.Annotate(context.Background(), call(map[string]any{"url": e.url("/slow")})); !errors.Is(err, acs.ErrAnnotatorTimeout) {
		t.Errorf("default timeout: %v", err)
	}
	// The caller's deadline is a timeout too; a cancellation is not.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := eng.Annotate(ctx, call(map[string]any{"url": e.url("/slow")})); !errors.Is(err, acs.ErrAnnotatorTimeout) {
		t.Errorf("caller deadline: %v", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel2)
	_, err := eng.Annotate(ctx2, call(map[string]any{"url": e.url("/slow")}))
	if err == nil || errors.Is(err, acs.ErrAnnotatorTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: %v", err)
	}
}

func TestEndpointBadResponses(t *testing.T) {
	limit := acs.DefaultLimits().MaxAnnotatorOutputBytes
	e := newEndpointEnv(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		switch r.URL.Path {
		case "/500":
			http.Error(w, `{"error":"boom"}`, http.StatusInternalServerError)
		case "/404":
			http.NotFound(w, r)
		case "/302":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/oversized":
			_, _ = io.WriteString(w, `"`+strings.Repeat("x", int(limit))+`"`)
		case "/oversized-chunked":
			_, _ = io.WriteString(w, `"`)
			for i := int64(0); i <= limit; i += 4096 {
				_, _ = io.WriteString(w, strings.Repeat("x", 4096))
				w.(http.Flusher).Flush()
			}
			_, _ = io.WriteString(w, `"`)
		case "/html":
			_, _ = io.WriteString(w, "<html>hi</html>")
		case "/empty":
		case "/trailing":
			_, _ = io.WriteString(w, `{"a":1} {"b":2}`)
		case "/truncated":
			_, _ = io.WriteString(w, `{"a":`)
		case "/ok":
			_, _ = io.WriteString(w, `{}`)
		}
	})
	eng := e.engine(nil, EndpointOptions{})
	for path, want := range map[string]error{
		"/500":               ErrResponse,
		"/404":               ErrResponse,
		"/302":               ErrResponse, // not followed
		"/oversized":         fetch.ErrTooLarge,
		"/oversized-chunked": fetch.ErrTooLarge,
		"/html":              ErrResponse,
		"/empty":             ErrResponse,
		"/trailing":          ErrResponse,
		"/truncated":         ErrResponse,
	} {
		_, err := eng.Annotate(context.Background(), call(map[string]any{"url": e.url(path)}))
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", path, err, want)
		}
		if errors.Is(err, acs.ErrAnnotatorTimeout) {
			t.Errorf("%s: reported as timeout", path)
		}
	}
	// The size bound is configurable and exact.
	small := e.engine(nil, EndpointOptions{Fetch: fetch.Options{MaxBytes: 2}})
	if _, err := small.Annotate(context.Background(), call(map[string]any{"url": e.url("/ok")})); err != nil {
		t.Errorf("at limit: %v", err)
	}
	if _, err := small.Annotate(context.Background(), call(map[string]any{"url": e.url("/html")})); !errors.Is(err, fetch.ErrTooLarge) {
		t.Errorf("over small limit: %v", err)
	}
	if got := len(e.requests()); got != 11 {
		t.Errorf("%d requests, want 11 (no retries, no redirect follow)", got)
	}
}

// Configuration and credential problems fail before any network traffic.
func TestEndpointRefusesBeforeSending(t *testing.T) {
	e := newEndpointEnv(t, jsonHandler(`{}`))
	eng := e.engine(map[string]string{"EMPTY": "", "K": "v", "NL": "a\r\nX-Evil: 1"}, EndpointOptions{})
	urlSourced := acs.Source{URL: "https://manifests.example.com/agent.yaml"}
	cases := map[string]struct {
		cfg  map[string]any
		src  acs.Source
		want error
	}{
		"missing env":           {map[string]any{"api_key_env": "NOPE"}, acs.Source{}, ErrCredential},
		"empty env":             {map[string]any{"api_key_env": "EMPTY"}, acs.Source{}, ErrCredential},
		"env with CRLF":         {map[string]any{"api_key_env": "NL"}, acs.Source{}, ErrCredential},
		"URL-sourced env":       {map[string]any{"api_key_env": "K"}, urlSourced, ErrConfig},
		"URL-sourced aws env":   {map[string]any{"aws_secret_access_key_env": "K"}, urlSourced, ErrConfig},
		"aws env file-sourced":  {map[string]any{"aws_access_key_id_env": "K"}, acs.Source{}, ErrConfig},
		"aws inline secret":     {map[string]any{"aws_secret_access_key": "s"}, acs.Source{}, ErrConfig},
		"env name not string":   {map[string]any{"api_key_env": json.Number("1")}, acs.Source{}, ErrConfig},
		"both key forms":        {map[string]any{"api_key_env": "K", "api_key": "x"}, acs.Source{}, ErrConfig},
		"header without key":    {map[string]any{"api_key_header": "api-key"}, acs.Source{}, ErrConfig},
		"bad key header":        {map[string]any{"api_key": "x", "api_key_header": "Bad Header"}, acs.Source{}, ErrConfig},
		"key header Host":       {map[string]any{"api_key": "x", "api_key_header": "Host"}, acs.Source{}, ErrConfig},
		"static Authorization":  {map[string]any{"headers": map[string]any{"Authorization": "Bearer x"}}, acs.Source{}, ErrConfig},
		"static Cookie":         {map[string]any{"headers": map[string]any{"cookie": "a=b"}}, acs.Source{}, ErrConfig},
		"static header non-str": {map[string]any{"headers": map[string]any{"X-A": json.Number("1")}}, acs.Source{}, ErrConfig},
		"headers not object":    {map[string]any{"headers": "X-A: 1"}, acs.Source{}, ErrConfig},
		"static header CRLF":    {map[string]any{"headers": map[string]any{"X-A": "a\r\nb"}}, acs.Source{}, ErrConfig},
		"dup credential header": {map[string]any{"api_key": "x", "api_key_header": "X-Key", "headers": map[string]any{"X-Key": "y"}}, acs.Source{}, ErrConfig},
		"timeout zero":          {map[string]any{"timeout_ms": json.Number("0")}, acs.Source{}, ErrConfig},
		"timeout negative":      {map[string]any{"timeout_ms": json.Number("-5")}, acs.Source{}, ErrConfig},
		"timeout fractional":    {map[string]any{"timeout_ms": json.Number("1.5")}, acs.Source{}, ErrConfig},
		"timeout float frac":    {map[string]any{"timeout_ms": 2.5}, acs.Source{}, ErrConfig},
		"timeout string":        {map[string]any{"timeout_ms": "100"}, acs.Source{}, ErrConfig},
		"timeout over max":      {map[string]any{"timeout_ms": json.Number("60001")}, acs.Source{}, ErrConfig},
		"timeout huge":          {map[string]any{"timeout_ms": json.Number("99999999999999999999")}, acs.Source{}, ErrConfig},
	}
	for name, tc := range cases {
		cfg := map[string]any{"url": e.url("/")}
		for k, v := range tc.cfg {
			cfg[k] = v
		}
		c := call(cfg)
		c.Source = tc.src
		_, err := eng.Annotate(context.Background(), c)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "X-Evil") {
			t.Errorf("%s: error echoes the secret: %v", name, err)
		}
	}
	for name, cfg := range map[string]map[string]any{
		"missing url":   {},
		"url not str":   {"url": json.Number("1")},
		"plain http":    {"url": "http://" + testHost + ":" + e.port + "/"},
		"loopback":      {"url": "https://127.0.0.1:" + e.port + "/"},
		"mapped":        {"url": "https://[::ffff:169.254.169.254]/"},
		"numeric":       {"url": "https://2130706433:" + e.port + "/"},
		"userinfo":      {"url": "https://u:p@" + testHost + ":" + e.port + "/"},
		"fragment":      {"url": e.url("/#x")},
		"wrong type":    {"url": e.url("/"), "type": "llm"},
		"type not text": {"url": e.url("/"), "type": true},
	} {
		c := call(cfg)
		if _, ok := cfg["url"]; !ok {
			delete(c.Config, "url")
		}
		_, err := eng.Annotate(context.Background(), c)
		if err == nil || errors.Is(err, acs.ErrAnnotatorTimeout) {
			t.Errorf("%s: %v", name, err)
		}
		if strings.HasPrefix(name, "plain") || name == "loopback" || name == "mapped" || name == "numeric" {
			if !errors.Is(err, fetch.ErrForbidden) {
				t.Errorf("%s: %v, want fetch.ErrForbidden", name, err)
			}
		}
	}
	if n := len(e.requests()); n != 0 {
		t.Fatalf("%d requests sent for refused calls", n)
	}
	if n := e.dialer.n.Load(); n != 0 {
		t.Fatalf("%d dials for refused calls", n)
	}
}

func TestEndpointTimeoutAcceptsYAMLIntegers(t *testing.T) {
	eng := NewEndpoint(EndpointOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	for _, v := range []any{int(10), int64(10), uint64(10), float64(10), json.Number("10")} {
		d, err := eng.timeout(map[string]any{"timeout_ms": v})
		if err != nil || d != 10*time.Millisecond {
			t.Errorf("%T: %v %v", v, d, err)
		}
	}
	if d, err := eng.timeout(map[string]any{}); err != nil || d != DefaultEndpointTimeout {
		t.Errorf("default: %v %v", d, err)
	}
	if d, err := eng.timeout(map[string]any{"timeout_ms": json.Number("60000")}); err != nil || d != MaxEndpointTimeout {
		t.Errorf("max: %v %v", d, err)
	}
}

func TestEndpointNeverReadsProcessEnvWhenInjected(t *testing.T) {
	t.Setenv("AGENTGOV_TEST_SECRET", "from-process")
	e := newEndpointEnv(t, jsonHandler(`{}`))
	eng := e.engine(map[string]string{}, EndpointOptions{})
	_, err := eng.Annotate(context.Background(), call(map[string]any{"url": e.url("/"), "api_key_env": "AGENTGOV_TEST_SECRET"}))
	if !errors.Is(err, ErrCredential) {
		t.Fatalf("%v: the injected lookup must be the only source", err)
	}
}
