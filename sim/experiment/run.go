package experiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/compare"
	"github.com/eoskit/eoskit/sim/gd"
)

// RunOptions control a run.
type RunOptions struct {
	// Progress, when non-nil, is called with the number of completed steps
	// every ProgressEvery steps and at the end.
	Progress func(done int)
	// ProgressEvery is the period of Progress calls (≤ 0: about 200 calls
	// per run).
	ProgressEvery int
}

// Result is a finished (or diverged, or interrupted) run.
type Result struct {
	Exp *Experiment
	// Trace is the recorded trace, one row per recorded step.
	Trace []gd.Row
	// GD is how the run ended; Analysis the period-2 analysis of its end.
	GD       gd.Result
	Analysis gd.Analysis
	// FinalEigen is the spectrum at the final iterate; CenterEigen at the
	// centre θ̄ of the last two iterates when the run ended on a 2-cycle.
	FinalEigen, CenterEigen *gd.Eigen
	// Above lists the eigenvalues above 2/η at the final iterate, measured
	// after the run when its sharpness exceeds 2/η (nil otherwise).
	Above *AboveSummary
	// Flows are the continuous-time models integrated beside GD, in the
	// spec's order (empty unless the spec asks for some).
	Flows []*FlowResult
	// Spikes are GD's loss spikes (with measure.period2; see
	// compare.DetectSpikes), and Onset the first step whose centre
	// sharpness reached 0.99·2/η (nil when none did or it was not
	// measured).
	Spikes []compare.Spike
	Onset  *int
	// gdObs are GD's period-2 observations as the flows are compared with
	// them (empty without measure.period2).
	gdObs compare.Observed
	// Counts are the objective evaluations of GD, its measurements and the
	// analysis (the flows' are in Flows[i].Counts).
	Counts sim.Counts
	// SpectrumMethod is the resolved spectrum method (dense, lanczos or
	// tracker).
	SpectrumMethod string
	// Wall is the run's wall-clock duration and GDWall GD's part of it,
	// with its measurements and analysis (reported, never tested).
	Wall, GDWall time.Duration
	// Notes are what went wrong without stopping the run, one line each:
	// spectrum measurements that failed numerically (a Hessian with
	// non-finite entries where the loss and gradient were finite), which
	// are then missing from the trace and the summary.
	Notes []string

	// stopped records that the context ended a measurement after the GD
	// steps (at the final iterate or the cycle's centre).
	stopped bool
}

// spectrum returns a new spectrum estimator as the spec's measure section
// describes it, with k top eigenvalues.
func (e *Experiment) spectrum(k int) (gd.Spectrum, error) {
	m := e.Spec.Measure
	return gd.NewSpectrum(e.Objective.Dim(), gd.SpectrumSettings{Method: m.Method, TopK: k, Tol: m.Tol,
		Periods: trackerPeriods(m)})
}

// trackerPeriods returns the periods the tracker of a run with these
// measurements needs (gd.TrackerPeriods).
func trackerPeriods(m MeasureSpec) int {
	return gd.TrackerPeriods(m.SharpnessEvery, m.SharpnessCenter != nil && *m.SharpnessCenter)
}

// maxReservedRows bounds the trace rows reserved before a run (about 14 MB):
// gd.steps may be far larger than what a run will reach before it diverges
// or is interrupted, and reserving 10⁹ rows up front fails at once.
const maxReservedRows = 1 << 17

// Run performs the experiment's GD run with its measurements. It returns
// a Result also when the run diverged or the context was cancelled (see
// Result.GD); errors are failures of the machinery.
func (e *Experiment) Run(ctx context.Context, opt RunOptions) (*Result, error) {
	start := time.Now()
	s := e.Spec
	obj := sim.NewCounted(e.Objective)
	spec, err := e.spectrum(s.Measure.TopK)
	if err != nil {
		return nil, fmt.Errorf("experiment %s: %w", s.Name, err)
	}
	rec := &gd.Recorder{
		Obj:           obj,
		Every:         s.Measure.TraceEvery,
		SpectrumEvery: s.Measure.SharpnessEvery,
		Spectrum:      spec,
		Center:        *s.Measure.SharpnessCenter,
		Period2:       *s.Measure.Period2,
		Eta:           s.GD.Eta,
		Rows:          make([]gd.Row, 0, min(s.GD.Steps/s.Measure.TraceEvery+2, maxReservedRows)),
	}
	obs := []gd.Observer{rec}
	states := newGDStates(s.Flows)
	if len(s.Flows) > 0 {
		obs = append(obs, states)
	}
	if opt.Progress != nil {
		every := opt.ProgressEvery
		if every <= 0 {
			every = max(1, s.GD.Steps/200)
		}
		obs = append(obs, gd.ObserverFunc(func(st *gd.State) error {
			if st.Step%every == 0 {
				opt.Progress(st.Step)
			}
			return nil
		}))
	}
	res, err := gd.Run(ctx, obj, e.Theta0, gd.Settings{Eta: s.GD.Eta, Steps: s.GD.Steps}, obs...)
	if err != nil {
		return nil, fmt.Errorf("experiment %s: %w", s.Name, err)
	}
	r := &Result{Exp: e, GD: res}
	if err := rec.Finish(ctx, res); err != nil {
		if !gd.Stopped(ctx, err) {
			return nil, fmt.Errorf("experiment %s: %w", s.Name, err)
		}
		r.stopped = true
	}
	if opt.Progress != nil {
		opt.Progress(res.Steps)
	}
	r.Trace = rec.Rows
	if m, ok := spec.(interface{ Method() string }); ok {
		r.SpectrumMethod = m.Method()
	}
	r.Analysis, err = gd.Analyze(obj, res, 0)
	if err != nil {
		return nil, fmt.Errorf("experiment %s: %w", s.Name, err)
	}
	if rec.Failures.N > 0 {
		r.Notes = append(r.Notes, failedNote(rec.Failures, "the trace"))
	}
	if last := rec.Rows[len(rec.Rows)-1]; last.Eigen.Values != nil {
		fe := last.Eigen
		r.FinalEigen = &fe
	} else if rec.FailedAt(res.Final.Step) || r.Cancelled() {
		// Already tried and noted with the other failures, or stopped.
	} else if r.FinalEigen, err = r.measure(ctx, spec, obj, res.Final.Theta, "the final iterate"); err != nil {
		return nil, fmt.Errorf("experiment %s: %w", s.Name, err)
	}
	if fe := r.FinalEigen; fe != nil && fe.Values[0] > 2/s.GD.Eta && !r.Cancelled() {
		if r.Above, err = r.above(ctx, obj, res.Final.Theta); err != nil {
			return nil, fmt.Errorf("experiment %s: %w", s.Name, err)
		}
	}
	if r.Analysis.Regime == gd.TwoCycle && !r.Cancelled() {
		if r.CenterEigen, err = r.measure(ctx, spec, obj, r.Analysis.Center, "the cycle's centre"); err != nil {
			return nil, fmt.Errorf("experiment %s: %w", s.Name, err)
		}
	}
	r.Counts = obj.N
	var gdObs compare.Observed
	if *s.Measure.Period2 {
		gdObs = observedGD(r.Trace)
		r.Spikes = compare.DetectSpikes(gdObs.Steps, gdObs.Excess(), compare.SpikeSettings{MinHeight: spikeFloor(gdObs)})
		for i := range r.Spikes {
			r.Spikes[i].SetSharpness(gdObs.Steps, gdObs.Sharpness)
		}
	}
	r.gdObs = gdObs
	if k, ok := compare.Onset(gdObs.Steps, gdObs.Sharpness, 2/s.GD.Eta, 0.99); ok {
		r.Onset = &k
	}
	r.GDWall = time.Since(start)
	// The flows run after GD; an interrupted GD run (or one stopped in a
	// measurement after it) skips them, and a cancelled flow the ones after
	// it.
	for _, fs := range s.Flows {
		if res.Cancelled || r.stopped || (len(r.Flows) > 0 && errors.Is(r.Flows[len(r.Flows)-1].Err, context.Canceled)) {
			break
		}
		fsp, err := e.spectrum(s.Measure.TopK)
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", s.Name, err)
		}
		var fr *FlowResult
		switch fs.Kind {
		case FlowCentral:
			fr = e.runCentral(ctx, fs, states)
		case FlowSelfStab:
			fr = e.runSelfStab(ctx, fs, states, r.Trace)
		default:
			if fr, err = e.runFlow(ctx, fs, states, fsp); err != nil {
				return nil, fmt.Errorf("experiment %s: %w", s.Name, err)
			}
		}
		r.Flows = append(r.Flows, fr)
		if fr.Failures.N > 0 {
			r.Notes = append(r.Notes, failedNote(fr.Failures, "the "+fs.Name+" flow's trace"))
		}
		if *s.Measure.Period2 && len(fr.Trace) > 0 && fs.Kind != FlowSelfStab {
			rep, err := compare.Compare(gdObs, observedFlow(fr.Trace), compare.Settings{Eta: s.GD.Eta, Spikes: compare.SpikeSettings{MinHeight: spikeFloor(gdObs)}})
			if err != nil {
				return nil, fmt.Errorf("experiment %s: %s flow: %w", s.Name, fs.Name, err)
			}
			fr.Compare = &rep
		}
	}
	r.Wall = time.Since(start)
	return r, nil
}

// Cancelled reports whether the run was interrupted, in GD, in a
// measurement after it, or in a flow (which then has fewer samples or none;
// the flows after it are missing).
func (r *Result) Cancelled() bool {
	if r.GD.Cancelled || r.stopped {
		return true
	}
	for _, f := range r.Flows {
		if errors.Is(f.Err, context.Canceled) {
			return true
		}
	}
	return false
}

// spikeFloor is the smallest spike height counted on GD's run: 10⁻³ of its
// median time-averaged loss (as compare.Compare sets it).
func spikeFloor(o compare.Observed) float64 { return 1e-3 * compare.MedianAbs(o.LossAvg) }

// nullable turns NaN into a JSON null.
func nullable(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// measure returns the spectrum at theta, or nil with a note when the
// measurement failed numerically (see Notes), or nil when ctx stopped it
// (the result is then cancelled); other errors are returned.
func (r *Result) measure(ctx context.Context, spec gd.Spectrum, obj sim.Objective, theta []float64, where string) (*gd.Eigen, error) {
	e, err := spec.Top(ctx, obj, theta)
	switch {
	case err == nil:
		return &e, nil
	case gd.Stopped(ctx, err):
		r.stopped = true
		return nil, nil
	case gd.NumericalFailure(err):
		r.Notes = append(r.Notes, fmt.Sprintf("the sharpness at %s could not be measured: %v", where, err))
		return nil, nil
	}
	return nil, fmt.Errorf("sharpness at %s: %w", where, err)
}

// maxAbove is how many eigenvalues above 2/η are looked for at most.
const maxAbove = 16

// above measures the top eigenvalues at theta until one is below 2/η: 4 of
// them, then (when all 4 are above) maxAbove. The dense path measures
// maxAbove at once. A measurement that fails numerically or is stopped
// gives nil (with a note, or the result cancelled).
func (r *Result) above(ctx context.Context, obj sim.Objective, theta []float64) (*AboveSummary, error) {
	s := r.Exp.Spec
	p, two := obj.Dim(), 2/s.GD.Eta
	method := gd.ResolveSpectrumMethod(s.Measure.Method, p)
	if method != gd.SpectrumDense {
		method = gd.SpectrumLanczos // a cold solve: the tracker follows the run's k
	}
	ks := []int{min(4, p), min(maxAbove, p)}
	if method == gd.SpectrumDense {
		ks = ks[1:]
	}
	var out *AboveSummary
	for _, k := range ks {
		spec, err := gd.NewSpectrum(p, gd.SpectrumSettings{Method: method, TopK: k, Tol: s.Measure.Tol})
		if err != nil {
			return nil, err
		}
		e, err := r.measure(ctx, spec, obj, theta, "the final iterate (eigenvalues above 2/η)")
		if e == nil || err != nil {
			return nil, err
		}
		out = &AboveSummary{Residual: e.Residual}
		for _, v := range e.Values {
			if v > two {
				out.Values = append(out.Values, v)
			}
		}
		out.Count = len(out.Values)
		out.AtLeast = out.Count == k && k < p
		if !out.AtLeast {
			break
		}
	}
	return out, nil
}

// failedNote describes failed spectrum measurements missing from a trace.
func failedNote(f gd.Failures, trace string) string {
	if f.N == 1 {
		return fmt.Sprintf("1 spectrum measurement failed and is missing from %s: %s", trace, f.First)
	}
	return fmt.Sprintf("%d spectrum measurements failed and are missing from %s; the first: %s", f.N, trace, f.First)
}
