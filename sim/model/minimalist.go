package model

import "github.com/eoskit/eoskit/sim"

// Minimalist is the minimalist example of Zhu et al. 2023 [L] (design notes
// §2.2):
//
//	E(x, y) = ¼(x²y² − 1)².
//
// On the minima xy = ±1 the sharpness is 2(x² + y²); gradient flow conserves
// x² − y² (oracle O16).
//
// Layout: θ = [x, y].
type Minimalist struct{}

var (
	_ sim.Objective  = (*Minimalist)(nil)
	_ sim.ThirdOrder = (*Minimalist)(nil)
	_ sim.Cloner     = (*Minimalist)(nil)
)

// NewMinimalist returns the minimalist example. It has no parameters.
func NewMinimalist() *Minimalist { return &Minimalist{} }

// Dim returns 2.
func (*Minimalist) Dim() int { return 2 }

// Loss returns E(θ).
func (*Minimalist) Loss(theta []float64) float64 {
	checkLen("Minimalist.Loss", "theta", len(theta), 2)
	x, y := theta[0], theta[1]
	q := x*x*y*y - 1
	return 0.25 * q * q
}

// Grad writes (q·x·y², q·x²·y), q = x²y² − 1, into grad and returns E.
func (*Minimalist) Grad(theta, grad []float64) float64 {
	checkLen("Minimalist.Grad", "theta", len(theta), 2)
	checkLen("Minimalist.Grad", "grad", len(grad), 2)
	x, y := theta[0], theta[1]
	q := x*x*y*y - 1
	grad[0] = q * x * y * y
	grad[1] = q * x * x * y
	return 0.25 * q * q
}

// HessVec writes ∇²E·v into hv, with E_xx = 2x²y⁴ + qy², E_xy = 2x³y³ + 2qxy,
// E_yy = 2x⁴y² + qx².
func (*Minimalist) HessVec(theta, v, hv []float64) {
	checkLen("Minimalist.HessVec", "theta", len(theta), 2)
	checkLen("Minimalist.HessVec", "v", len(v), 2)
	checkLen("Minimalist.HessVec", "hv", len(hv), 2)
	x, y := theta[0], theta[1]
	x2, y2 := x*x, y*y
	q := x2*y2 - 1
	hxx := 2*x2*y2*y2 + q*y2
	hxy := 2*x2*x*y2*y + 2*q*x*y
	hyy := 2*x2*x2*y2 + q*x2
	hv[0] = hxx*v[0] + hxy*v[1]
	hv[1] = hxy*v[0] + hyy*v[1]
}

// Third writes ∇³E[u,v] into out, with E_xxx = 6xy⁴, E_xxy = 10x²y³ + 2qy,
// E_xyy = 10x³y² + 2qx, E_yyy = 6x⁴y.
func (*Minimalist) Third(theta, u, v, out []float64) {
	checkLen("Minimalist.Third", "theta", len(theta), 2)
	checkLen("Minimalist.Third", "u", len(u), 2)
	checkLen("Minimalist.Third", "v", len(v), 2)
	checkLen("Minimalist.Third", "out", len(out), 2)
	x, y := theta[0], theta[1]
	x2, y2 := x*x, y*y
	q := x2*y2 - 1
	txxx := 6 * x * y2 * y2
	txxy := 10*x2*y2*y + 2*q*y
	txyy := 10*x2*x*y2 + 2*q*x
	tyyy := 6 * x2 * x2 * y
	uxvx := u[0] * v[0]
	mix := u[0]*v[1] + u[1]*v[0]
	uyvy := u[1] * v[1]
	out[0] = txxx*uxvx + txxy*mix + txyy*uyvy
	out[1] = txxy*uxvx + txyy*mix + tyyy*uyvy
}

// Clone returns the model itself: it keeps no state.
func (m *Minimalist) Clone() sim.Objective { return m }
