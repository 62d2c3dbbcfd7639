package kinetic

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/ode"
)

// Closure is eoskit's reconstruction [A] of the paper's regime of "stable
// non-vanishing oscillations" [P] as a flow of the θ-marginal alone: the
// fluctuation is slaved to its quasi-static value along the top mode,
// δ(θ) = σ(θ)·u₁(θ), and θ follows the particle system's θ-equation with
// that δ, expanded to second order in δ:
//
//	θ̇ = −m[∇E_m(θ) + ½σ²∇³E_m(θ)[u₁, u₁]]
//
// (particle time; per particle, θ̇_i = −∇_θΨ(θ_i; f) − ½σ²(…)). u₁ is the
// unit top eigenvector of ∇²E_m(θ), λ₁ its eigenvalue, g₃ = ∇³E_m[u₁, u₁]
// = ∇λ₁, and σ ≥ 0 is the amplitude that holds the sharpness at the
// threshold 2/η: since dλ₁/dt = g₃·θ' = −g₃·∇E_m − ½σ²|g₃|² (GD time),
//
//	σ² = max(0, 2[κ(λ₁ − 2/η) − g₃·∇E_m]/|g₃|²),   κ = 1/(Relax·η),
//
// makes dλ₁/dt = −κ(λ₁ − 2/η) wherever σ > 0: a sharpness above 2/η is
// pulled back within Relax GD steps, and one rising towards 2/η faster than
// κ(2/η − λ₁) is slowed to approach it exponentially. Where the flow does
// not push λ₁ up that fast, σ = 0. σ² is continuous in θ: a switch "σ = 0
// below the threshold" would make the velocity jump by an order of
// magnitude (measured) wherever λ₁ dips below 2/η by round-off, and an
// integrator's stage there throws the state across the threshold. This is
// the // one-eigenvalue central flow (Cohen et al. 2025 [L], design notes §5)
// written in the particle system's variables, with that relaxation of the
// constraint λ₁ ≤ 2/η [A]; away from the threshold it is the mean-field
// gradient flow. The law it carries is (θ, δ(θ)), whose 𝓕 is
// measured exactly (System.FreeEnergy), not to second order. With several
// eigenvalues at the threshold it follows one of them (the largest), which
// the central flow would not: see the README for where that matters.
//
// Why not δ at rest of its own equation at frozen θ (∇_δV = 0)? Measured
// with Relax (README): at the states of the particle flow at the Edge of
// Stability, the δ-equation at frozen θ has no stable small equilibrium. δ
// either decays to 0 (λ₁ < 2/η) or runs away to a large-amplitude branch
// (on the anchors' random labels, m = 256: δ rms 1.5 against the flow's
// 0.006): the bifurcation is subcritical, and the small oscillation is
// held by θ's feedback on the sharpness (self-stabilisation), which this
// closure keeps.
//
// A right-hand side costs a warm-started Lanczos solve (its
// Hessian-vector products are counted in HVPs), a gradient and a
// third-derivative product; σ is only Lipschitz in θ (the max with 0), so
// integrate the closure with fixed-step RK4 (steps ≤ η̃/2). Closure
// implements ode.Func through RHS, on the state θ.
type Closure struct {
	sys *System
	// Relax is the number of GD steps over which an overshoot of the
	// sharpness above 2/η is pulled back (default 10).
	Relax float64

	// HVPs, Grads and Thirds count the evaluations of the right-hand
	// sides and of Slave.
	HVPs, Grads, Thirds int

	u     []float64 // last top eigenvector (warm start)
	g, g3 []float64 // ∇E_m and ∇³E_m[u₁, u₁] at the last θ of amplitude
}

// NewClosure returns the closure of the particle system s.
func NewClosure(s *System) *Closure {
	p := s.p
	cl := &Closure{sys: s, Relax: 10}
	cl.g, cl.g3 = make([]float64, p), make([]float64, p)
	return cl
}

// Dim returns p: the closure's state is θ.
func (cl *Closure) Dim() int { return cl.sys.p }

// top updates u₁ and returns λ₁ at θ (Lanczos to relative residual 1e-10,
// started from the previous u₁).
func (cl *Closure) top(theta []float64) (float64, error) {
	set := hessian.Settings{Top: 1, Tol: 1e-10, Check: hessian.CheckAlways}
	if cl.u != nil {
		set.Start = cl.u
	}
	res, err := hessian.NewLanczosSolver(set).Estimate(sim.HessianAt(cl.sys.net, theta))
	cl.HVPs += res.HVPs
	if err != nil || res.Top.Vectors == nil {
		return math.NaN(), fmt.Errorf("kinetic: closure: top eigenvector: %w", err)
	}
	if cl.u == nil {
		cl.u = make([]float64, cl.sys.p)
	}
	// Keep the sign of the previous vector (δ and −δ are the same law up
	// to the flip, but a sign that jumps would make δ(θ) discontinuous).
	var dot float64
	for i := range cl.u {
		dot += cl.u[i] * res.Top.Vectors.At(i, 0)
	}
	sign := 1.0
	if dot < 0 {
		sign = -1
	}
	for i := range cl.u {
		cl.u[i] = sign * res.Top.Vectors.At(i, 0)
	}
	return res.Top.Values[0], nil
}

// amplitude returns λ₁ and σ at θ, leaving u₁ in cl.u, ∇E_m in cl.g and
// ∇³E_m[u₁, u₁] in cl.g3.
func (cl *Closure) amplitude(theta []float64) (lambda, sigma float64, err error) {
	lambda, err = cl.top(theta)
	if err != nil {
		return lambda, 0, err
	}
	cl.sys.net.Grad(theta, cl.g)
	cl.Grads++
	thr := 2 / cl.sys.etaGD
	cl.sys.net.Third(theta, cl.u, cl.u, cl.g3)
	cl.Thirds++
	var gg, g33 float64
	for i, v := range cl.g3 {
		gg += v * cl.g[i]
		g33 += v * v
	}
	kappa := 1 / (cl.Relax * cl.sys.etaGD)
	s2 := 2 * (kappa*(lambda-thr) - gg) / g33
	if !(s2 > 0) {
		return lambda, 0, nil
	}
	return lambda, math.Sqrt(s2), nil
}

// Slave returns the slaved fluctuation δ(θ) = σ(θ)u₁(θ), λ₁(θ) and σ.
func (cl *Closure) Slave(theta []float64) (delta []float64, lambda, sigma float64, err error) {
	if len(theta) != cl.sys.p {
		panic(fmt.Sprintf("kinetic: closure state has length %d, want p = %d", len(theta), cl.sys.p))
	}
	lambda, sigma, err = cl.amplitude(theta)
	if err != nil {
		return nil, lambda, 0, err
	}
	delta = make([]float64, cl.sys.p)
	for i, v := range cl.u {
		delta[i] = sigma * v
	}
	return delta, lambda, sigma, nil
}

// RHS writes θ̇ (particle time) at θ into dtheta. A failed eigenvector
// solve writes NaN, which stops the integrator (ode.ErrNonFinite).
func (cl *Closure) RHS(_ float64, theta, dtheta []float64) {
	if len(theta) != cl.sys.p || len(dtheta) != cl.sys.p {
		panic(fmt.Sprintf("kinetic: closure state has length %d (and derivative %d), want p = %d", len(theta), len(dtheta), cl.sys.p))
	}
	_, sigma, err := cl.amplitude(theta)
	if err != nil {
		for i := range dtheta {
			dtheta[i] = math.NaN()
		}
		return
	}
	mf, h := cl.sys.mf, 0.5*sigma*sigma
	for i, g := range cl.g {
		if sigma > 0 {
			g += h * cl.g3[i]
		}
		dtheta[i] = -g * mf
	}
}

// ClosureSeries integrates the closure from θ₀ on the grid (System.Grid)
// and records, at every sample, 𝓕 of the law (θ, δ(θ)), the loss and the
// root mean square of δ(θ). Descent and Ascent are the particle system's
// ∫|∇_θV|²dν and ∫|∇_δV|²dν at that law: Descent is the closure's own
// speed, Ascent the force on δ that the slaving ignores; their difference
// is what the full flow's d𝓕/dt̃ would be there, not the closure's (which
// the verdict reads from 𝓕 itself). The samples' evaluations are counted
// too.
func ClosureSeries(cl *Closure, theta0 []float64, grid flow.Grid, m ode.Method, c ode.Controller) (*Series, ode.Stats, error) {
	s := cl.sys
	ser := &Series{Name: "closure"}
	dy := make([]float64, s.Dim())
	stats, err := flow.Sample(cl.RHS, theta0, grid, m, c, func(k int, t float64, theta []float64) error {
		delta, _, _, err := cl.Slave(theta)
		if err != nil {
			return err
		}
		y := s.State(theta, delta)
		pt := s.Observe(y)
		de, as := s.EnergyRates(y, dy)
		ser.add(k, t, pt.FreeEnergy, de, as, pt.Loss, pt.CenterLoss, math.Sqrt(sumSq(delta)/s.mf))
		return nil
	})
	return ser, stats, err
}

// RelaxInfo describes where the δ-equation at frozen θ went (Relax).
type RelaxInfo struct {
	// DeltaRMS0 and DeltaRMS are (∫|δ|²dν)^{1/2} at the start and at the
	// end; Residual is (∫|∇_δV|²dν)^{1/2} at the end (0 at rest).
	DeltaRMS0, DeltaRMS, Residual float64
	// FreeEnergy0 and FreeEnergy are 𝓕 at the start and at the end.
	FreeEnergy0, FreeEnergy float64
	// Stats are the integrator's.
	Stats ode.Stats
}

// Relax integrates the δ-equation of the particle system with θ frozen,
// δ̇ = ∇_δV(θ, δ) (ascent of 𝓕 in δ), from the state y for particle time
// horizon (DP5 at relative and absolute tolerance tol), and returns the
// final δ: a stable equilibrium of the δ-dynamics at θ when it reaches one
// (Residual ≈ 0), which would be the slaved fluctuation of the closure
// "δ at rest at frozen θ".
func (s *System) Relax(y []float64, horizon, tol float64) ([]float64, RelaxInfo, error) {
	s.checkLen(y, nil)
	p := s.p
	full := append([]float64(nil), y...)
	dy := make([]float64, 2*p)
	f := func(_ float64, delta, ddelta []float64) {
		copy(full[p:], delta)
		s.RHS(0, full, dy)
		copy(ddelta, dy[p:])
	}
	info := RelaxInfo{DeltaRMS0: math.Sqrt(sumSq(y[p:]) / s.mf), FreeEnergy0: s.FreeEnergy(y)}
	sol, err := ode.Solve(ode.Problem{F: f, Y0: y[p:], T0: 0, T1: horizon}, ode.DP5(), ode.PI{RTol: tol, ATol: tol}, ode.Options{})
	if sol != nil {
		info.Stats = sol.Stats
	}
	if err != nil {
		return nil, info, fmt.Errorf("kinetic: relaxing δ: %w", err)
	}
	delta := append([]float64(nil), sol.At(sol.Len()-1)...)
	copy(full[p:], delta)
	_, as := s.EnergyRates(full, dy)
	info.DeltaRMS, info.Residual, info.FreeEnergy = math.Sqrt(sumSq(delta)/s.mf), math.Sqrt(as), s.FreeEnergy(full)
	return delta, info, nil
}
