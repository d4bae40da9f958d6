package detecttest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/redact"
)

// Found runs find on text and renders the findings as "TYPE:value", for
// compact comparison.
func Found(t testing.TB, find detect.FindFunc, text string) []string {
	t.Helper()
	fs, err := find(text)
	if err != nil {
		t.Fatal(err)
	}
	return render(text, fs)
}

// CheckFound checks that find reports exactly want in text, each rendered
// as Found renders it, in order.
func CheckFound(t testing.TB, find detect.FindFunc, text string, want ...string) {
	t.Helper()
	if got := Found(t, find, text); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%q:\n got %q\nwant %q", text, got, want)
	}
}

// CheckNoneFound checks that find reports nothing in any of texts.
func CheckNoneFound(t testing.TB, find detect.FindFunc, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if got := Found(t, find, text); len(got) > 0 {
			t.Errorf("%q: found %q", text, got)
		}
	}
}

// FuzzFind fuzzes find from seeds: it must never panic, and whenever it
// succeeds its findings must pass CheckFindings.
func FuzzFind(f *testing.F, find detect.FindFunc, seeds ...string) {
	f.Helper()
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fs, err := find(text)
		if err != nil {
			return
		}
		CheckFindings(t, text, fs)
	})
}

func render(text string, fs []detect.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Type+":"+text[f.Start:f.End])
	}
	return out
}

// CheckFindings checks what every detector promises of its findings in
// text: non-empty, in-range spans on rune boundaries, ordered by start and
// not overlapping; a score in (0,1], a known severity, and a Detail that
// is set but does not repeat the matched value.
func CheckFindings(t testing.TB, text string, fs []detect.Finding) {
	t.Helper()
	if err := findingsError(text, fs); err != nil {
		t.Fatal(err)
	}
}

// findingsError returns CheckFindings' verdict as an error, so that it can
// also be reported from a goroutine other than the test's.
func findingsError(text string, fs []detect.Finding) error {
	prev := 0
	for _, f := range fs {
		if f.Start < prev || f.Start >= f.End || f.End > len(text) {
			return fmt.Errorf("bad span %+v in %d bytes (prev end %d)", f, len(text), prev)
		}
		if !redact.OnRuneBoundaries(text, f.Start, f.End) {
			return fmt.Errorf("span %+v not on rune boundaries in %q", f, text)
		}
		if f.Score <= 0 || f.Score > 1 || f.Severity.Rank() == 0 || f.Detail == "" {
			return fmt.Errorf("bad finding %+v", f)
		}
		if f.End-f.Start >= 6 && strings.Contains(f.Detail, text[f.Start:f.End]) {
			return fmt.Errorf("detail repeats the value: %+v", f)
		}
		prev = f.End
	}
	return nil
}

// CheckConcurrentUse runs find on texts from eight goroutines at once,
// each starting at a different text, and checks that every result passes
// CheckFindings and equals the result of a sequential run.
func CheckConcurrentUse(t *testing.T, find detect.FindFunc, texts []string) {
	t.Helper()
	want := make([]string, len(texts))
	for i, x := range texts {
		want[i] = fmt.Sprint(Found(t, find, x))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range texts {
				k := (i + g*7) % len(texts)
				fs, err := find(texts[k])
				if err != nil {
					t.Error(err)
					return
				}
				if err := findingsError(texts[k], fs); err != nil {
					t.Error(err)
					return
				}
				if fmt.Sprint(render(texts[k], fs)) != want[k] {
					t.Errorf("text %d differs under concurrency", k)
				}
			}
		})
	}
	wg.Wait()
}
