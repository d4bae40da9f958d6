package textclass

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The model file is UTF-8 text:
//
//	agentgov-textclass 1
//	bias <float>
//	<term> TAB <idf> TAB <weight>
//	...
//
// one line per term, terms in byte order without repeats. Numbers keep six
// significant digits, which moves no score by more than a rounding error
// and keeps the file small enough to review.
const header = "agentgov-textclass 1"

// Limits of a model file.
const (
	MaxFileBytes = 16 << 20
	MaxTerms     = 1 << 20
	maxTermBytes = 2*maxWordBytes + 1
)

// ParseError reports what is wrong with a model file and where.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("textclass: line %d: %s", e.Line, e.Msg) }

// Parse reads a model file.
func Parse(data []byte) (*Model, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("textclass: model is %d bytes; the limit is %d", len(data), MaxFileBytes)
	}
	m := &Model{index: map[string]int32{}}
	line := 0
	next := func() (string, bool) {
		if len(data) == 0 {
			return "", false
		}
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			i = len(data)
		}
		s := string(data[:i])
		data = data[min(i+1, len(data)):]
		line++
		return s, true
	}
	bad := func(format string, args ...any) error {
		return &ParseError{line, fmt.Sprintf(format, args...)}
	}
	if s, ok := next(); !ok || s != header {
		return nil, bad("want the header %q", header)
	}
	s, ok := next()
	if !ok {
		line++ // the missing line
	}
	v, found := strings.CutPrefix(s, "bias ")
	if !found {
		return nil, bad("want \"bias <number>\"")
	}
	var err error
	if m.bias, err = finite(v); err != nil {
		return nil, bad("bias: %v", err)
	}
	for {
		s, ok := next()
		if !ok {
			break
		}
		term, rest, ok1 := strings.Cut(s, "\t")
		idf, coef, ok2 := strings.Cut(rest, "\t")
		if !ok1 || !ok2 {
			return nil, bad("want term, idf and weight separated by tabs")
		}
		switch {
		case term == "" || len(term) > maxTermBytes:
			return nil, bad("term is empty or longer than %d bytes", maxTermBytes)
		case !utf8.ValidString(term):
			return nil, bad("term is not UTF-8")
		case len(m.terms) > 0 && term <= m.terms[len(m.terms)-1]:
			return nil, bad("term %q is out of order or repeated", term)
		case len(m.terms) == MaxTerms:
			return nil, bad("more than %d terms", MaxTerms)
		}
		x, err := finite(idf)
		if err != nil || x <= 0 {
			return nil, bad("idf of %q: want a positive number", term)
		}
		w, err := finite(coef)
		if err != nil {
			return nil, bad("weight of %q: %v", term, err)
		}
		m.index[term] = int32(len(m.terms))
		m.terms = append(m.terms, term)
		m.idf = append(m.idf, x)
		m.coef = append(m.coef, w)
	}
	return m, nil
}

func finite(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errors.New("not a number")
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, errors.New("not finite")
	}
	return f, nil
}

// WriteTo writes m in the model file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	put := func(s string) {
		k, _ := bw.WriteString(s)
		n += int64(k)
	}
	put(header + "\nbias " + num(m.bias) + "\n")
	for i, t := range m.terms {
		put(t + "\t" + num(m.idf[i]) + "\t" + num(m.coef[i]) + "\n")
	}
	return n, bw.Flush()
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }
