// Package sdcp solves the small semidefinite complementarity problems
// (SDCPs) of the central flow (math.md §5; Cohen, Damian, Talwalkar, Kolter,
// Lee, ICLR 2025 [L]): given symmetric k×k matrices A₀ and C, a positive
// semidefinite Gram operator 𝒢 on symmetric k×k matrices and a step s > 0,
// find X with
//
//	X ⪰ 0,   A⁺ := A₀ + s·(C + ½𝒢X) ⪰ 0,   ⟨X, A⁺⟩ = 0.
//
// In the central flow k is the number of unstable Hessian directions u_i,
// 𝒢 is the Gram matrix of the contracted third derivatives g_ij = ∇³E[u_i,u_j]
// ((𝒢X)_ij = Σ_kl (g_ij·g_kl) X_kl), C_ij = g_ij·∇E, A₀ = 2I − ηUᵀHU and X
// the oscillation covariance in the basis U.
//
// Because 𝒢 is positive semidefinite the SDCP is the optimality system
// (KKT conditions) of the convex quadratic program
//
//	minimise  f(X) = ¼s⟨X, 𝒢X⟩ + ⟨A₀ + sC, X⟩  over X ⪰ 0,
//
// whose gradient is ∇f(X) = A⁺: X ⪰ 0 is primal feasibility, A⁺ ⪰ 0 dual
// feasibility and ⟨X, A⁺⟩ = 0 complementarity (for PSD X and A⁺ it implies
// XA⁺ = 0, so the range of X lies in the null space of A⁺). X = 0 exactly
// when A₀ + sC ⪰ 0. When 𝒢 is singular X need not be unique, but 𝒢X, A⁺
// and the objective value are (they are for any convex quadratic program),
// and so is the central flow's velocity, which depends on X only through
// Σ X_ij g_ij.
//
// # Representation
//
// Symmetric k×k matrices are stored row-major in k² floats. The Gram
// operator is given on the m = k(k+1)/2 pairs i ≤ j, enumerated row by row
// ((0,0), (0,1), …, (0,k−1), (1,1), …; see Pairs and PairIndex):
// Problem.Gram[a·m+b] = g_a·g_b, so that
//
//	(𝒢X)_ij = Σ_{k≤l} Gram[(i,j),(k,l)]·(2 − δ_kl)·X_kl.
//
// # Solvers
//
// Scalar is the closed form for k = 1:
// X = max(0, −(A₀ + sC)/(½s𝒢)), which with A₀ = 0 is the central flow's
// σ² = 2⟨−∇E, ∇S⟩/‖∇S‖².
//
// Newton solves any k. Projected gradient on the PSD cone (a step along
// −∇f, then the projection that clips the negative eigenvalues) converges
// from any start, but at a linear rate 1 − μ/L set by the conditioning of 𝒢
// (with Nesterov acceleration 1 − √(μ/L)), and only sublinearly when 𝒢 is
// singular — which is common: the k(k+1)/2 vectors g_ij often span fewer
// dimensions, and separable or nearly separable losses make 𝒢 singular
// exactly. Newton therefore works on the natural residual
// R(X) = X − Π(X − α∇f(X)), α = 1/λ_max(𝒢̂) (Π the projection on the cone,
// 𝒢̂ the quadratic form in the coordinates of the m pairs), whose zeros are
// the solutions: a semismooth Newton step, with the generalised Jacobian of
// Π written through the divided differences of the clipped eigenvalues
// (the Löwner operator), converges quadratically near a solution. A Newton
// step is taken when it reduces ‖R‖ by a fixed fraction, and an accelerated
// projected gradient step (FISTA with adaptive restart) otherwise, so the
// method keeps the global convergence of projected gradient and the local
// speed of Newton. On the instances of the conformance suite it converges to
// the default tolerance in a handful of steps; with Settings.Gradient only
// projected gradient steps are taken (the fallback, exposed so that it is
// tested on its own). An iteration costs an eigendecomposition of a k×k
// matrix (cyclic Jacobi, accurate to a few ulps of ‖X‖), and a Newton step
// also an m×m linear solve: for k ≤ 4, m ≤ 10. A solver keeps its workspace
// and does not allocate once it has seen the largest k.
//
// Convergence is measured by the natural residual in the units of the
// gradient, ‖R(X)‖_F/α, relative to the scale ‖A₀ + sC‖_F + ‖𝒢̂‖·‖X‖_F of
// the terms of A⁺. Every Result also reports the three KKT residuals of the
// returned X: the primal ‖Π₋(X)‖_F (the part of X outside the cone; zero up
// to rounding, since X is a projection), the dual ‖Π₋(A⁺)‖_F and the
// complementarity |⟨X, A⁺⟩|.
//
// Programmer errors (slices of the wrong length, k < 1, s ≤ 0) panic with a
// message that starts with "sdcp:"; a problem with non-finite data, one
// without a solution (f unbounded below: A₀ + sC has a negative direction
// in the null space of 𝒢) and a solve that misses its tolerance are returned
// as errors.
package sdcp
