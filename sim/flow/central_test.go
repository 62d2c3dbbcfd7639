package flow_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// joinLeave is a toy whose central flow has a closed form through a join and
// a leave (θ = (x, y, z)):
//
//	E = ½(a + y)x² + ½κ(z − z₀)² + y(γz − c).
//
// On x = 0 (invariant: ∂E/∂x = (a + y)x) the Hessian is diag(a + y) ⊕
// [[0, γ], [γ, κ]], whose top eigenvalue a + y belongs to u = e_x as long as
// a + y exceeds (κ + √(κ² + 4γ²))/2; the only third derivative is
// ∂³E/∂x²∂y = 1, so ∇³E[u, v] = (u_x v_y + u_y v_x, u_x v_x, 0) and
// ∇S = ∇³E[e_x, e_x] = e_y. The central flow is therefore linear in each
// phase (math.md §5, k = 1):
//
//   - gradient flow while a + y < 2/η: ẏ = c − γz, ż = −κ(z − z₀) − γy;
//   - active once y reaches y* = 2/η − a: σ² = 2⟨−∇E, ∇S⟩/‖∇S‖² =
//     2(c − γz), ẏ = 0, ż = −κ(z − z₀) − γy*, so z relaxes to
//     z_eq = z₀ − γy*/κ;
//   - it leaves when σ² reaches 0, at z = c/γ (when z_eq > c/γ), and is a
//     gradient flow again, with y falling.
type joinLeave struct {
	a, kappa, z0, gamma, c float64
}

func (j joinLeave) Dim() int { return 3 }

func (j joinLeave) Loss(th []float64) float64 {
	x, y, z := th[0], th[1], th[2]
	return 0.5*(j.a+y)*x*x + 0.5*j.kappa*(z-j.z0)*(z-j.z0) + y*(j.gamma*z-j.c)
}

func (j joinLeave) Grad(th, g []float64) float64 {
	x, y, z := th[0], th[1], th[2]
	g[0] = (j.a + y) * x
	g[1] = 0.5*x*x + j.gamma*z - j.c
	g[2] = j.kappa*(z-j.z0) + j.gamma*y
	return j.Loss(th)
}

func (j joinLeave) HessVec(th, v, hv []float64) {
	x, y := th[0], th[1]
	hv[0] = (j.a+y)*v[0] + x*v[1]
	hv[1] = x*v[0] + j.gamma*v[2]
	hv[2] = j.gamma*v[1] + j.kappa*v[2]
}

func (j joinLeave) Third(_, u, v, out []float64) {
	out[0] = u[0]*v[1] + u[1]*v[0]
	out[1] = u[0] * v[0]
	out[2] = 0
}

// joinLeaveEta and the toy's parameters: 2/η = 20, a = 19 (y* = 1), the
// flow joins at t ≈ 0.34, leaves at t ≈ 5.3 (σ² from 6 down to 0) and is
// sampled until 1.5 after the leave.
const joinLeaveEta = 0.1

var joinLeaveToy = joinLeave{a: 19, kappa: 0.2, z0: 12, gamma: 0.5, c: 3}

// jlExact is the closed-form central flow of the toy from (x, y, z) =
// (0, y0, z0s): the join and leave times and the state and σ² at any t.
type jlExact struct {
	j              joinLeave
	eta            float64
	tj, tl, zj, ys float64
	y0, z0s        float64
}

// linear returns the gradient-flow phase's solution after time t from
// (y, z): s(t) = e^{Mt}(s₀ + M⁻¹f) − M⁻¹f, M = [[0, −γ], [−γ, −κ]],
// f = (c, κz₀).
func (e *jlExact) linear(y, z, t float64) (float64, float64) {
	j := e.j
	m := mat.NewDense(2, 2, []float64{0, -j.gamma, -j.gamma, -j.kappa})
	var mi mat.Dense
	if err := mi.Inverse(m); err != nil {
		panic(err)
	}
	f := mat.NewVecDense(2, []float64{j.c, j.kappa * j.z0})
	var mf mat.VecDense
	mf.MulVec(&mi, f)
	var ex mat.Dense
	var mt mat.Dense
	mt.Scale(t, m)
	ex.Exp(&mt)
	s := mat.NewVecDense(2, []float64{y + mf.AtVec(0), z + mf.AtVec(1)})
	var out mat.VecDense
	out.MulVec(&ex, s)
	return out.AtVec(0) - mf.AtVec(0), out.AtVec(1) - mf.AtVec(1)
}

func newJLExact(j joinLeave, eta, y0, z0s float64) *jlExact {
	e := &jlExact{j: j, eta: eta, ys: 2/eta - j.a, y0: y0, z0s: z0s}
	// Join: bisection on y(t) = y* (y rises monotonically until then).
	lo, hi := 0.0, 10.0
	for range 200 {
		mid := 0.5 * (lo + hi)
		if y, _ := e.linear(y0, z0s, mid); y < e.ys {
			lo = mid
		} else {
			hi = mid
		}
	}
	e.tj = 0.5 * (lo + hi)
	_, e.zj = e.linear(y0, z0s, e.tj)
	zeq := j.z0 - j.gamma*e.ys/j.kappa
	e.tl = e.tj + math.Log((e.zj-zeq)/(j.c/j.gamma-zeq))/j.kappa
	return e
}

// at returns (y, z, σ²) at time t.
func (e *jlExact) at(t float64) (y, z, sigma2 float64) {
	j := e.j
	switch {
	case t < e.tj:
		y, z = e.linear(e.y0, e.z0s, t)
		return y, z, 0
	case t < e.tl:
		zeq := j.z0 - j.gamma*e.ys/j.kappa
		z = zeq + (e.zj-zeq)*math.Exp(-j.kappa*(t-e.tj))
		return e.ys, z, 2 * (j.c - j.gamma*z)
	}
	y, z = e.linear(e.ys, j.c/j.gamma, t-e.tl)
	return y, z, 0
}

// jlRun samples the central flow of the toy on the GD grid of η over
// `steps` steps and returns the samples' (y, z, σ², active).
func jlRun(t *testing.T, obj sim.Objective, eta float64, steps int, s flow.CentralSettings) [][4]float64 {
	t.Helper()
	c, err := flow.NewCentral(obj, eta, s)
	if err != nil {
		t.Fatal(err)
	}
	var out [][4]float64
	_, err = c.Sample(context.Background(), make([]float64, obj.Dim()), flow.Grid{Eta: eta, Steps: steps, Every: 1}, func(s *flow.CentralSample) error {
		out = append(out, [4]float64{s.Theta[1], s.Theta[2], s.TraceSigma, float64(s.Active)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCentralJoinLeaveOrder: the Euler scheme (τ = h) converges to the
// closed-form central flow of joinLeave with order 1, through the join and
// the leave. The error is the largest distance in (y, z) over all samples
// t = kη; halving h must divide it by 2 (ratios within [1.7, 2.3]: first
// order, the events cost O(h) each; measured 2.00), and at h = η/64 it is
// below 2·10⁻³ of the state's size (z ≈ 12; measured 7·10⁻⁴). σ²
// converges likewise, and the active dimension is 1 in the active phase
// and 0 outside, away from the events (0.2 of slack at each, 2η).
func TestCentralJoinLeaveOrder(t *testing.T) {
	j, eta := joinLeaveToy, joinLeaveEta
	ex := newJLExact(j, eta, 0, 0)
	steps := int(math.Round((ex.tl + 1.5) / eta))
	if ex.tj < 0.2 || ex.tl < ex.tj+3 {
		t.Fatalf("toy misconfigured: join %g, leave %g", ex.tj, ex.tl)
	}
	var prev, prevS float64
	for _, sub := range []int{4, 8, 16, 32, 64} {
		out := jlRun(t, j, eta, steps, flow.CentralSettings{Substeps: sub})
		var e, es float64
		for k, o := range out {
			tk := float64(k) * eta
			y, z, s2 := ex.at(tk)
			e = math.Max(e, math.Hypot(o[0]-y, o[1]-z))
			es = math.Max(es, math.Abs(o[2]-s2))
			if tk > ex.tj+0.2 && tk < ex.tl-0.2 && o[3] != 1 || (tk < ex.tj-0.2 || tk > ex.tl+0.2) && o[3] != 0 {
				t.Errorf("h = η/%d, t = %.2f: active dimension %v (join %.3f, leave %.3f)", sub, tk, o[3], ex.tj, ex.tl)
			}
		}
		if prev > 0 {
			if r := prev / e; r < 1.7 || r > 2.3 {
				t.Errorf("h = η/%d: state error %.3g, ratio %.3f to h = η/%d (want ≈ 2, first order)", sub, e, r, sub/2)
			}
			if r := prevS / es; r < 1.7 || r > 2.3 {
				t.Errorf("h = η/%d: σ² error %.3g, ratio %.3f (want ≈ 2)", sub, es, r)
			}
		}
		prev, prevS = e, es
		t.Logf("h = η/%d: max state error %.3g, max σ² error %.3g", sub, e, es)
	}
	if prev > 2e-3*12 {
		t.Errorf("h = η/64: state error %.3g", prev)
	}
}

// TestCentralRelaxedConverges: the Method path integrates the stabilised
// flow F_τ with DP5 (rtol 10⁻¹⁰, every evaluation fresh). F_τ is the
// central flow exactly once on the constraint; it differs only at the join,
// where it starts braking about τ early (A₀ + τ·dA/dt turns negative) and
// approaches y* as e^{−t/τ}: y lags by O(τ·ẏ) for a time O(τ), which
// shifts z, and so the whole later trajectory, by O(τ²). Halving τ must
// therefore divide the largest state error after the join (from t_j + 0.2,
// where e^{−0.2/τ} has killed the transient) by 4 (ratios in [3.2, 4.8];
// the integration error, 10⁻⁹, is negligible); before the join F_τ is the
// gradient flow and must match the closed form to 10⁻⁸.
func TestCentralRelaxedConverges(t *testing.T) {
	j, eta := joinLeaveToy, joinLeaveEta
	ex := newJLExact(j, eta, 0, 0)
	steps := int(math.Round((ex.tl + 1.5) / eta))
	var prev float64
	for _, div := range []float64{8, 16, 32} {
		out := jlRun(t, j, eta, steps, flow.CentralSettings{Tau: eta / div, Method: ode.DP5(), Controller: ode.PI{RTol: 1e-10, ATol: 1e-10}})
		var e float64
		for k, o := range out {
			tk := float64(k) * eta
			y, z, _ := ex.at(tk)
			d := math.Hypot(o[0]-y, o[1]-z)
			switch {
			case tk < ex.tj-0.05 && d > 1e-8:
				t.Errorf("τ = η/%g, t = %.2f: gradient-flow phase %.3g from the closed form", div, tk, d)
			case tk > ex.tj+0.2:
				e = math.Max(e, d)
			}
		}
		if prev > 0 {
			if r := prev / e; r < 3.2 || r > 4.8 {
				t.Errorf("τ = η/%g: error %.3g, ratio %.3f to 2τ (want ≈ 4)", div, e, r)
			}
		}
		t.Logf("τ = η/%g: max state error after the join %.3g", div, e)
		prev = e
	}
}

// sum2 is the separable sum E₁(θ₁) + E₂(θ₂) of two 3-parameter toys.
type sum2 struct{ a, b joinLeave }

func (s sum2) Dim() int { return 6 }
func (s sum2) Loss(th []float64) float64 {
	return s.a.Loss(th[:3]) + s.b.Loss(th[3:])
}
func (s sum2) Grad(th, g []float64) float64 {
	return s.a.Grad(th[:3], g[:3]) + s.b.Grad(th[3:], g[3:])
}
func (s sum2) HessVec(th, v, hv []float64) {
	s.a.HessVec(th[:3], v[:3], hv[:3])
	s.b.HessVec(th[3:], v[3:], hv[3:])
}
func (s sum2) Third(th, u, v, out []float64) {
	s.a.Third(th[:3], u[:3], v[:3], out[:3])
	s.b.Third(th[3:], u[3:], v[3:], out[3:])
}

// rotX is sum2 in coordinates rotated by an angle in the (x₁, x₂) plane
// (indices 0 and 3): E(θ) = sum2(Rθ). With x₁ = x₂ = 0 its flows are
// those of sum2, but a multiple eigenvalue of the x block has eigenvectors
// that are no longer coordinate vectors, so the eigensolver returns an
// arbitrary basis of the eigenspace.
type rotX struct {
	sum2
	c, s float64
	buf  [4][6]float64
}

func (r *rotX) rot(dst, v []float64, sign float64) {
	copy(dst, v)
	dst[0] = r.c*v[0] - sign*r.s*v[3]
	dst[3] = sign*r.s*v[0] + r.c*v[3]
}

func (r *rotX) Loss(th []float64) float64 {
	r.rot(r.buf[0][:], th, 1)
	return r.sum2.Loss(r.buf[0][:])
}
func (r *rotX) Grad(th, g []float64) float64 {
	r.rot(r.buf[0][:], th, 1)
	e := r.sum2.Grad(r.buf[0][:], r.buf[1][:])
	r.rot(g, r.buf[1][:], -1)
	return e
}
func (r *rotX) HessVec(th, v, hv []float64) {
	r.rot(r.buf[0][:], th, 1)
	r.rot(r.buf[1][:], v, 1)
	r.sum2.HessVec(r.buf[0][:], r.buf[1][:], r.buf[2][:])
	r.rot(hv, r.buf[2][:], -1)
}
func (r *rotX) Third(th, u, v, out []float64) {
	r.rot(r.buf[0][:], th, 1)
	r.rot(r.buf[1][:], u, 1)
	r.rot(r.buf[2][:], v, 1)
	r.sum2.Third(r.buf[0][:], r.buf[1][:], r.buf[2][:], r.buf[3][:])
	r.rot(out, r.buf[3][:], -1)
}

// TestCentralSeparableK2: the central flow of a separable sum is the pair
// of central flows (the complementarity problem decouples, see
// properties/sdcp_test.go), so with two toys the active dimension reaches 2
// while both are on their constraints. Two cases: identical toys, whose two
// top eigenvalues are equal at all times (the eigenvectors are an arbitrary
// basis of the 2-dimensional eigenspace and 𝒢 is singular: the pairs give 3
// vectors in a 2-dimensional span), and toys that join and leave at
// different times with an overlap; the identical toys are also run in
// rotated coordinates (rotX), where the basis of the eigenspace is
// arbitrary. The joint Euler trajectory must equal
// each toy's own Euler trajectory to 10⁻⁹ (the complementarity solves are
// exact to 10⁻¹², amplified by the few hundred steps), and at h = η/16
// stay within the first-order error of TestCentralJoinLeaveOrder (2.8·10⁻³
// per toy in the state and in σ², so 4·10⁻³ and 7·10⁻³ for tr Σ = σ₁² +
// σ₂²) of the closed forms. The coordinate x, which the exact flow leaves
// at 0, may only carry the eigensolver's round-off: |x| ≤ 1e-15.
func TestCentralSeparableK2(t *testing.T) {
	eta := joinLeaveEta
	other := joinLeaveToy
	other.c = 2.5 // joins later, leaves earlier
	for _, tc := range []struct {
		name  string
		b     joinLeave
		angle float64
	}{{"identical", joinLeaveToy, 0}, {"identical-rotated", joinLeaveToy, 0.5}, {"overlapping", other, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			exA := newJLExact(joinLeaveToy, eta, 0, 0)
			exB := newJLExact(tc.b, eta, 0, 0)
			steps := int(math.Round((exA.tl + 1) / eta))
			set := flow.CentralSettings{Substeps: 16, MaxDim: 4}
			single := func(j joinLeave) [][4]float64 { return jlRun(t, j, eta, steps, set) }
			ownA, ownB := single(joinLeaveToy), single(tc.b)
			var obj sim.Objective = sum2{joinLeaveToy, tc.b}
			if tc.angle != 0 {
				obj = &rotX{sum2: sum2{joinLeaveToy, tc.b}, c: math.Cos(tc.angle), s: math.Sin(tc.angle)}
			}
			c, err := flow.NewCentral(obj, eta, set)
			if err != nil {
				t.Fatal(err)
			}
			both := 0
			_, err = c.Sample(context.Background(), make([]float64, 6), flow.Grid{Eta: eta, Steps: steps, Every: 1}, func(s *flow.CentralSample) error {
				k := s.Step
				tk := float64(k) * eta
				for i, own := range [][4]float64{ownA[k], ownB[k]} {
					th := s.Theta[3*i : 3*i+3]
					if d := math.Hypot(th[1]-own[0], th[2]-own[1]); d > 1e-9*(1+math.Abs(own[1])) || math.Abs(th[0]) > 1e-15 {
						t.Errorf("t = %.2f: toy %d (%v) differs from its own flow (%v) by %.3g", tk, i, th, own[:2], d)
					}
				}
				ya, za, sa := exA.at(tk)
				yb, zb, sb := exB.at(tk)
				if d := math.Max(math.Hypot(s.Theta[1]-ya, s.Theta[2]-za), math.Hypot(s.Theta[4]-yb, s.Theta[5]-zb)); d > 4e-3 {
					t.Errorf("t = %.2f: %.3g from the closed forms", tk, d)
				}
				if math.Abs(s.TraceSigma-(sa+sb)) > 7e-3 {
					t.Errorf("t = %.2f: tr Σ = %.6g, closed form %.6g", tk, s.TraceSigma, sa+sb)
				}
				inA := tk > exA.tj+0.2 && tk < exA.tl-0.2
				inB := tk > exB.tj+0.2 && tk < exB.tl-0.2
				if inA && inB {
					both++
					if s.Active != 2 {
						t.Errorf("t = %.2f: both toys on their constraints, active dimension %d", tk, s.Active)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if both < 20 {
				t.Errorf("only %d samples with both toys active", both)
			}
		})
	}
}

// topPair returns the top eigenvalue and unit eigenvector of ∇²E(θ) (dense)
// and ∇S = ∇³E[u, u]: an evaluation independent of the flow's own.
func topPair(t *testing.T, obj sim.Objective, theta []float64) (float64, []float64) {
	t.Helper()
	res, err := (&hessian.DenseSolver{Top: 1}).Estimate(sim.HessianAt(obj, theta))
	if err != nil {
		t.Fatal(err)
	}
	p := obj.Dim()
	u := make([]float64, p)
	for i := range u {
		u[i] = res.Top.Vectors.At(i, 0)
	}
	gs := make([]float64, p)
	obj.(sim.ThirdOrder).Third(theta, u, u, gs)
	return res.Top.Values[0], gs
}

func vdot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// centralO18 checks O18 (math.md §7) along a sampled central flow of obj:
// the loss never increases (the "hidden progress" of the central flow, up
// to the rounding of E: 10⁻¹³ relative), and at every sample with one
// active direction the stabilised velocity F = F_τ(θ), evaluated afresh by
// a second flow, satisfies exactly (with n = ∇S/‖∇S‖ and A₀ = 2 − ηS)
//
//	∇S·F = A₀/(τη)                          (A₀ + τ dA/dt = 0, dA/dt = −η dS/dt),
//	∇E·F = −‖(I − nnᵀ)∇E‖² + (A₀/(τη))·(∇E·∇S)/‖∇S‖²,
//
// which for A₀ = 0 are O18's dS/dt = 0 and dE/dt = −‖(I − nnᵀ)∇E‖² ≤ 0;
// and the flow holds |A₀| = |2 − ηS| below maxA0 once the join's overshoot
// has decayed (after 20 active samples: on MF-EoS the sharpness arrives
// fast and |A₀| falls from 3·10⁻⁴ by a factor 2.5–4 per GD step). Identities to 10⁻⁹ of
// their terms' size (the complementarity solve's 10⁻¹² residual and
// rounding of the sums of p products).
func centralO18(t *testing.T, obj sim.Objective, theta0 []float64, eta float64, steps int, set flow.CentralSettings, maxA0 float64) (last flow.CentralSample, active int) {
	t.Helper()
	c, err := flow.NewCentral(obj, eta, set)
	if err != nil {
		t.Fatal(err)
	}
	probe, err := flow.NewCentral(obj, eta, set)
	if err != nil {
		t.Fatal(err)
	}
	tau := c.Settings().Tau
	p := obj.Dim()
	f := make([]float64, p)
	g := make([]float64, p)
	prevE := math.Inf(1)
	var lastTheta []float64
	_, err = c.Sample(context.Background(), theta0, flow.Grid{Eta: eta, Steps: steps, Every: 1}, func(s *flow.CentralSample) error {
		if s.Loss > prevE+1e-13*math.Abs(prevE) {
			t.Errorf("t = %g: E rose from %.17g to %.17g", s.T, prevE, s.Loss)
		}
		prevE = s.Loss
		last = *s
		lastTheta = append(lastTheta[:0], s.Theta...)
		if s.Active != 1 || s.Candidates != 1 {
			return nil
		}
		active++
		ps, err := probe.Evaluate(s.Theta, f)
		if err != nil {
			return err
		}
		if ps.Active != 1 {
			return nil
		}
		lam, gs := topPair(t, obj, s.Theta)
		a0 := 2 - eta*lam
		if active > 20 && math.Abs(a0) > maxA0 {
			t.Errorf("t = %g: |2 − ηS| = %.3g > %.3g while active", s.T, math.Abs(a0), maxA0)
		}
		obj.Grad(s.Theta, g)
		gg := vdot(gs, gs)
		ge := vdot(g, gs)
		pg := vdot(g, g) - ge*ge/gg // ‖(I − nnᵀ)∇E‖²
		want := a0 / (tau * eta)
		if d := vdot(gs, f) - want; math.Abs(d) > 1e-9*math.Sqrt(gg)*(math.Sqrt(vdot(f, f))+math.Sqrt(vdot(g, g))) {
			t.Errorf("t = %g: ∇S·F − A₀/(τη) = %.3g", s.T, d)
		}
		if d := vdot(g, f) - (-pg + want*ge/gg); math.Abs(d) > 1e-9*vdot(g, g) {
			t.Errorf("t = %g: ∇E·F + ‖(I−nnᵀ)∇E‖² − (A₀/τη)(∇E·∇S)/‖∇S‖² = %.3g (‖∇E‖² = %.3g)", s.T, d, vdot(g, g))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	last.Theta = lastTheta
	return last, active
}

// TestCentralO18 runs centralO18 on the join–leave toy (where S is linear,
// so the Euler scheme lands on the constraint exactly: |A₀| ≤ 10⁻¹²) and on
// MF-EoS (math.md §2.3; curved constraint: the Euler scheme with τ = h
// leaves |A₀| = O(h²‖d²S/dt²‖), measured 7·10⁻⁹·η at h = η/2, asserted
// below 10⁻⁶).
func TestCentralO18(t *testing.T) {
	t.Run("toy", func(t *testing.T) {
		_, n := centralO18(t, joinLeaveToy, make([]float64, 3), joinLeaveEta, 70, flow.CentralSettings{}, 1e-12)
		if n < 30 {
			t.Errorf("only %d active samples", n)
		}
	})
	t.Run("mf-eos", func(t *testing.T) {
		obj, theta0 := mfEoS(t)
		_, n := centralO18(t, obj, theta0, mfEta, 600, flow.CentralSettings{}, 1e-6)
		if n < 500 {
			t.Errorf("only %d active samples", n)
		}
	})
}

// mfEta is the step of MF-EoS (math.md §2.3).
const mfEta = 0.077

// mfEoS returns MF-EoS: depth-3 2×2 factorisation of diag(5.2, 1) from the
// default initialisation of math.md §2.3.
func mfEoS(t testing.TB) (*model.MatFact, []float64) {
	obj, err := model.NewMatFact(3, 2, []float64{5.2, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	return obj, []float64{0.3, 0.1, -0.1, 0.2, 0.2, -0.1, 0.15, 0.25, 0.25, 0.05, 0.1, -0.2}
}

// TestCentralMFEoS is O19 on MF-EoS (math.md §2.3, §5, §7). GD (sim/gd,
// 3000 steps) settles on its stable 2-cycle; its time-averaged loss L̄ and
// the O19 formula E(θ̄) + |a|²/η on that cycle (θ̄, a from gd.Analyze)
// agree within 1% (math.md: 0.3214 vs 0.3229). The central flow from the
// same start (3000 steps) settles at a fixed point, checked independently:
// S = 2/η (|2 − ηS| ≤ 10⁻⁸) and ∇E + ½σ²∇S = 0 (relative 10⁻⁸), σ² = tr Σ
// — the KKT point of min E subject to S ≤ 2/η, which is also model B's
// fixed point (same equations): math.md §4.3 reports |q|² = 0.0197 and a
// predicted time-averaged loss 0.262 for it, which the flow must reproduce
// to the 3 digits quoted. The central flow's own prediction
// E(θ) + tr Σ/η is NOT within 1% of GD's L̄ on MF-EoS (measured 0.2616 vs
// 0.3214, −18.6%): the oscillation is too large for the second-order
// theory (model B has the same shortfall, model A not, math.md §4.3). The
// test logs it and asserts the sign and size of the gap (the flow
// underestimates, by less than 25%), so that a change is noticed.
func TestCentralMFEoS(t *testing.T) {
	obj, theta0 := mfEoS(t)
	eta := mfEta
	res, err := gd.Run(context.Background(), obj, theta0, gd.Settings{Eta: eta, Steps: 3000})
	if err != nil {
		t.Fatal(err)
	}
	an, err := gd.Analyze(obj, res, 0)
	if err != nil {
		t.Fatal(err)
	}
	if an.Regime != gd.TwoCycle {
		t.Fatalf("GD did not settle on a 2-cycle: %+v", an)
	}
	o19 := an.CenterLoss + an.AmplitudeSq/eta
	if r := math.Abs(o19/an.MeanLoss - 1); r > 0.01 {
		t.Errorf("O19 on GD's cycle: E(θ̄) + |a|²/η = %.6g vs L̄ = %.6g (%.2f%%)", o19, an.MeanLoss, 100*r)
	}
	c, err := flow.NewCentral(obj, eta, flow.CentralSettings{})
	if err != nil {
		t.Fatal(err)
	}
	var last flow.CentralSample
	var theta []float64
	_, err = c.Sample(context.Background(), theta0, flow.Grid{Eta: eta, Steps: 3000, Every: 100}, func(s *flow.CentralSample) error {
		last = *s
		theta = append(theta[:0], s.Theta...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lam, gs := topPair(t, obj, theta)
	if d := math.Abs(2 - eta*lam); d > 1e-8 {
		t.Errorf("central flow end: |2 − ηS| = %.3g", d)
	}
	g := make([]float64, obj.Dim())
	obj.Grad(theta, g)
	var r2 float64
	for i := range g {
		d := g[i] + 0.5*last.TraceSigma*gs[i]
		r2 += d * d
	}
	if math.Sqrt(r2) > 1e-8*math.Sqrt(vdot(g, g)) {
		t.Errorf("central flow end: ‖∇E + ½σ²∇S‖ = %.3g (‖∇E‖ = %.3g)", math.Sqrt(r2), math.Sqrt(vdot(g, g)))
	}
	if math.Abs(last.TraceSigma-0.0197) > 0.00005 || math.Abs(last.PredLoss-0.262) > 0.0005 {
		t.Errorf("central flow end: tr Σ = %.6g, predicted L̄ = %.6g (model B's fixed point: 0.0197, 0.262)", last.TraceSigma, last.PredLoss)
	}
	rel := last.PredLoss/an.MeanLoss - 1
	t.Logf("MF-EoS: GD L̄ = %.6g; O19 on GD's cycle %.6g (%+.2f%%); central flow E = %.6g, tr Σ = %.6g, predicted L̄ = %.6g (%+.1f%% vs GD)",
		an.MeanLoss, o19, 100*(o19/an.MeanLoss-1), last.Loss, last.TraceSigma, last.PredLoss, 100*rel)
	if !(rel < 0 && rel > -0.25) {
		t.Errorf("central flow predicted L̄ = %.6g, GD %.6g: %+.1f%% (measured −18.6%%)", last.PredLoss, an.MeanLoss, 100*rel)
	}
}

// TestCentralQuartic: on E = ¼(x² − 1)² (math.md §2.2) the central flow from
// x₀ = 0.5 climbs the sharpness S = 3x² − 1 (gradient flow towards the
// minimum at x = 1, where S = 2 > 2/η for η > 1) and stops where S = 2/η.
// Derivation of the stop and the variance there:
//
//	S(x*) = 3x*² − 1 = 2/η  ⇒  x*² = (1 + 2/η)/3;
//	∇E = x(x² − 1), ∇S = ∇³E[1, 1] = 6x, and on the constraint
//	σ² = 2⟨−∇E, ∇S⟩/‖∇S‖² = −2x(x² − 1)·6x/(36x²) = (1 − x²)/3,
//	so σ²(x*) = (1 − (1 + 2/η)/3)/3 = 2(η − 1)/(9η),
//
// and θ' = −∇E − ½σ²∇S = −x(x² − 1) − 3xσ² = 0 there: a fixed point, which
// the Euler scheme reaches exactly (its fixed points are the flow's). The
// flow must end at x* and σ² to 10⁻¹⁰ (it converges geometrically; the
// complementarity solve is exact to 10⁻¹²). η = 1.2, where GD has the
// stable 2-cycle of O8: its variance a² = (1 − 1/η)/4 is logged beside σ².
func TestCentralQuartic(t *testing.T) {
	eta := 1.2
	obj := model.NewQuartic()
	xs := math.Sqrt((1 + 2/eta) / 3)
	s2 := 2 * (eta - 1) / (9 * eta)
	c, err := flow.NewCentral(obj, eta, flow.CentralSettings{})
	if err != nil {
		t.Fatal(err)
	}
	var last flow.CentralSample
	var x float64
	_, err = c.Sample(context.Background(), []float64{0.5}, flow.Grid{Eta: eta, Steps: 200, Every: 10}, func(s *flow.CentralSample) error {
		last, x = *s, s.Theta[0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(x-xs) > 1e-10 || math.Abs(last.TraceSigma-s2) > 1e-10 {
		t.Errorf("quartic, η = %g: flow ends at x = %.15g, σ² = %.15g; closed form x* = %.15g, σ² = %.15g", eta, x, last.TraceSigma, xs, s2)
	}
	if last.Active != 1 || math.Abs(last.Sharpness-2/eta) > 1e-10 {
		t.Errorf("quartic: active %d, sharpness %.15g (2/η = %.15g)", last.Active, last.Sharpness, 2/eta)
	}
	t.Logf("quartic η = %g: central flow x* = %.6f, σ² = %.6f, predicted L̄ = %.6f; GD 2-cycle (O8) a² = %.6f, midpoint² = %.6f",
		eta, xs, s2, last.PredLoss, (1-1/eta)/4, (1+3/eta)/4)
}

// TestCentralValley is O17 (math.md §7) for the central flow: on the valley
// toy E = ½(y + ζx)x² − ε(x + y) (ζ = 1, ε = 0.01, η = 0.3, from (0.05, 1))
// the flow sharpens to 2/η and stops at a fixed point where
// ∇E + ½σ²∇³E[u, u] = 0. Its y component, with ∇³E[u, u] =
// (3ζu_x² + 2u_x u_y, u_x²), reads ½x² − ε + ½σ²u_x² = 0:
//
//	x² + σ²u_x² = 2ε   (exactly),
//
// the flow's counterpart of GD's cycle identity x̄² + a_x² = 2ε (O17); in
// the valley x and u_y are small, so σ² ≈ 2ε ("valley-restricted
// variance 2ε"). Asserted to 10⁻¹⁰ at the end (exact fixed point, as for
// the quartic), with |σ² − 2ε| ≤ 2x² + 2ε(1 − u_x²); the fixed point is
// also compared with GD's cycle centre of O17 (x̄ = −0.0029946,
// ȳ = 6.675649; the flow's fixed point solves the same equation
// ∇E + ½Var·∇S = 0 to first order in the amplitude, so to 10⁻⁵ here).
func TestCentralValley(t *testing.T) {
	const eps, eta = 0.01, 0.3
	obj, err := model.NewValley(1, eps)
	if err != nil {
		t.Fatal(err)
	}
	c, err := flow.NewCentral(obj, eta, flow.CentralSettings{})
	if err != nil {
		t.Fatal(err)
	}
	var last flow.CentralSample
	var th []float64
	_, err = c.Sample(context.Background(), []float64{0.05, 1}, flow.Grid{Eta: eta, Steps: 4000, Every: 100}, func(s *flow.CentralSample) error {
		last, th = *s, append(th[:0], s.Theta...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&hessian.DenseSolver{Top: 1}).Estimate(sim.HessianAt(obj, th))
	if err != nil {
		t.Fatal(err)
	}
	ux := res.Top.Vectors.At(0, 0)
	x, s2 := th[0], last.TraceSigma
	if d := x*x + s2*ux*ux - 2*eps; math.Abs(d) > 1e-10 {
		t.Errorf("valley: x² + σ²u_x² − 2ε = %.3g (x = %.9g, σ² = %.9g, u_x = %.9g)", d, x, s2, ux)
	}
	if math.Abs(s2-2*eps) > 2*x*x+2*eps*(1-ux*ux) {
		t.Errorf("valley: σ² = %.9g, 2ε = %g", s2, 2*eps)
	}
	if math.Abs(x-(-0.0029946)) > 1e-5 || math.Abs(th[1]-6.675649) > 1e-5 {
		t.Errorf("valley: fixed point (%.9g, %.9g), GD's cycle centre (−0.0029946, 6.675649)", x, th[1])
	}
	t.Logf("valley: central flow (x, y) = (%.7g, %.7g), σ² = %.7g (2ε = %g), predicted L̄ = %.7g", x, th[1], s2, 2*eps, last.PredLoss)
}

// TestCentralRefresh: refreshing the eigenvectors and third derivatives less
// often converges to the every-step scheme. On MF-EoS (600 steps, the join
// at t ≈ 0.8, where the top eigenvalue jumps from 0.7 to 1.04 × 2/η within
// a step, and the drop at t ≈ 40), with the every-step run as reference:
// the adaptive schedule's largest relative difference in the predicted loss
// E + tr Σ/η is at most 0.1·RefreshTol (it bounds the relative velocity
// error at each refresh; integrated along the flow, measured 0.04–0.06 of
// it), shrinks as RefreshTol does, and needs a fraction of the refreshes
// (fewer than 1/5 at 10⁻²).
func TestCentralRefresh(t *testing.T) {
	obj, theta0 := mfEoS(t)
	run := func(s flow.CentralSettings) ([]float64, flow.CentralStats) {
		c, err := flow.NewCentral(obj, mfEta, s)
		if err != nil {
			t.Fatal(err)
		}
		var pred []float64
		st, err := c.Sample(context.Background(), theta0, flow.Grid{Eta: mfEta, Steps: 600, Every: 1}, func(s *flow.CentralSample) error {
			pred = append(pred, s.PredLoss)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return pred, st
	}
	ref, refSt := run(flow.CentralSettings{})
	prevDiff, prevN := math.Inf(1), 0
	for _, tol := range []float64{0.04, 0.01} {
		p, st := run(flow.CentralSettings{RefreshTol: tol})
		var d float64
		for i := range p {
			d = math.Max(d, math.Abs(p[i]-ref[i])/ref[i])
		}
		t.Logf("RefreshTol %g: %d refreshes (every step: %d), longest interval %d steps, largest frozen-data velocity error %.3g; predicted loss within %.3g", tol, st.Refreshes, refSt.Refreshes, st.MaxInterval, st.MaxFrozenError, d)
		if d > 0.1*tol || d >= prevDiff || st.Refreshes <= prevN {
			t.Errorf("RefreshTol %g: difference %.3g (previous %.3g), %d refreshes (previous %d)", tol, d, prevDiff, st.Refreshes, prevN)
		}
		if tol == 0.01 && st.Refreshes*5 > refSt.Refreshes {
			t.Errorf("RefreshTol %g: %d refreshes, every step %d", tol, st.Refreshes, refSt.Refreshes)
		}
		prevDiff, prevN = d, st.Refreshes
	}
}

// TestCentralCancel: a cancelled context stops the integration before the
// next Euler step, on both paths, with an error wrapping context.Canceled
// and no sample after the cancellation.
func TestCentralCancel(t *testing.T) {
	obj, theta0 := mfEoS(t)
	for _, s := range []flow.CentralSettings{{}, {Method: ode.DP5(), Controller: ode.PI{RTol: 1e-8, ATol: 1e-8}}} {
		c, err := flow.NewCentral(obj, mfEta, s)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		after := 0
		_, err = c.Sample(ctx, theta0, flow.Grid{Eta: mfEta, Steps: 100, Every: 1}, func(s *flow.CentralSample) error {
			if ctx.Err() != nil {
				after++
			}
			if s.Step == 5 {
				cancel()
			}
			return nil
		})
		cancel()
		if !errors.Is(err, context.Canceled) || after != 0 {
			t.Errorf("method %v: err = %v, %d samples after cancel", s.Method != nil, err, after)
		}
	}
}

// noThird is an objective without third derivatives.
type noThird struct{ joinLeave }

func (noThird) Third() {}

// TestCentralErrors: invalid settings and objectives are errors that say
// what is wrong.
func TestCentralErrors(t *testing.T) {
	if _, err := flow.NewCentral(newQuadratic([]float64{1}, []float64{0}), 1, flow.CentralSettings{}); err == nil {
		t.Error("objective without Third: no error")
	}
	bad := []flow.CentralSettings{
		{Substeps: 1}, {MaxDim: -1}, {Margin: 1.5}, {Refresh: -2}, {RefreshTol: -1}, {Tau: -1}, {EigenTol: -1},
		{Method: ode.DP5()},
	}
	for _, s := range bad {
		if _, err := flow.NewCentral(joinLeaveToy, 0.1, s); err == nil {
			t.Errorf("settings %+v: no error", s)
		}
	}
	if _, err := flow.NewCentral(joinLeaveToy, 0, flow.CentralSettings{}); err == nil {
		t.Error("η = 0: no error")
	}
	c, err := flow.NewCentral(sim.NewCounted(joinLeaveToy), 0.1, flow.CentralSettings{})
	if err != nil {
		t.Fatalf("a Counted ThirdOrder objective is unwrapped: %v", err)
	}
	if _, err := c.Sample(context.Background(), make([]float64, 3), flow.Grid{Eta: 0.2, Steps: 3}, func(*flow.CentralSample) error { return nil }); err == nil {
		t.Error("grid η ≠ flow η: no error")
	}
	stop := errors.New("stop")
	if _, err := c.Sample(context.Background(), make([]float64, 3), flow.Grid{Eta: 0.1, Steps: 3}, func(*flow.CentralSample) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error: got %v", err)
	}
}

// TestCentralAllocs: the Euler steps do not allocate. Sample allocates its
// state once, so two runs of different lengths must allocate the same
// (MF-EoS through its join, on the every-step and adaptive schedules).
func TestCentralAllocs(t *testing.T) {
	obj, theta0 := mfEoS(t)
	for _, s := range []flow.CentralSettings{{}, {RefreshTol: 0.01}} {
		c, err := flow.NewCentral(obj, mfEta, s)
		if err != nil {
			t.Fatal(err)
		}
		allocs := func(steps int) float64 {
			return testing.AllocsPerRun(3, func() {
				if _, err := c.Sample(context.Background(), theta0, flow.Grid{Eta: mfEta, Steps: steps, Every: 1}, func(*flow.CentralSample) error { return nil }); err != nil {
					t.Fatal(err)
				}
			})
		}
		if a, b := allocs(40), allocs(120); a != b {
			t.Errorf("settings %+v: %v allocations for 40 steps, %v for 120", s, a, b)
		}
	}
}

// TestCentralFrozenExact: on the join–leave toy the eigenvector (e_x) and
// the third derivatives are constant and S is linear in θ, so the data
// frozen between refreshes and A propagated to first order are exact: any
// refresh schedule must give the every-step trajectory up to rounding
// (10⁻¹² of the state), through the join and the leave.
func TestCentralFrozenExact(t *testing.T) {
	// The toy with a = 19.5: its top eigenvalue a + y starts inside the
	// candidate margin (ηλ ≥ 2(1 − Margin), λ ≥ 19 at η = 0.1) rather than on
	// its edge, where joinLeaveToy's a = 19 sits exactly: there a 1-ulp
	// difference of an eigensolver decides whether the direction is a
	// candidate before the first refresh, and the refresh schedules differ
	// by when they notice it, not by their frozen data.
	j, eta := joinLeaveToy, joinLeaveEta
	j.a = 19.5
	steps := 70
	ref := jlRun(t, j, eta, steps, flow.CentralSettings{Substeps: 4})
	for _, s := range []flow.CentralSettings{{Substeps: 4, Refresh: 3}, {Substeps: 4, Refresh: 16}, {Substeps: 4, RefreshTol: 0.01}} {
		out := jlRun(t, j, eta, steps, s)
		for k := range out {
			if d := math.Hypot(out[k][0]-ref[k][0], out[k][1]-ref[k][1]); d > 1e-12*(1+math.Abs(ref[k][1])) || math.Abs(out[k][2]-ref[k][2]) > 1e-12*(1+ref[k][2]) {
				t.Errorf("Refresh %d, RefreshTol %g, t = %.1f: (y, z, σ²) = %v, every step %v", s.Refresh, s.RefreshTol, float64(k)*eta, out[k][:3], ref[k][:3])
				break
			}
		}
	}
}

// smallAnchorNet is a two-layer tanh network (mean-field, m = 64) on the
// anchors' random labels with n = 100, d = 8 (p = 576 > CentralDenseMaxDim:
// the flow uses the warm-started Tracker), its initialisation and
// η = 1.5/λ_max(θ₀), as experiment anchor-eos at a smaller size.
func smallAnchorNet(t *testing.T) (*model.TwoLayer, []float64, float64) {
	t.Helper()
	set, err := data.Anchor(100, 8, data.AnchorRandom)
	if err != nil {
		t.Fatal(err)
	}
	net, err := model.NewTwoLayer(model.TwoLayerConfig{Width: 64, Activation: model.Tanh, Scaling: model.MeanField, Outputs: 1, N: set.N, D: set.D, X: set.X, Y: set.Y})
	if err != nil {
		t.Fatal(err)
	}
	theta := data.AnchorInit(64, 8)
	res, err := hessian.NewLanczosSolver(hessian.Settings{Top: 1, Tol: 1e-10}).Estimate(sim.HessianAt(net, theta))
	if err != nil {
		t.Fatal(err)
	}
	return net, theta, 1.5 / res.Top.Values[0]
}

// TestCentralTwoLayer: on a two-layer network with the Tracker the central
// flow reaches the EoS (directions become active and the sharpness is then
// held at 2/η: each Euler step lands on the linearised constraint, so the
// sharpness misses it by the step's second-order term, largest while the
// flow is fast after the join; measured |ηS/2 − 1| ≤ 1.4·10⁻⁴ at h = η/2,
// 2·10⁻⁵ at η/4, asserted ≤ 3·10⁻⁴ from the 20th active sample on), E never
// increases, and the result is bit-identical with GOMAXPROCS 1 and 2 (the
// kernels, the tracker and the solver do not depend on the thread count).
func TestCentralTwoLayer(t *testing.T) {
	net, theta0, eta := smallAnchorNet(t)
	steps := 150
	if testing.Short() {
		steps = 80
	}
	run := func() []float64 {
		c, err := flow.NewCentral(net, eta, flow.CentralSettings{MaxDim: 2})
		if err != nil {
			t.Fatal(err)
		}
		var out []float64
		prevE := math.Inf(1)
		active := 0
		st, err := c.Sample(context.Background(), theta0, flow.Grid{Eta: eta, Steps: steps, Every: 1}, func(s *flow.CentralSample) error {
			if s.Loss > prevE*(1+1e-13) {
				t.Errorf("k = %d: E rose from %.17g to %.17g", s.Step, prevE, s.Loss)
			}
			prevE = s.Loss
			if s.Active > 0 {
				active++
				if active > 20 && math.Abs(s.Sharpness*eta/2-1) > 3e-4 {
					t.Errorf("k = %d: active, ηS/2 = %.9g", s.Step, s.Sharpness*eta/2)
				}
			}
			out = append(out, s.Loss, s.PredLoss, s.TraceSigma, s.Sharpness)
			if s.Step == steps {
				out = append(out, s.Theta...)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if active < 20 {
			t.Errorf("only %d active samples of %d", active, steps+1)
		}
		t.Logf("two-layer m = 64: %d active samples; %+v", active, st)
		return out
	}
	reference.GOMAXPROCSIndependent(t, run)
}
