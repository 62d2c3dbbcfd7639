// Package gd simulates fixed-step full-batch gradient descent
//
//	θ_{k+1} = θ_k − η ∇E(θ_k),   k = 0, 1, …, N−1,
//
// on any sim.Objective, with observers that record what a run is measured
// by (step, physical time t = kη, loss, gradient norm, and the top of the
// Hessian spectrum every few steps), divergence detection, and the period-2
// analysis of where a run ends (converged, a 2-cycle, or neither).
//
// A run visits the states θ_0, …, θ_N: the loss and gradient are evaluated
// at each of them (N+1 gradient evaluations for N updates), so the record of
// step k always describes the iterate θ_k itself. A non-finite loss or
// gradient stops the run cleanly: the result says Diverged, and every state
// observed until then is kept.
//
// At the Edge of Stability GD does not settle at a minimum: the sharpness
// λ_max(∇²E) rises to 2/η and the iterates oscillate. When the oscillation
// is an exact period-2 orbit (θ̄+a, θ̄−a), Analyze recovers its centre θ̄ and
// amplitude a from the last iterates, as in the design notes (math.md §3).
package gd
