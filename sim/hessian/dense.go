package hessian

import (
	"context"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
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
	assemble(context.Background(), dst.RawMatrix(), op, e, col)
}

// assemble fills a (row-major, p×p) with the columns op(e_j); e and col are
// scratch vectors of length p. It stops, with an error wrapping ctx.Err(),
// when ctx is done before a column.
func assemble(ctx context.Context, a blas64.General, op sim.Operator, e, col []float64) error {
	p := op.Dim()
	for i := range e {
		e[i] = 0
	}
	for j := 0; j < p; j++ {
		if err := stopped(ctx); err != nil {
			return err
		}
		e[j] = 1
		op.Apply(e, col)
		e[j] = 0
		for i, v := range col {
			a.Data[i*a.Stride+j] = v
		}
	}
	return nil
}

// symmetrise writes (H+Hᵀ)/2 of the row-major p×p h into s, both triangles,
// and returns the asymmetry ‖H−Hᵀ‖_F/‖H‖_F (0 when H = 0).
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
			s[j*p+i] = s[i*p+j]
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
// (p HVPs), symmetrises it and computes the wanted eigenpairs as LAPACK's
// dsyevx does (Householder reduction to tridiagonal form, bisection,
// inverse iteration for the wanted vectors only; see symEig), in steps
// that EstimateContext can interrupt: it checks the context before every
// HVP of the assembly and between the blocks of the eigensolver, each kept
// well under a second at any size. Its residuals are computed against the
// assembled, unsymmetrised matrix, so they include the asymmetry of the
// HVP. Use it for p up to a few thousand (the reduction costs (4/3)p³
// flops). Repeated calls do not allocate, except that for p above about 128
// the back-transformation's blocked updates run on gonum's parallel dgemm,
// which allocates goroutine bookkeeping (its results do not depend on
// GOMAXPROCS: each block of the product is summed in a fixed order).
//
// The zero value is usable and returns the top eigenpair.
type DenseSolver struct {
	// Top and Bottom are the numbers of eigenpairs wanted at each end; when
	// both are zero Top is 1. Top+Bottom must not exceed p.
	Top, Bottom int

	p      int
	h, s   []float64 // raw matrix and its symmetrisation (then its reduction)
	e, col []float64
	vals   []float64 // wanted eigenvalues, ascending
	eig    symEig
	out    outPairs
	asym   float64
	ok     bool // the last estimate completed its reduction
}

// Asymmetry returns ‖H−Hᵀ‖_F/‖H‖_F of the matrix assembled by the last
// Estimate.
func (d *DenseSolver) Asymmetry() float64 { return d.asym }

// CountAbove returns the number of eigenvalues of the symmetrised matrix of
// the last completed estimate that exceed x (a Sturm count on its
// tridiagonal form: exact for an x further than a small multiple of ε‖H‖
// from every eigenvalue, and cheap: O(p)). It panics when no estimate has
// completed.
func (d *DenseSolver) CountAbove(x float64) int {
	if !d.ok {
		panic("hessian: DenseSolver.CountAbove before a completed Estimate")
	}
	return d.eig.countAbove(x)
}

// Estimate implements Estimator.
func (d *DenseSolver) Estimate(op sim.Operator) (Result, error) {
	return d.EstimateContext(context.Background(), op)
}

// EstimateContext implements ContextEstimator.
func (d *DenseSolver) EstimateContext(ctx context.Context, op sim.Operator) (Result, error) {
	p := op.Dim()
	top, bot := d.Top, d.Bottom
	if top == 0 && bot == 0 {
		top = 1
	}
	if top < 0 || bot < 0 || top+bot > p {
		panic("hessian: DenseSolver: need 0 ≤ Top, Bottom and Top+Bottom ≤ p")
	}
	d.ok = false
	if d.p != p {
		d.p = p
		d.h = make([]float64, p*p)
		d.s = make([]float64, p*p)
		d.e = make([]float64, p)
		d.col = make([]float64, p)
	}
	nw := top + bot
	if cap(d.vals) < nw {
		d.vals = make([]float64, nw)
	}
	d.vals = d.vals[:nw]
	d.eig.ensure(p, nw)
	h := blas64.General{Rows: p, Cols: p, Stride: p, Data: d.h}
	if err := assemble(ctx, h, op, d.e, d.col); err != nil {
		return Result{}, err
	}
	d.asym = symmetrise(d.s, h)
	for _, v := range d.h {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Result{HVPs: p}, &NumericalError{Method: "DenseSolver", What: "operator returned a non-finite value"}
		}
	}
	if err := d.eig.reduce(ctx, d.s); err != nil {
		return Result{HVPs: p}, err
	}
	d.ok = true
	// The wanted eigenvalues in ascending order: the bottom ones, then the
	// top ones; the extreme ones also give the norm.
	for k := 0; k < bot; k++ {
		d.vals[k] = d.eig.value(k)
	}
	for k := 0; k < top; k++ {
		d.vals[bot+k] = d.eig.value(p - top + k)
	}
	lo, hi := d.vals[0], d.vals[nw-1]
	if bot == 0 {
		lo = d.eig.value(0)
	}
	if top == 0 {
		hi = d.eig.value(p - 1)
	}
	norm := math.Max(math.Abs(lo), math.Abs(hi))
	if err := d.eig.vectors(ctx, d.vals); err != nil {
		return Result{HVPs: p}, err
	}
	d.out.ensure(p, top, bot)
	y, r := d.col, d.e
	for j := 0; j < nw; j++ {
		if err := stopped(ctx); err != nil {
			return Result{HVPs: p}, err
		}
		for i := 0; i < p; i++ {
			y[i] = d.eig.z[i*nw+j]
		}
		lam := d.vals[j]
		// r = H_raw y − λ y.
		copy(r, y)
		blas64.Gemv(blas.NoTrans, 1, h, vec(y), -lam, vec(r))
		if j < bot {
			d.out.set(false, 0, j, lam, nrm2(r), y)
		} else {
			d.out.set(true, nw-1-j, 0, lam, nrm2(r), y)
		}
	}
	res := d.out.result(top, bot)
	res.Norm = norm
	res.HVPs = p
	res.Converged = true
	return res, nil
}
