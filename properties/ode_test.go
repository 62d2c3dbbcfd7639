package properties

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/ode"
)

// odeRNG returns a generator seeded from a gopter-drawn seed.
func odeRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6f6465)) }

// odeRandomMatrix returns an n×n Gaussian matrix scaled to ‖A‖₂ = norm.
func odeRandomMatrix(rng *rand.Rand, n int, norm float64) *mat.Dense {
	a := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	a.Scale(norm/mat.Norm(a, 2), a)
	return a
}

// odeRandomDissipative returns A = S − d·GGᵀ/‖GGᵀ‖₂ with S skew-symmetric and
// d ∈ [0.2, 2.2]: its symmetric part is negative semi-definite, so
// ‖e^{tA}‖₂ ≤ 1 for t ≥ 0.
func odeRandomDissipative(rng *rand.Rand, n int) *mat.Dense {
	s := odeRandomMatrix(rng, n, 1+2*rng.Float64())
	var skew mat.Dense
	skew.Sub(s, s.T())
	skew.Scale(0.5, &skew)
	g := odeRandomMatrix(rng, n, 1)
	var d mat.Dense
	d.Mul(g, g.T())
	d.Scale((0.2+2*rng.Float64())/mat.Norm(&d, 2), &d)
	var a mat.Dense
	a.Sub(&skew, &d)
	return &a
}

func odeRandomVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func odeRHS(a *mat.Dense) ode.Func {
	n, _ := a.Dims()
	raw := a.RawMatrix()
	data := make([]float64, n*n)
	for i := range n {
		copy(data[i*n:(i+1)*n], raw.Data[i*raw.Stride:i*raw.Stride+n])
	}
	return reference.LinearODE(data, n)
}

// odeExpm returns e^{tA}y₀ by gonum's mat.Exp.
func odeExpm(a *mat.Dense, t float64, y0 []float64) []float64 {
	var ta, e mat.Dense
	ta.Scale(t, a)
	e.Exp(&ta)
	var y mat.VecDense
	y.MulVec(&e, mat.NewVecDense(len(y0), y0))
	return y.RawVector().Data
}

func odeNorm2(v []float64) float64 { return mat.Norm(mat.NewVecDense(len(v), v), 2) }

func odeDiff2(a, b []float64) float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return odeNorm2(d)
}

// odeMatPoly returns Σₖ p[k] Mᵏ by Horner's rule.
func odeMatPoly(p []float64, m *mat.Dense) *mat.Dense {
	n, _ := m.Dims()
	r := mat.NewDense(n, n, nil)
	for k := len(p) - 1; k >= 0; k-- {
		var t mat.Dense
		t.Mul(r, m)
		for i := range n {
			t.Set(i, i, t.At(i, i)+p[k])
		}
		r = &t
	}
	return r
}

// TestODELinearFixedStep: for any A and any step h = T/N, N fixed steps of a
// Runge–Kutta method apply R(hA)ᴺ, so telescoping
// R(hA)ᴺ − e^{TA} = Σₖ R(hA)^{N−1−k}(R(hA) − e^{hA})e^{khA} gives the
// rigorous bound
//
//	‖y_N − e^{TA}y₀‖₂ ≤ N·M^{N−1}·‖R(hA) − e^{hA}‖₂·‖y₀‖₂,  M = max(‖R(hA)‖₂, ‖e^{hA}‖₂),
//
// which is O(h^p) for a method of order p (R(z) − e^z = O(z^{p+1})). Random
// A (n ≤ 6, ‖A‖₂ ≤ 2), y₀, method and N ∈ [4, 64] over T = 1. The bound is
// evaluated in float64 (matrix powers and mat.Exp): it carries an absolute
// round-off of about 10³·u·M^N‖y₀‖, which is added, as is the integration's
// own N·(s+n)·u·M^N‖y₀‖.
func TestODELinearFixedStep(t *testing.T) {
	methods := []ode.Method{ode.Euler(), ode.RK4(), ode.DP5(), ode.DOP853()}
	props := gopter.NewProperties(reference.GopterParameters(t, 200, 30))
	props.Property("‖y_N − e^{TA}y₀‖ ≤ N·M^{N−1}·‖R(hA) − e^{hA}‖·‖y₀‖", prop.ForAll(
		func(seed uint64) string {
			rng := odeRNG(seed)
			n := 1 + rng.IntN(6)
			a := odeRandomMatrix(rng, n, 2*rng.Float64())
			y0 := odeRandomVec(rng, n)
			m := methods[rng.IntN(len(methods))]
			steps := 4 + rng.IntN(61)
			h := 1 / float64(steps)
			sol, err := ode.Solve(ode.Problem{F: odeRHS(a), Y0: y0, T1: 1}, m, ode.Fixed{H: h}, ode.Options{})
			if err != nil {
				return err.Error()
			}
			got := odeDiff2(sol.At(0), odeExpm(a, 1, y0))

			var ha, eh mat.Dense
			ha.Scale(h, a)
			eh.Exp(&ha)
			r := odeMatPoly(reference.StabilityPolynomial(m.Tableau()), &ha)
			var d mat.Dense
			d.Sub(r, &eh)
			mm := math.Max(mat.Norm(r, 2), mat.Norm(&eh, 2))
			scale := math.Pow(math.Max(mm, 1), float64(steps)) * odeNorm2(y0)
			stages := len(m.Tableau().C)
			bound := float64(steps)*math.Pow(mm, float64(steps-1))*mat.Norm(&d, 2)*odeNorm2(y0) +
				(1e3+float64(steps*(stages+n)))*0x1p-53*scale
			if !(got <= bound) {
				return fmt.Sprintf("%s, n = %d, N = %d: error %.4g > bound %.4g", m.Name(), n, steps, got, bound)
			}
			return ""
		}, gen.UInt64()))
	props.TestingRun(t)
}

// TestODEAdaptiveWithinTol: on a random dissipative linear system
// (‖e^{tA}‖₂ ≤ 1, so errors are not amplified) the PI-controlled solution at
// rtol = atol = tol stays within a small multiple of tol of e^{TA}y₀.
//
// Each accepted step has a local error estimate ≤ tol·(1 + |y|) per
// component (RMS norm ≤ 1), and the propagated solution is more accurate
// than the embedded one the estimate measures; errors add up without
// amplification, so the global error is at most steps·√n·tol·(1 + ‖y‖∞).
// That is the asserted bound; the property also records err/tol, which in
// practice is O(1).
func TestODEAdaptiveWithinTol(t *testing.T) {
	methods := []ode.Method{ode.DP5(), ode.DOP853()}
	var worst float64
	props := gopter.NewProperties(reference.GopterParameters(t, 100, 20))
	props.Property("‖y(T) − e^{TA}y₀‖ ≤ steps·√n·tol·(1 + ‖y‖∞)", prop.ForAll(
		func(seed uint64) string {
			rng := odeRNG(seed)
			n := 1 + rng.IntN(6)
			a := odeRandomDissipative(rng, n)
			y0 := odeRandomVec(rng, n)
			m := methods[rng.IntN(len(methods))]
			tol := math.Pow(10, -5-5*rng.Float64())
			t1 := 0.5 + 2*rng.Float64()
			sol, err := ode.Solve(ode.Problem{F: odeRHS(a), Y0: y0, T1: t1}, m, ode.PI{RTol: tol, ATol: tol}, ode.Options{})
			if err != nil {
				return err.Error()
			}
			got := odeDiff2(sol.At(0), odeExpm(a, t1, y0))
			ymax := odeNorm2(y0) // ‖y(t)‖∞ ≤ ‖y(t)‖₂ ≤ ‖y₀‖₂ (dissipative)
			bound := float64(sol.Stats.Steps) * math.Sqrt(float64(n)) * tol * (1 + ymax)
			worst = math.Max(worst, got/tol)
			if got > bound {
				return fmt.Sprintf("%s, n = %d, tol %.3g: error %.4g > %.4g (%d steps)", m.Name(), n, tol, got, bound, sol.Stats.Steps)
			}
			return ""
		}, gen.UInt64()))
	props.TestingRun(t)
	t.Logf("largest error/tol over the cases: %.3g", worst)
}

// TestODESaveAtConsistent: output at arbitrary times is consistent with the
// steps. For random tolerances and random sorted output times (some of them
// step endpoints of the plain run):
//   - saving does not change the steps (same statistics, same endpoints);
//   - at a step endpoint the saved value is the endpoint, bit for bit;
//   - Until at the same times returns the same values, bit for bit;
//   - every saved value is within 100·tol of the exact solution of the Hopf
//     problem (the global error there is at most 13·tol at step ends,
//     conformance suite, ToleranceProportionality; the dense output adds a
//     local error that the same control bounds).
func TestODESaveAtConsistent(t *testing.T) {
	methods := []ode.Method{ode.DP5(), ode.DOP853()}
	hopf := reference.HopfProblem(3)
	props := gopter.NewProperties(reference.GopterParameters(t, 60, 15))
	props.Property("saved values are consistent with the steps", prop.ForAll(
		func(seed uint64) string {
			rng := odeRNG(seed)
			m := methods[rng.IntN(len(methods))]
			tol := math.Pow(10, -6-4*rng.Float64())
			ctrl := ode.PI{RTol: tol, ATol: tol}
			plain, err := ode.Solve(hopf.Problem(), m, ctrl, ode.Options{SaveAt: ode.SaveAt{Steps: true}})
			if err != nil {
				return err.Error()
			}
			times := make([]float64, 0, 24)
			for range 16 {
				times = append(times, hopf.T1*rng.Float64())
			}
			ends := map[float64][]float64{}
			for range 8 {
				i := rng.IntN(plain.Len())
				times = append(times, plain.T[i])
				ends[plain.T[i]] = plain.At(i)
			}
			slices.Sort(times)
			saved, err := ode.Solve(hopf.Problem(), m, ctrl, ode.Options{SaveAt: ode.SaveAt{Times: times, Steps: true}})
			if err != nil {
				return err.Error()
			}
			if saved.Stats.Steps != plain.Stats.Steps || saved.Stats.Rejected != plain.Stats.Rejected {
				return fmt.Sprintf("saving changed the steps: %+v vs %+v", saved.Stats, plain.Stats)
			}
			it := ode.NewIntegrator(m)
			if err := it.Init(hopf.Problem(), ctrl, ode.Options{}); err != nil {
				return err.Error()
			}
			y := make([]float64, 2)
			exact := make([]float64, 2)
			j := 0
			for i, tt := range saved.T {
				v := saved.At(i)
				if e, ok := ends[tt]; ok && !slices.Equal(v, e) {
					return fmt.Sprintf("%s: value at the step end %g is %v, endpoint %v", m.Name(), tt, v, e)
				}
				if j < len(times) && tt == times[j] {
					j++
					if err := it.Until(tt, y); err != nil {
						return err.Error()
					}
					if !slices.Equal(y, v) {
						return fmt.Sprintf("%s: Until(%g) = %v, saved %v", m.Name(), tt, y, v)
					}
				}
				hopf.Exact(tt, exact)
				if d := math.Max(math.Abs(v[0]-exact[0]), math.Abs(v[1]-exact[1])); d > 100*tol {
					return fmt.Sprintf("%s, tol %.3g: error %.3g at t = %g", m.Name(), tol, d, tt)
				}
			}
			if j != len(times) {
				return fmt.Sprintf("%d of %d requested times saved", j, len(times))
			}
			return ""
		}, gen.UInt64()))
	props.TestingRun(t)
}
