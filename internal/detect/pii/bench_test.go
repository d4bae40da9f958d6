package pii

import (
	"testing"

	"github.com/agentgov/agentgov/internal/detect/detecttest"
)

// benchText is realistic mixed text: a support e-mail, chat lines, a log
// excerpt and a config fragment, with personal data at the density such
// traffic has (a handful of entities per kilobyte) and the usual
// look-alikes (ids, versions, timestamps, hashes).
const benchText = `Hi Sarah,

Thanks for getting back to me. As discussed on the phone, my new card is 4539 1488 0343 6467
and the billing address is 27 Larkspur Close, Sheffield S11 8XY. You can reach me on
+44 114 496 0123 or at m.okafor@brightmail.co.uk if anything else is needed.

Order #100482731 (invoice INV-2024-00981) shipped on 2024-05-13 via DHL, tracking
1Z999AA10123456784. The app version is 4.12.0.7 and the build id 20240513.4.

2024-05-13T08:41:22.512Z INFO auth: login ok user_id=58213 src=198.51.100.23
2024-05-13T08:41:25.880Z INFO http: GET /api/v2/orders/9d3c2f1e-5b7a-4c1e-9a0f-2b6e8d1c4a55 200 12ms
2024-05-13T08:41:26.104Z WARN db: slow query (1.2s) hash=4f6a1c2d9e8b7a60f5c3d2e1b0a99887

[10:02] Marco: the meeting moved to Thursday 14:00, room 4.12
[10:03] Giulia: ok, I will bring the Q3 numbers (revenue 1,280,000 EUR, margin 12.5%)

Kind regards,
Margaret Okafor
`

// BenchmarkPIIScan1KB is the headline number: one kilobyte of mixed text.
func BenchmarkPIIScan1KB(b *testing.B) {
	detecttest.BenchFind(b, Default().Find, detecttest.RepeatTo(benchText, 1<<10))
}

// BenchmarkPIIScanSizes shows that time grows linearly with the input:
// ns/KB stays flat from 1 to 64 KB.
func BenchmarkPIIScanSizes(b *testing.B) {
	detecttest.BenchSizes(b, Default().Find, benchText, 1, 8, 64)
}

// TestLinearTime checks that time grows linearly with the input, also for
// one huge line (see detecttest.CheckLinearTime).
func TestLinearTime(t *testing.T) {
	line := "Call +44 20 7946 0958 or mail a.b@example.com, card 4111 1111 1111 1111, SSN 536-90-6214, id 1234567890, v1.2.3.4, Dear Mr. Smith, Regards Jane Doe at 12 Baker Street. "
	detecttest.CheckLinearTime(t, Default().Find, line)
}
