package flow_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// TestSelfStabInvariant: V = y²/2 + βs/4 − (α/2) ln s is conserved by the
// reduced system, so its drift along a DOP853 integration is the
// integrator's error: at rtol 10⁻¹⁰ the largest |V(t) − V₀| over one and a
// half loops (100–300 steps, each with a local error of about rtol) stays
// below 10⁻⁸ of the loop's scale, and at rtol 10⁻⁶ it is larger (the drift
// follows the tolerance). Random α, β (log-normal), start y₀ ∈ [−1, 1]·√α
// and s₀ from 10⁻²⁰·s* (a GD oscillation seeded by rounding) to 10·s*.
// The closed-form extremes of the loop agree with the maxima the
// integration locates (events on the dense output) to 10⁻⁷ relative.
func TestSelfStabInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261208, 7))
	for i := range 40 {
		m := flow.SelfStab{Alpha: math.Exp(rng.NormFloat64()), Beta: math.Exp(2 * rng.NormFloat64()), Eta: 0.1}
		_, ss := m.FixedPoint()
		y0 := (2*rng.Float64() - 1) * math.Sqrt(m.Alpha)
		s0 := ss * math.Pow(10, -20+21*rng.Float64())
		fine, err := m.Loop(y0, s0, 1e-10)
		if err != nil {
			t.Fatal(err)
		}
		coarse, err := m.Loop(y0, s0, 1e-6)
		if err != nil {
			t.Fatal(err)
		}
		if fine.Drift > 1e-8 || coarse.Drift <= fine.Drift {
			t.Errorf("#%d α=%.3g β=%.3g (y₀, s₀) = (%.3g, %.3g): drift %.3g at rtol 1e-10, %.3g at 1e-6", i, m.Alpha, m.Beta, y0, s0, fine.Drift, coarse.Drift)
		}
		if math.Abs(fine.NumOvershoot/fine.Overshoot-1) > 1e-7 || math.Abs(fine.NumPeakS/fine.PeakS-1) > 1e-7 {
			t.Errorf("#%d: overshoot %.12g (closed) vs %.12g, peak s %.12g vs %.12g", i, fine.Overshoot, fine.NumOvershoot, fine.PeakS, fine.NumPeakS)
		}
		if i < 3 {
			t.Logf("α=%.3g β=%.3g s₀/s*=%.3g: period %.4g (small loops %.4g), overshoot %.4g, peak s/s* %.4g, drift %.2g (rtol 1e-10) / %.2g (1e-6), %d steps",
				m.Alpha, m.Beta, s0/ss, fine.Period, m.SmallPeriod(), fine.Overshoot, fine.PeakS/ss, fine.Drift, coarse.Drift, fine.Stats.Steps)
		}
	}
}

// TestSelfStabSmallLoop: near the fixed point (0, s* = 2α/β) the system is
// a harmonic oscillator y” = −2αy, so a loop through (0, s*(1 + ε)) has the
// period 2π/√(2α)·(1 + O(ε²)) and the overshoot √(2(V − V*)) ≈
// √(α/2)·ε. With ε = 10⁻³ both hold to 10⁻⁵, and the fixed point is
// stationary.
func TestSelfStabSmallLoop(t *testing.T) {
	for _, m := range []flow.SelfStab{{Alpha: 0.01, Beta: 10, Eta: 0.3}, {Alpha: 2, Beta: 0.5, Eta: 0.1}} {
		y, s := m.FixedPoint()
		d := make([]float64, 2)
		m.RHS(0, []float64{y, math.Log(s)}, d)
		if math.Abs(d[0]) > 1e-15*m.Alpha || d[1] != 0 {
			t.Errorf("%+v: RHS at the fixed point = %v", m, d)
		}
		const eps = 1e-3
		l, err := m.Loop(0, s*(1+eps), 1e-12)
		if err != nil {
			t.Fatal(err)
		}
		if r := l.Period/m.SmallPeriod() - 1; math.Abs(r) > 1e-5 {
			t.Errorf("%+v: period %.10g, 2π/√(2α) = %.10g", m, l.Period, m.SmallPeriod())
		}
		if r := l.Overshoot/(math.Sqrt(m.Alpha/2)*eps) - 1; math.Abs(r) > 1e-3 {
			t.Errorf("%+v: overshoot %.10g, linearisation %.10g", m, l.Overshoot, math.Sqrt(m.Alpha/2)*eps)
		}
	}
}

// TestFirstGDLoop reads a loop from a synthetic trace whose answer is known:
// the reduced system's own solution sampled at t = kη (sharpness 2/η + y,
// loss L₀ + s/η), once at every step and once with the sharpness measured
// every third step (NaN between). The loop starts at the first sample with
// y > 0, its duration and period are the reduced system's to within one
// measurement interval, its overshoot is the largest sampled y (within
// O(η²) of the closed form, since y' = 0 at the peak) and its loss spike is
// (max s − s(Start))/η up to the averaging of consecutive steps.
func TestFirstGDLoop(t *testing.T) {
	m := flow.SelfStab{Alpha: 0.5, Beta: 2, Eta: 0.05}
	y0, s0 := -0.3, 1e-6
	l, err := m.Loop(y0, s0, 1e-12)
	if err != nil {
		t.Fatal(err)
	}
	n := int(2.5 * l.Period / m.Eta)
	sol, err := ode.Solve(ode.Problem{F: m.RHS, Y0: []float64{y0, math.Log(s0)}, T1: float64(n) * m.Eta}, ode.DOP853(), ode.PI{RTol: 1e-12, ATol: 1e-12}, ode.Options{SaveAt: ode.SaveAt{Every: m.Eta}})
	if err != nil {
		t.Fatal(err)
	}
	for _, every := range []int{1, 3} {
		steps := make([]int, sol.Len())
		loss := make([]float64, sol.Len())
		sharp := make([]float64, sol.Len())
		start := -1
		for k := range steps {
			yr := sol.At(k)
			steps[k] = k
			loss[k] = 1 + math.Exp(yr[1])/m.Eta
			sharp[k] = math.NaN()
			if k%every == 0 {
				sharp[k] = 2/m.Eta + yr[0]
				if start < 0 && yr[0] > 0 {
					start = k
				}
			}
		}
		g, err := flow.FirstGDLoop(steps, loss, sharp, m.Eta)
		if err != nil {
			t.Fatal(err)
		}
		res := float64(every) * m.Eta
		switch {
		case !g.Found || g.Start != start:
			t.Errorf("every %d: %+v, want Start %d", every, g, start)
		case math.Abs(g.Duration-l.OvershootDuration) > res:
			t.Errorf("every %d: duration %.4g, reduced system %.4g", every, g.Duration, l.OvershootDuration)
		case math.Abs(g.Period-l.Period) > res:
			t.Errorf("every %d: period %.4g, reduced system %.4g", every, g.Period, l.Period)
		case g.Overshoot > l.Overshoot || l.Overshoot-g.Overshoot > m.Alpha*res*res:
			t.Errorf("every %d: overshoot %.6g, reduced system %.6g", every, g.Overshoot, l.Overshoot)
		}
		sStart := (loss[start] - 1) * m.Eta
		want := (l.PeakS - sStart) / m.Eta
		if math.Abs(g.LossSpike-want) > 0.05*want {
			t.Errorf("every %d: loss spike %.6g, reduced system %.6g", every, g.LossSpike, want)
		}
	}
	if _, err := flow.FirstGDLoop([]int{0, 1}, []float64{1}, []float64{1, 2}, 1); err == nil {
		t.Error("mismatched lengths: no error")
	}
	if _, err := flow.FirstGDLoop([]int{0, 0}, []float64{1, 1}, []float64{1, 2}, 1); err == nil {
		t.Error("steps not increasing: no error")
	}
	g, err := flow.FirstGDLoop([]int{0, 1, 2}, []float64{1, 1, 1}, []float64{1, 1.5, 1.9}, 1)
	if err != nil || g.Found || g.Start != -1 {
		t.Errorf("no loop: %+v, %v", g, err)
	}
}

// TestSelfStabValley compares the reduced system with GD's first loop on
// the valley toy (ζ = 1, ε = 0.01, η = 0.3, from (0.05, 1); GD crosses 2/η at
// k = 1890, math.md §2.2). The trace uses the centre sharpness S(θ̄_k),
// θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4 (the iterates' sharpness alternates
// by ±√β·|x| around it); α and β are measured at the centre θ̄_Start, and
// s₀ is GD's oscillation there, (u·(θ_k − θ̄_k))², about 2·10⁻²⁰ (seeded
// by rounding).
// Measured: the loop period agrees to 0.2% (132.7 vs 132.9), while the
// overshoot (0.61 vs 0.91), the time above 2/η (66 vs 95) and above all
// the loss spike (0.28 vs 3.1) are underestimated: at ηy ≈ 0.3 GD's
// per-step growth (1 + ηy)² is not e^{2ηy}, and the valley's cubic term
// (ζ) is outside the reduced system. The test asserts the period to 5%, the
// rest only to the measured side and size (so that a change is noticed),
// and logs the comparison.
func TestSelfStabValley(t *testing.T) {
	obj, err := model.NewValley(1, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	eta := 0.3
	var thetas [][]float64
	var loss []float64
	_, err = gd.Run(context.Background(), obj, []float64{0.05, 1}, gd.Settings{Eta: eta, Steps: 2600}, gd.ObserverFunc(func(s *gd.State) error {
		thetas = append(thetas, append([]float64(nil), s.Theta...))
		loss = append(loss, s.Loss)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	n := len(thetas)
	steps := make([]int, n)
	sharp := make([]float64, n)
	centre := func(k int) []float64 {
		return []float64{(thetas[k-1][0] + 2*thetas[k][0] + thetas[k+1][0]) / 4, (thetas[k-1][1] + 2*thetas[k][1] + thetas[k+1][1]) / 4}
	}
	est := &hessian.DenseSolver{Top: 1}
	for k := range steps {
		steps[k] = k
		sharp[k] = math.NaN()
		if k > 0 && k < n-1 {
			r, err := est.Estimate(sim.HessianAt(obj, centre(k)))
			if err != nil {
				t.Fatal(err)
			}
			sharp[k] = r.Top.Values[0]
		}
	}
	g, err := flow.FirstGDLoop(steps, loss, sharp, eta)
	if err != nil || !g.Found || g.Next < 0 {
		t.Fatalf("GD loop: %+v, %v", g, err)
	}
	k := g.Start
	c := centre(k)
	on, err := flow.SelfStabAt(obj, c, eta, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := on.U[0]*(thetas[k][0]-c[0]) + on.U[1]*(thetas[k][1]-c[1])
	l, err := on.Loop(on.Y, x*x, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("valley: onset k = %d, α = %.4g, β = %.4g, s₀ = %.3g; predicted vs GD: period %.4g vs %.4g, overshoot %.4g vs %.4g, time above 2/η %.4g vs %.4g, loss spike %.4g vs %.4g",
		k, on.Alpha, on.Beta, x*x, l.Period, g.Period, l.Overshoot, g.Overshoot, l.OvershootDuration, g.Duration, l.LossSpike, g.LossSpike)
	if math.Abs(l.Period/g.Period-1) > 0.05 {
		t.Errorf("period: predicted %.4g, GD %.4g", l.Period, g.Period)
	}
	for _, q := range []struct {
		name     string
		pred, gd float64
		lo, hi   float64 // measured ratio pred/gd: 0.67, 0.70, 0.09
	}{{"overshoot", l.Overshoot, g.Overshoot, 0.5, 0.85}, {"time above 2/η", l.OvershootDuration, g.Duration, 0.5, 0.9}, {"loss spike", l.LossSpike, g.LossSpike, 0.03, 0.3}} {
		if r := q.pred / q.gd; r < q.lo || r > q.hi {
			t.Errorf("%s: predicted %.4g, GD %.4g (ratio %.3g outside [%g, %g])", q.name, q.pred, q.gd, r, q.lo, q.hi)
		}
	}
}

// TestSelfStabErrors: no loop without progressive sharpening, a start with
// s ≤ 0, an objective without third derivatives.
func TestSelfStabErrors(t *testing.T) {
	for _, m := range []flow.SelfStab{{Alpha: -1, Beta: 1, Eta: 1}, {Alpha: 1, Beta: 0, Eta: 1}} {
		if _, err := m.Loop(0, 1, 0); err == nil {
			t.Errorf("%+v: no error", m)
		}
	}
	if _, err := (flow.SelfStab{Alpha: 1, Beta: 1, Eta: 1}).Loop(0, 0, 0); err == nil {
		t.Error("s₀ = 0: no error")
	}
	if _, err := flow.SelfStabAt(newQuadratic([]float64{1}, []float64{0}), []float64{0}, 1, nil); err == nil {
		t.Error("no Third: no error")
	}
}
