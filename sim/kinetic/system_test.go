package kinetic

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// netCase is a small two-layer problem with random data.
type netCase struct {
	act     model.Activation
	m, n, d int
	c       int
	seed    uint64
}

func (nc netCase) String() string {
	return fmt.Sprintf("%v/m%d/n%d/d%d/c%d", nc.act, nc.m, nc.n, nc.d, nc.c)
}

// config returns the network's configuration: inputs N(0, 1), targets
// tanh(x₁) − ½x₂ (and, for further outputs, sin(x₁ + o)).
func (nc netCase) config() model.TwoLayerConfig {
	rng := rand.New(rand.NewPCG(nc.seed, 7))
	x := make([]float64, nc.n*nc.d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	y := make([]float64, nc.n*nc.c)
	for s := range nc.n {
		x1, x2 := x[s*nc.d], x[s*nc.d+(1%nc.d)]
		for o := range nc.c {
			if o == 0 {
				y[s*nc.c] = math.Tanh(2*x1) - 0.5*x2*x2
			} else {
				y[s*nc.c+o] = math.Sin(x1 + float64(o))
			}
		}
	}
	return model.TwoLayerConfig{Width: nc.m, Activation: nc.act, Scaling: model.MeanField, Outputs: nc.c,
		N: nc.n, D: nc.d, X: x, Y: y}
}

// initLaw draws θ with w_i ~ N(0, I/d), a_i ~ N(0, 1) and δ with every
// entry N(0, dscale²).
func (nc netCase) initLaw(seed uint64, dscale float64) (theta, delta []float64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	p := nc.m * (nc.d + nc.c)
	theta, delta = make([]float64, p), make([]float64, p)
	for i := range theta {
		if i < nc.m*nc.d {
			theta[i] = rng.NormFloat64() / math.Sqrt(float64(nc.d))
		} else {
			theta[i] = rng.NormFloat64()
		}
		delta[i] = dscale * rng.NormFloat64()
	}
	return theta, delta
}

func (nc netCase) system(t testing.TB, eta float64) *System {
	t.Helper()
	s, err := NewFromConfig(nc.config(), eta)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// refSigma returns σ(z) and σ'(z), written out independently of sim/model.
func refSigma(act model.Activation, z float64) (s, ds float64) {
	switch act {
	case model.Tanh:
		t := math.Tanh(z)
		return t, 1 - t*t
	case model.GELU:
		phi := 0.5 * math.Erfc(-z/math.Sqrt2)
		return z * phi, phi + z*math.Exp(-z*z/2)/math.Sqrt(2*math.Pi)
	case model.ReLU:
		if z > 0 {
			return z, 1
		}
		return 0, 0
	}
	panic("unknown activation")
}

// refRHS is the particle system of design notes §6.1 written particle by
// particle with loops over the data: f_± = (1/m)Σ_j φ(θ_j ± δ_j; x) and
// ∇_θΨ(θ; f) = (1/n)Σ_s (f(x_s) − y_s)·∇_θφ(θ; x_s), φ = a σ(w·x).
func refRHS(cfg model.TwoLayerConfig, eta float64, y []float64) []float64 {
	m, d, c, n := cfg.Width, cfg.D, cfg.Outputs, cfg.N
	p := m * (d + c)
	etaP := eta / float64(m)
	part := func(v []float64, i int) (w, a []float64) {
		w = v[i*d : (i+1)*d]
		a = make([]float64, c)
		for o := range c {
			a[o] = v[m*d+o*m+i]
		}
		return w, a
	}
	theta, delta := y[:p], y[p:]
	shifted := func(sign float64) []float64 {
		v := make([]float64, p)
		for i := range v {
			v[i] = theta[i] + sign*delta[i]
		}
		return v
	}
	out := func(v []float64) []float64 { // f on the data, n×c
		f := make([]float64, n*c)
		for s := range n {
			x := cfg.X[s*d : (s+1)*d]
			for j := range m {
				w, a := part(v, j)
				var z float64
				for k := range d {
					z += w[k] * x[k]
				}
				sg, _ := refSigma(cfg.Activation, z)
				for o := range c {
					f[s*c+o] += a[o] * sg / float64(m)
				}
			}
		}
		return f
	}
	gradPsi := func(v []float64, i int, f []float64) []float64 { // ∇_θΨ(θ_i; f), (w, a)
		w, a := part(v, i)
		g := make([]float64, d+c)
		for s := range n {
			x := cfg.X[s*d : (s+1)*d]
			var z float64
			for k := range d {
				z += w[k] * x[k]
			}
			sg, dsg := refSigma(cfg.Activation, z)
			for o := range c {
				r := (f[s*c+o] - cfg.Y[s*c+o]) / float64(n)
				for k := range d {
					g[k] += r * a[o] * dsg * x[k]
				}
				g[d+o] += r * sg
			}
		}
		return g
	}
	vp, vm := shifted(1), shifted(-1)
	fp, fm := out(vp), out(vm)
	dy := make([]float64, 2*p)
	for i := range m {
		gp, gm := gradPsi(vp, i, fp), gradPsi(vm, i, fm)
		_, da := part(delta, i)
		for k := range d + c {
			th := -0.5 * (gp[k] + gm[k])
			var dl float64
			if k < d {
				dl = 0.5*(gp[k]-gm[k]) - 2/etaP*delta[i*d+k]
			} else {
				dl = 0.5*(gp[k]-gm[k]) - 2/etaP*da[k-d]
			}
			idx := i*d + k
			if k >= d {
				idx = m*d + (k-d)*m + i
			}
			dy[idx], dy[p+idx] = th, dl
		}
	}
	return dy
}

var smallCases = []netCase{
	{act: model.Tanh, m: 5, n: 7, d: 3, c: 1, seed: 1},
	{act: model.Tanh, m: 4, n: 6, d: 2, c: 3, seed: 2},
	{act: model.GELU, m: 6, n: 5, d: 3, c: 1, seed: 3},
	{act: model.GELU, m: 3, n: 4, d: 2, c: 2, seed: 4},
	{act: model.ReLU, m: 5, n: 7, d: 3, c: 1, seed: 5},
	{act: model.ReLU, m: 4, n: 6, d: 4, c: 2, seed: 6},
}

// maxRel returns max_i |a_i − b_i| / max(max_i |b_i|, tiny).
func maxRel(a, b []float64) float64 {
	var scale, diff float64
	for i := range b {
		scale = math.Max(scale, math.Abs(b[i]))
		diff = math.Max(diff, math.Abs(a[i]-b[i]))
	}
	if scale == 0 {
		return diff
	}
	return diff / scale
}

// TestRHSParticleFormula checks the right-hand side, which runs two
// gradients of the network and scales them by m, against the particle
// equations of design notes §6.1 written out particle by particle.
func TestRHSParticleFormula(t *testing.T) {
	for _, nc := range smallCases {
		t.Run(nc.String(), func(t *testing.T) {
			const eta = 3.0
			s := nc.system(t, eta)
			theta, delta := nc.initLaw(nc.seed, 0.3)
			y := s.State(theta, delta)
			dy := make([]float64, s.Dim())
			s.RHS(0, y, dy)
			want := refRHS(nc.config(), eta, y)
			// Sums of at most n·m·d ≈ 100 terms of size O(1), with tanh
			// within 3 ULP: 1e-13 relative to the largest velocity.
			if e := maxRel(dy, want); e > 1e-13 {
				t.Errorf("RHS differs from the particle formula by %.3g (relative)", e)
			}
		})
	}
}

// gdRun returns the GD iterates θ_0 … θ_K on E_m with step eta.
func gdRun(net *model.TwoLayer, theta0 []float64, eta float64, K int) [][]float64 {
	its := [][]float64{append([]float64(nil), theta0...)}
	g := make([]float64, len(theta0))
	th := append([]float64(nil), theta0...)
	for range K {
		net.Grad(th, g)
		for i := range th {
			th[i] -= eta * g[i]
		}
		its = append(its, append([]float64(nil), th...))
	}
	return its
}

// TestEulerIsGD pins the time convention (particle time t̃ = kη̃, η̃ = η/m).
// Explicit Euler with step η̃ maps (θ̄ + δ, θ̄ − δ) to (GD(θ̄ − δ), GD(θ̄ + δ))
// exactly in exact arithmetic, so started from θ̄ ± δ = (θ_0, θ_1) of a GD run,
// the state sampled on the system's grid at step k is {θ_k, θ_{k+1}}: GD
// step k is particle time kη̃. A velocity off by any factor (m, or 1/m for
// GD's own time kη) fails by O(1).
func TestEulerIsGD(t *testing.T) {
	for _, nc := range []netCase{
		{act: model.Tanh, m: 6, n: 9, d: 3, c: 1, seed: 21},
		{act: model.GELU, m: 8, n: 7, d: 2, c: 2, seed: 22},
	} {
		t.Run(nc.String(), func(t *testing.T) {
			const eta, K = 4.0, 40
			s := nc.system(t, eta)
			theta0, _ := nc.initLaw(nc.seed, 0)
			its := gdRun(s.Network(), theta0, eta, K+1)
			p := s.Params()
			bar, del := make([]float64, p), make([]float64, p)
			for i := range bar {
				bar[i] = 0.5 * (its[0][i] + its[1][i])
				del[i] = 0.5 * (its[0][i] - its[1][i])
			}
			got := 0
			h := s.ParticleStep()
			_, err := flow.Sample(s.RHS, s.State(bar, del), s.Grid(K, 1, 0, 0), ode.Euler(), ode.Fixed{H: h},
				func(k int, tt float64, y []float64) error {
					if tt != s.Time(k) {
						t.Errorf("sample k = %d at t = %v, want kη̃ = %v", k, tt, s.Time(k))
					}
					plus, minus := make([]float64, p), make([]float64, p)
					for i := range p {
						plus[i], minus[i] = y[i]+y[p+i], y[i]-y[p+i]
					}
					a, b := its[k], its[k+1]
					if k%2 == 1 {
						a, b = b, a
					}
					// Round-off only: the centre and the fluctuation
					// are recombined at every step (40 steps).
					if e := math.Max(maxRel(plus, a), maxRel(minus, b)); e > 1e-12 {
						t.Errorf("k = %d: θ̄ ± δ differ from (θ_k, θ_k+1) by %.3g", k, e)
					}
					got++
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if got != K+1 {
				t.Fatalf("%d samples, want %d", got, K+1)
			}
		})
	}
}

// sameBits reports whether a and b are equal bit for bit.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestModelA pins that the particle system at width m is model A of the
// same network (design notes §6.1): its right-hand side is m times
// flow.ModelA's with step η, and its trajectory in particle time t̃ is
// model A's in GD time t = m·t̃. For m a power of two every scaling by m is
// exact, so both agree bit for bit (fixed-step RK4, steps h/m and h); for
// other m to round-off. The free energies agree too.
func TestModelA(t *testing.T) {
	for _, nc := range []netCase{
		{act: model.Tanh, m: 8, n: 9, d: 3, c: 1, seed: 31},
		{act: model.GELU, m: 16, n: 7, d: 2, c: 2, seed: 32},
		{act: model.Tanh, m: 6, n: 9, d: 3, c: 2, seed: 33},
	} {
		t.Run(nc.String(), func(t *testing.T) {
			const eta, K = 5.0, 30
			pow2 := nc.m&(nc.m-1) == 0
			s := nc.system(t, eta)
			ma := flow.NewModelA(s.Network(), eta)
			theta0, delta0 := nc.initLaw(nc.seed, 0.05)
			y0 := s.State(theta0, delta0)
			dy, da := make([]float64, s.Dim()), make([]float64, s.Dim())
			s.RHS(0, y0, dy)
			ma.RHS(0, y0, da)
			for i := range da {
				da[i] *= float64(nc.m)
			}
			if pow2 && !sameBits(dy, da) {
				t.Errorf("RHS is not m × model A's bit for bit (m = %d)", nc.m)
			}
			if e := maxRel(dy, da); e > 1e-14 {
				t.Errorf("RHS differs from m × model A's by %.3g", e)
			}
			var ys, ya [][]float64
			collect := func(dst *[][]float64) flow.SampleFunc {
				return func(_ int, _ float64, y []float64) error {
					*dst = append(*dst, append([]float64(nil), y...))
					return nil
				}
			}
			h := eta / 8
			if _, err := flow.Sample(s.RHS, y0, s.Grid(K, 5, 0, 0), ode.RK4(), ode.Fixed{H: h / float64(nc.m)}, collect(&ys)); err != nil {
				t.Fatal(err)
			}
			if _, err := flow.Sample(ma.RHS, y0, flow.Grid{Eta: eta, Steps: K, Every: 5}, ode.RK4(), ode.Fixed{H: h}, collect(&ya)); err != nil {
				t.Fatal(err)
			}
			for j := range ys {
				if pow2 && !sameBits(ys[j], ya[j]) {
					t.Errorf("sample %d: trajectories differ (m = %d, a power of two)", j, nc.m)
				}
				// Round-off of the scalings, amplified over 240 steps of
				// a non-chaotic flow: 1e-12.
				if e := maxRel(ys[j], ya[j]); e > 1e-12 {
					t.Errorf("sample %d: trajectories differ by %.3g", j, e)
				}
				if f, g := s.FreeEnergy(ys[j]), ma.FreeEnergy(ya[j]); math.Abs(f-g) > 1e-13*math.Abs(g) {
					t.Errorf("sample %d: free energy %v, model A's %v", j, f, g)
				}
			}
		})
	}
}

// TestZeroDelta checks that δ ≡ 0 is invariant (exactly: θ + 0 and θ − 0 are
// the same point) and that θ then follows the mean-field gradient flow
// θ̇_i = −∇_θΨ(θ_i; f), i.e. the gradient flow of the finite network
// θ' = −∇E_m(θ) in GD time t = m·t̃ (flow.GradientFlow on GD's grid).
func TestZeroDelta(t *testing.T) {
	for _, nc := range []netCase{
		{act: model.Tanh, m: 12, n: 9, d: 3, c: 1, seed: 41},
		{act: model.GELU, m: 7, n: 8, d: 2, c: 2, seed: 42},
	} {
		t.Run(nc.String(), func(t *testing.T) {
			const eta, K = 2.0, 50
			s := nc.system(t, eta)
			theta0, _ := nc.initLaw(nc.seed, 0)
			var ys, yg [][]float64
			ctl := ode.PI{RTol: 1e-11, ATol: 1e-11}
			_, err := flow.Sample(s.RHS, s.State(theta0, nil), s.Grid(K, 10, 0, 0), ode.DP5(), ctl,
				func(_ int, _ float64, y []float64) error {
					ys = append(ys, append([]float64(nil), y...))
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			_, err = flow.GradientFlow(s.Network(), theta0, flow.Grid{Eta: eta, Steps: K, Every: 10}, ode.DP5(), ctl,
				func(_ int, _ float64, th []float64) error {
					yg = append(yg, append([]float64(nil), th...))
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			p := s.Params()
			for j := range ys {
				for _, v := range ys[j][p:] {
					if v != 0 {
						t.Fatalf("sample %d: δ left 0 (%v)", j, v)
					}
				}
				// Two DP5 solutions at tolerance 1e-11 of a contracting
				// flow: 1e-8 relative.
				if e := maxRel(ys[j][:p], yg[j]); e > 1e-8 {
					t.Errorf("sample %d: θ differs from the gradient flow by %.3g", j, e)
				}
			}
		})
	}
}

// permute returns v (a parameter vector of m particles with d inputs and c
// outputs) with particle perm[i] moved to place i.
func permute(v []float64, perm []int, d, c int) []float64 {
	m := len(perm)
	out := make([]float64, len(v))
	for i, j := range perm {
		copy(out[i*d:(i+1)*d], v[j*d:(j+1)*d])
		for o := range c {
			out[m*d+o*m+i] = v[m*d+o*m+j]
		}
	}
	return out
}

// replicate returns v with every particle duplicated (m → 2m, the copy of
// particle i being particle m + i).
func replicate(v []float64, m, d, c int) []float64 {
	out := make([]float64, 2*len(v))
	copy(out, v[:m*d])
	copy(out[m*d:], v[:m*d])
	for o := range c {
		a := v[m*d+o*m : m*d+(o+1)*m]
		copy(out[2*m*d+o*2*m:], a)
		copy(out[2*m*d+o*2*m+m:], a)
	}
	return out
}

// both applies f to the θ and δ halves of a state (or velocity) of p
// parameters.
func both(y []float64, f func([]float64) []float64) []float64 {
	p := len(y) / 2
	return append(f(y[:p]), f(y[p:])...)
}

// TestInvariances checks the exact invariances of design notes §6.3 (O24):
// permuting the particles permutes the velocities and keeps f_± and 𝓕;
// duplicating every particle (m → 2m at the same particle step η̃, i.e. GD
// step 2η) keeps f_±, every particle's velocity, 𝓕 and the moments of the
// law; the flip δ → −δ swaps f_+ and f_−, keeps 𝓕 and θ̇ and flips δ̇ (bit
// for bit: θ + (−δ) is θ − δ).
func TestInvariances(t *testing.T) {
	for _, nc := range smallCases {
		t.Run(nc.String(), func(t *testing.T) {
			const eta = 3.0
			d, c := nc.d, nc.c
			s := nc.system(t, eta)
			theta, delta := nc.initLaw(nc.seed+100, 0.2)
			y := s.State(theta, delta)
			dy := make([]float64, s.Dim())
			s.RHS(0, y, dy)
			f := s.FreeEnergy(y)
			fp, fm := make([]float64, nc.n*c), make([]float64, nc.n*c)
			s.Outputs(y, fp, fm)
			mo := s.Moments(y)
			// Sums over m particles in another order or of twice as many
			// terms: a few ULPs of the sums.
			const tol = 1e-13

			perm := rand.New(rand.NewPCG(nc.seed, 3)).Perm(nc.m)
			yp := both(y, func(v []float64) []float64 { return permute(v, perm, d, c) })
			dyp := make([]float64, s.Dim())
			s.RHS(0, yp, dyp)
			if e := maxRel(dyp, both(dy, func(v []float64) []float64 { return permute(v, perm, d, c) })); e > tol {
				t.Errorf("permutation: velocities differ by %.3g", e)
			}
			if g := s.FreeEnergy(yp); math.Abs(g-f) > tol*math.Abs(f) {
				t.Errorf("permutation: 𝓕 = %v, want %v", g, f)
			}

			cfg2 := nc.config()
			cfg2.Width = 2 * nc.m
			s2, err := NewFromConfig(cfg2, 2*eta)
			if err != nil {
				t.Fatal(err)
			}
			if s2.ParticleStep() != s.ParticleStep() {
				t.Fatalf("η̃ = %v at 2m, %v at m", s2.ParticleStep(), s.ParticleStep())
			}
			rep := func(v []float64) []float64 { return replicate(v, nc.m, d, c) }
			y2 := both(y, rep)
			dy2 := make([]float64, s2.Dim())
			s2.RHS(0, y2, dy2)
			if e := maxRel(dy2, both(dy, rep)); e > tol {
				t.Errorf("replication: velocities differ by %.3g", e)
			}
			if g := s2.FreeEnergy(y2); math.Abs(g-f) > tol*math.Abs(f) {
				t.Errorf("replication: 𝓕 = %v, want %v", g, f)
			}
			fp2, fm2 := make([]float64, nc.n*c), make([]float64, nc.n*c)
			s2.Outputs(y2, fp2, fm2)
			if e := math.Max(maxRel(fp2, fp), maxRel(fm2, fm)); e > tol {
				t.Errorf("replication: f_± differ by %.3g", e)
			}
			mo2 := s2.Moments(y2)
			if e := maxRel(mo2.Row(), mo.Row()); e > tol {
				t.Errorf("replication: moments differ by %.3g:\n%v\n%v", e, mo2.Row(), mo.Row())
			}

			yf := s.State(theta, delta)
			for i := range delta {
				yf[s.Params()+i] = -delta[i]
			}
			dyf := make([]float64, s.Dim())
			s.RHS(0, yf, dyf)
			p := s.Params()
			for i := range p {
				if dyf[i] != dy[i] || dyf[p+i] != -dy[p+i] {
					t.Fatalf("flip: velocity %d is (%v, %v), want (%v, %v)", i, dyf[i], dyf[p+i], dy[i], -dy[p+i])
				}
			}
			if g := s.FreeEnergy(yf); g != f {
				t.Errorf("flip: 𝓕 = %v, want %v", g, f)
			}
			fpf, fmf := make([]float64, nc.n*c), make([]float64, nc.n*c)
			s.Outputs(yf, fpf, fmf)
			if !sameBits(fpf, fm) || !sameBits(fmf, fp) {
				t.Errorf("flip: f_± not swapped")
			}
		})
	}
}
