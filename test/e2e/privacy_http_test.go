package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// piiSamples holds one value of every personal-data type, each in the
// context that makes it what it is, and secrets agents handle.
var piiSamples = map[string][2]string{
	"EMAIL_ADDRESS":     {"mail Jane.Doe+x@sub.example.co.uk.", "Jane.Doe+x@sub.example.co.uk"},
	"PHONE_NUMBER":      {"Call +44 20 7946 0958 today", "7946 0958"},
	"IP_ADDRESS":        {"from 203.0.113.7:443", "203.0.113.7"},
	"US_SSN":            {"SSN: 536-90-6214", "536-90-6214"},
	"CREDIT_CARD":       {"card 4111 1111 1111 1111 exp 09/27", "4111 1111 1111 1111"},
	"IBAN_CODE":         {"iban: GB29NWBK60161331926819", "GB29NWBK60161331926819"},
	"US_PASSPORT":       {"Passport no. C03004786", "C03004786"},
	"US_DRIVER_LICENSE": {"driver's license D1234567", "D1234567"},
	"US_ITIN":           {"ITIN 912-70-1234", "912-70-1234"},
	"UK_NHS":            {"NHS number 943 476 5919", "943 476 5919"},
	"UK_NINO":           {"NI no. AB 12 34 56 C", "AB 12 34 56 C"},
	"MAC_ADDRESS":       {"mac 00:1b:63:84:45:e6", "00:1b:63:84:45:e6"},
	"CRYPTO":            {"send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 today", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"},
	"DATE_OF_BIRTH":     {"Date of birth: 14/02/1958", "14/02/1958"},
	"PERSON":            {"My name is Oluwaseun Adeyemi.", "Oluwaseun Adeyemi"},
	"STREET_ADDRESS":    {"ship to 221B Baker Street, London", "221B Baker Street"},
	"AWS_ACCESS_KEY":    {"key AKIAZ3MVH7QXPLT4WRNE", "AKIAZ3MVH7QXPLT4WRNE"},
	"GITHUB_TOKEN":      {"token ghp_R8fT2kLmQ9vXw3ZyB6nC1dHj4sPa7eUo0GiK", "ghp_R8fT2kLmQ9vXw3ZyB6nC1dHj4sPa7eUo0GiK"},
	"PASSWORD_IN_URL":   {"db postgres://app:Sup3rS3cretPw@db.internal:5432/app", "Sup3rS3cretPw"},
}

// TestPrivacyHTTP: the default profile keeps personal data and secrets
// where they belong, through POST /v1/check on the real binary — redacted
// in the output, blocked in outbound tool arguments — and none of them
// reaches the database, whether it came in a check or in an event a caller
// appended itself.
func TestPrivacyHTTP(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "agentgov.yaml")
	if err := os.WriteFile(cfg, []byte(`
tools:
  send_report: {ring: 3, permission: write}
agents:
  clerk:
    role: WRITER
    ring: 2
    allowed_tools: [send_report]
    # This test is about privacy; the list of samples reads like an
    # exfiltration attempt to the injection detector.
    detectors: {prompt_injection: {enabled: false}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startGateServer(t, cfg)
	var texts []string
	args := map[string]any{}
	for typ, sample := range piiSamples {
		texts = append(texts, sample[0])
		args[strings.ToLower(typ)] = sample[0]
		args["k: "+sample[0]] = "keyed by the value in context"
	}
	all := strings.Join(texts, "\n")

	// The output: every value redacted in what the caller gets back.
	out, _ := json.Marshal(map[string]any{"output": all})
	v := s.check(t, "clerk", "s1", "output", string(out), "")
	var redacted string
	if err := json.Unmarshal(v.Transform, &redacted); err != nil || v.Decision != "transform" {
		t.Fatalf("output: %+v", v)
	}
	for typ, sample := range piiSamples {
		if strings.Contains(redacted, sample[1]) {
			t.Errorf("%s survived in the output: %q", typ, sample[1])
		}
	}
	// Outbound tool arguments: a secret blocks the call.
	call, _ := json.Marshal(map[string]any{"tool_call": map[string]any{"id": "c-" + piiSamples["EMAIL_ADDRESS"][1], "name": "send_report", "args": args}})
	if v := s.check(t, "clerk", "s1", "pre_tool_call", string(call), ""); v.Decision != "deny" || !strings.HasPrefix(v.Reason, "secrets:") {
		t.Fatalf("secrets in tool arguments: %+v", v)
	}
	// A tool result and a model response carrying everything.
	res, _ := json.Marshal(map[string]any{"tool_call": map[string]any{"id": "c2", "name": "send_report"}, "tool_result": args})
	s.check(t, "clerk", "s1", "post_tool_call", string(res), "")
	resp, _ := json.Marshal(map[string]any{"model_response": map[string]any{"content": all}, "usage": map[string]any{"total_tokens": 10}})
	if v := s.check(t, "clerk", "s1", "post_model_call", string(resp), ""); v.Decision != "transform" {
		t.Fatalf("model response: %+v", v)
	}
	// An event appended by a caller, with everything in payload and reason.
	ev, _ := json.Marshal(map[string]any{"type": "external", "agent": "clerk", "action": "note", "decision": "allow",
		"reason": piiSamples["PERSON"][0] + " " + piiSamples["US_SSN"][0], "payload": map[string]any{"text": all, "fields": args}})
	if code, b := s.do(t, "POST", "/v1/audit/events", adminToken, string(ev)); code != http.StatusCreated {
		t.Fatalf("event: %d %s", code, b)
	}

	s.verifyOffline(t)
	files, _ := filepath.Glob(filepath.Join(s.data, "*"))
	var db strings.Builder
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(f)
			db.Write(b)
		}
	}
	if db.Len() == 0 {
		t.Fatal("no database files")
	}
	for typ, sample := range piiSamples {
		if strings.Contains(db.String(), sample[1]) {
			t.Errorf("%s is in the raw database: %q", typ, sample[1])
		}
	}
}
