package saga

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/agentgov/agentgov/api"
)

// Request is the JSON body POSTed to a step URL (kind "step") and to a
// compensation URL (kind "compensation"), with the headers Idempotency-Key
// (the delivery's key, see Call), Agentgov-Saga and Agentgov-Agent (the
// acting agent).
type Request = api.SagaStepRequest

// Kinds of a delivery.
const (
	KindStep         = "step"
	KindCompensation = "compensation"
)

// CallError is a delivery that did not succeed.
type CallError struct {
	// Outcome is StepFailed (the call did not happen) or StepUnknown.
	Outcome string
	// Retryable: another delivery may succeed (HTTP 408, 429, 5xx, a
	// refused connection).
	Retryable bool
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	Err    error
}

func (e *CallError) Error() string { return e.Err.Error() }

func (e *CallError) Unwrap() error { return e.Err }

// OutcomeUnknown marks a Go step's error as one whose effect is unknown:
// the step is then compensated like one that succeeded.
func OutcomeUnknown(err error) error {
	return &CallError{Outcome: StepUnknown, Err: err}
}

type httpDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// httpCaller posts deliveries: over TLS 1.3 with verified certificates, or
// over plain HTTP to loopback only (checked on the resolved address, so a
// name cannot point plain HTTP elsewhere). It follows no redirects, uses no
// ambient proxy, and reads at most max bytes of an answer.
type httpCaller struct {
	secure, loopback httpDoer
	max              int64
}

func newHTTPCaller(tc *tls.Config, max int64) *httpCaller {
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if tc == nil {
		tc = &tls.Config{}
	}
	tc = tc.Clone()
	tc.MinVersion = tls.VersionTLS13
	secure := &http.Transport{
		Proxy:                  nil,
		DialContext:            (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSClientConfig:        tc,
		TLSHandshakeTimeout:    10 * time.Second,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           64,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	loopDialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Unmap().IsLoopback() {
			return fmt.Errorf("saga: plain http may only reach loopback, not %s", host)
		}
		return nil
	}}
	loop := &http.Transport{
		Proxy:                  nil,
		DialContext:            loopDialer.DialContext,
		MaxIdleConns:           64,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &httpCaller{
		secure:   &http.Client{Transport: secure, CheckRedirect: noRedirect},
		loopback: &http.Client{Transport: loop, CheckRedirect: noRedirect},
		max:      max,
	}
}

// post delivers one step or compensation.
func (h *httpCaller) post(ctx context.Context, target, kind string, c Call) (json.RawMessage, error) {
	body, err := json.Marshal(requestOf(kind, c))
	if err != nil {
		return nil, &CallError{Outcome: StepFailed, Err: err}
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, &CallError{Outcome: StepFailed, Err: fmt.Errorf("saga: step URL: %w", err)}
	}
	doer := h.secure
	if u.Scheme == "http" {
		if !loopbackHost(u.Hostname()) {
			return nil, &CallError{Outcome: StepFailed, Err: errors.New("saga: plain http is allowed only to loopback")}
		}
		doer = h.loopback
	} else if u.Scheme != "https" {
		return nil, &CallError{Outcome: StepFailed, Err: errors.New("saga: the step URL must be https")}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, &CallError{Outcome: StepFailed, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "agentgov-saga/1")
	req.Header.Set("Idempotency-Key", c.IdempotencyKey)
	req.Header.Set("Agentgov-Saga", c.SagaID)
	req.Header.Set("Agentgov-Agent", c.Agent)
	resp, err := doer.Do(req)
	if err != nil {
		var op *net.OpError
		var cv *tls.CertificateVerificationError
		if errors.As(err, &cv) {
			// The handshake failed before a byte of the request left.
			return nil, &CallError{Outcome: StepFailed, Err: fmt.Errorf("saga: %s: the server certificate is not trusted", redact(u))}
		}
		if errors.As(err, &op) && op.Op == "dial" {
			// Nothing was sent: the call certainly did not happen.
			return nil, &CallError{Outcome: StepFailed, Retryable: true, Err: fmt.Errorf("saga: %s: connection failed", redact(u))}
		}
		return nil, &CallError{Outcome: StepUnknown, Retryable: true, Err: fmt.Errorf("saga: %s: no answer: %w", redact(u), cleanErr(ctx, err))}
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(io.LimitReader(resp.Body, h.max+1))
	code := resp.StatusCode
	if code < 200 || code > 299 {
		retry := code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
		return nil, &CallError{Outcome: StepFailed, Retryable: retry, Status: code, Err: fmt.Errorf("saga: %s answered HTTP %d", redact(u), code)}
	}
	// A 2xx answer says the call happened; an answer we cannot read leaves
	// its result unknown.
	switch {
	case rerr != nil:
		return nil, &CallError{Outcome: StepUnknown, Retryable: true, Status: code, Err: fmt.Errorf("saga: %s: reading the answer: %w", redact(u), cleanErr(ctx, rerr))}
	case int64(len(b)) > h.max:
		return nil, &CallError{Outcome: StepUnknown, Status: code, Err: fmt.Errorf("saga: %s: the answer exceeds %d bytes", redact(u), h.max)}
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return json.RawMessage("null"), nil
	}
	if !json.Valid(b) {
		return nil, &CallError{Outcome: StepUnknown, Status: code, Err: fmt.Errorf("saga: %s answered HTTP %d with a body that is not JSON", redact(u), code)}
	}
	return json.RawMessage(b), nil
}

// cleanErr prefers the context's cause over the transport's wording of it.
func cleanErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// redact drops the query, which may carry tokens, from a URL before it is
// logged or recorded.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.ForceQuery = "", false
	return c.String()
}

func requestOf(kind string, c Call) Request {
	in := c.Input
	if len(in) == 0 {
		in = json.RawMessage("null")
	}
	prev := c.Previous
	if prev == nil {
		prev = map[string]json.RawMessage{}
	}
	return Request{SagaID: c.SagaID, Step: c.Step, StepIndex: c.Index, Kind: kind, Attempt: c.Attempt,
		Input: in, Previous: prev, Result: c.Result, Outcome: c.Outcome}
}

// IdempotencyKey names one delivery: saga, step index, kind and attempt.
func IdempotencyKey(sagaID string, index int, kind string, attempt int) string {
	return sagaID + "." + strconv.Itoa(index) + "." + kind + "." + strconv.Itoa(attempt)
}
