package properties

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/kernel"
	"github.com/eoskit/eoskit/sim/model"
)

// modelRNG returns a generator seeded from a gopter-drawn seed.
func modelRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6d6f64656c)) }

func modelVec(rng *rand.Rand, p int, sd, offset float64) []float64 {
	v := make([]float64, p)
	for i := range v {
		v[i] = offset + sd*rng.NormFloat64()
	}
	return v
}

// modelRandom is a random model instance with its hyperdual twin.
type modelRandom struct {
	desc string
	obj  sim.Objective
	hd   reference.HyperdualLoss
	// sd and offset of the random test points.
	sd, offset float64
	// cfg is the network's configuration (TwoLayer only).
	cfg *model.TwoLayerConfig
}

// modelTwoLayerConfig draws a small random two-layer network.
func modelTwoLayerConfig(rng *rand.Rand) model.TwoLayerConfig {
	acts := []model.Activation{model.Tanh, model.GELU, model.ReLU}
	scs := []model.Scaling{model.MeanField, model.NTK}
	bes := []kernel.Backend{kernel.Naive{}, kernel.Gonum{}}
	n, d, c, m := 1+rng.IntN(6), 1+rng.IntN(4), 1+rng.IntN(3), 1+rng.IntN(6)
	return model.TwoLayerConfig{
		Width: m, Activation: acts[rng.IntN(3)], Scaling: scs[rng.IntN(2)], Outputs: c, N: n, D: d,
		X: modelVec(rng, n*d, 1, 0), Y: modelVec(rng, n*c, 1, 0), Backend: bes[rng.IntN(2)],
	}
}

// modelDraw builds a random instance of the given kind.
func modelDraw(kind string, rng *rand.Rand) (modelRandom, error) {
	switch kind {
	case "quadratic":
		p := 1 + rng.IntN(6)
		a := make([]float64, p*p)
		for i := 0; i < p; i++ {
			for j := 0; j <= i; j++ {
				a[i*p+j] = rng.NormFloat64()
				a[j*p+i] = a[i*p+j]
			}
		}
		c := modelVec(rng, p, 1, 0)
		q, err := model.NewQuadratic(a, c)
		return modelRandom{fmt.Sprintf("quadratic p=%d", p), q, reference.HyperdualQuadratic(a, c), 1, 0, nil}, err
	case "quartic":
		return modelRandom{"quartic", model.NewQuartic(), reference.HyperdualQuartic(), 1, 0, nil}, nil
	case "matfact":
		depth, dim := 1+rng.IntN(4), 1+rng.IntN(3)
		target := modelVec(rng, dim*dim, 2, 0)
		mf, err := model.NewMatFact(depth, dim, target)
		return modelRandom{fmt.Sprintf("matfact L=%d d=%d", depth, dim), mf, reference.HyperdualMatFact(depth, dim, target), 0.8, 0, nil}, err
	case "uv":
		m, y := 1+rng.IntN(6), 2*rng.NormFloat64()
		uv, err := model.NewUV(m, y)
		return modelRandom{fmt.Sprintf("uv m=%d y=%g", m, y), uv, reference.HyperdualUV(m, y), 1, 0, nil}, err
	case "deep-scalar":
		l, y := 1+rng.IntN(6), 2*rng.NormFloat64()
		ds, err := model.NewDeepScalar(l, y)
		return modelRandom{fmt.Sprintf("deep-scalar L=%d y=%g", l, y), ds, reference.HyperdualDeepScalar(y), 0.8, 0.2, nil}, err
	case "minimalist":
		return modelRandom{"minimalist", model.NewMinimalist(), reference.HyperdualMinimalist(), 1, 0, nil}, nil
	case "valley":
		z, e := 2*rng.NormFloat64(), 0.1*rng.NormFloat64()
		v, err := model.NewValley(z, e)
		return modelRandom{fmt.Sprintf("valley ζ=%g ε=%g", z, e), v, reference.HyperdualValley(z, e), 1, 0, nil}, err
	case "twolayer":
		cfg := modelTwoLayerConfig(rng)
		net, err := model.NewTwoLayer(cfg)
		desc := fmt.Sprintf("twolayer m=%d n=%d d=%d c=%d %v %v %s", cfg.Width, cfg.N, cfg.D, cfg.Outputs, cfg.Activation, cfg.Scaling, cfg.Backend.Name())
		return modelRandom{desc, net, reference.HyperdualTwoLayer(cfg), 1, 0, &cfg}, err
	}
	return modelRandom{}, fmt.Errorf("unknown kind %q", kind)
}

// modelKinds lists the model kinds modelDraw builds.
func modelKinds() []string {
	return []string{"quadratic", "quartic", "matfact", "uv", "deep-scalar", "minimalist", "valley", "twolayer"}
}

// TestModelDerivativesAgree: for every model, on random instances at random
// points, Grad, HessVec and Third agree with finite differences (the
// ObjectiveSuite checks, tolerances derived there) and with the independent
// hyperdual losses (exact to round-off).
func TestModelDerivativesAgree(t *testing.T) {
	for _, kind := range modelKinds() {
		t.Run(kind, func(t *testing.T) {
			props := gopter.NewProperties(reference.GopterParameters(t, 400, 40))
			props.Property("derivatives agree with finite differences and hyperdual numbers", prop.ForAll(
				func(seed uint64) string {
					rng := modelRNG(seed)
					in, err := modelDraw(kind, rng)
					if err != nil {
						return err.Error()
					}
					p := in.obj.Dim()
					th := modelVec(rng, p, in.sd, in.offset)
					if in.cfg != nil && in.cfg.Activation == model.ReLU {
						// Keep the difference steps away from the kinks.
						for tries := 0; reference.TwoLayerKinkDistance(*in.cfg, th) <= reference.TwoLayerSafeStep(th); tries++ {
							if tries == 1000 {
								return in.desc + ": no kink-free point found"
							}
							th = modelVec(rng, p, in.sd, in.offset)
						}
					}
					if err := reference.CheckDerivatives(in.obj, th, rng, reference.ObjectiveOptions{}); err != nil {
						return in.desc + ": " + err.Error()
					}
					u, v, w := modelVec(rng, p, 1, 0), modelVec(rng, p, 1, 0), modelVec(rng, p, 1, 0)
					if err := reference.CheckHyperdual(in.obj, in.hd, th, u, v, 0); err != nil {
						return in.desc + ": " + err.Error()
					}
					if err := reference.CheckHyperdualThird(in.obj.(sim.ThirdOrder), in.hd, th, u, v, w, 0, 0); err != nil {
						return in.desc + ": " + err.Error()
					}
					return ""
				},
				gen.UInt64(),
			))
			props.TestingRun(t)
		})
	}
}

// modelTwoLayerSetup draws a network and a point for the invariance
// properties; act = 0 draws the activation.
func modelTwoLayerSetup(rng *rand.Rand, act model.Activation, sc model.Scaling) (model.TwoLayerConfig, *model.TwoLayer, []float64) {
	cfg := modelTwoLayerConfig(rng)
	if act != 0 {
		cfg.Activation = act
	}
	if sc != 0 {
		cfg.Scaling = sc
	}
	net, err := model.NewTwoLayer(cfg)
	if err != nil {
		panic(err)
	}
	return cfg, net, modelVec(rng, net.Dim(), 1, 0)
}

// modelNeuronMap rebuilds θ = [W, A] neuron by neuron: neuron j of the new
// network (of width m2) is neuron src(j) of the old one, with its weights
// multiplied by sign(j).
func modelNeuronMap(theta []float64, m, d, c, m2 int, src func(int) int, sign func(int) float64) []float64 {
	out := make([]float64, m2*(d+c))
	for j := 0; j < m2; j++ {
		i, s := src(j), sign(j)
		for k := 0; k < d; k++ {
			out[j*d+k] = s * theta[i*d+k]
		}
		for o := 0; o < c; o++ {
			out[m2*d+o*m2+j] = s * theta[m*d+o*m+i]
		}
	}
	return out
}

// modelClose compares two vectors to a relative tolerance of their ∞-norm
// scale.
func modelClose(a, b []float64, tol float64) bool {
	var scale, diff float64
	for i := range a {
		scale = math.Max(scale, math.Max(math.Abs(a[i]), math.Abs(b[i])))
		diff = math.Max(diff, math.Abs(a[i]-b[i]))
	}
	return diff <= tol*math.Max(scale, 1e-300)
}

// modelSumTol is the relative tolerance for a network output or loss
// evaluated with its sums in another order: each output sums m ≤ 12 terms
// and the loss n·c ≤ 18 squares, so the difference is ≲ 30ε relative to the
// sums of absolute values, which are within a factor ~10 of the values for
// these random instances; 1e-12 leaves a wide margin and still rejects any
// real change.
const modelSumTol = 1e-12

// TestModelTwoLayerInvariances: permuting neurons, duplicating every neuron
// under mean-field scaling, and flipping (w_i, a_i) → (−w_i, −a_i) for an odd
// activation leave the outputs and the loss unchanged (design notes §6.3,
// O24); the gradient is permuted (equivariance) and, under duplication,
// halved per copy.
func TestModelTwoLayerInvariances(t *testing.T) {
	props := gopter.NewProperties(reference.GopterParameters(t, 300, 30))
	props.Property("neuron permutation", prop.ForAll(
		func(seed uint64) string {
			rng := modelRNG(seed)
			cfg, net, th := modelTwoLayerSetup(rng, 0, 0)
			m, d, c := cfg.Width, cfg.D, cfg.Outputs
			perm := rng.Perm(m)
			th2 := modelNeuronMap(th, m, d, c, m, func(j int) int { return perm[j] }, func(int) float64 { return 1 })
			f1, f2 := make([]float64, cfg.N*c), make([]float64, cfg.N*c)
			net.Predict(th, f1)
			net.Predict(th2, f2)
			if !modelClose(f1, f2, modelSumTol) {
				return fmt.Sprintf("outputs changed: %v vs %v", f1, f2)
			}
			g1, g2 := make([]float64, net.Dim()), make([]float64, net.Dim())
			e1, e2 := net.Grad(th, g1), net.Grad(th2, g2)
			if !modelClose([]float64{e1}, []float64{e2}, modelSumTol) {
				return fmt.Sprintf("loss changed: %.17g vs %.17g", e1, e2)
			}
			g1p := modelNeuronMap(g1, m, d, c, m, func(j int) int { return perm[j] }, func(int) float64 { return 1 })
			if !modelClose(g1p, g2, modelSumTol) {
				return "gradient not permuted with the neurons"
			}
			return ""
		},
		gen.UInt64(),
	))
	props.Property("mean-field replication", prop.ForAll(
		func(seed uint64) string {
			rng := modelRNG(seed)
			cfg, net, th := modelTwoLayerSetup(rng, 0, model.MeanField)
			m, d, c := cfg.Width, cfg.D, cfg.Outputs
			cfg2 := cfg
			cfg2.Width = 2 * m
			dup, err := model.NewTwoLayer(cfg2)
			if err != nil {
				return err.Error()
			}
			th2 := modelNeuronMap(th, m, d, c, 2*m, func(j int) int { return j % m }, func(int) float64 { return 1 })
			f1, f2 := make([]float64, cfg.N*c), make([]float64, cfg.N*c)
			net.Predict(th, f1)
			dup.Predict(th2, f2)
			if !modelClose(f1, f2, modelSumTol) {
				return fmt.Sprintf("outputs changed: %v vs %v", f1, f2)
			}
			g1, g2 := make([]float64, net.Dim()), make([]float64, dup.Dim())
			e1, e2 := net.Grad(th, g1), dup.Grad(th2, g2)
			if !modelClose([]float64{e1}, []float64{e2}, modelSumTol) {
				return fmt.Sprintf("loss changed: %.17g vs %.17g", e1, e2)
			}
			// Each copy gets half the original neuron's gradient.
			half := modelNeuronMap(g1, m, d, c, 2*m, func(j int) int { return j % m }, func(int) float64 { return 0.5 })
			if !modelClose(half, g2, modelSumTol) {
				return "gradient of a copy is not half the original's"
			}
			return ""
		},
		gen.UInt64(),
	))
	props.Property("sign flip of an odd activation (tanh)", prop.ForAll(
		func(seed uint64) string {
			rng := modelRNG(seed)
			cfg, net, th := modelTwoLayerSetup(rng, model.Tanh, 0)
			m, d, c := cfg.Width, cfg.D, cfg.Outputs
			signs := make([]float64, m)
			for i := range signs {
				signs[i] = float64(1 - 2*rng.IntN(2))
			}
			th2 := modelNeuronMap(th, m, d, c, m, func(j int) int { return j }, func(j int) float64 { return signs[j] })
			f1, f2 := make([]float64, cfg.N*c), make([]float64, cfg.N*c)
			net.Predict(th, f1)
			net.Predict(th2, f2)
			// tanh is odd in floating point too (tanh(−z) = −tanh(z)
			// exactly), so the outputs agree bit for bit.
			for i := range f1 {
				if f1[i] != f2[i] {
					return fmt.Sprintf("outputs changed at %d: %.17g vs %.17g", i, f1[i], f2[i])
				}
			}
			return ""
		},
		gen.UInt64(),
	))
	props.TestingRun(t)
}

// modelScalarAct is σ and σ' written out independently for the scalar
// formula.
func modelScalarAct(a model.Activation, z float64) (s, ds float64) {
	switch a {
	case model.Tanh:
		th := math.Tanh(z)
		return th, 1 / (math.Cosh(z) * math.Cosh(z))
	case model.GELU:
		cdf := 0.5 * (1 + math.Erf(z/math.Sqrt2))
		pdf := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
		return z * cdf, cdf + z*pdf
	default:
		if z > 0 {
			return z, 1
		}
		return 0, 0
	}
}

// TestModelTwoLayerScalarFormula: with c = 1 the network's loss and gradient
// agree with a direct scalar formula, f(x_s) = s·Σ_i a_i σ(Σ_k w_ik x_sk),
// ∂E/∂a_i = (s/n)Σ_s r_s σ(z_si), ∂E/∂w_ik = (s/n)Σ_s r_s a_i σ'(z_si) x_sk.
func TestModelTwoLayerScalarFormula(t *testing.T) {
	props := gopter.NewProperties(reference.GopterParameters(t, 300, 30))
	props.Property("c = 1 network equals the scalar formula", prop.ForAll(
		func(seed uint64) string {
			rng := modelRNG(seed)
			cfg := modelTwoLayerConfig(rng)
			cfg.Outputs = 1
			cfg.Y = modelVec(rng, cfg.N, 1, 0)
			net, err := model.NewTwoLayer(cfg)
			if err != nil {
				return err.Error()
			}
			m, d, n := cfg.Width, cfg.D, cfg.N
			th := modelVec(rng, net.Dim(), 1, 0)
			s := 1 / float64(m)
			if cfg.Scaling == model.NTK {
				s = 1 / math.Sqrt(float64(m))
			}
			var e float64
			want := make([]float64, net.Dim())
			for smp := 0; smp < n; smp++ {
				var f float64
				z := make([]float64, m)
				for i := 0; i < m; i++ {
					for k := 0; k < d; k++ {
						z[i] += th[i*d+k] * cfg.X[smp*d+k]
					}
					sig, _ := modelScalarAct(cfg.Activation, z[i])
					f += th[m*d+i] * sig
				}
				r := s*f - cfg.Y[smp]
				e += r * r / float64(2*n)
				for i := 0; i < m; i++ {
					sig, dsig := modelScalarAct(cfg.Activation, z[i])
					want[m*d+i] += s / float64(n) * r * sig
					for k := 0; k < d; k++ {
						want[i*d+k] += s / float64(n) * r * th[m*d+i] * dsig * cfg.X[smp*d+k]
					}
				}
			}
			g := make([]float64, net.Dim())
			got := net.Grad(th, g)
			// Same sums in another order, and σ' through 1/cosh² and erf
			// instead of 1−tanh² and erfc: ≲ 1e-15 relative per term; the
			// gradient can cancel across samples, so compare on the ∞-norm
			// scale of the gradient (1e-11: margin for n ≤ 6 cancelling terms).
			if !modelClose([]float64{got}, []float64{e}, modelSumTol) {
				return fmt.Sprintf("loss %.17g, scalar formula %.17g", got, e)
			}
			if !modelClose(g, want, 1e-11) {
				return fmt.Sprintf("gradient %v, scalar formula %v", g, want)
			}
			return ""
		},
		gen.UInt64(),
	))
	props.TestingRun(t)
}

// TestModelMatFactDiagonal (O21): a diagonal target with diagonal factors
// stays exactly diagonal under GD (products of diagonal matrices have exact
// zeros off the diagonal), and the depth-L, d = 1 factorisation is the
// scalar network.
func TestModelMatFactDiagonal(t *testing.T) {
	props := gopter.NewProperties(reference.GopterParameters(t, 300, 30))
	props.Property("diagonal stays diagonal", prop.ForAll(
		func(seed uint64) string {
			rng := modelRNG(seed)
			depth, dim := 1+rng.IntN(4), 2+rng.IntN(3)
			target := make([]float64, dim*dim)
			for i := 0; i < dim; i++ {
				target[i*dim+i] = 0.5 + 2*rng.Float64()
			}
			mf, err := model.NewMatFact(depth, dim, target)
			if err != nil {
				return err.Error()
			}
			th := make([]float64, mf.Dim())
			for l := 0; l < depth; l++ {
				for i := 0; i < dim; i++ {
					th[l*dim*dim+i*dim+i] = 0.3 + 0.7*rng.Float64()
				}
			}
			eta := 0.01 + 0.05*rng.Float64()
			g := make([]float64, mf.Dim())
			for k := 0; k < 50; k++ {
				mf.Grad(th, g)
				for i := range th {
					th[i] -= eta * g[i]
				}
				for l := 0; l < depth; l++ {
					for i := 0; i < dim; i++ {
						for j := 0; j < dim; j++ {
							if i != j && th[l*dim*dim+i*dim+j] != 0 {
								return fmt.Sprintf("step %d: W_%d[%d,%d] = %g", k, l+1, i, j, th[l*dim*dim+i*dim+j])
							}
						}
					}
				}
			}
			return ""
		},
		gen.UInt64(),
	))
	props.Property("d = 1 factorisation is the scalar network", prop.ForAll(
		func(seed uint64) string {
			rng := modelRNG(seed)
			depth, y := 1+rng.IntN(6), 2*rng.NormFloat64()
			mf, err := model.NewMatFact(depth, 1, []float64{y})
			if err != nil {
				return err.Error()
			}
			ds, err := model.NewDeepScalar(depth, y)
			if err != nil {
				return err.Error()
			}
			th := modelVec(rng, depth, 0.8, 0.2)
			u, v := modelVec(rng, depth, 1, 0), modelVec(rng, depth, 1, 0)
			a, b := modelAllDerivs(mf, th, u, v), modelAllDerivs(ds, th, u, v)
			// Products of ≤ 6 factors in another order: a few ulps;
			// derivative sums may cancel, so compare on the ∞-norm scale.
			for i := range a {
				if !modelClose(a[i], b[i], 1e-13) {
					return fmt.Sprintf("derivative %d: matfact %v, deep-scalar %v", i, a[i], b[i])
				}
			}
			return ""
		},
		gen.UInt64(),
	))
	props.TestingRun(t)
}

// modelAllDerivs returns [E], ∇E, ∇²E·v and ∇³E[u,v].
func modelAllDerivs(obj sim.Objective, th, u, v []float64) [][]float64 {
	p := obj.Dim()
	g, hv, t3 := make([]float64, p), make([]float64, p), make([]float64, p)
	e := obj.Grad(th, g)
	obj.HessVec(th, v, hv)
	obj.(sim.ThirdOrder).Third(th, u, v, t3)
	return [][]float64{{e}, g, hv, t3}
}

// TestModelUVRecursions (O11, O13): along GD on the width-m uv model the
// imbalance |u|²−|v|² is multiplied by 1 − η²r²/m per step, and f and λ
// follow the catapult recursions, to 1e-12 relative.
func TestModelUVRecursions(t *testing.T) {
	props := gopter.NewProperties(reference.GopterParameters(t, 300, 30))
	props.Property("imbalance contraction and catapult recursions", prop.ForAll(
		func(seed uint64) string {
			rng := modelRNG(seed)
			m := 1 + rng.IntN(8)
			y := 2 * rng.NormFloat64()
			uv, err := model.NewUV(m, y)
			if err != nil {
				return err.Error()
			}
			th := modelVec(rng, 2*m, 1, 0)
			// Unbalance u and v so that |D| is comparable to |u|²+|v|².
			for i := 0; i < m; i++ {
				th[i] *= 2
			}
			// A stable step: η·λ ≤ 1.5.
			eta := (0.1 + 1.4*rng.Float64()) / uv.NTK(th)
			g := make([]float64, 2*m)
			for k := 0; k < 20; k++ {
				var nu, nv float64
				for i := 0; i < m; i++ {
					nu += th[i] * th[i]
					nv += th[m+i] * th[m+i]
				}
				f, lam := uv.Output(th), uv.NTK(th)
				r := f - y
				uv.Grad(th, g)
				for i := range th {
					th[i] -= eta * g[i]
				}
				var nu2, nv2 float64
				for i := 0; i < m; i++ {
					nu2 += th[i] * th[i]
					nv2 += th[m+i] * th[m+i]
				}
				// D' is a difference of squared norms: its round-off is a
				// few ε·(|u|²+|v|²), so relative to that scale 1e-12 holds
				// with a margin of ~1000 (the property's "1e-12 relative").
				want := reference.UVImbalanceStep(nu-nv, r, eta, m)
				if math.Abs((nu2-nv2)-want) > 1e-12*(nu2+nv2) {
					return fmt.Sprintf("step %d: imbalance %.17g, recursion %.17g", k, nu2-nv2, want)
				}
				f2, lam2 := reference.CatapultStep(f, lam, y, eta, m)
				// f and λ: one step of the exact recursions, compared
				// relative to the sum of the absolute values of the
				// recursion's terms (the scale of their round-off, since the
				// new f can be small by cancellation).
				mf := float64(m)
				fScale := math.Abs(f) + eta*lam*math.Abs(r) + eta*eta*r*r*math.Abs(f)/mf
				lScale := lam + 4*eta*math.Abs(r*f)/mf + eta*eta*r*r*lam/mf
				if math.Abs(uv.Output(th)-f2) > 1e-12*fScale {
					return fmt.Sprintf("step %d: f %.17g, recursion %.17g", k, uv.Output(th), f2)
				}
				if math.Abs(uv.NTK(th)-lam2) > 1e-12*lScale {
					return fmt.Sprintf("step %d: λ %.17g, recursion %.17g", k, uv.NTK(th), lam2)
				}
			}
			return ""
		},
		gen.UInt64(),
	))
	props.TestingRun(t)
}

// modelDirectGrad is an independent implementation of the two-layer loss and
// gradient, example by example and neuron by neuron:
// f_o(x_s) = s·Σ_i a_oi σ(z_si), z_si = Σ_k w_ik x_sk,
// ∂E/∂a_oi = (s/n)Σ_s r_so σ(z_si), ∂E/∂w_ik = (s/n)Σ_s Σ_o r_so a_oi σ'(z_si) x_sk.
func modelDirectGrad(cfg model.TwoLayerConfig, th, g []float64) float64 {
	m, d, n, c := cfg.Width, cfg.D, cfg.N, cfg.Outputs
	s := 1 / float64(m)
	if cfg.Scaling == model.NTK {
		s = 1 / math.Sqrt(float64(m))
	}
	for i := range g {
		g[i] = 0
	}
	z, sig, dsig := make([]float64, m), make([]float64, m), make([]float64, m)
	var e float64
	for smp := 0; smp < n; smp++ {
		for i := 0; i < m; i++ {
			z[i] = 0
			for k := 0; k < d; k++ {
				z[i] += th[i*d+k] * cfg.X[smp*d+k]
			}
			sig[i], dsig[i] = modelScalarAct(cfg.Activation, z[i])
		}
		for o := 0; o < c; o++ {
			var f float64
			for i := 0; i < m; i++ {
				f += th[m*d+o*m+i] * sig[i]
			}
			r := s*f - cfg.Y[smp*c+o]
			e += r * r / float64(2*n)
			for i := 0; i < m; i++ {
				g[m*d+o*m+i] += s / float64(n) * r * sig[i]
				for k := 0; k < d; k++ {
					g[i*d+k] += s / float64(n) * r * th[m*d+o*m+i] * dsig[i] * cfg.X[smp*d+k]
				}
			}
		}
	}
	return e
}

// TestModelTwoLayerGDTrajectory: 500 GD steps on a random tanh network agree
// with GD on the independent implementation, loss by loss and in the final
// θ, to 1e-10 relative. Round-off differences between the two runs
// (≲ 1e-15 relative per step) grow by up to 1 + η|λ_min| per step along
// negative curvature, which random points have; with η = 0.02/max|λ| that
// is at most 1.02⁵⁰⁰ ≈ 2e4, keeping the runs within ~1e-11.
func TestModelTwoLayerGDTrajectory(t *testing.T) {
	props := gopter.NewProperties(reference.GopterParameters(t, 20, 4))
	props.Property("GD matches an independent implementation for 500 steps", prop.ForAll(
		func(seed uint64) string {
			rng := modelRNG(seed)
			cfg := modelTwoLayerConfig(rng)
			cfg.Activation = model.Tanh
			net, err := model.NewTwoLayer(cfg)
			if err != nil {
				return err.Error()
			}
			p := net.Dim()
			th := modelVec(rng, p, 1, 0)
			// max|λ| by power iteration (no accuracy needed: it only sets
			// the scale of η).
			v, hv := modelVec(rng, p, 1, 0), make([]float64, p)
			var lam float64
			for it := 0; it < 200; it++ {
				net.HessVec(th, v, hv)
				var nv, nh float64
				for i := range v {
					nv += v[i] * v[i]
					nh += hv[i] * hv[i]
				}
				lam = math.Sqrt(nh / nv)
				for i := range v {
					v[i] = hv[i] / math.Sqrt(nh)
				}
			}
			eta := 0.02 / lam
			th2 := append([]float64(nil), th...)
			g, g2 := make([]float64, p), make([]float64, p)
			for k := 0; k < 500; k++ {
				e := net.Grad(th, g)
				e2 := modelDirectGrad(cfg, th2, g2)
				if math.Abs(e-e2) > 1e-10*math.Abs(e2) {
					return fmt.Sprintf("step %d: loss %.17g, independent %.17g", k, e, e2)
				}
				for i := range th {
					th[i] -= eta * g[i]
					th2[i] -= eta * g2[i]
				}
			}
			if !modelClose(th, th2, 1e-10) {
				return "final θ differs"
			}
			return ""
		},
		gen.UInt64(),
	))
	props.TestingRun(t)
}
