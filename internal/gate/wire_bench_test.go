package gate

import "testing"

// wireCheck is a pre_tool_call as agentgov bench http sends it: about 600
// bytes with a query, a URL, a path, numbers, a list and a nested object.
const wireCheck = `{"agent":"agent-17","session":"s-17-3","intervention_point":"pre_tool_call","snapshot":{"tool_call":{"id":"c7","name":"tool_07","args":{"query":"quarterly revenue by region, ticket FIN-4711","url":"https://api.example.com/v1/reports/4711?format=json&currency=EUR","path":"reports/2026/q3/summary-55.csv","limit":50,"offset":550,"include_archived":false,"fields":["region","revenue","currency","period","owner"],"requester":{"team":"finance","reason":"month-end close: reconcile the regional totals against the ledger export before the review meeting"}}}}}`

// BenchmarkDecodeCheck: what the server does with a check's body before
// the gate sees it: one strict parse into the request.
func BenchmarkDecodeCheck(b *testing.B) {
	raw := []byte(wireCheck)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := DecodeCheck(raw, ""); err != nil {
			b.Fatal(err)
		}
	}
}
