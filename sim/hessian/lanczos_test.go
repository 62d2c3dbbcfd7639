package hessian_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/hessian"
)

// diagOp is the operator of diag(d): exact products, an exact oracle.
func diagOp(d []float64) sim.Operator {
	return sim.OperatorFunc{N: len(d), F: func(v, dst []float64) {
		for i, x := range d {
			dst[i] = x * v[i]
		}
	}}
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", name)
		}
	}()
	f()
}

// A start vector that is an eigenvector of a lower eigenvalue makes the
// Krylov space invariant after one step; the breakdown triggers a deflation
// check, which must find the true top.
func TestLanczosEigenvectorStart(t *testing.T) {
	d := []float64{3, 1, -4, 0.5, 2}
	start := make([]float64, len(d))
	start[1] = 1 // eigenvector of 1, not of the top 3
	res, err := hessian.Lanczos(diagOp(d), hessian.Settings{Start: start})
	if err != nil {
		t.Fatal(err)
	}
	// Exact products of a diagonal: the only error is dsyev's on a 5×5
	// projection, a few ulps of ‖H‖ = 4.
	if got := res.Top.Values[0]; math.Abs(got-3) > 1e-14 {
		t.Errorf("top = %v after an eigenvector start, want 3", got)
	}
	if res.Checks == 0 {
		t.Error("no deflation check after a breakdown")
	}
}

// A non-symmetric operator makes the true residual stall above the Lanczos
// estimate; the solver must say so within a few dozen HVPs instead of
// spending MaxHVPs.
func TestLanczosNonSymmetric(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := 80
	eig := make([]float64, p)
	for i := range eig {
		eig[i] = rng.NormFloat64()
	}
	h, _ := reference.SymmetricWithSpectrum(rng, eig)
	a := mat.NewDense(p, p, nil)
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			a.Set(i, j, h.At(i, j))
		}
	}
	for i := 0; i < p; i++ { // skew part of size ~1e-4·‖H‖
		for j := i + 1; j < p; j++ {
			s := 1e-4 * rng.NormFloat64() / math.Sqrt(float64(p))
			a.Set(i, j, a.At(i, j)+s)
			a.Set(j, i, a.At(j, i)-s)
		}
	}
	op := sim.OperatorFunc{N: p, F: func(v, dst []float64) {
		mat.NewVecDense(p, dst).MulVec(a, mat.NewVecDense(p, v))
	}}
	res, err := hessian.Lanczos(op, hessian.Settings{Tol: 1e-10, MaxKrylov: 20})
	var ce *hessian.ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a ConvergenceError", err)
	}
	if !strings.Contains(ce.Reason, "not symmetric") {
		t.Errorf("reason %q does not name the asymmetry", ce.Reason)
	}
	// The estimates converge in about as many steps as for the symmetric
	// part; the stall rule then stops after stallSteps more.
	if res.HVPs > 200 {
		t.Errorf("%d HVPs spent before giving up", res.HVPs)
	}
}

// A tolerance below the rounding level of the operator is reported, not
// looped on until MaxHVPs.
func TestLanczosToleranceBelowRounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	op := reference.NewSpiked(rng, 300, 0.1, []float64{1, 0.7, -1.5})
	res, err := hessian.Lanczos(op, hessian.Settings{Tol: 1e-18})
	var ce *hessian.ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a ConvergenceError", err)
	}
	if res.Converged || res.HVPs >= 5000 {
		t.Errorf("Converged = %v after %d HVPs", res.Converged, res.HVPs)
	}
	// The best estimate is still returned, with an honest residual: the
	// solve stops at the rounding level of the operator (relative residual
	// ~1e-15), so the eigenvalue 1, 0.3 above the next one, is accurate to
	// far better than 1e-12 (Kato–Temple: residual²/gap).
	if len(res.Top.Values) != 1 || math.Abs(res.Top.Values[0]-1) > 1e-12 {
		t.Errorf("best estimate %v, want ≈ 1", res.Top.Values)
	}
}

func TestLanczosNonFinite(t *testing.T) {
	op := sim.OperatorFunc{N: 10, F: func(v, dst []float64) {
		for i := range dst {
			dst[i] = math.NaN()
		}
	}}
	_, err := hessian.Lanczos(op, hessian.Settings{})
	var ne *hessian.NumericalError
	if !errors.As(err, &ne) {
		t.Errorf("err = %v, want a NumericalError", err)
	}
}

func TestLanczosPanics(t *testing.T) {
	op := diagOp(make([]float64, 5))
	mustPanic(t, "Top+Bottom > p", func() { hessian.Lanczos(op, hessian.Settings{Top: 3, Bottom: 3}) })
	mustPanic(t, "negative Top", func() { hessian.Lanczos(op, hessian.Settings{Top: -1}) })
	mustPanic(t, "short Start", func() { hessian.Lanczos(op, hessian.Settings{Start: make([]float64, 4)}) })
	mustPanic(t, "zero Start", func() { hessian.Lanczos(op, hessian.Settings{Start: make([]float64, 5)}) })
	big := diagOp(make([]float64, 50))
	mustPanic(t, "MaxKrylov too small", func() { hessian.Lanczos(big, hessian.Settings{Top: 4, MaxKrylov: 6}) })
	mustPanic(t, "negative Tol", func() { hessian.Lanczos(op, hessian.Settings{Tol: -1}) })
}

// Results are bit-identical whatever GOMAXPROCS is, including the dense
// path at a size where dsyev's updates use gonum's parallel dgemm (the
// kernels' own parallel paths need larger p: see
// TestGOMAXPROCSIndependenceLarge).
func TestGOMAXPROCSIndependence(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	op := reference.NewSpiked(rng, 300, 0.05, []float64{1, 0.9, 0.9, -2})
	run := func() []float64 {
		var out []float64
		op.SetTime(0) // the same operator in every run
		for _, est := range []hessian.Estimator{
			hessian.NewLanczosSolver(hessian.Settings{Top: 3, Bottom: 1}),
			&hessian.DenseSolver{Top: 3, Bottom: 1},
			hessian.NewPowerSolver(hessian.PowerSettings{Tol: 1e-5}),
		} {
			r, err := est.Estimate(op)
			if err != nil {
				t.Fatal(err)
			}
			out = append(append(out, r.Top.Values...), r.Bottom.Values...)
			out = append(out, r.Top.Residuals...)
		}
		// A tracker along a drift, with its cache and checks.
		tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Top: 2, Tol: 1e-7}, CheckEvery: 3, Cache: 64})
		for k := 0; k < 8; k++ {
			op.SetTime(0.02 * float64(k))
			r, err := tr.Estimate(op)
			if err != nil {
				t.Fatal(err)
			}
			out = append(append(out, r.Top.Values...), r.Top.Residuals...)
		}
		return out
	}
	reference.GOMAXPROCSIndependent(t, run)
}

// A solver reused on a second operator gives the same result as a fresh
// one (no state leaks between calls, the private generator is re-seeded).
func TestLanczosReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	a := reference.NewSpiked(rng, 120, 0.05, []float64{1, -2})
	b := reference.NewSpiked(rng, 150, 0.05, []float64{0.5, 0.4, -1})
	sv := hessian.NewLanczosSolver(hessian.Settings{Top: 2, Bottom: 1})
	if _, err := sv.Estimate(a); err != nil {
		t.Fatal(err)
	}
	r1, err := sv.Estimate(b)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := hessian.Lanczos(b, hessian.Settings{Top: 2, Bottom: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r1.HVPs != r2.HVPs || r1.Top.Values[0] != r2.Top.Values[0] || r1.Bottom.Values[0] != r2.Bottom.Values[0] {
		t.Errorf("reused solver %v/%v (%d HVPs) differs from a fresh one %v/%v (%d HVPs)",
			r1.Top.Values, r1.Bottom.Values, r1.HVPs, r2.Top.Values, r2.Bottom.Values, r2.HVPs)
	}
}

// lowRank is diag(d) + Σ_k λ_k u_k u_kᵀ with unit u_k: an operator of any
// size whose HVP costs O(p), so that a test can reach the sizes where the
// kernels split products between goroutines.
type lowRank struct {
	d, lam, c []float64
	u         [][]float64
}

func (o *lowRank) Dim() int { return len(o.d) }

func (o *lowRank) Apply(v, dst []float64) {
	for i := range v {
		dst[i] = o.d[i] * v[i]
	}
	for k, u := range o.u {
		o.c[k] = o.lam[k] * floats.Dot(u, v)
	}
	for k, u := range o.u {
		floats.AddScaled(dst, o.c[k], u)
	}
}

// newLowRank returns the operator at time t of a drifting sequence: a bulk
// spread over [−0.3, 0.3], spikes 1 + 0.02 sin t, 0.9, 0.85 and −2.
func newLowRank(p int, t float64) *lowRank {
	rng := rand.New(rand.NewPCG(1, 2))
	o := &lowRank{d: make([]float64, p), lam: []float64{1 + 0.02*math.Sin(t), 0.9, 0.85, -2}, c: make([]float64, 4)}
	for i := range o.d {
		o.d[i] = 0.6 * (float64(i)/float64(p) - 0.5)
	}
	for k := range o.lam {
		u := make([]float64, p)
		for i := range u {
			u[i] = rng.NormFloat64() + 0.01*t*math.Cos(float64(i*k))
		}
		floats.Scale(1/floats.Norm(u, 2), u)
		o.u = append(o.u, u)
	}
	return o
}

// At p = 30000 the kernels run the engine's products on two goroutines
// when GOMAXPROCS allows (Gram–Schmidt GEMVs of 40×30000 ≥ 2²⁰ elements,
// cache merges of more than 4 MFLOP), unlike the p = 300 case above: the
// results must still be bit-identical.
func TestGOMAXPROCSIndependenceLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("p = 30000: a few seconds")
	}
	const p = 30000
	ops := make([]*lowRank, 6)
	for k := range ops {
		ops[k] = newLowRank(p, float64(k))
	}
	run := func() []float64 {
		var out []float64
		tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Top: 3, Tol: 1e-8, Check: hessian.CheckAlways}})
		for _, o := range ops {
			r, err := tr.Estimate(o)
			if err != nil {
				t.Fatal(err)
			}
			out = append(append(out, r.Top.Values...), r.Top.Residuals...)
			out = append(out, float64(r.HVPs))
		}
		r, err := hessian.Lanczos(ops[0], hessian.Settings{Top: 2, Bottom: 1, Tol: 1e-10})
		if err != nil {
			t.Fatal(err)
		}
		return append(append(out, r.Top.Values...), r.Bottom.Values...)
	}
	reference.GOMAXPROCSIndependent(t, run)
}
