package flow

import (
	"errors"
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/ode"
)

// SelfStab is the self-stabilisation reduced system of Damian, Nichani and
// Lee (ICLR 2023) [L], math.md §5, in physical time t = kη:
//
//	y' = α − ½βs,   s' = 2ys,
//
// with y = S − 2/η the sharpness above the threshold, s = x² the variance
// of the oscillation along the top eigenvector u, and, measured at the
// onset θ, α = −∇E·∇S (progressive sharpening, > 0) and β = ‖∇S‖²
// (∇S = ∇³E[u, u]). It conserves
//
//	V(y, s) = y²/2 + βs/4 − (α/2) ln s,
//
// whose level sets are closed loops around the fixed point (0, s* = 2α/β)
// — s* is the central flow's σ² — so every solution is periodic: sharpening
// while s is tiny (y grows at rate α), blow-up of s while y > 0,
// self-stabilisation once s > s* drives y down, and the return while y < 0
// makes s decay. Small loops have the period 2π/√(2α) of the linearisation.
type SelfStab struct {
	Alpha, Beta float64
	// Eta is the GD step size (it converts s into the loss: an oscillation
	// of variance s along u adds about ½S·s = s/η to the time-averaged loss).
	Eta float64
}

// SelfStabOnset is SelfStab measured at a point θ (see SelfStabAt).
type SelfStabOnset struct {
	SelfStab
	// Sharpness is S(θ) and Y = S − 2/η.
	Sharpness, Y float64
	// U is the unit top eigenvector at θ. Measured at GD's period-2 centre
	// θ̄_k, the oscillation variance that starts the loop (Loop's s0) is
	// (U·(θ_k − θ̄_k))².
	U []float64
}

// SelfStabAt measures α = −∇E·∇S and β = ‖∇S‖² at θ for step size eta, with
// u the unit top eigenvector of ∇²E(θ) from est (nil: a dense solve for
// p ≤ CentralDenseMaxDim, Lanczos to relative residual 10⁻¹⁰ above) and
// ∇S = ∇³E[u, u] from the objective's exact third derivative (obj must
// implement sim.ThirdOrder; a *sim.Counted is unwrapped for it).
func SelfStabAt(obj sim.Objective, theta []float64, eta float64, est hessian.Estimator) (SelfStabOnset, error) {
	if len(theta) != obj.Dim() {
		panic(fmt.Sprintf("flow: len(theta) = %d, objective dimension %d", len(theta), obj.Dim()))
	}
	if !(eta > 0) || math.IsInf(eta, 0) {
		return SelfStabOnset{}, fmt.Errorf("flow: self-stabilisation step size η = %g, want η > 0", eta)
	}
	inner := obj
	if c, ok := obj.(*sim.Counted); ok {
		inner = c.Obj
	}
	third, ok := inner.(sim.ThirdOrder)
	if !ok {
		return SelfStabOnset{}, fmt.Errorf("flow: the self-stabilisation system needs exact third derivatives (sim.ThirdOrder), which %T lacks", inner)
	}
	p := obj.Dim()
	if est == nil {
		if p <= CentralDenseMaxDim {
			est = &hessian.DenseSolver{Top: 1}
		} else {
			est = hessian.NewLanczosSolver(hessian.Settings{Top: 1, Tol: 1e-10})
		}
	}
	res, err := est.Estimate(sim.HessianAt(obj, theta))
	if err != nil {
		var ce *hessian.ConvergenceError
		if !errors.As(err, &ce) || len(res.Top.Values) == 0 {
			return SelfStabOnset{}, fmt.Errorf("flow: self-stabilisation top eigenpair: %w", err)
		}
	}
	if len(res.Top.Values) == 0 || res.Top.Vectors == nil {
		return SelfStabOnset{}, errors.New("flow: self-stabilisation: the estimator returned no top eigenpair")
	}
	u := make([]float64, p)
	for i := range u {
		u[i] = res.Top.Vectors.At(i, 0)
	}
	gs := make([]float64, p)
	third.Third(theta, u, u, gs)
	g := make([]float64, p)
	obj.Grad(theta, g)
	s := res.Top.Values[0]
	return SelfStabOnset{
		SelfStab:  SelfStab{Alpha: -dot(g, gs), Beta: dot(gs, gs), Eta: eta},
		Sharpness: s, Y: s - 2/eta, U: u,
	}, nil
}

// RHS is the system in the variables (y, r = ln s), in which it is smooth
// and well scaled however small s gets: y' = α − ½βe^r, r' = 2y. It is an
// ode.Func.
func (m SelfStab) RHS(_ float64, yr, d []float64) {
	d[0] = m.Alpha - 0.5*m.Beta*math.Exp(yr[1])
	d[1] = 2 * yr[0]
}

// Invariant returns V(y, s) = y²/2 + βs/4 − (α/2) ln s.
func (m SelfStab) Invariant(y, s float64) float64 {
	return 0.5*y*y + 0.25*m.Beta*s - 0.5*m.Alpha*math.Log(s)
}

// FixedPoint returns (0, s* = 2α/β).
func (m SelfStab) FixedPoint() (y, s float64) { return 0, 2 * m.Alpha / m.Beta }

// SmallPeriod returns 2π/√(2α), the period of small loops (the linearisation
// at the fixed point: y” = −½βs*·y·2 = −2α·y).
func (m SelfStab) SmallPeriod() float64 { return 2 * math.Pi / math.Sqrt(2*m.Alpha) }

// SelfStabLoop describes the loop of the reduced system through a point.
type SelfStabLoop struct {
	// V is the loop's invariant.
	V float64
	// Overshoot is the largest y = S − 2/η on the loop, √(2(V − V*)) with
	// V* = V(0, s*), reached where s = s* (the largest undershoot, −y, is
	// the same).
	Overshoot float64
	// PeakS and MinS are the largest and smallest s, the roots of
	// βs/4 − (α/2) ln s = V (y = 0 there).
	PeakS, MinS float64
	// LossSpike = PeakS/η is the predicted rise of the time-averaged loss at
	// the peak of the oscillation (½S·s with S = 2/η).
	LossSpike float64
	// Period is the time between two upward crossings of y = 0 and
	// OvershootDuration the time y > 0 within a loop (from the integration).
	Period, OvershootDuration float64
	// TimeToOvershoot and TimeToSpike are the times from the start to the
	// first maximum of y and to the first maximum of s (from the
	// integration).
	TimeToOvershoot, TimeToSpike float64
	// NumOvershoot and NumPeakS are the maxima of y and s located by the
	// integration (events on the dense output), to compare with the closed
	// forms.
	NumOvershoot, NumPeakS float64
	// Drift is the largest |V(t) − V| at the accepted steps, relative to
	// |V| + |V*| + Overshoot²: the conservation error of the integration.
	Drift float64
	// Stats are the integrator's.
	Stats ode.Stats
}

// Loop integrates the system from (y0, s0) (s0 > 0) with DOP853 at relative
// and absolute tolerance rtol (0: 10⁻¹⁰) for one full loop and a half, and
// returns the loop's closed-form extremes and its measured period and
// timing. It needs α > 0 and β > 0 (progressive sharpening and a sharpness
// that depends on θ); otherwise there is no loop and it returns an error.
func (m SelfStab) Loop(y0, s0, rtol float64) (SelfStabLoop, error) {
	if !(m.Alpha > 0) || !(m.Beta > 0) || math.IsInf(m.Alpha, 0) || math.IsInf(m.Beta, 0) {
		return SelfStabLoop{}, fmt.Errorf("flow: self-stabilisation needs α > 0 and β > 0 (got α = %g, β = %g): no loop", m.Alpha, m.Beta)
	}
	if !(s0 > 0) || math.IsInf(s0, 0) || math.IsNaN(y0) || math.IsInf(y0, 0) {
		return SelfStabLoop{}, fmt.Errorf("flow: self-stabilisation start (y, s) = (%g, %g), want s > 0 and finite", y0, s0)
	}
	if rtol <= 0 {
		rtol = 1e-10
	}
	_, ss := m.FixedPoint()
	vs := m.Invariant(0, ss)
	v0 := m.Invariant(y0, s0)
	out := SelfStabLoop{V: v0, Overshoot: math.Sqrt(2 * math.Max(v0-vs, 0))}
	// g(s) = βs/4 − (α/2) ln s is convex with its minimum V* at s*: one
	// root of g = V on each side, found by bisection on ln s.
	g := func(r float64) float64 { return 0.25*m.Beta*math.Exp(r) - 0.5*m.Alpha*r - v0 }
	rs := math.Log(ss)
	root := func(lo, hi float64) float64 { // g(lo) and g(hi) of opposite signs
		for range 200 {
			mid := 0.5 * (lo + hi)
			if (g(mid) > 0) == (g(lo) > 0) {
				lo = mid
			} else {
				hi = mid
			}
		}
		return 0.5 * (lo + hi)
	}
	step := 1.0
	hi := rs + step
	for g(hi) < 0 {
		step *= 2
		hi = rs + step
	}
	lo, step := rs-1, 1.0
	for g(lo) < 0 {
		step *= 2
		lo = rs - step
	}
	out.PeakS, out.MinS = math.Exp(root(rs, hi)), math.Exp(root(lo, rs))
	out.LossSpike = out.PeakS / m.Eta
	// Integrate: a loop is at most the time to climb from −Overshoot to
	// +Overshoot at rate ≤ α while s is small, plus the fast part near the
	// peak of s (a few linear periods); the horizon doubles until one loop
	// and a half (three crossings of y = 0 after the start) are seen.
	scale := math.Abs(v0) + math.Abs(vs) + out.Overshoot*out.Overshoot
	horizon := 4*out.Overshoot/m.Alpha + 4*m.SmallPeriod()
	for try := 0; ; try++ {
		drift := 0.0
		sol, err := ode.Solve(ode.Problem{F: m.RHS, Y0: []float64{y0, math.Log(s0)}, T1: horizon}, ode.DOP853(), ode.PI{RTol: rtol, ATol: rtol}, ode.Options{
			SaveAt: ode.SaveAt{Steps: true, Func: func(_ float64, yr []float64) error {
				drift = math.Max(drift, math.Abs(m.Invariant(yr[0], math.Exp(yr[1]))-v0))
				return nil
			}},
			Events: []ode.Event{
				{G: func(_ float64, yr []float64) float64 { return yr[0] }},      // y = 0: s extremal
				{G: func(_ float64, yr []float64) float64 { return yr[1] - rs }}, // s = s*: y extremal
			},
		})
		if err != nil {
			return out, fmt.Errorf("flow: self-stabilisation loop: %w", err)
		}
		out.Stats, out.Drift = sol.Stats, drift/scale
		var ups, downs []float64
		firstY, firstS := true, true
		for _, e := range sol.Events {
			switch {
			case e.Event == 0 && e.Rising:
				ups = append(ups, e.T)
			case e.Event == 0:
				downs = append(downs, e.T)
				if firstS {
					out.TimeToSpike, out.NumPeakS, firstS = e.T, math.Exp(e.Y[1]), false
				}
			case e.Rising && e.Y[0] > 0 && firstY: // s rising through s* with y > 0: y at its maximum
				out.TimeToOvershoot, out.NumOvershoot, firstY = e.T, e.Y[0], false
			}
		}
		if len(ups) >= 2 && len(downs) >= 1 && !firstY && !firstS {
			out.Period = ups[1] - ups[0]
			for _, d := range downs {
				if d > ups[0] {
					out.OvershootDuration = d - ups[0]
					break
				}
			}
			return out, nil
		}
		if try == 10 {
			return out, fmt.Errorf("flow: self-stabilisation loop not closed within t = %g", horizon)
		}
		horizon *= 2
	}
}

// GDLoop is the first self-stabilisation loop of a GD run, read from its
// trace (see FirstGDLoop). Steps are GD steps k (time kη).
type GDLoop struct {
	// Found reports that the sharpness rose above 2/η and fell back below.
	Found bool
	// Start is the first measured step with S > 2/η, Peak the step of the
	// largest S before End, the first measured step after Start with
	// S ≤ 2/η; Next is the next measured step after End with S > 2/η
	// (−1 when the trace has none).
	Start, Peak, End, Next int
	// Overshoot is the largest S − 2/η, Duration = (End − Start)·η the time
	// above 2/η, Period = (Next − Start)·η the time to the next loop (0
	// when Next is −1). Their resolution is the measurement interval.
	Overshoot, Duration, Period float64
	// SpikeStep is the step of the largest loss from Start to Next (to the
	// end of the trace when there is no next loop) and LossSpike its rise
	// above the loss at Start: the time-averaged loss ½(L_k + L_{k+1}) where
	// the trace has consecutive steps, the iterate loss otherwise.
	SpikeStep int
	LossSpike float64
}

// FirstGDLoop finds GD's first self-stabilisation loop in a trace given as
// plain slices of equal length: the steps (increasing), the iterate losses,
// the sharpness measured at them (the centre sharpness S(θ̄_k) or the
// iterates'; NaN where not measured) and the step size η. It does not
// depend on how the trace was produced. A trace whose sharpness never
// exceeds 2/η, or never comes back, gives Found = false (and the fields
// reached so far).
func FirstGDLoop(steps []int, loss, sharpness []float64, eta float64) (GDLoop, error) {
	n := len(steps)
	if len(loss) != n || len(sharpness) != n {
		return GDLoop{}, fmt.Errorf("flow: GD trace with %d steps, %d losses and %d sharpness values", n, len(loss), len(sharpness))
	}
	if !(eta > 0) {
		return GDLoop{}, fmt.Errorf("flow: GD trace step size η = %g, want η > 0", eta)
	}
	for i := 1; i < n; i++ {
		if steps[i] <= steps[i-1] {
			return GDLoop{}, fmt.Errorf("flow: GD trace steps not increasing at index %d (%d after %d)", i, steps[i], steps[i-1])
		}
	}
	thr := 2 / eta
	out := GDLoop{Start: -1, Peak: -1, End: -1, Next: -1, SpikeStep: -1}
	iStart, iEnd, iNext := -1, -1, -1
	for i, s := range sharpness {
		if math.IsNaN(s) {
			continue
		}
		switch {
		case iStart < 0 && s > thr:
			iStart = i
			out.Start, out.Peak, out.Overshoot = steps[i], steps[i], s-thr
		case iStart >= 0 && iEnd < 0 && s > thr:
			if s-thr > out.Overshoot {
				out.Peak, out.Overshoot = steps[i], s-thr
			}
		case iStart >= 0 && iEnd < 0:
			iEnd = i
			out.End = steps[i]
			out.Duration = float64(steps[i]-out.Start) * eta
		case iEnd >= 0 && s > thr:
			iNext = i
			out.Next = steps[i]
			out.Period = float64(steps[i]-out.Start) * eta
		}
		if iNext >= 0 {
			break
		}
	}
	if iStart < 0 {
		return out, nil
	}
	avg := func(i int) float64 {
		if i+1 < n && steps[i+1] == steps[i]+1 {
			return 0.5 * (loss[i] + loss[i+1])
		}
		return loss[i]
	}
	last := n - 1
	if iNext >= 0 {
		last = iNext
	}
	base := avg(iStart)
	for i := iStart; i <= last; i++ {
		if v := avg(i) - base; out.SpikeStep < 0 || v > out.LossSpike {
			out.SpikeStep, out.LossSpike = steps[i], v
		}
	}
	out.Found = iEnd >= 0
	return out, nil
}
