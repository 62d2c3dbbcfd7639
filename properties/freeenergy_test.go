package properties

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/model"
)

// cubic is E(θ) = gᵀθ + ½θᵀAθ + ⅙T[θ,θ,θ] with A symmetric and T a fully
// symmetric 3-tensor, with exact derivatives: ∇E = g + Aθ + ½T[θ,θ],
// ∇²E·v = Av + T[θ,v], ∇³E[u,v] = T[u,v] (constant).
type cubic struct {
	p    int
	g, a []float64 // a row-major p×p
	t    []float64 // t[(i*p+j)*p+k], symmetric in i, j, k
}

func newCubic(rng *rand.Rand, p int) *cubic {
	c := &cubic{p: p, g: make([]float64, p), a: make([]float64, p*p), t: make([]float64, p*p*p)}
	for i := range p {
		c.g[i] = rng.NormFloat64()
		for j := 0; j <= i; j++ {
			v := rng.NormFloat64()
			c.a[i*p+j], c.a[j*p+i] = v, v
			for k := 0; k <= j; k++ {
				w := rng.NormFloat64()
				for _, idx := range [][3]int{{i, j, k}, {i, k, j}, {j, i, k}, {j, k, i}, {k, i, j}, {k, j, i}} {
					c.t[(idx[0]*p+idx[1])*p+idx[2]] = w
				}
			}
		}
	}
	return c
}

func (c *cubic) Dim() int { return c.p }

// tuv writes T[u,v] into out.
func (c *cubic) tuv(u, v, out []float64) {
	p := c.p
	for i := range p {
		var s float64
		for j := range p {
			for k := range p {
				s += c.t[(i*p+j)*p+k] * u[j] * v[k]
			}
		}
		out[i] = s
	}
}

func (c *cubic) Loss(th []float64) float64 {
	g := make([]float64, c.p)
	return c.Grad(th, g)
}

func (c *cubic) Grad(th, grad []float64) float64 {
	p := c.p
	c.tuv(th, th, grad)
	var e float64
	for i := range p {
		var ai float64
		for j := range p {
			ai += c.a[i*p+j] * th[j]
		}
		e += c.g[i]*th[i] + 0.5*ai*th[i] + grad[i]*th[i]/6
		grad[i] = c.g[i] + ai + 0.5*grad[i]
	}
	return e
}

func (c *cubic) HessVec(th, v, hv []float64) {
	p := c.p
	c.tuv(th, v, hv)
	for i := range p {
		for j := range p {
			hv[i] += c.a[i*p+j] * v[j]
		}
	}
}

func (c *cubic) Third(_, u, v, out []float64) { c.tuv(u, v, out) }

func randVec(rng *rand.Rand, n int, s float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = s * rng.NormFloat64()
	}
	return v
}

func evalRHS(m flow.Model, y []float64) []float64 {
	dy := make([]float64, len(y))
	m.RHS(0, y, dy)
	return dy
}

func maxAbsDiff(x, y []float64) float64 {
	var d float64
	for i := range x {
		d = math.Max(d, math.Abs(x[i]-y[i]))
	}
	return d
}

// TestFreeEnergyModelsOnQuadratics (O4 on random instances): on a random
// quadratic E = ½(θ−c)ᵀA(θ−c) (p ≤ 6, eigenvalues in [0.05, 4], η with
// ηλ_max up to 3) model A's right-hand side is exactly the linear map
// (−A(θ−c), (A − 2/η)a), and model B's (rank 1–3, both forms) the same map
// column by column. Tolerance: the products round to a few ulps of
// ‖A‖·‖y‖ + ‖y‖/η; 1e-13 of that.
func TestFreeEnergyModelsOnQuadratics(t *testing.T) {
	params := reference.GopterParameters(t, 200, 30)
	props := gopter.NewProperties(params)
	props.Property("models A and B are linear on a quadratic", prop.ForAll(func(seed uint64) bool {
		rng := rand.New(rand.NewPCG(seed, 0x4a))
		p := 1 + rng.IntN(6)
		_, flat := gdRandomSPD(rng, p, 0.05, 4)
		c := randVec(rng, p, 1)
		q, err := model.NewQuadratic(flat, c)
		if err != nil {
			t.Log(err)
			return false
		}
		eta := 0.2 + 0.55*rng.Float64()
		r := 1 + rng.IntN(3)
		y := randVec(rng, p*(1+r), 1)
		want := make([]float64, len(y))
		for i := range p {
			for j := range p {
				want[i] -= flat[i*p+j] * (y[j] - c[j])
			}
		}
		for col := 1; col <= r; col++ {
			base := col * p
			for i := range p {
				want[base+i] = -2 / eta * y[base+i]
				for j := range p {
					want[base+i] += flat[i*p+j] * y[base+j]
				}
			}
		}
		scale := (16 + 2/eta) * gd.Norm(y)
		ok := maxAbsDiff(evalRHS(flow.NewModelA(q, eta), y[:2*p]), want[:2*p]) <= 1e-13*scale
		ok = ok && maxAbsDiff(evalRHS(flow.NewModelB(q, q, eta, r, flow.SecondOrder), y), want) <= 1e-13*scale
		ok = ok && maxAbsDiff(evalRHS(flow.NewModelB(q, nil, eta, r, flow.Symmetrized), y), want) <= 1e-13*scale
		if !ok {
			t.Logf("seed %d: p = %d, r = %d, η = %g", seed, p, r, eta)
		}
		return ok
	}, gen.UInt64()))
	props.TestingRun(t)
}

// TestFreeEnergyModelsOnCubics (O5, O25 on random instances): on a random
// cubic (p ≤ 5) model B of rank 1 (second order) and model A have the same
// right-hand side, predicted loss and free energy — the symmetrised
// gradient is exactly ∇E + ½∇³E[a,a] — to 1e-12 of the terms' size; model A's
// right-hand side is (−∇_θF, +∇_aF), so the derivative of F along it is
// −|θ'|² + |a'|²: a central difference with h = 1e-6 agrees to 1e-6 of
// the two terms (F is a polynomial of degree 3 in y, so the difference is
// exact up to round-off ε·|F|/h ≈ 1e-10 relative); and second-order model B
// of rank 2 is invariant under Q → QO for a random rotation O (θ' and F
// to 1e-12).
func TestFreeEnergyModelsOnCubics(t *testing.T) {
	params := reference.GopterParameters(t, 200, 30)
	props := gopter.NewProperties(params)
	props.Property("model B = model A on a cubic; energy identity; Q → QO", prop.ForAll(func(seed uint64) bool {
		rng := rand.New(rand.NewPCG(seed, 0xc3))
		p := 1 + rng.IntN(5)
		c := newCubic(rng, p)
		eta := 0.1 + rng.Float64()
		y := append(randVec(rng, p, 1), randVec(rng, p, 0.5)...)
		ma, mb := flow.NewModelA(c, eta), flow.NewModelB(c, c, eta, 1, flow.SecondOrder)
		da, db := evalRHS(ma, y), evalRHS(mb, y)
		scale := 1 + gd.Norm(da)
		if d := maxAbsDiff(da, db); d > 1e-12*scale*float64(p*p) {
			t.Logf("seed %d: model A and B right-hand sides differ by %.3g", seed, d)
			return false
		}
		pa, pb := ma.Observe(y), mb.Observe(y)
		if math.Abs(pa.Loss-pb.Loss) > 1e-12*(1+math.Abs(pa.Loss))*float64(p*p) || math.Abs(pa.FreeEnergy-pb.FreeEnergy) > 1e-12*(1+math.Abs(pa.FreeEnergy))*float64(p*p) {
			t.Logf("seed %d: predictions %+v vs %+v", seed, pa, pb)
			return false
		}
		// Energy identity, pointwise.
		const h = 1e-6
		yp, ym := make([]float64, len(y)), make([]float64, len(y))
		for i := range y {
			yp[i], ym[i] = y[i]+h*da[i], y[i]-h*da[i]
		}
		got := (ma.Observe(yp).FreeEnergy - ma.Observe(ym).FreeEnergy) / (2 * h)
		th, am := gd.Norm(da[:p]), gd.Norm(da[p:])
		if d := math.Abs(got - (-th*th + am*am)); d > 1e-6*(th*th+am*am+1) {
			t.Logf("seed %d: dF/dt ≈ %.12g, −|θ'|² + |a'|² = %.12g", seed, got, -th*th+am*am)
			return false
		}
		// Q → QO.
		q := mat.NewDense(p, 2, randVec(rng, 2*p, 0.5))
		ang := 2 * math.Pi * rng.Float64()
		o := mat.NewDense(2, 2, []float64{math.Cos(ang), -math.Sin(ang), math.Sin(ang), math.Cos(ang)})
		var qo mat.Dense
		qo.Mul(q, o)
		state := func(m mat.Matrix) []float64 {
			s := append([]float64(nil), y[:p]...)
			for j := range 2 {
				for i := range p {
					s = append(s, m.At(i, j))
				}
			}
			return s
		}
		m2 := flow.NewModelB(c, c, eta, 2, flow.SecondOrder)
		s1, s2 := state(q), state(&qo)
		d1, d2 := evalRHS(m2, s1), evalRHS(m2, s2)
		f1, f2 := m2.Observe(s1).FreeEnergy, m2.Observe(s2).FreeEnergy
		if maxAbsDiff(d1[:p], d2[:p]) > 1e-12*(1+gd.Norm(d1[:p]))*float64(p*p) || math.Abs(f1-f2) > 1e-12*(1+math.Abs(f1))*float64(p*p) {
			t.Logf("seed %d: Q → QO changed θ' by %.3g and F by %.3g", seed, maxAbsDiff(d1[:p], d2[:p]), f1-f2)
			return false
		}
		return true
	}, gen.UInt64()))
	props.TestingRun(t)
}
