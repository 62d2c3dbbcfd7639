package properties

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/sdcp"
)

// sdcpInstance is a random central-flow-like SDCP of order k: third
// derivatives g_ij (random vectors in R^n), C_ij = g_ij·v, A₀ = 2I − ηΛ
// with some eigenvalues above the threshold (A₀ᵢᵢ < 0), step S.
type sdcpInstance struct {
	k, n int
	g    [][]float64 // g[pair] ∈ R^n
	v    []float64
	a0   []float64
	s    float64
}

func sdcpRandomInstance(rng *rand.Rand, k int) *sdcpInstance {
	m := sdcp.Pairs(k)
	in := &sdcpInstance{k: k, n: m + 1 + rng.IntN(3), s: math.Exp(rng.NormFloat64())}
	in.g = make([][]float64, m)
	for a := range in.g {
		in.g[a] = odeRandomVec(rng, in.n)
	}
	in.v = odeRandomVec(rng, in.n)
	in.a0 = make([]float64, k*k)
	for i := range k {
		in.a0[i*k+i] = 0.5 * rng.NormFloat64()
	}
	return in
}

// gij returns g_ij for any i, j.
func (in *sdcpInstance) gij(i, j int) []float64 { return in.g[sdcp.PairIndex(in.k, i, j)] }

// problem assembles the SDCP.
func (in *sdcpInstance) problem() *sdcp.Problem {
	k, m := in.k, sdcp.Pairs(in.k)
	p := &sdcp.Problem{K: k, A0: append([]float64(nil), in.a0...), C: make([]float64, k*k), Gram: make([]float64, m*m), S: in.s}
	for i := range k {
		for j := range k {
			p.C[i*k+j] = dotVec(in.gij(i, j), in.v)
		}
	}
	for a := range m {
		for b := range m {
			p.Gram[a*m+b] = dotVec(in.g[a], in.g[b])
		}
	}
	return p
}

// rotated returns the instance in the basis U·O: g'_ij = Σ O_ki O_lj g_kl,
// A₀' = OᵀA₀O (v is a vector of R^n, unchanged).
func (in *sdcpInstance) rotated(o []float64) *sdcpInstance {
	k := in.k
	out := &sdcpInstance{k: k, n: in.n, v: in.v, s: in.s, a0: sdcpCongruence(k, o, in.a0)}
	out.g = make([][]float64, sdcp.Pairs(k))
	for i := range k {
		for j := i; j < k; j++ {
			gv := make([]float64, in.n)
			for a := range k {
				for b := range k {
					w := o[a*k+i] * o[b*k+j]
					for l, x := range in.gij(a, b) {
						gv[l] += w * x
					}
				}
			}
			out.g[sdcp.PairIndex(k, i, j)] = gv
		}
	}
	return out
}

// direction returns Σ_ij X_ij g_ij, the central flow's correction, unique
// even when X is not.
func (in *sdcpInstance) direction(x []float64) []float64 {
	k := in.k
	d := make([]float64, in.n)
	for i := range k {
		for j := range k {
			for l, v := range in.gij(i, j) {
				d[l] += x[i*k+j] * v
			}
		}
	}
	return d
}

// sdcpCongruence returns OᵀAO.
func sdcpCongruence(k int, o, a []float64) []float64 {
	out := make([]float64, k*k)
	for i := range k {
		for j := range k {
			var s float64
			for a1 := range k {
				for b := range k {
					s += o[a1*k+i] * a[a1*k+b] * o[b*k+j]
				}
			}
			out[i*k+j] = s
		}
	}
	return out
}

func sdcpOrthogonal(rng *rand.Rand, k int) []float64 {
	a := mat.NewDense(k, k, nil)
	for i := range k {
		for j := range k {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(a)
	var q mat.Dense
	qr.QTo(&q)
	return mat.DenseCopyOf(&q).RawMatrix().Data
}

func dotVec(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func sdcpSolve(p *sdcp.Problem) ([]float64, error) {
	x := make([]float64, p.K*p.K)
	_, err := sdcp.NewNewton(sdcp.Settings{}).Solve(p, x)
	return x, err
}

// sdcpRelDiff returns ‖a − b‖/(scale + ‖b‖).
func sdcpRelDiff(a, b []float64, scale float64) float64 {
	var d, n float64
	for i := range a {
		d += (a[i] - b[i]) * (a[i] - b[i])
		n += b[i] * b[i]
	}
	return math.Sqrt(d) / (scale + math.Sqrt(n))
}

// TestSDCPRotationCovariance: the SDCP is posed in the basis U of the
// unstable eigenspace, which is arbitrary within a multiple eigenvalue. In
// the basis UO every datum transforms by congruence, and the solution must
// too: X' = OᵀXO, A⁺' = OᵀA⁺O, and the flow's correction Σ X_ij g_ij is the
// same vector. The Gram matrices here (m+1 to m+3 random vectors) are
// positive definite, so X is unique; allowance 1e-9 relative, the solver's
// 1e-12 residual amplified by the conditioning of 𝒢 (≲ 10³ for these
// instances).
func TestSDCPRotationCovariance(t *testing.T) {
	props := gopter.NewProperties(reference.GopterParameters(t, 300, 40))
	props.Property("X(UO) = OᵀX(U)O", prop.ForAll(
		func(seed uint64) string {
			rng := rand.New(rand.NewPCG(seed, 0x73646370))
			k := 1 + rng.IntN(4)
			in := sdcpRandomInstance(rng, k)
			o := sdcpOrthogonal(rng, k)
			rot := in.rotated(o)
			x, err := sdcpSolve(in.problem())
			if err != nil {
				return err.Error()
			}
			xr, err := sdcpSolve(rot.problem())
			if err != nil {
				return err.Error()
			}
			c := reference.SDCPEvaluate(in.problem(), x)
			cr := reference.SDCPEvaluate(rot.problem(), xr)
			if d := sdcpRelDiff(xr, sdcpCongruence(k, o, x), 1e-3); d > 1e-9 {
				return fmt.Sprintf("k = %d: ‖X' − OᵀXO‖ relative %.3g", k, d)
			}
			if d := sdcpRelDiff(cr.APlus, sdcpCongruence(k, o, c.APlus), c.Scale); d > 1e-9 {
				return fmt.Sprintf("k = %d: ‖A⁺' − OᵀA⁺O‖ relative %.3g", k, d)
			}
			if d := sdcpRelDiff(rot.direction(xr), in.direction(x), 1e-3); d > 1e-9 {
				return fmt.Sprintf("k = %d: flow correction differs by %.3g relative", k, d)
			}
			return ""
		}, gen.UInt64()))
	props.TestingRun(t)
}

// TestSDCPHomogeneity: the SDCP is positively homogeneous in (A₀, C):
// scaling both by λ > 0 scales X by λ (and A⁺ by λ). With A₀ = 0 (the
// central flow exactly on its constraint) the step S drops out: X does not
// depend on it. Allowance 1e-10 relative: the solver's residual 1e-12 times
// the conditioning of 𝒢.
func TestSDCPHomogeneity(t *testing.T) {
	props := gopter.NewProperties(reference.GopterParameters(t, 300, 40))
	props.Property("X(λA₀, λC) = λX; X(0, C; S) independent of S", prop.ForAll(
		func(seed uint64) string {
			rng := rand.New(rand.NewPCG(seed, 0x686f6d))
			k := 1 + rng.IntN(4)
			in := sdcpRandomInstance(rng, k)
			p := in.problem()
			x, err := sdcpSolve(p)
			if err != nil {
				return err.Error()
			}
			lam := math.Exp(2 * rng.NormFloat64())
			ps := in.problem()
			for i := range ps.A0 {
				ps.A0[i] *= lam
				ps.C[i] *= lam
			}
			xs, err := sdcpSolve(ps)
			if err != nil {
				return err.Error()
			}
			want := make([]float64, len(x))
			for i := range x {
				want[i] = lam * x[i]
			}
			if d := sdcpRelDiff(xs, want, lam*1e-3); d > 1e-10 {
				return fmt.Sprintf("k = %d, λ = %.3g: ‖X(λ) − λX‖ relative %.3g", k, lam, d)
			}
			p0 := in.problem()
			for i := range p0.A0 {
				p0.A0[i] = 0
			}
			x0, err := sdcpSolve(p0)
			if err != nil {
				return err.Error()
			}
			p0.S *= math.Exp(2 * rng.NormFloat64())
			x1, err := sdcpSolve(p0)
			if err != nil {
				return err.Error()
			}
			if d := sdcpRelDiff(x1, x0, 1e-3); d > 1e-10 {
				return fmt.Sprintf("k = %d: A₀ = 0, X depends on S: %.3g relative", k, d)
			}
			return ""
		}, gen.UInt64()))
	props.TestingRun(t)
}

// TestSDCPOptimality: the solution minimises the quadratic program
// f(X) = ¼S⟨X, 𝒢X⟩ + ⟨A₀ + SC, X⟩ over the PSD cone, so no random PSD
// matrix Y (of random rank, near and far from X) does better. Allowance:
// f(X) − f* ≤ ‖R‖·‖X − X*‖-level terms, 1e-11 of the objective's scale.
func TestSDCPOptimality(t *testing.T) {
	props := gopter.NewProperties(reference.GopterParameters(t, 300, 40))
	props.Property("f(X) ≤ f(Y) for Y ⪰ 0", prop.ForAll(
		func(seed uint64) string {
			rng := rand.New(rand.NewPCG(seed, 0x6f7074))
			k := 1 + rng.IntN(4)
			in := sdcpRandomInstance(rng, k)
			p := in.problem()
			x, err := sdcpSolve(p)
			if err != nil {
				return err.Error()
			}
			c := reference.SDCPEvaluate(p, x)
			fs := c.Scale * (1 + math.Sqrt(dotVec(x, x)))
			for trial := range 20 {
				// Y = X + E, projected: Y = Π(X + E) with E random of size
				// 10^(−3…0).
				e := make([]float64, k*k)
				sz := math.Pow(10, -3*rng.Float64())
				for i := range k {
					for j := i; j < k; j++ {
						v := sz * rng.NormFloat64()
						e[i*k+j], e[j*k+i] = v, v
					}
				}
				y := sdcpProjectPSD(k, x, e)
				if f := reference.SDCPEvaluate(p, y).F; f < c.F-1e-11*fs {
					return fmt.Sprintf("k = %d, trial %d: f(Y) = %.17g < f(X) = %.17g", k, trial, f, c.F)
				}
			}
			return ""
		}, gen.UInt64()))
	props.TestingRun(t)
}

// sdcpProjectPSD returns the projection of X + E on the PSD cone.
func sdcpProjectPSD(k int, x, e []float64) []float64 {
	s := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			s.SetSym(i, j, x[i*k+j]+e[i*k+j])
		}
	}
	var es mat.EigenSym
	es.Factorize(s, true)
	vals := es.Values(nil)
	var v mat.Dense
	es.VectorsTo(&v)
	out := make([]float64, k*k)
	for i := range k {
		for j := range k {
			var t float64
			for l, w := range vals {
				if w > 0 {
					t += v.At(i, l) * w * v.At(j, l)
				}
			}
			out[i*k+j] = t
		}
	}
	return out
}

// TestSDCPBlockDecoupling: two unstable subspaces that do not interact
// (a separable loss: g_ij = 0 across the blocks, A₀ and C block-diagonal)
// give the solutions of the two smaller problems: the central flow of a
// separable sum is the sum of the central flows. The objective does not
// depend on the cross block of X (its g vanish), so X is not unique there;
// the assertions are on what is: the flow correction Σ X_ij g_ij and tr X
// (the diagonal blocks are the unique solutions of the two positive
// definite subproblems). Allowance 1e-9 relative, as above.
func TestSDCPBlockDecoupling(t *testing.T) {
	props := gopter.NewProperties(reference.GopterParameters(t, 300, 40))
	props.Property("separable problem = two problems", prop.ForAll(
		func(seed uint64) string {
			rng := rand.New(rand.NewPCG(seed, 0x626c6b))
			k1 := 1 + rng.IntN(2)
			k2 := 1 + rng.IntN(2)
			a := sdcpRandomInstance(rng, k1)
			b := sdcpRandomInstance(rng, k2)
			b.s = a.s
			// Joint instance in R^{n1+n2}: g of block a padded with zeros.
			k := k1 + k2
			j := &sdcpInstance{k: k, n: a.n + b.n, s: a.s, a0: make([]float64, k*k)}
			j.v = append(append([]float64(nil), a.v...), b.v...)
			j.g = make([][]float64, sdcp.Pairs(k))
			for i := range k {
				for l := i; l < k; l++ {
					gv := make([]float64, j.n)
					switch {
					case l < k1:
						copy(gv, a.gij(i, l))
					case i >= k1:
						copy(gv[a.n:], b.gij(i-k1, l-k1))
					}
					j.g[sdcp.PairIndex(k, i, l)] = gv
				}
			}
			for i := range k1 {
				j.a0[i*k+i] = a.a0[i*k1+i]
			}
			for i := range k2 {
				j.a0[(k1+i)*k+k1+i] = b.a0[i*k2+i]
			}
			xa, err := sdcpSolve(a.problem())
			if err != nil {
				return err.Error()
			}
			xb, err := sdcpSolve(b.problem())
			if err != nil {
				return err.Error()
			}
			xj, err := sdcpSolve(j.problem())
			if err != nil {
				return err.Error()
			}
			want := append(a.direction(xa), b.direction(xb)...)
			if d := sdcpRelDiff(j.direction(xj), want, 1e-3); d > 1e-9 {
				return fmt.Sprintf("k = %d+%d: joint correction differs by %.3g relative", k1, k2, d)
			}
			var tra, trj float64
			for i := range k1 {
				tra += xa[i*k1+i]
			}
			for i := range k2 {
				tra += xb[i*k2+i]
			}
			for i := range k {
				trj += xj[i*k+i]
			}
			if math.Abs(trj-tra) > 1e-9*(1e-3+math.Abs(tra)) {
				return fmt.Sprintf("k = %d+%d: tr X joint %.17g, separate %.17g", k1, k2, trj, tra)
			}
			return ""
		}, gen.UInt64()))
	props.TestingRun(t)
}
