package acs

// CheckApproval is the host's last step before acting on an approved
// escalation (§17.1): an approval binds to the enforced identity the
// resolver was shown, and the action must not have changed since. It
// re-derives the enforced identity from current, the policy input as it
// stands now (policy_target.value replaced by the transformed target if
// res applied one), and returns nil only if approvedIdentity, the
// evaluated res.EnforcedIdentity and the re-derived identity are all equal.
// Anything else, a fail-closed res included, is an *Error with
// ReasonApprovalActionMismatch.
func (rt *Runtime) CheckApproval(res *Result, approvedIdentity string, current *PolicyInput) error {
	if res == nil || res.Err != nil || res.EnforcedIdentity == "" {
		return errorf(ReasonApprovalActionMismatch, "the evaluation failed closed; there is no action identity to approve")
	}
	if current == nil {
		return errorf(ReasonApprovalActionMismatch, "no current policy input to re-derive the action identity from")
	}
	if approvedIdentity != res.EnforcedIdentity {
		return errorf(ReasonApprovalActionMismatch, "the approval is for %s, the evaluated action is %s", approvedIdentity, res.EnforcedIdentity)
	}
	value := current.PolicyTarget.Value
	if res.TransformApplied {
		value = res.TransformedPolicyTarget
	}
	now, err := rt.identity(current, value)
	if err != nil {
		return &Error{Reason: ReasonApprovalActionMismatch, Message: "the current action cannot be serialized: " + err.Error(), Err: err}
	}
	if now != approvedIdentity {
		return errorf(ReasonApprovalActionMismatch, "the action changed after approval: approved %s, now %s", approvedIdentity, now)
	}
	return nil
}
