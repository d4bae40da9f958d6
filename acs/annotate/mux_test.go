package annotate

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/agentgov/agentgov/acs"
)

type stubEngine struct {
	out any
	err error
}

func (s stubEngine) Annotate(context.Context, *acs.AnnotatorCall) (any, error) {
	return s.out, s.err
}

func TestMuxDispatch(t *testing.T) {
	timeout := errors.Join(acs.ErrAnnotatorTimeout)
	m, err := NewMux(map[string]acs.AnnotatorEngine{
		TypeEndpoint:   stubEngine{out: "from endpoint"},
		TypeClassifier: stubEngine{err: timeout},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Types(); !reflect.DeepEqual(got, []string{"classifier", "endpoint"}) {
		t.Errorf("Types %v", got)
	}
	ctx := context.Background()

	out, err := m.Annotate(ctx, &acs.AnnotatorCall{Name: "a", Type: "endpoint", Config: map[string]any{"type": "endpoint"}})
	if err != nil || out != "from endpoint" {
		t.Errorf("endpoint: %v %v", out, err)
	}
	// Type from the configuration when the call leaves it empty.
	if out, err := m.Annotate(ctx, &acs.AnnotatorCall{Name: "a", Config: map[string]any{"type": "endpoint"}}); err != nil || out != "from endpoint" {
		t.Errorf("config type: %v %v", out, err)
	}
	// Engine errors pass through unchanged (a timeout stays a timeout).
	if _, err := m.Annotate(ctx, &acs.AnnotatorCall{Name: "c", Type: "classifier"}); !errors.Is(err, acs.ErrAnnotatorTimeout) {
		t.Errorf("classifier: %v", err)
	}
	// Unregistered and unknown types fail closed.
	for _, c := range []*acs.AnnotatorCall{
		{Name: "l", Type: "llm"},
		{Name: "x", Type: "something"},
	} {
		if _, err := m.Annotate(ctx, c); !errors.Is(err, ErrNoEngine) {
			t.Errorf("%s: %v, want ErrNoEngine", c.Type, err)
		}
	}
	for name, c := range map[string]*acs.AnnotatorCall{
		"nil":          nil,
		"no type":      {Name: "n"},
		"disagreement": {Name: "d", Type: "endpoint", Config: map[string]any{"type": "llm"}},
		"non-string":   {Name: "s", Config: map[string]any{"type": 3}},
	} {
		if _, err := m.Annotate(ctx, c); err == nil || errors.Is(err, acs.ErrAnnotatorTimeout) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNewMuxRejects(t *testing.T) {
	if _, err := NewMux(map[string]acs.AnnotatorEngine{"classifer": stubEngine{}}); err == nil {
		t.Error("typo type accepted")
	}
	if _, err := NewMux(map[string]acs.AnnotatorEngine{TypeLLM: nil}); err == nil {
		t.Error("nil engine accepted")
	}
	m, err := NewMux(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Annotate(context.Background(), &acs.AnnotatorCall{Type: TypeEndpoint}); !errors.Is(err, ErrNoEngine) {
		t.Errorf("empty mux: %v", err)
	}
}

func TestMuxIsolatedFromCallerMap(t *testing.T) {
	engines := map[string]acs.AnnotatorEngine{TypeEndpoint: stubEngine{out: 1}}
	m, err := NewMux(engines)
	if err != nil {
		t.Fatal(err)
	}
	delete(engines, TypeEndpoint)
	if out, err := m.Annotate(context.Background(), &acs.AnnotatorCall{Type: TypeEndpoint}); err != nil || out != 1 {
		t.Errorf("mux shares the caller's map: %v %v", out, err)
	}
}

// The Endpoint engine behind a Mux: the whole host wiring in one call.
func TestMuxWithEndpoint(t *testing.T) {
	e := newEndpointEnv(t, jsonHandler(`{"label":"ok"}`))
	m, err := NewMux(map[string]acs.AnnotatorEngine{TypeEndpoint: e.engine(nil, EndpointOptions{})})
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Annotate(context.Background(), call(map[string]any{"url": e.url("/")}))
	if err != nil || !reflect.DeepEqual(out, map[string]any{"label": "ok"}) {
		t.Fatalf("%v %v", out, err)
	}
}
