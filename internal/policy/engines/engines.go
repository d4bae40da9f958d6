// Package engines assembles the ACS engines agentgov ships, so that the
// `agentgov acs` commands, the gate and the embedding facade evaluate
// manifests with exactly the same machinery: rego (OPA in-process), cedar
// (cedar-go), the built-in test engine, and the endpoint annotator; custom
// adapters are added by whoever embeds agentgov.
package engines

import (
	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/annotate"
	"github.com/agentgov/agentgov/acs/fetch"
	"github.com/agentgov/agentgov/acs/load"
	"github.com/agentgov/agentgov/internal/policy/cedar"
	"github.com/agentgov/agentgov/internal/policy/rego"
)

// Options configure the engines.
type Options struct {
	Limits acs.Limits
	// Fetch configures every HTTPS fetch a manifest causes (URL extends,
	// bundle_url, endpoint annotators).
	Fetch fetch.Options
	// Custom adapters by name.
	Custom map[string]acs.PolicyEngine
	// LookupEnv resolves annotator credentials named in manifests; nil
	// means the process environment.
	LookupEnv func(string) (string, bool)
	// Annotators are extra annotator engines by annotator type
	// (classifier, llm); endpoint is always registered.
	Annotators map[string]acs.AnnotatorEngine
}

// Runtime returns the acs.Options that evaluate with agentgov's engines.
func Runtime(o Options) (acs.Options, error) {
	ann := map[string]acs.AnnotatorEngine{"endpoint": annotate.NewEndpoint(annotate.EndpointOptions{Fetch: o.Fetch, LookupEnv: o.LookupEnv})}
	for typ, e := range o.Annotators {
		ann[typ] = e
	}
	mux, err := annotate.NewMux(ann)
	if err != nil {
		return acs.Options{}, err
	}
	return acs.Options{
		Limits: o.Limits,
		Policies: map[acs.PolicyType]acs.PolicyEngine{
			acs.Rego:  rego.New(rego.Options{}),
			acs.Cedar: cedar.New(cedar.Options{}),
			acs.Test:  acs.NewTestEngine(),
		},
		Custom:     o.Custom,
		Annotators: mux,
	}, nil
}

// Loader returns load.Options that fetch with the same rules.
func Loader(o Options) load.Options {
	return load.Options{Limits: o.Limits, Fetcher: fetch.New(o.Fetch.WithLimits(limitsOrDefault(o.Limits)))}
}

func limitsOrDefault(l acs.Limits) acs.Limits {
	if l == (acs.Limits{}) {
		return acs.DefaultLimits()
	}
	return l
}
