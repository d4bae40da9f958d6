package redact_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/redact"
)

// FuzzRedactSpans: for any text and any findings, Redact either rejects a
// bad span with ErrBadSpan or replaces exactly the merged spans: the text
// between them is kept byte for byte and mask keeps the rune count.
func FuzzRedactSpans(f *testing.F) {
	f.Add("Mail José at jose@example.com", uint8(5), uint8(10), uint8(14), uint8(30))
	f.Add("naïve", uint8(0), uint8(3), uint8(2), uint8(4))
	f.Add("", uint8(0), uint8(0), uint8(0), uint8(0))
	r := mustNew(f, redact.Options{Strategy: redact.Mask})
	tag := mustNew(f, redact.Options{Strategy: redact.Tag})
	f.Fuzz(func(t *testing.T, text string, a, b, c, d uint8) {
		fs := []detect.Finding{
			{Type: "A", Start: int(a), End: int(b), Severity: detect.Low},
			{Type: "B", Start: int(c), End: int(d), Severity: detect.High},
		}
		out, err := r.Redact(text, fs)
		if err != nil {
			if !errors.Is(err, redact.ErrBadSpan) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if utf8.ValidString(text) && utf8.RuneCountInString(out) != utf8.RuneCountInString(text) {
			t.Fatalf("mask changed the rune count: %q -> %q", text, out)
		}
		// Outside the union of the spans, the text is unchanged.
		lo, hi := min(int(a), int(c)), max(int(b), int(d))
		if int(b) < int(c) || int(d) < int(a) {
			return // two regions; the prefix/suffix check below still holds
		}
		if !strings.HasPrefix(out, text[:lo]) || !strings.HasSuffix(out, text[hi:]) {
			t.Fatalf("text outside the spans changed: %q -> %q", text, out)
		}
		tagged, err := tag.Redact(text, fs)
		if err != nil {
			t.Fatal(err)
		}
		if tagged != text[:lo]+"<B>"+text[hi:] {
			t.Fatalf("tag: %q", tagged)
		}
	})
}

// FuzzIdempotent: what redaction wrote is never found again — no finding
// of a second pass touches a tag or a masked character — and a second
// redaction leaves the tags alone. (TestIdempotent checks full idempotence
// on the corpora. On arbitrary input a second pass may find something new
// next to a redacted value when the value itself was the context word
// that held its neighbour back: in "Mx AaSN 001-10-0001" the name "AaSN"
// reads as "SN" (serial number), which keeps 001-10-0001 from being an
// SSN; once the name is masked, the SSN is found. The second pass then
// redacts more, never less.)
func FuzzIdempotent(f *testing.F) {
	for _, s := range []string{
		"Call +44 20 7946 0958, card 4111 1111 1111 1111, mail a.b@example.com",
		"DOB: 1990-01-02; passport 123456789; password=Vq2!Lm9xZ",
		"Dear Mr. Smith,\nRegards,\nJane Doe\nSSN 536-90-6214 NHS 943 476 5919",
		"token ghp_Zq8Xv2Lk9Rt4Wm7Ny3Ps6Jd1Hf5Gb0CaQw3E at 10.0.0.1 fe80::1",
		"000000000000\nRegards \nAAaAAAA(0100000 000",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	dets := detectors(f)
	rs := []*redact.Redactor{
		mustNew(f, redact.Options{Strategy: redact.Mask}),
		mustNew(f, redact.Options{Strategy: redact.Tag}),
		mustNew(f, redact.Options{Strategy: redact.Hash, Key: testKey}),
	}
	f.Fuzz(func(t *testing.T, text string) {
		if strings.ContainsAny(text, "*<") {
			return // the input must not already look redacted
		}
		for i, r := range rs {
			once, _, err := r.Text(ctx, text, dets, detect.SourceUser)
			if err != nil {
				return
			}
			twice, fs, err := r.Text(ctx, once, dets, detect.SourceUser)
			if err != nil {
				t.Fatal(err)
			}
			tags := redact.TagSpans(once)
			for _, x := range fs {
				if i == 0 && strings.Contains(once[x.Start:x.End], "*") {
					t.Fatalf("mask found again: %q -> %q: %+v", text, once, x)
				}
				for _, tg := range tags {
					if x.Start < tg[1] && tg[0] < x.End {
						t.Fatalf("tag found again: %q -> %q: %+v", text, once, x)
					}
				}
			}
			for _, tg := range tags {
				if !strings.Contains(twice, once[tg[0]:tg[1]]) {
					t.Fatalf("second pass rewrote tag %q: %q", once[tg[0]:tg[1]], twice)
				}
			}
		}
	})
}
