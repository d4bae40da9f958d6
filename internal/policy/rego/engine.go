// Package rego is agentgov's in-process dispatcher for ACS `rego` policies
// (ACS 0.3.1-beta §12.1, digest 12.4): it runs Open Policy Agent through its
// Go API instead of spawning `opa eval`.
//
// # Contract
//
// New returns an acs.PolicyEngine. The runtime calls Prepare once per
// intervention-point binding; Prepare reads and compiles everything the
// policy needs (bundle, bundle_url, data documents, the query) exactly once
// into an OPA prepared query. Eval then converts the final policy input
// straight into OPA's AST (no JSON round trip), evaluates the prepared query
// and returns the single expression value as a JSON value (nil, bool,
// json.Number, string, []any, map[string]any). The runtime normalizes that
// value into a verdict (§13); a value that is not an object is its
// business (runtime_error:policy_output_invalid), not ours.
//
// Eval fails, and the runtime reports runtime_error:policy_invocation_failed,
// when the query is undefined, yields more than one result or a result with
// more than one expression, when OPA reports an error (including built-in
// errors, which are strict here), or when the evaluation outlives its
// timeout (Options.Timeout, default 5 s like the reference dispatcher).
//
// # Definition members
//
//   - query: the runtime passes the effective query (binding wins) in
//     PolicySpec.Query; the engine falls back to the binding's and then the
//     definition's `query` member when it is empty.
//   - bundle: a bundle directory or a bundle archive (.tar.gz), resolved
//     relative to the declaring manifest's directory (Source.Dir).
//   - bundle_url: {url, sha256|integrity}, retrieved with Source.Fetch,
//     which owns HTTPS, pinning, size, time and redirect limits. The archive
//     is read from memory; nothing is written to disk.
//   - data, data_paths: the adapter data of `opa eval --data`: a path or an
//     array of paths (files or directories of JSON/YAML documents or Rego
//     modules) resolved relative to Source.Dir. `data` may also be an object
//     (the schema allows it): an inline data document merged at the root of
//     `data`. A binding's data/data_paths replace the definition's (the
//     reference overlays binding extras on definition extras).
//
// The 0.3.1-beta schema defines no inline Rego text member for a rego
// policy, so the engine reads none from the manifest; a host can compile
// shared library modules into every policy with Options.Modules.
//
// A URL-sourced manifest (Source.Dir empty) has no filesystem root, so a
// bundle or data path fails Prepare (§2.3).
//
// # Sandbox
//
// Policies are compiled as Rego v1 (a bundle manifest may still declare its
// own rego_version, as with `opa eval`) with strict built-in errors, so a
// failing built-in (division by zero, a type error in a built-in call) is
// an evaluation error instead of silently undefined. A policy may not do
// I/O: http.send, net.lookup_ip_addr and opa.runtime (which exposes the
// process environment) are refused at compile time, and the network
// allow-list is empty, so json.match_schema and json.verify_schema cannot
// fetch remote $refs either. print output is discarded. Built-ins that are
// nondeterministic without doing I/O (time.now_ns, rand.intn, uuid.rfc4122)
// stay available; a policy that wants §1.1 determinism avoids them.
package rego

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	regoapi "github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/agentgov/agentgov/acs"
)

// DefaultTimeout bounds one evaluation when Options.Timeout is zero; it is
// the reference dispatcher's `opa eval` timeout (digest 15.4).
const DefaultTimeout = 5 * time.Second

// Options configure the engine. The zero value is ready to use.
type Options struct {
	// Timeout bounds one Eval. Zero means DefaultTimeout; a negative value
	// is treated like zero.
	Timeout time.Duration
	// Modules are Rego v1 modules (file name → source) compiled into every
	// policy this engine prepares, e.g. a shared library that bundles
	// import. They are host configuration, not manifest content.
	Modules map[string]string
	// StrictCompile turns on OPA's compiler strict mode (unused local
	// variables and imports, shadowed input/data and deprecated built-ins
	// become compile errors). Off by default because it rejects bundles
	// that `opa eval` accepts.
	StrictCompile bool
}

// New returns the rego policy engine.
func New(opts Options) acs.PolicyEngine {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	return &engine{opts: opts}
}

// engine holds only its immutable options: everything a policy needs is
// built by Prepare and owned by the returned preparedPolicy.
type engine struct {
	opts Options
}

// Prepare implements acs.PolicyEngine.
func (e *engine) Prepare(ctx context.Context, spec *acs.PolicySpec) (acs.PreparedPolicy, error) {
	if spec == nil {
		return nil, errors.New("rego: nil policy spec")
	}
	if spec.Type != "" && spec.Type != acs.Rego {
		return nil, fmt.Errorf("rego: policy %q has type %q", spec.PolicyID, spec.Type)
	}
	query, err := effectiveQuery(spec)
	if err != nil {
		return nil, fmt.Errorf("rego: policy %q: %w", spec.PolicyID, err)
	}
	caps := capabilities()
	src, err := loadSources(ctx, spec, caps, e.opts.Modules)
	if err != nil {
		return nil, fmt.Errorf("rego: policy %q: %w", spec.PolicyID, err)
	}

	// The store is private to this policy and only read after Prepare.
	// AST values on read spare a Go→AST conversion of data on every read.
	store := inmem.NewFromObjectWithOpts(src.data, inmem.OptReturnASTValuesOnRead(true))
	opts := []func(*regoapi.Rego){
		regoapi.Query(query),
		regoapi.SetRegoVersion(ast.RegoV1),
		regoapi.Capabilities(caps),
		regoapi.UnsafeBuiltins(unsafeBuiltins()),
		regoapi.StrictBuiltinErrors(true),
		regoapi.Strict(e.opts.StrictCompile),
		regoapi.Store(store),
	}
	for _, m := range src.modules {
		opts = append(opts, regoapi.ParsedModule(m))
	}
	pq, err := regoapi.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("rego: policy %q: compile: %w", spec.PolicyID, err)
	}
	digest, err := src.digest(query)
	if err != nil {
		return nil, fmt.Errorf("rego: policy %q: %w", spec.PolicyID, err)
	}
	return &preparedPolicy{id: spec.PolicyID, query: query, pq: pq, timeout: e.opts.Timeout, digest: digest}, nil
}

// effectiveQuery is spec.Query, or the binding's and then the definition's
// `query` member when the runtime left it empty.
func effectiveQuery(spec *acs.PolicySpec) (string, error) {
	if q := strings.TrimSpace(spec.Query); q != "" {
		return q, nil
	}
	for _, m := range []map[string]any{spec.Binding, spec.Definition} {
		v, ok := m["query"]
		if !ok || v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("query is %T, not a string", v)
		}
		if s = strings.TrimSpace(s); s != "" {
			return s, nil
		}
	}
	return "", errors.New("no query on the binding or the definition")
}

// preparedPolicy is one compiled binding. All fields are immutable after
// Prepare; OPA's PreparedEvalQuery is safe for concurrent Eval calls (each
// opens its own read transaction on the private store).
type preparedPolicy struct {
	id      string
	query   string
	pq      regoapi.PreparedEvalQuery
	timeout time.Duration
	digest  string
}

// SourceDigest implements acs.SourceDigester.
func (p *preparedPolicy) SourceDigest() string { return p.digest }

// Eval implements acs.PreparedPolicy. The canonical input is not needed:
// the input is handed to OPA as an AST value.
func (p *preparedPolicy) Eval(ctx context.Context, in *acs.PolicyInput, _ func() []byte) (any, error) {
	if in == nil {
		return nil, fmt.Errorf("rego: policy %q: nil policy input", p.id)
	}
	input, err := inputValue(in)
	if err != nil {
		return nil, fmt.Errorf("rego: policy %q: input: %w", p.id, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rego: policy %q: %w", p.id, err)
	}
	// The timeout and the caller's context both raise one cancel flag that
	// OPA polls. This replaces context.WithTimeout, for which OPA would
	// start a watcher goroutine on every evaluation.
	stop := topdown.NewCancel()
	timer := time.AfterFunc(p.timeout, stop.Cancel)
	unwatch := context.AfterFunc(ctx, stop.Cancel)
	rs, err := p.pq.Eval(ctx,
		regoapi.EvalParsedInput(input),
		regoapi.EvalExternalCancel(stop),
		// Nobody reads per-evaluation metrics; skip collecting them.
		regoapi.EvalMetrics(metrics.NoOp()),
		// Sets in a verdict (e.g. result_labels built as a set) come out
		// sorted, so equal evaluations return equal values (§1.1).
		regoapi.EvalSortSets(true),
		// Values read from the store are copied, so a caller that edits the
		// verdict cannot corrupt the policy's data.
		regoapi.EvalCopyMaps(true),
	)
	timedOut := !timer.Stop()
	unwatch()
	if err != nil {
		if isCancel(err) {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("rego: policy %q: evaluation stopped: %w", p.id, ctxErr)
			}
			if timedOut {
				return nil, fmt.Errorf("rego: policy %q: evaluation exceeded its %s timeout: %w", p.id, p.timeout, context.DeadlineExceeded)
			}
		}
		return nil, fmt.Errorf("rego: policy %q: eval: %w", p.id, err)
	}
	switch len(rs) {
	case 0:
		return nil, fmt.Errorf("rego: policy %q: query %q is undefined", p.id, p.query)
	case 1:
	default:
		return nil, fmt.Errorf("rego: policy %q: query %q returned %d results, want exactly one", p.id, p.query, len(rs))
	}
	if n := len(rs[0].Expressions); n != 1 {
		return nil, fmt.Errorf("rego: policy %q: query %q returned %d expressions, want exactly one", p.id, p.query, n)
	}
	return rs[0].Expressions[0].Value, nil
}

// isCancel reports whether err is OPA's "query cancelled" error, which it
// returns when the context ends during evaluation.
func isCancel(err error) bool {
	var te *topdown.Error
	return errors.As(err, &te) && te.Code == topdown.CancelErr
}
