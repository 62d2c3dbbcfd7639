package properties

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/model"
)

// gdInstance is a random quadratic E = ½(θ−c)ᵀA(θ−c) with a GD start.
type gdInstance struct {
	a        *mat.SymDense
	flat     []float64
	vals     []float64 // eigenvalues of A, ascending
	c, th0   []float64
	eta      float64
	rho      float64 // max_j |1 − ηλ_j|, the per-step growth bound
	normA    float64 // ‖A‖₂
	p, steps int
}

// gdRandomSPD draws A = Q diag(λ) Qᵀ with Q a Haar-random orthogonal matrix
// (reference.SymmetricWithSpectrum) and λ uniform in [λmin, λmax]; it
// returns A and its row-major entries.
func gdRandomSPD(rng *rand.Rand, p int, lmin, lmax float64) (*mat.SymDense, []float64) {
	lam := make([]float64, p)
	for i := range lam {
		lam[i] = lmin + (lmax-lmin)*rng.Float64()
	}
	a, _ := reference.SymmetricWithSpectrum(rng, lam)
	flat := make([]float64, p*p)
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			flat[i*p+j] = a.At(i, j)
		}
	}
	return a, flat
}

// gdNewInstance builds an instance from a seed. stable chooses η below the
// threshold 2/λ_max; otherwise ηλ_max may be up to 3 (growth (ηλ−1)^k, kept
// bounded by a short run).
func gdNewInstance(seed uint64, stable bool) gdInstance {
	rng := rand.New(rand.NewPCG(seed, 0x9d))
	p := 1 + rng.IntN(8)
	a, flat := gdRandomSPD(rng, p, 0.05, 4)
	var es mat.EigenSym
	es.Factorize(a, false)
	vals := es.Values(nil)
	in := gdInstance{a: a, flat: flat, vals: vals, p: p}
	lmax := vals[p-1]
	if stable {
		in.eta = (0.05 + 1.9*rng.Float64()) / lmax // ηλ_max in [0.05, 1.95]
		in.steps = 1 + rng.IntN(200)
	} else {
		in.eta = (2.05 + 0.95*rng.Float64()) / lmax // ηλ_max in [2.05, 3]
		in.steps = 1 + rng.IntN(30)
	}
	in.c = make([]float64, p)
	in.th0 = make([]float64, p)
	for i := 0; i < p; i++ {
		in.c[i] = rng.NormFloat64()
		in.th0[i] = rng.NormFloat64()
	}
	for _, l := range vals {
		in.rho = math.Max(in.rho, math.Abs(1-in.eta*l))
	}
	in.normA = math.Max(math.Abs(vals[0]), math.Abs(lmax))
	return in
}

// gdTolerance bounds |θ_k(GD) − θ_k(closed form)|. Each GD step rounds
// θ − ηA(θ−c) with an error of at most ~(p+3)ε(|θ| + η‖A‖|θ−c|); the
// error then propagates through I − ηA, whose norm is ρ = max|1−ηλ|, so
// after k steps the accumulated error is ≤ k·max(1,ρ)^k times the per-step
// bound. The closed form rounds the eigendecomposition (backward error
// O(pε‖A‖), which moves each (1−ηλ)^k by k·ηpε‖A‖·ρ^{k−1}). A factor 16
// covers the constants of both.
func gdTolerance(in gdInstance, scale float64) float64 {
	const eps = 0x1p-52
	k := float64(in.steps)
	growth := math.Pow(math.Max(1, in.rho), k)
	return 16 * (k + float64(in.p) + 1) * eps * growth * (1 + in.eta*in.normA) * float64(in.p) * scale
}

func gdRun(t *testing.T, in gdInstance) (gd.Result, *model.Quadratic) {
	q, err := model.NewQuadratic(in.flat, in.c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gd.Run(context.Background(), q, in.th0, gd.Settings{Eta: in.eta, Steps: in.steps})
	if err != nil {
		t.Fatal(err)
	}
	return res, q
}

// TestGDQuadraticClosedForm: GD on random SPD quadratics equals the closed
// form θ_k = c + (I−ηA)^k(θ₀−c) (O1), and its loss equals
// ½Σλ_j(1−ηλ_j)^{2k}c_j² — below and above the stability threshold.
func TestGDQuadraticClosedForm(t *testing.T) {
	params := reference.GopterParameters(t, 200, 40)
	props := gopter.NewProperties(params)
	for _, stable := range []bool{true, false} {
		name := "stable η"
		if !stable {
			name = "unstable η"
		}
		props.Property("GD equals (I−ηA)^k closed form, "+name, prop.ForAll(func(seed uint64) bool {
			in := gdNewInstance(seed, stable)
			res, q := gdRun(t, in)
			want := reference.QuadraticGD(nil, in.a, in.c, in.th0, in.eta, in.steps)
			scale := gdNorm(in.th0) + 2*gdNorm(in.c)
			tol := gdTolerance(in, scale)
			for i := range want {
				if math.Abs(res.Final.Theta[i]-want[i]) > tol {
					t.Logf("seed %d p=%d ηλmax=%.3f k=%d: θ_k[%d] = %.17g, closed form %.17g, tol %.3g",
						seed, in.p, in.eta*in.vals[in.p-1], in.steps, i, res.Final.Theta[i], want[i], tol)
					return false
				}
			}
			// The loss is quadratic in θ − c: its error is ≈ ‖A‖·|θ−c|·tol.
			wantE := reference.QuadraticGDLoss(in.a, in.c, in.th0, in.eta, in.steps)
			gotE := q.Loss(res.Final.Theta)
			dist := gdNorm(gdSub(res.Final.Theta, in.c))
			if math.Abs(gotE-wantE) > 2*in.normA*(dist+tol)*tol+4*0x1p-52*math.Abs(wantE) {
				t.Logf("seed %d: E_k = %.17g, closed form %.17g", seed, gotE, wantE)
				return false
			}
			return true
		}, gen.UInt64()))
	}
	props.TestingRun(t)
}

// TestGDDivergenceDetected: above the threshold (ηλ_max > 2) the top mode
// grows by |1−ηλ_max| > 1 per step (O2), so a long run overflows; the
// simulator must stop it cleanly, keeping only finite records, and never
// report divergence for a stable η.
func TestGDDivergenceDetected(t *testing.T) {
	params := reference.GopterParameters(t, 100, 20)
	props := gopter.NewProperties(params)
	props.Property("unstable quadratics diverge cleanly, stable ones never", prop.ForAll(func(seed uint64, stable bool) bool {
		in := gdNewInstance(seed, stable)
		// Enough steps for growth ρ^k to exceed the float64 range even
		// from a component of size 1e-300 along the top eigenvector.
		in.steps = int(math.Ceil(1500/math.Log(math.Max(in.rho, 1.001)))) + 10
		if stable {
			in.steps = 3000
		}
		q, err := model.NewQuadratic(in.flat, in.c)
		if err != nil {
			t.Fatal(err)
		}
		rec := &gd.Recorder{Obj: q}
		res, err := gd.Run(context.Background(), q, in.th0, gd.Settings{Eta: in.eta, Steps: in.steps}, rec)
		if err != nil {
			t.Fatal(err)
		}
		if res.Diverged == stable || reference.GDStable(in.vals, in.eta) != stable {
			t.Logf("seed %d: stable=%v but diverged=%v (ηλmax = %.4f)", seed, stable, res.Diverged, in.eta*in.vals[in.p-1])
			return false
		}
		for _, r := range rec.Rows {
			if math.IsInf(r.Loss, 0) || math.IsNaN(r.Loss) {
				return false
			}
		}
		return len(rec.Rows) == res.Steps+1
	}, gen.UInt64(), gen.Bool()))
	props.TestingRun(t)
}

// TestGDRestartIsExact: N steps in one run equal N₁ steps followed by
// N − N₁ steps from where the first run stopped, bit for bit (the
// simulator carries no hidden state between steps).
func TestGDRestartIsExact(t *testing.T) {
	params := reference.GopterParameters(t, 100, 20)
	props := gopter.NewProperties(params)
	props.Property("GD is a pure iteration", prop.ForAll(func(seed uint64, split int) bool {
		in := gdNewInstance(seed, true)
		n1 := split % (in.steps + 1)
		whole, q := gdRun(t, in)
		first, err := gd.Run(context.Background(), q, in.th0, gd.Settings{Eta: in.eta, Steps: n1})
		if err != nil {
			t.Fatal(err)
		}
		second, err := gd.Run(context.Background(), q, first.Final.Theta, gd.Settings{Eta: in.eta, Steps: in.steps - n1})
		if err != nil {
			t.Fatal(err)
		}
		for i := range whole.Final.Theta {
			if whole.Final.Theta[i] != second.Final.Theta[i] {
				return false
			}
		}
		return true
	}, gen.UInt64(), gen.IntRange(0, 1000)))
	props.TestingRun(t)
}

func gdNorm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

func gdSub(x, y []float64) []float64 {
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	return d
}
