package reference

import (
	"math"
	"math/cmplx"

	"github.com/eoskit/eoskit/sim/ode"
)

// ODEProblem is an initial value problem together with its exact solution.
type ODEProblem struct {
	Name   string
	F      ode.Func
	Y0     []float64
	T0, T1 float64
	// Exact writes the exact solution at t into dst.
	Exact func(t float64, dst []float64)
}

// Problem returns the ode.Problem.
func (p ODEProblem) Problem() ode.Problem {
	return ode.Problem{F: p.F, Y0: p.Y0, T0: p.T0, T1: p.T1}
}

// HopfProblem is a smooth, non-linear, non-autonomous system with a closed-form
// solution: the Hopf normal form with a time-dependent rotation rate,
//
//	y₁' = y₁(1 − r²) − ω(t) y₂,   y₂' = y₂(1 − r²) + ω(t) y₁,   r² = y₁² + y₂²,   ω(t) = 1 + 2t,
//
// with y(0) = (1/2, 0). In polar coordinates r' = r(1 − r²) and φ' = ω(t), so
// r(t) = (1 + 3e^{−2t})^{−1/2} and φ(t) = t + t². The radial equation makes
// every elementary differential non-zero, and ω(t) makes the nodes Cᵢ of a
// method matter. The growing rotation rate (21 at t = 10) makes the global
// errors large at moderate ωh, which leaves a wide range of step sizes
// between the pre-asymptotic regime and round-off.
func HopfProblem(t1 float64) ODEProblem {
	return ODEProblem{
		Name: "Hopf",
		F: func(t float64, y, dy []float64) {
			r2 := y[0]*y[0] + y[1]*y[1]
			w := 1 + 2*t
			dy[0] = y[0]*(1-r2) - w*y[1]
			dy[1] = y[1]*(1-r2) + w*y[0]
		},
		Y0: []float64{0.5, 0},
		T1: t1,
		Exact: func(t float64, dst []float64) {
			r := 1 / math.Sqrt(1+3*math.Exp(-2*t))
			phi := t + t*t
			dst[0] = r * math.Cos(phi)
			dst[1] = r * math.Sin(phi)
		},
	}
}

// The Arenstorf orbit (HNW I, §II.0): a periodic solution of the restricted
// three-body problem (earth, moon, satellite) in rotating coordinates, with
// state (y₁, y₂, y₁', y₂').
const (
	// ArenstorfMu is the reduced mass of the moon.
	ArenstorfMu = 0.012277471
	// ArenstorfPeriod is the period of the orbit.
	ArenstorfPeriod = 17.0652165601579625588917206249
)

// ArenstorfY0 returns the initial state of the periodic orbit.
func ArenstorfY0() []float64 {
	return []float64{0.994, 0, 0, -2.00158510637908252240537862224}
}

// Arenstorf is the right-hand side of the restricted three-body problem:
//
//	y₁'' = y₁ + 2y₂' − μ'(y₁+μ)/D₁ − μ(y₁−μ')/D₂,
//	y₂'' = y₂ − 2y₁' − μ'y₂/D₁ − μy₂/D₂,
//
// D₁ = ((y₁+μ)² + y₂²)^{3/2}, D₂ = ((y₁−μ')² + y₂²)^{3/2}, μ' = 1 − μ.
func Arenstorf(_ float64, y, dy []float64) {
	const mu = ArenstorfMu
	const mup = 1 - mu
	y1, y2, v1, v2 := y[0], y[1], y[2], y[3]
	a := (y1+mu)*(y1+mu) + y2*y2
	b := (y1-mup)*(y1-mup) + y2*y2
	d1 := a * math.Sqrt(a)
	d2 := b * math.Sqrt(b)
	dy[0] = v1
	dy[1] = v2
	dy[2] = y1 + 2*v2 - mup*(y1+mu)/d1 - mu*(y1-mup)/d2
	dy[3] = y2 - 2*v1 - mup*y2/d1 - mu*y2/d2
}

// LinearODE returns the right-hand side y' = Ay of a dense n×n matrix given
// row-major in a (which the function keeps; do not modify it).
func LinearODE(a []float64, n int) ode.Func {
	if len(a) != n*n {
		panic("reference: LinearODE: len(a) != n·n")
	}
	return func(_ float64, y, dy []float64) {
		for i := range n {
			row := a[i*n : (i+1)*n]
			var s float64
			for j, v := range row {
				s += v * y[j]
			}
			dy[i] = s
		}
	}
}

// StabilityPolynomial returns the coefficients r₀, r₁, …, r_s of the
// stability function of an explicit Runge–Kutta method,
// R(z) = 1 + z bᵀ(I − zA)⁻¹𝟙 = Σₖ rₖ zᵏ with r₀ = 1 and rₖ = bᵀA^{k−1}𝟙: one
// step on y' = λy multiplies y by R(hλ).
func StabilityPolynomial(tab ode.Tableau) []float64 { return odeStabilityPoly(tab.A, tab.B) }

// ContinuousStabilityPolynomial returns the coefficients of
// P_θ(z) = 1 + z b(θ)ᵀ(I − zA)⁻¹𝟙, b(θ) the continuous weights of the dense
// output: on y' = λy the dense output at t + θh of a step from y is
// P_θ(hλ)·y.
func ContinuousStabilityPolynomial(tab ode.Tableau, theta float64) []float64 {
	basis := make([]float64, len(tab.Dense))
	ode.DenseBasis(theta, basis)
	b := make([]float64, len(tab.C))
	for j, row := range tab.Dense {
		for i, c := range row {
			b[i] += c * basis[j]
		}
	}
	return odeStabilityPoly(tab.A, b)
}

func odeStabilityPoly(a [][]float64, b []float64) []float64 {
	s := len(a)
	r := []float64{1}
	v := make([]float64, s) // A^{k−1}𝟙
	for i := range v {
		v[i] = 1
	}
	for k := 1; k <= s; k++ {
		var rk float64
		for i, bi := range b {
			rk += bi * v[i]
		}
		r = append(r, rk)
		w := make([]float64, s)
		for i := range s {
			for j := 0; j < i; j++ {
				w[i] += a[i][j] * v[j]
			}
		}
		v = w
	}
	return r
}

// odeEvalPoly returns Σₖ p[k] zᵏ by Horner's rule.
func odeEvalPoly(p []float64, z complex128) complex128 {
	var v complex128
	for k := len(p) - 1; k >= 0; k-- {
		v = v*z + complex(p[k], 0)
	}
	return v
}

// odeRotationBlocks builds the normal matrix A = Q·diag(B₁, …, B_m)·Qᵀ,
// Bⱼ = [[aⱼ, bⱼ], [−bⱼ, aⱼ]] (eigenvalues aⱼ ± i bⱼ), with Q a product of
// Givens rotations by fixed angles, and returns A row-major with Q.
func odeRotationBlocks(lambda []complex128) (a, q []float64, n int) {
	n = 2 * len(lambda)
	d := make([]float64, n*n)
	for j, l := range lambda {
		i := 2 * j
		d[i*n+i], d[i*n+i+1] = real(l), imag(l)
		d[(i+1)*n+i], d[(i+1)*n+i+1] = -imag(l), real(l)
	}
	q = make([]float64, n*n)
	for i := range n {
		q[i*n+i] = 1
	}
	angle := 0.7
	for i := range n {
		for j := i + 1; j < n; j++ {
			c, s := math.Cos(angle), math.Sin(angle)
			for r := range n { // q ← q·G(i, j, angle)
				qi, qj := q[r*n+i], q[r*n+j]
				q[r*n+i] = c*qi - s*qj
				q[r*n+j] = s*qi + c*qj
			}
			angle += 0.37
		}
	}
	// a = q d qᵀ
	tmp := make([]float64, n*n)
	for i := range n {
		for j := range n {
			for k := range n {
				tmp[i*n+j] += q[i*n+k] * d[k*n+j]
			}
		}
	}
	a = make([]float64, n*n)
	for i := range n {
		for j := range n {
			for k := range n {
				a[i*n+j] += tmp[i*n+k] * q[j*n+k]
			}
		}
	}
	return a, q, n
}

// odeLinearErrorPrediction returns ‖(M(hA) − e^{tA})y₀‖₂ for the normal
// matrix of odeRotationBlocks, where num(z) is the polynomial M the method
// applies (R(z)ᴺ for N steps, P_θ(z)R(z)ᵏ for dense output): on the invariant
// plane of block j a real polynomial or exponential f of A acts as |f(λⱼ)|
// times a rotation, so M(hA) − e^{tA} acts there as |M(hλⱼ) − e^{tλⱼ}| times
// a rotation. h and t may be negative (backwards in time).
func odeLinearErrorPrediction(num func(z complex128) complex128, lambda []complex128, q, y0 []float64, h, t float64) float64 {
	n := 2 * len(lambda)
	var sum float64
	for j, l := range lambda {
		// ‖Pⱼ y₀‖² where Pⱼ projects on columns 2j, 2j+1 of Q.
		var p2 float64
		for c := 2 * j; c < 2*j+2; c++ {
			var dot float64
			for i := range n {
				dot += q[i*n+c] * y0[i]
			}
			p2 += dot * dot
		}
		d := num(complex(h, 0)*l) - cmplx.Exp(complex(t, 0)*l)
		a := cmplx.Abs(d)
		sum += a * a * p2
	}
	return math.Sqrt(sum)
}
