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
package flow
