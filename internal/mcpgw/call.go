package mcpgw

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/jsonplain"
)

// callerKey carries an HTTP caller's request header to the Decider, so
// that a decider talking to agentgov serve can present the caller's own
// credential.
type callerKey struct{}

// CallerHeader returns the HTTP header of the MCP request being decided,
// or nil for a stdio client.
func CallerHeader(ctx context.Context) http.Header {
	h, _ := ctx.Value(callerKey{}).(http.Header)
	return h
}

// maxArgumentBytes bounds a call's arguments.
const maxArgumentBytes = 4 << 20

// call is the SDK's handler of a tools/call the stream path did not take
// (streamable-HTTP clients, and requests the stream path leaves to the
// SDK): the same governed path, its result decoded into the SDK's form.
func (g *Gateway) call(ctx context.Context, tool string, req *mcp.CallToolRequest) *mcp.CallToolResult {
	agent, session := g.o.Agent, g.o.Session
	if req.Extra != nil && req.Extra.Header != nil {
		ctx = context.WithValue(ctx, callerKey{}, req.Extra.Header)
		if g.o.CallerAgent != nil {
			if a := g.o.CallerAgent(req.Extra.Header); a != "" {
				agent = a
			}
		}
	}
	if req.Session != nil {
		if id := req.Session.ID(); id != "" {
			session = "mcp-" + g.o.Server + "-" + id
		}
	}
	var sink progressSink
	if tok := req.Params.GetProgressToken(); tok != nil && req.Session != nil {
		ss := req.Session
		sink = func(ctx context.Context, progress, total float64) error {
			return ss.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: tok, Progress: progress, Total: total})
		}
	}
	out := g.govern(ctx, agent, session, tool, req.Params.Arguments, sink)
	if out.refusal != "" {
		return refusal(out.refusal)
	}
	raw, err := jsonplain.Marshal(out.result)
	if err != nil {
		return refusal("the result was withheld: it does not encode")
	}
	var res mcp.CallToolResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return refusal("the result was withheld: it is not a tool result (" + err.Error() + ")")
	}
	return &res
}

// outcome is what a governed call answers: a refusal (an error result
// with this text) or the result exactly as the gate checked it.
type outcome struct {
	refusal string
	result  map[string]any
}

func refused(msg string) outcome { return outcome{refusal: msg} }

// govern is the path of every tools/call, whichever transport brought
// it: the pre_tool_call check, an approval when escalated, the upstream
// call, the post_tool_call check (redaction, injection). Every error on
// it refuses the call. A non-nil progress receives the upstream's
// progress while the call runs.
func (g *Gateway) govern(ctx context.Context, agent, session, tool string, rawArgs json.RawMessage, progress progressSink) outcome {
	if agent == "" {
		return refused("the call names no agent; it was not forwarded")
	}
	args, err := decodeArgs(rawArgs)
	if err != nil {
		return refused("the arguments were not forwarded: " + err.Error())
	}
	ctx, done := g.track(ctx, agent, session, g.gateName(tool))
	defer done()
	var idb [12]byte
	rand.Read(idb[:])
	callID := "mcp-" + hex.EncodeToString(idb[:])
	pre := api.CheckRequest{Agent: agent, Session: session, InterventionPoint: "pre_tool_call",
		Snapshot: map[string]any{"tool_call": map[string]any{"id": callID, "name": g.gateName(tool), "args": args}}}
	d, err := g.o.Decider.Check(ctx, pre)
	if err != nil {
		g.log.Warn("the gate could not decide a call; denied", "server", g.o.Server, "tool", tool, "err", err)
		return refused("denied: the gate could not decide (" + err.Error() + ")")
	}
	if d.Decision == "escalate" {
		if d, err = g.awaitApproval(ctx, pre, d); err != nil {
			if ke, killed := killedCause(ctx); killed {
				return refused("not forwarded: " + ke.Error())
			}
			return refused(err.Error())
		}
	}
	if !d.Allowed() {
		return refused(fmt.Sprintf("denied by agentgov: %s (audit entry %d)", reasonOf(d), d.AuditIndex))
	}
	if d.Decision == "transform" && len(d.Transformed) > 0 {
		if args, err = decodeArgs(d.Transformed); err != nil {
			return refused("denied: the transformed arguments do not decode")
		}
	}

	res, callErr := g.forward(ctx, tool, args, progress)
	post := api.CheckRequest{Agent: agent, Session: session, InterventionPoint: "post_tool_call",
		Snapshot: map[string]any{"tool_call": map[string]any{"id": callID, "name": g.gateName(tool)}}}
	if callErr != nil {
		// The post check still runs: it releases the call's concurrency
		// slot and records the failure.
		post.Snapshot["tool_result"] = map[string]any{"isError": true, "error": callErr.Error()}
		if _, err := g.o.Decider.Check(context.WithoutCancel(ctx), post); err != nil {
			g.log.Warn("recording a failed call failed", "server", g.o.Server, "tool", tool, "err", err)
		}
		if ke, killed := killedCause(ctx); killed {
			return refused("cancelled: " + ke.Error())
		}
		return refused("the upstream MCP server failed: " + callErr.Error())
	}
	post.Snapshot["tool_result"] = res
	d2, err := g.o.Decider.Check(ctx, post)
	switch {
	case err != nil:
		g.log.Warn("the gate could not decide a result; withheld", "server", g.o.Server, "tool", tool, "err", err)
		return refused("the result was withheld: the gate could not decide")
	case !d2.Allowed():
		return refused(fmt.Sprintf("the result was withheld by agentgov: %s (audit entry %d)", reasonOf(d2), d2.AuditIndex))
	case d2.Decision == "transform" && len(d2.Transformed) > 0:
		red, err := toolResult(d2.Transformed)
		if err != nil {
			return refused("the result was withheld: the redacted result does not decode")
		}
		return outcome{result: red}
	}
	return outcome{result: res}
}

// awaitApproval holds an escalated call until its approval resolves, then
// re-checks the same action with the approval id: only the approved
// action, once, passes.
func (g *Gateway) awaitApproval(ctx context.Context, pre api.CheckRequest, d api.CheckDecision) (api.CheckDecision, error) {
	if d.ApprovalID == "" || g.o.Approvals == nil {
		return d, fmt.Errorf("escalated by agentgov (%s) and no approval can be awaited here; not forwarded", reasonOf(d))
	}
	wctx, cancel := context.WithTimeout(ctx, g.o.ApprovalTimeout)
	defer cancel()
	ok, err := g.o.Approvals.Wait(wctx, d.ApprovalID)
	if err != nil {
		return d, fmt.Errorf("denied: waiting for approval %s failed (%v)", d.ApprovalID, err)
	}
	if !ok {
		return d, fmt.Errorf("denied: approval %s was refused or timed out", d.ApprovalID)
	}
	pre.ApprovalID = d.ApprovalID
	d2, err := g.o.Decider.Check(ctx, pre)
	if err != nil {
		return d, fmt.Errorf("denied: the gate could not decide the approved call (%v)", err)
	}
	return d2, nil
}

// forward calls the upstream and returns its result as a JSON value,
// the form the gate checks and the client receives. A call that times
// out or loses its connection drops the session, so that a hung or dead
// upstream is restarted by the next call.
func (g *Gateway) forward(ctx context.Context, tool string, args map[string]any, progress progressSink) (map[string]any, error) {
	cs, up, err := g.session(ctx)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, g.o.CallTimeout)
	defer cancel()
	var meta map[string]any
	if progress != nil && up != nil {
		r := newProgressRelay(progress)
		tok := up.watchProgress(r)
		stop := r.run(cctx)
		defer func() {
			up.unwatchProgress(tok)
			stop()
		}()
		meta = map[string]any{"progressToken": tok}
	}
	var raw json.RawMessage
	if up != nil && up.direct && statefulSession(cs) {
		// On a connection of the gateway's own framing (stdio, streamable
		// HTTP) the request goes straight onto the upstream's connection: the SDK client session would decode the result into
		// its types only for the gateway to encode it again. (A server
		// that insisted on the sessionless protocol wants per-request
		// metadata the SDK adds, so it is called through the SDK.)
		var params []byte
		if params, err = jsonplain.Marshal(struct {
			Meta      map[string]any `json:"_meta,omitempty"`
			Name      string         `json:"name"`
			Arguments map[string]any `json:"arguments"`
		}{meta, tool, args}); err == nil {
			var resp *jsonrpc.Response
			if resp, err = up.call(cctx, "tools/call", params); err == nil {
				if resp.Error != nil {
					err = resp.Error
				} else {
					raw = resp.Result
				}
			}
		}
	} else {
		var res *mcp.CallToolResult
		if res, err = cs.CallTool(cctx, &mcp.CallToolParams{Meta: meta, Name: tool, Arguments: args}); err == nil {
			if res == nil {
				return nil, errors.New("empty result")
			}
			raw, err = json.Marshal(res)
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			// A JSON-RPC error answer leaves the connection healthy;
			// anything else (closed, timed out, unreadable) does not.
			var werr *jsonrpc.Error
			if !errors.As(err, &werr) {
				g.dropSession(cs)
			}
		}
		return nil, err
	}
	return toolResult(raw)
}

// statefulSession reports a session on a protocol with a session (what
// the gateway asks for), whose requests need no per-request metadata.
func statefulSession(cs *mcp.ClientSession) bool {
	r := cs.InitializeResult()
	return r != nil && r.ProtocolVersion < modernProtocol
}

// maxResultBytes bounds a tool result the gateway decodes.
const maxResultBytes = 16 << 20

// toolResult decodes a tools/call result (numbers kept exact). It must be
// a JSON object and final: a server asking the client for more input
// (SEP-2322 input_required) cannot be relayed through the gate.
func toolResult(raw json.RawMessage) (map[string]any, error) {
	if len(raw) > maxResultBytes {
		return nil, fmt.Errorf("the result exceeds %d bytes", maxResultBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("the result is not a JSON object")
	}
	if rt, ok := m["resultType"]; ok && rt != "complete" {
		return nil, fmt.Errorf("the server asked for input (resultType %v), which the gateway does not relay", rt)
	}
	if _, ok := m["inputRequests"]; ok {
		return nil, errors.New("the server asked for input, which the gateway does not relay")
	}
	return m, nil
}

func decodeArgs(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}, nil
	}
	if len(raw) > maxArgumentBytes {
		return nil, fmt.Errorf("they exceed %d bytes", maxArgumentBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("they are not a JSON object: %v", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

func reasonOf(d api.CheckDecision) string {
	if d.Message != nil && *d.Message != "" {
		return d.Reason + ": " + *d.Message
	}
	return d.Reason
}

// refusal is the error result a client receives instead of the call.
func refusal(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}
