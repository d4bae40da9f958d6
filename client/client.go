// Package client is a Go client for the agentgov HTTP API.
//
// Errors returned for non-2xx answers are *Error values carrying the
// server's RFC 9457 problem details.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/agentgov/agentgov/api"
)

// maxResponse bounds what the client reads from a response body.
const maxResponse = 64 << 20

// Client talks to one agentgov server.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// Option configures New.
type Option func(*Client)

// WithHTTPClient replaces the default HTTP client (30 s timeout).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client for the server at baseURL (http or https) that sends
// token as its bearer credential.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: server URL %q must be http(s)://host[:port]", baseURL)
	}
	c := &Client{base: u, token: token, http: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Error is a non-2xx answer.
type Error struct {
	Status  int
	Problem api.Problem
}

func (e *Error) Error() string {
	if e.Problem.Detail != "" {
		return fmt.Sprintf("server answered %d: %s", e.Status, e.Problem.Detail)
	}
	return fmt.Sprintf("server answered %d %s", e.Status, http.StatusText(e.Status))
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) ([]byte, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxResponse {
		return nil, errors.New("client: response too large")
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode}
		_ = json.Unmarshal(raw, &e.Problem)
		return nil, e
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("client: decoding the answer to %s %s: %w", method, path, err)
		}
	}
	return raw, nil
}

// AppendEvent records an event in the audit log and returns its index.
func (c *Client) AppendEvent(ctx context.Context, ev api.Event) (int64, error) {
	var out api.EventAccepted
	_, err := c.do(ctx, http.MethodPost, "/v1/audit/events", nil, ev, &out)
	return out.Index, err
}

// Entry fetches one audit entry.
func (c *Client) Entry(ctx context.Context, index int64) (api.Entry, error) {
	var out api.Entry
	_, err := c.do(ctx, http.MethodGet, "/v1/audit/entries/"+strconv.FormatInt(index, 10), nil, nil, &out)
	return out, err
}

// EntryQuery filters Entries; zero values are omitted.
type EntryQuery struct {
	Agent, Session, Type, Decision string
	Since, Until                   time.Time
	Limit                          int
	Cursor                         string
}

// Entries fetches one page of audit entries.
func (c *Client) Entries(ctx context.Context, q EntryQuery) (api.EntryPage, error) {
	v := url.Values{}
	for k, s := range map[string]string{"agent": q.Agent, "session": q.Session, "type": q.Type, "decision": q.Decision, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out api.EntryPage
	_, err := c.do(ctx, http.MethodGet, "/v1/audit/entries", v, nil, &out)
	return out, err
}

// Erase erases the payload of an entry and returns the erasure entry's index.
func (c *Client) Erase(ctx context.Context, index int64, reason string) (int64, error) {
	var out api.EventAccepted
	_, err := c.do(ctx, http.MethodPost, "/v1/audit/entries/"+strconv.FormatInt(index, 10)+"/erasure", nil, map[string]string{"reason": reason}, &out)
	return out.Index, err
}

// Checkpoint returns the signed checkpoint note covering the current log
// (size 0), or the stored checkpoint of the given size.
func (c *Client) Checkpoint(ctx context.Context, size int64) ([]byte, error) {
	v := url.Values{}
	if size > 0 {
		v.Set("size", strconv.FormatInt(size, 10))
	}
	return c.do(ctx, http.MethodGet, "/v1/audit/checkpoint", v, nil, nil)
}

// VerifierKey returns the log's public key as the server reports it. An
// auditor should obtain the key out of band rather than from the server it
// audits.
func (c *Client) VerifierKey(ctx context.Context) (string, error) {
	b, err := c.do(ctx, http.MethodGet, "/v1/audit/pubkey", nil, nil, nil)
	return strings.TrimSpace(string(b)), err
}

// InclusionProof fetches the proof of entry index in the tree of treeSize
// entries (0: the latest checkpoint).
func (c *Client) InclusionProof(ctx context.Context, index, treeSize int64) (api.InclusionProof, error) {
	v := url.Values{"index": {strconv.FormatInt(index, 10)}}
	if treeSize > 0 {
		v.Set("tree_size", strconv.FormatInt(treeSize, 10))
	}
	var out api.InclusionProof
	_, err := c.do(ctx, http.MethodGet, "/v1/audit/proof/inclusion", v, nil, &out)
	return out, err
}

// ConsistencyProof fetches the proof that the tree of size from is a prefix
// of the tree of size to.
func (c *Client) ConsistencyProof(ctx context.Context, from, to int64) (api.ConsistencyProof, error) {
	v := url.Values{"from": {strconv.FormatInt(from, 10)}, "to": {strconv.FormatInt(to, 10)}}
	var out api.ConsistencyProof
	_, err := c.do(ctx, http.MethodGet, "/v1/audit/proof/consistency", v, nil, &out)
	return out, err
}
