package acs.gate

# Loaded through data_paths like `opa eval --data dir`: rules read the
# documents loaded next to them.
verdict := {"decision": "allow"} if {
	input.tool.name in data.tools.allowed
	count(input.policy_target.value) <= data.limits.max_args
} else := {"decision": "deny", "reason": "gate"}
