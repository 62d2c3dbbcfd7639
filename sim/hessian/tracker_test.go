package hessian_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/hessian"
)

// spikedTop returns the largest outlier of a Spiked operator whose bulk lies
// below all positive outliers: its exact top eigenvalue.
func spikedTop(s *reference.Spiked) float64 {
	m := math.Inf(-1)
	for _, l := range s.Lambda {
		m = math.Max(m, l)
	}
	return m
}

// valueTol is the accuracy the tests demand of a converged top value: its
// residual r ≤ Tol·‖H‖ bounds the error by r (Weyl), and the gaps used here
// (≥ 0.01) give r²/gap ≪ 1e-9 (Kato–Temple); 1e-9 leaves room for both.
const valueTol = 1e-9

// Two tracked eigenvalues cross (fixed eigenvectors: an exact crossing, the
// hardest case, where the old top eigenvector stays an exact eigenvector of
// the now second eigenvalue). The tracker carries the second eigenvector as
// an extra, so its Rayleigh–Ritz step resolves the crossing at once, with
// no deflation check.
func TestTrackerTrackedCrossing(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	op := reference.NewSpiked(rng, 300, 0.05, []float64{1, 0.9, 0.6, 0.4, -2})
	tr := hessian.NewTracker(hessian.TrackerSettings{CheckEvery: 1000})
	for k := 0; k < 12; k++ {
		op.Lambda[0] = 1 - 0.02*float64(k)
		op.Lambda[1] = 0.9 + 0.01*float64(k) // crosses between k = 3 and 4
		r, err := tr.Estimate(op)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Top.Values[0], spikedTop(op); math.Abs(got-want) > valueTol {
			t.Errorf("k=%d: top %v, want %v", k, got, want)
		}
		if k > 0 && r.Checks > 0 {
			t.Errorf("k=%d: a deflation check ran; the crossing should be resolved by the warm block", k)
		}
	}
}

// An eigenvalue from outside the tracked vectors rises above the top. With
// fixed eigenvectors the warm block stays invariant, so only a deflation
// check can see it: under CheckAuto the tracker may report the old top for
// at most CheckEvery−1 estimates; under CheckAlways never.
func TestTrackerOutsideCrossing(t *testing.T) {
	const every = 4
	for _, c := range []struct {
		name   string
		policy hessian.CheckPolicy
		lag    int
	}{{"auto", hessian.CheckAuto, every - 1}, {"always", hessian.CheckAlways, 0}} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(23, 24))
			op := reference.NewSpiked(rng, 300, 0.05, []float64{1, 0.9, 0.8, 0.3, -2})
			tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Check: c.policy}, CheckEvery: every})
			crossed, wrong := -1, 0
			for k := 0; k < 20; k++ {
				op.Lambda[3] = 0.3 + 0.1*float64(k) // the 4th eigenvalue, not tracked: above 1 from k = 8
				if crossed < 0 && op.Lambda[3] > 1 {
					crossed = k
				}
				r, err := tr.Estimate(op)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(r.Top.Values[0]-spikedTop(op)) > valueTol {
					wrong++
					if crossed < 0 || k >= crossed+c.lag+1 || k < crossed {
						t.Errorf("k=%d: top %v, want %v (crossing at k=%d, allowed lag %d)", k, r.Top.Values[0], spikedTop(op), crossed, c.lag)
					}
				}
			}
			if c.lag == 0 && wrong > 0 {
				t.Errorf("%d wrong estimates under CheckAlways", wrong)
			}
		})
	}
}

// Along a smooth drift (like the Hessian along a GD trajectory), warm
// estimates cost a fraction of cold ones. The figure is deterministic (fixed
// seeds), so the test asserts it with a wide margin.
func TestTrackerCheaperThanCold(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	op := reference.NewSpiked(rng, 400, 0.05, []float64{1, 0.8, 0.6, 0.45, 0.3, -2.5, -1.8, -1.2})
	tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Tol: 1e-6}, CheckEvery: 1000})
	cold := hessian.NewLanczosSolver(hessian.Settings{Tol: 1e-6})
	var warmHVPs, coldHVPs int
	for k := 0; k < 30; k++ {
		op.Lambda[0] = 1 + 0.03*math.Sin(0.9*float64(k))
		op.SetTime(0.01 * float64(k))
		r, err := tr.Estimate(op)
		if err != nil {
			t.Fatal(err)
		}
		c, err := cold.Estimate(op)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Top.Values[0]-c.Top.Values[0]) > valueTol {
			t.Errorf("k=%d: tracker %v, cold %v", k, r.Top.Values[0], c.Top.Values[0])
		}
		if k > 0 {
			warmHVPs += r.HVPs
			coldHVPs += c.HVPs
		}
	}
	t.Logf("mean HVPs per estimate: warm %.2f, cold %.2f", float64(warmHVPs)/29, float64(coldHVPs)/29)
	if 2*warmHVPs > coldHVPs {
		t.Errorf("warm %d HVPs vs cold %d: the warm start does not pay", warmHVPs, coldHVPs)
	}
}

// The bottom end is tracked like the top one.
func TestTrackerBottom(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	op := reference.NewSpiked(rng, 200, 0.05, []float64{1, -2, -1.9, -1.5})
	tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Top: 1, Bottom: 2}})
	for k := 0; k < 10; k++ {
		op.Lambda[1] = -2 + 0.05*float64(k) // crosses −1.9 at k = 2
		op.Rotate(rng, 0.01)
		r, err := tr.Estimate(op)
		if err != nil {
			t.Fatal(err)
		}
		lo := []float64{op.Lambda[1], op.Lambda[2], op.Lambda[3]}
		if lo[0] > lo[1] {
			lo[0], lo[1] = lo[1], lo[0]
		}
		for i := 0; i < 2; i++ {
			if math.Abs(r.Bottom.Values[i]-lo[i]) > valueTol {
				t.Errorf("k=%d: bottom %v, want %v", k, r.Bottom.Values, lo[:2])
			}
		}
		if math.Abs(r.Top.Values[0]-1) > valueTol {
			t.Errorf("k=%d: top %v, want 1", k, r.Top.Values[0])
		}
	}
}

// A change of dimension, or Reset, makes the next estimate cold.
func TestTrackerColdStarts(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	a := reference.NewSpiked(rng, 100, 0.05, []float64{1, -1})
	b := reference.NewSpiked(rng, 120, 0.05, []float64{2, -1})
	tr := hessian.NewTracker(hessian.TrackerSettings{})
	want := []struct {
		op   *reference.Spiked
		cold bool
	}{{a, true}, {a, false}, {b, true}, {b, false}}
	for i, w := range want {
		r, err := tr.Estimate(w.op)
		if err != nil {
			t.Fatal(err)
		}
		if r.Cold != w.cold {
			t.Errorf("call %d: Cold = %v, want %v", i, r.Cold, w.cold)
		}
	}
	tr.Reset()
	if r, _ := tr.Estimate(b); !r.Cold {
		t.Error("estimate after Reset is not cold")
	}
}

// In the warm (Davidson) path a tolerance below the rounding level is
// detected by the stagnation rule, not looped on until MaxHVPs.
func TestTrackerToleranceBelowRounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	op := reference.NewSpiked(rng, 150, 0.05, []float64{1, 0.7, -1})
	tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Tol: 1e-6}})
	if _, err := tr.Estimate(op); err != nil {
		t.Fatal(err)
	}
	tr.Settings.Tol = 1e-18
	op.SetTime(0.01)
	res, err := tr.Estimate(op)
	var ce *hessian.ConvergenceError
	if !errors.As(err, &ce) || res.Cold {
		t.Fatalf("warm estimate: err = %v, cold = %v; want a ConvergenceError from the warm path", err, res.Cold)
	}
	// The rule allows 3·MaxKrylov (90) steps without halving the residual.
	if res.HVPs > 300 {
		t.Errorf("%d HVPs spent before giving up", res.HVPs)
	}
	if math.Abs(res.Top.Values[0]-1) > valueTol {
		t.Errorf("best estimate %v, want 1", res.Top.Values[0])
	}
}
