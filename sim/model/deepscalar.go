package model

import "github.com/eoskit/eoskit/sim"

// DeepScalar is the depth-L scalar linear network of Kreisler et al. 2023
// [L] (design notes §2.2):
//
//	E(w) = ½(w_1 w_2 ⋯ w_L − y)².
//
// At a minimum the sharpness is y²·Σ_i 1/w_i² (L|y|^{2−2/L} when balanced);
// gradient flow conserves w_i² − w_j², and the sharpness of the
// gradient-flow solution decreases monotonically under GD (oracles O14,
// O15).
//
// Layout: θ = [w_1, …, w_L].
//
// Derivatives use prefix and suffix products (no division, so zeros are
// fine) and their forward-mode jets: O(L) for every method.
type DeepScalar struct {
	depth int
	y     float64
	// Prefix products P[i] = w_0⋯w_{i−1} and suffix products
	// S[i] = w_i⋯w_{L−1} (0-based), with their jets along u, v and u·v.
	p, pu, pv, puv []float64
	s, su, sv, suv []float64
}

var (
	_ sim.Objective  = (*DeepScalar)(nil)
	_ sim.ThirdOrder = (*DeepScalar)(nil)
	_ sim.Cloner     = (*DeepScalar)(nil)
)

// NewDeepScalar returns the depth-L scalar network with target y. Errors
// name the spec fields "depth" and "target".
func NewDeepScalar(depth int, target float64) (*DeepScalar, error) {
	if depth < 1 {
		return nil, paramErr("deep-scalar", "depth", "is %d, want ≥ 1", depth)
	}
	if !isFinite(target) {
		return nil, paramErr("deep-scalar", "target", "is not finite")
	}
	m := &DeepScalar{depth: depth, y: target}
	m.alloc()
	return m, nil
}

func (m *DeepScalar) alloc() {
	n := m.depth + 1
	buf := make([]float64, 8*n)
	m.p, m.pu, m.pv, m.puv = buf[0:n], buf[n:2*n], buf[2*n:3*n], buf[3*n:4*n]
	m.s, m.su, m.sv, m.suv = buf[4*n:5*n], buf[5*n:6*n], buf[6*n:7*n], buf[7*n:8*n]
}

// Dim returns L.
func (m *DeepScalar) Dim() int { return m.depth }

// Target returns y.
func (m *DeepScalar) Target() float64 { return m.y }

// Clone returns a copy with its own scratch space.
func (m *DeepScalar) Clone() sim.Objective {
	c := &DeepScalar{depth: m.depth, y: m.y}
	c.alloc()
	return c
}

// products fills the prefix and suffix products of w.
func (m *DeepScalar) products(w []float64) {
	L := m.depth
	m.p[0] = 1
	for i := 0; i < L; i++ {
		m.p[i+1] = m.p[i] * w[i]
	}
	m.s[L] = 1
	for i := L - 1; i >= 0; i-- {
		m.s[i] = w[i] * m.s[i+1]
	}
}

// jet fills the first-order jets (dp, ds) of the prefix and suffix products
// along a.
func (m *DeepScalar) jet(w, a, dp, ds []float64) {
	L := m.depth
	dp[0] = 0
	for i := 0; i < L; i++ {
		dp[i+1] = a[i]*m.p[i] + w[i]*dp[i]
	}
	ds[L] = 0
	for i := L - 1; i >= 0; i-- {
		ds[i] = a[i]*m.s[i+1] + w[i]*ds[i+1]
	}
}

// Loss returns E(θ).
func (m *DeepScalar) Loss(theta []float64) float64 {
	checkLen("DeepScalar.Loss", "theta", len(theta), m.depth)
	m.products(theta)
	r := m.p[m.depth] - m.y
	return 0.5 * r * r
}

// Grad writes ∂E/∂w_i = r·∏_{j≠i} w_j into grad and returns E.
func (m *DeepScalar) Grad(theta, grad []float64) float64 {
	checkLen("DeepScalar.Grad", "theta", len(theta), m.depth)
	checkLen("DeepScalar.Grad", "grad", len(grad), m.depth)
	m.products(theta)
	r := m.p[m.depth] - m.y
	for i := range grad {
		grad[i] = r * m.p[i] * m.s[i+1]
	}
	return 0.5 * r * r
}

// HessVec writes ∇²E·v into hv.
func (m *DeepScalar) HessVec(theta, v, hv []float64) {
	checkLen("DeepScalar.HessVec", "theta", len(theta), m.depth)
	checkLen("DeepScalar.HessVec", "v", len(v), m.depth)
	checkLen("DeepScalar.HessVec", "hv", len(hv), m.depth)
	m.products(theta)
	m.jet(theta, v, m.pv, m.sv)
	L := m.depth
	r, rv := m.p[L]-m.y, m.pv[L]
	for i := range hv {
		pi := m.p[i] * m.s[i+1]
		piv := m.pv[i]*m.s[i+1] + m.p[i]*m.sv[i+1]
		hv[i] = rv*pi + r*piv
	}
}

// Third writes ∇³E[u,v] into out.
func (m *DeepScalar) Third(theta, u, v, out []float64) {
	checkLen("DeepScalar.Third", "theta", len(theta), m.depth)
	checkLen("DeepScalar.Third", "u", len(u), m.depth)
	checkLen("DeepScalar.Third", "v", len(v), m.depth)
	checkLen("DeepScalar.Third", "out", len(out), m.depth)
	w := theta
	m.products(w)
	m.jet(w, u, m.pu, m.su)
	m.jet(w, v, m.pv, m.sv)
	L := m.depth
	m.puv[0] = 0
	for i := 0; i < L; i++ {
		m.puv[i+1] = u[i]*m.pv[i] + v[i]*m.pu[i] + w[i]*m.puv[i]
	}
	m.suv[L] = 0
	for i := L - 1; i >= 0; i-- {
		m.suv[i] = u[i]*m.sv[i+1] + v[i]*m.su[i+1] + w[i]*m.suv[i+1]
	}
	r, ru, rv, ruv := m.p[L]-m.y, m.pu[L], m.pv[L], m.puv[L]
	for i := range out {
		s, su, sv, suv := m.s[i+1], m.su[i+1], m.sv[i+1], m.suv[i+1]
		pi := m.p[i] * s
		piu := m.pu[i]*s + m.p[i]*su
		piv := m.pv[i]*s + m.p[i]*sv
		piuv := m.puv[i]*s + m.pu[i]*sv + m.pv[i]*su + m.p[i]*suv
		out[i] = ruv*pi + ru*piv + rv*piu + r*piuv
	}
}
