package acs.bad

verdict := {"decision": "allow"} if {
	input.x ==
}
