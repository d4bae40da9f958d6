package audit

import (
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
)

func TestAppendStampMatchesFormat(t *testing.T) {
	for _, tc := range []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 11, 26, 23, 0, 0, 120000000, time.FixedZone("x", -5*3600)),
		time.Unix(1_800_000_000, 1).In(time.Local),
	} {
		got, want := string(appendStamp(nil, tc)), tc.UTC().Format(api.TimeLayout)
		if got != want {
			t.Errorf("%v: got %s, want %s", tc, got, want)
		}
	}
}

func FuzzAppendStamp(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(1_800_000_000), int64(999_999_999))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		// Years 0001–9999, the range the layout can express.
		const lo, hi = -62135596800, 253402300799
		if sec < lo || sec > hi {
			return
		}
		tm := time.Unix(sec, nsec%1e9)
		if y := tm.UTC().Year(); y < 1 || y > 9999 {
			return
		}
		if got, want := string(appendStamp(nil, tm)), tm.UTC().Format(api.TimeLayout); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
}
