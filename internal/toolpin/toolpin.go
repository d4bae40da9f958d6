// Package toolpin records approvals of MCP tool definitions: the canonical
// definition and its hash go into the store's pin domain, and every
// approval (or withdrawal) is an audit entry. The server's
// POST /v1/mcp/pins and a local `agentgov mcp pin` both go through
// Service, so the two paths cannot record differently.
package toolpin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/detect/toolscan"
	"github.com/agentgov/agentgov/internal/store"
)

// Appender is the audit log's Append.
type Appender interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// Service approves tools.
type Service struct {
	Store store.Pins
	Log   Appender
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// MaxTools bounds one approval.
const MaxTools = toolscan.MaxTools

// ErrInvalid reports a request that cannot be approved; the message names
// the field.
var ErrInvalid = errors.New("invalid pin request")

// Change names what approving a tool did.
const (
	ChangeNew       = "new"
	ChangeChanged   = "changed"
	ChangeUnchanged = "unchanged"
	ChangeRemoved   = "removed"
)

// Pin approves the given definition of every tool of server. A tool whose
// approved definition is already identical is left as it is; approved
// tools missing from tools are withdrawn. Each new version is one audit
// entry, written before the pins: a pin without its entry cannot exist.
func (s *Service) Pin(ctx context.Context, server string, tools []toolscan.Tool, source string) ([]api.PinOutcome, error) {
	if server == "" {
		return nil, fmt.Errorf("%w: server is required", ErrInvalid)
	}
	if len(tools) > MaxTools {
		return nil, fmt.Errorf("%w: %d tools (limit %d)", ErrInvalid, len(tools), MaxTools)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	cur, err := s.Store.CurrentPins(ctx, server)
	if err != nil {
		return nil, err
	}
	approved := map[string]store.Pin{}
	for _, p := range cur {
		approved[p.Tool] = p
	}
	seen := map[string]bool{}
	var pins []store.Pin
	var out []api.PinOutcome
	for _, t := range tools {
		if t.Name == "" {
			return nil, fmt.Errorf("%w: a tool has no name", ErrInvalid)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("%w: tool %q is listed twice", ErrInvalid, t.Name)
		}
		seen[t.Name] = true
		def, err := toolscan.Canonical(t)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		hash, err := toolscan.Hash(t)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		change := ChangeNew
		if a, ok := approved[t.Name]; ok {
			if a.Hash == hash {
				out = append(out, api.PinOutcome{Tool: t.Name, Change: ChangeUnchanged, Version: a.Version, Hash: hash, AuditIndex: a.AuditIndex})
				continue
			}
			change = ChangeChanged
		}
		pins = append(pins, store.Pin{Server: server, Tool: t.Name, Hash: hash, Definition: def})
		out = append(out, api.PinOutcome{Tool: t.Name, Change: change, Hash: hash})
	}
	for _, p := range cur {
		if !seen[p.Tool] {
			pins = append(pins, store.Pin{Server: server, Tool: p.Tool})
			out = append(out, api.PinOutcome{Tool: p.Tool, Change: ChangeRemoved})
		}
	}
	// One audit entry per new version, then the versions in one
	// transaction.
	at := now().UTC()
	k := 0
	for i := range out {
		if out[i].Change == ChangeUnchanged {
			continue
		}
		prev := approved[out[i].Tool]
		payload, err := json.Marshal(map[string]any{"server": server, "tool": out[i].Tool, "change": out[i].Change,
			"hash": out[i].Hash, "previous_hash": prev.Hash, "previous_version": prev.Version})
		if err != nil {
			return nil, err
		}
		decision := "pinned"
		if out[i].Change == ChangeRemoved {
			decision = "unpinned"
		}
		idx, err := s.Log.Append(ctx, &api.Event{Type: "mcp_pin", Agent: "agentgov", Action: "mcp.pin:" + server + "/" + out[i].Tool,
			Decision: decision, Reason: out[i].Change, Payload: payload}, source)
		if err != nil {
			return nil, fmt.Errorf("recording the approval of %s/%s: %w", server, out[i].Tool, err)
		}
		out[i].AuditIndex = idx
		pins[k].AuditIndex, pins[k].By, pins[k].At = idx, source, at
		k++
	}
	if len(pins) > 0 {
		stored, err := s.Store.AppendPins(ctx, pins)
		if err != nil {
			return nil, fmt.Errorf("storing pins: %w", err)
		}
		k = 0
		for i := range out {
			if out[i].Change != ChangeUnchanged {
				out[i].Version = stored[k].Version
				k++
			}
		}
	}
	return out, nil
}

// List returns the current approvals of server.
func List(ctx context.Context, st store.Pins, server string) (api.PinList, error) {
	cur, err := st.CurrentPins(ctx, server)
	if err != nil {
		return api.PinList{}, err
	}
	l := api.PinList{Server: server, Pins: []api.PinnedTool{}}
	for _, p := range cur {
		l.Pins = append(l.Pins, pinned(p))
	}
	return l, nil
}

func pinned(p store.Pin) api.PinnedTool {
	return api.PinnedTool{Tool: p.Tool, Version: p.Version, Hash: p.Hash, By: p.By,
		At: p.At.UTC().Format(api.TimeLayout), AuditIndex: p.AuditIndex, Definition: p.Definition, Removed: p.Removed()}
}

// History returns every approved version of one tool of server, oldest
// first, removals included; ErrNotFound if the tool was never pinned.
func (s *Service) History(ctx context.Context, server, tool string) (api.PinHistory, error) {
	vs, err := s.Store.PinHistory(ctx, server, tool)
	if err != nil {
		return api.PinHistory{}, err
	}
	if len(vs) == 0 {
		return api.PinHistory{}, fmt.Errorf("%w: no approvals of tool %q of server %q", store.ErrNotFound, tool, server)
	}
	h := api.PinHistory{Server: server, Tool: tool, Versions: make([]api.PinnedTool, 0, len(vs))}
	for _, p := range vs {
		h.Versions = append(h.Versions, pinned(p))
	}
	return h, nil
}

// Baseline decodes the approved tools of a pin list, for toolscan.Input.
func Baseline(l api.PinList) ([]toolscan.Tool, error) {
	out := make([]toolscan.Tool, 0, len(l.Pins))
	for _, p := range l.Pins {
		t, err := toolscan.DecodeTool(p.Definition)
		if err != nil {
			return nil, fmt.Errorf("pinned tool %s/%s: %w", l.Server, p.Tool, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// List is List over the service's store.
func (s *Service) List(ctx context.Context, server string) (api.PinList, error) {
	return List(ctx, s.Store, server)
}
