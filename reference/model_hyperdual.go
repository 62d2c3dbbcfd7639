package reference

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/num/hyperdual"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/model"
)

// HyperdualLoss is a loss written a second time, independently of sim/model,
// in gonum's hyperdual arithmetic. Evaluated at θ + ε₁u + ε₂v it returns
// E(θ) + ε₁∇E·u + ε₂∇E·v + ε₁ε₂·uᵀ∇²E(θ)v, exact to round-off: a second
// source of first and second derivatives besides finite differences.
type HyperdualLoss func(theta []hyperdual.Number) hyperdual.Number

// HyperdualDerivs evaluates f at θ + ε₁u + ε₂v and returns E(θ), ∇E·u, ∇E·v
// and uᵀ∇²E(θ)v.
func HyperdualDerivs(f HyperdualLoss, theta, u, v []float64) (e, du, dv, duv float64) {
	x := make([]hyperdual.Number, len(theta))
	for i := range x {
		x[i] = hyperdual.Number{Real: theta[i], E1mag: u[i], E2mag: v[i]}
	}
	r := f(x)
	return r.Real, r.E1mag, r.E2mag, r.E1E2mag
}

// DefaultHyperdualTol is the relative tolerance of CheckHyperdual. Both
// sides are exact derivatives evaluated in float64 along different operation
// orders; their difference is round-off, a modest multiple of ε times the
// Cauchy–Schwarz scale (‖∇E‖‖u‖ for the gradient, ‖Hv‖‖u‖ and ‖Hu‖‖v‖ for
// the Hessian). 1e-11 leaves a factor ~50 over 1e3·ε·scale; any structural
// error is O(1).
const DefaultHyperdualTol = 1e-11

// CheckHyperdual compares obj's Loss, Grad and HessVec at θ with the
// hyperdual loss f: E, ∇E·u, ∇E·v and uᵀ∇²E v. Use a generic
// (non-symmetric) θ: a wrong Hessian can hide behind a symmetric point. tol
// ≤ 0 selects DefaultHyperdualTol.
func CheckHyperdual(obj sim.Objective, f HyperdualLoss, theta, u, v []float64, tol float64) error {
	if tol <= 0 {
		tol = DefaultHyperdualTol
	}
	p := obj.Dim()
	e, du, dv, duv := HyperdualDerivs(f, theta, u, v)
	g, hu, hv := make([]float64, p), make([]float64, p), make([]float64, p)
	loss := obj.Grad(theta, g)
	obj.HessVec(theta, u, hu)
	obj.HessVec(theta, v, hv)
	type cmp struct {
		what      string
		got, want float64
		scale     float64
	}
	for _, c := range []cmp{
		{"E", loss, e, math.Abs(e)},
		{"∇E·u", objDot(g, u), du, objNorm2(g) * objNorm2(u)},
		{"∇E·v", objDot(g, v), dv, objNorm2(g) * objNorm2(v)},
		{"uᵀ∇²E v", objDot(u, hv), duv, objNorm2(u)*objNorm2(hv) + objNorm2(v)*objNorm2(hu)},
		{"vᵀ∇²E u", objDot(v, hu), duv, objNorm2(u)*objNorm2(hv) + objNorm2(v)*objNorm2(hu)},
	} {
		if !(math.Abs(c.got-c.want) <= tol*c.scale) {
			return fmt.Errorf("%s: model %.17g, hyperdual %.17g (difference %.3g, tolerance %.3g)",
				c.what, c.got, c.want, math.Abs(c.got-c.want), tol*c.scale)
		}
	}
	return nil
}

// DefaultHyperdualThirdTol is the relative tolerance of CheckHyperdualThird.
// The Richardson-extrapolated central difference of the exact second
// derivative, along w scaled to ‖w‖∞ = 1 with h = 2e-4·scale, has truncation
// error h⁴/480·|D⁵E|: (h/ℓ)⁴/480 stays below 1e-9 for functions that vary on
// length scales ℓ ≥ 0.02·scale (a tanh network with inputs of norm ~5 and
// weights of size 3 has ℓ ≈ 0.1·scale). Round-off, 3·DefaultEvalRelErr·
// |uᵀHv|/h, is added to the bound separately. Any error in a term of ∇³E is
// O(1).
const DefaultHyperdualThirdTol = 1e-8

// CheckHyperdualThird compares wᵀ∇³E(θ)[u,v] from obj's Third with the
// Richardson-extrapolated central difference along w of the hyperdual second
// derivative uᵀ∇²E v (exact, so the difference quotient is the only
// approximation). scale ≤ 0 selects max(1, ‖θ‖∞); tol ≤ 0 selects
// DefaultHyperdualThirdTol.
func CheckHyperdualThird(obj sim.ThirdOrder, f HyperdualLoss, theta, u, v, w []float64, scale, tol float64) error {
	if tol <= 0 {
		tol = DefaultHyperdualThirdTol
	}
	if scale <= 0 {
		scale = math.Max(1, objNormInf(theta))
	}
	wn := objNormInf(w)
	if wn == 0 {
		return fmt.Errorf("CheckHyperdualThird: w is zero")
	}
	dir := make([]float64, len(w))
	for i := range w {
		dir[i] = w[i] / wn
	}
	h := 2e-4 * scale
	second := func(x, dst []float64) {
		_, _, _, dst[0] = HyperdualDerivs(f, x, u, v)
	}
	fd, mag := objRichardson(second, 1, theta, dir, h)
	out := make([]float64, len(theta))
	obj.Third(theta, u, v, out)
	got := objDot(dir, out)
	bound := tol*math.Abs(got) + 3*DefaultEvalRelErr*mag/h
	if !(math.Abs(got-fd[0]) <= bound) {
		return fmt.Errorf("wᵀ∇³E[u,v]/‖w‖∞: Third %.17g, hyperdual differences %.17g (difference %.3g, tolerance %.3g)",
			got, fd[0], math.Abs(got-fd[0]), bound)
	}
	return nil
}

func hdConst(c float64) hyperdual.Number { return hyperdual.Number{Real: c} }

func hdSq(x hyperdual.Number) hyperdual.Number { return hyperdual.Mul(x, x) }

// HyperdualQuadratic is ½(θ−c)ᵀA(θ−c) (A p×p row-major, used as given).
func HyperdualQuadratic(a, c []float64) HyperdualLoss {
	p := len(c)
	return func(th []hyperdual.Number) hyperdual.Number {
		d := make([]hyperdual.Number, p)
		for i := range d {
			d[i] = hyperdual.Sub(th[i], hdConst(c[i]))
		}
		var e hyperdual.Number
		for i := 0; i < p; i++ {
			for j := 0; j < p; j++ {
				e = hyperdual.Add(e, hyperdual.Scale(a[i*p+j], hyperdual.Mul(d[i], d[j])))
			}
		}
		return hyperdual.Scale(0.5, e)
	}
}

// HyperdualQuartic is ¼(x²−1)².
func HyperdualQuartic() HyperdualLoss {
	return func(th []hyperdual.Number) hyperdual.Number {
		q := hyperdual.Sub(hdSq(th[0]), hdConst(1))
		return hyperdual.Scale(0.25, hdSq(q))
	}
}

// HyperdualMatFact is ½‖W_L⋯W_1 − M‖²_F with the layout of model.MatFact.
func HyperdualMatFact(depth, dim int, target []float64) HyperdualLoss {
	d := dim
	return func(th []hyperdual.Number) hyperdual.Number {
		// P = W_1, then P ← W_i·P.
		p := append([]hyperdual.Number(nil), th[:d*d]...)
		for l := 1; l < depth; l++ {
			w := th[l*d*d : (l+1)*d*d]
			q := make([]hyperdual.Number, d*d)
			for i := 0; i < d; i++ {
				for j := 0; j < d; j++ {
					var s hyperdual.Number
					for k := 0; k < d; k++ {
						s = hyperdual.Add(s, hyperdual.Mul(w[i*d+k], p[k*d+j]))
					}
					q[i*d+j] = s
				}
			}
			p = q
		}
		var e hyperdual.Number
		for k := range p {
			e = hyperdual.Add(e, hdSq(hyperdual.Sub(p[k], hdConst(target[k]))))
		}
		return hyperdual.Scale(0.5, e)
	}
}

// HyperdualUV is ½(vᵀu/√m − y)² with θ = [u, v].
func HyperdualUV(width int, y float64) HyperdualLoss {
	return func(th []hyperdual.Number) hyperdual.Number {
		var f hyperdual.Number
		for i := 0; i < width; i++ {
			f = hyperdual.Add(f, hyperdual.Mul(th[i], th[width+i]))
		}
		f = hyperdual.Scale(1/math.Sqrt(float64(width)), f)
		return hyperdual.Scale(0.5, hdSq(hyperdual.Sub(f, hdConst(y))))
	}
}

// HyperdualDeepScalar is ½(∏w_i − y)².
func HyperdualDeepScalar(y float64) HyperdualLoss {
	return func(th []hyperdual.Number) hyperdual.Number {
		p := hdConst(1)
		for _, w := range th {
			p = hyperdual.Mul(p, w)
		}
		return hyperdual.Scale(0.5, hdSq(hyperdual.Sub(p, hdConst(y))))
	}
}

// HyperdualMinimalist is ¼(x²y² − 1)².
func HyperdualMinimalist() HyperdualLoss {
	return func(th []hyperdual.Number) hyperdual.Number {
		q := hyperdual.Sub(hdSq(hyperdual.Mul(th[0], th[1])), hdConst(1))
		return hyperdual.Scale(0.25, hdSq(q))
	}
}

// HyperdualValley is ½(y + ζx)x² − ε(x + y).
func HyperdualValley(zeta, eps float64) HyperdualLoss {
	return func(th []hyperdual.Number) hyperdual.Number {
		x, y := th[0], th[1]
		a := hyperdual.Add(y, hyperdual.Scale(zeta, x))
		e := hyperdual.Scale(0.5, hyperdual.Mul(a, hdSq(x)))
		return hyperdual.Sub(e, hyperdual.Scale(eps, hyperdual.Add(x, y)))
	}
}

// hdLift applies a scalar function with value g0 and derivatives g1, g2 at
// x.Real to a hyperdual number (the chain rule to second order).
func hdLift(x hyperdual.Number, g0, g1, g2 float64) hyperdual.Number {
	return hyperdual.Number{
		Real:    g0,
		E1mag:   g1 * x.E1mag,
		E2mag:   g1 * x.E2mag,
		E1E2mag: g1*x.E1E2mag + g2*x.E1mag*x.E2mag,
	}
}

// hdActivation returns σ in hyperdual arithmetic. tanh is gonum's; GELU is
// z·Φ(z) with Φ lifted through Φ' = φ, Φ” = −zφ; ReLU keeps z where
// z > 0 and is 0 elsewhere (the almost-everywhere derivatives).
func hdActivation(a model.Activation) func(hyperdual.Number) hyperdual.Number {
	switch a {
	case model.Tanh:
		return hyperdual.Tanh
	case model.GELU:
		return func(z hyperdual.Number) hyperdual.Number {
			r := z.Real
			phi := math.Exp(-r*r/2) / math.Sqrt(2*math.Pi)
			cdf := hdLift(z, 0.5*math.Erfc(-r/math.Sqrt2), phi, -r*phi)
			return hyperdual.Mul(z, cdf)
		}
	case model.ReLU:
		return func(z hyperdual.Number) hyperdual.Number {
			if z.Real > 0 {
				return z
			}
			return hyperdual.Number{}
		}
	}
	panic(fmt.Sprintf("reference: unknown activation %v", a))
}

// HyperdualTwoLayer is the two-layer network's loss (1/2n)Σ_s‖f(x_s) −
// y_s‖², f(x) = s·Σ_i a_i σ(w_i·x), with the layout of model.TwoLayer,
// written example by example and neuron by neuron (no matrix kernels).
func HyperdualTwoLayer(cfg model.TwoLayerConfig) HyperdualLoss {
	m, d, n, c := cfg.Width, cfg.D, cfg.N, cfg.Outputs
	scale := 1 / float64(m)
	if cfg.Scaling == model.NTK {
		scale = 1 / math.Sqrt(float64(m))
	}
	sigma := hdActivation(cfg.Activation)
	x, y := cfg.X, cfg.Y
	return func(th []hyperdual.Number) hyperdual.Number {
		w, a := th[:m*d], th[m*d:]
		var e hyperdual.Number
		h := make([]hyperdual.Number, m)
		for s := 0; s < n; s++ {
			for i := 0; i < m; i++ {
				var z hyperdual.Number
				for k := 0; k < d; k++ {
					z = hyperdual.Add(z, hyperdual.Scale(x[s*d+k], w[i*d+k]))
				}
				h[i] = sigma(z)
			}
			for o := 0; o < c; o++ {
				var f hyperdual.Number
				for i := 0; i < m; i++ {
					f = hyperdual.Add(f, hyperdual.Mul(a[o*m+i], h[i]))
				}
				r := hyperdual.Sub(hyperdual.Scale(scale, f), hdConst(y[s*c+o]))
				e = hyperdual.Add(e, hdSq(r))
			}
		}
		return hyperdual.Scale(1/float64(2*n), e)
	}
}

// TwoLayerKinkDistance returns min_{s,i} |w_i·x_s| / ‖x_s‖₁, a lower bound on
// the ∞-norm distance from θ to the nearest kink of a ReLU network (a
// point where some pre-activation w_i·x_s vanishes). Finite-difference and
// hyperdual-difference checks of a ReLU network are meaningful only when
// this exceeds their steps (≤ 1e-3·max(1, ‖θ‖∞) for ObjectiveSuite and
// CheckHyperdualThird); samplers for ReLU networks should redraw until it
// does.
func TwoLayerKinkDistance(cfg model.TwoLayerConfig, theta []float64) float64 {
	m, d := cfg.Width, cfg.D
	dist := math.Inf(1)
	for s := 0; s < cfg.N; s++ {
		x := cfg.X[s*d : (s+1)*d]
		var l1 float64
		for _, xk := range x {
			l1 += math.Abs(xk)
		}
		if l1 == 0 {
			continue
		}
		for i := 0; i < m; i++ {
			var z float64
			for k, xk := range x {
				z += theta[i*d+k] * xk
			}
			dist = math.Min(dist, math.Abs(z)/l1)
		}
	}
	return dist
}

// TwoLayerSafeStep is the kink distance that TwoLayerKinkDistance must
// exceed at θ for the difference checks: 1e-3·max(1, ‖θ‖∞), five times the
// largest step the checks take.
func TwoLayerSafeStep(theta []float64) float64 {
	return 1e-3 * math.Max(1, objNormInf(theta))
}
