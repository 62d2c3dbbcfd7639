package model

import (
	"math"

	"github.com/eoskit/eoskit/sim"
)

// QuadraticSymTol is the relative tolerance of NewQuadratic's symmetry
// check: A is accepted when |a_ij − a_ji| ≤ QuadraticSymTol·max_kl |a_kl|
// for every pair. It admits the round-off of a matrix computed in float64
// (QΛQᵀ for p up to ~10⁵ leaves asymmetries of order p·ε·‖A‖ ≈ 2e-11‖A‖) and
// rejects a matrix that is not meant to be symmetric.
const QuadraticSymTol = 1e-10

// Quadratic is E(θ) = ½(θ−c)ᵀA(θ−c) with a symmetric matrix A (design
// notes §2.1 [L]). ∇E = A(θ−c), ∇²E = A, ∇³E = 0. A need not be positive
// definite.
//
// Layout: θ ∈ R^p, the same coordinates as A's rows and c.
type Quadratic struct {
	p int
	a []float64 // symmetric p×p, row-major; shared by clones
	c []float64 // shared by clones
	d []float64 // scratch θ − c
}

var (
	_ sim.Objective  = (*Quadratic)(nil)
	_ sim.ThirdOrder = (*Quadratic)(nil)
	_ sim.Cloner     = (*Quadratic)(nil)
)

// NewQuadratic returns the quadratic with Hessian a (p×p, row-major) and
// center (length p). The constructor copies its arguments. A must be
// symmetric to within QuadraticSymTol (relative to its largest entry); the
// model stores the exactly symmetric ½(A + Aᵀ), so that HessVec is exactly
// symmetric. Errors name the spec fields "hessian" and "center".
func NewQuadratic(a, center []float64) (*Quadratic, error) {
	p := len(center)
	if p == 0 {
		return nil, paramErr("quadratic", "center", "empty")
	}
	if len(a) != p*p {
		return nil, paramErr("quadratic", "hessian", "has %d entries, want %d×%d = %d (the length of center squared)", len(a), p, p, p*p)
	}
	if !finite(a) {
		return nil, paramErr("quadratic", "hessian", "has a non-finite entry")
	}
	if !finite(center) {
		return nil, paramErr("quadratic", "center", "has a non-finite entry")
	}
	var amax float64
	for _, v := range a {
		amax = math.Max(amax, math.Abs(v))
	}
	sym := make([]float64, p*p)
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			aij, aji := a[i*p+j], a[j*p+i]
			if math.Abs(aij-aji) > QuadraticSymTol*amax {
				return nil, paramErr("quadratic", "hessian", "not symmetric: entry (%d,%d) = %g but (%d,%d) = %g", i, j, aij, j, i, aji)
			}
			sym[i*p+j] = 0.5 * (aij + aji)
		}
	}
	return &Quadratic{p: p, a: sym, c: append([]float64(nil), center...), d: make([]float64, p)}, nil
}

// Dim returns p.
func (q *Quadratic) Dim() int { return q.p }

// Hessian writes the (symmetrised) matrix A into dst, row-major, and
// returns it; a nil dst is allocated.
func (q *Quadratic) Hessian(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, q.p*q.p)
	}
	checkLen("Quadratic.Hessian", "dst", len(dst), q.p*q.p)
	copy(dst, q.a)
	return dst
}

// Center writes c into dst and returns it; a nil dst is allocated.
func (q *Quadratic) Center(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, q.p)
	}
	checkLen("Quadratic.Center", "dst", len(dst), q.p)
	copy(dst, q.c)
	return dst
}

// mulA writes A·x into dst.
func (q *Quadratic) mulA(x, dst []float64) {
	p := q.p
	for i := 0; i < p; i++ {
		row := q.a[i*p : i*p+p]
		var s float64
		for j, aij := range row {
			s += aij * x[j]
		}
		dst[i] = s
	}
}

// Loss returns E(θ).
func (q *Quadratic) Loss(theta []float64) float64 {
	checkLen("Quadratic.Loss", "theta", len(theta), q.p)
	for i, ci := range q.c {
		q.d[i] = theta[i] - ci
	}
	var e float64
	p := q.p
	for i := 0; i < p; i++ {
		row := q.a[i*p : i*p+p]
		var s float64
		for j, aij := range row {
			s += aij * q.d[j]
		}
		e += q.d[i] * s
	}
	return 0.5 * e
}

// Grad writes A(θ−c) into grad and returns E(θ).
func (q *Quadratic) Grad(theta, grad []float64) float64 {
	checkLen("Quadratic.Grad", "theta", len(theta), q.p)
	checkLen("Quadratic.Grad", "grad", len(grad), q.p)
	for i, ci := range q.c {
		q.d[i] = theta[i] - ci
	}
	q.mulA(q.d, grad)
	var e float64
	for i, g := range grad {
		e += q.d[i] * g
	}
	return 0.5 * e
}

// HessVec writes A·v into hv.
func (q *Quadratic) HessVec(theta, v, hv []float64) {
	checkLen("Quadratic.HessVec", "theta", len(theta), q.p)
	checkLen("Quadratic.HessVec", "v", len(v), q.p)
	checkLen("Quadratic.HessVec", "hv", len(hv), q.p)
	q.mulA(v, hv)
}

// Third writes ∇³E[u,v] = 0 into out.
func (q *Quadratic) Third(theta, u, v, out []float64) {
	checkLen("Quadratic.Third", "theta", len(theta), q.p)
	checkLen("Quadratic.Third", "u", len(u), q.p)
	checkLen("Quadratic.Third", "v", len(v), q.p)
	checkLen("Quadratic.Third", "out", len(out), q.p)
	for i := range out {
		out[i] = 0
	}
}

// Clone returns a copy with its own scratch space that shares A and c.
func (q *Quadratic) Clone() sim.Objective {
	c := *q
	c.d = make([]float64, q.p)
	return &c
}
