package experiment

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/kernel"
	"github.com/eoskit/eoskit/sim/model"
)

// modelKinds is the table of model kinds, by the name specs use.
func modelKinds() map[string]func() modelParams {
	return map[string]func() modelParams{
		"quadratic":   func() modelParams { return &quadraticSpec{} },
		"quartic":     func() modelParams { return &quarticSpec{} },
		"matfact":     func() modelParams { return &matfactSpec{} },
		"uv":          func() modelParams { return &uvSpec{} },
		"deep-scalar": func() modelParams { return &deepScalarSpec{} },
		"minimalist":  func() modelParams { return &minimalistSpec{} },
		"valley":      func() modelParams { return &valleySpec{} },
		"twolayer":    func() modelParams { return &twolayerSpec{} },
	}
}

// ModelKinds returns the model kinds a spec may name, sorted.
func ModelKinds() []string {
	return slices.Sorted(maps.Keys(modelKinds()))
}

// modelError turns a model constructor's parameter error into a SpecError
// on the spec field it names.
func modelError(err error) error {
	var pe *model.ParamError
	if errors.As(err, &pe) {
		return specErr(join("model", pe.Param), "%s", pe.Msg)
	}
	return fmt.Errorf("model: %w", err)
}

// MaxElements bounds every array a spec makes eoskit allocate (parameters,
// data, network work space): 2²⁷ float64 values, 1 GiB. A spec that asks for
// more is rejected as bad input instead of exhausting the machine's memory.
const MaxElements = data.MaxElements

// MaxRunBytes bounds the memory a run may need, as Build estimates it
// (parameters, spectrum method, flow, trace): 8 GiB. A
// spec over it is rejected as bad input before anything is allocated for
// the run.
const MaxRunBytes = 8 << 30

// checkSize returns a SpecError on path when the product of the factors
// exceeds MaxElements.
func checkSize(path, what string, factors ...int) error {
	prod := 1
	for _, f := range factors {
		if f > 0 && prod > MaxElements/f {
			return specErr(path, "asks for more than %d %s (the limit is 2²⁷ values, 1 GiB)", MaxElements, what)
		}
		prod *= max(f, 1)
	}
	return nil
}

// matrix flattens a square matrix given as rows, checking its shape.
func matrix(rows [][]float64, path string) ([]float64, int, error) {
	n := len(rows)
	if n == 0 {
		return nil, 0, specErr(path, "is empty")
	}
	flat := make([]float64, 0, n*n)
	for i, r := range rows {
		if len(r) != n {
			return nil, 0, specErr(fmt.Sprintf("%s[%d]", path, i), "has %d entries; the matrix has %d rows and must be square", len(r), n)
		}
		flat = append(flat, r...)
	}
	return flat, n, nil
}

// noData is embedded by the kinds that take no data set (all of them
// polynomial, hence smooth).
type noData struct{}

func (noData) needsData() bool { return false }
func (noData) smooth() bool    { return true }

// quadraticSpec: E = ½(θ−c)ᵀA(θ−c).
type quadraticSpec struct {
	noData
	// Hessian is the symmetric matrix A, as rows.
	Hessian [][]float64 `json:"hessian" spec:"required"`
	// Center is the minimiser c (default 0).
	Center []float64 `json:"center"`
}

func (q *quadraticSpec) validate(path string) error {
	_, n, err := matrix(q.Hessian, join(path, "hessian"))
	if err != nil {
		return err
	}
	if q.Center == nil {
		q.Center = make([]float64, n)
	}
	if len(q.Center) != n {
		return specErr(join(path, "center"), "has %d entries, the hessian is %d×%d", len(q.Center), n, n)
	}
	return nil
}

func (q *quadraticSpec) build(*buildEnv) (sim.Objective, error) {
	a, _, err := matrix(q.Hessian, "model.hessian")
	if err != nil {
		return nil, err
	}
	m, err := model.NewQuadratic(a, q.Center)
	if err != nil {
		return nil, modelError(err)
	}
	return m, nil
}

func (q *quadraticSpec) describe() string {
	return fmt.Sprintf("quadratic ½(θ−c)ᵀA(θ−c), p=%d", len(q.Center))
}

// quarticSpec: E = ¼(x²−1)².
type quarticSpec struct{ noData }

func (*quarticSpec) validate(string) error                  { return nil }
func (*quarticSpec) build(*buildEnv) (sim.Objective, error) { return model.NewQuartic(), nil }
func (*quarticSpec) describe() string                       { return "quartic ¼(x²−1)²" }

// matfactSpec: E = ½‖W_L⋯W_1 − M‖²_F.
type matfactSpec struct {
	noData
	// Depth is L ≥ 1, Dim is d ≥ 1.
	Depth int `json:"depth" spec:"required"`
	Dim   int `json:"dim" spec:"required"`
	// Target is M (d×d), as rows.
	Target [][]float64 `json:"target" spec:"required"`
}

func (m *matfactSpec) validate(path string) error {
	if m.Depth < 1 {
		return specErr(join(path, "depth"), "must be ≥ 1 (got %d)", m.Depth)
	}
	if m.Dim < 1 {
		return specErr(join(path, "dim"), "must be ≥ 1 (got %d)", m.Dim)
	}
	// Blame dim when one d×d factor is already too large, depth otherwise.
	culprit := join(path, "depth")
	if checkSize("", "", m.Dim, m.Dim) != nil || 4*2*(24+8*float64(m.Dim)*float64(m.Dim)) > MaxRunBytes {
		culprit = join(path, "dim")
	}
	if err := checkSize(culprit, "parameters", m.Depth, m.Dim, m.Dim); err != nil {
		return err
	}
	// The model keeps four jets of L+1 d×d matrices, each its own slice.
	if b := 4 * float64(m.Depth+1) * (24 + 8*float64(m.Dim)*float64(m.Dim)); b > MaxRunBytes {
		return specErr(culprit, "%d factors of %d×%d would need %.3g GiB of work space (limit %d GiB)", m.Depth, m.Dim, m.Dim, b/(1<<30), MaxRunBytes>>30)
	}
	_, n, err := matrix(m.Target, join(path, "target"))
	if err != nil {
		return err
	}
	if n != m.Dim {
		return specErr(join(path, "target"), "is %d×%d, dim is %d", n, n, m.Dim)
	}
	return nil
}

func (m *matfactSpec) build(*buildEnv) (sim.Objective, error) {
	t, _, err := matrix(m.Target, "model.target")
	if err != nil {
		return nil, err
	}
	mf, err := model.NewMatFact(m.Depth, m.Dim, t)
	if err != nil {
		return nil, modelError(err)
	}
	return mf, nil
}

func (m *matfactSpec) describe() string {
	return fmt.Sprintf("deep matrix factorisation ½‖W_%d⋯W_1 − M‖²_F, d=%d", m.Depth, m.Dim)
}

// uvSpec: u, v ∈ R^m, E = ½(vᵀu/√m − y)².
type uvSpec struct {
	noData
	Width  int     `json:"width" spec:"required"`
	Target float64 `json:"target" spec:"required"`
}

func (u *uvSpec) validate(path string) error {
	if u.Width < 1 {
		return specErr(join(path, "width"), "must be ≥ 1 (got %d)", u.Width)
	}
	return checkSize(join(path, "width"), "parameters", 2, u.Width)
}

func (u *uvSpec) build(*buildEnv) (sim.Objective, error) {
	m, err := model.NewUV(u.Width, u.Target)
	if err != nil {
		return nil, modelError(err)
	}
	return m, nil
}

func (u *uvSpec) describe() string {
	return fmt.Sprintf("uv model ½(vᵀu/√m − y)², m=%d, y=%g", u.Width, u.Target)
}

// deepScalarSpec: E = ½(∏ w_i − y)².
type deepScalarSpec struct {
	noData
	Depth  int     `json:"depth" spec:"required"`
	Target float64 `json:"target" spec:"required"`
}

func (d *deepScalarSpec) validate(path string) error {
	if d.Depth < 1 {
		return specErr(join(path, "depth"), "must be ≥ 1 (got %d)", d.Depth)
	}
	return checkSize(join(path, "depth"), "parameters", d.Depth)
}

func (d *deepScalarSpec) build(*buildEnv) (sim.Objective, error) {
	m, err := model.NewDeepScalar(d.Depth, d.Target)
	if err != nil {
		return nil, modelError(err)
	}
	return m, nil
}

func (d *deepScalarSpec) describe() string {
	return fmt.Sprintf("deep scalar network ½(w_1⋯w_%d − y)², y=%g", d.Depth, d.Target)
}

// minimalistSpec: E = ¼(x²y² − 1)².
type minimalistSpec struct{ noData }

func (*minimalistSpec) validate(string) error { return nil }
func (*minimalistSpec) build(*buildEnv) (sim.Objective, error) {
	return model.NewMinimalist(), nil
}
func (*minimalistSpec) describe() string { return "minimalist example ¼(x²y² − 1)²" }

// valleySpec: E = ½(y + ζx)x² − ε(x + y).
type valleySpec struct {
	noData
	// Zeta and Epsilon default to the design notes' ζ = 1, ε = 0.01.
	Zeta    *float64 `json:"zeta"`
	Epsilon *float64 `json:"epsilon"`
}

func (v *valleySpec) validate(string) error {
	if v.Zeta == nil {
		z := 1.0
		v.Zeta = &z
	}
	if v.Epsilon == nil {
		e := 0.01
		v.Epsilon = &e
	}
	return nil
}

func (v *valleySpec) build(*buildEnv) (sim.Objective, error) {
	m, err := model.NewValley(*v.Zeta, *v.Epsilon)
	if err != nil {
		return nil, modelError(err)
	}
	return m, nil
}

func (v *valleySpec) describe() string {
	return fmt.Sprintf("sharp valley ½(y + ζx)x² − ε(x + y), ζ=%g, ε=%g", *v.Zeta, *v.Epsilon)
}

// twolayerSpec: f(x) = s·Σ_i a_i σ(w_i·x), loss (1/2n)Σ‖f(x_s) − y_s‖².
type twolayerSpec struct {
	Width int `json:"width" spec:"required"`
	// Activation is tanh (default), gelu or relu.
	Activation string `json:"activation"`
	// Scaling is mean-field (s = 1/m, default) or ntk (s = 1/√m).
	Scaling string `json:"scaling"`
	// Outputs is c; default the data's number of outputs.
	Outputs int `json:"outputs" spec:"positive"`
	// Kernel names the matrix-kernel variant (default: the fastest
	// available in this build, kernel.Default).
	Kernel string `json:"kernel"`
}

func (*twolayerSpec) needsData() bool { return true }

func (w *twolayerSpec) smooth() bool { return w.Activation != model.ReLU.String() }

func (w *twolayerSpec) validate(path string) error {
	if w.Width < 1 {
		return specErr(join(path, "width"), "must be ≥ 1 (got %d)", w.Width)
	}
	if w.Activation == "" {
		w.Activation = model.Tanh.String()
	}
	if _, err := model.ParseActivation(w.Activation); err != nil {
		return specErr(join(path, "activation"), "unknown activation %q (tanh, gelu or relu)", w.Activation)
	}
	if w.Scaling == "" {
		w.Scaling = model.MeanField.String()
	}
	if _, err := model.ParseScaling(w.Scaling); err != nil {
		return specErr(join(path, "scaling"), "unknown scaling %q (mean-field or ntk)", w.Scaling)
	}
	if w.Outputs < 0 {
		return specErr(join(path, "outputs"), "must be ≥ 1 (got %d)", w.Outputs)
	}
	if w.Kernel == "" {
		w.Kernel = kernel.Default().Name()
	}
	if _, err := kernel.Get(w.Kernel); err != nil {
		return specErr(join(path, "kernel"), "unknown kernel %q (available in this build: %s)", w.Kernel, strings.Join(kernel.Names(), ", "))
	}
	return nil
}

func (w *twolayerSpec) build(env *buildEnv) (sim.Objective, error) {
	ds := env.data.set
	if w.Outputs == 0 {
		w.Outputs = ds.C
	}
	if w.Outputs != ds.C {
		return nil, specErr("model.outputs", "is %d but the data has %d outputs per example", w.Outputs, ds.C)
	}
	// Parameters m(d+c), and the network's n×m work arrays.
	if err := checkSize("model.width", "parameters", w.Width, ds.D+ds.C); err != nil {
		return nil, err
	}
	if err := checkSize("model.width", "values of work space (n×m)", w.Width, ds.N); err != nil {
		return nil, err
	}
	act, _ := model.ParseActivation(w.Activation)
	sc, _ := model.ParseScaling(w.Scaling)
	be, err := kernel.Get(w.Kernel)
	if err != nil {
		return nil, specErr("model.kernel", "%v", err)
	}
	m, err := model.NewTwoLayer(model.TwoLayerConfig{
		Width: w.Width, Activation: act, Scaling: sc, Outputs: w.Outputs,
		N: ds.N, D: ds.D, X: ds.X, Y: ds.Y, Backend: be,
	})
	if err != nil {
		return nil, modelError(err)
	}
	return m, nil
}

func (w *twolayerSpec) describe() string {
	return fmt.Sprintf("two-layer %s network, m=%d, %s scaling", w.Activation, w.Width, w.Scaling)
}
