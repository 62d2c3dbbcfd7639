package model

import (
	"math"

	"github.com/eoskit/eoskit/sim"
)

// UV is the scalar-product ("uv", catapult) model of Lewkowycz et al. 2020
// [L] (design notes §2.2):
//
//	f = vᵀu/√m,  E = ½(f − y)²,  u, v ∈ R^m.
//
// Width m = 1 gives the scalar model E = ½(uv − y)². The neural tangent
// kernel is λ = ‖∇f‖² = (|u|² + |v|²)/m; GD follows the exact catapult
// recursions of oracle O13, and the imbalance |u|² − |v|² is multiplied by
// 1 − η²r²/m per step (O11).
//
// Layout: θ = [u_1, …, u_m, v_1, …, v_m].
type UV struct {
	m int
	y float64
	s float64 // 1/√m
}

var (
	_ sim.Objective  = (*UV)(nil)
	_ sim.ThirdOrder = (*UV)(nil)
	_ sim.Cloner     = (*UV)(nil)
)

// NewUV returns the uv model of the given width m ≥ 1 and target y. Errors
// name the spec fields "width" and "target".
func NewUV(width int, target float64) (*UV, error) {
	if width < 1 {
		return nil, paramErr("uv", "width", "is %d, want ≥ 1", width)
	}
	if !isFinite(target) {
		return nil, paramErr("uv", "target", "is not finite")
	}
	return &UV{m: width, y: target, s: 1 / math.Sqrt(float64(width))}, nil
}

// Dim returns 2m.
func (m *UV) Dim() int { return 2 * m.m }

// Width returns m.
func (m *UV) Width() int { return m.m }

// Target returns y.
func (m *UV) Target() float64 { return m.y }

// Output returns f = vᵀu/√m.
func (m *UV) Output(theta []float64) float64 {
	checkLen("UV.Output", "theta", len(theta), 2*m.m)
	return m.output(theta)
}

// NTK returns λ = (|u|² + |v|²)/m, the squared norm of ∇f.
func (m *UV) NTK(theta []float64) float64 {
	checkLen("UV.NTK", "theta", len(theta), 2*m.m)
	var s float64
	for _, x := range theta {
		s += x * x
	}
	return s / float64(m.m)
}

func (m *UV) output(theta []float64) float64 {
	u, v := theta[:m.m], theta[m.m:]
	var s float64
	for i, ui := range u {
		s += ui * v[i]
	}
	return s * m.s
}

// gradDot returns ∇f·a = (vᵀa_u + uᵀa_v)/√m.
func (m *UV) gradDot(theta, a []float64) float64 {
	u, v := theta[:m.m], theta[m.m:]
	au, av := a[:m.m], a[m.m:]
	var s float64
	for i := range u {
		s += v[i]*au[i] + u[i]*av[i]
	}
	return s * m.s
}

// Loss returns E(θ).
func (m *UV) Loss(theta []float64) float64 {
	checkLen("UV.Loss", "theta", len(theta), 2*m.m)
	r := m.output(theta) - m.y
	return 0.5 * r * r
}

// Grad writes ∇E = r·(v, u)/√m into grad and returns E.
func (m *UV) Grad(theta, grad []float64) float64 {
	checkLen("UV.Grad", "theta", len(theta), 2*m.m)
	checkLen("UV.Grad", "grad", len(grad), 2*m.m)
	r := m.output(theta) - m.y
	c := r * m.s
	u, v := theta[:m.m], theta[m.m:]
	for i := range u {
		grad[i] = c * v[i]
		grad[m.m+i] = c * u[i]
	}
	return 0.5 * r * r
}

// HessVec writes ∇²E·a = (∇f·a)∇f + r·∇²f·a into hv, where
// ∇²f·(a_u, a_v) = (a_v, a_u)/√m.
func (m *UV) HessVec(theta, a, hv []float64) {
	checkLen("UV.HessVec", "theta", len(theta), 2*m.m)
	checkLen("UV.HessVec", "v", len(a), 2*m.m)
	checkLen("UV.HessVec", "hv", len(hv), 2*m.m)
	r := m.output(theta) - m.y
	fd := m.gradDot(theta, a) * m.s
	rs := r * m.s
	u, v := theta[:m.m], theta[m.m:]
	au, av := a[:m.m], a[m.m:]
	for i := range u {
		hv[i] = fd*v[i] + rs*av[i]
		hv[m.m+i] = fd*u[i] + rs*au[i]
	}
}

// Third writes ∇³E[p,q] = (∇f·q)∇²f·p + (∇f·p)∇²f·q + (pᵀ∇²f q)∇f into
// out (∇³f = 0).
func (m *UV) Third(theta, p, q, out []float64) {
	checkLen("UV.Third", "theta", len(theta), 2*m.m)
	checkLen("UV.Third", "u", len(p), 2*m.m)
	checkLen("UV.Third", "v", len(q), 2*m.m)
	checkLen("UV.Third", "out", len(out), 2*m.m)
	fp := m.gradDot(theta, p) * m.s
	fq := m.gradDot(theta, q) * m.s
	pu, pv := p[:m.m], p[m.m:]
	qu, qv := q[:m.m], q[m.m:]
	var c float64
	for i := range pu {
		c += pu[i]*qv[i] + pv[i]*qu[i]
	}
	c *= m.s * m.s
	u, v := theta[:m.m], theta[m.m:]
	for i := range u {
		out[i] = fq*pv[i] + fp*qv[i] + c*v[i]
		out[m.m+i] = fq*pu[i] + fp*qu[i] + c*u[i]
	}
}

// Clone returns the model itself: it keeps no scratch state.
func (m *UV) Clone() sim.Objective { return m }
