package mcpgw

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/toolscan"
)

// Recorder writes an audit event.
type Recorder interface {
	Record(ctx context.Context, ev api.Event) error
}

// ScanReviewer reviews tool lists with the MCP tool scanner against the
// approved pins: a tool with a finding at or above HideAt (poisoning,
// hidden characters, exfiltration, a dangerous change from its pin...)
// is hidden, and so is every tool when the server as a whole is flagged.
// Each review that hides something is an audit event.
type ScanReviewer struct {
	Scanner *toolscan.Scanner
	// Pins returns the approved definitions of a server's tools (nil: none
	// pinned).
	Pins func(ctx context.Context, server string) ([]toolscan.Tool, error)
	// HideAt is the lowest severity that hides a tool (default high).
	HideAt   detect.Severity
	Recorder Recorder
	// Agent names the gateway's identity in review events.
	Agent string
}

// Review implements Reviewer.
func (r ScanReviewer) Review(ctx context.Context, server string, tools []*mcp.Tool) (Review, error) {
	hideAt := r.HideAt
	if hideAt == "" {
		hideAt = detect.High
	}
	in := toolscan.Input{Server: server}
	for _, t := range tools {
		tt, err := scanTool(t)
		if err != nil {
			return Review{}, err
		}
		in.Tools = append(in.Tools, tt)
	}
	if r.Pins != nil {
		pins, err := r.Pins(ctx, server)
		if err != nil {
			return Review{}, fmt.Errorf("reading the approved pins: %w", err)
		}
		in.Baseline = pins
	}
	sc := r.Scanner
	if sc == nil {
		sc = toolscan.New()
	}
	findings, err := sc.Scan(ctx, in)
	if err != nil {
		return Review{}, err
	}
	rev := Review{Hidden: map[string]string{}, Catalogued: map[string]bool{}}
	for _, p := range in.Baseline {
		rev.Catalogued[p.Name] = true
	}
	for _, f := range findings {
		if f.Severity.Rank() < hideAt.Rank() || (f.Object != toolscan.ObjectTool && f.Object != toolscan.ObjectServer) {
			continue
		}
		if f.Tool == "" || f.Object == toolscan.ObjectServer {
			for _, t := range tools {
				rev.Hidden[t.Name] = f.Type + " (server): " + f.Detail
			}
			continue
		}
		if _, done := rev.Hidden[f.Tool]; !done {
			rev.Hidden[f.Tool] = f.Type + ": " + f.Detail
		}
	}
	if len(rev.Hidden) > 0 && r.Recorder != nil {
		names := make([]string, 0, len(rev.Hidden))
		for n := range rev.Hidden {
			names = append(names, n)
		}
		sort.Strings(names)
		payload, _ := json.Marshal(map[string]any{"server": server, "hidden": names, "findings": findings})
		ev := api.Event{Type: "mcp_review", Agent: r.Agent, Action: "tools/list:" + server, Decision: "deny",
			Reason: "mcp_tools_hidden", Payload: payload}
		if err := r.Recorder.Record(ctx, ev); err != nil {
			// The review is evidence: without its record the list is not
			// published.
			return Review{}, fmt.Errorf("recording the review: %w", err)
		}
	}
	return rev, nil
}

// scanTool converts an SDK tool definition for the scanner.
func scanTool(t *mcp.Tool) (toolscan.Tool, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return toolscan.Tool{}, fmt.Errorf("tool %q does not encode: %w", t.Name, err)
	}
	tt, err := toolscan.DecodeTool(raw)
	if err != nil {
		return toolscan.Tool{}, fmt.Errorf("tool %q: %w", t.Name, err)
	}
	return tt, nil
}
