package toolscan

import (
	"context"
	"encoding/json"
	"testing"
)

// benchServer is one server of 20 realistic tools, two of them poisoned,
// with a baseline and another connected server.
func benchServer(b *testing.B) Input {
	b.Helper()
	recs, labels := loadCorpus(b, "dev")
	var in Input
	in.Server = "bench"
	for i, r := range recs {
		if labels[i].Label != "benign" {
			continue
		}
		for _, t := range r.Input.Tools {
			if len(in.Tools) < 18 {
				in.Tools = append(in.Tools, t)
			}
		}
	}
	for i, r := range recs {
		if labels[i].Label == "malicious" && len(in.Tools) < 20 && len(r.Input.Tools) == 1 {
			in.Tools = append(in.Tools, r.Input.Tools[0])
		}
	}
	// Distinct names so that the baseline lines up.
	for i := range in.Tools {
		in.Tools[i].Name = in.Tools[i].Name + "_" + string(rune('a'+i))
	}
	raw, _ := json.Marshal(in.Tools)
	json.Unmarshal(raw, &in.Baseline)
	in.Baseline[3].Description += " (old wording)"
	in.OtherServers = []Server{{Server: "other", Tools: in.Tools[:5]}}
	return in
}

func BenchmarkToolScan(b *testing.B) {
	in := benchServer(b)
	s := New()
	ctx := context.Background()
	if len(in.Tools) != 20 {
		b.Fatalf("%d tools", len(in.Tools))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Scan(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
