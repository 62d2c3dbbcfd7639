package gd

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/hessian"
)

// Eigen is a measurement of the top of the Hessian spectrum at one point.
type Eigen struct {
	// Values are the k largest algebraic eigenvalues, in decreasing order;
	// Values[0] is the sharpness.
	Values []float64
	// Residual is the largest relative residual ‖Hv − λv‖ / max(|λ|, ‖H‖)
	// over the returned pairs (v the unit eigenvector, ‖H‖ the estimator's
	// estimate of the norm), computed from true Hessian-vector products.
	// Each value is within Residual·max(|λ|, ‖H‖) of an eigenvalue of ∇²E.
	Residual float64
	// HVPs is the number of Hessian-vector products the measurement used.
	HVPs int
}

// Spectrum measures the top of the Hessian spectrum of an objective (see
// NewSpectrum).
type Spectrum interface {
	// Top returns the largest algebraic eigenvalues of ∇²E(θ), as many as
	// the Spectrum was configured for. It stops early once ctx is done,
	// with an error wrapping ctx.Err() (see Stopped).
	Top(ctx context.Context, obj sim.Objective, theta []float64) (Eigen, error)
}

// Stopped reports whether err says that ctx ended the work that returned
// it: ctx is done and err wraps its error. Call it with a non-nil error.
func Stopped(ctx context.Context, err error) bool {
	cerr := ctx.Err()
	return cerr != nil && errors.Is(err, cerr)
}

// Row is one recorded state of a run.
type Row struct {
	Step     int
	T        float64
	Loss     float64
	GradNorm float64
	// Eigen is the spectrum measurement at θ_k; Values is nil when the
	// spectrum was not measured at this step.
	Eigen Eigen
	// Center is the spectrum measurement at the period-2 average
	// θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4 (when Recorder.Center is set; Values
	// is nil at the first and last step, where θ̄_k is not defined).
	Center Eigen
	// P2 holds the period-2 observations of step k (when
	// Recorder.Period2 is set; otherwise zero).
	P2 Period2
}

// Recorder is an Observer that keeps a trace of a run: a Row every Every
// steps, at every step where the top Hessian eigenvalues are measured by
// Spectrum (every SpectrumEvery steps, whatever Every: no measurement is
// dropped for want of a row) and at the last step (see Finish).
// Measurements stop when the run's context (State.Ctx) is done: the
// measurement in progress returns early and the run ends as cancelled. When Obj is a
// sim.GradKeeper, the Recorder asks it, one step ahead, to keep the forward
// pass of the gradient at an iterate it will measure next, so that the
// measurement does not compute it again; nothing recorded changes. (θ₀ is
// not announced, its gradient coming before the first Observe, nor is a
// final step that Finish measures off the period; a request for a step past
// the last one is left to the objective's next Grad, which it does not
// change either.)
type Recorder struct {
	// Obj is the objective being run (needed for spectrum measurements).
	Obj sim.Objective
	// Every is the recording period in steps (≤ 0 means 1).
	Every int
	// SpectrumEvery is the measurement period in steps; 0 disables
	// measurements. Measurements happen at the multiples of SpectrumEvery,
	// each in a row of its own when Every does not record that step.
	SpectrumEvery int
	// Spectrum is the estimator; required when SpectrumEvery > 0.
	Spectrum Spectrum
	// Center also measures the spectrum at the period-2 average
	// θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4 at every measured step k. The
	// filter removes a period-2 oscillation (−1)^k a exactly and passes
	// affine trends (design notes §3), so at the Edge of Stability this is
	// the sharpness that hovers at 2/η, while the sharpness at the iterates
	// themselves differs between the two phases of the oscillation.
	Center bool
	// Period2 also records, for every recorded step, the period-2
	// observations of Period2 (the time-averaged loss, E(θ̄_k), |a_k|, the
	// free energies, the envelopes). They cost two loss evaluations and one
	// Hessian-vector product per recorded step, and a copy of θ per step.
	Period2 bool
	// Eta is the run's step size η; required with Period2 (the free
	// energies contain |a|²/η).
	Eta float64

	// Rows is the trace, in step order.
	Rows []Row

	// Failures are the measurements that failed numerically (see
	// Failures): their Values are nil, as if not measured, and the run
	// goes on.
	Failures Failures
	failedAt int // step of the last failed measurement of an iterate (-1: none)

	// before is θ_{k−1}, kept at step k−1 when step k will be measured;
	// pendBefore and at are θ_{k−1} and θ_k of the pending centre
	// measurement of step k. before and pendBefore are separate buffers
	// because with SpectrumEvery = 1 the next step's θ_{k} is kept before
	// the pending measurement of step k is completed.
	before, pendBefore, at, mid []float64
	pending                     int // index in Rows of the row awaiting its centre measurement, or -1
	started                     bool

	// p2 is the state of the period-2 observations; centerVec is the top
	// eigenvector at the last centre measured (when Period2 is on and the
	// estimator gives vectors), nil when there is none.
	p2                   period2
	centerVec, vecBuffer []float64
}

// Observe records s when it is due.
func (r *Recorder) Observe(s *State) error {
	if !r.started {
		if r.Period2 && !(r.Eta > 0) {
			return fmt.Errorf("gd: Recorder: Period2 needs the step size Eta > 0 (got %v)", r.Eta)
		}
		r.started, r.pending, r.failedAt = true, -1, -1
	}
	ctx := s.context()
	if err := r.completeCenter(ctx, s); err != nil {
		return err
	}
	every := r.Every
	if every <= 0 {
		every = 1
	}
	recorded := -1
	if s.Step%every == 0 || r.due(s.Step) {
		recorded = len(r.Rows)
		row := Row{Step: s.Step, T: s.T, Loss: s.Loss, GradNorm: s.GradNorm}
		if r.due(s.Step) {
			e, err := r.measureAt(ctx, s.Step, s.Theta)
			if err != nil {
				return err
			}
			row.Eigen = e
			if r.Center && r.SpectrumEvery > 0 && s.Step > 0 {
				r.at = append(r.at[:0], s.Theta...)
				r.before, r.pendBefore = r.pendBefore, r.before
				r.pending = len(r.Rows)
			}
		}
		r.Rows = append(r.Rows, row)
	}
	if k := s.Step + 1; r.due(k) {
		// Keep θ_k when step k+1 will be measured: it is θ_{k−1} of that
		// measurement's period-2 average.
		if r.Center {
			r.before = append(r.before[:0], s.Theta...)
		}
		// The next gradient is at θ_{k+1}, measured next: the objective
		// may keep its forward pass for the measurement (sim.GradKeeper).
		// Not when a centre measurement at another point comes first.
		// Nor when the period-2 observations evaluate the objective at
		// other points between that gradient and the measurement.
		if gk, ok := r.Obj.(sim.GradKeeper); ok && r.pending < 0 && !r.Period2 {
			gk.KeepNextGrad()
		}
	}
	if r.Period2 {
		r.observePeriod2(s, recorded)
	}
	return nil
}

// due reports whether the spectrum is measured at step k.
func (r *Recorder) due(k int) bool {
	return r.SpectrumEvery > 0 && k%r.SpectrumEvery == 0
}

// completeCenter completes the pending centre measurement of step k−1 once
// θ_k is known.
func (r *Recorder) completeCenter(ctx context.Context, s *State) error {
	if r.pending < 0 {
		return nil
	}
	if r.mid == nil {
		r.mid = make([]float64, len(s.Theta))
	}
	for i := range r.mid {
		r.mid[i] = 0.25*(r.pendBefore[i]+s.Theta[i]) + 0.5*r.at[i]
	}
	e, err := r.measure(ctx, r.mid)
	if err != nil {
		return err
	}
	r.centerVec = nil
	if v, ok := r.Spectrum.(TopVectorer); ok && r.Period2 && e.Values != nil {
		if u := v.TopVector(); u != nil {
			r.vecBuffer = append(r.vecBuffer[:0], u...)
			r.centerVec = r.vecBuffer
		}
	}
	r.Rows[r.pending].Center = e
	r.pending = -1
	return nil
}

// Finish appends the final state of res when the recording period skipped
// it, and measures its spectrum when measurements are enabled and the row
// has none, so that the trace always ends with the final state and its
// sharpness. The measurement is skipped for a cancelled run, and stops
// early (returning an error for which Stopped(ctx, err) holds) when ctx is
// done.
func (r *Recorder) Finish(ctx context.Context, res Result) error {
	if len(res.Last) == 0 {
		return nil
	}
	f := res.Final
	if n := len(r.Rows); n == 0 || r.Rows[n-1].Step != f.Step {
		row := Row{Step: f.Step, T: f.T, Loss: f.Loss, GradNorm: f.GradNorm}
		if r.Period2 {
			row.P2 = undefinedPeriod2()
		}
		r.Rows = append(r.Rows, row)
	}
	last := &r.Rows[len(r.Rows)-1]
	if r.SpectrumEvery > 0 && last.Eigen.Values == nil && !r.FailedAt(f.Step) && !res.Cancelled {
		e, err := r.measureAt(ctx, f.Step, f.Theta)
		if err != nil {
			return err
		}
		last.Eigen = e
	}
	return nil
}

// FailedAt reports whether the measurement at the iterate of step k was
// tried and failed numerically (so that trying again is pointless).
func (r *Recorder) FailedAt(k int) bool { return r.started && r.failedAt == k }

// measureAt measures the iterate of step k, remembering a failure.
func (r *Recorder) measureAt(ctx context.Context, k int, theta []float64) (Eigen, error) {
	f := r.Failures.N
	e, err := r.measure(ctx, theta)
	if r.Failures.N > f {
		r.failedAt = k
	}
	return e, err
}

func (r *Recorder) measure(ctx context.Context, theta []float64) (Eigen, error) {
	if r.Spectrum == nil {
		return Eigen{}, fmt.Errorf("gd: Recorder: SpectrumEvery = %d but no Spectrum set", r.SpectrumEvery)
	}
	e, err := r.Spectrum.Top(ctx, r.Obj, theta)
	switch {
	case err == nil:
		return e, nil
	case r.Failures.Record(err):
		return Eigen{HVPs: e.HVPs}, nil
	}
	return Eigen{}, fmt.Errorf("gd: spectrum: %w", err)
}

// Sharpness returns the sharpness of the row, or NaN when it was not
// measured.
func (row Row) Sharpness() float64 { return row.Eigen.Top() }

// CenterSharpness returns the sharpness at the period-2 average θ̄_k, or NaN
// when it was not measured.
func (row Row) CenterSharpness() float64 { return row.Center.Top() }

// Top returns the largest eigenvalue, or NaN when e holds no measurement.
func (e Eigen) Top() float64 {
	if len(e.Values) == 0 {
		return math.NaN()
	}
	return e.Values[0]
}

// NumericalFailure reports whether err (from Spectrum.Top) says that the
// Hessian had non-finite entries (a *hessian.NumericalError): a measurement
// that fails so is missing, and the run goes on. Call it with a non-nil
// error only (the target of errors.As escapes to the heap).
func NumericalFailure(err error) bool {
	var ne *hessian.NumericalError
	return errors.As(err, &ne)
}

// Failures counts the spectrum measurements of a run that failed
// numerically (see NumericalFailure).
type Failures struct {
	// N is the number of failed measurements; First describes the first.
	N     int
	First string
}

// Record counts err when it is a numerical failure and reports whether it
// was; err must not be nil.
func (f *Failures) Record(err error) bool {
	if !NumericalFailure(err) {
		return false
	}
	if f.N == 0 {
		f.First = err.Error()
	}
	f.N++
	return true
}
