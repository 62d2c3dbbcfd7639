package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/hessian"
)

// buildEnv is what model and data builders may use.
type buildEnv struct {
	spec *Spec
	data *dataSet // nil unless the model needs data
}

// Experiment is a spec made concrete: the objective and the initial point.
type Experiment struct {
	Spec *Spec
	// Objective is the model's loss.
	Objective sim.Objective
	// Theta0 is the initial point.
	Theta0 []float64
	// Model is a one-line description of the model (and data).
	Model string
}

// Build constructs the objective and the initial point of a validated spec.
// Errors caused by the spec (a theta of the wrong length, a data file that
// does not parse, data that does not fit the model) are *SpecError values
// naming the field.
func Build(spec *Spec) (*Experiment, error) {
	env := &buildEnv{spec: spec}
	desc := spec.Model.params.describe()
	if spec.Data != nil {
		ds, err := spec.Data.params.load(env)
		if err != nil {
			return nil, err
		}
		env.data = ds
		desc += "; data: " + ds.describe
	}
	obj, err := spec.Model.params.build(env)
	if err != nil {
		return nil, err
	}
	if err := checkRunMemory(spec, obj.Dim()); err != nil {
		return nil, err
	}
	theta0, err := initialPoint(env, obj.Dim())
	if err != nil {
		return nil, err
	}
	// GD stops with an error (not a divergence) when it cannot even start:
	// that is bad input, reported here with the other spec errors so that
	// no output folder is created for it.
	grad := make([]float64, obj.Dim())
	if loss := obj.Grad(theta0, grad); math.IsNaN(loss) || math.IsInf(loss, 0) || finiteAll(grad) >= 0 {
		path := "init"
		if spec.Init.Theta != nil {
			path = "init.theta"
		}
		return nil, specErr(path, "the loss or its gradient at θ₀ is not finite (loss %v)", loss)
	}
	if k := spec.Measure.TopK; k > obj.Dim() {
		return nil, specErr("measure.top_k", "is %d, the model has %d parameters", k, obj.Dim())
	}
	return &Experiment{Spec: spec, Objective: obj, Theta0: theta0, Model: desc}, nil
}

// Stream identifiers that separate the random streams drawn from the master
// seed, so that adding a random choice never changes another one.
const (
	streamInit uint64 = 1 + iota
	streamData
)

func initialPoint(env *buildEnv, p int) ([]float64, error) {
	spec := env.spec
	in := spec.Init
	if in.Theta != nil {
		if len(in.Theta) != p {
			return nil, specErr("init.theta", "has %d entries, the model has %d parameters", len(in.Theta), p)
		}
		return append([]float64(nil), in.Theta...), nil
	}
	rng := rand.New(rand.NewPCG(*spec.Seed, streamInit))
	th := make([]float64, p)
	if in.Scheme == "gaussian" {
		for i := range th {
			th[i] = in.Scale * rng.NormFloat64()
		}
		return th, nil
	}
	net, ok := spec.Model.params.(*twolayerSpec)
	if !ok {
		return nil, specErr("init.scheme", "%q applies to two-layer networks, not to model kind %q", in.Scheme, spec.Model.Kind)
	}
	m, d := net.Width, env.data.set.D
	switch in.Scheme {
	case "network":
		sd := 1 / math.Sqrt(float64(d))
		for i := range th[:m*d] {
			th[i] = sd * rng.NormFloat64()
		}
		for i := m * d; i < p; i++ {
			th[i] = in.Scale * rng.NormFloat64()
		}
		return th, nil
	case "anchor":
		if net.Outputs != 1 {
			return nil, specErr("init.scheme", "\"anchor\" needs one output, the model has %d", net.Outputs)
		}
		return data.AnchorInit(m, d), nil
	}
	return nil, fmt.Errorf("experiment: unhandled init scheme %q", in.Scheme)
}

// checkRunMemory estimates the memory of the run of a p-parameter model
// (the model's own work space is checked by its spec) and rejects the spec
// when it exceeds MaxRunBytes, naming the field that drives it.
func checkRunMemory(spec *Spec, p int) error {
	fp := float64(p)
	vectors := 12.0 // GD: θ, ∇E, the last iterates, the recorder's centre points
	if *spec.Measure.Period2 {
		vectors += 6 // the period-2 observers' iterates and scratch
	}
	// The flows run one after the other: the largest state counts, 25
	// times (DOP853: 12 stages, its dense output, the samples), plus the
	// models' scratch and GD's captured start states.
	flowVectors := 0.0
	for _, f := range spec.Flows {
		flowVectors = math.Max(flowVectors, 25*float64(f.stateDim(p))/fp+8)
	}
	vectors += flowVectors + 4*float64(len(spec.Flows))
	// The spectrum is measured at least once, at the final iterate.
	method := gd.ResolveSpectrumMethod(spec.Measure.Method, p)
	spectrum := SpectrumBytes(p, max(spec.Measure.TopK, 1), method, trackerPeriods(spec.Measure))
	// The trace: a row per recorded step (about 100 bytes with a
	// measurement), and its CSV text when written; the flow's the same.
	rows := float64(spec.GD.Steps/max(spec.Measure.TraceEvery, 1) + 2)
	trace := 250 * rows
	trace *= float64(1 + len(spec.Flows))
	total := 8*fp*vectors + spectrum + trace
	if total <= MaxRunBytes {
		return nil
	}
	path, why := "model", fmt.Sprintf("%d parameters", p)
	switch {
	case trace > total/2:
		path, why = "gd.steps", fmt.Sprintf("a trace of %.0f rows", rows)
	case method == gd.SpectrumDense && spectrum > total/2:
		path, why = "measure.method", fmt.Sprintf("the dense Hessian of %d parameters", p)
	}
	return specErr(path, "the run would need about %.3g GiB for %s (limit %d GiB)", total/(1<<30), why, MaxRunBytes>>30)
}

// SpectrumBytes estimates the memory, in bytes, of measuring k extreme
// eigenvalues of a p-parameter Hessian by the given method (gd.SpectrumDense,
// gd.SpectrumLanczos or gd.SpectrumTracker): the assembled matrix, its
// eigenvectors and dsyev's work space for the dense path (24·p² bytes); the
// estimators' own workspace (hessian's WorkspaceFloats) for the others,
// the tracker recognising sequences of up to periods interleaved ones
// (hessian.TrackerSettings.Periods).
func SpectrumBytes(p, k int, method string, periods int) float64 {
	s := hessian.Settings{Top: k}
	switch method {
	case gd.SpectrumDense:
		return 24 * float64(p) * float64(p)
	case gd.SpectrumLanczos:
		return 8 * s.WorkspaceFloats(p)
	}
	return 8 * hessian.TrackerSettings{Settings: s, Periods: periods}.WorkspaceFloats(p)
}
