// Package ode integrates initial value problems y' = f(t, y), y(t0) = y0, with
// explicit Runge–Kutta methods: explicit Euler and the classical RK4 (fixed
// step, references), Dormand–Prince 5(4) and Hairer's DOP853 (adaptive, with
// dense output).
//
// Four things are kept apart, as in diffrax and DifferentialEquations.jl:
//
//   - the Problem: the right-hand side f, y0 and the interval [T0, T1];
//   - the Method: the stepper, an explicit Runge–Kutta method whose Butcher
//     tableau (with its embedded error estimators and continuous extension) is
//     exposed, so that conformance tests can check its order conditions;
//   - the Controller: Fixed steps, or the PI controller of Hairer and Wanner
//     with the error norm sqrt(mean((errᵢ/(atol + rtol·max(|yᵢ|,|ynewᵢ|)))²));
//   - what to output: a SaveAt schedule (a list of times, every Δ from T0,
//     every step) served by the method's dense output, so that sampling never
//     changes the steps, and Events, scalar functions g(t, y) whose sign
//     changes are located on the dense output and stop or are recorded.
//
// Solve runs a whole integration and returns a Solution with the saved points,
// the event records and the statistics (right-hand-side evaluations, accepted
// and rejected steps). An Integrator does the same step by step: Init, then
// Step, Until(t) (advance and return y(t) by dense output) or Run. Saved
// points can be streamed to a callback instead of stored, and an Integrator
// that is re-initialised for a problem of the same dimension allocates
// nothing: all stage buffers are owned by it.
//
// # Failure
//
// Numerical failures are returned as errors that wrap ErrStepSizeTooSmall
// (the step underflowed, typically a blow-up or a stiff problem),
// ErrNonFinite (the right-hand side produced NaN or ±Inf) or ErrMaxSteps.
// What was saved before the failure is kept. Invalid settings are returned as
// errors by Init; slices of the wrong length are programmer errors and panic.
//
// # Time
//
// eoskit's flows use physical time t = kη (see package sim), so a flow sampled
// at t = kη is compared with GD step k. SaveAt.Every and Integrator.Until are
// the two ways to sample on that grid.
package ode
