package e2e.identity

default verdict := {"decision": "deny", "reason": "only_ops_admin"}

verdict := {"decision": "allow"} if input.policy_target.value.id == "ops-admin"
