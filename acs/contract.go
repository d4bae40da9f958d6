package acs

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// This file is the contract between the runtime and the engines a host
// plugs into it (policy engines for rego, cedar, test and custom adapters;
// annotator engines). Engines live outside this package — agentgov's own in
// internal/policy/rego, internal/policy/cedar and acs/annotate — and depend
// only on these types.
//
// JSON values everywhere are the values encoding/json produces with
// UseNumber: nil, bool, json.Number, string, []any, map[string]any.

// Version is the ACS version this runtime implements.
const Version = "0.3.1-beta"

// Point is an intervention point (§4).
type Point string

// The eight intervention points.
const (
	AgentStartup  Point = "agent_startup"
	Input         Point = "input"
	PreModelCall  Point = "pre_model_call"
	PostModelCall Point = "post_model_call"
	PreToolCall   Point = "pre_tool_call"
	PostToolCall  Point = "post_tool_call"
	Output        Point = "output"
	AgentShutdown Point = "agent_shutdown"
)

// Points lists the intervention points in loop order.
func Points() []Point {
	return []Point{AgentStartup, Input, PreModelCall, PostModelCall, PreToolCall, PostToolCall, Output, AgentShutdown}
}

// Mode is the evaluation mode (§5).
type Mode string

// Modes.
const (
	Enforce      Mode = "enforce"
	EvaluateOnly Mode = "evaluate_only"
)

// Decisions (§13).
const (
	Allow     = "allow"
	Warn      = "warn"
	Transform = "transform"
	Escalate  = "escalate"
	Deny      = "deny"
)

// Reserved runtime-error reasons (§16). A runtime failure is a deny with
// exactly one of these; a policy may never emit a reason starting with
// ReservedPrefix.
const (
	ReservedPrefix = "runtime_error:"

	ReasonManifestInvalid          = "runtime_error:manifest_invalid"
	ReasonInterventionPointUnknown = "runtime_error:intervention_point_unknown"
	ReasonPathMissing              = "runtime_error:path_missing"
	ReasonPathTypeMismatch         = "runtime_error:path_type_mismatch"
	ReasonToolUnknown              = "runtime_error:tool_unknown"
	ReasonAnnotationFailed         = "runtime_error:annotation_failed"
	ReasonAnnotationTimeout        = "runtime_error:annotation_timeout"
	ReasonPolicyInvocationFailed   = "runtime_error:policy_invocation_failed"
	ReasonPolicyOutputInvalid      = "runtime_error:policy_output_invalid"
	ReasonTransformInvalid         = "runtime_error:transform_invalid"
	ReasonTransformTargetForbidden = "runtime_error:transform_target_forbidden"
	ReasonResourceLimitExceeded    = "runtime_error:resource_limit_exceeded"
	ReasonApprovalActionMismatch   = "runtime_error:approval_action_mismatch"
	ReasonApprovalResolverMissing  = "runtime_error:approval_resolver_missing"
	// SDK-layer reasons (§16.2), produced by hosts, never by the runtime.
	ReasonApprovalResolverFailed = "runtime_error:approval_resolver_failed"
	ReasonStreamingUnsupported   = "runtime_error:streaming_unsupported"
	ReasonAdapterUnsupported     = "runtime_error:adapter_unsupported"
	ReasonRequestInvalid         = "runtime_error:request_invalid"
)

// Limits are the resource limits of §15. Byte sizes are measured on the
// compact canonical JSON of the measured value; depth counts each object or
// array level.
type Limits struct {
	MaxSnapshotBytes        int64
	MaxPolicyInputDepth     int
	MaxAnnotatorsPerPoint   int
	MaxAnnotatorOutputBytes int64
	MaxPolicyOutputBytes    int64
	MaxExtendsDepth         int
	MaxMergedManifestBytes  int64
	MaxManifestURLBytes     int64
	ManifestURLTimeout      time.Duration
	MaxManifestURLRedirects int
}

// DefaultLimits are the reference defaults (parity file
// resource_limits_canonical.json).
func DefaultLimits() Limits {
	return Limits{
		MaxSnapshotBytes:        1 << 20,
		MaxPolicyInputDepth:     64,
		MaxAnnotatorsPerPoint:   16,
		MaxAnnotatorOutputBytes: 256 << 10,
		MaxPolicyOutputBytes:    256 << 10,
		MaxExtendsDepth:         16,
		MaxMergedManifestBytes:  1 << 20,
		MaxManifestURLBytes:     1 << 20,
		ManifestURLTimeout:      30 * time.Second,
		MaxManifestURLRedirects: 5,
	}
}

// PolicyTarget is the value under evaluation (§7).
type PolicyTarget struct {
	// Kind is the configured policy_target_kind; HasKind false encodes JSON
	// null.
	Kind    string
	HasKind bool
	// Path is the configured policy_target exactly as written.
	Path  string
	Value any
}

// PolicyInput is the canonical policy input of §7: exactly five members.
type PolicyInput struct {
	InterventionPoint Point
	PolicyTarget      PolicyTarget
	Snapshot          any
	// Annotations is empty in the preliminary input and holds every
	// annotator's output, under its name, in the final one.
	Annotations map[string]any
	// Tool is the projected catalog entry with "name", or nil (JSON null).
	Tool map[string]any
}

// PolicyType is one of the four policy types (§12).
type PolicyType string

// Policy types.
const (
	Rego   PolicyType = "rego"
	Cedar  PolicyType = "cedar"
	Test   PolicyType = "test"
	Custom PolicyType = "custom"
)

// URLPin is an HTTPS reference with its content pin (rego bundle_url,
// system_prompt_url).
type URLPin struct {
	URL string
	// Exactly one of SHA256 (64 hex digits, either case) and Integrity
	// ("sha256-<base64>") is set.
	SHA256    string
	Integrity string
}

// Source tells an engine where a manifest came from, so that it can resolve
// relative paths and fetch pinned URLs under the same rules as the loader.
type Source struct {
	// Dir is the directory of the manifest file that declared the policy or
	// annotator; empty for URL-sourced manifests, which may not carry
	// filesystem paths at all.
	Dir string
	// URL is set when the manifest was fetched over HTTPS.
	URL string
	// Fetch retrieves a pinned HTTPS resource with the loader's safety
	// rules and limits (HTTPS only, no ambient credentials, bounded size,
	// time and redirects, IP-literal checks, pin verified). Nil when the
	// host allows no fetching.
	Fetch func(ctx context.Context, pin URLPin) ([]byte, error)
}

// ResolvePath resolves a filesystem path a manifest names (field says
// which member) against the declaring manifest's directory. A URL-sourced
// manifest has none and may carry no filesystem path at all (§2.3).
func (s Source) ResolvePath(field, p string) (string, error) {
	if s.Dir == "" {
		return "", fmt.Errorf("%s %q: a manifest without a filesystem directory (URL-sourced) cannot use filesystem paths", field, p)
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	return filepath.Join(s.Dir, filepath.FromSlash(p)), nil
}

// OptString reads an optional string member of a policy definition for a
// dispatcher: absent and null are "not set"; any other non-string, or a
// blank string, is an error naming key.
func OptString(m map[string]any, key string) (string, bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, fmt.Errorf("%s must be a string, got %T", key, v)
	}
	if strings.TrimSpace(s) == "" {
		return "", false, fmt.Errorf("%s must not be empty", key)
	}
	return s, true, nil
}

// PolicySpec is one policy as bound at one intervention point: the merged
// definition with the binding's overrides.
type PolicySpec struct {
	Point    Point
	PolicyID string
	Type     PolicyType
	// Definition is the policy's manifest entry and Binding the point's
	// policy member, both as written (read-only).
	Definition map[string]any
	Binding    map[string]any
	// Query is the effective rego query (the binding's wins).
	Query string
	// Adapter is the custom adapter name.
	Adapter string
	Source  Source
}

// PolicyEngine executes one kind of policy. The runtime calls Prepare once
// per binding when it is built (compile once, evaluate many); a Prepare
// error does not stop the runtime from being built, it makes every
// evaluation at that binding deny with ReasonPolicyInvocationFailed.
type PolicyEngine interface {
	Prepare(ctx context.Context, spec *PolicySpec) (PreparedPolicy, error)
}

// SourceDigester is implemented by prepared policies that can name what
// they were prepared from: the policy code and data, whatever file or
// bundle it came from. Hosts fold the digests into the version of a
// manifest, so that a changed policy file behind an unchanged manifest is
// a new version (and decisions under it are recorded as such).
type SourceDigester interface {
	SourceDigest() string
}

// PreparedPolicy evaluates a final policy input and returns the raw
// verdict-shaped JSON value, which the runtime then normalizes (§13). An
// error is a dispatcher failure (ReasonPolicyInvocationFailed). Eval must be
// safe for concurrent use and must not keep state between calls.
type PreparedPolicy interface {
	Eval(ctx context.Context, in *PolicyInput, canonicalInput func() []byte) (any, error)
}

// AnnotatorCall is one annotator dispatch (§10).
type AnnotatorCall struct {
	Point Point
	Name  string
	Type  string
	// Config is the declaration overlaid with the binding's members, plus
	// "type" and "from".
	Config map[string]any
	// Value is the resolved "from" value.
	Value any
	// Input is the preliminary policy input (annotations empty).
	Input  *PolicyInput
	Source Source
}

// AnnotatorEngine runs annotators. An error is ReasonAnnotationFailed unless
// it wraps ErrAnnotatorTimeout or context.DeadlineExceeded, which is
// ReasonAnnotationTimeout.
type AnnotatorEngine interface {
	Annotate(ctx context.Context, call *AnnotatorCall) (any, error)
}

// ErrAnnotatorTimeout marks an annotator dispatch that timed out.
var ErrAnnotatorTimeout = errors.New("acs: annotator timed out")

// Error is a fail-closed outcome: a reserved reason (§16) and a message for
// humans. acs.New returns it when a manifest cannot be built. An engine may
// return one from Prepare or Eval to pick the reason of its failure, for
// the cases the spec assigns to the engine (cedar advice, §12.4):
// ReasonPolicyOutputInvalid, ReasonTransformInvalid,
// ReasonTransformTargetForbidden or ReasonPolicyInvocationFailed. Any other
// engine error, or any other reason, is reported as
// ReasonPolicyInvocationFailed.
type Error struct {
	Reason  string
	Message string
	// Problems lists every manifest problem found when the error is about a
	// manifest (the first one is also in Message).
	Problems []Problem
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Message
}
