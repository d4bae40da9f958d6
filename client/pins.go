package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/agentgov/agentgov/api"
)

// PinTools approves the current definition of every tool of an MCP
// server (ADMIN).
func (c *Client) PinTools(ctx context.Context, server string, tools []json.RawMessage) (api.PinResult, error) {
	var out api.PinResult
	_, err := c.do(ctx, http.MethodPost, "/v1/mcp/pins", nil, api.PinRequest{Server: server, Tools: tools}, &out)
	return out, err
}

// Pins lists the current approvals of an MCP server's tools.
func (c *Client) Pins(ctx context.Context, server string) (api.PinList, error) {
	var out api.PinList
	_, err := c.do(ctx, http.MethodGet, "/v1/mcp/pins", url.Values{"server": {server}}, nil, &out)
	return out, err
}
