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

// call is the governed path of one tools/call.
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
	if agent == "" {
		return refusal("the call names no agent; it was not forwarded")
	}
	args, err := decodeArgs(req.Params.Arguments)
	if err != nil {
		return refusal("the arguments were not forwarded: " + err.Error())
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
		return refusal("denied: the gate could not decide (" + err.Error() + ")")
	}
	if d.Decision == "escalate" {
		if d, err = g.awaitApproval(ctx, pre, d); err != nil {
			if ke, killed := killedCause(ctx); killed {
				return refusal("not forwarded: " + ke.Error())
			}
			return refusal(err.Error())
		}
	}
	if !d.Allowed() {
		return refusal(fmt.Sprintf("denied by agentgov: %s (audit entry %d)", reasonOf(d), d.AuditIndex))
	}
	if d.Decision == "transform" && len(d.Transformed) > 0 {
		if args, err = decodeArgs(d.Transformed); err != nil {
			return refusal("denied: the transformed arguments do not decode")
		}
	}

	res, callErr := g.forward(ctx, tool, args)
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
			return refusal("cancelled: " + ke.Error())
		}
		return refusal("the upstream MCP server failed: " + callErr.Error())
	}
	resVal, err := toValue(res)
	if err != nil {
		return refusal("the result was withheld: it does not encode")
	}
	post.Snapshot["tool_result"] = resVal
	d2, err := g.o.Decider.Check(ctx, post)
	switch {
	case err != nil:
		g.log.Warn("the gate could not decide a result; withheld", "server", g.o.Server, "tool", tool, "err", err)
		return refusal("the result was withheld: the gate could not decide")
	case !d2.Allowed():
		return refusal(fmt.Sprintf("the result was withheld by agentgov: %s (audit entry %d)", reasonOf(d2), d2.AuditIndex))
	case d2.Decision == "transform" && len(d2.Transformed) > 0:
		var out mcp.CallToolResult
		if err := json.Unmarshal(d2.Transformed, &out); err != nil {
			return refusal("the result was withheld: the redacted result does not decode")
		}
		return &out
	}
	return res
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

// forward calls the upstream. A call that times out or loses its
// connection drops the session, so that a hung or dead upstream is
// restarted by the next call.
func (g *Gateway) forward(ctx context.Context, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	cs, err := g.session(ctx)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, g.o.CallTimeout)
	defer cancel()
	res, err := cs.CallTool(cctx, &mcp.CallToolParams{Name: tool, Arguments: args})
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
	if res == nil {
		return nil, errors.New("empty result")
	}
	return res, nil
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

func toValue(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	err = dec.Decode(&out)
	return out, err
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
