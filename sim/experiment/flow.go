package experiment

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/compare"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/kinetic"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// The flow kinds a spec may name.
const (
	FlowGradient = "gradient"
	FlowModelA   = "model-a"
	FlowModelB   = "model-b"
	// FlowCentral is the central flow (flow.Central) and FlowSelfStab the
	// self-stabilisation reduced system (flow.SelfStab) compared with GD's
	// first self-stabilisation loop.
	FlowCentral  = "central"
	FlowSelfStab = "self-stabilization"
	// FlowKinetic is the particle system of the mean-field two-layer
	// network (kinetic.System): model A written neuron by neuron, in
	// particle time t̃ = kη/m.
	FlowKinetic = "kinetic"
)

// flowKinds lists the flow kinds, for messages.
var flowKindList = []string{FlowGradient, FlowModelA, FlowModelB, FlowCentral, FlowSelfStab, FlowKinetic}

// FlowSpec asks for a continuous-time model to be integrated on the GD
// run's time grid t = kη and written beside it. It is given as a kind name
// ("flow": "gradient") or as an object with settings; the spec's "flow"
// field takes one of these or an array of them (FlowList).
type FlowSpec struct {
	// Kind is the flow: "gradient" (θ' = −∇E(θ)), "model-a" (the amplitude
	// form of the free-energy model, flow.ModelA) or "model-b" (its
	// covariance form, flow.ModelB).
	Kind string `json:"kind" spec:"required"`
	// Name names the flow's output file flow_<name>.csv and its entry in
	// summary.json (default: the kind). Names must be distinct.
	Name string `json:"name,omitempty"`
	// StartStep k₀ ≥ 1 starts the flow at t = k₀η from GD's state there
	// (a flow whose start the run does not reach, at θ_{k₀+1}, reports why
	// in its Err and has no sample: a -steps override may shorten a run
	// below its flows' start):
	// the centre θ̄_{k₀} = (θ_{k₀−1} + 2θ_{k₀} + θ_{k₀+1})/4 and, for the
	// models, the amplitude a_{k₀} = (−1)^{k₀}(θ_{k₀} − θ̄_{k₀}). Absent (0):
	// from θ₀ at t = 0, the models with an amplitude seeded along the top
	// Hessian eigenvectors at θ₀ (see SeedAmplitude).
	StartStep int `json:"start_step,omitempty" spec:"positive"`
	// Rank is model B's rank r ≥ 1 (default 1).
	Rank int `json:"rank,omitempty" spec:"positive"`
	// Form is model B's θ-drift: "second-order" (default, exact third
	// derivatives) or "symmetrized" (flow.BForm).
	Form string `json:"form,omitempty"`
	// SeedAmplitude is the size of the amplitude the models start with
	// where GD gives none, relative to max(1, ‖θ‖): from θ₀, a₀ = s·u₁(θ₀)
	// (model B: column j is s·u_j(θ₀)); from a GD state, model B's columns
	// j ≥ 2 are s·u_j(θ̄_{k₀}) made orthogonal to a_{k₀} (column 1). u_j
	// are unit top Hessian eigenvectors, each signed so that its entry of
	// largest magnitude is positive. Default 1e-6. This seeding is eoskit's
	// assumption [A]: GD's own oscillation grows from round-off.
	SeedAmplitude float64 `json:"seed_amplitude,omitempty" spec:"positive"`
	// Method is the integrator: "dp5" (Dormand–Prince 5(4), adaptive, the
	// default), "dop853" (8th order, adaptive), "rk4" or "euler" (fixed
	// step). Caveat for dop853: where a flow is stiff (its steps limited
	// by stability, as every converging flow eventually is, and the models
	// at the Edge of Stability always are), the 7th-order dense output that
	// samples it at t = kη amplifies the decayed stiff components, and the
	// samples can be 10²–10⁴ times less accurate than the tolerance (the
	// steps themselves are not); dp5's dense output is as stable as its
	// steps (see flow.GradientFlow).
	Method string `json:"method"`
	// RTol and ATol are the adaptive methods' relative and absolute
	// tolerances (default 1e-8; ATol defaults to RTol).
	RTol float64 `json:"rtol,omitempty" spec:"positive"`
	ATol float64 `json:"atol,omitempty" spec:"positive"`
	// Step is the fixed methods' step size (default η/10).
	Step float64 `json:"step,omitempty" spec:"positive"`
	// MaxSteps bounds the integrator's attempted steps (default 10⁶); a
	// flow that needs more stops early and keeps its samples.
	MaxSteps int `json:"max_steps,omitempty" spec:"positive"`

	// MaxDim is the central flow's largest number of directions held at
	// 2/η (default 4).
	MaxDim int `json:"max_dim,omitempty" spec:"positive"`
	// Substeps sets the central flow's Euler step h = η/substeps (default
	// 2, at least 2).
	Substeps int `json:"substeps,omitempty" spec:"positive"`
	// RefreshTol is the central flow's tolerance on the velocity error of
	// its frozen eigenvectors and third derivatives, which sets how often
	// they are recomputed (flow.CentralSettings.RefreshTol). 0 (the
	// default) means: every Euler step up to 300 parameters (the reference
	// scheme), 1e-2 above (measured on the anchor network within 0.14% of
	// the every-step run at the 90th percentile, 11× cheaper).
	RefreshTol float64 `json:"refresh_tol,omitempty" spec:"positive"`
	// EigenTol is the central flow's eigensolver tolerance (default 1e-8
	// up to 300 parameters, where the solve is dense and exact, 1e-6 above).
	EigenTol float64 `json:"eigen_tol,omitempty" spec:"positive"`
	// SnapshotEvery is how often (in GD steps) the kinetic flow keeps a
	// snapshot of every particle, written to kinetic_snapshots/ and drawn
	// as densities over time (default: a tenth of the run; the start and
	// the last sample are always kept).
	SnapshotEvery int `json:"snapshot_every,omitempty" spec:"positive"`

	// stepDefault records that Step was filled in as η/10, so that it
	// follows η when a -eta override validates the spec again.
	stepDefault bool
}

// DefaultSeedAmplitude is FlowSpec.SeedAmplitude's default.
const DefaultSeedAmplitude = 1e-6

// bindJSON implements binder: a string is the kind, an object the settings.
func (f *FlowSpec) bindJSON(v any, path string) error {
	switch x := v.(type) {
	case string:
		f.Kind = x
		return nil
	case map[string]any:
		return bindStruct(x, reflect.ValueOf(f).Elem(), path)
	}
	return specErr(path, "want a flow kind (%s) or an object, got %s", strings.Join(flowKindList, ", "), describe(v))
}

// FlowList is the spec's "flow" field: one flow (a kind name or an object)
// or an array of them, integrated one after the other.
type FlowList []*FlowSpec

// bindJSON implements binder.
func (l *FlowList) bindJSON(v any, path string) error {
	arr, ok := v.([]any)
	if !ok {
		f := &FlowSpec{}
		if err := f.bindJSON(v, path); err != nil {
			return err
		}
		*l = FlowList{f}
		return nil
	}
	if len(arr) == 0 {
		return specErr(path, "is an empty array (leave it out for no flow)")
	}
	out := make(FlowList, len(arr))
	for i, e := range arr {
		out[i] = &FlowSpec{}
		if err := out[i].bindJSON(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	*l = out
	return nil
}

// validate checks every flow and that their names are distinct.
func (l FlowList) validate(s *Spec) error {
	seen := map[string]bool{}
	for i, f := range l {
		path := "flow"
		if len(l) > 1 {
			path = fmt.Sprintf("flow[%d]", i)
		}
		if f.Kind == FlowKinetic {
			net, ok := s.Model.params.(*twolayerSpec)
			if !ok || net.Scaling == model.NTK.String() {
				return specErr(path+".kind", "the kinetic flow needs a two-layer network in mean-field scaling (model kind %q)", s.Model.Kind)
			}
			if (f.Step == 0 || f.stepDefault) && (f.Method == "rk4" || f.Method == "euler" || f.Method == "" && !s.Model.params.smooth()) {
				// η̃/10: the particle step is η/m.
				f.Step, f.stepDefault = s.GD.Eta/float64(net.Width)/10, true
			}
			if f.SnapshotEvery == 0 {
				f.SnapshotEvery = max(1, s.GD.Steps/10)
			}
		} else if f.SnapshotEvery != 0 {
			return specErr(path+".snapshot_every", "only applies to the kinetic flow")
		}
		if err := f.validate(path, s.GD, s.Model.params.smooth()); err != nil {
			return err
		}
		if seen[f.Name] {
			return specErr(path+".name", "%q is used by another flow (give each flow of the same kind a name)", f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// validate checks the settings and fills defaults. On a loss that is not
// twice differentiable (smooth false: ReLU networks) the default method is
// fixed-step RK4: an adaptive method's error control cannot pass the kinks
// of the gradient where the flow slides along them, and shrinks its steps
// without end.
func (f *FlowSpec) validate(path string, g GDSpec, smooth bool) error {
	if !slices.Contains(flowKindList, f.Kind) {
		return specErr(path+".kind", "unknown flow %q (known: %s)", f.Kind, strings.Join(flowKindList, ", "))
	}
	if f.Name == "" {
		f.Name = f.Kind
	}
	if !nameRE.MatchString(f.Name) || len(f.Name) > maxNameLen {
		return specErr(path+".name", "%q must use only letters, digits, '-', '_' and '.' (at most %d; it names a file)", f.Name, maxNameLen)
	}
	if f.StartStep < 0 {
		return specErr(path+".start_step", "must be ≥ 1 (got %d)", f.StartStep)
	}
	if f.Kind != FlowCentral {
		for name, v := range map[string]float64{"max_dim": float64(f.MaxDim), "substeps": float64(f.Substeps), "refresh_tol": f.RefreshTol, "eigen_tol": f.EigenTol} {
			if v != 0 {
				return specErr(path+"."+name, "only applies to the central flow")
			}
		}
	}
	switch f.Kind {
	case FlowCentral, FlowSelfStab:
		return f.validateOwnScheme(path)
	}
	if f.Kind == FlowModelB {
		if f.Rank == 0 {
			f.Rank = 1
		}
		if f.Rank < 1 {
			return specErr(path+".rank", "must be ≥ 1 (got %d)", f.Rank)
		}
		if f.Form == "" {
			f.Form = flow.SecondOrder.String()
		}
		if f.Form != flow.SecondOrder.String() && f.Form != flow.Symmetrized.String() {
			return specErr(path+".form", "unknown form %q (second-order or symmetrized)", f.Form)
		}
	} else {
		if f.Rank != 0 {
			return specErr(path+".rank", "only applies to model-b")
		}
		if f.Form != "" {
			return specErr(path+".form", "only applies to model-b")
		}
	}
	if f.Kind == FlowGradient {
		if f.SeedAmplitude != 0 {
			return specErr(path+".seed_amplitude", "does not apply to the gradient flow (it has no amplitude)")
		}
	} else {
		if f.SeedAmplitude == 0 {
			f.SeedAmplitude = DefaultSeedAmplitude
		}
		if !(f.SeedAmplitude > 0) {
			return specErr(path+".seed_amplitude", "must be > 0 (got %v)", f.SeedAmplitude)
		}
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
		return specErr(path+".max_steps", "must be ≥ 1 (got %d)", f.MaxSteps)
	}
	switch f.Method {
	case "dp5", "dop853":
		if f.Step != 0 {
			return specErr(path+".step", "only applies to the fixed-step methods rk4 and euler")
		}
		if f.RTol == 0 {
			f.RTol = 1e-8
		}
		if f.ATol == 0 {
			f.ATol = f.RTol
		}
		if !(f.RTol > 0) || !(f.ATol > 0) {
			return specErr(path+".rtol", "tolerances must be > 0 (got rtol %v, atol %v)", f.RTol, f.ATol)
		}
	case "rk4", "euler":
		if f.RTol != 0 || f.ATol != 0 {
			return specErr(path+".rtol", "tolerances only apply to the adaptive methods dp5 and dop853")
		}
		if f.Step == 0 || f.stepDefault && f.Kind != FlowKinetic {
			f.Step, f.stepDefault = g.Eta/10, true
		}
		if !(f.Step > 0) {
			return specErr(path+".step", "must be > 0 (got %v)", f.Step)
		}
	default:
		return specErr(path+".method", "unknown method %q (dp5, dop853, rk4 or euler)", f.Method)
	}
	return nil
}

// validateOwnScheme checks the settings of the flows that are not
// integrated by a chosen ode method: the central flow (its own Euler
// scheme) and the self-stabilisation system (DOP853 on two variables).
func (f *FlowSpec) validateOwnScheme(path string) error {
	for name, bad := range map[string]bool{"rank": f.Rank != 0, "form": f.Form != "", "seed_amplitude": f.SeedAmplitude != 0,
		"rtol": f.RTol != 0, "atol": f.ATol != 0, "step": f.Step != 0, "max_steps": f.MaxSteps != 0} {
		if bad {
			return specErr(path+"."+name, "does not apply to the %s flow", f.Kind)
		}
	}
	if f.Kind == FlowSelfStab {
		if f.Method != "" && f.Method != "dop853" {
			return specErr(path+".method", "the self-stabilisation system is integrated by dop853")
		}
		f.Method = "dop853"
		return nil
	}
	if f.Method != "" && f.Method != "euler" {
		return specErr(path+".method", "the central flow is integrated by its own Euler scheme (set substeps)")
	}
	f.Method = "euler"
	if f.MaxDim == 0 {
		f.MaxDim = 4
	}
	if f.Substeps == 0 {
		f.Substeps = 2
	}
	switch {
	case f.MaxDim < 1:
		return specErr(path+".max_dim", "must be ≥ 1 (got %d)", f.MaxDim)
	case f.Substeps < 2:
		return specErr(path+".substeps", "must be ≥ 2 (h = η would let the stable directions oscillate; got %d)", f.Substeps)
	case f.RefreshTol < 0:
		return specErr(path+".refresh_tol", "must be ≥ 0 (got %v)", f.RefreshTol)
	case f.EigenTol < 0 || f.EigenTol >= 1:
		return specErr(path+".eigen_tol", "must be in (0, 1) (got %v)", f.EigenTol)
	}
	return nil
}

// stateDim is the dimension of the flow's state for p parameters.
func (f *FlowSpec) stateDim(p int) int {
	switch f.Kind {
	case FlowModelA, FlowKinetic:
		return 2 * p
	case FlowModelB:
		return p * (1 + f.Rank)
	}
	return p
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

// FlowRow is one sample of a flow at t = kη. Row.Loss is the flow's
// prediction of GD's time-averaged loss (Point.Loss), Row.GradNorm is
// ‖∇E(θ)‖ and Row.Eigen the spectrum at θ where GD's was measured.
type FlowRow struct {
	gd.Row
	// Point holds the model's predictions (flow.Point).
	Point flow.Point
	// Central holds the central flow's own quantities (nil for the other
	// flows).
	Central *CentralRow
	// Kinetic holds the kinetic flow's (nil for the other flows).
	Kinetic *KineticRow
}

// KineticRow holds the kinetic flow's own quantities at a sample.
type KineticRow struct {
	// TParticle is the particle time t̃ = kη/m of the sample (Row.T is
	// GD's time kη).
	TParticle float64
	// DeltaRMS is (∫|δ|²dν)^{1/2}, the fluctuations' root mean square.
	DeltaRMS float64
}

// FlowResult is a flow integrated on the GD grid.
type FlowResult struct {
	Spec *FlowSpec
	// Trace holds the flow's samples at t = kη: from the start step on,
	// at the steps of the GD trace.
	Trace []FlowRow
	// FinalState is the flow's state y at its last sample (θ first, then
	// the amplitude or the columns of Q), and FinalTheta its θ part.
	FinalState, FinalTheta []float64
	// Stats are the integrator's statistics (Evals = right-hand sides).
	Stats ode.Stats
	// Counts are the objective evaluations of the integration (right-hand
	// sides only: the samples' observations and spectra are not counted);
	// Thirds the third-derivative products.
	Counts sim.Counts
	Thirds int
	// Err is why the integration stopped early or could not start (nil
	// when it reached the end of the run); the samples until then are
	// kept.
	Err error
	// Failures are the spectrum measurements that failed numerically
	// (missing from Trace, as for gd.Recorder).
	Failures gd.Failures
	// Compare lays the flow over GD's period-2 observers (nil when GD's
	// were not recorded or the flow has no sample).
	Compare *compare.Report
	// Wall is the integration's wall-clock time, its samples included
	// (reported, never tested).
	Wall time.Duration
	// CentralSettings and CentralStats are the central flow's resolved
	// settings and statistics; SelfStab is the self-stabilisation
	// system's result (nil for the other flows).
	CentralSettings *flow.CentralSettings
	CentralStats    *flow.CentralStats
	SelfStab        *SelfStabResult
	// Snapshots are the kinetic flow's snapshots of every particle.
	Snapshots []*kinetic.Snapshot
}

// newFlowModel returns the flow's model on obj (wrapped for counting) and
// the unwrapped objective's third derivatives for model B.
func (e *Experiment) newFlowModel(fs *FlowSpec, obj sim.Objective) (flow.Model, *flow.ModelB, error) {
	eta := e.Spec.GD.Eta
	switch fs.Kind {
	case FlowModelA:
		return flow.NewModelA(obj, eta), nil, nil
	case FlowModelB:
		form := flow.SecondOrder
		if fs.Form == flow.Symmetrized.String() {
			form = flow.Symmetrized
		}
		third, _ := e.Objective.(sim.ThirdOrder)
		if form == flow.SecondOrder && third == nil {
			return nil, nil, fmt.Errorf("the second-order model B needs third derivatives, which this model lacks")
		}
		m := flow.NewModelB(obj, third, eta, fs.Rank, form)
		return m, m, nil
	}
	if fs.Kind == FlowKinetic {
		sys, err := kinetic.New(obj, eta)
		return sys, nil, err
	}
	return flow.NewGradient(obj), nil, nil
}

// gdStates keeps the iterates θ_{k−1}, θ_k, θ_{k+1} of the steps k flows
// start from.
type gdStates struct {
	want map[int][3][]float64
	last int // the last step observed
}

func newGDStates(flows FlowList) *gdStates {
	g := &gdStates{want: map[int][3][]float64{}}
	for _, f := range flows {
		if f.StartStep > 0 {
			g.want[f.StartStep] = [3][]float64{}
		}
	}
	return g
}

// Observe implements gd.Observer.
func (g *gdStates) Observe(s *gd.State) error {
	g.last = s.Step
	for k, its := range g.want {
		if d := s.Step - k + 1; d >= 0 && d <= 2 {
			its[d] = append([]float64(nil), s.Theta...)
			g.want[k] = its
		}
	}
	return nil
}

// center returns θ̄_k and a_k = (−1)^k(θ_k − θ̄_k), or false when GD did
// not reach step k+1.
func (g *gdStates) center(k int) (center, amp []float64, ok bool) {
	its := g.want[k]
	if its[2] == nil {
		return nil, nil, false
	}
	p := len(its[0])
	center, amp = make([]float64, p), make([]float64, p)
	sign := 1.0
	if k%2 != 0 {
		sign = -1
	}
	for i := range center {
		// The same arithmetic as the Recorder's centre and observers.
		center[i] = 0.25*(its[0][i]+its[2][i]) + 0.5*its[1][i]
		amp[i] = sign * (its[1][i] - center[i])
	}
	return center, amp, true
}

// topVectors returns the r top unit eigenvectors of ∇²E(θ) as columns, each
// signed so that its entry of largest magnitude is positive: exact (dense)
// up to DenseMaxDim parameters, else by Lanczos to a relative residual of
// 1e-8.
func (e *Experiment) topVectors(ctx context.Context, theta []float64, r int) (*mat.Dense, error) {
	p := e.Objective.Dim()
	var est hessian.Estimator
	if gd.ResolveSpectrumMethod(e.Spec.Measure.Method, p) == gd.SpectrumDense {
		est = &hessian.DenseSolver{Top: r}
	} else {
		est = hessian.NewLanczosSolver(hessian.Settings{Top: r, Tol: 1e-8})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := est.Estimate(sim.HessianAt(e.Objective, theta))
	if err != nil || res.Top.Vectors == nil {
		return nil, fmt.Errorf("top eigenvectors for the seed: %w", err)
	}
	v := mat.DenseCopyOf(res.Top.Vectors)
	for j := range r {
		big := 0
		for i := range p {
			if math.Abs(v.At(i, j)) > math.Abs(v.At(big, j)) {
				big = i
			}
		}
		if v.At(big, j) < 0 {
			for i := range p {
				v.Set(i, j, -v.At(i, j))
			}
		}
	}
	return v, nil
}

// initialState builds the flow's state y₀ and its start step.
func (e *Experiment) initialState(ctx context.Context, fs *FlowSpec, states *gdStates) ([]float64, error) {
	p := e.Objective.Dim()
	y := make([]float64, fs.stateDim(p))
	theta := e.Theta0
	var amp []float64
	if k := fs.StartStep; k > 0 {
		c, a, ok := states.center(k)
		if !ok {
			return nil, fmt.Errorf("the flow starts from GD's state at step %d, which needs θ_%d, but GD's run ended at step %d", k, k+1, states.last)
		}
		theta, amp = c, a
	}
	copy(y, theta)
	if fs.Kind == FlowGradient {
		return y, nil
	}
	r := 1
	if fs.Kind == FlowModelB {
		r = fs.Rank
	}
	seeded := r // columns to seed from eigenvectors
	if amp != nil {
		copy(y[p:2*p], amp)
		seeded = r - 1
	}
	if seeded == 0 {
		return y, nil
	}
	u, err := e.topVectors(ctx, theta, r)
	if err != nil {
		return nil, err
	}
	s := fs.SeedAmplitude * math.Max(1, gd.Norm(theta))
	col := make([]float64, p)
	for j := r - seeded; j < r; j++ {
		// Column j of Q (j ≥ 1 after a GD amplitude): s·u_j, made
		// orthogonal to the columns before it.
		mat.Col(col, j, u)
		for i := 0; i < j; i++ {
			q := y[p*(1+i) : p*(2+i)]
			c := floats.Dot(col, q) / floats.Dot(q, q)
			for l := range col {
				col[l] -= c * q[l]
			}
		}
		n := gd.Norm(col)
		for l := range col {
			y[p*(1+j)+l] = s * col[l] / n
		}
	}
	return y, nil
}

// runFlow integrates one flow of the spec and samples it like the GD
// trace: from its start step on, every trace_every steps, at every step
// where the spectrum is measured (every sharpness_every steps) and at the
// last one. Cancelling ctx stops it before the integrator's next step or
// within the measurement in progress (Err then wraps context.Canceled).
func (e *Experiment) runFlow(ctx context.Context, fs *FlowSpec, states *gdStates, spectrum gd.Spectrum) (*FlowResult, error) {
	s := e.Spec
	res := &FlowResult{Spec: fs}
	start := time.Now()
	defer func() { res.Wall = time.Since(start) }()
	counted := sim.NewCounted(e.Objective)
	model, mb, err := e.newFlowModel(fs, counted)
	if err != nil {
		res.Err = err
		return res, nil
	}
	y0, err := e.initialState(ctx, fs, states)
	if err != nil {
		res.Err = err
		return res, nil
	}
	p := e.Objective.Dim()
	grad := make([]float64, p)
	_, isGradient := model.(*flow.Gradient)
	var measureErr error
	sys, _ := model.(*kinetic.System)
	nextSnap := 0
	sample := func(k int, t float64, y []float64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var kin *KineticRow
		if sys != nil {
			// The particle system runs in t̃ = kη/m; its rows carry GD's
			// time kη like every flow's.
			kin = &KineticRow{TParticle: t, DeltaRMS: sys.Moments(y).DeltaRMS}
			t = float64(k) * s.GD.Eta
			if k >= nextSnap || k == s.GD.Steps {
				// The first sample at or after each multiple of
				// snapshot_every, and the last.
				res.Snapshots = append(res.Snapshots, sys.Snapshot(k, kin.TParticle, y))
				nextSnap = (k/fs.SnapshotEvery + 1) * fs.SnapshotEvery
			}
		}
		theta := y[:p]
		loss := e.Objective.Grad(theta, grad)
		pt := flow.Point{Loss: loss, CenterLoss: math.NaN(), LossPlus: math.NaN(), LossMinus: math.NaN(),
			Amplitude: math.NaN(), FreeEnergy: math.NaN()}
		if !isGradient {
			pt = model.Observe(y)
		}
		row := FlowRow{Row: gd.Row{Step: k, T: t, Loss: pt.Loss, GradNorm: gd.Norm(grad)}, Point: pt, Kinetic: kin}
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
		res.FinalState = append(res.FinalState[:0], y...)
		return nil
	}
	m, c := fs.integrator()
	grid := flow.Grid{Eta: s.GD.Eta, Steps: s.GD.Steps, Every: s.Measure.TraceEvery, MaxSteps: fs.MaxSteps, Start: fs.StartStep,
		Also: s.Measure.SharpnessEvery}
	if sys != nil {
		grid.Eta = sys.ParticleStep()
	}
	// The samples' own evaluations are not part of the flow's cost: count
	// the right-hand sides only.
	rhs := func(t float64, y, dy []float64) { model.RHS(t, y, dy) }
	stats, err := flow.SampleContext(ctx, rhs, y0, grid, m, c, func(k int, t float64, y []float64) error {
		before := counted.N
		err := sample(k, t, y)
		counted.N = before
		return err
	})
	res.Stats, res.Counts = stats, counted.N
	if mb != nil {
		res.Thirds = mb.Thirds
	}
	if measureErr != nil {
		return nil, fmt.Errorf("%s flow: spectrum: %w", fs.Name, measureErr)
	}
	res.Err = err
	if res.FinalState != nil {
		res.FinalTheta = res.FinalState[:p]
	}
	return res, nil
}

// observedGD returns GD's period-2 observations as compare.Observed: the
// centred time-averaged loss ¼(E_{k−1} + 2E_k + E_{k+1}) (gd.Period2's
// LossAvg3, which matches θ̄_k's filter), E(θ̄_k), |a_k|, and the centre
// sharpness where measured (the iterate's where the centre was not).
func observedGD(rows []gd.Row) compare.Observed {
	o := compare.Observed{Steps: make([]int, len(rows))}
	for _, s := range []*[]float64{&o.LossAvg, &o.CenterLoss, &o.Amplitude, &o.Sharpness} {
		*s = make([]float64, len(rows))
	}
	for i, r := range rows {
		o.Steps[i] = r.Step
		o.LossAvg[i], o.CenterLoss[i], o.Amplitude[i] = r.P2.LossAvg3, r.P2.CenterLoss, r.P2.Amplitude
		o.Sharpness[i] = r.CenterSharpness()
		if math.IsNaN(o.Sharpness[i]) {
			o.Sharpness[i] = r.Sharpness()
		}
	}
	return o
}

// observedFlow returns a flow's predictions as compare.Observed: gradient
// flow predicts E(θ) for both losses and no amplitude.
func observedFlow(rows []FlowRow) compare.Observed {
	o := compare.Observed{Steps: make([]int, len(rows))}
	for _, s := range []*[]float64{&o.LossAvg, &o.CenterLoss, &o.Amplitude, &o.Sharpness} {
		*s = make([]float64, len(rows))
	}
	for i, r := range rows {
		o.Steps[i] = r.Step
		o.LossAvg[i], o.CenterLoss[i], o.Amplitude[i] = r.Point.Loss, r.Point.CenterLoss, r.Point.Amplitude
		if math.IsNaN(o.CenterLoss[i]) {
			o.CenterLoss[i] = r.Point.Loss
		}
		if math.IsNaN(o.Amplitude[i]) {
			o.Amplitude[i] = 0
		}
		o.Sharpness[i] = r.Sharpness()
	}
	return o
}
