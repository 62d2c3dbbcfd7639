package experiment

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/compare"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/ode"
)

// This file runs the rival theories of the Edge of Stability beside GD: the
// central flow (Cohen, Damian, Talwalkar, Kolter, Lee, ICLR 2025) and the
// self-stabilisation reduced system (Damian, Nichani, Lee, ICLR 2023).

// CentralRow holds the central flow's own quantities at a sample.
type CentralRow struct {
	// TraceSigma is tr Σ, the predicted variance of the oscillation.
	TraceSigma float64
	// ActiveDim is the number of directions held at 2/η.
	ActiveDim int
	// GradNormSqPred is the predicted time-averaged ‖∇E‖²,
	// ‖∇E(θ)‖² + 4 tr Σ/η².
	GradNormSqPred float64
	// Fresh says that the sharpness of the row was computed from fresh
	// eigenpairs (otherwise it is the first-order estimate between
	// refreshes, see flow.CentralSample).
	Fresh bool
}

// centralSettings resolves the spec's central-flow settings for a
// p-parameter model: the reference scheme (every-step refreshes, exact
// dense eigenpairs) up to flow.CentralDenseMaxDim parameters, the adaptive
// refresh and a 1e-6 tracker above.
func centralSettings(fs *FlowSpec, p int) flow.CentralSettings {
	s := flow.CentralSettings{MaxDim: fs.MaxDim, Substeps: fs.Substeps, RefreshTol: fs.RefreshTol, EigenTol: fs.EigenTol}
	large := p > flow.CentralDenseMaxDim
	if s.RefreshTol == 0 && large {
		s.RefreshTol = 1e-2
	}
	if s.EigenTol == 0 {
		s.EigenTol = 1e-8
		if large {
			s.EigenTol = 1e-6
		}
	}
	return s
}

// startTheta returns θ₀, or GD's centre θ̄_{k₀} for a flow with a start step.
func (e *Experiment) startTheta(fs *FlowSpec, states *gdStates) ([]float64, error) {
	if k := fs.StartStep; k > 0 {
		c, _, ok := states.center(k)
		if !ok {
			return nil, fmt.Errorf("the flow starts from GD's state at step %d, which needs θ_%d, but GD's run ended at step %d", k, k+1, states.last)
		}
		return c, nil
	}
	return e.Theta0, nil
}

// runCentral integrates the central flow on GD's grid. Each sample holds
// the predicted time-averaged loss E(θ) + tr Σ/η as its loss, E(θ) as its
// centre loss and √tr Σ as its amplitude (tr Σ = |a|² for a period-2
// oscillation θ̄ ± a), so that the comparison with GD is the same as for
// the other flows; its sharpness is the flow's own (fresh at refreshes,
// first-order between them).
func (e *Experiment) runCentral(ctx context.Context, fs *FlowSpec, states *gdStates) *FlowResult {
	s := e.Spec
	res := &FlowResult{Spec: fs}
	start := time.Now()
	defer func() { res.Wall = time.Since(start) }()
	p := e.Objective.Dim()
	set := centralSettings(fs, p)
	res.CentralSettings = &set
	c, err := flow.NewCentral(e.Objective, s.GD.Eta, set)
	if err != nil {
		res.Err = err
		return res
	}
	theta0, err := e.startTheta(fs, states)
	if err != nil {
		res.Err = err
		return res
	}
	grid := flow.Grid{Eta: s.GD.Eta, Steps: s.GD.Steps, Every: s.Measure.TraceEvery, Also: s.Measure.SharpnessEvery, Start: fs.StartStep}
	nan := math.NaN()
	st, err := c.Sample(ctx, theta0, grid, func(smp *flow.CentralSample) error {
		pt := flow.Point{Loss: smp.PredLoss, CenterLoss: smp.Loss, LossPlus: nan, LossMinus: nan,
			Amplitude: math.Sqrt(smp.TraceSigma), FreeEnergy: nan}
		row := FlowRow{Row: gd.Row{Step: smp.Step, T: smp.T, Loss: pt.Loss, GradNorm: math.Sqrt(smp.GradNormSq),
			Eigen: gd.Eigen{Values: []float64{smp.Sharpness}}}, Point: pt,
			Central: &CentralRow{TraceSigma: smp.TraceSigma, ActiveDim: smp.Active, GradNormSqPred: smp.PredGradNormSq, Fresh: smp.Fresh}}
		res.Trace = append(res.Trace, row)
		res.FinalState = append(res.FinalState[:0], smp.Theta...)
		return nil
	})
	res.CentralStats = &st
	res.Counts = sim.Counts{Grad: st.Grads, HessVec: st.HVPs}
	res.Thirds = st.Thirds
	res.Stats = ode.Stats{Steps: st.Steps, Evals: st.Steps}
	res.Err = err
	res.FinalTheta = res.FinalState
	return res
}

// SelfStabResult is the self-stabilisation system laid over GD's first
// self-stabilisation loop.
type SelfStabResult struct {
	// Onset is the step k its coefficients were measured at (GD's centre
	// θ̄_k), and Onset the measured system: α, β, the sharpness there.
	Step  int
	Onset flow.SelfStabOnset
	// Y0 and S0 start the loop: y = S(θ̄_k) − 2/η and the oscillation's
	// variance along the top eigenvector, s = (u·a_k)².
	Y0, S0 float64
	// Loop is the system's predicted loop; GD its first loop as read from
	// the trace (at the centre sharpness where measured).
	Loop flow.SelfStabLoop
	GD   flow.GDLoop
	// Samples are the system's (y, s) on GD's grid from the onset, over
	// the time of GD's run or two of its loops, whichever is shorter.
	Samples []SelfStabSample
}

// SelfStabSample is the reduced system at one GD step.
type SelfStabSample struct {
	Step int
	T    float64
	// Y = S − 2/η and S2 = s, the predicted sharpness excess and
	// oscillation variance; V the invariant.
	Y, S2, V float64
}

// runSelfStab measures the self-stabilisation system at GD's onset (the
// start step, or by default the first measured step whose centre sharpness
// exceeds 2/η) and compares its loop with GD's first loop.
func (e *Experiment) runSelfStab(ctx context.Context, fs *FlowSpec, states *gdStates, trace []gd.Row) *FlowResult {
	s := e.Spec
	res := &FlowResult{Spec: fs}
	start := time.Now()
	defer func() { res.Wall = time.Since(start) }()
	eta := s.GD.Eta
	gdObs := observedGD(trace)
	loss := make([]float64, len(trace))
	for i, r := range trace {
		loss[i] = r.Loss
	}
	gdLoop, err := flow.FirstGDLoop(gdObs.Steps, loss, gdObs.Sharpness, eta)
	if err != nil {
		res.Err = err
		return res
	}
	ss := &SelfStabResult{GD: gdLoop, Step: fs.StartStep}
	res.SelfStab = ss
	if ss.Step == 0 {
		if gdLoop.Start <= 0 {
			res.Err = fmt.Errorf("GD's sharpness never exceeded 2/η at a measured step: no self-stabilisation loop to start from")
			return res
		}
		ss.Step = gdLoop.Start
	}
	center, amp, err := e.gdStateAt(ctx, ss.Step, states)
	if err != nil {
		res.Err = err
		return res
	}
	onset, err := flow.SelfStabAt(e.Objective, center, eta, nil)
	if err != nil {
		res.Err = err
		return res
	}
	ss.Onset = onset
	var proj float64
	for i, u := range onset.U {
		proj += u * amp[i]
	}
	ss.Y0, ss.S0 = onset.Y, proj*proj
	ss.Loop, err = onset.SelfStab.Loop(ss.Y0, ss.S0, 1e-10)
	if err != nil {
		res.Err = err
		return res
	}
	// The loop on GD's grid, over two periods (or to the end of the run).
	end := s.GD.Steps
	if p := ss.Loop.Period; p > 0 {
		end = min(end, ss.Step+int(math.Ceil(2*p/eta)))
	}
	grid := flow.Grid{Eta: eta, Steps: end, Every: s.Measure.TraceEvery, Also: s.Measure.SharpnessEvery, Start: ss.Step}
	sys := onset.SelfStab
	st, err := flow.SampleContext(ctx, sys.RHS, []float64{ss.Y0, ss.S0}, grid, ode.DOP853(), ode.PI{RTol: 1e-10, ATol: 1e-14},
		func(k int, t float64, y []float64) error {
			ss.Samples = append(ss.Samples, SelfStabSample{Step: k, T: t, Y: y[0], S2: y[1], V: sys.Invariant(y[0], y[1])})
			return nil
		})
	res.Stats = st
	res.Err = err
	return res
}

// gdStateAt returns GD's centre θ̄_k and amplitude a_k: from the states
// captured during the run when step k was asked for, or by running GD again
// from θ₀ to step k+1 (the same objective and arithmetic give the same
// iterates, bit for bit).
func (e *Experiment) gdStateAt(ctx context.Context, k int, states *gdStates) (center, amp []float64, err error) {
	if c, a, ok := states.center(k); ok {
		return c, a, nil
	}
	if k > states.last {
		return nil, nil, fmt.Errorf("GD's state at step %d needs θ_%d, but GD's run ended at step %d", k, k+1, states.last)
	}
	again := &gdStates{want: map[int][3][]float64{k: {}}}
	if _, err := gd.Run(ctx, e.Objective, e.Theta0, gd.Settings{Eta: e.Spec.GD.Eta, Steps: k + 1}, again); err != nil {
		return nil, nil, fmt.Errorf("running GD again to step %d: %w", k+1, err)
	}
	c, a, ok := again.center(k)
	if !ok {
		return nil, nil, fmt.Errorf("running GD again to step %d: stopped at step %d", k+1, again.last)
	}
	return c, a, nil
}

// RankedFlow is a flow's place in the comparison: the median and 90th
// percentile of the relative error of its time-averaged loss against GD's,
// over the window all ranked flows share.
type RankedFlow struct {
	Name   string  `json:"name"`
	Median float64 `json:"loss_avg_median"`
	P90    float64 `json:"loss_avg_p90"`
}

// Ranking is the flows compared with GD ranked on one common window.
type Ranking struct {
	// Window is the first and last step of the window: from the latest
	// start to the earliest end of the ranked flows' samples.
	Window [2]int       `json:"window"`
	Flows  []RankedFlow `json:"flows"`
}

// ranking orders the flows that were compared with GD by the median
// relative error of their time-averaged loss over the steps all of them
// (and GD) recorded in their common window, best first (ties by name); nil
// with fewer than two such flows.
func (r *Result) ranking() *Ranking {
	var flows []*FlowResult
	lo, hi := math.MinInt, math.MaxInt
	for _, f := range r.Flows {
		if f.Compare != nil && len(f.Trace) > 0 {
			flows = append(flows, f)
			lo = max(lo, f.Trace[0].Step)
			hi = min(hi, f.Trace[len(f.Trace)-1].Step)
		}
	}
	if len(flows) < 2 || lo > hi {
		return nil
	}
	gdAt := map[int]float64{}
	for i, k := range r.gdObs.Steps {
		gdAt[k] = r.gdObs.LossAvg[i]
	}
	out := &Ranking{Window: [2]int{lo, hi}}
	for _, f := range flows {
		var ref, pred []float64
		for _, row := range f.Trace {
			if g, ok := gdAt[row.Step]; ok && row.Step >= lo && row.Step <= hi {
				ref, pred = append(ref, g), append(pred, row.Point.Loss)
			}
		}
		e := compare.RelErrors(ref, pred)
		out.Flows = append(out.Flows, RankedFlow{Name: f.Spec.Name, Median: e.Median, P90: e.P90})
	}
	slices.SortStableFunc(out.Flows, func(a, b RankedFlow) int {
		switch {
		case a.Median < b.Median || !math.IsNaN(a.Median) && math.IsNaN(b.Median):
			return -1
		case a.Median > b.Median || math.IsNaN(a.Median) && !math.IsNaN(b.Median):
			return 1
		}
		return 0
	})
	return out
}
