package redact_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/pii"
	"github.com/agentgov/agentgov/internal/detect/redact"
	"github.com/agentgov/agentgov/internal/detect/secrets"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func mustNew(t testing.TB, o redact.Options) *redact.Redactor {
	t.Helper()
	r, err := redact.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func f(typ string, s, e int, sev detect.Severity) detect.Finding {
	return detect.Finding{Type: typ, Start: s, End: e, Severity: sev}
}

func TestStrategies(t *testing.T) {
	text := "Mail José at jose@example.com now"
	fs := []detect.Finding{
		f("PERSON", 5, 10, detect.Medium),         // "José" (5 bytes, 4 runes)
		f("EMAIL_ADDRESS", 14, 30, detect.Medium), // jose@example.com
	}
	cases := []struct {
		s    redact.Strategy
		want string
	}{
		{redact.Mask, "Mail **** at **************** now"},
		{redact.Tag, "Mail <PERSON> at <EMAIL_ADDRESS> now"},
		{redact.Drop, "Mail  at  now"},
	}
	for _, c := range cases {
		got, err := mustNew(t, redact.Options{Strategy: c.s, Key: testKey}).Redact(text, fs)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.s, got, c.want)
		}
	}
	r := mustNew(t, redact.Options{Strategy: redact.Hash, Key: testKey})
	got, err := r.Redact(text, fs)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^Mail <PERSON:[0-9a-f]{8}> at <EMAIL_ADDRESS:[0-9a-f]{8}> now$`).MatchString(got) {
		t.Errorf("hash: got %q", got)
	}
}

func TestHashIsKeyedAndConsistent(t *testing.T) {
	r1 := mustNew(t, redact.Options{Strategy: redact.Hash, Key: testKey})
	r2 := mustNew(t, redact.Options{Strategy: redact.Hash, Key: []byte("another-deployment-key-000000000")})
	a := r1.Pseudonym("EMAIL_ADDRESS", "Jose@Example.com")
	b := r1.Pseudonym("EMAIL_ADDRESS", "jose@example.com")
	c := r2.Pseudonym("EMAIL_ADDRESS", "jose@example.com")
	if a != b {
		t.Errorf("same address, different case: %s != %s", a, b)
	}
	if a == c {
		t.Errorf("different keys give the same pseudonym %s", a)
	}
	if x, y := r1.Pseudonym("CREDIT_CARD", "4111 1111 1111 1111"), r1.Pseudonym("CREDIT_CARD", "4111-1111-1111-1111"); x != y {
		t.Errorf("card spellings: %s != %s", x, y)
	}
	if r1.Pseudonym("PERSON", "Ann") == r1.Pseudonym("PERSON", "Anne") {
		t.Error("distinct values collide")
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := redact.New(redact.Options{Strategy: redact.Hash}); err == nil {
		t.Error("hash without key accepted")
	}
	if _, err := redact.New(redact.Options{PerType: map[string]redact.Strategy{"US_SSN": redact.Hash}, Key: []byte("short")}); err == nil {
		t.Error("short key accepted")
	}
	if _, err := redact.New(redact.Options{Strategy: "blur"}); err == nil {
		t.Error("unknown strategy accepted")
	}
	r := mustNew(t, redact.Options{Strategy: redact.Mask, PerType: map[string]redact.Strategy{"US_SSN": redact.Tag}})
	got, _ := r.Redact("a 123-45-6789 b 1.2", []detect.Finding{f("US_SSN", 2, 13, detect.High), f("IP_ADDRESS", 16, 19, detect.Low)})
	if got != "a <US_SSN> b ***" {
		t.Errorf("per-type: %q", got)
	}
}

func TestMergeOverlapsAndAdjacent(t *testing.T) {
	r := mustNew(t, redact.Options{Strategy: redact.Tag})
	text := "0123456789abcdefghij"
	cases := []struct {
		fs   []detect.Finding
		want string
	}{
		// overlapping: higher severity names the region
		{[]detect.Finding{f("PHONE_NUMBER", 2, 8, detect.Medium), f("US_SSN", 5, 12, detect.High)}, "01<US_SSN>cdefghij"},
		// adjacent regions merge; equal severity: the wider wins
		{[]detect.Finding{f("A", 0, 3, detect.Low), f("BB", 3, 9, detect.Low)}, "<BB>9abcdefghij"},
		// nested: the wider one of equal severity
		{[]detect.Finding{f("INNER", 4, 6, detect.High), f("OUTER", 2, 10, detect.High)}, "01<OUTER>abcdefghij"},
		// equal everything: smaller type name, deterministic whatever the order
		{[]detect.Finding{f("ZED", 0, 4, detect.Low), f("ALPHA", 0, 4, detect.Low)}, "<ALPHA>456789abcdefghij"},
		{[]detect.Finding{f("ALPHA", 0, 4, detect.Low), f("ZED", 0, 4, detect.Low)}, "<ALPHA>456789abcdefghij"},
		// separate regions
		{[]detect.Finding{f("X", 0, 1, detect.Low), f("Y", 19, 20, detect.Low)}, "<X>123456789abcdefghi<Y>"},
	}
	for i, c := range cases {
		got, err := r.Redact(text, c.fs)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("case %d: got %q, want %q", i, got, c.want)
		}
	}
}

func TestBadSpans(t *testing.T) {
	r := mustNew(t, redact.Options{})
	text := "naïve text" // ï is two bytes at 2..4
	for _, fd := range []detect.Finding{
		f("X", -1, 3, detect.Low), f("X", 0, 99, detect.Low), f("X", 5, 5, detect.Low),
		f("X", 6, 4, detect.Low), f("X", 3, 6, detect.Low), f("X", 0, 3, detect.Low),
	} {
		if _, err := r.Redact(text, []detect.Finding{fd}); !errors.Is(err, redact.ErrBadSpan) {
			t.Errorf("%+v: err %v, want ErrBadSpan", fd, err)
		}
	}
	if got, err := r.Redact(text, []detect.Finding{f("X", 2, 4, detect.Low)}); err != nil || got != "na<X>ve text" {
		t.Errorf("rune span: %q %v", got, err)
	}
}

func TestTagGrammar(t *testing.T) {
	s := "a <EMAIL_ADDRESS> b <US_SSN:3f9a1c2e> c <lower> <X:123> <A_1:0123456789abcdef0123> <>"
	got := redact.TagSpans(s)
	span := func(tag string) [2]int {
		i := strings.Index(s, tag)
		return [2]int{i, i + len(tag)}
	}
	want := [][2]int{span("<EMAIL_ADDRESS>"), span("<US_SSN:3f9a1c2e>"), span("<A_1:0123456789abcdef0123>")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TagSpans = %v, want %v", got, want)
	}
	r := mustNew(t, redact.Options{})
	out, _ := r.Redact("x", []detect.Finding{f("weird type!", 0, 1, detect.Low)})
	if sp := redact.TagSpans(out); len(sp) != 1 || sp[0] != [2]int{0, len(out)} {
		t.Errorf("tag for an odd type name %q is not a tag", out)
	}
}

func detectors(t testing.TB) []detect.Detector {
	return []detect.Detector{pii.Default(), secrets.Default()}
}

// corpusTexts reads the texts of the detectors' labelled corpora.
func corpusTexts(t testing.TB) []string {
	var texts []string
	for _, p := range []string{"../pii/testdata/dev.jsonl", "../pii/testdata/test.jsonl", "../secrets/testdata/dev.jsonl", "../secrets/testdata/test.jsonl"} {
		fh, err := os.Open(filepath.FromSlash(p))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var row struct{ Text string }
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Fatal(err)
			}
			texts = append(texts, row.Text)
		}
		fh.Close()
	}
	return texts
}

// TestIdempotent redacts every corpus document, then scans the result
// again: nothing new may be found and a second redaction changes nothing.
// The tags must not be detected as PII or secrets, nor lend their names as
// context. Drop is held to a weaker standard: removing a value joins its
// neighbours, which can form something new ("redis-cli -a pw ping" becomes
// "redis-cli -a  ping", and "ping" now sits where a password goes), so for
// drop only the removal of every found value is checked.
func TestIdempotent(t *testing.T) {
	ctx := context.Background()
	dets := detectors(t)
	for _, s := range []redact.Strategy{redact.Mask, redact.Tag, redact.Hash, redact.Drop} {
		r := mustNew(t, redact.Options{Strategy: s, Key: testKey})
		for i, text := range corpusTexts(t) {
			once, fs, err := r.Text(ctx, text, dets, detect.SourceToolResult)
			if err != nil {
				t.Fatal(err)
			}
			twice, fs2, err := r.Text(ctx, once, dets, detect.SourceToolResult)
			if err != nil {
				t.Fatal(err)
			}
			if s != redact.Drop && (twice != once || len(fs2) > 0) {
				t.Errorf("%s, doc %d: not idempotent; %d findings then %d: %v\n%s", s, i, len(fs), len(fs2), fs2, once)
			}
			for _, x := range fs {
				v := text[x.Start:x.End]
				if len(v) >= 6 && strings.Contains(once, v) {
					t.Errorf("%s, doc %d: %s value still present after redaction", s, i, x.Type)
				}
			}
		}
	}
}

func TestJSON(t *testing.T) {
	in := `{"to":"anna.berg@telia.se","items":[{"note":"call +44 20 7946 0958","n":3},{"card":4111111111111111}],
	"nested":{"a/b":{"ok":true,"none":null,"pw":"password: Xq7!mN4#pL"}}}`
	dec := json.NewDecoder(strings.NewReader(in))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	orig, _ := json.Marshal(v)
	r := mustNew(t, redact.Options{Strategy: redact.Tag})
	out, found, err := r.JSON(context.Background(), v, detectors(t), detect.SourceToolResult)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(v)
	if string(orig) != string(after) {
		t.Error("JSON modified its input")
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSpace(buf.String())
	want := `{"items":[{"n":3,"note":"call <PHONE_NUMBER>"},{"card":"<CREDIT_CARD>"}],"nested":{"a/b":{"none":null,"ok":true,"pw":"password: <PASSWORD>"}},"to":"<EMAIL_ADDRESS>"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var paths []string
	for _, jf := range found {
		paths = append(paths, jf.Path)
	}
	wantPaths := []string{"/items/0/note", "/items/1/card", "/nested/a~1b/pw", "/to"}
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Errorf("paths %v, want %v", paths, wantPaths)
	}
}

func TestJSONFailsClosed(t *testing.T) {
	r := mustNew(t, redact.Options{})
	big := strings.Repeat("a", pii.DefaultMaxInputBytes+1)
	if _, _, err := r.JSON(context.Background(), map[string]any{"x": big}, detectors(t), detect.SourceUser); err == nil {
		t.Error("oversized leaf passed unscanned")
	}
	if _, _, err := r.JSON(context.Background(), map[string]any{"x": struct{}{}}, detectors(t), detect.SourceUser); err == nil {
		t.Error("unsupported type accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := r.JSON(ctx, []any{"a"}, detectors(t), detect.SourceUser); err == nil {
		t.Error("cancelled context ignored")
	}
}
