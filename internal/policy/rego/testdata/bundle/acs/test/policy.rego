package acs.test

# The verdict for the bundle tests: deny when the policy target's text
# contains a word from the bundle's data document, allow otherwise.
default verdict := {"decision": "allow"}

verdict := {"decision": "deny", "reason": "blocked_word", "message": sprintf("blocked word %q", [w])} if {
	some w in data.acs.test.blocked
	contains(input.policy_target.value.text, w)
}
