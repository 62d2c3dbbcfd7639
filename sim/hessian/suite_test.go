package hessian_test

import (
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/kernel"
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

// The vector products on other kernels: the pure-Go ones (what
// kernel.Default runs on a CPU without AVX2 and FMA, rounded differently
// from the assembly), gonum's and the naive reference. The same battery
// and tolerances hold.
func TestSuiteOtherKernels(t *testing.T) {
	names := []string{"tuned", "gonum", "naive"}
	if testing.Short() {
		names = names[:1]
	}
	for _, name := range names {
		be, err := kernel.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		k := &countingKernel{Backend: be}
		t.Run("kernel="+name, func(t *testing.T) {
			defer func() {
				if k.calls == 0 {
					t.Errorf("Settings.Kernel = %s was never called", name)
				}
			}()
			reference.EstimatorSuite(t, func(top, bottom int) hessian.Estimator {
				return hessian.NewLanczosSolver(hessian.Settings{Top: top, Bottom: bottom, Kernel: k})
			}, reference.EstimatorCaps{MaxBottom: 1 << 30, Tol: hessian.DefaultTol, Multiplicity: true})
			reference.EstimatorSuite(t, func(top, bottom int) hessian.Estimator {
				return hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Top: top, Bottom: bottom, Check: hessian.CheckAlways, Kernel: k}})
			}, reference.EstimatorCaps{MaxBottom: 1 << 30, Tol: hessian.DefaultTol, Multiplicity: true})
		})
	}
}

// countingKernel counts the products a solver asks of its kernel.
type countingKernel struct {
	kernel.Backend
	calls int
}

func (c *countingKernel) Gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, cc []float64, ldc int) {
	c.calls++
	c.Backend.Gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

func (c *countingKernel) Gemv(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	c.calls++
	c.Backend.Gemv(tA, m, n, alpha, a, lda, x, beta, y)
}
