package ode

import (
	"fmt"
	"math"
)

// Tableau is the Butcher tableau of an explicit Runge–Kutta method with its
// optional embedded error estimators and continuous extension (dense
// output). Stage i is
//
//	kᵢ = f(t + Cᵢh, y + h Σ_{j<i} Aᵢⱼ kⱼ),
//
// the step is y₁ = y + h Σᵢ Bᵢkᵢ, the error estimate is e = h Σᵢ Eᵢkᵢ (and
// e₂ = h Σᵢ E2ᵢkᵢ), and the dense output at t + θh, θ ∈ [0, 1], is
//
//	y(θ) = y + h Σᵢ bᵢ(θ) kᵢ,   bᵢ(θ) = Σⱼ Dense[j][i] mⱼ(θ),
//
// in the basis of Hairer's codes, mⱼ(θ) = θ^(⌊j/2⌋+1) (1−θ)^⌈j/2⌉
// (θ, θ(1−θ), θ²(1−θ), θ²(1−θ)², …; see DenseBasis). The basis functions are
// non-negative on [0, 1], so the dense output is evaluated without
// cancellation, and Dense[0] = B makes it continuous at θ = 1.
//
// C, A, B, E, E2 and Dense cover all stages, including those used only by the
// error estimate or the dense output (weights of unused stages are zero). A
// stage whose row equals B and whose node is 1 is f(t+h, y₁): the integrator
// reuses it as the first stage of the next step (FSAL).
type Tableau struct {
	// Name identifies the method ("DOP853").
	Name string
	// C holds the nodes, one per stage.
	C []float64
	// A holds the coupling coefficients; A[i] has length i.
	A [][]float64
	// B holds the weights of the propagated solution.
	B []float64
	// Order is the order of the propagated solution.
	Order int

	// E holds the weights of the error estimate, B − B̂ for an embedded
	// solution B̂ of order EOrder; nil for a method without error estimate.
	E []float64
	// EOrder is the order of the embedded solution B − E.
	EOrder int
	// E2 is a second estimator, B − B̂₂ with B̂₂ of order E2Order, combined
	// with E as in Hairer's DOP853: err = ‖e‖²/sqrt(‖e‖² + 0.01‖e₂‖²), an
	// estimate of order (EOrder+1)·2 − (E2Order+1). nil when unused.
	E2 []float64
	// E2Order is the order of the embedded solution B − E2.
	E2Order int

	// Dense holds the continuous weights: Dense[j][i] is the coefficient of
	// stage i on the basis function mⱼ; nil for a method without dense
	// output.
	Dense [][]float64
	// DenseOrder is the order of the continuous extension: its local error
	// is O(h^(DenseOrder+1)) uniformly in θ.
	DenseOrder int
}

// clone returns a deep copy of t.
func (t Tableau) clone() Tableau {
	c := t
	c.C = append([]float64(nil), t.C...)
	c.B = append([]float64(nil), t.B...)
	c.E = cloneVec(t.E)
	c.E2 = cloneVec(t.E2)
	c.A = cloneMat(t.A)
	c.Dense = cloneMat(t.Dense)
	return c
}

func cloneVec(v []float64) []float64 {
	if v == nil {
		return nil
	}
	return append([]float64(nil), v...)
}

func cloneMat(m [][]float64) [][]float64 {
	if m == nil {
		return nil
	}
	c := make([][]float64, len(m))
	for i, r := range m {
		c[i] = append([]float64{}, r...)
	}
	return c
}

// Method is a one-step integration method. The methods of this package are
// explicit Runge–Kutta methods (*RK); the interface is sealed so that the
// integrator can rely on their structure.
type Method interface {
	// Name returns the method's name.
	Name() string
	// Order returns the order of the propagated solution.
	Order() int
	// Adaptive reports whether the method has an error estimate, so that it
	// can run under the PI controller.
	Adaptive() bool
	// DenseOrder returns the order of the dense output.
	DenseOrder() int
	// Tableau returns a copy of the method's Butcher tableau.
	Tableau() Tableau

	explicitRK() *RK
}

// sparse is a list of the non-zero entries of a weight vector.
type sparse struct {
	idx []int
	w   []float64
}

func newSparse(v []float64, n int) sparse {
	var s sparse
	for j := 0; j < n && j < len(v); j++ {
		if v[j] != 0 {
			s.idx = append(s.idx, j)
			s.w = append(s.w, v[j])
		}
	}
	return s
}

// RK is an explicit Runge–Kutta method built from a Tableau. It is immutable
// and may be shared by any number of integrators.
type RK struct {
	tab Tableau

	rows     []sparse // non-zero couplings of each stage
	b, e, e2 sparse   // non-zero weights of the solution and the estimators

	stepStages int         // stages computed in every attempted step
	next       int         // stage equal to f(t+h, y₁), or -1
	denseIdx   []int       // stages with a continuous weight
	denseCol   [][]float64 // their coefficients on the basis
	denseMax   int         // stages 0..denseMax-1 are needed by the dense output
	errOrder   int         // the error estimate is O(h^(errOrder+1))

	pi PI // default controller parameters
}

// NewRK validates tab and returns the method it defines. The PI controller's
// defaults for a method built this way are those of an I controller:
// Alpha = 1/(q+1) for an error estimate of order q+1, Beta = 0, Safety 0.9,
// MinScale 0.2, MaxScale 10.
func NewRK(tab Tableau) (*RK, error) {
	s := len(tab.C)
	if s == 0 {
		return nil, fmt.Errorf("ode: tableau %q has no stages", tab.Name)
	}
	if len(tab.A) != s || len(tab.B) != s {
		return nil, fmt.Errorf("ode: tableau %q: len(A)=%d, len(B)=%d, want %d", tab.Name, len(tab.A), len(tab.B), s)
	}
	for i, r := range tab.A {
		if len(r) != i {
			return nil, fmt.Errorf("ode: tableau %q: row %d of A has length %d, want %d (explicit methods only)", tab.Name, i, len(r), i)
		}
	}
	if tab.C[0] != 0 {
		return nil, fmt.Errorf("ode: tableau %q: C[0] = %g, want 0", tab.Name, tab.C[0])
	}
	if tab.Order < 1 {
		return nil, fmt.Errorf("ode: tableau %q: order %d < 1", tab.Name, tab.Order)
	}
	if (tab.E != nil && len(tab.E) != s) || (tab.E2 != nil && len(tab.E2) != s) {
		return nil, fmt.Errorf("ode: tableau %q: error weights must have one entry per stage", tab.Name)
	}
	if tab.E2 != nil && tab.E == nil {
		return nil, fmt.Errorf("ode: tableau %q: E2 without E", tab.Name)
	}
	for j, r := range tab.Dense {
		if len(r) != s {
			return nil, fmt.Errorf("ode: tableau %q: Dense[%d] has length %d, want %d", tab.Name, j, len(r), s)
		}
	}
	if tab.Dense == nil && tab.DenseOrder != 0 {
		return nil, fmt.Errorf("ode: tableau %q: DenseOrder %d without Dense", tab.Name, tab.DenseOrder)
	}
	for _, v := range [][]float64{tab.C, tab.B, tab.E, tab.E2} {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("ode: tableau %q has a non-finite coefficient", tab.Name)
			}
		}
	}

	m := &RK{tab: tab.clone(), next: -1}
	tab = m.tab
	m.rows = make([]sparse, s)
	for i := range tab.A {
		m.rows[i] = newSparse(tab.A[i], i)
	}
	m.b = newSparse(tab.B, s)
	m.e = newSparse(tab.E, s)
	m.e2 = newSparse(tab.E2, s)

	// Stages needed by every step: those with weight in B, E or E2.
	for _, sp := range []sparse{m.b, m.e, m.e2} {
		for _, j := range sp.idx {
			m.stepStages = max(m.stepStages, j+1)
		}
	}
	m.stepStages = max(m.stepStages, 1)
	// A stage with row B and node 1 is f(t+h, y₁).
	for i := 1; i < s; i++ {
		if tab.C[i] != 1 {
			continue
		}
		same := true
		for j := 0; j < s; j++ {
			var a float64
			if j < i {
				a = tab.A[i][j]
			}
			if a != tab.B[j] {
				same = false
				break
			}
		}
		if same {
			m.next = i
			break
		}
	}
	// Everything a stage needs must be available when it is computed.
	for i := 1; i < m.stepStages; i++ {
		for _, j := range m.rows[i].idx {
			if j >= i {
				return nil, fmt.Errorf("ode: tableau %q: stage %d depends on stage %d", tab.Name, i, j)
			}
		}
	}
	for i := range s {
		var col []float64
		nz := false
		for _, r := range tab.Dense {
			col = append(col, r[i])
			nz = nz || r[i] != 0
		}
		if nz {
			m.denseIdx = append(m.denseIdx, i)
			m.denseCol = append(m.denseCol, col)
			m.denseMax = i + 1
		}
	}

	switch {
	case tab.E2 != nil:
		if tab.EOrder < 1 || tab.E2Order < 1 {
			return nil, fmt.Errorf("ode: tableau %q: estimator orders must be positive", tab.Name)
		}
		m.errOrder = 2*(tab.EOrder+1) - (tab.E2Order + 1) - 1
	case tab.E != nil:
		if tab.EOrder < 1 {
			return nil, fmt.Errorf("ode: tableau %q: estimator order must be positive", tab.Name)
		}
		m.errOrder = tab.EOrder
	}
	if m.errOrder > 0 {
		m.pi = PI{Alpha: 1 / float64(m.errOrder+1), Safety: 0.9, MinScale: 0.2, MaxScale: 10}
	}
	return m, nil
}

// Name returns the tableau's name.
func (m *RK) Name() string { return m.tab.Name }

// Order returns the order of the propagated solution.
func (m *RK) Order() int { return m.tab.Order }

// Adaptive reports whether the method has an error estimate.
func (m *RK) Adaptive() bool { return m.tab.E != nil }

// DenseOrder returns the order of the continuous extension (0 when there is
// none).
func (m *RK) DenseOrder() int { return m.tab.DenseOrder }

// Tableau returns a deep copy of the method's tableau.
func (m *RK) Tableau() Tableau { return m.tab.clone() }

// Stages returns the number of stages evaluated in every attempted step (the
// first is f(t, y), shared with the previous step when the method is FSAL).
func (m *RK) Stages() int { return m.stepStages }

// FSAL reports whether the method's last stage is f(t+h, y₁), reused as the
// first stage of the next step.
func (m *RK) FSAL() bool { return m.next >= 0 }

// DenseStages returns the number of extra stages evaluated, only in steps
// where dense output is needed, beyond those of the step and f(t+h, y₁).
func (m *RK) DenseStages() int {
	n := 0
	for i := m.stepStages; i < m.denseMax; i++ {
		if i != m.next {
			n++
		}
	}
	return n
}

// DefaultPI returns the PI parameters the method uses for the zero-valued
// fields of a PI controller.
func (m *RK) DefaultPI() PI { return m.pi }

func (m *RK) explicitRK() *RK { return m }

var _ Method = (*RK)(nil)

// DenseBasis writes the values of the dense-output basis functions
// mⱼ(θ) = θ^(⌊j/2⌋+1) (1−θ)^⌈j/2⌉, j = 0, …, len(dst)−1, into dst.
func DenseBasis(theta float64, dst []float64) {
	v := theta
	for j := range dst {
		if j > 0 {
			if j%2 == 1 {
				v *= 1 - theta
			} else {
				v *= theta
			}
		}
		dst[j] = v
	}
}
