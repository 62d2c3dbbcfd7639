package gd

import (
	"fmt"
	"math"
	"sort"

	"github.com/eoskit/eoskit/sim"
)

// Regime classifies where a GD run ended.
type Regime string

// The regimes Analyze distinguishes.
const (
	// Converged: the last update moved θ by less than the tolerance, and
	// so little more is left to go (see Analyze).
	Converged Regime = "converged"
	// TwoCycle: θ_N ≈ θ_{N−2} but θ_N ≠ θ_{N−1}: a period-2 orbit, the
	// "stable non-vanishing oscillation" of the Edge of Stability.
	TwoCycle Regime = "2-cycle"
	// Diverged: the loss or gradient became non-finite.
	Diverged Regime = "diverged"
	// Unsettled: none of the above within the tolerance (still moving, a
	// longer period, or chaos). A cancelled run is classified by its last
	// iterates like any other; Result.Cancelled says that it stopped early.
	Unsettled Regime = "unsettled"
)

// DefaultSettleTol is the relative tolerance Analyze uses when given 0:
// a run has settled on a fixed point or 2-cycle when the last iterates
// repeat to within DefaultSettleTol·max(1, ‖θ_N‖) — and, for a fixed
// point, the last steps shrink fast enough that what is left to go,
// estimated as the geometric remainder Step1·ρ/(1−ρ) with ρ the ratio of
// the last two steps, is within it too, so that a small η creeping towards
// a minimum is not taken for convergence. The estimate is a heuristic: a
// fast mode dominating the last steps can hide a slow one (the run then
// reads as converged while a slow direction still has far to go).
const DefaultSettleTol = 1e-9

// Analysis is the period-2 analysis of the end of a run.
type Analysis struct {
	Regime Regime
	// Tol is the relative tolerance used for the classification.
	Tol float64
	// Step1 = ‖θ_N − θ_{N−1}‖ / max(1, ‖θ_N‖) and
	// Step2 = ‖θ_N − θ_{N−2}‖ / max(1, ‖θ_N‖), the repetition residuals
	// the regime is decided on (NaN when fewer iterates were observed).
	Step1, Step2 float64
	// Losses are E(θ_{N−1}) and E(θ_N) in increasing order: for a 2-cycle,
	// the two losses it alternates between.
	Losses [2]float64
	// Center θ̄ = (θ_{N−1} + θ_N)/2 and Amplitude a = (θ_N − θ_{N−1})/2,
	// so that θ_N = θ̄ + a and θ_{N−1} = θ̄ − a (exact for a 2-cycle).
	Center, Amplitude []float64
	// AmplitudeSq = |a|², CenterLoss = E(θ̄), MeanLoss = ½(E(θ̄+a) + E(θ̄−a)),
	// the time-averaged loss on the cycle.
	AmplitudeSq, CenterLoss, MeanLoss float64
}

// Analyze classifies the end of a run from its last iterates (res.Last),
// evaluating the loss of obj at the last two iterates and at their midpoint.
// tol ≤ 0 selects DefaultSettleTol.
func Analyze(obj sim.Objective, res Result, tol float64) (Analysis, error) {
	if tol <= 0 {
		tol = DefaultSettleTol
	}
	a := Analysis{Tol: tol, Step1: math.NaN(), Step2: math.NaN()}
	n := len(res.Last)
	if n == 0 {
		return a, fmt.Errorf("gd: Analyze: the run observed no state")
	}
	last := res.Last[n-1]
	scale := math.Max(1, Norm(last))
	// back(i, j) = ‖θ_{N−i} − θ_{N−j}‖ / scale, NaN when not observed.
	back := func(i, j int) float64 {
		if n <= j {
			return math.NaN()
		}
		return dist(res.Last[n-1-i], res.Last[n-1-j]) / scale
	}
	a.Step1, a.Step2 = back(0, 1), back(0, 2)
	switch {
	case res.Diverged:
		a.Regime = Diverged
	case a.Step1 <= tol:
		// A small step is not enough: with a small η, GD creeps. The
		// steps of a run converging linearly shrink by ρ, leaving about
		// Step1·ρ/(1−ρ) to go, which must be within tol too.
		a.Regime = Unsettled
		if settled(a.Step1, back(1, 2), tol) {
			a.Regime = Converged
		}
	case a.Step2 <= tol:
		// (A creeping run has Step1 ≤ tol too and was decided above.)
		a.Regime = TwoCycle
	default:
		a.Regime = Unsettled
	}
	if n < 2 {
		l := obj.Loss(last)
		a.Losses = [2]float64{l, l}
		a.Center = append([]float64(nil), last...)
		a.Amplitude = make([]float64, len(last))
		a.CenterLoss, a.MeanLoss = l, l
		return a, nil
	}
	prev := res.Last[n-2]
	l0, l1 := obj.Loss(prev), obj.Loss(last)
	a.Losses = [2]float64{l0, l1}
	sort.Float64s(a.Losses[:])
	a.Center = make([]float64, len(last))
	a.Amplitude = make([]float64, len(last))
	for i := range last {
		a.Center[i] = 0.5 * (prev[i] + last[i])
		a.Amplitude[i] = 0.5 * (last[i] - prev[i])
		a.AmplitudeSq += a.Amplitude[i] * a.Amplitude[i]
	}
	a.CenterLoss = obj.Loss(a.Center)
	a.MeanLoss = 0.5 * (l0 + l1)
	return a, nil
}

// settleNoise is the relative movement taken as rounding noise: a run that
// moves less than this has stopped, whatever its last steps' ratio. Near a
// minimum, GD moves θ by a constant number of ulps per step once its steps
// are a few tens of ulps long (measured: ρ̂ = 1 exactly at 66–87 ε while the
// true ratio was 0.998), so the ratio says nothing there; 2¹⁰ ε ≈ 2.3e-13
// leaves a margin above that.
const settleNoise = 0x1p10 * 0x1p-52

// settled reports whether a sequence whose last two differences are d and
// (before it) dPrev has settled to within tol: d is rounding noise, or the
// differences shrink (ρ = d/dPrev < 1) and the geometric remainder
// d·ρ/(1−ρ) is within tol.
func settled(d, dPrev, tol float64) bool {
	if d <= settleNoise {
		return true
	}
	if !(dPrev > 0) {
		return false
	}
	rho := d / dPrev
	return rho < 1 && d*rho/(1-rho) <= tol
}

func dist(x, y []float64) float64 {
	var s float64
	for i := range x {
		d := x[i] - y[i]
		s += d * d
	}
	return math.Sqrt(s)
}
