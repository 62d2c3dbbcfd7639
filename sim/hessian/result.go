package hessian

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim"
)

// An Estimator computes extreme eigenpairs of a symmetric operator. Which
// and how many pairs, and to what tolerance, is part of the estimator's
// settings. DenseSolver, LanczosSolver, PowerSolver and Tracker implement it.
type Estimator interface {
	// Estimate returns eigenpairs of op. When some wanted pair did not reach
	// the tolerance it returns the best estimates together with a
	// *ConvergenceError (fewer pairs than asked for when the HVP budget ran
	// out before the Krylov space had that many vectors).
	Estimate(op sim.Operator) (Result, error)
}

// A ContextEstimator is an Estimator that can be stopped: EstimateContext
// is Estimate, except that once ctx is done it returns early with an error
// wrapping ctx.Err() (test it with errors.Is(err, context.Canceled)). The
// estimators of this package check the context before every
// Hessian-vector product, and DenseSolver also between the blocks of its
// eigensolver, so a cancellation is seen within one HVP or a fraction of a
// second of dense work. DenseSolver, LanczosSolver, PowerSolver and Tracker
// implement it.
type ContextEstimator interface {
	Estimator
	EstimateContext(ctx context.Context, op sim.Operator) (Result, error)
}

// Pairs holds eigenpairs from one end of the spectrum, most extreme first.
type Pairs struct {
	// Values are the eigenvalue estimates: for Result.Top in decreasing
	// order (Values[0] is the sharpness), for Result.Bottom in increasing
	// order (Values[0] is the most negative).
	Values []float64
	// Vectors is p×len(Values); column i is the unit eigenvector estimate of
	// Values[i]. It is nil when there are no values.
	Vectors *mat.Dense
	// Residuals[i] = ‖H y_i − λ_i y_i‖₂ for the unit vector y_i, the true
	// residual computed from Hessian-vector images (see the package
	// documentation), absolute, not relative.
	Residuals []float64
}

// Result is what an estimator returns.
type Result struct {
	// Top holds the largest algebraic eigenvalues, Bottom the smallest.
	Top, Bottom Pairs
	// Norm is the scale of the relative residual test: the largest |Ritz
	// value| seen (an estimate, and a lower bound, of ‖H‖₂), or the
	// estimator's norm hint when that was larger.
	Norm float64
	// HVPs is the number of operator applications the estimate used.
	HVPs int
	// Restarts counts thick restarts of the Krylov space; Checks counts
	// deflation checks (fresh-vector Krylov runs looking for eigenvalues the
	// first run missed); Cold reports whether a Tracker had to start cold.
	Restarts, Checks int
	Cold             bool
	// Converged reports whether every wanted pair met the tolerance.
	Converged bool
}

// Sharpness returns Top.Values[0], the largest algebraic eigenvalue, and its
// residual. It panics when Top is empty.
func (r Result) Sharpness() (lambda, residual float64) {
	if len(r.Top.Values) == 0 {
		panic("hessian: Sharpness of a result without top eigenvalues")
	}
	return r.Top.Values[0], r.Top.Residuals[0]
}

// ConvergenceError reports that an estimator stopped before every wanted pair
// met its tolerance: it ran out of HVPs (MaxHVPs), the tolerance is below
// the rounding level of the operator, or a deflation check ran out of room.
type ConvergenceError struct {
	Method string
	// HVPs used; Wanted and Converged count eigenpairs.
	HVPs, Wanted, Converged int
	// Worst is the largest relative residual among the wanted pairs.
	Worst, Tol float64
	// Reason says why the estimator stopped.
	Reason string
}

// Error implements error.
func (e *ConvergenceError) Error() string {
	return fmt.Sprintf("hessian: %s: %d of %d eigenpairs converged after %d HVPs (worst relative residual %.3g, tol %.3g): %s",
		e.Method, e.Converged, e.Wanted, e.HVPs, e.Worst, e.Tol, e.Reason)
}

// NumericalError reports a numerical failure: a non-finite operator output
// or a failed dense eigendecomposition.
type NumericalError struct {
	Method, What string
}

// Error implements error.
func (e *NumericalError) Error() string {
	return fmt.Sprintf("hessian: %s: %s", e.Method, e.What)
}
