package e2e.tools

default verdict := {"decision": "allow"}

verdict := {"decision": "deny", "reason": "external_recipient", "message": "email may only go to @corp.example"} if {
	input.tool.name == "send_email"
	not endswith(input.policy_target.value.to, "@corp.example")
} else := {"decision": "transform", "reason": "redact_password", "transform": {"path": "$policy_target.password", "value": "[redacted]"}} if {
	input.tool.name == "notes_write"
	input.policy_target.value.password
}
