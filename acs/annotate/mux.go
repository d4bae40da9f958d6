// Package annotate holds agentgov's host-side annotator engines (ACS §10):
// Endpoint, the engine for `type: endpoint` declarations, and Mux, which
// routes each annotator call to the engine registered for its type.
//
// ACS itself defines no classifier or judge ("annotator execution is always
// host provided", §10); these engines are the host side of that contract
// and reach the network only through package acs/fetch.
package annotate

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/agentgov/agentgov/acs"
)

// The annotator types a manifest may declare (§10).
const (
	TypeClassifier = "classifier"
	TypeLLM        = "llm"
	TypeEndpoint   = "endpoint"
)

// ErrNoEngine: no engine is registered for the annotator's type. The
// runtime reports it as runtime_error:annotation_failed.
var ErrNoEngine = errors.New("annotate: no engine registered for annotator type")

// Mux is an acs.AnnotatorEngine that dispatches on the annotator type. It is
// immutable after NewMux, so it is safe for concurrent use and carries no
// state between calls.
type Mux struct {
	engines map[string]acs.AnnotatorEngine
}

// NewMux builds a Mux from type → engine. Only the three §10 types may be
// registered: any other key could never be reached by a valid manifest and
// is most likely a typo that would otherwise surface as a deny at runtime.
func NewMux(engines map[string]acs.AnnotatorEngine) (*Mux, error) {
	m := &Mux{engines: make(map[string]acs.AnnotatorEngine, len(engines))}
	for typ, eng := range engines {
		switch typ {
		case TypeClassifier, TypeLLM, TypeEndpoint:
		default:
			return nil, fmt.Errorf("annotate: cannot register engine for unknown annotator type %q", typ)
		}
		if eng == nil {
			return nil, fmt.Errorf("annotate: nil engine for annotator type %q", typ)
		}
		m.engines[typ] = eng
	}
	return m, nil
}

// Types lists the registered types in sorted order.
func (m *Mux) Types() []string {
	out := make([]string, 0, len(m.engines))
	for t := range m.engines {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Annotate implements acs.AnnotatorEngine. An unregistered type fails
// closed with ErrNoEngine; the engine's result and error pass through
// unchanged, so a wrapped acs.ErrAnnotatorTimeout stays a timeout.
func (m *Mux) Annotate(ctx context.Context, call *acs.AnnotatorCall) (any, error) {
	typ, err := callType(call)
	if err != nil {
		return nil, err
	}
	eng, ok := m.engines[typ]
	if !ok {
		return nil, fmt.Errorf("%w: annotator %q has type %q", ErrNoEngine, call.Name, typ)
	}
	return eng.Annotate(ctx, call)
}

// callType returns the annotator type of call: call.Type, or the "type"
// member of the configuration when call.Type is empty. If both are present
// they must agree; an engine must never run a declaration it was not
// chosen for.
func callType(call *acs.AnnotatorCall) (string, error) {
	if call == nil {
		return "", errors.New("annotate: nil annotator call")
	}
	cfgType, hasCfg := call.Config["type"]
	cfgStr, isStr := cfgType.(string)
	if hasCfg && !isStr {
		return "", fmt.Errorf("annotate: annotator %q: type is %T, not a string", call.Name, cfgType)
	}
	switch {
	case call.Type != "" && hasCfg && cfgStr != call.Type:
		return "", fmt.Errorf("annotate: annotator %q: call type %q disagrees with configured type %q", call.Name, call.Type, cfgStr)
	case call.Type != "":
		return call.Type, nil
	case cfgStr != "":
		return cfgStr, nil
	}
	return "", fmt.Errorf("annotate: annotator %q has no type", call.Name)
}
