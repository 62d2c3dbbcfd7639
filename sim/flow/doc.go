// Package flow holds the right-hand sides of the continuous-time models that
// eoskit compares with gradient descent, written for the integrators of
// sim/ode: the gradient flow θ' = −∇E(θ) now; the central flow, the
// free-energy (θ, Σ) models and the mean-field kinetic system come later.
//
// Every flow is written in physical time t = kη (see package sim), so that
// its state at t = kη is compared with GD's iterate θ_k. Sample integrates a
// flow and hands its state to a callback on that grid, which is how an
// experiment lays a flow over a GD run.
//
// A right-hand side costs one evaluation of the objective's derivatives per
// call (one gradient for the gradient flow); wrap the objective in
// sim.Counted to count them.
//
// Central is the central flow of Cohen, Damian, Talwalkar, Kolter and Lee
// (ICLR 2025) [L], math.md §5: gradient flow projected so that the top
// eigenvalues stay at or below 2/η, with the oscillation covariance Σ from a
// semidefinite complementarity problem on up to MaxDim unstable directions
// (package sdcp), eigenvectors from hessian's warm-started Tracker and the
// models' exact third derivatives. It is integrated by explicit Euler steps
// with the reference code's stabilising A₀ term (first order, verified
// against closed forms), and sampled on the GD grid with its predictions of
// the time-averaged loss and gradient norm (Central.Sample). SelfStab is the
// self-stabilisation reduced system of Damian, Nichani and Lee (ICLR 2023)
// [L] with its invariant and loop, and FirstGDLoop reads GD's first
// self-stabilisation loop from a trace, for comparison.
package flow
