package hessian_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/hessian"
)

// For a diagonal H, zᵀHz = Σ d_i for every Rademacher z (z_i² = 1): every
// sample is exact and the standard error is zero, up to rounding.
func TestHutchinsonDiagonal(t *testing.T) {
	d := []float64{3, -1, 0.5, 2, -4, 1e-3}
	r, err := hessian.Hutchinson(diagOp(d), hessian.TraceSettings{Samples: 20})
	if err != nil {
		t.Fatal(err)
	}
	// A sum of 6 terms of size ≤ 4: |error| ≤ 6·ε·Σ|d_i|.
	if math.Abs(r.Trace-0.501) > 1e-14 || r.StdErr > 1e-14 || r.HVPs != 20 {
		t.Errorf("trace %v ± %v (%d HVPs), want 0.501 ± 0", r.Trace, r.StdErr, r.HVPs)
	}
}

// On a dense matrix the estimate is within a few standard errors of the
// trace, and the standard error matches the Rademacher variance
// 2(‖H‖_F² − Σ H_ii²)/N.
func TestHutchinsonDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	p := 50
	eig := make([]float64, p)
	var tr float64
	for i := range eig {
		eig[i] = rng.NormFloat64()
		tr += eig[i]
	}
	h, _ := reference.SymmetricWithSpectrum(rng, eig)
	var fro2, diag2 float64
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			fro2 += h.At(i, j) * h.At(i, j)
		}
		diag2 += h.At(i, i) * h.At(i, i)
	}
	const n = 400
	r, err := hessian.Hutchinson(reference.SymOperator{A: h}, hessian.TraceSettings{Samples: n, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	sd := math.Sqrt(2 * (fro2 - diag2) / n)
	// 5 standard errors: a two-sided normal tail of 6e-7 (the seed is
	// fixed, so this either always passes or always fails).
	if math.Abs(r.Trace-tr) > 5*sd {
		t.Errorf("trace %v, want %v ± %v", r.Trace, tr, sd)
	}
	// With 400 samples the sample standard deviation is within ±15% of the
	// true one with overwhelming probability (its relative sd is about
	// √(κ/4N) with the kurtosis κ of zᵀHz small here); allow a factor 1.5.
	if r.StdErr < sd/1.5 || r.StdErr > sd*1.5 {
		t.Errorf("standard error %v, expected about %v", r.StdErr, sd)
	}
}

// For a diagonal H with few distinct values, each Lanczos run breaks down
// after as many steps as there are distinct values, and its Gauss
// quadrature is exact: the nodes are the values and the weight of each is
// its multiplicity over p, for any Rademacher start.
func TestSLQDistinctValues(t *testing.T) {
	d := []float64{2, -1, 2, 0.5, 2, -1, 0.5, 0.5, 0.5, 2}
	want := map[float64]float64{2: 0.4, -1: 0.2, 0.5: 0.4}
	res, err := hessian.SLQ(diagOp(d), hessian.DensitySettings{Runs: 3, Steps: 8})
	if err != nil {
		t.Fatal(err)
	}
	got := map[float64]float64{}
	for i, x := range res.Nodes {
		// Nodes are eigenvalues of a 3×3 projection of a diagonal matrix
		// with exact products: a few ulps.
		for v := range want {
			if math.Abs(x-v) < 1e-13 {
				x = v
			}
		}
		got[x] += res.Weights[i]
	}
	for v, w := range want {
		if math.Abs(got[v]-w) > 1e-13 {
			t.Errorf("weight of %v = %v, want %v (nodes %v)", v, got[v], w, res.Nodes)
		}
	}
	if len(res.Nodes) != 9 || res.HVPs != 9 {
		t.Errorf("%d nodes and %d HVPs, want 9 and 9 (breakdown after 3 steps per run)", len(res.Nodes), res.HVPs)
	}
}

// Gauss quadrature with m ≥ 2 nodes integrates t and t² exactly, so for one
// run p·Σ w_i t_i = zᵀHz and p·Σ w_i t_i² = ‖Hz‖² with z the start vector:
// for a diagonal H these are Σ d_i and Σ d_i² for every Rademacher z.
// On a dense H the first moment equals Hutchinson's single sample from the
// same generator state.
func TestSLQMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	p := 40
	d := make([]float64, p)
	var s1, s2 float64
	for i := range d {
		d[i] = rng.NormFloat64()
		s1 += d[i]
		s2 += d[i] * d[i]
	}
	res, err := hessian.SLQ(diagOp(d), hessian.DensitySettings{Runs: 1, Steps: 10})
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1, m2 float64
	for i, x := range res.Nodes {
		m0 += res.Weights[i]
		m1 += res.Weights[i] * x
		m2 += res.Weights[i] * x * x
	}
	// Rounding: the quadrature reproduces vᵀHv through a 10×10
	// eigendecomposition of ‖H‖-sized entries: a few ε·‖H‖·√m per moment.
	if math.Abs(m0-1) > 1e-14 || math.Abs(float64(p)*m1-s1) > 1e-12 || math.Abs(float64(p)*m2-s2) > 1e-12 {
		t.Errorf("moments %v, %v, %v; want 1, %v, %v", m0, float64(p)*m1, float64(p)*m2, s1, s2)
	}

	h, _ := reference.SymmetricWithSpectrum(rng, d)
	op := reference.SymOperator{A: h}
	sl, _ := hessian.SLQ(op, hessian.DensitySettings{Runs: 1, Steps: 12, Rand: rand.New(rand.NewPCG(7, 7))})
	hu, _ := hessian.Hutchinson(op, hessian.TraceSettings{Samples: 1, Rand: rand.New(rand.NewPCG(7, 7))})
	m1 = 0
	for i, x := range sl.Nodes {
		m1 += sl.Weights[i] * x
	}
	if math.Abs(float64(p)*m1-hu.Trace) > 1e-12 {
		t.Errorf("SLQ first moment ·p = %v, Hutchinson's sample %v", float64(p)*m1, hu.Trace)
	}
}

// The smoothed density integrates to one (trapezoidal rule on a grid that
// covers every node by 8σ: the tails and the rule's error are below 1e-6).
func TestSmooth(t *testing.T) {
	rng := rand.New(rand.NewPCG(55, 56))
	op := reference.NewSpiked(rng, 200, 0.1, []float64{1, -0.5})
	d, err := hessian.SLQ(op, hessian.DensitySettings{Runs: 4, Steps: 30})
	if err != nil {
		t.Fatal(err)
	}
	const sigma = 0.02
	n := 2001
	grid := make([]float64, n)
	lo, hi := -0.5-8*sigma, 1+8*sigma
	for i := range grid {
		grid[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	f := d.Smooth(nil, grid, sigma)
	var integral float64
	for i := 1; i < n; i++ {
		integral += 0.5 * (f[i] + f[i-1]) * (grid[i] - grid[i-1])
	}
	if math.Abs(integral-1) > 1e-6 {
		t.Errorf("∫ density = %v, want 1", integral)
	}
	mustPanic(t, "sigma ≤ 0", func() { d.Smooth(nil, grid, 0) })
	mustPanic(t, "short dst", func() { d.Smooth(make([]float64, 3), grid, sigma) })
}
