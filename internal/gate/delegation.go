package gate

import (
	"context"
	"errors"

	"github.com/agentgov/agentgov/internal/delegation"
)

// DelegationVerifier verifies delegation chains (delegation.Verifier).
type DelegationVerifier interface {
	Verify(ctx context.Context, chain []string) (*delegation.Chain, error)
}

// decideDelegation checks the chain a request carries. A chain is a claim
// of authority, and this stage can only take authority away: the action
// must be allowed by the acting agent's own profile (the rest of the
// pipeline, unchanged), fall inside the chain's narrowest scope, and be
// allowed by the root delegator's profile — a delegation never grants more
// than its root had, nor more than the delegatee was configured for.
//
// A chain that does not verify, or whose last delegatee is not the
// authenticated agent, is a failed authentication: a hard deny that audit
// mode does not soften. An action outside a valid chain's scope is a
// policy deny like any other.
func (c *check) decideDelegation() {
	raws := c.req.Delegation
	if len(raws) == 0 {
		return
	}
	if c.g.chains == nil {
		c.presentedDigests()
		c.hardDeny("delegation_unavailable")
		return
	}
	ch, err := c.g.chains.Verify(c.ctx, raws)
	if err != nil {
		c.presentedDigests()
		var ce *delegation.ChainError
		code := delegation.CodeMalformed
		if errors.As(err, &ce) {
			code = ce.Code
		} else {
			c.g.log.Error("delegation verification failed; denying", "agent", c.req.Agent, "err", err)
		}
		c.hardDeny("delegation_invalid:" + code)
		return
	}
	// The verified chain's digests: computed once, when it was verified.
	c.delegationDigests, c.delegationRoot = ch.Digests, ch.Root.Agent
	if ch.Holder.Agent != c.req.Agent {
		c.hardDeny("delegation_holder_mismatch")
		return
	}
	toolPoint := c.req.Point == PreToolCall || c.req.Point == PostToolCall
	resources, ok := snapshotResources(c.req.Snapshot)
	if !ok {
		c.add(Deny, "delegation_resources_invalid")
	}
	for _, r := range ch.Allows(c.req.Point, toolPoint, c.toolName, resources) {
		c.add(Deny, r)
	}
	c.checkRoot(ch.Root.Agent, toolPoint)
}

// presentedDigests names the links of a chain that did not verify, for
// the decision entry (a bounded number of bounded tokens).
func (c *check) presentedDigests() {
	raws := c.req.Delegation
	c.delegationDigests = make([]string, 0, min(len(raws), delegation.MaxChainLinks))
	for i, r := range raws {
		if i == delegation.MaxChainLinks || len(r) > delegation.MaxTokenBytes {
			break
		}
		c.delegationDigests = append(c.delegationDigests, delegation.Digest(r))
	}
}

// checkRoot applies the root delegator's own profile to the action.
func (c *check) checkRoot(root string, toolPoint bool) {
	rp, ok := c.pol.Agent(root)
	if !ok {
		c.add(Deny, "delegation_root_unknown")
		return
	}
	if c.g.kill != nil {
		if _, killed := c.g.kill.Killed(root, "", c.toolName); killed {
			c.hardDeny("delegation_root_killed")
			return
		}
	}
	if !toolPoint || c.toolName == "" || c.tool == nil {
		return
	}
	t := c.tool
	allowed := c.pol.roles.Allows(rp.Role, t.Permission, c.g.now()) && t.Ring >= rp.Ring
	if _, denied := rp.Denied.Match(c.toolName); denied {
		allowed = false
	}
	if rp.Mode != Permissive {
		if _, ok := rp.Allowed.Match(c.toolName); !ok {
			allowed = false
		}
	}
	if !allowed {
		c.add(Deny, "delegation_root_not_allowed")
	}
}

// snapshotResources reads the resources an action names: the snapshot's
// "resources", a list of strings. A present member of another shape is
// not ok.
func snapshotResources(s map[string]any) ([]string, bool) {
	v, present := s["resources"]
	if !present || v == nil {
		return nil, true
	}
	list, ok := v.([]any)
	if !ok || len(list) > 256 {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok || s == "" || len(s) > 4096 {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// recordDelegation adds the chain a request used: its links' digests and
// its root.
func (c *check) recordDelegation(o *object) {
	if len(c.delegationDigests) == 0 {
		return
	}
	o.key("delegation")
	in := object{b: o.b}
	in.strs("chain", c.delegationDigests)
	if c.delegationRoot != "" {
		in.str("root", c.delegationRoot)
	}
	o.b = in.close()
}
