package flow

import (
	"context"
	"fmt"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/ode"
)

// Gradient is the gradient flow θ' = −∇E(θ) of an objective.
type Gradient struct {
	obj sim.Objective
}

// NewGradient returns the gradient flow of obj.
func NewGradient(obj sim.Objective) *Gradient {
	if obj == nil {
		panic("flow: nil objective")
	}
	return &Gradient{obj: obj}
}

// Dim returns the number of parameters.
func (g *Gradient) Dim() int { return g.obj.Dim() }

// RHS writes −∇E(θ) into dtheta (one call of the objective's Grad). It is an
// ode.Func and does not allocate.
func (g *Gradient) RHS(_ float64, theta, dtheta []float64) {
	g.obj.Grad(theta, dtheta)
	for i, v := range dtheta {
		dtheta[i] = -v
	}
}

// Grid is the time grid of a GD run: step k is at t = kη, k = 0, …, Steps.
type Grid struct {
	// Eta is the GD step size η > 0.
	Eta float64
	// Steps is the number of GD steps N ≥ 0.
	Steps int
	// Every samples every Every steps (0 means 1).
	Every int
	// Also adds the multiples of Also to the samples (0: none), as a GD
	// Recorder records every step it measures whatever its period.
	Also int
	// Start is the step k₀ ≥ 0 the flow starts from, at t = k₀η (0: from
	// θ₀ at t = 0, as GD). The samples are k₀, then the multiples of Every
	// (and of Also) after it, and Steps.
	Start int
	// MaxSteps bounds the integrator's attempted steps over the whole grid
	// (0: the ode package's default). A flow that needs more stops with an
	// error wrapping ode.ErrMaxSteps, keeping the samples it reached — the
	// guard against flows that chatter on a non-smooth loss (ReLU kinks).
	MaxSteps int
}

// SampleFunc receives the flow's state at t = kη. theta is valid only during
// the call and must not be modified. A non-nil error stops the integration
// and is returned, wrapped.
type SampleFunc func(k int, t float64, theta []float64) error

// Sample integrates θ' = f(t, θ), θ(k₀η) = theta0, over [k₀η, Steps·η]
// (k₀ = grid.Start) with method m and controller c, and calls fn with θ(kη)
// for k = k₀, the multiples of Every after it, and k = Steps. The points between steps come from the
// method's dense output (ode.Integrator.Until), so sampling does not change
// the steps the controller takes; t is computed as float64(k)·η, like GD's
// time. It returns the integration's statistics, also on failure (an error
// wrapping ode.ErrStepSizeTooSmall, ode.ErrNonFinite, … after the samples
// that were reached).
func Sample(f ode.Func, theta0 []float64, grid Grid, m ode.Method, c ode.Controller, fn SampleFunc) (ode.Stats, error) {
	return SampleContext(context.Background(), f, theta0, grid, m, c, fn)
}

// SampleContext is Sample that stops once ctx is done, before the
// integrator's next step (ode.Integrator.UntilContext), with an error
// wrapping ctx.Err() after the samples that were reached. Every flow
// sampled on the GD grid goes through it, so that a cancelled run stops
// its flows within one integrator step (and within a sample function that
// passes ctx on to its own long work, such as a spectrum measurement).
func SampleContext(ctx context.Context, f ode.Func, theta0 []float64, grid Grid, m ode.Method, c ode.Controller, fn SampleFunc) (ode.Stats, error) {
	if err := grid.check(); err != nil {
		return ode.Stats{}, err
	}
	it := ode.NewIntegrator(m)
	p := ode.Problem{F: f, Y0: theta0, T0: float64(grid.Start) * grid.Eta, T1: float64(grid.Steps) * grid.Eta}
	if err := it.Init(p, c, ode.Options{MaxSteps: grid.MaxSteps}); err != nil {
		return it.Stats(), fmt.Errorf("flow: %w", err)
	}
	theta := make([]float64, len(theta0))
	for k := grid.Start; ; k = grid.next(k) {
		t := float64(k) * grid.Eta
		if err := it.UntilContext(ctx, t, theta); err != nil {
			return it.Stats(), fmt.Errorf("flow: integrating to t = %g (k = %d): %w", t, k, err)
		}
		if err := fn(k, t, theta); err != nil {
			return it.Stats(), fmt.Errorf("flow: sample k = %d: %w", k, err)
		}
		if k == grid.Steps {
			return it.Stats(), nil
		}
	}
}

// check returns an error for an invalid grid.
func (g Grid) check() error {
	if !(g.Eta > 0) || g.Steps < 0 || g.Every < 0 || g.Also < 0 || g.Start < 0 || g.Start > g.Steps {
		return fmt.Errorf("flow: invalid grid η = %g, %d steps, every %d, also %d, start %d", g.Eta, g.Steps, g.Every, g.Also, g.Start)
	}
	return nil
}

// next returns the sample after step k: the next multiple of Every or of
// Also, capped at Steps.
func (g Grid) next(k int) int {
	every := max(g.Every, 1)
	n := (k/every + 1) * every
	if g.Also > 0 {
		n = min(n, (k/g.Also+1)*g.Also)
	}
	return min(n, g.Steps)
}

// GradientFlow samples the gradient flow of obj from theta0 on the grid of a
// GD run (see Sample). Each right-hand side is one gradient, so the returned
// Stats.Evals is the number of gradients the flow cost.
//
// Where the sharpness is S the flow is stiff for an explicit method: the
// steps are limited by stability, whatever the tolerance, to 3.3/S for DP5
// (6 gradients per step) and 6.4/S for DOP853 (12 per step), the ends of
// their real stability intervals. Near the edge of stability (η ≈ 2/S) the
// flow therefore costs about 3.6 gradients per GD step, and every gradient
// flow becomes stability-limited as it converges.
//
// Use ode.DP5 for gradient flows: in that regime its dense output is as
// stable as its steps, and the samples keep the requested tolerance. The
// 7th-order dense output of ode.DOP853 amplifies the decayed stiff components
// (by about 20 at hλ = −6, more where the controller probes beyond the
// stability limit), so its samples between steps can be 10²–10⁴ times less
// accurate than the tolerance.
func GradientFlow(obj sim.Objective, theta0 []float64, grid Grid, m ode.Method, c ode.Controller, fn SampleFunc) (ode.Stats, error) {
	if len(theta0) != obj.Dim() {
		panic(fmt.Sprintf("flow: len(theta0) = %d, objective dimension %d", len(theta0), obj.Dim()))
	}
	return Sample(NewGradient(obj).RHS, theta0, grid, m, c, fn)
}
