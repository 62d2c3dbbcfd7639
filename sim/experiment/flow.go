package experiment

import (
	"context"
	"fmt"
	"reflect"

	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/ode"
)

// FlowSpec asks for a continuous-time model to be integrated on the GD
// run's time grid t = kη and written beside it. It is given as a kind name
// ("flow": "gradient") or as an object with settings.
type FlowSpec struct {
	// Kind is the flow: "gradient" (θ' = −∇E(θ)).
	Kind string `json:"kind" spec:"required"`
	// Method is the integrator: "dp5" (Dormand–Prince 5(4), adaptive, the
	// default), "dop853" (8th order, adaptive), "rk4" or "euler" (fixed
	// step). Caveat for dop853: where a gradient flow is stiff (its steps
	// limited by stability, as every converging flow eventually is), the
	// 7th-order dense output that samples it at t = kη amplifies the
	// decayed stiff components, and the samples can be 10²–10⁴ times less
	// accurate than the tolerance (the steps themselves are not); dp5's
	// dense output is as stable as its steps (see flow.GradientFlow).
	Method string `json:"method"`
	// RTol and ATol are the adaptive methods' relative and absolute
	// tolerances (default 1e-8; ATol defaults to RTol).
	RTol float64 `json:"rtol,omitempty" spec:"positive"`
	ATol float64 `json:"atol,omitempty" spec:"positive"`
	// Step is the fixed methods' step size (default η/10).
	Step float64 `json:"step,omitempty" spec:"positive"`
	// MaxSteps bounds the integrator's attempted steps (default 10⁶); a
	// flow that needs more stops early and keeps its samples.
	MaxSteps int `json:"max_steps" spec:"positive"`

	// stepDefault records that Step was filled in as η/10, so that it
	// follows η when a -eta override validates the spec again.
	stepDefault bool
}

// bindJSON implements binder: a string is the kind, an object the settings.
func (f *FlowSpec) bindJSON(v any, path string) error {
	switch x := v.(type) {
	case string:
		f.Kind = x
		return nil
	case map[string]any:
		return bindStruct(x, reflect.ValueOf(f).Elem(), path)
	}
	return specErr(path, "want a flow kind (\"gradient\") or an object, got %s", describe(v))
}

// validate checks the settings and fills defaults. On a loss that is not
// twice differentiable (smooth false: ReLU networks) the default method is
// fixed-step RK4: an adaptive method's error control cannot pass the kinks
// of the gradient where the flow slides along them, and shrinks its steps
// without end.
func (f *FlowSpec) validate(eta float64, smooth bool) error {
	if f.Kind != "gradient" {
		return specErr("flow.kind", "unknown flow %q (known: gradient)", f.Kind)
	}
	if f.Method == "" {
		f.Method = "dp5"
		if !smooth {
			f.Method = "rk4"
		}
	}
	if f.MaxSteps == 0 {
		f.MaxSteps = 1_000_000
	}
	if f.MaxSteps < 0 {
		return specErr("flow.max_steps", "must be ≥ 1 (got %d)", f.MaxSteps)
	}
	switch f.Method {
	case "dp5", "dop853":
		if f.Step != 0 {
			return specErr("flow.step", "only applies to the fixed-step methods rk4 and euler")
		}
		if f.RTol == 0 {
			f.RTol = 1e-8
		}
		if f.ATol == 0 {
			f.ATol = f.RTol
		}
		if !(f.RTol > 0) || !(f.ATol > 0) {
			return specErr("flow.rtol", "tolerances must be > 0 (got rtol %v, atol %v)", f.RTol, f.ATol)
		}
	case "rk4", "euler":
		if f.RTol != 0 || f.ATol != 0 {
			return specErr("flow.rtol", "tolerances only apply to the adaptive methods dp5 and dop853")
		}
		if f.Step == 0 || f.stepDefault {
			f.Step, f.stepDefault = eta/10, true
		}
		if !(f.Step > 0) {
			return specErr("flow.step", "must be > 0 (got %v)", f.Step)
		}
	default:
		return specErr("flow.method", "unknown method %q (dp5, dop853, rk4 or euler)", f.Method)
	}
	return nil
}

func (f *FlowSpec) integrator() (ode.Method, ode.Controller) {
	switch f.Method {
	case "dop853":
		return ode.DOP853(), ode.PI{RTol: f.RTol, ATol: f.ATol}
	case "rk4":
		return ode.RK4(), ode.Fixed{H: f.Step}
	case "euler":
		return ode.Euler(), ode.Fixed{H: f.Step}
	}
	return ode.DP5(), ode.PI{RTol: f.RTol, ATol: f.ATol}
}

// FlowResult is a flow integrated on the GD grid.
type FlowResult struct {
	Spec *FlowSpec
	// Trace holds the flow's samples at t = kη (the same steps as the GD
	// trace), with the sharpness where GD's was measured.
	Trace []gd.Row
	// FinalTheta is the flow's last sample.
	FinalTheta []float64
	// Stats are the integrator's statistics (Evals = gradients).
	Stats ode.Stats
	// Err is why the integration stopped early (nil when it reached the
	// end of the run); the samples until then are kept.
	Err error
	// Failures are the spectrum measurements that failed numerically
	// (missing from Trace, as for gd.Recorder).
	Failures gd.Failures
}

// runFlow integrates the spec's flow from θ₀ and samples it like the GD
// trace: every trace_every steps and at the last one, measuring the
// spectrum every sharpness_every steps. Cancelling ctx stops it before the
// integrator's next step or within the measurement in progress (Err then
// wraps context.Canceled).
func (e *Experiment) runFlow(ctx context.Context, spectrum gd.Spectrum) (*FlowResult, error) {
	s := e.Spec
	fs := s.Flow
	m, c := fs.integrator()
	res := &FlowResult{Spec: fs}
	grad := make([]float64, e.Objective.Dim())
	grid := flow.Grid{Eta: s.GD.Eta, Steps: s.GD.Steps, Every: s.Measure.TraceEvery, MaxSteps: fs.MaxSteps}
	var measureErr error
	sample := func(k int, t float64, theta []float64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		loss := e.Objective.Grad(theta, grad)
		row := gd.Row{Step: k, T: t, Loss: loss, GradNorm: gd.Norm(grad)}
		if se := s.Measure.SharpnessEvery; se > 0 && spectrum != nil && (k%se == 0 || k == s.GD.Steps) {
			eig, err := spectrum.Top(ctx, e.Objective, theta)
			switch {
			case err != nil && gd.Stopped(ctx, err):
				return err // the flow stops as cancelled
			case err != nil && res.Failures.Record(err):
				// Counted; the row stays unmeasured.
			case err != nil:
				measureErr = err
				return err
			default:
				row.Eigen = eig
			}
		}
		res.Trace = append(res.Trace, row)
		res.FinalTheta = append(res.FinalTheta[:0], theta...)
		return nil
	}
	stats, err := flow.SampleContext(ctx, flow.NewGradient(e.Objective).RHS, e.Theta0, grid, m, c, sample)
	res.Stats = stats
	if measureErr != nil {
		return nil, fmt.Errorf("gradient flow: spectrum: %w", measureErr)
	}
	res.Err = err
	return res, nil
}
