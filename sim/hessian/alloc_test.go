package hessian_test

import (
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/hessian"
)

// The estimators keep their workspace: after a first call on a given
// dimension, further calls do not allocate (the Spiked operator itself does
// not allocate).
func TestNoAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	op := reference.NewSpiked(rng, 200, 0.05, []float64{1, 0.8, 0.5, -2, -1})
	cases := []struct {
		name string
		est  hessian.Estimator
	}{
		{"lanczos/top1", hessian.NewLanczosSolver(hessian.Settings{})},
		{"lanczos/top3-bottom2-checked", hessian.NewLanczosSolver(hessian.Settings{Top: 3, Bottom: 2})},
		{"lanczos/restarts", hessian.NewLanczosSolver(hessian.Settings{Top: 2, MaxKrylov: 8})},
		{"tracker", hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Tol: 1e-6}})},
		{"tracker/always", hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Check: hessian.CheckAlways}})},
		{"power", hessian.NewPowerSolver(hessian.PowerSettings{Tol: 1e-4})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.est.Estimate(op); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(3, func() {
				if _, err := c.est.Estimate(op); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per Estimate", allocs)
			}
		})
	}
	// A tracker on two interleaved sequences, with deflation checks and a
	// large basis: its cache merges products of order Cache+MaxKrylov > 64.
	t.Run("tracker/interleaved-checked", func(t *testing.T) {
		op2 := reference.NewSpiked(rng, 200, 0.05, []float64{1.2, 0.7, -1.5})
		tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Tol: 1e-6, Check: hessian.CheckAlways, MaxKrylov: 60}, Cache: 64})
		for i := 0; i < 4; i++ {
			for _, o := range []*reference.Spiked{op, op2} {
				if _, err := tr.Estimate(o); err != nil {
					t.Fatal(err)
				}
			}
		}
		allocs := testing.AllocsPerRun(3, func() {
			for _, o := range []*reference.Spiked{op, op2} {
				if _, err := tr.Estimate(o); err != nil {
					t.Fatal(err)
				}
			}
		})
		if allocs != 0 {
			t.Errorf("%v allocations per pair of estimates", allocs)
		}
	})
	// DenseSolver: below p ≈ 128 dsyev's blocked updates stay under gonum's
	// threshold for parallel dgemm, whose goroutine bookkeeping allocates.
	small := reference.NewSpiked(rng, 100, 0.05, []float64{1, -2})
	d := &hessian.DenseSolver{Top: 2, Bottom: 1}
	if _, err := d.Estimate(small); err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(3, func() { d.Estimate(small) }); allocs != 0 {
		t.Errorf("DenseSolver: %v allocations per Estimate", allocs)
	}
}
