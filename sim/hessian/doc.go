// Package hessian holds matrix-free spectral estimators of a symmetric
// operator, typically the Hessian ∇²E(θ) of an objective at a fixed θ seen
// only through Hessian-vector products (HVPs).
//
// Sharpness in eoskit is the largest *algebraic* eigenvalue λ_max of ∇²E,
// never the eigenvalue of largest magnitude: a large negative curvature is
// not sharpness. Every estimator here reports the largest algebraic end as
// Result.Top and, on request, the smallest algebraic (most negative) end as
// Result.Bottom.
//
// # Estimators
//
//   - Dense (one-shot, all eigenpairs) and DenseSolver (an Estimator)
//     assemble the p×p matrix from p operator applications, symmetrise it,
//     report the asymmetry ‖H−Hᵀ‖_F/‖H‖_F as a diagnostic, and decompose it
//     with LAPACK's dsyev (mat.EigenSym). They are the reference for small
//     models (p up to a few hundred).
//   - LanczosSolver (and the one-shot function Lanczos) runs thick-restart
//     Lanczos with full reorthogonalisation for the top-k and bottom-k
//     eigenpairs. Exact multiplicities, which a single Krylov sequence cannot
//     see, are found by a deflation check: after convergence the converged
//     vectors are locked and a fresh random vector, orthogonal to them, starts
//     a new Krylov sequence that must not find anything beyond the k-th value.
//   - PowerSolver (and Power) is shifted power iteration for the top
//     eigenpair, kept as a comparison method.
//   - Tracker carries eigenvectors from one GD step to the next and restarts
//     from them (a warm block of the previous eigenvectors and those of the
//     step before, expanded by Davidson steps preconditioned with a cached
//     approximate partial eigendecomposition of the earlier operators); it
//     recognises up to four interleaved sequences (GD iterates and their
//     period-2 centres, the iterates possibly alternating between the two
//     phases of a 2-cycle) and keeps them apart, keeps the neighbouring eigenvectors in
//     every warm space, and runs periodic and triggered deflation checks
//     that catch eigenvalue crossings from outside the tracked vectors.
//
// All four implement Estimator. Hutchinson estimates the trace and SLQ the
// spectral density (stochastic Lanczos quadrature).
//
// # Residuals and convergence
//
// A pair (λ, y) with ‖y‖ = 1 is converged when its relative residual
// ‖Hy − λy‖ / scale is at most Tol, where scale = max(|λ|, ‖H‖ estimate) and
// the ‖H‖ estimate is the largest |Ritz value| seen during the solve (a lower
// bound of ‖H‖₂, so the test is never looser than the one with the true
// norm). Result.Norm reports the scale used.
//
// The residuals reported in Result are *true* residuals: each is
// ‖(HV)s − λVs‖ computed from the stored images HV of the basis vectors,
// not the Lanczos estimate |β_j s_j|, so they do not depend on the Krylov
// recurrence or on orthogonality of the basis. They cost no HVP. They are
// exact up to the rounding of the operator itself and of a linear
// combination of at most MaxKrylov vectors. For symmetric H, each reported λ
// is within its residual r of an eigenvalue of H, and within r²/δ when the
// distance δ from λ to the rest of the spectrum exceeds r (Kato–Temple).
//
// Failures are returned as typed errors together with the best estimates:
// *ConvergenceError when a wanted pair misses the tolerance (budget spent,
// tolerance below the rounding level of the operator, or an operator that is
// not symmetric: Lanczos measures v_jᵀ(H−Hᵀ)v_{j+1} as it goes and stops
// early), *NumericalError for non-finite operator output.
//
// # Randomness and reuse
//
// Start vectors come from a math/rand/v2 generator passed in the settings; a
// nil generator means a fixed default seed, so results are deterministic and
// do not depend on GOMAXPROCS. Solvers and the Tracker keep their workspace
// between calls and do not allocate in steady state; the slices and matrices
// of a Result they return alias that workspace and are valid until the next
// call. The one-shot functions (Lanczos, Power) return independent results.
// The products with length-p vectors (Gram–Schmidt, Ritz vectors, norms,
// the spectral cache of the Tracker) run on kernel.Default: bit-identical
// whatever GOMAXPROCS is, but rounded differently (within the stated
// tolerances) on a CPU without AVX2 and FMA, where its pure-Go fallback runs.
package hessian
