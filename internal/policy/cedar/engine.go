// Package cedar is agentgov's in-process dispatcher for ACS `cedar`
// policies (ACS 0.3.1-beta §12.4, digest 12.5), built on cedar-go.
//
// # Contract
//
// New returns an acs.PolicyEngine. Prepare runs once per binding: it reads
// and parses the policies, the entities and the schema, validates policies
// and entities against the schema, parses every @advice annotation and
// compiles the request mapping. Eval maps the final policy input to a Cedar
// request (request.go), authorizes it and maps the answer to a
// verdict-shaped value:
//
//   - Allow without advice → {"decision": "allow"}.
//   - Allow where contributing permits carry @advice → the advice's
//     warn/escalate/transform verdict (advice.go); the most restrictive
//     advice wins (escalate > transform > warn), the first in policy order
//     among equals, and every contributing advice must be valid.
//   - Deny with contributing forbid policies → {"decision": "deny",
//     "reason": <first contributing policy id>} (§12.4; digest 22.5 follows
//     the spec, not the reference's fixed string).
//   - Deny with no contributing policy (no permit matched) →
//     {"decision": "deny", "reason": "no_matching_policy"}; the spec names
//     no policy in that case and the reference uses this string.
//
// A policy's id is its @id annotation when that is not blank, otherwise
// cedar-go's default id "policy<n>", n counting policies in order: the
// inline text, the file, or the .cedar files of a directory in lexical path
// order (as if they were concatenated). "First" means first in that order.
//
// Failures. Advice that does not match the advice shape returns an
// *acs.Error with runtime_error:policy_output_invalid; transform advice
// without a body runtime_error:transform_invalid (digest 22.4 follows the
// spec); a transform path outside $policy_target
// runtime_error:transform_target_forbidden. Every other failure is a plain
// error, which the runtime reports as runtime_error:policy_invocation_failed:
// a missing envelope.agent.id for the default principal, an input value
// Cedar cannot hold (value.go), a request the schema rejects, and any Cedar
// evaluation error in any policy. Cedar itself skips a policy whose
// condition errors; here that fails the evaluation instead, because
// skipping an erroring forbid would turn a deny into an allow.
//
// Cedar has no loops or recursion, so an evaluation always ends after work
// bounded by the policy set and the input; the engine has no timeout and
// only checks the context before it starts.
//
// # Definition members
//
//   - policy_set (inline Cedar text) or policy_path (a .cedar file, or a
//     directory searched recursively for *.cedar files), exactly one;
//   - entities_path: Cedar entities JSON, loaded once;
//   - schema_path: a Cedar schema (JSON; a *.cedarschema file is read in
//     Cedar's human-readable syntax). With a schema, Prepare validates the
//     policies (strict mode) and the entities, and every Eval validates the
//     request, context included. Cedar records are closed under a schema,
//     so the schema must declare every snapshot member it will see (§12.4
//     context) and the annotations record;
//   - query: a request template object, see request.go. A binding's
//     `query` must be an object too: the string form is a rego query and
//     fails Prepare for a cedar policy.
//
// Paths resolve against the declaring manifest's directory; a URL-sourced
// manifest (Source.Dir empty) can use none of them (§2.3) and must inline
// its policies with policy_set.
package cedar

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"

	cedargo "github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	xast "github.com/cedar-policy/cedar-go/x/exp/ast"
	"github.com/cedar-policy/cedar-go/x/exp/schema/validate"

	"github.com/agentgov/agentgov/acs"
)

// NoMatchingPolicy is the deny reason when no policy contributed to a Deny.
const NoMatchingPolicy = "no_matching_policy"

// Options configure the engine. There is nothing to configure yet; the
// type keeps New's signature stable.
type Options struct{}

// New returns the cedar policy engine.
func New(opts Options) acs.PolicyEngine {
	return &engine{opts: opts}
}

// engine holds only its immutable options; each binding's state lives in
// the preparedPolicy Prepare returns.
type engine struct {
	opts Options
}

// policy is one parsed Cedar policy with what the verdict mapping needs.
type policy struct {
	id     cedargo.PolicyID
	reason string  // @id, or id
	advice *advice // parsed @advice of a permit, or nil
	policy *cedargo.Policy
}

// preparedPolicy is one prepared binding. It is immutable after Prepare:
// cedar-go policies, entities and the validator are only read by Eval.
type preparedPolicy struct {
	name      string
	policies  []policy
	index     map[cedargo.PolicyID]int
	entities  types.EntityMap
	validator *validate.Validator
	mapping   *requestMapping
	digest    string
}

// SourceDigest implements acs.SourceDigester.
func (p *preparedPolicy) SourceDigest() string { return p.digest }

// sourceDigest names what decides: the policies in order (Cedar text),
// the entities and the schema.
func (p *preparedPolicy) sourceDigest(schemaText []byte) (string, error) {
	h := sha256.New()
	for _, pol := range p.policies {
		text := pol.policy.MarshalCedar()
		fmt.Fprintf(h, "policy %d %s\n", len(text), text)
	}
	ents, err := json.Marshal(p.entities)
	if err != nil {
		return "", fmt.Errorf("entities: %w", err)
	}
	fmt.Fprintf(h, "entities %d %s\nschema %d %s\n", len(ents), ents, len(schemaText), schemaText)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// Prepare implements acs.PolicyEngine.
func (e *engine) Prepare(_ context.Context, spec *acs.PolicySpec) (acs.PreparedPolicy, error) {
	if spec == nil {
		return nil, errors.New("cedar: nil policy spec")
	}
	if spec.Type != "" && spec.Type != acs.Cedar {
		return nil, fmt.Errorf("cedar: policy %q has type %q", spec.PolicyID, spec.Type)
	}
	p, err := prepareSpec(spec)
	if err != nil {
		return nil, fmt.Errorf("cedar: policy %q: %w", spec.PolicyID, err)
	}
	return p, nil
}

func prepareSpec(spec *acs.PolicySpec) (*preparedPolicy, error) {
	def := spec.Definition
	parsed, err := loadPolicies(spec.Source, def)
	if err != nil {
		return nil, err
	}
	p := &preparedPolicy{name: spec.PolicyID, index: make(map[cedargo.PolicyID]int, len(parsed))}
	for i, cp := range parsed {
		id := cedargo.PolicyID(fmt.Sprintf("policy%d", i))
		pol := policy{id: id, reason: string(id), policy: cp}
		ann := cp.Annotations()
		if r, ok := ann["id"]; ok && strings.TrimSpace(string(r)) != "" {
			pol.reason = string(r)
		}
		if text, ok := ann[adviceKey]; ok && cp.Effect() == cedargo.Permit {
			pol.advice = parseAdvice(string(text))
		}
		p.index[id] = i
		p.policies = append(p.policies, pol)
	}
	if p.entities, err = loadEntities(spec.Source, def); err != nil {
		return nil, err
	}
	var schemaText []byte
	if p.validator, schemaText, err = loadSchema(spec.Source, def); err != nil {
		return nil, err
	}
	if p.digest, err = p.sourceDigest(schemaText); err != nil {
		return nil, err
	}
	if p.validator != nil {
		for _, pol := range p.policies {
			if err := p.validator.Policy(string(pol.id), (*xast.Policy)(pol.policy.AST())); err != nil {
				return nil, fmt.Errorf("schema validation of %s (%s): %w", pol.id, pol.reason, err)
			}
		}
		if err := p.validator.Entities(p.entities); err != nil {
			return nil, fmt.Errorf("schema validation of the entities: %w", err)
		}
	}
	if p.mapping, err = compileMapping(def, spec.Binding); err != nil {
		return nil, err
	}
	return p, nil
}

// All yields the policies in policy order, so that cedar-go reports
// contributing policies in that order (cedargo.PolicyIterator).
func (p *preparedPolicy) All() iter.Seq2[cedargo.PolicyID, *cedargo.Policy] {
	return func(yield func(cedargo.PolicyID, *cedargo.Policy) bool) {
		for i := range p.policies {
			if !yield(p.policies[i].id, p.policies[i].policy) {
				return
			}
		}
	}
}

// Eval implements acs.PreparedPolicy.
func (p *preparedPolicy) Eval(ctx context.Context, in *acs.PolicyInput, _ func() []byte) (any, error) {
	if in == nil {
		return nil, fmt.Errorf("cedar: policy %q: nil policy input", p.name)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cedar: policy %q: %w", p.name, err)
	}
	req, err := p.mapping.build(in)
	if err != nil {
		return nil, fmt.Errorf("cedar: policy %q: request: %w", p.name, err)
	}
	if p.validator != nil {
		if err := p.validator.Request(req); err != nil {
			return nil, fmt.Errorf("cedar: policy %q: the schema rejects the request: %w", p.name, err)
		}
	}
	decision, diag := cedargo.Authorize(p, p.entities, req)
	if len(diag.Errors) > 0 {
		first := diag.Errors[0]
		return nil, fmt.Errorf("cedar: policy %q: evaluation error in %s (%s): %s",
			p.name, first.PolicyID, p.policies[p.index[first.PolicyID]].reason, first.Message)
	}
	if decision == cedargo.Deny {
		if len(diag.Reasons) == 0 {
			return map[string]any{"decision": acs.Deny, "reason": NoMatchingPolicy}, nil
		}
		return map[string]any{"decision": acs.Deny, "reason": p.policies[p.index[diag.Reasons[0].PolicyID]].reason}, nil
	}
	var chosen *advice
	for _, r := range diag.Reasons {
		a := p.policies[p.index[r.PolicyID]].advice
		if a == nil {
			continue
		}
		if a.err != nil {
			return nil, a.err
		}
		if chosen == nil || a.rank > chosen.rank {
			chosen = a
		}
	}
	if chosen == nil {
		return map[string]any{"decision": acs.Allow}, nil
	}
	return cloneJSON(chosen.verdict), nil
}
