package model

import "github.com/eoskit/eoskit/sim"

// Quartic is the one-dimensional double well E(x) = ¼(x²−1)² (design notes
// §2.2 and oracle O8 [L]): E' = x³ − x, E″ = 3x² − 1, E‴ = 6x. GD with
// 1 < η < √5−1 converges to a stable 2-cycle around the minimum x = 1.
//
// Layout: θ = [x].
type Quartic struct{}

var (
	_ sim.Objective  = (*Quartic)(nil)
	_ sim.ThirdOrder = (*Quartic)(nil)
	_ sim.Cloner     = (*Quartic)(nil)
)

// NewQuartic returns the quartic. It has no parameters.
func NewQuartic() *Quartic { return &Quartic{} }

// Dim returns 1.
func (*Quartic) Dim() int { return 1 }

// Loss returns ¼(x²−1)².
func (*Quartic) Loss(theta []float64) float64 {
	checkLen("Quartic.Loss", "theta", len(theta), 1)
	q := theta[0]*theta[0] - 1
	return 0.25 * q * q
}

// Grad writes x³ − x into grad and returns E.
func (*Quartic) Grad(theta, grad []float64) float64 {
	checkLen("Quartic.Grad", "theta", len(theta), 1)
	checkLen("Quartic.Grad", "grad", len(grad), 1)
	x := theta[0]
	q := x*x - 1
	grad[0] = x * q
	return 0.25 * q * q
}

// HessVec writes (3x² − 1)v into hv.
func (*Quartic) HessVec(theta, v, hv []float64) {
	checkLen("Quartic.HessVec", "theta", len(theta), 1)
	checkLen("Quartic.HessVec", "v", len(v), 1)
	checkLen("Quartic.HessVec", "hv", len(hv), 1)
	x := theta[0]
	hv[0] = (3*x*x - 1) * v[0]
}

// Third writes 6x·u·v into out.
func (*Quartic) Third(theta, u, v, out []float64) {
	checkLen("Quartic.Third", "theta", len(theta), 1)
	checkLen("Quartic.Third", "u", len(u), 1)
	checkLen("Quartic.Third", "v", len(v), 1)
	checkLen("Quartic.Third", "out", len(out), 1)
	out[0] = 6 * theta[0] * u[0] * v[0]
}

// Clone returns the quartic itself: it keeps no state.
func (q *Quartic) Clone() sim.Objective { return q }
