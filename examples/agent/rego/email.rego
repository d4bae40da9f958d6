package example.email

default verdict := {"decision": "allow"}

verdict := {"decision": "deny", "reason": "external_recipient", "message": "email may only go to @example.com"} if {
	input.tool.name == "send_email"
	not endswith(input.policy_target.value.to, "@example.com")
}
