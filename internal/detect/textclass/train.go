package textclass

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// TrainOptions tune training.
type TrainOptions struct {
	// MinDF drops terms found in fewer documents (default 2): a term seen
	// once teaches the model about that document, not about the class.
	MinDF int
	// C is the inverse strength of the L2 penalty on the weights (default
	// 1): larger fits the training documents more closely.
	C float64
	// MaxIter bounds the optimiser's iterations (default 1000).
	MaxIter int
}

// Train fits a model to docs, whose labels say which are positive. It is
// deterministic: the same documents in the same order give the same model.
//
// The weights minimise C·Σ log(1+exp(−yᵢ·zᵢ)) + ½‖w‖², the regularised
// logistic loss, by L-BFGS; the bias is not penalised.
func Train(docs []Bag, positive []bool, o TrainOptions) (*Model, error) {
	if len(docs) != len(positive) {
		return nil, errors.New("textclass: documents and labels differ in number")
	}
	if len(docs) == 0 {
		return nil, errors.New("textclass: no documents")
	}
	if o.MinDF <= 0 {
		o.MinDF = 2
	}
	if o.C <= 0 {
		o.C = 1
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 1000
	}
	df := map[string]int{}
	for _, d := range docs {
		for t := range d {
			df[t]++
		}
	}
	m := &Model{index: map[string]int32{}}
	for t, n := range df {
		if n >= o.MinDF && len(t) <= maxTermBytes {
			m.terms = append(m.terms, t)
		}
	}
	if len(m.terms) > MaxTerms {
		return nil, fmt.Errorf("textclass: %d terms; the limit is %d", len(m.terms), MaxTerms)
	}
	slices.Sort(m.terms)
	m.idf = make([]float64, len(m.terms))
	for i, t := range m.terms {
		m.index[t] = int32(i)
		m.idf[i] = round(math.Log(float64(1+len(docs))/float64(1+df[t])) + 1)
	}
	rows := make([]row, len(docs))
	y := make([]float64, len(docs))
	for k, d := range docs {
		rows[k] = m.vector(d)
		y[k] = -1
		if positive[k] {
			y[k] = 1
		}
	}
	p := &problem{rows: rows, y: y, c: o.C, dim: len(m.terms)}
	x := lbfgs(p, make([]float64, len(m.terms)+1), o.MaxIter)
	m.coef = make([]float64, len(m.terms))
	for i := range m.coef {
		m.coef[i] = round(x[i])
	}
	m.bias = round(x[len(m.terms)])
	return m, nil
}

// round keeps the six significant digits the model file keeps, so that the
// model Train returns scores exactly as the file written from it.
func round(f float64) float64 {
	r, _ := finite(num(f))
	return r
}

// problem is the regularised logistic loss over x = (w, bias).
type problem struct {
	rows []row
	y    []float64
	c    float64
	dim  int
}

// eval returns the loss at x and writes its gradient to g.
func (p *problem) eval(x, g []float64) float64 {
	w, b := x[:p.dim], x[p.dim]
	var f float64
	for i := range g {
		g[i] = 0
	}
	for k, r := range p.rows {
		z := b
		for j, i := range r.idx {
			z += w[i] * r.val[j]
		}
		t := p.y[k] * z
		// log(1+exp(-t)) and its derivative, stable for large |t|.
		if t > 0 {
			f += math.Log1p(math.Exp(-t))
		} else {
			f += -t + math.Log1p(math.Exp(t))
		}
		d := -p.y[k] * sigmoid(-t) * p.c
		for j, i := range r.idx {
			g[i] += d * r.val[j]
		}
		g[p.dim] += d
	}
	f *= p.c
	for i := range w {
		f += 0.5 * w[i] * w[i]
		g[i] += w[i]
	}
	return f
}

// lbfgs minimises p from x with the limited-memory BFGS method (ten
// correction pairs) and a backtracking line search on the Armijo
// condition, stopping when the gradient vanishes or after maxIter steps.
func lbfgs(p *problem, x []float64, maxIter int) []float64 {
	const memory = 10
	n := len(x)
	g := make([]float64, n)
	f := p.eval(x, g)
	var s, yv [][]float64
	var rho []float64
	d := make([]float64, n)
	xn := make([]float64, n)
	gn := make([]float64, n)
	alpha := make([]float64, memory)
	for it := 0; it < maxIter; it++ {
		if infNorm(g) < 1e-6 {
			break
		}
		// Two-loop recursion: d = -H·g.
		copy(d, g)
		for k := len(s) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(s[k], d)
			axpy(-alpha[k], yv[k], d)
		}
		if k := len(s) - 1; k >= 0 {
			scale(dot(s[k], yv[k])/dot(yv[k], yv[k]), d)
		}
		for k := range s {
			beta := rho[k] * dot(yv[k], d)
			axpy(alpha[k]-beta, s[k], d)
		}
		scale(-1, d)
		slope := dot(g, d)
		if slope >= 0 {
			// Not a descent direction: restart from steepest descent.
			s, yv, rho = s[:0], yv[:0], rho[:0]
			copy(d, g)
			scale(-1, d)
			slope = dot(g, d)
		}
		step := 1.0
		if len(s) == 0 {
			step = 1 / math.Max(1, math.Sqrt(dot(g, g)))
		}
		var fn float64
		for ls := 0; ; ls++ {
			for i := range xn {
				xn[i] = x[i] + step*d[i]
			}
			fn = p.eval(xn, gn)
			if fn <= f+1e-4*step*slope || ls == 40 {
				break
			}
			step /= 2
		}
		if fn > f {
			break // no progress possible at this precision
		}
		sk, yk := make([]float64, n), make([]float64, n)
		for i := range sk {
			sk[i] = xn[i] - x[i]
			yk[i] = gn[i] - g[i]
		}
		if sy := dot(sk, yk); sy > 1e-12 {
			if len(s) == memory {
				s, yv, rho = s[1:], yv[1:], rho[1:]
			}
			s, yv, rho = append(s, sk), append(yv, yk), append(rho, 1/sy)
		}
		improved := f - fn
		copy(x, xn)
		copy(g, gn)
		f = fn
		if improved <= 1e-10*math.Max(1, math.Abs(f)) {
			break
		}
	}
	return x
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}

func infNorm(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
