package acs

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/agentgov/agentgov/internal/canonical"
)

// maxPooledBuffer bounds the encoding buffers a Runtime keeps for reuse.
const maxPooledBuffer = 64 << 10

// identityPrefix starts every action identity (§13.1).
const identityPrefix = "sha256:"

// appendPolicyInput appends the §8 canonical form of pi with value as its
// policy_target.value (members in code-point order: annotations,
// intervention_point, policy_target{kind, path, value}, snapshot, tool).
func appendPolicyInput(dst []byte, pi *PolicyInput, value any) ([]byte, error) {
	var err error
	dst = append(dst, `{"annotations":`...)
	if pi.Annotations == nil {
		dst = append(dst, "{}"...)
	} else if dst, err = canonical.AppendACS(dst, pi.Annotations); err != nil {
		return dst, err
	}
	dst = append(dst, `,"intervention_point":`...)
	dst = canonical.AppendString(dst, string(pi.InterventionPoint))
	dst = append(dst, `,"policy_target":{"kind":`...)
	if pi.PolicyTarget.HasKind {
		dst = canonical.AppendString(dst, pi.PolicyTarget.Kind)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"path":`...)
	dst = canonical.AppendString(dst, pi.PolicyTarget.Path)
	dst = append(dst, `,"value":`...)
	if dst, err = canonical.AppendACS(dst, value); err != nil {
		return dst, err
	}
	dst = append(dst, `},"snapshot":`...)
	if dst, err = canonical.AppendACS(dst, pi.Snapshot); err != nil {
		return dst, err
	}
	dst = append(dst, `,"tool":`...)
	if pi.Tool == nil {
		dst = append(dst, "null"...)
	} else if dst, err = canonical.AppendACS(dst, pi.Tool); err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// MarshalJSON returns the canonical (§8) form of the policy input, the
// exact bytes its identity is the digest of.
func (pi *PolicyInput) MarshalJSON() ([]byte, error) {
	return appendPolicyInput(nil, pi, pi.PolicyTarget.Value)
}

// Identity returns "sha256:" and the lowercase hex SHA-256 of the policy
// input's canonical form: its input_identity (§13.1).
func (pi *PolicyInput) Identity() (string, error) {
	b, err := pi.MarshalJSON()
	if err != nil {
		return "", err
	}
	return digest(b), nil
}

// Object returns the policy input as a JSON value (a map with the five
// members), the form a $pi path reads.
func (pi *PolicyInput) Object() map[string]any {
	target := map[string]any{"kind": nil, "path": pi.PolicyTarget.Path, "value": pi.PolicyTarget.Value}
	if pi.PolicyTarget.HasKind {
		target["kind"] = pi.PolicyTarget.Kind
	}
	ann := pi.Annotations
	if ann == nil {
		ann = map[string]any{}
	}
	var tool any
	if pi.Tool != nil {
		tool = pi.Tool
	}
	return map[string]any{
		"intervention_point": string(pi.InterventionPoint),
		"policy_target":      target,
		"snapshot":           pi.Snapshot,
		"annotations":        ann,
		"tool":               tool,
	}
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	var out [len(identityPrefix) + 2*sha256.Size]byte
	copy(out[:], identityPrefix)
	hex.Encode(out[len(identityPrefix):], sum[:])
	return string(out[:])
}

// identity hashes pi with value as its policy target value, encoding into a
// recycled buffer.
func (rt *Runtime) identity(pi *PolicyInput, value any) (string, error) {
	bp := rt.bufs.Get().(*[]byte)
	b, err := appendPolicyInput((*bp)[:0], pi, value)
	var id string
	if err == nil {
		id = digest(b)
	}
	// A buffer grown by one huge snapshot is not worth keeping around.
	if cap(b) <= maxPooledBuffer {
		*bp = b[:0]
		rt.bufs.Put(bp)
	}
	return id, err
}
