package toolscan

import (
	"os"
	"strings"
	"testing"
)

// TestProbeSplits scores the splits named in TOOLSCAN_SPLITS (comma
// separated) without gating them: the way a new set is measured once,
// blind, before it is added to the gated lists. With TOOLSCAN_ERRORS set
// it also lists misses and false alarms, which is only for development
// sets (see testdata/README.md).
func TestProbeSplits(t *testing.T) {
	sp := os.Getenv("TOOLSCAN_SPLITS")
	if sp == "" {
		t.Skip()
	}
	for _, split := range strings.Split(sp, ",") {
		q := evaluate(t, split)
		t.Logf("%s split:\n%s", split, q.table())
		if os.Getenv("TOOLSCAN_ERRORS") != "" {
			for _, m := range q.misses {
				t.Log("MISS ", m)
			}
			for _, m := range q.falseAlarm {
				t.Log("FALSE", m)
			}
		}
	}
}
