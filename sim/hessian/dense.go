package hessian

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim"
)

// Assemble writes the matrix of op into dst, column j being op applied to
// the j-th unit vector, so it costs p = op.Dim() applications. dst must be
// p×p. The result is not symmetrised.
func Assemble(dst *mat.Dense, op sim.Operator) {
	p := op.Dim()
	if r, c := dst.Dims(); r != p || c != p {
		panic("hessian: Assemble: dst is not p×p")
	}
	e := make([]float64, p)
	col := make([]float64, p)
	assemble(dst.RawMatrix(), op, e, col)
}

// assemble fills a (row-major, p×p) with the columns op(e_j); e and col are
// scratch vectors of length p.
func assemble(a blas64.General, op sim.Operator, e, col []float64) {
	p := op.Dim()
	for i := range e {
		e[i] = 0
	}
	for j := 0; j < p; j++ {
		e[j] = 1
		op.Apply(e, col)
		e[j] = 0
		for i, v := range col {
			a.Data[i*a.Stride+j] = v
		}
	}
}

// symmetrise writes (H+Hᵀ)/2 of the row-major p×p h into the upper triangle
// of s and returns the asymmetry ‖H−Hᵀ‖_F/‖H‖_F (0 when H = 0).
func symmetrise(s []float64, h blas64.General) float64 {
	p := h.Rows
	var num, den float64
	for i := 0; i < p; i++ {
		hii := h.Data[i*h.Stride+i]
		s[i*p+i] = hii
		den += hii * hii
		for j := i + 1; j < p; j++ {
			a, b := h.Data[i*h.Stride+j], h.Data[j*h.Stride+i]
			s[i*p+j] = 0.5 * (a + b)
			num += 2 * (a - b) * (a - b)
			den += a*a + b*b
		}
	}
	if den == 0 {
		return 0
	}
	return math.Sqrt(num / den)
}

// DenseResult is the full eigendecomposition of the symmetrised matrix of an
// operator.
type DenseResult struct {
	// Values are all p eigenvalues in increasing order (as mat.EigenSym
	// returns them); Values[p-1] is the sharpness.
	Values []float64
	// Vectors is p×p with the unit eigenvector of Values[j] in column j.
	Vectors *mat.Dense
	// Asymmetry is ‖H−Hᵀ‖_F/‖H‖_F of the assembled matrix before
	// symmetrisation: a diagnostic of the HVP (exact HVPs give a few ULPs;
	// finite-difference HVPs give the truncation error).
	Asymmetry float64
	// HVPs is p.
	HVPs int
}

// Dense assembles the matrix of op from p applications, symmetrises it as
// (H+Hᵀ)/2 and decomposes it with gonum's mat.EigenSym. It is the reference
// for small models; its cost is p HVPs plus O(p³) flops.
func Dense(op sim.Operator) (DenseResult, error) {
	p := op.Dim()
	h := mat.NewDense(p, p, nil)
	Assemble(h, op)
	s := mat.NewSymDense(p, nil)
	asym := symmetrise(s.RawSymmetric().Data, h.RawMatrix())
	var es mat.EigenSym
	if !es.Factorize(s, true) {
		return DenseResult{}, &NumericalError{Method: "Dense", What: "mat.EigenSym failed"}
	}
	vecs := mat.NewDense(p, p, nil)
	es.VectorsTo(vecs)
	return DenseResult{Values: es.Values(nil), Vectors: vecs, Asymmetry: asym, HVPs: p}, nil
}

// DenseSolver is the dense path as an Estimator: it assembles the matrix
// (p HVPs), symmetrises it and decomposes it with LAPACK's dsyev (the routine
// under mat.EigenSym, called with preallocated workspace so that repeated
// calls do not allocate). Its residuals are computed against the assembled,
// unsymmetrised matrix, so they include the asymmetry of the HVP. Use it for
// p up to a few hundred. Repeated calls do not allocate, except that for p
// above about 128 dsyev's blocked updates run on gonum's parallel dgemm,
// which allocates goroutine bookkeeping (its results do not depend on
// GOMAXPROCS: each block of the product is summed in a fixed order).
//
// The zero value is usable and returns the top eigenpair.
type DenseSolver struct {
	// Top and Bottom are the numbers of eigenpairs wanted at each end; when
	// both are zero Top is 1. Top+Bottom must not exceed p.
	Top, Bottom int

	p         int
	h, s      []float64 // raw matrix and its symmetrisation / eigenvectors
	vals      []float64
	work      []float64
	e, col, r []float64
	out       outPairs
	asym      float64
}

// Asymmetry returns ‖H−Hᵀ‖_F/‖H‖_F of the matrix assembled by the last
// Estimate.
func (d *DenseSolver) Asymmetry() float64 { return d.asym }

// Estimate implements Estimator.
func (d *DenseSolver) Estimate(op sim.Operator) (Result, error) {
	p := op.Dim()
	top, bot := d.Top, d.Bottom
	if top == 0 && bot == 0 {
		top = 1
	}
	if top < 0 || bot < 0 || top+bot > p {
		panic("hessian: DenseSolver: need 0 ≤ Top, Bottom and Top+Bottom ≤ p")
	}
	if d.p != p {
		d.p = p
		d.h = make([]float64, p*p)
		d.s = make([]float64, p*p)
		d.vals = make([]float64, p)
		d.e = make([]float64, p)
		d.col = make([]float64, p)
		d.r = make([]float64, p)
		var q [1]float64
		lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: p, Stride: p, Data: d.s, Uplo: blas.Upper}, d.vals, q[:], -1)
		d.work = make([]float64, int(q[0]))
	}
	h := blas64.General{Rows: p, Cols: p, Stride: p, Data: d.h}
	assemble(h, op, d.e, d.col)
	d.asym = symmetrise(d.s, h)
	for _, v := range d.h {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Result{HVPs: p}, &NumericalError{Method: "DenseSolver", What: "operator returned a non-finite value"}
		}
	}
	if !lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: p, Stride: p, Data: d.s, Uplo: blas.Upper}, d.vals, d.work, len(d.work)) {
		return Result{HVPs: p}, &NumericalError{Method: "DenseSolver", What: "dsyev failed"}
	}
	d.out.ensure(p, top, bot)
	y := d.col
	norm := math.Max(math.Abs(d.vals[0]), math.Abs(d.vals[p-1]))
	for k := 0; k < top+bot; k++ {
		j := p - 1 - k // eigenvalue index, ascending order
		if k >= top {
			j = k - top
		}
		for i := 0; i < p; i++ {
			y[i] = d.s[i*p+j]
		}
		lam := d.vals[j]
		// r = H_raw y − λ y.
		copy(d.r, y)
		blas64.Gemv(blas.NoTrans, 1, h, vec(y), -lam, vec(d.r))
		d.out.set(k < top, k, k-top, lam, nrm2(d.r), y)
	}
	res := d.out.result(top, bot)
	res.Norm = norm
	res.HVPs = p
	res.Converged = true
	return res, nil
}
