package hessian_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/hessian"
)

// Dense (mat.EigenSym: dsyev, tridiagonal QR) and DenseSolver (the
// reduction, bisection and inverse iteration of dsyevx) agree on the same
// symmetrised matrix to within the backward error of the two: each value is
// exact for a matrix within a small multiple of ε‖H‖ of H (Householder
// reduction, Wilkinson), so they differ by at most about p·ε·‖H‖.
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
	norm := math.Max(math.Abs(d.Values[0]), math.Abs(d.Values[p-1]))
	tol := float64(p) * 0x1p-52 * norm
	want := []float64{d.Values[p-1], d.Values[p-2]}
	for i, v := range r.Top.Values {
		if math.Abs(v-want[i]) > tol {
			t.Errorf("top[%d]: DenseSolver %v, Dense %v", i, v, want[i])
		}
	}
	for i, v := range r.Bottom.Values {
		if math.Abs(v-d.Values[i]) > tol {
			t.Errorf("bottom[%d]: DenseSolver %v, Dense %v", i, v, d.Values[i])
		}
	}
	for i, res := range append(r.Top.Residuals, r.Bottom.Residuals...) {
		if res > tol {
			t.Errorf("residual %d: %v, want at most p·ε·‖H‖ = %v", i, res, tol)
		}
	}
	if r.Norm != norm {
		t.Errorf("Norm %v, want max |λ| = %v", r.Norm, norm)
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

// pollCtx is a context that counts the polls of its Done channel and is
// cancelled at the limit-th (never when limit is 0).
type pollCtx struct {
	context.Context
	polls, limit int
	done         chan struct{}
}

func newPollCtx(limit int) *pollCtx {
	return &pollCtx{Context: context.Background(), limit: limit, done: make(chan struct{})}
}

func (c *pollCtx) Done() <-chan struct{} {
	c.polls++
	if c.polls == c.limit {
		close(c.done)
	}
	return c.done
}

func (c *pollCtx) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// TestDenseSolverStops: DenseSolver checks its context not only before every
// HVP of the assembly but between the blocks of the eigensolver (panels of
// the reduction, each eigenvalue, each vector, the back-transformation), so
// that a dense solve of any size stops within a fraction of a second. A
// context cancelled at each of those checks in turn stops the estimate with
// context.Canceled and no HVP after the assembly's; the solver's next
// estimate is complete. The old solver (dsyev in one call) had no check.
func TestDenseSolverStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const p = 200 // above the crossover: several panels of the blocked reduction
	op := reference.NewSpiked(rng, p, 0.1, []float64{2, 1.5, -1})
	ds := &hessian.DenseSolver{Top: 2, Bottom: 1}
	free := newPollCtx(0)
	want, err := ds.EstimateContext(free, op)
	if err != nil {
		t.Fatal(err)
	}
	// p checks before the HVPs, then at least one per panel (200 = 5·32 + a
	// last block of 40 > the crossover, each panel 32 wide at this size),
	// one per eigenvalue and vector, one per block of the
	// back-transformation and one per residual.
	if free.polls < p+5+3+1+3 {
		t.Fatalf("%d polls of the context in a dense estimate of order %d; want at least %d", free.polls, p, p+5+3+1+3)
	}
	for limit := p + 1; limit <= free.polls; limit++ {
		ctx := newPollCtx(limit)
		cnt := &hessian.Counter{Op: op}
		_, err := ds.EstimateContext(ctx, cnt)
		if !errors.Is(err, context.Canceled) || cnt.N != p {
			t.Fatalf("cancelled at poll %d of %d: error %v after %d HVPs; want context.Canceled after the assembly's %d", limit, free.polls, err, cnt.N, p)
		}
	}
	got, err := ds.Estimate(op)
	if err != nil || !slices.Equal(got.Top.Values, want.Top.Values) || !slices.Equal(got.Bottom.Values, want.Bottom.Values) {
		t.Errorf("after stopped estimates: %v %v, %v; want %v %v", got.Top.Values, got.Bottom.Values, err, want.Top.Values, want.Bottom.Values)
	}
}

// TestDenseSolverClusters: the inverse iteration behind DenseSolver returns
// orthonormal vectors with small residuals also for repeated and clustered
// eigenvalues (the identity, a matrix with a 5-fold top eigenvalue, one with
// eigenvalues 10⁻¹⁰ apart), and all p pairs of a random matrix agree with
// mat.EigenSym's values. Tolerances: residuals and values within p·ε·‖H‖
// (backward stability of the reduction), orthogonality within p·ε.
func TestDenseSolverClusters(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	spectra := map[string][]float64{}
	ones := make([]float64, 40)
	for i := range ones {
		ones[i] = 1
	}
	spectra["identity"] = ones
	five := make([]float64, 50)
	for i := range five {
		five[i] = float64(i%7) * 0.1
	}
	for i := 0; i < 5; i++ {
		five[i] = 3
	}
	spectra["5-fold top"] = five
	near := make([]float64, 60)
	for i := range near {
		near[i] = rng.NormFloat64()
	}
	near[0], near[1], near[2] = 4, 4+1e-10, 4-1e-10
	spectra["close"] = near
	random := make([]float64, 70)
	for i := range random {
		random[i] = rng.NormFloat64()
	}
	spectra["random, all pairs"] = random
	for name, eig := range spectra {
		p := len(eig)
		var h *mat.SymDense
		if name == "identity" {
			h = mat.NewSymDense(p, nil)
			for i := 0; i < p; i++ {
				h.SetSym(i, i, 1)
			}
		} else {
			h, _ = reference.SymmetricWithSpectrum(rng, eig)
		}
		top, bot := 6, 3
		if name == "random, all pairs" {
			top, bot = p-2, 2
		}
		ds := &hessian.DenseSolver{Top: top, Bottom: bot}
		r, err := ds.Estimate(reference.SymOperator{A: h})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var es mat.EigenSym
		es.Factorize(h, false)
		lam := es.Values(nil)
		norm := math.Max(math.Abs(lam[0]), math.Abs(lam[p-1]))
		tol := float64(p) * 0x1p-52 * math.Max(norm, 1)
		for i, v := range r.Top.Values {
			if math.Abs(v-lam[p-1-i]) > tol || r.Top.Residuals[i] > tol {
				t.Errorf("%s: top %d = %v (residual %.3g), EigenSym %v", name, i, v, r.Top.Residuals[i], lam[p-1-i])
			}
		}
		for i, v := range r.Bottom.Values {
			if math.Abs(v-lam[i]) > tol || r.Bottom.Residuals[i] > tol {
				t.Errorf("%s: bottom %d = %v (residual %.3g), EigenSym %v", name, i, v, r.Bottom.Residuals[i], lam[i])
			}
		}
		y := mat.NewDense(p, top+bot, nil)
		y.Augment(r.Top.Vectors, r.Bottom.Vectors)
		var g mat.Dense
		g.Mul(y.T(), y)
		for i := 0; i < top+bot; i++ {
			for j := 0; j < top+bot; j++ {
				want := 0.0
				if i == j {
					want = 1
				}
				if d := math.Abs(g.At(i, j) - want); d > float64(p)*0x1p-52 {
					t.Errorf("%s: (YᵀY)[%d][%d] = %v, want %v", name, i, j, g.At(i, j), want)
				}
			}
		}
		// Sturm counts: the number of eigenvalues above the midpoints of
		// the spectrum's gaps.
		for i := 1; i < p; i++ {
			if gap := lam[i] - lam[i-1]; gap > 1e-6 {
				if n := ds.CountAbove(lam[i-1] + gap/2); n != p-i {
					t.Errorf("%s: CountAbove between λ_%d and λ_%d = %d, want %d", name, i-1, i, n, p-i)
				}
			}
		}
	}
}
