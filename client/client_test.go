package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
)

const token = "s3cret-token"

// want is what the fake server insists on seeing.
type want struct {
	method string
	path   string
	query  url.Values // nil: no query string at all
	body   string     // "": no body; otherwise JSON compared semantically
}

// answer is what the fake server sends back.
type answer struct {
	status      int
	contentType string
	body        string
}

// server starts a fake agentgov that checks every request against w and
// answers with a; t fails on any difference.
func server(t *testing.T, w want, a answer, tok string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != w.method {
			t.Errorf("method %s, want %s", r.Method, w.method)
		}
		if r.URL.Path != w.path {
			t.Errorf("path %q, want %q", r.URL.Path, w.path)
		}
		if w.query == nil {
			if r.URL.RawQuery != "" {
				t.Errorf("query %q, want none", r.URL.RawQuery)
			}
		} else if got := r.URL.Query(); !reflect.DeepEqual(got, w.query) {
			t.Errorf("query %v, want %v", got, w.query)
		}
		wantAuth := ""
		if tok != "" {
			wantAuth = "Bearer " + tok
		}
		if got := r.Header.Get("Authorization"); got != wantAuth {
			t.Errorf("Authorization %q, want %q", got, wantAuth)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the request body: %v", err)
		}
		if w.body == "" {
			if len(body) != 0 {
				t.Errorf("unexpected request body %q", body)
			}
		} else {
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			var got, exp any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Errorf("request body %q is not JSON: %v", body, err)
			}
			if err := json.Unmarshal([]byte(w.body), &exp); err != nil {
				t.Errorf("bad test: %v", err)
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("request body %s, want %s", body, w.body)
			}
		}
		ct := a.contentType
		if ct == "" {
			ct = "application/json"
		}
		rw.Header().Set("Content-Type", ct)
		rw.WriteHeader(a.status)
		io.WriteString(rw, a.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t *testing.T, base, tok string) *client.Client {
	t.Helper()
	c, err := client.New(base, tok)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMethods(t *testing.T) {
	ctx := context.Background()
	ref := int64(3)
	cursor := "c-next"
	since := time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("CET", 3600))
	until := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	entry := api.Entry{Index: 7, Time: "2026-01-02T03:04:05.000000006Z", Type: "decision", Agent: "a", Source: "token:ops",
		Ref: &ref, PayloadSHA256: strings.Repeat("ab", 32), Payload: json.RawMessage(`{"k":"v"}`), PayloadSalt: "c2FsdA=="}
	entryJSON, _ := json.Marshal(entry)
	note := "agentgov.test/log\n12\nAAAA\n\n— agentgov.test/log sig\n"
	cases := []struct {
		name  string
		tok   string
		want  want
		reply answer
		call  func(*client.Client) (any, error)
		out   any
	}{
		{
			name: "AppendEvent",
			want: want{method: "POST", path: "/v1/audit/events",
				body: `{"type":"decision","agent":"agent-7","session":"s","decision":"allow","ref":3,"payload":{"x":[1,2]}}`},
			reply: answer{status: 201, body: `{"index":41}`},
			call: func(c *client.Client) (any, error) {
				return c.AppendEvent(ctx, api.Event{Type: "decision", Agent: "agent-7", Session: "s", Decision: "allow", Ref: &ref,
					Payload: json.RawMessage(`{"x":[1,2]}`)})
			},
			out: int64(41),
		},
		{
			name:  "AppendEvent without a token",
			tok:   "-",
			want:  want{method: "POST", path: "/v1/audit/events", body: `{"type":"t","agent":"a"}`},
			reply: answer{status: 201, body: `{"index":0}`},
			call:  func(c *client.Client) (any, error) { return c.AppendEvent(ctx, api.Event{Type: "t", Agent: "a"}) },
			out:   int64(0),
		},
		{
			name:  "Entry",
			want:  want{method: "GET", path: "/v1/audit/entries/7"},
			reply: answer{status: 200, body: string(entryJSON)},
			call:  func(c *client.Client) (any, error) { return c.Entry(ctx, 7) },
			out:   entry,
		},
		{
			name:  "Entries without filters",
			want:  want{method: "GET", path: "/v1/audit/entries"},
			reply: answer{status: 200, body: `{"entries":[],"next_cursor":null}`},
			call:  func(c *client.Client) (any, error) { return c.Entries(ctx, client.EntryQuery{}) },
			out:   api.EntryPage{Entries: []api.Entry{}},
		},
		{
			name: "Entries with every filter",
			want: want{method: "GET", path: "/v1/audit/entries", query: url.Values{
				"agent": {"agent 7&x"}, "session": {"s/1"}, "type": {"decision"}, "decision": {"deny"},
				"since": {"2026-01-02T02:04:05.0000006Z"}, "until": {"2026-01-03T00:00:00Z"},
				"limit": {"50"}, "cursor": {"c+1="},
			}},
			reply: answer{status: 200, body: `{"entries":[` + string(entryJSON) + `],"next_cursor":"c-next"}`},
			call: func(c *client.Client) (any, error) {
				return c.Entries(ctx, client.EntryQuery{Agent: "agent 7&x", Session: "s/1", Type: "decision", Decision: "deny",
					Since: since, Until: until, Limit: 50, Cursor: "c+1="})
			},
			out: api.EntryPage{Entries: []api.Entry{entry}, NextCursor: &cursor},
		},
		{
			name:  "Entries with a negative limit",
			want:  want{method: "GET", path: "/v1/audit/entries", query: url.Values{"agent": {"a"}}},
			reply: answer{status: 200, body: `{"entries":[],"next_cursor":null}`},
			call:  func(c *client.Client) (any, error) { return c.Entries(ctx, client.EntryQuery{Agent: "a", Limit: -1}) },
			out:   api.EntryPage{Entries: []api.Entry{}},
		},
		{
			name:  "Erase",
			want:  want{method: "POST", path: "/v1/audit/entries/3/erasure", body: `{"reason":"GDPR art. 17"}`},
			reply: answer{status: 201, body: `{"index":99}`},
			call:  func(c *client.Client) (any, error) { return c.Erase(ctx, 3, "GDPR art. 17") },
			out:   int64(99),
		},
		{
			name:  "Checkpoint latest",
			want:  want{method: "GET", path: "/v1/audit/checkpoint"},
			reply: answer{status: 200, contentType: "text/plain; charset=utf-8", body: note},
			call:  func(c *client.Client) (any, error) { b, err := c.Checkpoint(ctx, 0); return string(b), err },
			out:   note,
		},
		{
			name:  "Checkpoint of a size",
			want:  want{method: "GET", path: "/v1/audit/checkpoint", query: url.Values{"size": {"12"}}},
			reply: answer{status: 200, contentType: "text/plain; charset=utf-8", body: note},
			call:  func(c *client.Client) (any, error) { b, err := c.Checkpoint(ctx, 12); return string(b), err },
			out:   note,
		},
		{
			name:  "VerifierKey",
			want:  want{method: "GET", path: "/v1/audit/pubkey"},
			reply: answer{status: 200, contentType: "text/plain", body: "agentgov.test/log+9690f8a6+AQ==\n"},
			call:  func(c *client.Client) (any, error) { return c.VerifierKey(ctx) },
			out:   "agentgov.test/log+9690f8a6+AQ==",
		},
		{
			name:  "InclusionProof at the latest checkpoint",
			want:  want{method: "GET", path: "/v1/audit/proof/inclusion", query: url.Values{"index": {"5"}}},
			reply: answer{status: 200, body: `{"index":5,"tree_size":12,"leaf_hash":"bA==","hashes":["aA==","aQ=="]}`},
			call:  func(c *client.Client) (any, error) { return c.InclusionProof(ctx, 5, 0) },
			out:   api.InclusionProof{Index: 5, TreeSize: 12, LeafHash: "bA==", Hashes: []string{"aA==", "aQ=="}},
		},
		{
			name:  "InclusionProof in a tree size",
			want:  want{method: "GET", path: "/v1/audit/proof/inclusion", query: url.Values{"index": {"0"}, "tree_size": {"8"}}},
			reply: answer{status: 200, body: `{"index":0,"tree_size":8,"leaf_hash":"bA==","hashes":[]}`},
			call:  func(c *client.Client) (any, error) { return c.InclusionProof(ctx, 0, 8) },
			out:   api.InclusionProof{Index: 0, TreeSize: 8, LeafHash: "bA==", Hashes: []string{}},
		},
		{
			name:  "ConsistencyProof",
			want:  want{method: "GET", path: "/v1/audit/proof/consistency", query: url.Values{"from": {"0"}, "to": {"12"}}},
			reply: answer{status: 200, body: `{"from":0,"to":12,"hashes":["aA=="]}`},
			call:  func(c *client.Client) (any, error) { return c.ConsistencyProof(ctx, 0, 12) },
			out:   api.ConsistencyProof{From: 0, To: 12, Hashes: []string{"aA=="}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := token
			if c.tok == "-" {
				tok = ""
			}
			srv := server(t, c.want, c.reply, tok)
			got, err := c.call(newClient(t, srv.URL, tok))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.out) {
				t.Fatalf("got %#v, want %#v", got, c.out)
			}
		})
	}
}

func TestBaseURLPath(t *testing.T) {
	for _, base := range []string{"/agentgov", "/agentgov/", "/agentgov//"} {
		t.Run(base, func(t *testing.T) {
			srv := server(t, want{method: "GET", path: "/agentgov/v1/audit/entries/1"}, answer{status: 200, body: `{"index":1}`}, token)
			e, err := newClient(t, srv.URL+base, token).Entry(context.Background(), 1)
			if err != nil || e.Index != 1 {
				t.Fatalf("Entry = %+v, %v", e, err)
			}
		})
	}
}

func TestErrorAnswers(t *testing.T) {
	cases := []struct {
		name    string
		reply   answer
		want    client.Error
		wantMsg string
	}{
		{
			name: "problem details",
			reply: answer{status: 422, contentType: "application/problem+json",
				body: `{"type":"https://agentgov.dev/problems/invalid-field","title":"Invalid field","status":422,"detail":"agent: is required","instance":"/v1/audit/events","field":"agent"}`},
			want: client.Error{Status: 422, Problem: api.Problem{Type: "https://agentgov.dev/problems/invalid-field", Title: "Invalid field",
				Status: 422, Detail: "agent: is required", Instance: "/v1/audit/events", Field: "agent"}},
			wantMsg: "server answered 422: agent: is required",
		},
		{
			name:    "problem without detail",
			reply:   answer{status: 401, contentType: "application/problem+json", body: `{"type":"about:blank","title":"Unauthorized","status":401}`},
			want:    client.Error{Status: 401, Problem: api.Problem{Type: "about:blank", Title: "Unauthorized", Status: 401}},
			wantMsg: "server answered 401 Unauthorized",
		},
		{
			name:    "not JSON",
			reply:   answer{status: 502, contentType: "text/html", body: "<html>bad gateway</html>"},
			want:    client.Error{Status: 502},
			wantMsg: "server answered 502 Bad Gateway",
		},
		{
			name:    "empty",
			reply:   answer{status: 404},
			want:    client.Error{Status: 404},
			wantMsg: "server answered 404 Not Found",
		},
		{
			name:    "3xx is not success",
			reply:   answer{status: 304},
			want:    client.Error{Status: 304},
			wantMsg: "server answered 304 Not Modified",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := server(t, want{method: "POST", path: "/v1/audit/events", body: `{"type":"t","agent":""}`}, c.reply, token)
			idx, err := newClient(t, srv.URL, token).AppendEvent(context.Background(), api.Event{Type: "t"})
			var ce *client.Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %T %v, want *client.Error", err, err)
			}
			if !reflect.DeepEqual(*ce, c.want) {
				t.Fatalf("error = %+v, want %+v", *ce, c.want)
			}
			if err.Error() != c.wantMsg {
				t.Fatalf("message %q, want %q", err.Error(), c.wantMsg)
			}
			if idx != 0 {
				t.Fatalf("index %d returned with an error", idx)
			}
		})
	}
}

func TestUndecodableAnswer(t *testing.T) {
	srv := server(t, want{method: "GET", path: "/v1/audit/entries/1"}, answer{status: 200, body: `{"index":"one"}`}, token)
	_, err := newClient(t, srv.URL, token).Entry(context.Background(), 1)
	var ce *client.Error
	if err == nil || errors.As(err, &ce) || !strings.Contains(err.Error(), "decoding") {
		t.Fatalf("got %v, want a decoding error", err)
	}
}

func TestNewRejectsURLs(t *testing.T) {
	cases := []struct {
		url string
		ok  bool
	}{
		{"http://localhost:8080", true},
		{"https://audit.example.com", true},
		{"http://[::1]:9/prefix/", true},
		{"ftp://example.com", false},
		{"unix:///run/agentgov.sock", false},
		{"localhost:8080", false},
		{"//example.com", false},
		{"http://", false},
		{"http:///path", false},
		{"", false},
		{"http://exa mple.com", false},
		{"file:///etc/passwd", false},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			cl, err := client.New(c.url, token)
			if c.ok != (err == nil) {
				t.Fatalf("New(%q) = %v, want ok=%v", c.url, err, c.ok)
			}
			if err == nil && cl == nil {
				t.Fatal("nil client without an error")
			}
		})
	}
}

func TestWithHTTPClient(t *testing.T) {
	used := false
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		used = true
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("key\n")), Header: http.Header{}, Request: r}, nil
	})}
	c, err := client.New("http://example.invalid", token, client.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if k, err := c.VerifierKey(context.Background()); err != nil || k != "key" || !used {
		t.Fatalf("VerifierKey = %q, %v (custom client used: %v)", k, err, used)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestContextCancel(t *testing.T) {
	srv := server(t, want{method: "GET", path: "/v1/audit/pubkey"}, answer{status: 200, body: "k"}, token)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newClient(t, srv.URL, token).VerifierKey(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// fill yields n bytes of c without holding them in memory, so the test can
// serve more than the client's limit without allocating it.
type fill struct {
	c byte
	n int64
}

func (f *fill) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	for i := range p {
		p[i] = f.c
	}
	f.n -= int64(len(p))
	return len(p), nil
}

func TestResponseLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 64 MiB")
	}
	const limit = 64 << 20
	cases := []struct {
		name    string
		status  int
		size    int64
		tooBig  bool
		wantErr bool
	}{
		{"at the limit", 200, limit, false, false},
		{"one byte over", 200, limit + 1, true, true},
		{"far over", 200, 4 * limit, true, true},
		{"error answer over", 500, limit + 1, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				io.Copy(w, &fill{'k', c.size})
			}))
			defer srv.Close()
			k, err := newClient(t, srv.URL, token).VerifierKey(context.Background())
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if c.tooBig && (err == nil || !strings.Contains(err.Error(), "too large")) {
				t.Fatalf("err = %v, want a too-large error", err)
			}
			if !c.wantErr && int64(len(k)) != c.size {
				t.Fatalf("read %d bytes, want %d", len(k), c.size)
			}
		})
	}
}
