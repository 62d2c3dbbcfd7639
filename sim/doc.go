// Package sim holds the central contract of eoskit: the Objective, a smooth
// loss E: R^p → R with exact derivatives, and the small helpers every engine
// built on it shares (operators, evaluation counters).
//
// Everything below sim (the GD simulator, the Hessian estimators, the ODE
// flows, the kinetic particle system) needs only this contract, so it works
// on every model in sim/model.
//
// # Conventions
//
// These hold across the whole module; the mathematics is in the design notes
// (math.md) that the repository's README links to.
//
//   - Parameters are one flat []float64 θ ∈ R^p. Each model documents its
//     layout (for example deep matrix factorisation stores W_1, …, W_L, each
//     row-major d×d).
//   - Loss normalisation: a model trained on data uses half the mean squared
//     error, E = (1/2n) Σ_s ‖f(x_s) − y_s‖². Toy models define their own closed
//     form (E = ¼(x²−1)² for the quartic, for example).
//   - Sharpness is the largest algebraic eigenvalue λ_max of ∇²E(θ), never the
//     eigenvalue of largest magnitude: a large negative curvature is not
//     sharpness. The stability threshold of GD with step η is 2/η.
//   - Physical time is t = kη: GD step k and a continuous flow at time t = kη
//     are directly comparable (gradient flow is dθ/dt = −∇E(θ)).
//   - Derivative methods write into caller-owned slices and do not allocate
//     in steady state. Objectives that keep scratch buffers are not safe for
//     concurrent use; those that need to be used in parallel implement
//     Cloner.
//
// Programmer errors (slices of the wrong length) panic with a message that
// starts with the package name; numerical conditions are returned as errors.
package sim
