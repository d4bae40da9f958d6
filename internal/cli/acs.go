package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/fetch"
	"github.com/agentgov/agentgov/acs/load"
	"github.com/agentgov/agentgov/internal/canonical"
)

// The acs commands drive the ACS runtime from the command line. eval,
// enforce and build implement the conformance CLI contract (one JSON object
// on stdout, exit 0 whenever it was printed, 2 for usage errors only);
// validate is for people editing manifests.

func newACSCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "acs",
		Short: "Evaluate, enforce, build and validate Agent Control Specification manifests",
		Long: `ACS (Agent Control Specification 0.3.1-beta) manifests bind policies to the
intervention points of an agent loop. These commands run agentgov's ACS
runtime on one manifest: eval evaluates one intervention point, enforce adds
the host's obligations (approval of escalations), build checks that a runtime
can be constructed, validate lists every problem of a manifest.

eval, enforce and build print exactly one JSON object on stdout and exit 0
whenever they printed it, whatever the decision; usage errors exit 2.`,
		Example: `  agentgov acs validate manifest.yaml
  agentgov acs eval --manifest manifest.yaml --point input --snapshot snapshot.json
  agentgov acs build --manifest manifest.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("%s needs a subcommand: eval, enforce, build or validate (see --help)", cmd.CommandPath())
			}
			return usageErr("unknown subcommand %q for %s (see --help)", args[0], cmd.CommandPath())
		},
		RunE: func(*cobra.Command, []string) error { return nil },
	}
	c.AddCommand(newACSEvalCmd(g, false), newACSEvalCmd(g, true), newACSBuildCmd(g), newACSValidateCmd(g))
	return c
}

// onceFlag is a string flag that may be given at most once: with two
// values it would be unclear which manifest or snapshot was meant.
type onceFlag struct {
	value string
	set   bool
}

func (f *onceFlag) String() string { return f.value }
func (f *onceFlag) Type() string   { return "string" }
func (f *onceFlag) Set(s string) error {
	if f.set {
		return errors.New("flag given twice")
	}
	f.value, f.set = s, true
	return nil
}

type acsFlags struct {
	manifest, point, snapshot, mode   onceFlag
	stubPolicy, stubPolicyBehavior    onceFlag
	stubAnnotations, stubAnnotatorBeh onceFlag
	limits, trace, approval           onceFlag
}

func newACSEvalCmd(g *globals, enforce bool) *cobra.Command {
	f := &acsFlags{}
	c := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate one intervention point and print the wire result",
		Long: `eval loads the manifest (resolving extends), builds the runtime, evaluates one
intervention point for the snapshot, and prints the wire result: verdict,
policy input, transformed policy target and action identities.

A manifest that cannot be loaded or built, or an evaluation that fails, is a
deny with a reserved runtime_error: reason, printed like any other result
(exit 0). The --stub-* flags replace the policy and annotator dispatchers
for conformance testing.`,
		Example: `  agentgov acs eval --manifest manifest.yaml --point pre_tool_call --snapshot snapshot.json
  agentgov acs eval --manifest m.yaml --point input --snapshot s.json --mode evaluate_only --trace trace.json
  agentgov acs eval --manifest m.yaml --point input --snapshot s.json --stub-policy verdict.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runACSEval(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f, enforce)
		},
	}
	if enforce {
		c.Use = "enforce"
		c.Short = "Evaluate one intervention point and apply the host's obligations (approvals)"
		c.Long = `enforce evaluates exactly like eval, then acts as the host of §17: allow,
warn and transform proceed; deny blocks; escalate goes to the approval
resolver scripted by --approval (without one it blocks), and proceeds only if
the approved action identity still matches the action after approval.

It prints {"outcome": "proceed|blocked|suspended", "result": <wire result>},
where result.verdict is the effective verdict.`
		c.Example = `  agentgov acs enforce --manifest m.yaml --point input --snapshot s.json --approval approval.json`
	}
	fl := c.Flags()
	fl.Var(&f.manifest, "manifest", "manifest file (YAML or JSON; extends are resolved)")
	fl.Var(&f.point, "point", "intervention point to evaluate")
	fl.Var(&f.snapshot, "snapshot", "snapshot file (JSON)")
	fl.Var(&f.mode, "mode", "enforce (default) or evaluate_only")
	fl.Var(&f.stubPolicy, "stub-policy", "JSON file whose value every policy dispatch returns")
	fl.Var(&f.stubPolicyBehavior, "stub-policy-behavior", "error: every policy dispatch fails")
	fl.Var(&f.stubAnnotations, "stub-annotations", `JSON object {annotator: output}; unnamed annotators return {"ok": true}`)
	fl.Var(&f.stubAnnotatorBeh, "stub-annotator-behavior", "error or timeout: every annotator dispatch fails so")
	fl.Var(&f.limits, "limits", "JSON object overriding resource limits")
	fl.Var(&f.trace, "trace", "write the dispatch trace (JSON) to this file")
	if enforce {
		fl.Var(&f.approval, "approval", "JSON file scripting the approval resolver")
	}
	return c
}

func newACSBuildCmd(g *globals) *cobra.Command {
	var manifest, limits onceFlag
	c := &cobra.Command{
		Use:   "build",
		Short: "Load and validate a manifest and construct a runtime from it",
		Long: `build prints {"built": true} when a runtime can be constructed from the
manifest, and {"built": false, "verdict": {...}} with the reserved reason of
the failure otherwise. Both exit 0.`,
		Example: `  agentgov acs build --manifest manifest.yaml`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !manifest.set {
				return usageErr("--manifest is required (see --help)")
			}
			if _, err := readInput(manifest.value, "--manifest"); err != nil {
				return err
			}
			lim, err := readLimits(limits)
			if err != nil {
				return err
			}
			_, err = buildRuntime(cmd.Context(), manifest.value, lim, acs.Options{Limits: lim})
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "agentgov: acs build:", err.Error())
				ae := asACSError(err)
				v := acs.Verdict{Decision: acs.Deny, Reason: ae.Reason, Message: ae.Message}
				vb, _ := v.MarshalJSON()
				return writeLine(cmd.OutOrStdout(), append(append([]byte(`{"built":false,"verdict":`), vb...), '}'))
			}
			return writeLine(cmd.OutOrStdout(), []byte(`{"built":true}`))
		},
	}
	c.Flags().Var(&manifest, "manifest", "manifest file (YAML or JSON; extends are resolved)")
	c.Flags().Var(&limits, "limits", "JSON object overriding resource limits")
	return c
}

func writeLine(w io.Writer, b []byte) error {
	_, err := w.Write(append(b, '\n'))
	return err
}

// asACSError turns any build failure into a reserved reason.
func asACSError(err error) *acs.Error {
	var ae *acs.Error
	if errors.As(err, &ae) {
		return ae
	}
	return &acs.Error{Reason: acs.ReasonManifestInvalid, Message: err.Error()}
}

// buildRuntime loads the manifest with the file loader (URL extends through
// the hardened fetcher) and constructs the runtime.
func buildRuntime(ctx context.Context, manifest string, lim acs.Limits, o acs.Options) (*acs.Runtime, error) {
	doc, err := load.File(ctx, manifest, load.Options{
		Limits:  lim,
		Fetcher: fetch.New(fetch.Options{}.WithLimits(lim)),
	})
	if err != nil {
		return nil, err
	}
	return acs.New(ctx, doc, o)
}

// acsInputs are the parsed files of an eval or enforce call.
type acsInputs struct {
	snapshot    any
	mode        acs.Mode
	limits      acs.Limits
	stubPolicy  *any
	stubAnn     map[string]any
	annotStub   bool
	approval    map[string]any
	hasApproval bool
}

func (f *acsFlags) inputs(enforce bool) (*acsInputs, error) {
	for _, req := range []struct {
		f    *onceFlag
		name string
	}{{&f.manifest, "--manifest"}, {&f.point, "--point"}, {&f.snapshot, "--snapshot"}} {
		if !req.f.set {
			return nil, usageErr("%s is required (see --help)", req.name)
		}
	}
	in := &acsInputs{mode: acs.Enforce}
	if f.mode.set {
		switch acs.Mode(f.mode.value) {
		case acs.Enforce, acs.EvaluateOnly:
			in.mode = acs.Mode(f.mode.value)
		default:
			return nil, usageErr("--mode must be enforce or evaluate_only, got %q", f.mode.value)
		}
	}
	if f.stubPolicyBehavior.set && f.stubPolicyBehavior.value != "error" {
		return nil, usageErr("--stub-policy-behavior must be error, got %q", f.stubPolicyBehavior.value)
	}
	if f.stubAnnotatorBeh.set && f.stubAnnotatorBeh.value != "error" && f.stubAnnotatorBeh.value != "timeout" {
		return nil, usageErr("--stub-annotator-behavior must be error or timeout, got %q", f.stubAnnotatorBeh.value)
	}
	var err error
	if _, err := readInput(f.manifest.value, "--manifest"); err != nil {
		return nil, err
	}
	if in.snapshot, err = readJSONFile(f.snapshot.value, "--snapshot"); err != nil {
		return nil, err
	}
	if f.stubPolicy.set {
		v, err := readJSONFile(f.stubPolicy.value, "--stub-policy")
		if err != nil {
			return nil, err
		}
		in.stubPolicy = &v
	}
	if f.stubAnnotations.set {
		if in.stubAnn, err = readJSONObject(f.stubAnnotations.value, "--stub-annotations"); err != nil {
			return nil, err
		}
	}
	in.annotStub = f.stubAnnotations.set || f.stubAnnotatorBeh.set
	if in.limits, err = readLimits(f.limits); err != nil {
		return nil, err
	}
	if enforce && f.approval.set {
		if in.approval, err = readJSONObject(f.approval.value, "--approval"); err != nil {
			return nil, err
		}
		if rn, ok := in.approval["resolver_name"]; ok {
			if _, isStr := rn.(string); !isStr {
				return nil, usageErr("--approval: resolver_name must be a string")
			}
		}
		in.hasApproval = true
	}
	return in, nil
}

// readJSONFile reads exactly one JSON value. Numbers must fit the ACS
// canonical form (a float64), as in the reference runtime's parser.
func readJSONFile(path, flag string) (any, error) {
	b, err := readInput(path, flag)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, usageErr("%s: %s is not valid JSON: %v", flag, path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, usageErr("%s: %s holds more than one JSON value", flag, path)
	}
	if _, _, err := canonical.MeasureACS(v, -1, -1); err != nil {
		return nil, usageErr("%s: %s: %v", flag, path, err)
	}
	return v, nil
}

func readJSONObject(path, flag string) (map[string]any, error) {
	v, err := readJSONFile(path, flag)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, usageErr("%s: %s must hold a JSON object", flag, path)
	}
	return m, nil
}

// readLimits reads the --limits object: the §15 limits by their manifest
// names, non-negative integers, unknown keys refused.
func readLimits(f onceFlag) (acs.Limits, error) {
	lim := acs.DefaultLimits()
	if !f.set {
		return lim, nil
	}
	m, err := readJSONObject(f.value, "--limits")
	if err != nil {
		return lim, err
	}
	for k, raw := range m {
		n, ok := raw.(json.Number)
		var v int64
		if ok {
			v, err = strconv.ParseInt(string(n), 10, 64)
		}
		if !ok || err != nil || v < 0 {
			return lim, usageErr("--limits: %s must be a non-negative integer, got %v", k, raw)
		}
		switch k {
		case "max_snapshot_bytes":
			lim.MaxSnapshotBytes = v
		case "max_policy_input_depth":
			lim.MaxPolicyInputDepth = int(min(v, 1<<30))
		case "max_annotators_per_point":
			lim.MaxAnnotatorsPerPoint = int(min(v, 1<<30))
		case "max_annotator_output_bytes":
			lim.MaxAnnotatorOutputBytes = v
		case "max_policy_output_bytes":
			lim.MaxPolicyOutputBytes = v
		case "max_extends_depth":
			lim.MaxExtendsDepth = int(min(v, 1<<30))
		case "max_merged_manifest_bytes":
			lim.MaxMergedManifestBytes = v
		case "max_manifest_url_bytes":
			lim.MaxManifestURLBytes = v
		case "manifest_url_timeout_ms":
			lim.ManifestURLTimeout = time.Duration(min(v, int64(1<<62)/int64(time.Millisecond))) * time.Millisecond
		case "max_manifest_url_redirects":
			lim.MaxManifestURLRedirects = int(min(v, 1<<30))
		default:
			return lim, usageErr("--limits: unknown key %q (allowed: %s)", k, strings.Join(limitKeys, ", "))
		}
	}
	return lim, nil
}

var limitKeys = []string{
	"max_snapshot_bytes", "max_policy_input_depth", "max_annotators_per_point", "max_annotator_output_bytes",
	"max_policy_output_bytes", "max_extends_depth", "max_merged_manifest_bytes", "max_manifest_url_bytes",
	"manifest_url_timeout_ms", "max_manifest_url_redirects",
}

func runACSEval(ctx context.Context, stdout, stderr io.Writer, f *acsFlags, enforce bool) error {
	in, err := f.inputs(enforce)
	if err != nil {
		return err
	}
	tr := &acsTrace{enforce: enforce}
	opts := acs.Options{Limits: in.limits}
	policies, custom, annotators := acsEngines()
	if in.stubPolicy != nil || f.stubPolicyBehavior.set {
		stub := &stubPolicy{trace: tr, fail: f.stubPolicyBehavior.set}
		if in.stubPolicy != nil {
			stub.value = *in.stubPolicy
		}
		opts.Policies = map[acs.PolicyType]acs.PolicyEngine{acs.Rego: stub, acs.Cedar: stub, acs.Test: stub, acs.Custom: stub}
	} else {
		opts.Policies = map[acs.PolicyType]acs.PolicyEngine{}
		for t, e := range policies {
			opts.Policies[t] = &recordingPolicy{eng: e, trace: tr}
		}
		opts.Custom = map[string]acs.PolicyEngine{}
		for name, e := range custom {
			opts.Custom[name] = &recordingPolicy{eng: e, trace: tr}
		}
		if _, ok := opts.Policies[acs.Test]; !ok {
			opts.Policies[acs.Test] = &recordingPolicy{eng: acs.NewTestEngine(), trace: tr}
		}
	}
	if in.annotStub {
		opts.Annotators = &stubAnnotators{trace: tr, outputs: in.stubAnn, behavior: f.stubAnnotatorBeh.value}
	} else if annotators != nil {
		opts.Annotators = &recordingAnnotators{eng: annotators, trace: tr}
	}

	var res *acs.Result
	rt, err := buildRuntime(ctx, f.manifest.value, in.limits, opts)
	if err != nil {
		ae := asACSError(err)
		fmt.Fprintln(stderr, "agentgov: acs: the manifest cannot be built:", ae.Error())
		res = &acs.Result{Verdict: acs.Verdict{Decision: acs.Deny, Reason: ae.Reason, Message: "Request blocked by Agent Control Specification."}, Err: ae}
	} else {
		res = rt.Evaluate(ctx, acs.Request{Point: f.point.value, Snapshot: in.snapshot, Mode: in.mode})
		if res.Err != nil {
			fmt.Fprintln(stderr, "agentgov: acs:", res.Err.Error())
		}
	}

	var out []byte
	if enforce {
		outcome, eff := enforceResult(rt, res, in, tr)
		rb, err := eff.MarshalJSON()
		if err != nil {
			return err
		}
		out = append(append([]byte(`{"outcome":`+strconv.Quote(outcome)+`,"result":`), rb...), '}')
	} else if out, err = res.MarshalJSON(); err != nil {
		return err
	}
	if f.trace.set {
		if err := tr.write(f.trace.value); err != nil {
			return usageErr("--trace: %v", err)
		}
	}
	return writeLine(stdout, out)
}

// enforceResult applies the host obligations of §17 to an evaluated
// result and returns the outcome and the effective result.
func enforceResult(rt *acs.Runtime, res *acs.Result, in *acsInputs, tr *acsTrace) (string, *acs.Result) {
	if in.mode == acs.EvaluateOnly {
		return "proceed", res
	}
	switch res.Verdict.Decision {
	case acs.Allow, acs.Warn, acs.Transform:
		return "proceed", res
	case acs.Escalate:
	default:
		return "blocked", res
	}
	if !in.hasApproval || rt == nil {
		return "blocked", res
	}
	deny := func(reason string) (string, *acs.Result) {
		eff := *res
		eff.Verdict = acs.Verdict{Decision: acs.Deny, Reason: reason}
		return "blocked", &eff
	}
	name, _ := in.approval["resolver_name"].(string)
	if _, given := in.approval["resolver_name"]; !given {
		name = rt.DefaultResolver()
	}
	if def := rt.DefaultResolver(); def != "" && name != def {
		return deny(acs.ReasonApprovalResolverMissing)
	}
	shown := res.EnforcedIdentity
	tr.approvals = append(tr.approvals, shown)
	outcome, _ := in.approval["outcome"].(string)
	switch outcome {
	case "deny":
		return "blocked", res
	case "allow", "suspend":
	default: // "fail" and anything unrecognized
		return deny(acs.ReasonApprovalResolverFailed)
	}
	approved := shown
	if raw, ok := in.approval["approved_identity"]; ok {
		s, isStr := raw.(string)
		if !isStr {
			return deny(acs.ReasonApprovalResolverFailed)
		}
		if s != "@enforced_identity" {
			approved = s
		}
	}
	current := res.PolicyInput
	if raw, ok := in.approval["mutate_snapshot"]; ok {
		mut, isObj := raw.(map[string]any)
		if !isObj {
			return deny(acs.ReasonApprovalResolverFailed)
		}
		snap, isObj := current.Snapshot.(map[string]any)
		if !isObj && len(mut) > 0 {
			return deny(acs.ReasonApprovalActionMismatch)
		}
		// The action changes between approval and execution: a new
		// snapshot, leaving the evaluated one untouched.
		next := make(map[string]any, len(snap)+len(mut))
		for k, v := range snap {
			next[k] = v
		}
		for k, v := range mut {
			next[k] = v
		}
		cp := *current
		cp.Snapshot = next
		current = &cp
	}
	if err := rt.CheckApproval(res, approved, current); err != nil {
		return deny(asACSError(err).Reason)
	}
	if outcome == "suspend" {
		return "suspended", res
	}
	return "proceed", res
}
