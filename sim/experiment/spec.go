package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/gd"
)

// Spec is an experiment: a model (and its data, for networks), an initial
// point, the GD settings and what to measure. It is read from JSON strictly
// (ParseSpec) and written back resolved, with every default filled in
// (spec.json in a run's output folder).
type Spec struct {
	// Name identifies the experiment; it names the default output folder
	// out/<name>. Letters, digits, '-', '_' and '.' only.
	Name string `json:"name" spec:"required"`
	// Description is a free one-line description.
	Description string `json:"description,omitempty"`
	// Seed is the master seed of every random choice that has no seed of its
	// own (random initial points). Default 1.
	Seed *uint64 `json:"seed,omitempty"`
	// Model selects the objective; see ModelSpec.
	Model ModelSpec `json:"model" spec:"required"`
	// Data is the data set of network models (absent for the others).
	Data *DataSpec `json:"data,omitempty"`
	// Init is the initial point θ₀.
	Init InitSpec `json:"init" spec:"required"`
	// GD holds the step size and the number of steps.
	GD GDSpec `json:"gd" spec:"required"`
	// Measure says what is recorded along the run.
	Measure MeasureSpec `json:"measure"`
	// Flows, when present, are continuous-time models integrated on the
	// run's time grid t = kη, each written beside GD (flow_<name>.csv) and
	// compared with GD's period-2 observers. The JSON field "flow" takes
	// one flow or an array of them (FlowList).
	Flows FlowList `json:"flow,omitempty"`

	// src is the spec file (empty for embedded specs) and dir its folder;
	// data file paths are relative to dir.
	src, dir string
}

// GDSpec are the gradient-descent settings.
type GDSpec struct {
	// Eta is the step size η (finite, > 0).
	Eta float64 `json:"eta" spec:"required"`
	// Steps is the number N ≥ 1 of GD updates.
	Steps int `json:"steps" spec:"required"`
}

// MeasureSpec says what a run records.
type MeasureSpec struct {
	// SharpnessEvery measures the top Hessian eigenvalues every this many
	// steps (0 = never). Default 0.
	SharpnessEvery int `json:"sharpness_every"`
	// TopK is how many top eigenvalues to record (λ₁ … λ_k). Default 1.
	TopK int `json:"top_k,omitempty" spec:"positive"`
	// TraceEvery writes a trace row every this many steps (the final state
	// is always written). Default 1: one row per GD step.
	TraceEvery int `json:"trace_every,omitempty" spec:"positive"`
	// Method is how the spectrum is measured: "auto" (default: "dense"
	// up to 300 parameters, "tracker" above), "dense", "lanczos" (a cold
	// solve at every measurement) or "tracker" (warm-started from the
	// previous measurement).
	Method string `json:"method,omitempty"`
	// Tol is the relative residual ‖Hv − λv‖/max(|λ|, ‖H‖) the matrix-free
	// methods converge to (default 1e-6); the trace reports the residual
	// reached.
	Tol float64 `json:"tol,omitempty" spec:"positive"`
	// SharpnessCenter also measures, at every measured step k, the
	// sharpness at the period-2 average θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4:
	// at the Edge of Stability it is this sharpness that hovers at 2/η.
	// Default true when the sharpness is measured (it doubles the cost of
	// the measurements).
	SharpnessCenter *bool `json:"sharpness_center,omitempty"`
	// Period2 records GD's period-2 observations at every recorded step
	// (gd.Period2: the time-averaged loss, E(θ̄_k), |a_k|, the free
	// energies, the loss envelopes) and detects loss spikes; the flows are
	// compared with them. Default true when the spec has a flow. It costs
	// two loss evaluations and one Hessian-vector product per recorded
	// step.
	Period2 *bool `json:"period2,omitempty"`
}

// InitSpec is the initial point: an explicit Theta, or a seeded random
// Scheme.
type InitSpec struct {
	// Theta is θ₀ itself, in the model's parameter layout.
	Theta []float64 `json:"theta,omitempty"`
	// Scheme draws θ₀ at random instead:
	//   - "gaussian": every parameter iid N(0, Scale²), from the spec's seed;
	//   - "network" (two-layer networks): input weights iid N(0, 1/d) and
	//     output weights iid N(0, Scale²) (Scale defaults to 1), from the
	//     spec's seed;
	//   - "anchor" (two-layer networks with one output): the exact
	//     initialisation of the Python performance anchors (SplitMix64
	//     seed 3, make_init of the anchors' common.py), whatever the seed.
	Scheme string `json:"scheme,omitempty"`
	// Scale is the standard deviation of the "gaussian" scheme and of the
	// output weights of the "network" scheme.
	Scale float64 `json:"scale,omitempty" spec:"positive"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// maxNameLen bounds the length of a spec's name, which names its output
// folder (file systems refuse names above 255 bytes; the staging folder
// adds a suffix).
const maxNameLen = 100

// ParseSpec reads a spec from JSON, strictly: an unknown field, a value of
// the wrong type, a missing required field or a value out of range is an
// error (a *SpecError) naming the field. Defaults are filled in; checks that
// need the model's parameter count (the length of init.theta) happen when
// the experiment is built (Build).
func ParseSpec(data []byte) (*Spec, error) {
	tree, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	var s Spec
	if err := bind(tree, reflect.ValueOf(&s).Elem(), ""); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// MaxSpecBytes bounds the size of a spec file: 4 MiB, far more than any
// spec needs (large data belong in data files, data.kind "file").
const MaxSpecBytes = 4 << 20

// ReadSpecFile reads and parses a spec file. Errors name the file. The
// path must name a regular file (after following symbolic links) of at most
// MaxSpecBytes: a device (/dev/zero, or /dev/stdin fed from one), a named
// pipe or a directory is refused by its type without being read, a larger
// file by its size, so that a wrong path fails at once.
func ReadSpecFile(path string) (*Spec, error) {
	raw, err := data.ReadRegular(path, MaxSpecBytes, "a spec (large data belong in a data file)")
	if errors.Is(err, data.ErrInvalid) {
		return nil, fmt.Errorf("spec %w", err) // "spec PATH: is a named pipe ..."
	}
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}
	s, err := ParseSpec(raw)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}
	s.src, s.dir = path, filepath.Dir(path)
	return s, nil
}

// validate checks ranges and fills defaults.
func (s *Spec) validate() error {
	if !nameRE.MatchString(s.Name) {
		return specErr("name", "%q must be non-empty and use only letters, digits, '-', '_' and '.'", s.Name)
	}
	if strings.HasPrefix(s.Name, ".") || len(s.Name) > maxNameLen {
		return specErr("name", "%q must not start with '.' and must have at most %d characters (it names the output folder)", s.Name, maxNameLen)
	}
	if s.Seed == nil {
		one := uint64(1)
		s.Seed = &one
	}
	if !(s.GD.Eta > 0) {
		return specErr("gd.eta", "must be > 0 (got %v)", s.GD.Eta)
	}
	if math.IsInf(2/s.GD.Eta, 0) {
		return specErr("gd.eta", "is so small that 2/η overflows (got %v)", s.GD.Eta)
	}
	if s.GD.Steps < 1 {
		return specErr("gd.steps", "must be ≥ 1 (got %d)", s.GD.Steps)
	}
	m := &s.Measure
	if m.SharpnessEvery < 0 {
		return specErr("measure.sharpness_every", "must be ≥ 0 (got %d)", m.SharpnessEvery)
	}
	if m.TopK == 0 {
		m.TopK = 1
	}
	if m.TopK < 1 {
		return specErr("measure.top_k", "must be ≥ 1 (got %d)", m.TopK)
	}
	if m.TraceEvery == 0 {
		m.TraceEvery = 1
	}
	if m.TraceEvery < 1 {
		return specErr("measure.trace_every", "must be ≥ 1 (got %d)", m.TraceEvery)
	}
	if m.Method == "" {
		m.Method = gd.SpectrumAuto
	}
	if !slices.Contains(gd.SpectrumMethods(), m.Method) {
		return specErr("measure.method", "unknown method %q (one of %s)", m.Method, strings.Join(gd.SpectrumMethods(), ", "))
	}
	if m.Tol == 0 {
		m.Tol = gd.DefaultSpectrumTol
	}
	if !(m.Tol > 0 && m.Tol < 1) {
		return specErr("measure.tol", "must be in (0, 1) (got %v)", m.Tol)
	}
	if m.SharpnessCenter == nil {
		on := m.SharpnessEvery > 0
		m.SharpnessCenter = &on
	}
	if err := s.Init.validate(); err != nil {
		return err
	}
	if m.Period2 == nil {
		on := len(s.Flows) > 0
		m.Period2 = &on
	}
	if len(s.Flows) > 0 {
		if err := s.Flows.validate(s); err != nil {
			return err
		}
	}
	if err := s.Model.params.validate("model"); err != nil {
		return err
	}
	needs := s.Model.params.needsData()
	switch {
	case needs && s.Data == nil:
		return specErr("data", "missing: model kind %q trains on data", s.Model.Kind)
	case !needs && s.Data != nil:
		return specErr("data", "model kind %q takes no data", s.Model.Kind)
	}
	if s.Data != nil {
		if err := s.Data.params.validate("data"); err != nil {
			return err
		}
	}
	return nil
}

func (in *InitSpec) validate() error {
	switch {
	case in.Theta != nil && in.Scheme != "":
		return specErr("init", "give either theta or scheme, not both")
	case in.Theta != nil:
		if len(in.Theta) == 0 {
			return specErr("init.theta", "is empty")
		}
		if in.Scale != 0 {
			return specErr("init.scale", "only applies to a random scheme")
		}
	case in.Scheme == "gaussian":
		if !(in.Scale > 0) {
			return specErr("init.scale", "must be > 0 for scheme \"gaussian\" (got %v)", in.Scale)
		}
	case in.Scheme == "network":
		if in.Scale == 0 {
			in.Scale = 1
		}
		if !(in.Scale > 0) {
			return specErr("init.scale", "must be > 0 (got %v)", in.Scale)
		}
	case in.Scheme == "anchor":
		if in.Scale != 0 {
			return specErr("init.scale", "does not apply to scheme \"anchor\"")
		}
	case in.Scheme == "":
		return specErr("init", "missing: give theta or scheme")
	default:
		return specErr("init.scheme", "unknown scheme %q (known: gaussian, network, anchor)", in.Scheme)
	}
	return nil
}

// Source returns the file the spec was read from ("" for embedded and
// parsed specs).
func (s *Spec) Source() string { return s.src }

// JSON returns the resolved spec as indented JSON.
func (s *Spec) JSON() []byte {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic("experiment: marshalling a spec: " + err.Error())
	}
	return append(b, '\n')
}

// finiteAll reports the index of the first non-finite entry, or -1.
func finiteAll(x []float64) int {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return i
		}
	}
	return -1
}

// kinds formats a sorted list of kind names.
func kinds[T any](m map[string]T) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}

// Overrides are command-line replacements of spec values; nil fields are
// left alone.
type Overrides struct {
	Steps  *int
	Eta    *float64
	Seed   *uint64
	Kernel *string
}

// Apply replaces the overridden values and validates the result. An
// invalid override is a *SpecError naming the flag.
func (s *Spec) Apply(o Overrides) error {
	if o.Steps != nil {
		if *o.Steps < 1 {
			return specErr("-steps", "must be ≥ 1 (got %d)", *o.Steps)
		}
		s.GD.Steps = *o.Steps
	}
	if o.Eta != nil {
		if !(*o.Eta > 0) || math.IsInf(*o.Eta, 0) {
			return specErr("-eta", "must be finite and > 0 (got %v)", *o.Eta)
		}
		if math.IsInf(2 / *o.Eta, 0) {
			return specErr("-eta", "is so small that 2/η overflows (got %v)", *o.Eta)
		}
		s.GD.Eta = *o.Eta
	}
	if o.Seed != nil {
		v := *o.Seed
		s.Seed = &v
	}
	if o.Kernel != nil {
		net, ok := s.Model.params.(*twolayerSpec)
		if !ok {
			return specErr("-kernel", "applies to two-layer networks, not to model kind %q", s.Model.Kind)
		}
		net.Kernel = *o.Kernel
		if err := net.validate("model"); err != nil {
			var se *SpecError
			if errors.As(err, &se) && se.Path == "model.kernel" {
				se.Path = "-kernel"
			}
			return err
		}
	}
	return s.validate()
}
