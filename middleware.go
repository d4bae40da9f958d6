package agentgov

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/jsonplain"
)

// Defaults of Governor.Middleware.
const (
	// DefaultAgentHeader and DefaultSessionHeader are read by the default
	// caller extractor (see HeaderCaller for what trusting them means).
	DefaultAgentHeader   = "Agent-Id"
	DefaultSessionHeader = "Agent-Session"
	// ToolCallIDHeader carries the tool_call.id the middleware generated,
	// on every response it answers or lets through, so that a caller can
	// find the call's audit entries.
	ToolCallIDHeader = "Agentgov-Tool-Call-Id"
	// ApprovalIDHeader re-submits a call that was escalated: once its
	// approval request (the approval_id of the 403 answer) is approved,
	// the same call carrying this header is allowed exactly once.
	ApprovalIDHeader = "Agentgov-Approval-Id"
	// DefaultMaxRequestBytes bounds the body a governed request may carry.
	DefaultMaxRequestBytes = 1 << 20
	// DefaultMaxResponseBytes bounds the result the middleware buffers and
	// inspects.
	DefaultMaxResponseBytes = 1 << 20
)

// postCheckTimeout bounds the post_tool_call check that releases a call's
// concurrency slot. It runs even after the client has gone away, so it
// cannot use the request's context.
const postCheckTimeout = 10 * time.Second

// Problem type URIs of the middleware's refusals; clients branch on them.
const (
	ProblemDenied         = "urn:agentgov:problem:denied"
	ProblemEscalated      = "urn:agentgov:problem:approval-required"
	ProblemResultWithheld = "urn:agentgov:problem:result-withheld"
	ProblemInvalid        = "urn:agentgov:problem:invalid-request"
	ProblemTooLarge       = "urn:agentgov:problem:request-too-large"
	ProblemUnsupported    = "urn:agentgov:problem:unsupported-media-type"
	ProblemUnavailable    = "urn:agentgov:problem:unavailable"
)

// Caller is the agent and session a governed request acts for.
type Caller struct {
	Agent   string
	Session string
}

// CallerFunc identifies the agent and session of an incoming request. It is
// the middleware's authentication boundary: the agent it returns is the
// agent whose profile decides the call, so it must come from something the
// caller cannot forge (a verified client certificate, a validated token, a
// session your own authentication established). An error refuses the
// request (403, not recorded: there is no agent to record it against).
type CallerFunc func(r *http.Request) (Caller, error)

// HeaderCaller returns a CallerFunc that takes the agent from agentHeader
// and the session from sessionHeader (optional; an absent session is the
// agent's default session).
//
// A header is whatever the client chose to send. Use HeaderCaller only
// where something in front of the handler has authenticated the client and
// set these headers itself, removing any the client sent (an
// authenticating proxy, a gateway, your own middleware running first);
// otherwise any client can claim to be any agent. A header sent more than
// once is refused rather than resolved, so that two components cannot read
// two different agents from one request.
func HeaderCaller(agentHeader, sessionHeader string) CallerFunc {
	return func(r *http.Request) (Caller, error) {
		agents := r.Header.Values(agentHeader)
		if len(agents) != 1 || agents[0] == "" {
			return Caller{}, fmt.Errorf("the request needs exactly one non-empty %s header", agentHeader)
		}
		var session string
		if sessionHeader != "" {
			ss := r.Header.Values(sessionHeader)
			if len(ss) > 1 {
				return Caller{}, fmt.Errorf("the request carries %d %s headers; send at most one", len(ss), sessionHeader)
			}
			if len(ss) == 1 {
				session = ss[0]
			}
		}
		return Caller{Agent: agents[0], Session: session}, nil
	}
}

// SnapshotFunc adds members to the ACS snapshot of a governed call before
// it is checked, e.g. "ifc": {"source_labels": [...]} for the data the
// request carries. point is pre_tool_call or post_tool_call. The
// middleware owns "tool_call" and "tool_result": changes to them are
// overwritten, so that what is checked is what the handler receives. An
// error refuses the call.
type SnapshotFunc func(r *http.Request, point string, snapshot map[string]any) error

// MiddlewareOption configures Governor.Middleware.
type MiddlewareOption func(*middleware)

// WithCaller sets how the agent and session are identified (default:
// HeaderCaller(DefaultAgentHeader, DefaultSessionHeader), with a warning
// logged once per middleware).
func WithCaller(f CallerFunc) MiddlewareOption {
	return func(m *middleware) { m.caller, m.defaultCaller = f, false }
}

// WithMaxRequestBytes bounds the request body (default
// DefaultMaxRequestBytes); a larger body is refused with 413.
func WithMaxRequestBytes(n int64) MiddlewareOption {
	return func(m *middleware) { m.maxRequest = n }
}

// WithMaxResponseBytes bounds the handler's result (default
// DefaultMaxResponseBytes); a larger result is withheld with 502, since it
// could not be inspected whole.
func WithMaxResponseBytes(n int64) MiddlewareOption {
	return func(m *middleware) { m.maxResponse = n }
}

// WithSnapshot adds request-specific members to every snapshot.
func WithSnapshot(f SnapshotFunc) MiddlewareOption {
	return func(m *middleware) { m.snapshot = f }
}

// WithMiddlewareLogger sets where the middleware logs (default
// slog.Default()). Nothing it logs contains arguments or results.
func WithMiddlewareLogger(l *slog.Logger) MiddlewareOption {
	return func(m *middleware) { m.log = l }
}

// ToolCall describes the governed call a handler is serving.
type ToolCall struct {
	// ID is the tool_call.id the middleware generated; the pre_tool_call
	// and post_tool_call entries of the audit log carry it.
	ID      string
	Tool    string
	Agent   string
	Session string
	// Decision is the pre_tool_call decision that let the call through.
	Decision Decision
}

type toolCallKey struct{}

// ToolCallFrom returns the governed call a handler is serving, when the
// handler runs behind Governor.Middleware.
func ToolCallFrom(ctx context.Context) (ToolCall, bool) {
	tc, ok := ctx.Value(toolCallKey{}).(ToolCall)
	return tc, ok
}

// Middleware governs an HTTP endpoint that implements the tool named tool.
// For every request it:
//
//  1. identifies the agent and session with the CallerFunc (WithCaller);
//  2. builds the tool's arguments from the query parameters and the body
//     (a JSON object, or an HTML form), bounded by WithMaxRequestBytes; a
//     parameter present in both is refused, since handlers disagree about
//     which one wins;
//  3. checks pre_tool_call with a fresh tool_call.id. deny answers 403 and
//     escalate answers 403 too — escalate is not an allow — with its own
//     problem type (ProblemEscalated); transform hands the handler the
//     transformed arguments in place of the original ones (JSON body,
//     form or query, as they came); allow and warn pass the request through
//     with its body restored byte for byte;
//  4. buffers the handler's answer (bounded by WithMaxResponseBytes) and
//     checks post_tool_call over it with the same tool_call.id, which
//     releases the call's concurrency slot. deny or escalate withholds the
//     result with 502 (the tool ran; its answer does not reach the caller);
//     transform replaces the body with the transformed result as JSON.
//
// The post_tool_call check runs whatever the handler does — answers an
// error, writes too much, panics (the panic continues after the check) —
// so that a slot is never leaked. Any failure to decide is a refusal: a
// gate error answers 503 (400 when the gate finds the request malformed,
// e.g. an agent id over 256 bytes), and a call the gate could not record
// is denied by the gate itself. Refusals the middleware makes before the
// gate can decide (a malformed or oversized body, an unsupported media
// type, a failed SnapshotFunc) and results it withholds on its own (too
// large, unreadable) are recorded as decision entries too, with the
// payload member refused_by: middleware. A caller that cannot be
// identified is refused with 403 and not recorded.
//
// Refusals are RFC 9457 application/problem+json bodies with the members
// decision, reason, reasons, audit_index and tool_call_id besides type,
// title, status and detail.
//
// The tool's result is the handler's body decoded as JSON when its
// Content-Type says JSON, the body as a string when it is UTF-8 text, and
// its standard base64 encoding otherwise. Results with a Content-Encoding
// are withheld (they cannot be inspected: compress outside the
// middleware). The handler cannot flush, hijack or stream: an answer must
// be complete before it can be inspected. Trailers are not forwarded.
//
// Middleware panics if tool is empty: that is a programming error.
func (g *Governor) Middleware(tool string, opts ...MiddlewareOption) func(http.Handler) http.Handler {
	if tool == "" {
		panic("agentgov: Middleware needs the name of the tool the endpoint implements")
	}
	m := &middleware{g: g, tool: tool, caller: HeaderCaller(DefaultAgentHeader, DefaultSessionHeader), defaultCaller: true,
		maxRequest: DefaultMaxRequestBytes, maxResponse: DefaultMaxResponseBytes}
	for _, o := range opts {
		o(m)
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.maxRequest <= 0 {
		m.maxRequest = DefaultMaxRequestBytes
	}
	if m.maxResponse <= 0 {
		m.maxResponse = DefaultMaxResponseBytes
	}
	if m.caller == nil {
		panic("agentgov: WithCaller(nil)")
	}
	if m.defaultCaller {
		// Not silent: the deployer must know that identity is whatever
		// the client put in a header.
		m.log.Warn("agentgov middleware identifies agents by the "+DefaultAgentHeader+" header as sent; authenticate callers in front of it or pass WithCaller",
			"tool", tool)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(w, r, next) })
	}
}

type middleware struct {
	g             *Governor
	tool          string
	caller        CallerFunc
	defaultCaller bool
	maxRequest    int64
	maxResponse   int64
	snapshot      SnapshotFunc
	log           *slog.Logger
}

// refusal is an answer the middleware gives instead of the handler's.
type refusal struct {
	status                 int
	typ, title, detail     string
	decision, reason       string
	reasons                []string
	auditIndex             int64 // -1: not recorded
	field                  string
	point                  string
	callID                 string
	approvalID             string
	recordAgent, recordSes string // when set, the refusal is recorded as a decision entry
}

// problemBody is the problem+json document of a refusal: RFC 9457 members
// and the decision that caused it.
type problemBody struct {
	api.Problem
	Decision          string   `json:"decision"`
	Reason            string   `json:"reason"`
	Reasons           []string `json:"reasons"`
	AuditIndex        *int64   `json:"audit_index,omitempty"`
	ToolCallID        string   `json:"tool_call_id,omitempty"`
	InterventionPoint string   `json:"intervention_point,omitempty"`
	// ApprovalID names the approval request an escalation opened: wait
	// for it (Governor.WaitApproval), then repeat the call with the
	// Agentgov-Approval-Id header.
	ApprovalID string `json:"approval_id,omitempty"`
}

// args is a request's arguments and where each came from, so that a
// transform can be delivered the way the request arrived.
type args struct {
	values    map[string]any
	fromQuery map[string]bool
	// kind is the body encoding: "" (no body), "json" or "form".
	kind string
	body []byte
}

func (m *middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	callID := "call-" + rand.Text()
	w.Header().Set(ToolCallIDHeader, callID)
	caller, err := m.caller(r)
	if err == nil && caller.Agent == "" {
		err = errors.New("the caller extractor returned no agent")
	}
	if err != nil {
		m.refuse(w, r, &refusal{status: http.StatusForbidden, typ: ProblemDenied, title: "Caller not identified",
			detail: err.Error(), decision: gate.Deny, reason: "caller_unidentified", auditIndex: -1, callID: callID, point: gate.PreToolCall})
		return
	}
	// A kill in scope cancels the call's context, the handler's included.
	ctx, release := m.g.track(r.Context(), caller.Agent, caller.Session, m.tool)
	defer release()
	r = r.WithContext(ctx)
	a, rf := m.readArgs(w, r)
	if rf != nil {
		rf.callID, rf.point, rf.decision, rf.auditIndex = callID, gate.PreToolCall, gate.Deny, -1
		rf.recordAgent, rf.recordSes = caller.Agent, caller.Session
		m.refuse(w, r, rf)
		return
	}

	snap := map[string]any{}
	toolCall := map[string]any{"id": callID, "name": m.tool, "args": a.values}
	if m.snapshot != nil {
		if err := m.snapshot(r, gate.PreToolCall, snap); err != nil {
			m.refuse(w, r, &refusal{status: http.StatusForbidden, typ: ProblemDenied, title: "Forbidden by policy",
				detail: "the snapshot could not be built: " + err.Error(), decision: gate.Deny, reason: "snapshot_error",
				auditIndex: -1, callID: callID, point: gate.PreToolCall, recordAgent: caller.Agent, recordSes: caller.Session})
			return
		}
	}
	snap["tool_call"] = toolCall
	approvalID := r.Header.Get(ApprovalIDHeader)
	if len(approvalID) > 128 {
		m.refuse(w, r, &refusal{status: http.StatusBadRequest, typ: ProblemInvalid, title: "Invalid request",
			detail: ApprovalIDHeader + " is longer than 128 bytes", decision: gate.Deny, reason: "invalid_request",
			auditIndex: -1, callID: callID, point: gate.PreToolCall})
		return
	}
	pre, err := m.checkWith(r.Context(), caller, gate.PreToolCall, snap, approvalID)
	if err != nil {
		m.refuse(w, r, gateErrorRefusal(err, callID, gate.PreToolCall))
		return
	}
	if !pre.Allowed() {
		m.refuse(w, r, decisionRefusal(pre, callID, gate.PreToolCall))
		return
	}

	// From here on the call may hold a concurrency slot: every path ends
	// in exactly one post_tool_call with the same id.
	r2, rf := m.deliver(r, a, pre)
	if rf != nil {
		m.post(r, caller, callID, nil)
		rf.callID, rf.point, rf.auditIndex = callID, gate.PreToolCall, -1
		rf.recordAgent, rf.recordSes = caller.Agent, caller.Session
		m.refuse(w, r, rf)
		return
	}
	r2 = r2.WithContext(context.WithValue(r2.Context(), toolCallKey{},
		ToolCall{ID: callID, Tool: m.tool, Agent: caller.Agent, Session: caller.Session, Decision: pre}))

	cw := &capture{header: http.Header{}, limit: m.maxResponse}
	finished := false
	defer func() {
		if finished {
			return
		}
		// The handler panicked or called runtime.Goexit: release the slot,
		// then let the panic continue to the server (or to an outer
		// recovery handler). Nothing has been written to the client.
		v := recover()
		m.post(r, caller, callID, nil)
		if v != nil {
			panic(v)
		}
	}()
	next.ServeHTTP(cw, r2)
	finished = true
	m.respond(w, r, caller, callID, cw)
}

// check runs one check for the caller with the Governor's principal.
func (m *middleware) check(ctx context.Context, c Caller, point string, snap map[string]any) (Decision, error) {
	return m.checkWith(ctx, c, point, snap, "")
}

// checkWith is check re-submitting an approved escalation.
func (m *middleware) checkWith(ctx context.Context, c Caller, point string, snap map[string]any, approvalID string) (Decision, error) {
	return m.g.gate.Check(ctx, &gate.Request{Agent: c.Agent, Session: c.Session, Point: point, Snapshot: snap,
		ApprovalID: approvalID, Principal: gate.Principal{Name: m.g.source}})
}

// post checks post_tool_call with result (nil when there is none); it runs
// even when the client has gone, so that the slot is released and the
// outcome recorded. hookErr reports a failed SnapshotFunc: the check has
// still run (it releases the slot), but the result must be withheld.
func (m *middleware) post(r *http.Request, c Caller, callID string, result any) (d Decision, err, hookErr error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), postCheckTimeout)
	defer cancel()
	snap := map[string]any{}
	if m.snapshot != nil {
		if hookErr = m.snapshot(r, gate.PostToolCall, snap); hookErr != nil {
			snap = map[string]any{}
		}
	}
	snap["tool_call"] = map[string]any{"id": callID, "name": m.tool}
	snap["tool_result"] = result
	d, err = m.check(ctx, c, gate.PostToolCall, snap)
	if err != nil {
		m.log.Error("agentgov middleware: post_tool_call check failed", "tool", m.tool, "err", err)
	}
	return d, err, hookErr
}

// respond checks the captured answer and writes it, or what replaces it.
func (m *middleware) respond(w http.ResponseWriter, r *http.Request, c Caller, callID string, cw *capture) {
	header := cw.finalHeader()
	var withheld *refusal
	var result any
	switch enc := header.Get("Content-Encoding"); {
	case cw.overflow:
		withheld = &refusal{status: http.StatusBadGateway, typ: ProblemResultWithheld, title: "Result withheld",
			detail: fmt.Sprintf("the tool's result exceeds %d bytes and could not be inspected", m.maxResponse), reason: "result_too_large"}
	case enc != "" && !strings.EqualFold(enc, "identity"):
		withheld = &refusal{status: http.StatusBadGateway, typ: ProblemResultWithheld, title: "Result withheld",
			detail: "the tool's result is " + enc + "-encoded and could not be inspected", reason: "result_unreadable"}
	default:
		result = decodeResult(header.Get("Content-Type"), cw.buf.Bytes())
	}
	d, err, hookErr := m.post(r, c, callID, result)
	if hookErr != nil && withheld == nil {
		withheld = &refusal{status: http.StatusBadGateway, typ: ProblemResultWithheld, title: "Result withheld",
			detail: "the snapshot could not be built: " + hookErr.Error(), reason: "snapshot_error"}
	}
	switch {
	case err != nil:
		rf := gateErrorRefusal(err, callID, gate.PostToolCall)
		rf.status, rf.typ, rf.title = http.StatusBadGateway, ProblemResultWithheld, "Result withheld"
		m.refuse(w, r, rf)
		return
	case !d.Allowed():
		rf := decisionRefusal(d, callID, gate.PostToolCall)
		rf.status, rf.typ, rf.title = http.StatusBadGateway, ProblemResultWithheld, "Result withheld"
		m.refuse(w, r, rf)
		return
	case withheld != nil:
		withheld.decision, withheld.reasons, withheld.auditIndex = gate.Deny, []string{withheld.reason}, -1
		withheld.callID, withheld.point = callID, gate.PostToolCall
		withheld.recordAgent, withheld.recordSes = c.Agent, c.Session
		m.refuse(w, r, withheld)
		return
	}
	body := cw.buf.Bytes()
	if d.HasTransformed {
		b, err := jsonplain.Marshal(d.Transformed)
		if err != nil {
			m.refuse(w, r, &refusal{status: http.StatusBadGateway, typ: ProblemResultWithheld, title: "Result withheld",
				detail: "the transformed result could not be encoded", decision: gate.Deny, reason: "transform_not_deliverable",
				reasons: []string{"transform_not_deliverable"}, auditIndex: -1, callID: callID, point: gate.PostToolCall,
				recordAgent: c.Agent, recordSes: c.Session})
			return
		}
		body = b
		// The headers that described the old body do not describe this one.
		for _, h := range []string{"Content-Length", "Content-Encoding", "Content-Range", "ETag", "Last-Modified", "Content-MD5", "Digest", "Content-Digest", "Repr-Digest"} {
			header.Del(h)
		}
		header.Set("Content-Type", "application/json")
	}
	dst := w.Header()
	for k, vs := range header {
		dst[k] = vs
	}
	dst.Set(ToolCallIDHeader, callID)
	status := cw.statusCode()
	// HEAD, 204 and 304 answers carry no body; their Content-Length, if
	// any, is the handler's to state.
	if r.Method == http.MethodHead || status == http.StatusNoContent || status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	dst.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// decodeResult turns the handler's body into the tool_result: JSON decoded
// when labelled JSON (numbers kept exact), text as a string, anything else
// base64, so that every byte the caller would get is inspected.
func decodeResult(contentType string, body []byte) any {
	if len(body) == 0 {
		return nil
	}
	if isJSON(contentType) {
		if _, err := canonical.Append(nil, body, canonical.Limits{MaxBytes: len(body)}); err == nil {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			var v any
			if dec.Decode(&v) == nil {
				return v
			}
		}
	}
	if utf8.Valid(body) {
		return string(body)
	}
	return base64.StdEncoding.EncodeToString(body)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// readArgs reads the query and the body into the tool's arguments.
func (m *middleware) readArgs(w http.ResponseWriter, r *http.Request) (*args, *refusal) {
	invalid := func(field, format string, a ...any) *refusal {
		return &refusal{status: http.StatusBadRequest, typ: ProblemInvalid, title: "Invalid request", field: field,
			detail: fmt.Sprintf(format, a...), reason: "invalid_request", reasons: []string{"invalid_request"}}
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, invalid("query", "the query string is malformed: %v", err)
	}
	a := &args{values: map[string]any{}, fromQuery: map[string]bool{}}
	for k, vs := range q {
		a.values[k] = formValue(vs)
		a.fromQuery[k] = true
	}
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, m.maxRequest))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &refusal{status: http.StatusRequestEntityTooLarge, typ: ProblemTooLarge, title: "Request too large",
					detail: fmt.Sprintf("the request body exceeds %d bytes", m.maxRequest), reason: "request_too_large", reasons: []string{"request_too_large"}}
			}
			return nil, invalid("body", "reading the body: %v", err)
		}
		a.body = body
	}
	if len(a.body) == 0 {
		return a, nil
	}
	unsupported := func(detail string) *refusal {
		return &refusal{status: http.StatusUnsupportedMediaType, typ: ProblemUnsupported, title: "Unsupported media type",
			detail: detail, reason: "unsupported_media_type", reasons: []string{"unsupported_media_type"}}
	}
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return nil, unsupported("a " + enc + "-encoded body cannot be inspected; send it unencoded")
	}
	var members map[string]any
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case isJSON(ct):
		// The canonical parser rejects duplicate keys, invalid UTF-8 and
		// deep nesting: the handler's parser must not read something other
		// than what was checked.
		if _, err := canonical.Append(nil, a.body, canonical.Limits{MaxBytes: len(a.body)}); err != nil {
			var ce *canonical.Error
			if errors.As(err, &ce) {
				return nil, invalid("body"+ce.Path, "the body is not acceptable JSON: %s", ce.Reason)
			}
			return nil, invalid("body", "the body is not acceptable JSON: %v", err)
		}
		dec := json.NewDecoder(bytes.NewReader(a.body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, invalid("body", "the body is not JSON: %v", err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, invalid("body", "the body must be a JSON object: the tool's arguments")
		}
		members, a.kind = obj, "json"
	case mt == "application/x-www-form-urlencoded":
		if !utf8.Valid(a.body) {
			return nil, invalid("body", "the form is not valid UTF-8")
		}
		f, err := url.ParseQuery(string(a.body))
		if err != nil {
			return nil, invalid("body", "the form is malformed: %v", err)
		}
		members = map[string]any{}
		for k, vs := range f {
			members[k] = formValue(vs)
		}
		a.kind = "form"
	default:
		return nil, unsupported("the body must be application/json or application/x-www-form-urlencoded, not " + strconv.Quote(ct))
	}
	for k, v := range members {
		if a.fromQuery[k] {
			return nil, invalid(k, "parameter %q is both in the query and in the body", k)
		}
		a.values[k] = v
	}
	return a, nil
}

// formValue is one query or form parameter: a string, or an array of
// strings when it is repeated.
func formValue(vs []string) any {
	if len(vs) == 1 {
		return vs[0]
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// deliver returns the request the handler receives: the original body
// restored, or the transformed arguments in the request's own encoding.
func (m *middleware) deliver(r *http.Request, a *args, pre Decision) (*http.Request, *refusal) {
	r2 := r.Clone(r.Context())
	if !pre.HasTransformed {
		setBody(r2, a.body)
		return r2, nil
	}
	notDeliverable := func(detail string) *refusal {
		return &refusal{status: http.StatusForbidden, typ: ProblemDenied, title: "Forbidden by policy", detail: detail,
			decision: gate.Deny, reason: "transform_not_deliverable", reasons: []string{"transform_not_deliverable"}}
	}
	obj, ok := pre.Transformed.(map[string]any)
	if !ok {
		// Only a JSON body can carry a value that is not an object, and
		// only when no argument came from the query.
		if a.kind != "json" || len(a.fromQuery) > 0 {
			return nil, notDeliverable("the policy transformed the arguments into a value this request's encoding cannot carry")
		}
		b, err := jsonplain.Marshal(pre.Transformed)
		if err != nil {
			return nil, notDeliverable("the transformed arguments could not be encoded")
		}
		r2.URL.RawQuery = ""
		setBody(r2, b)
		return r2, nil
	}
	query := url.Values{}
	rest := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if a.fromQuery[k] || a.kind == "" {
			query[k] = formStrings(obj[k])
		} else {
			rest[k] = obj[k]
		}
	}
	r2.URL.RawQuery = query.Encode()
	switch a.kind {
	case "json":
		b, err := jsonplain.Marshal(rest)
		if err != nil {
			return nil, notDeliverable("the transformed arguments could not be encoded")
		}
		setBody(r2, b)
	case "form":
		f := url.Values{}
		for k, v := range rest {
			f[k] = formStrings(v)
		}
		setBody(r2, []byte(f.Encode()))
	default:
		setBody(r2, nil)
	}
	return r2, nil
}

// formStrings renders a transformed value as parameter values: strings as
// they are, arrays element by element, anything else as JSON text.
func formStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			if s, ok := e.(string); ok {
				out[i] = s
			} else {
				b, _ := jsonplain.Marshal(e)
				out[i] = string(b)
			}
		}
		return out
	}
	b, _ := jsonplain.Marshal(v)
	return []string{string(b)}
}

func setBody(r *http.Request, b []byte) {
	if len(b) == 0 {
		r.Body, r.ContentLength, r.GetBody = http.NoBody, 0, nil
		r.Header.Del("Content-Length")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.Header.Set("Content-Length", strconv.Itoa(len(b)))
}

func decisionRefusal(d Decision, callID, point string) *refusal {
	rf := &refusal{status: http.StatusForbidden, typ: ProblemDenied, title: "Forbidden by policy", decision: d.Decision,
		reason: d.Reason, reasons: d.Reasons, auditIndex: d.AuditIndex, callID: callID, point: point, detail: d.Message, approvalID: d.ApprovalID}
	if d.Decision == gate.Escalate {
		// Escalate is not an allow: until an approval exists the call is
		// refused, under its own problem type so callers can tell.
		rf.typ, rf.title = ProblemEscalated, "Approval required"
	}
	if rf.detail == "" {
		rf.detail = "the call was refused at " + point + ": " + d.Reason
	}
	return rf
}

// gateErrorRefusal is the answer when the gate could not decide: a
// refusal, never a pass.
func gateErrorRefusal(err error, callID, point string) *refusal {
	rf := &refusal{status: http.StatusServiceUnavailable, typ: ProblemUnavailable, title: "Governance unavailable",
		detail: "the call could not be checked and is refused: " + err.Error(), decision: gate.Deny, reason: "gate_error",
		reasons: []string{"gate_error"}, auditIndex: -1, callID: callID, point: point}
	var re *gate.RequestError
	if errors.As(err, &re) {
		rf.status, rf.typ, rf.title, rf.field = http.StatusBadRequest, ProblemInvalid, "Invalid request", re.Field
	}
	return rf
}

// refuse records a refusal the gate did not record itself (when it names
// an agent) and writes it as problem+json.
func (m *middleware) refuse(w http.ResponseWriter, r *http.Request, rf *refusal) {
	if rf.reasons == nil && rf.reason != "" {
		rf.reasons = []string{rf.reason}
	}
	if rf.recordAgent != "" && rf.auditIndex < 0 {
		rf.auditIndex = m.record(r.Context(), rf)
	}
	p := problemBody{Problem: api.Problem{Type: rf.typ, Title: rf.title, Status: rf.status, Detail: rf.detail, Instance: r.URL.Path, Field: rf.field},
		Decision: rf.decision, Reason: rf.reason, Reasons: rf.reasons, ToolCallID: rf.callID, InterventionPoint: rf.point, ApprovalID: rf.approvalID}
	if p.Reasons == nil {
		p.Reasons = []string{}
	}
	if rf.auditIndex >= 0 {
		idx := rf.auditIndex
		p.AuditIndex = &idx
	}
	b, err := json.Marshal(p)
	if err != nil {
		b = []byte(`{"type":"` + ProblemDenied + `","title":"Forbidden","status":403,"decision":"deny"}`)
		rf.status = http.StatusForbidden
	}
	h := w.Header()
	for k := range h {
		if k != ToolCallIDHeader {
			h.Del(k)
		}
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(rf.status)
	_, _ = w.Write(append(b, '\n'))
}

// record writes a refusal the middleware made on its own as a decision
// entry, so that the audit log holds every governed request's outcome. It
// returns -1 when the entry could not be written (the request is refused
// either way).
func (m *middleware) record(ctx context.Context, rf *refusal) int64 {
	payload, err := canonical.Marshal(map[string]any{"point": rf.point, "reasons": rf.reasons, "tool": m.tool, "call_id": rf.callID,
		"refused_by": "middleware"})
	if err != nil {
		return -1
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postCheckTimeout)
	defer cancel()
	idx, err := m.g.log.log.Append(ctx, &api.Event{Type: "decision", Agent: rf.recordAgent, Session: rf.recordSes,
		Action: rf.point + ":" + m.tool, Decision: rf.decision, Reason: rf.reason, PolicyVersion: m.g.gate.Policy().Version,
		Payload: payload}, m.g.source)
	if err != nil {
		m.log.Error("agentgov middleware: recording a refusal failed", "tool", m.tool, "reason", rf.reason, "err", err)
		return -1
	}
	return idx
}

// capture buffers a handler's answer so that it can be inspected before
// anything reaches the client. It deliberately implements neither
// http.Flusher nor http.Hijacker, nor Unwrap: a handler that could reach
// the real connection could answer past the inspection.
type capture struct {
	header http.Header
	// sent is the header as it stood at WriteHeader: later changes have
	// no effect, as with a real ResponseWriter.
	sent     http.Header
	status   int
	buf      bytes.Buffer
	limit    int64
	overflow bool
}

var errResultTooLarge = errors.New("agentgov: the result exceeds the middleware's response limit")

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(code int) {
	if code < 100 || code > 999 {
		// The same contract as net/http's own writer.
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if c.status != 0 || code < 200 {
		// A second final status is ignored; informational answers are
		// not forwarded before the result is decided.
		return
	}
	c.status = code
	c.sent = c.header.Clone()
}

func (c *capture) Write(p []byte) (int, error) {
	if c.status == 0 {
		if c.header.Get("Content-Type") == "" && len(p) > 0 {
			c.header.Set("Content-Type", http.DetectContentType(p))
		}
		c.WriteHeader(http.StatusOK)
	}
	if c.overflow || int64(c.buf.Len())+int64(len(p)) > c.limit {
		c.overflow = true
		return 0, errResultTooLarge
	}
	return c.buf.Write(p)
}

func (c *capture) statusCode() int {
	if c.status == 0 {
		return http.StatusOK
	}
	return c.status
}

// finalHeader is the header the client would have received, without
// trailers (they are not inspected, so they are not forwarded).
func (c *capture) finalHeader() http.Header {
	h := c.sent
	if h == nil {
		h = c.header.Clone()
	}
	h.Del("Trailer")
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			delete(h, k)
		}
	}
	return h
}
