package model

import "github.com/eoskit/eoskit/sim"

// Valley is the sharp-valley toy of Berthier [L] (design notes §2.2):
//
//	E(x, y) = ½(y + ζx)x² − ε(x + y).
//
// Its valley sharpness ≈ y + 3ζx grows slowly under GD (progressive
// sharpening) until it reaches 2/η, after which self-stabilisation loops
// follow; every GD 2-cycle satisfies x̄² + a_x² = 2ε (oracle O17). The
// notes' defaults are ζ = 1, ε = 0.01 with η = 0.3 from (x, y) = (0.05, 1).
// E is cubic, so ∇³E is constant: E_xxx = 3ζ, E_xxy = 1, the rest 0.
//
// Layout: θ = [x, y].
type Valley struct {
	zeta, eps float64
}

var (
	_ sim.Objective  = (*Valley)(nil)
	_ sim.ThirdOrder = (*Valley)(nil)
	_ sim.Cloner     = (*Valley)(nil)
)

// NewValley returns the valley toy with coupling ζ and tilt ε (both finite,
// any sign). Errors name the spec fields "zeta" and "epsilon".
func NewValley(zeta, epsilon float64) (*Valley, error) {
	if !isFinite(zeta) {
		return nil, paramErr("valley", "zeta", "is not finite")
	}
	if !isFinite(epsilon) {
		return nil, paramErr("valley", "epsilon", "is not finite")
	}
	return &Valley{zeta: zeta, eps: epsilon}, nil
}

// Dim returns 2.
func (*Valley) Dim() int { return 2 }

// Zeta returns ζ.
func (m *Valley) Zeta() float64 { return m.zeta }

// Epsilon returns ε.
func (m *Valley) Epsilon() float64 { return m.eps }

// Loss returns E(θ).
func (m *Valley) Loss(theta []float64) float64 {
	checkLen("Valley.Loss", "theta", len(theta), 2)
	x, y := theta[0], theta[1]
	return 0.5*(y+m.zeta*x)*x*x - m.eps*(x+y)
}

// Grad writes (xy + (3/2)ζx² − ε, ½x² − ε) into grad and returns E.
func (m *Valley) Grad(theta, grad []float64) float64 {
	checkLen("Valley.Grad", "theta", len(theta), 2)
	checkLen("Valley.Grad", "grad", len(grad), 2)
	x, y := theta[0], theta[1]
	grad[0] = x*y + 1.5*m.zeta*x*x - m.eps
	grad[1] = 0.5*x*x - m.eps
	return 0.5*(y+m.zeta*x)*x*x - m.eps*(x+y)
}

// HessVec writes [[y + 3ζx, x], [x, 0]]·v into hv.
func (m *Valley) HessVec(theta, v, hv []float64) {
	checkLen("Valley.HessVec", "theta", len(theta), 2)
	checkLen("Valley.HessVec", "v", len(v), 2)
	checkLen("Valley.HessVec", "hv", len(hv), 2)
	x, y := theta[0], theta[1]
	hv[0] = (y+3*m.zeta*x)*v[0] + x*v[1]
	hv[1] = x * v[0]
}

// Third writes ∇³E[u,v] = (3ζu_xv_x + u_xv_y + u_yv_x, u_xv_x) into out.
func (m *Valley) Third(theta, u, v, out []float64) {
	checkLen("Valley.Third", "theta", len(theta), 2)
	checkLen("Valley.Third", "u", len(u), 2)
	checkLen("Valley.Third", "v", len(v), 2)
	checkLen("Valley.Third", "out", len(out), 2)
	out[0] = 3*m.zeta*u[0]*v[0] + u[0]*v[1] + u[1]*v[0]
	out[1] = u[0] * v[0]
}

// Clone returns the model itself: it keeps no scratch state.
func (m *Valley) Clone() sim.Objective { return m }
