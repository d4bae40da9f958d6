package toolscan

import (
	"context"
	"testing"
)

// TestBenignNamesNotFlagged: ordinary tool and server names, alone, raise
// nothing high (round 15 probes).
func TestBenignNamesNotFlagged(t *testing.T) {
	names := []string{"read_files", "send_mail", "list_dirs", "git_log", "git_diff_staged", "create_issues", "search_code", "get_weather_forecast", "slack_post", "post_slack_message", "fetch_url", "fetch_page", "web_fetch", "browser_navigate", "browser_click", "run_sql", "query_db", "write_files", "edit_files", "move_files", "gmail_send", "drive_search", "notion_search", "jira_create_issue", "linear_create_issue", "sentry_get_issue", "stripe_refund", "s3_put_object", "kubectl_get", "docker_ps", "translate_text", "summarize_doc", "memory_store", "memory_recall", "time_now", "calc", "github_search_repos", "gitlab_merge", "read_file_lines", "readfile"}
	for _, n := range names {
		fs, err := New().Scan(context.Background(), Input{Server: "acme-tools", Tools: []Tool{{Name: n, Description: "Does what its name says for the signed-in user.", InputSchema: obj(map[string]any{"x": str1("")})}}})
		if err != nil {
			t.Fatal(err)
		}
		if Flagged(fs, FlagSeverity) {
			t.Errorf("%s: %s", n, describe(fs))
		}
	}
	servers := []string{"github-enterprise", "gitlab", "slack-bot", "filesystem-ro", "postgres-readonly", "brave-search", "google-drive", "ms-teams", "notion-api", "sentry-io", "stripe-test", "puppeteer-stealth", "playwright-mcp", "sqlite-explorer", "memory-bank", "fetch-mcp", "everything-search", "postgrest", "postgres"}
	for _, sv := range servers {
		fs, err := New().Scan(context.Background(), Input{Server: sv, Tools: []Tool{{Name: "do", Description: "Does one thing.", InputSchema: obj(map[string]any{"x": str1("")})}}})
		if err != nil {
			t.Fatal(err)
		}
		if Flagged(fs, FlagSeverity) {
			t.Errorf("server %s: %s", sv, describe(fs))
		}
	}
}
