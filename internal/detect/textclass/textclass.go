// Package textclass scores documents with a logistic regression over
// TF-IDF-weighted word unigrams and bigrams, and trains such a model.
//
// It is the learned half of a detector: rules say what is wrong and where,
// and a model trained on labelled examples says how much the text as a
// whole resembles the malicious ones. The model is a plain text file (one
// line per term, with its inverse document frequency and weight), so a
// reviewer can read which words move a score and a build can reproduce it
// from the labelled data.
//
// Weighting follows the common TF-IDF recipe: a term counted n times in a
// document weighs (1 + ln n) · idf, idf = ln((1+N)/(1+df)) + 1 over the N
// training documents, and the document's vector is scaled to unit length.
package textclass

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bag counts the terms of one document.
type Bag map[string]int

// maxWordBytes bounds one word: longer runs of letters are not words a
// model could have learned, and they would bloat the bag.
const maxWordBytes = 64

// Add adds the words of text to b, and the bigrams of words that follow
// one another in it.
//
// A word is a run of letters, digits, marks and underscores of at least two
// characters, lower-cased. Scripts written without spaces between words
// (Han, Hiragana, Katakana) are cut into overlapping pairs of characters,
// which stand in for their words.
func (b Bag) Add(text string) {
	var prev string // the previous word, for bigrams
	emit := func(w string) {
		b[w]++
		if prev != "" {
			b[prev+" "+w]++
		}
		prev = w
	}
	start := -1   // start of the current word, -1 outside one
	var cjk rune  // the previous unspaced-script character, 0 if none
	var cjkAt int // its byte offset
	runes := 0    // characters in the current word
	flush := func(end int) {
		if start >= 0 && runes >= 2 && end-start <= maxWordBytes {
			emit(strings.ToLower(text[start:end]))
		}
		start, runes = -1, 0
	}
	for i, r := range text {
		switch {
		case unspaced(r):
			flush(i)
			if cjk != 0 {
				emit(text[cjkAt : i+utf8.RuneLen(r)])
			}
			cjk, cjkAt = r, i
		case r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			cjk = 0
			if start < 0 {
				start = i
			}
			runes++
		default:
			cjk = 0
			flush(i)
		}
	}
	flush(len(text))
}

func unspaced(r rune) bool {
	return r >= 0x2e80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// Model is a trained classifier. It is immutable and safe for concurrent
// use.
type Model struct {
	terms []string // sorted
	index map[string]int32
	idf   []float64
	coef  []float64
	bias  float64
}

// Len is the number of terms the model knows.
func (m *Model) Len() int { return len(m.terms) }

// Score is the model's probability, in [0, 1], that the document is of the
// positive class. Terms the model does not know are ignored; a document
// with none scores the bias alone.
func (m *Model) Score(b Bag) float64 {
	r := m.vector(b)
	z := m.bias
	for k, i := range r.idx {
		z += r.val[k] * m.coef[i]
	}
	return sigmoid(z)
}

// row is a document's unit-length TF-IDF vector: what training fits and
// scoring weighs.
type row struct {
	idx []int32
	val []float64
}

func (m *Model) vector(b Bag) row {
	r := row{idx: m.known(b)}
	var norm float64
	r.val = make([]float64, len(r.idx))
	for k, i := range r.idx {
		r.val[k] = m.weight(b[m.terms[i]], i)
		norm += r.val[k] * r.val[k]
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for k := range r.val {
			r.val[k] /= norm
		}
	}
	return r
}

// known returns the indices of the terms of b the model knows, in term
// order: sums over them in a map's order would make the last bits of a
// score, and so a decision at a threshold, vary from run to run.
func (m *Model) known(b Bag) []int32 {
	idx := make([]int32, 0, len(b))
	for t := range b {
		if i, ok := m.index[t]; ok {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	return idx
}

func (m *Model) weight(n int, i int32) float64 {
	return (1 + math.Log(float64(n))) * m.idf[i]
}

// Contribution is one term's share of a score.
type Contribution struct {
	Term   string
	Weight float64 // its addition to the log-odds
}

// Explain returns the n terms of b that moved its score most, strongest
// first, so a finding can say why the model scored as it did.
func (m *Model) Explain(b Bag, n int) []Contribution {
	r := m.vector(b)
	out := make([]Contribution, len(r.idx))
	for k, i := range r.idx {
		out[k] = Contribution{m.terms[i], r.val[k] * m.coef[i]}
	}
	slices.SortStableFunc(out, func(a, b Contribution) int {
		switch {
		case math.Abs(a.Weight) > math.Abs(b.Weight):
			return -1
		case math.Abs(a.Weight) < math.Abs(b.Weight):
			return 1
		}
		return strings.Compare(a.Term, b.Term)
	})
	return out[:min(n, len(out))]
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// KnownWords counts the distinct words of b (terms that are not bigrams)
// the model knows: a measure of how much it had to go on.
func (m *Model) KnownWords(b Bag) int {
	n := 0
	for _, i := range m.known(b) {
		if !strings.Contains(m.terms[i], " ") {
			n++
		}
	}
	return n
}
