package example.tools

# Allow catalogued tools whose arguments carry no blocked text; escalate
# email to anyone outside the company.
default verdict := {"decision": "deny", "reason": "tool_not_allowed"}

allowed_tools := {"web_search", "send_email"}

blocked := ["rm -rf", "DROP TABLE", "/etc/passwd"]

verdict := {"decision": "deny", "reason": "blocked_argument"} if {
	input.tool.name in allowed_tools
	some arg in input.policy_target.value
	is_string(arg)
	some b in blocked
	contains(arg, b)
} else := {"decision": "escalate", "reason": "external_recipient", "message": "email leaves the company"} if {
	input.tool.name == "send_email"
	not endswith(input.policy_target.value.to, "@example.com")
} else := {"decision": "allow"} if {
	input.tool.name in allowed_tools
}
