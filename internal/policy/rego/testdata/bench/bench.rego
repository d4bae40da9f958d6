package bench

default verdict := {"decision": "deny", "reason": "tool_not_allowed"}

verdict := {"decision": "allow"} if {
	tool_allowed
	not blocked_argument
} else := {"decision": "deny", "reason": "blocked_argument"} if {
	tool_allowed
}

tool_allowed if input.tool.name in {
	"search_docs", "read_file", "list_dir", "get_weather", "send_email",
	"create_ticket", "update_ticket", "query_db", "summarize", "translate",
	"calendar_lookup", "calendar_create", "crm_lookup", "crm_update", "fetch_url",
	"run_report", "export_csv", "resize_image", "ocr_image", "lookup_user",
}

blocked_argument if {
	joined := concat("\u0000", [a | some a in input.policy_target.value; is_string(a)])
	some b in [
		"rm -rf", "DROP TABLE", "/etc/passwd", "<script", "169.254.169.254",
		"base64 -d", "curl ", "wget ", "chmod 777", "; sudo ",
	]
	contains(joined, b)
}
