package hessian

import (
	"context"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"github.com/eoskit/eoskit/sim"
)

// PowerSettings configure PowerSolver. The zero value iterates to relative
// residual 1e-8.
type PowerSettings struct {
	// Tol is the relative residual ‖Hx − λx‖/max(|λ|, ‖H‖ estimate) to reach.
	// Default 1e-8.
	Tol float64
	// MaxHVPs bounds the number of operator applications. Default 20000.
	MaxHVPs int
	// Rand generates the start vector; nil means a generator seeded with
	// DefaultSeed at every call.
	Rand *rand.Rand
	// Start, when not nil, is the start vector (length p, not zero).
	Start []float64
}

// probeSteps is the number of unshifted steps used to learn the sign and
// size of the dominant eigenvalue before the shift is chosen.
const probeSteps = 20

// PowerSolver is shifted power iteration for the top eigenpair, kept as a
// comparison method: it needs many more HVPs than Lanczos.
//
// Plain power iteration converges to the eigenvalue of largest magnitude,
// which is the most negative one when |λ_min| > λ_max (as for the mean-field
// two-layer network at initialisation). It therefore starts with up to
// probeSteps unshifted steps. If they converge (relative residual 1e-2) to a
// positive value, that value is λ_max and it continues unshifted; if to a
// negative value μ ≈ λ_min, it continues on H − μI, which is positive
// semidefinite up to the error of μ; if they do not converge (two dominant
// eigenvalues of opposite sign and similar size), it continues on H + 1.01ρI
// with ρ = max‖Hx‖ seen, an estimate from below of ‖H‖₂. In the last two
// cases the largest eigenvalue of the shifted operator is λ_max + σ, and the
// convergence factor is (λ₂ + σ)/(λ_max + σ), and the shifted iteration
// restarts from the start vector, because the probe steps have damped its
// λ_max component by (λ_max/ρ)^k, possibly below the rounding level (the
// iterate would then converge to a lower eigenvector with a small residual).
//
// Convergence is judged on the true residual, which power iteration gets
// for free. A PowerSolver reuses its buffers and does not allocate after the
// first call on a given dimension.
type PowerSolver struct {
	// Settings are read at every Estimate.
	Settings PowerSettings
	rng      seeded
	x, y, r  []float64
	x0       []float64
	out      outPairs
}

// NewPowerSolver returns a solver with the given settings.
func NewPowerSolver(s PowerSettings) *PowerSolver { return &PowerSolver{Settings: s} }

// Power computes the top eigenpair of op with a fresh PowerSolver.
func Power(op sim.Operator, s PowerSettings) (Result, error) {
	return NewPowerSolver(s).Estimate(op)
}

// Estimate implements Estimator; it returns Top only.
func (ps *PowerSolver) Estimate(op sim.Operator) (Result, error) {
	return ps.EstimateContext(context.Background(), op)
}

// EstimateContext implements ContextEstimator.
func (ps *PowerSolver) EstimateContext(ctx context.Context, op sim.Operator) (Result, error) {
	s := ps.Settings
	if s.Tol == 0 {
		s.Tol = DefaultTol
	}
	if s.MaxHVPs == 0 {
		s.MaxHVPs = 20000
	}
	p := op.Dim()
	if len(ps.x) != p {
		ps.x, ps.y, ps.r, ps.x0 = make([]float64, p), make([]float64, p), make([]float64, p), make([]float64, p)
	}
	x, y, r := ps.x, ps.y, ps.r
	if s.Start != nil {
		if len(s.Start) != p {
			panic("hessian: Power: len(Start) != p")
		}
		copy(x, s.Start)
	} else {
		gaussian(ps.rng.get(s.Rand, true), x)
	}
	nx := nrm2(x)
	if nx == 0 {
		panic("hessian: Power: zero start vector")
	}
	floats.Scale(1/nx, x)
	copy(ps.x0, x)

	var (
		hvps  int
		theta float64 // Rayleigh quotient xᵀHx
		res   float64 // ‖Hx − θx‖
		rho   float64 // largest ‖Hx‖ seen: a lower bound of ‖H‖₂
		sigma float64 // shift
		probe = true
	)
	for {
		if err := stopped(ctx); err != nil {
			return Result{HVPs: hvps}, err
		}
		op.Apply(x, y)
		hvps++
		if !finite(y) {
			return Result{HVPs: hvps}, &NumericalError{Method: "Power", What: "operator returned a non-finite value"}
		}
		theta = dot(x, y)
		floats.AddScaledTo(r, y, -theta, x)
		res = nrm2(r)
		rho = math.Max(rho, nrm2(y))
		scale := math.Max(rho, math.Abs(theta))
		if probe {
			conv := res <= 1e-2*scale
			if conv || hvps >= min(probeSteps, s.MaxHVPs) {
				probe = false
				switch {
				case conv && theta > 0:
					sigma = 0
				case conv:
					sigma = -theta
				default:
					sigma = 1.01 * rho
				}
				if sigma != 0 && hvps < s.MaxHVPs {
					// The probe steps have damped every component but the
					// dominant one by (|λ|/ρ)^k, possibly below rounding:
					// the shifted iteration starts again from x0.
					copy(x, ps.x0)
					continue
				}
			}
		}
		if !probe && (res <= s.Tol*scale || hvps >= s.MaxHVPs) {
			break
		}
		// x ← (H + σI)x / ‖·‖; the probe steps use σ = 0.
		axpy(sigma, x, y)
		ny := nrm2(y)
		if ny == 0 {
			// x is in the null space of H + σI: restart from a fresh vector.
			gaussian(ps.rng.get(s.Rand, false), x)
			floats.Scale(1/nrm2(x), x)
			continue
		}
		floats.ScaleTo(x, 1/ny, y)
	}
	ps.out.ensure(p, 1, 0)
	ps.out.set(true, 0, 0, theta, res, x)
	out := ps.out.result(1, 0)
	out.Norm = math.Max(rho, math.Abs(theta))
	out.HVPs = hvps
	out.Converged = res <= s.Tol*out.Norm
	if !out.Converged {
		return out, &ConvergenceError{Method: "Power", HVPs: hvps, Wanted: 1, Worst: res / out.Norm, Tol: s.Tol, Reason: "MaxHVPs reached"}
	}
	return out, nil
}
