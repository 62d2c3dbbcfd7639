package flow

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim"
)

// Model is a continuous-time model of GD at the Edge of Stability: an ODE
// y' = RHS(t, y) in physical time t = kη whose state y holds θ in its first
// p entries (p = the objective's dimension) and, after it, whatever the
// model adds to describe the fast period-2 oscillation (an amplitude a, the
// factor Q of a covariance Σ = QQᵀ). Observe turns a state into the
// quantities that are compared with GD's period-2 observers (see Point).
//
// Gradient, ModelA and ModelB implement it. A Model keeps scratch space: it
// is not safe for concurrent use, and its methods do not allocate.
type Model interface {
	// Dim returns the dimension of the state y.
	Dim() int
	// Params returns p, the number of parameters θ = y[:p].
	Params() int
	// RHS writes dy/dt at (t, y) into dy; it is an ode.Func.
	RHS(t float64, y, dy []float64)
	// Observe returns the model's predictions at the state y.
	Observe(y []float64) Point
}

// Point is what a Model predicts at one state, in the terms of GD's
// period-2 decomposition θ_k = θ̄_k + (−1)^k a_k (design notes §3). Fields a
// model does not predict are NaN.
type Point struct {
	// Loss is the model's prediction of GD's time-averaged loss
	// L̄_k = ½(E(θ_k) + E(θ_{k+1})): E(θ) for gradient flow,
	// ½[E(θ+a) + E(θ−a)] for model A (exact on a 2-cycle).
	Loss float64
	// CenterLoss is E(θ), the prediction of E(θ̄_k) (NaN for gradient
	// flow, whose only loss is Loss).
	CenterLoss float64
	// LossPlus and LossMinus are E(θ+a) and E(θ−a), the predicted loss
	// envelope (one value per phase of the oscillation).
	LossPlus, LossMinus float64
	// Amplitude is |a| (‖Q‖_F = √tr Σ for model B), the prediction of GD's
	// |a_k|.
	Amplitude float64
	// FreeEnergy is the model's free energy F at the state.
	FreeEnergy float64
}

// nanPoint returns a Point with every field NaN.
func nanPoint() Point {
	n := math.NaN()
	return Point{Loss: n, CenterLoss: n, LossPlus: n, LossMinus: n, Amplitude: n, FreeEnergy: n}
}

// Params returns the number of parameters (the state is θ itself).
func (g *Gradient) Params() int { return g.obj.Dim() }

// Observe returns E(θ) as the predicted time-averaged loss; gradient flow
// has no oscillation, so every other field is NaN.
func (g *Gradient) Observe(theta []float64) Point {
	pt := nanPoint()
	pt.Loss = g.obj.Loss(theta)
	return pt
}

// ModelA is the amplitude form of the free-energy model of GD at the Edge of
// Stability (design notes §4.2, eoskit's reconstruction [D] of the
// structure the paper describes [P]): on the state y = (θ, a) ∈ R^p × R^p,
// with the free energy F(θ,a) = ½[E(θ+a) + E(θ−a)] − |a|²/η,
//
//	θ' = −∇_θF = −½[∇E(θ+a) + ∇E(θ−a)]
//	a' = +∇_aF = ½[∇E(θ+a) − ∇E(θ−a)] − (2/η)a
//
// in physical time t = kη. It is the period-2 split of GD (θ_k = θ̄ + (−1)^k
// a) with the one-step differences replaced by derivatives, so its
// stationary points are exactly GD's 2-cycles (θ̄ ± a) and, with a = 0, the
// critical points of E. Along it dF/dt = −|∇_θF|² + |∇_aF|² exactly: F is
// not a Lyapunov function (descent in θ, ascent in a). Each right-hand side
// costs two gradients.
//
// The linear part a' ≈ (∇²E(θ) − 2/η)a makes a grow along eigenvectors whose
// eigenvalue exceeds 2/η and decay along the others, so the model finds the
// unstable directions by itself; before the onset a decays like
// exp(−∫(2/η − λ₁)dt) and its seed sets the onset time (see the experiment
// documentation for the seeding rule).
//
// The system is stiff at the Edge of Stability: the a-block has eigenvalues
// down to about −2/η − |λ_min| and the θ-block −λ₁ ≈ −2/η, so an explicit
// method's step is limited to a fraction of η (DP5: about 0.8η).
type ModelA struct {
	obj sim.Objective
	eta float64
	p   int
	// scratch: θ ± a and the two gradients.
	plus, minus, gp, gm []float64
}

// NewModelA returns model A of obj with step size eta > 0.
func NewModelA(obj sim.Objective, eta float64) *ModelA {
	if obj == nil {
		panic("flow: nil objective")
	}
	if !(eta > 0) || math.IsInf(eta, 0) {
		panic(fmt.Sprintf("flow: model A step size η = %v must be finite and > 0", eta))
	}
	p := obj.Dim()
	return &ModelA{obj: obj, eta: eta, p: p,
		plus: make([]float64, p), minus: make([]float64, p), gp: make([]float64, p), gm: make([]float64, p)}
}

// Dim returns 2p: the state is (θ, a).
func (m *ModelA) Dim() int { return 2 * m.p }

// Params returns p.
func (m *ModelA) Params() int { return m.p }

// Eta returns the GD step size η the model describes.
func (m *ModelA) Eta() float64 { return m.eta }

// split sets plus = θ+a and minus = θ−a for the state y = (θ, a).
func (m *ModelA) split(y []float64) {
	theta, a := y[:m.p], y[m.p:2*m.p]
	for i, th := range theta {
		m.plus[i] = th + a[i]
		m.minus[i] = th - a[i]
	}
}

// RHS writes (θ', a') at y = (θ, a) into dy (two gradients). It is an
// ode.Func and does not allocate.
func (m *ModelA) RHS(_ float64, y, dy []float64) {
	m.checkLen(y, dy)
	m.split(y)
	m.obj.Grad(m.plus, m.gp)
	m.obj.Grad(m.minus, m.gm)
	a := y[m.p : 2*m.p]
	dth, da := dy[:m.p], dy[m.p:2*m.p]
	c := 2 / m.eta
	for i := range dth {
		gp, gm := m.gp[i], m.gm[i]
		dth[i] = -0.5 * (gp + gm)
		da[i] = 0.5*(gp-gm) - c*a[i]
	}
}

// FreeEnergy returns F(θ,a) = ½[E(θ+a) + E(θ−a)] − |a|²/η (two losses).
func (m *ModelA) FreeEnergy(y []float64) float64 { return m.Observe(y).FreeEnergy }

// Observe returns the predictions at y = (θ, a): the time-averaged loss
// ½[E(θ+a) + E(θ−a)], E(θ), E(θ ± a), |a| and F (three losses).
func (m *ModelA) Observe(y []float64) Point {
	m.checkLen(y, nil)
	m.split(y)
	lp, lm := m.obj.Loss(m.plus), m.obj.Loss(m.minus)
	a := y[m.p : 2*m.p]
	a2 := dot(a, a)
	avg := 0.5 * (lp + lm)
	return Point{Loss: avg, CenterLoss: m.obj.Loss(y[:m.p]), LossPlus: lp, LossMinus: lm,
		Amplitude: math.Sqrt(a2), FreeEnergy: avg - a2/m.eta}
}

func (m *ModelA) checkLen(y, dy []float64) {
	if len(y) != 2*m.p || (dy != nil && len(dy) != 2*m.p) {
		panic(fmt.Sprintf("flow: model A state has length %d (and derivative %d), want 2p = %d", len(y), len(dy), 2*m.p))
	}
}

// dot returns xᵀy.
func dot(x, y []float64) float64 {
	var s float64
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// BForm selects how model B computes its θ-drift (design notes §4.3).
type BForm int

const (
	// SecondOrder is the covariance form expanded to second order in Σ:
	// θ' = −∇E(θ) − ½∇³E(θ)[Σ], the analytic reference that defines
	// F(θ,Σ) = E(θ) + ½⟨Σ, ∇²E(θ) − (2/η)I⟩. It needs exact third
	// derivatives (sim.ThirdOrder).
	SecondOrder BForm = iota
	// Symmetrized replaces, per column q_j of Q, the second-order terms by
	// model A's symmetrised differences: θ' = −∇E − Σ_j(½[∇E(θ+q_j) +
	// ∇E(θ−q_j)] − ∇E) and q_j' = ½[∇E(θ+q_j) − ∇E(θ−q_j)] − (2/η)q_j,
	// the gradient flow (descent in θ, ascent in Q) of
	// F = E + Σ_j(½[E(θ+q_j) + E(θ−q_j)] − E) − ‖Q‖²_F/η. It keeps every
	// even order, so at rank 1 it is model A exactly (the same arithmetic:
	// ∇E(θ) is not evaluated) and its rank-1 stationary points are GD
	// 2-cycles.
	Symmetrized
)

// String returns "second-order" or "symmetrized".
func (f BForm) String() string {
	switch f {
	case SecondOrder:
		return "second-order"
	case Symmetrized:
		return "symmetrized"
	}
	return fmt.Sprintf("BForm(%d)", int(f))
}

// ModelB is the covariance form of the free-energy model (design notes
// §4.3, eoskit's reconstruction [D]; the paper's variables are (θ, Σ) [P],
// its exact equations are not known [A]): the time-averaged covariance of
// the oscillation is Σ = QQᵀ with Q ∈ R^{p×r} (rank r), and on the state
// y = (θ, q_1, …, q_r) ∈ R^{p(1+r)}
//
//	θ'   = −∇E(θ) − ½ Σ_j ∇³E(θ)[q_j, q_j]
//	q_j' = (∇²E(θ) − 2/η) q_j
//
// (SecondOrder), which is Σ' = (H − 2/η)Σ + Σ(H − 2/η): descent in θ and
// multiplicative ascent in Σ of F(θ,Σ) = E + ½⟨Σ, H − (2/η)I⟩, with
// dF/dt = −|∇_θF|² + tr((H − 2/η)Σ(H − 2/η)) (O25). Rank and
// semi-definiteness of Σ are preserved, and F is invariant under Q → QO for
// orthogonal O. A right-hand side costs one gradient, r Hessian-vector
// products and r third-derivative products. At rank 1 with Σ = aaᵀ it
// agrees with model A to O(|a|⁴) (exactly for a cubic E); see BForm for the
// symmetrised variant (1 + 2r gradients, r > 1; 2 at rank 1).
type ModelB struct {
	obj   sim.Objective
	prep  sim.HessianPreparer // obj's, or nil
	third sim.ThirdOrder
	eta   float64
	p, r  int
	form  BForm
	// scratch
	g0, hq, tq, plus, minus, gp, gm []float64
	op                              sim.Operator // the prepared Hessian, until the next objective call

	// Thirds counts the third-derivative products computed.
	Thirds int
}

// NewModelB returns model B of obj with step size eta > 0, rank r ≥ 1 and
// the given form. The SecondOrder form takes its third derivatives from
// third (normally obj itself, or the objective that obj wraps, such as the
// one inside a sim.Counted); it may be nil for Symmetrized.
func NewModelB(obj sim.Objective, third sim.ThirdOrder, eta float64, rank int, form BForm) *ModelB {
	switch {
	case obj == nil:
		panic("flow: nil objective")
	case !(eta > 0) || math.IsInf(eta, 0):
		panic(fmt.Sprintf("flow: model B step size η = %v must be finite and > 0", eta))
	case rank < 1:
		panic(fmt.Sprintf("flow: model B rank %d < 1", rank))
	case form != SecondOrder && form != Symmetrized:
		panic(fmt.Sprintf("flow: unknown model B form %d", int(form)))
	case form == SecondOrder && third == nil:
		panic("flow: the second-order model B needs third derivatives")
	}
	p := obj.Dim()
	m := &ModelB{obj: obj, third: third, eta: eta, p: p, r: rank, form: form}
	m.prep, _ = obj.(sim.HessianPreparer)
	for _, b := range []*[]float64{&m.g0, &m.hq, &m.tq, &m.plus, &m.minus, &m.gp, &m.gm} {
		*b = make([]float64, p)
	}
	return m
}

// Dim returns p(1 + r).
func (m *ModelB) Dim() int { return m.p * (1 + m.r) }

// Params returns p.
func (m *ModelB) Params() int { return m.p }

// Rank returns r.
func (m *ModelB) Rank() int { return m.r }

// Form returns the form of the θ-drift.
func (m *ModelB) Form() BForm { return m.form }

// col returns column j of Q in the state y.
func (m *ModelB) col(y []float64, j int) []float64 {
	return y[m.p*(1+j) : m.p*(2+j)]
}

// RHS writes y' at y = (θ, Q) into dy. It is an ode.Func and does not
// allocate.
func (m *ModelB) RHS(_ float64, y, dy []float64) {
	m.checkLen(y, dy)
	if m.form == Symmetrized {
		m.rhsSym(y, dy)
		return
	}
	theta, dth := y[:m.p], dy[:m.p]
	m.obj.Grad(theta, m.g0)
	c := 2 / m.eta
	m.hessAt(theta)
	for j := range m.r {
		q, dq := m.col(y, j), m.col(dy, j)
		m.hessVec(theta, q, m.hq)
		for i, h := range m.hq {
			dq[i] = h - c*q[i]
		}
	}
	m.op = nil
	for i, g := range m.g0 {
		dth[i] = -g
	}
	for j := range m.r {
		q := m.col(y, j)
		m.third.Third(theta, q, q, m.tq)
		m.Thirds++
		for i, t := range m.tq {
			dth[i] -= 0.5 * t
		}
	}
}

// hessAt prepares Hessian-vector products at θ (HessianPreparer), so that
// hessVec can reuse the preparation for each column.
func (m *ModelB) hessAt(theta []float64) {
	if m.prep != nil {
		m.op = m.prep.HessianAt(theta)
	}
}

// hessVec writes ∇²E(θ)v into dst, through the operator hessAt prepared
// when there is one (it stays valid while only it is used).
func (m *ModelB) hessVec(theta, v, dst []float64) {
	if m.op != nil {
		m.op.Apply(v, dst)
		return
	}
	m.obj.HessVec(theta, v, dst)
}

// rhsSym is the Symmetrized right-hand side.
func (m *ModelB) rhsSym(y, dy []float64) {
	theta, dth := y[:m.p], dy[:m.p]
	c := 2 / m.eta
	if m.r > 1 {
		m.obj.Grad(theta, m.g0)
		for i, g := range m.g0 {
			dth[i] = -g
		}
	} else {
		clear(dth)
	}
	for j := range m.r {
		q, dq := m.col(y, j), m.col(dy, j)
		for i, th := range theta {
			m.plus[i] = th + q[i]
			m.minus[i] = th - q[i]
		}
		m.obj.Grad(m.plus, m.gp)
		m.obj.Grad(m.minus, m.gm)
		for i := range dth {
			gp, gm := m.gp[i], m.gm[i]
			if m.r > 1 {
				dth[i] -= 0.5*(gp+gm) - m.g0[i]
			} else {
				dth[i] = -0.5 * (gp + gm)
			}
			dq[i] = 0.5*(gp-gm) - c*q[i]
		}
	}
}

// Observe returns the predictions at y = (θ, Q): E(θ); the time-averaged
// loss E(θ) + ½⟨Σ, ∇²E(θ)⟩ (SecondOrder, r Hessian-vector products) or
// E(θ) + Σ_j(½[E(θ+q_j) + E(θ−q_j)] − E(θ)) (Symmetrized); the amplitude
// ‖Q‖_F = √tr Σ; the free energy (that loss − ‖Q‖²_F/η); and, at rank 1
// only, the envelope E(θ ± q) (a covariance of rank r > 1 does not say
// which combination of its columns the iterates take: NaN).
func (m *ModelB) Observe(y []float64) Point {
	m.checkLen(y, nil)
	theta := y[:m.p]
	pt := nanPoint()
	e := m.obj.Loss(theta)
	pt.CenterLoss = e
	var q2, extra float64
	if m.form == SecondOrder {
		m.hessAt(theta)
		for j := range m.r {
			q := m.col(y, j)
			m.hessVec(theta, q, m.hq)
			extra += 0.5 * dot(q, m.hq)
		}
		m.op = nil
	}
	for j := range m.r {
		q := m.col(y, j)
		q2 += dot(q, q)
		if m.form == Symmetrized || m.r == 1 {
			for i, th := range theta {
				m.plus[i] = th + q[i]
				m.minus[i] = th - q[i]
			}
			lp, lm := m.obj.Loss(m.plus), m.obj.Loss(m.minus)
			if m.form == Symmetrized {
				extra += 0.5*(lp+lm) - e
			}
			if m.r == 1 {
				pt.LossPlus, pt.LossMinus = lp, lm
			}
		}
	}
	pt.Loss = e + extra
	if m.form == Symmetrized && m.r == 1 {
		pt.Loss = 0.5 * (pt.LossPlus + pt.LossMinus) // model A's arithmetic
	}
	pt.Amplitude = math.Sqrt(q2)
	pt.FreeEnergy = pt.Loss - q2/m.eta
	return pt
}

func (m *ModelB) checkLen(y, dy []float64) {
	if n := m.Dim(); len(y) != n || (dy != nil && len(dy) != n) {
		panic(fmt.Sprintf("flow: model B state has length %d (and derivative %d), want p(1+r) = %d", len(y), len(dy), n))
	}
}
