package hessian_test

import (
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/hessian"
)

// Every estimator runs the conformance battery of reference.EstimatorSuite,
// with the capabilities it claims.

func TestDenseSuite(t *testing.T) {
	reference.EstimatorSuite(t, func(top, bottom int) hessian.Estimator {
		return &hessian.DenseSolver{Top: top, Bottom: bottom}
	}, reference.EstimatorCaps{MaxBottom: 1 << 30, Multiplicity: true})
}

func TestLanczosSuite(t *testing.T) {
	tols := []float64{1e-8, 1e-12}
	if testing.Short() {
		tols = tols[:1]
	}
	for _, tol := range tols {
		reference.EstimatorSuite(t, func(top, bottom int) hessian.Estimator {
			return hessian.NewLanczosSolver(hessian.Settings{Top: top, Bottom: bottom, Tol: tol})
		}, reference.EstimatorCaps{MaxBottom: 1 << 30, Tol: tol, Multiplicity: true})
	}
}

// A small basis forces many thick restarts and deflation checks near the
// capacity limit.
func TestLanczosSuiteSmallBasis(t *testing.T) {
	reference.EstimatorSuite(t, func(top, bottom int) hessian.Estimator {
		return hessian.NewLanczosSolver(hessian.Settings{Top: top, Bottom: bottom, MaxKrylov: 2*(top+bottom) + 6})
	}, reference.EstimatorCaps{MaxBottom: 1 << 30, Tol: hessian.DefaultTol, Multiplicity: true})
}

func TestPowerSuite(t *testing.T) {
	reference.EstimatorSuite(t, func(top, bottom int) hessian.Estimator {
		return hessian.NewPowerSolver(hessian.PowerSettings{Tol: 1e-6})
	}, reference.EstimatorCaps{MaxTop: 1, Tol: 1e-6})
}

// Only a tracker that checks at every estimate can promise the right answer
// for an arbitrary operator (the suite warms it on a decoy with the same
// spectrum and other eigenvectors); the periodic checks of CheckAuto are
// tested on drifting sequences in tracker_test.go.
func TestTrackerSuite(t *testing.T) {
	reference.EstimatorSuite(t, func(top, bottom int) hessian.Estimator {
		return hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Top: top, Bottom: bottom, Check: hessian.CheckAlways}})
	}, reference.EstimatorCaps{MaxBottom: 1 << 30, Tol: hessian.DefaultTol, Multiplicity: true})
}
