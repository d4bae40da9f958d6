package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/detect/toolscan"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/toolpin"
)

// MCPPins approves MCP tool definitions and lists the approvals.
type MCPPins interface {
	Pin(ctx context.Context, server string, tools []toolscan.Tool, source string) ([]api.PinOutcome, error)
	List(ctx context.Context, server string) (api.PinList, error)
	History(ctx context.Context, server, tool string) (api.PinHistory, error)
}

func (s *Server) mcpPinRoutes() {
	if s.o.MCPPins == nil {
		return
	}
	s.route("POST /v1/mcp/pins", permAdmin, s.postMCPPins)
	s.route("GET /v1/mcp/pins", permRead, s.getMCPPins)
}

func (s *Server) postMCPPins(w http.ResponseWriter, r *http.Request) error {
	var req api.PinRequest
	if err := decodeJSON(r, &req, s.o.MaxRequestBytes); err != nil {
		return err
	}
	if req.Server == "" {
		return badField("server", "is required")
	}
	if req.Tools == nil {
		return badField("tools", "is required (an array of MCP tool definitions)")
	}
	if len(req.Tools) > toolpin.MaxTools {
		return badField("tools", "holds %d tools, at most %d are accepted", len(req.Tools), toolpin.MaxTools)
	}
	tools := make([]toolscan.Tool, 0, len(req.Tools))
	for i, raw := range req.Tools {
		t, err := toolscan.DecodeTool(raw)
		if err != nil || t.Name == "" {
			return badField("tools", "element %d is not an MCP tool definition with a name", i)
		}
		tools = append(tools, t)
	}
	out, err := s.o.MCPPins.Pin(r.Context(), req.Server, tools, principalFrom(r.Context()).source())
	if errors.Is(err, toolpin.ErrInvalid) {
		return badField("tools", "%s", err.Error())
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, api.PinResult{Server: req.Server, Pins: out})
	return nil
}

func (s *Server) getMCPPins(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "server", "tool"); err != nil {
		return err
	}
	srv := q.Get("server")
	if srv == "" {
		return badField("server", "is required")
	}
	if q.Has("tool") {
		tool := q.Get("tool")
		if tool == "" {
			return badField("tool", "must name a tool")
		}
		h, err := s.o.MCPPins.History(r.Context(), srv, tool)
		if errors.Is(err, store.ErrNotFound) {
			return &problemError{status: http.StatusNotFound, typ: probNotFound, title: "Not found", detail: err.Error()}
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, h)
		return nil
	}
	l, err := s.o.MCPPins.List(r.Context(), srv)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}
