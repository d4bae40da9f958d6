package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/agentgov/agentgov/internal/store"
)

// Pins is an in-process store.Pins, safe for concurrent use.
type Pins struct {
	mu   sync.RWMutex
	pins map[[2]string][]store.Pin // (server, tool) → versions, oldest first
}

var _ store.Pins = (*Pins)(nil)

// NewPins returns an empty pin store.
func NewPins() *Pins { return &Pins{pins: map[[2]string][]store.Pin{}} }

func clonePin(p store.Pin) store.Pin {
	if p.Definition != nil {
		p.Definition = append([]byte(nil), p.Definition...)
	}
	return p
}

// AppendPins implements store.Pins.
func (s *Pins) AppendPins(_ context.Context, pins []store.Pin) ([]store.Pin, error) {
	for _, p := range pins {
		if p.Server == "" || p.Tool == "" {
			return nil, fmt.Errorf("%w: a pin needs a server and a tool", store.ErrConflict)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.Pin, len(pins))
	for i, p := range pins {
		k := [2]string{p.Server, p.Tool}
		p = clonePin(p)
		p.At = p.At.UTC()
		p.Version = int64(len(s.pins[k])) + 1
		s.pins[k] = append(s.pins[k], p)
		out[i] = clonePin(p)
	}
	return out, nil
}

// CurrentPins implements store.Pins.
func (s *Pins) CurrentPins(_ context.Context, server string) ([]store.Pin, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []store.Pin
	for k, vs := range s.pins {
		if k[0] != server {
			continue
		}
		if last := vs[len(vs)-1]; !last.Removed() {
			out = append(out, clonePin(last))
		}
	}
	slices.SortFunc(out, func(a, b store.Pin) int { return strings.Compare(a.Tool, b.Tool) })
	return out, nil
}

// PinHistory implements store.Pins.
func (s *Pins) PinHistory(_ context.Context, server, tool string) ([]store.Pin, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []store.Pin
	for _, p := range s.pins[[2]string{server, tool}] {
		out = append(out, clonePin(p))
	}
	return out, nil
}

// PinnedServers implements store.Pins.
func (s *Pins) PinnedServers(_ context.Context) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for k, vs := range s.pins {
		if !vs[len(vs)-1].Removed() && !seen[k[0]] {
			seen[k[0]] = true
			out = append(out, k[0])
		}
	}
	slices.Sort(out)
	return out, nil
}
