package hessian_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/hessian"
)

// Dense (mat.EigenSym) and DenseSolver (dsyev with preallocated workspace)
// run the same LAPACK routine on the same symmetrised matrix, so they agree
// bit for bit.
func TestDenseMatchesDenseSolver(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	op := reference.NewSpiked(rng, 60, 0.1, []float64{1, 0.5, -2})
	d, err := hessian.Dense(op)
	if err != nil {
		t.Fatal(err)
	}
	ds := &hessian.DenseSolver{Top: 2, Bottom: 2}
	r, err := ds.Estimate(op)
	if err != nil {
		t.Fatal(err)
	}
	p := len(d.Values)
	if d.HVPs != p || r.HVPs != p {
		t.Errorf("HVPs %d, %d, want p = %d", d.HVPs, r.HVPs, p)
	}
	want := []float64{d.Values[p-1], d.Values[p-2]}
	for i, v := range r.Top.Values {
		if v != want[i] {
			t.Errorf("top[%d]: DenseSolver %v, Dense %v", i, v, want[i])
		}
	}
	if r.Bottom.Values[0] != d.Values[0] || r.Bottom.Values[1] != d.Values[1] {
		t.Errorf("bottom %v, Dense %v", r.Bottom.Values, d.Values[:2])
	}
	// The operator is symmetric up to the rounding of its products: two
	// computations of one entry differ by a few ulps of the row sums, a
	// relative ‖H−Hᵀ‖_F/‖H‖_F of order p·ε ≈ 1e-14 at most for these sizes.
	if d.Asymmetry > 1e-14 {
		t.Errorf("asymmetry %v of a symmetric operator", d.Asymmetry)
	}
}

// The asymmetry diagnostic reports ‖H−Hᵀ‖_F/‖H‖_F of the assembled matrix,
// and the residuals are measured against the unsymmetrised matrix.
func TestDenseAsymmetry(t *testing.T) {
	a := mat.NewDense(2, 2, []float64{1, 0.1, 0, 1}) // H−Hᵀ = [[0, .1],[−.1, 0]]
	op := sim.OperatorFunc{N: 2, F: func(v, dst []float64) {
		mat.NewVecDense(2, dst).MulVec(a, mat.NewVecDense(2, v))
	}}
	d, err := hessian.Dense(op)
	if err != nil {
		t.Fatal(err)
	}
	want := math.Sqrt(0.02) / math.Sqrt(2.01)
	// 1e-15: a handful of roundings of O(1) quantities (a norm ratio of a
	// 2×2 matrix and a 2×2 eigensolve), each within ε = 2.2e-16.
	if math.Abs(d.Asymmetry-want) > 1e-15 {
		t.Errorf("asymmetry %v, want %v", d.Asymmetry, want)
	}
	var ds hessian.DenseSolver
	r, _ := ds.Estimate(op)
	// Symmetrised: [[1, .05],[.05, 1]], top pair (1.05, (1,1)/√2);
	// raw residual ‖A y − 1.05 y‖ = ‖(0.05, −0.05)/√2‖ = 0.05.
	if math.Abs(r.Top.Values[0]-1.05) > 1e-15 || math.Abs(r.Top.Residuals[0]-0.05) > 1e-15 {
		t.Errorf("top %v residual %v, want 1.05 and 0.05", r.Top.Values[0], r.Top.Residuals[0])
	}
	if math.Abs(ds.Asymmetry()-want) > 1e-15 {
		t.Errorf("DenseSolver.Asymmetry %v, want %v", ds.Asymmetry(), want)
	}
}

// The counting view counts every application, and At wraps sim.HessianAt.
func TestCounter(t *testing.T) {
	c := &hessian.Counter{Op: diagOp([]float64{1, 2, 3})}
	r, err := hessian.Lanczos(c, hessian.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if c.N != r.HVPs || c.N == 0 {
		t.Errorf("counted %d, reported %d", c.N, r.HVPs)
	}
	obj := quadratic{d: []float64{2, -1}}
	at := hessian.At(obj, []float64{0.3, 0.4})
	dst := make([]float64, 2)
	at.Apply([]float64{1, 1}, dst)
	if at.N != 1 || at.Dim() != 2 || dst[0] != 2 || dst[1] != -1 {
		t.Errorf("At: N=%d Dim=%d Hv=%v", at.N, at.Dim(), dst)
	}
	mustPanic(t, "Assemble dims", func() { hessian.Assemble(mat.NewDense(2, 3, nil), at) })
}

// quadratic is E(θ) = ½ Σ d_i θ_i², with Hessian diag(d).
type quadratic struct{ d []float64 }

func (q quadratic) Dim() int { return len(q.d) }
func (q quadratic) Loss(th []float64) float64 {
	var s float64
	for i, x := range th {
		s += 0.5 * q.d[i] * x * x
	}
	return s
}
func (q quadratic) Grad(th, g []float64) float64 {
	for i, x := range th {
		g[i] = q.d[i] * x
	}
	return q.Loss(th)
}
func (q quadratic) HessVec(_, v, hv []float64) {
	for i, x := range v {
		hv[i] = q.d[i] * x
	}
}
