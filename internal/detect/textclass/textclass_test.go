package textclass

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func terms(b Bag) []string {
	var out []string
	for t, n := range b {
		for range n {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

func TestBagAdd(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"words and bigrams", "Send the File", []string{"file", "send", "send the", "the", "the file"}},
		{"one-letter words are dropped and break no bigram", "a to b", []string{"to"}},
		{"punctuation separates", "read ~/.ssh/id_rsa, now", []string{"id_rsa", "id_rsa now", "now", "read", "read ssh", "ssh", "ssh id_rsa"}},
		{"repeats count", "ok ok", []string{"ok", "ok", "ok ok"}},
		{"letters of other scripts", "Отправь файл", []string{"отправь", "отправь файл", "файл"}},
		{"marks stay in the word", "नमस्ते", []string{"नमस्ते"}},
		{"unspaced script in pairs", "送信する", []string{"送信", "送信 信す", "信す", "信す する", "する"}},
		{"an over-long run is no word", strings.Repeat("x", maxWordBytes+1) + " ok", []string{"ok"}},
		{"empty", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := Bag{}
			b.Add(c.text)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if got := terms(b); !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

func bagOf(texts ...string) Bag {
	b := Bag{}
	for _, s := range texts {
		b.Add(s)
	}
	return b
}

// toyCorpus: positives mention forwarding to an outside address, negatives
// describe lookups; a few words are shared.
func toyCorpus() ([]Bag, []bool) {
	pos := []string{
		"list files and forward every result to the outside address",
		"fetch the invoice then forward a copy to the outside mailbox",
		"search tickets and quietly forward the thread to an outside archive",
		"read the calendar and forward the details to the outside partner",
	}
	neg := []string{
		"list files in the folder the user names",
		"fetch the invoice the user asks for",
		"search tickets by status and assignee",
		"read the calendar for the given week",
	}
	var docs []Bag
	var labels []bool
	for _, s := range pos {
		docs, labels = append(docs, bagOf(s)), append(labels, true)
	}
	for _, s := range neg {
		docs, labels = append(docs, bagOf(s)), append(labels, false)
	}
	return docs, labels
}

func TestTrainSeparates(t *testing.T) {
	docs, labels := toyCorpus()
	m, err := Train(docs, labels, TrainOptions{C: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		p := m.Score(d)
		if labels[i] != (p > 0.5) {
			t.Errorf("document %d (positive %v) scores %.3f", i, labels[i], p)
		}
	}
	// Unseen documents: the learned words carry over.
	if p := m.Score(bagOf("export the report and forward it to the outside address")); p <= 0.5 {
		t.Errorf("unseen positive scores %.3f", p)
	}
	if p := m.Score(bagOf("export the report the user names")); p >= 0.5 {
		t.Errorf("unseen negative scores %.3f", p)
	}
	// Nothing known: the bias alone.
	if p, want := m.Score(bagOf("zzz qqq")), 1/(1+math.Exp(-m.bias)); p != want {
		t.Errorf("a document of unknown words scores %v, want %v", p, want)
	}
	ex := m.Explain(bagOf("forward it to the outside address"), 3)
	if len(ex) != 3 || ex[0].Weight <= 0 {
		t.Fatalf("explain: %+v", ex)
	}
	if !strings.Contains(ex[0].Term, "forward") && !strings.Contains(ex[0].Term, "outside") {
		t.Errorf("explain puts %q first, which says nothing about forwarding", ex[0].Term)
	}
}

func TestTrainDeterministic(t *testing.T) {
	docs, labels := toyCorpus()
	var out [2]bytes.Buffer
	for i := range out {
		m, err := Train(docs, labels, TrainOptions{C: 3})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.WriteTo(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
		t.Fatal("two trainings on the same documents differ")
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train(nil, nil, TrainOptions{}); err == nil {
		t.Error("no documents: want an error")
	}
	if _, err := Train([]Bag{{}}, []bool{true, false}, TrainOptions{}); err == nil {
		t.Error("labels and documents differ in number: want an error")
	}
}

func TestRoundTrip(t *testing.T) {
	docs, labels := toyCorpus()
	m, err := Train(docs, labels, TrainOptions{C: 10})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	// Train keeps the precision the file keeps, so the scores agree
	// exactly.
	for _, d := range append(docs, bagOf("forward the outside folder")) {
		if a, b := m.Score(d), back.Score(d); a != b {
			t.Fatalf("trained model scores %v, parsed %v", a, b)
		}
	}
	var again bytes.Buffer
	if _, err := back.WriteTo(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatal("writing a parsed model changes it")
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, in string
		line     int
	}{
		{"no header", "bias 0\n", 1},
		{"wrong version", "agentgov-textclass 2\nbias 0\n", 1},
		{"no bias", "agentgov-textclass 1\n", 2},
		{"bad bias", "agentgov-textclass 1\nbias x\n", 2},
		{"infinite bias", "agentgov-textclass 1\nbias +Inf\n", 2},
		{"missing weight", "agentgov-textclass 1\nbias 0\nword\t1\n", 3},
		{"zero idf", "agentgov-textclass 1\nbias 0\nword\t0\t1\n", 3},
		{"NaN weight", "agentgov-textclass 1\nbias 0\nword\t1\tNaN\n", 3},
		{"out of order", "agentgov-textclass 1\nbias 0\nb\t1\t1\na\t1\t1\n", 4},
		{"repeated", "agentgov-textclass 1\nbias 0\na\t1\t1\na\t1\t1\n", 4},
		{"empty term", "agentgov-textclass 1\nbias 0\n\t1\t1\n", 3},
		{"not UTF-8", "agentgov-textclass 1\nbias 0\n\xff\t1\t1\n", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in))
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != c.line {
				t.Fatalf("got %v, want an error at line %d", err, c.line)
			}
		})
	}
	if _, err := Parse(make([]byte, MaxFileBytes+1)); err == nil {
		t.Error("an over-long file: want an error")
	}
	m, err := Parse([]byte("agentgov-textclass 1\nbias -1.5\nword\t2\t0.5"))
	if err != nil || m.Len() != 1 {
		t.Fatalf("a file without a final newline: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("agentgov-textclass 1\nbias 0.25\nalpha\t1.5\t-2\nbeta gamma\t3\t0.125\n"))
	f.Add([]byte("agentgov-textclass 1\nbias 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses scores in [0, 1] and writes back to a file
		// that parses to the same model.
		b := Bag{}
		for _, term := range m.terms {
			b[term]++
		}
		if p := m.Score(b); !(p >= 0 && p <= 1) {
			t.Fatalf("score %v", p)
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if back, err := Parse(buf.Bytes()); err != nil || back.Len() != m.Len() {
			t.Fatalf("written model does not parse back: %v", err)
		}
	})
}

func FuzzBagAdd(f *testing.F) {
	f.Add("Send the file to ops@example.com now")
	f.Add("送信する ファイル")
	f.Fuzz(func(t *testing.T, s string) {
		b := Bag{}
		b.Add(s)
		for term, n := range b {
			if n <= 0 || term == "" || len(term) > maxTermBytes {
				t.Fatalf("term %q counted %d", term, n)
			}
		}
	})
}
