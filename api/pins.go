package api

import "encoding/json"

// PinRequest approves the current definition of every tool of an MCP
// server (POST /v1/mcp/pins). Tools are MCP tool definitions
// ({"name", "description", "inputSchema", ...}); approved tools missing
// from the list are withdrawn.
type PinRequest struct {
	Server string            `json:"server"`
	Tools  []json.RawMessage `json:"tools"`
}

// PinOutcome is what approving one tool did. Change is new, changed,
// unchanged (already approved as it is: nothing recorded) or removed.
type PinOutcome struct {
	Tool       string `json:"tool"`
	Change     string `json:"change"`
	Version    int64  `json:"version"`
	Hash       string `json:"hash,omitempty"`
	AuditIndex int64  `json:"audit_index"`
}

// PinResult answers a PinRequest.
type PinResult struct {
	Server string       `json:"server"`
	Pins   []PinOutcome `json:"pins"`
}

// PinnedTool is the current approval of one tool.
type PinnedTool struct {
	Tool       string `json:"tool"`
	Version    int64  `json:"version"`
	Hash       string `json:"hash"`
	By         string `json:"by"`
	At         string `json:"at"`
	AuditIndex int64  `json:"audit_index"`
	// Definition is null, and Removed true, for a version that withdrew
	// the approval (in a history only).
	Definition json.RawMessage `json:"definition"`
	Removed    bool            `json:"removed,omitempty"`
}

// PinHistory answers GET /v1/mcp/pins?server=NAME&tool=TOOL: every
// version of one tool's approval, oldest first.
type PinHistory struct {
	Server   string       `json:"server"`
	Tool     string       `json:"tool"`
	Versions []PinnedTool `json:"versions"`
}

// PinList answers GET /v1/mcp/pins?server=NAME.
type PinList struct {
	Server string       `json:"server"`
	Pins   []PinnedTool `json:"pins"`
}
