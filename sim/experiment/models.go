package experiment

import (
	"errors"
	"fmt"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/model"
)

// modelKinds is the table of model kinds, by the name specs use.
func modelKinds() map[string]func() modelParams {
	return map[string]func() modelParams{
		"quadratic": func() modelParams { return &quadraticSpec{} },
		"quartic":   func() modelParams { return &quarticSpec{} },
		"matfact":   func() modelParams { return &matfactSpec{} },
	}
}

// ModelKinds returns the model kinds a spec may name, sorted.
func ModelKinds() []string {
	var names []string
	for k := range modelKinds() {
		names = append(names, k)
	}
	sortStrings(names)
	return names
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

// noData is embedded by the kinds that take no data set.
type noData struct{}

func (noData) needsData() bool { return false }

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
