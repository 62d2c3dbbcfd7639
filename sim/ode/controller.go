package ode

import (
	"fmt"
	"math"
)

// Controller chooses the step sizes. It is Fixed or PI.
type Controller interface {
	controller()
}

// Fixed takes steps of constant size H: the step endpoints are
// T0 + k·H (computed by multiplication, not accumulation), and the last step
// ends exactly at T1. When the last step would be shorter than 1e-8·H it is
// merged into the one before, so that (T1−T0)/H steps are taken when H divides
// the interval up to rounding.
type Fixed struct {
	// H is the step size, positive; its sign is taken from T1 − T0.
	H float64
}

func (Fixed) controller() {}

// fixedSnap is the relative length below which a last fixed step is merged
// into the previous one.
const fixedSnap = 1e-8

// PI is the step-size controller of Hairer's dopri5/dop853 codes (HNW I,
// §II.4 and the PI stabilisation of Gustafsson, Lund and Söderlind, HNW II,
// §IV.2). The error of a step is measured in the norm
//
//	err = sqrt( (1/n) Σᵢ (eᵢ / (ATol + RTol·max(|yᵢ|, |y₁ᵢ|)))² ),
//
// (combined with the second estimator for DOP853) and the step is accepted
// when err ≤ 1. The next step is
//
//	h_new = h · clamp(Safety · err^(−Alpha) · errPrev^Beta, MinScale, MaxScale),
//
// where errPrev is the error of the last accepted step (at least 1e-4), with
// no increase directly after a rejection; a rejected step is retried with
// h · max(MinScale, Safety·err^(−Alpha)). Zero-valued tuning fields take the
// method's defaults (see DP5 and DOP853; when Alpha is zero, Alpha and Beta
// both take the defaults, so a pure I controller is Alpha = 1/(q+1) with
// Beta = 0).
type PI struct {
	// RTol and ATol are the relative and absolute tolerances (not both zero).
	RTol, ATol float64

	// Alpha and Beta are the exponents of the current and previous error.
	Alpha, Beta float64
	// Safety is the safety factor (0.9).
	Safety float64
	// MinScale and MaxScale bound the factor by which the step changes.
	MinScale, MaxScale float64

	// InitialStep is the size of the first step; zero selects it with
	// Hairer's hinit (two evaluations of f).
	InitialStep float64
	// MaxStep bounds |h|; zero means |T1 − T0|.
	MaxStep float64
	// MinStep is an absolute floor on |h|: a step smaller than it fails with
	// ErrStepSizeTooSmall. The step also fails when |h| ≤ 10·ε·|t|.
	MinStep float64
}

func (PI) controller() {}

// resolve fills the zero fields of c from the method's defaults and checks
// the settings.
func (c PI) resolve(m *RK) (PI, error) {
	if !m.Adaptive() {
		return c, fmt.Errorf("ode: PI controller needs a method with an error estimate; %s has none", m.Name())
	}
	d := m.pi
	if c.Alpha == 0 {
		c.Alpha, c.Beta = d.Alpha, d.Beta
	}
	if c.Safety == 0 {
		c.Safety = d.Safety
	}
	if c.MinScale == 0 {
		c.MinScale = d.MinScale
	}
	if c.MaxScale == 0 {
		c.MaxScale = d.MaxScale
	}
	switch {
	case !(c.RTol >= 0) || !(c.ATol >= 0) || math.IsInf(c.RTol, 0) || math.IsInf(c.ATol, 0):
		return c, fmt.Errorf("ode: tolerances must be finite and non-negative (rtol=%g, atol=%g)", c.RTol, c.ATol)
	case c.RTol == 0 && c.ATol == 0:
		return c, fmt.Errorf("ode: rtol and atol are both zero")
	case !(c.Alpha > 0) || !(c.Beta >= 0):
		return c, fmt.Errorf("ode: PI exponents must satisfy alpha > 0, beta ≥ 0 (alpha=%g, beta=%g)", c.Alpha, c.Beta)
	case !(c.Safety > 0 && c.Safety <= 1):
		return c, fmt.Errorf("ode: PI safety factor %g not in (0, 1]", c.Safety)
	case !(c.MinScale > 0 && c.MinScale < 1 && c.MaxScale > 1) || math.IsInf(c.MaxScale, 0):
		return c, fmt.Errorf("ode: PI scale bounds must satisfy 0 < min < 1 < max < ∞ (min=%g, max=%g)", c.MinScale, c.MaxScale)
	case c.InitialStep < 0 || c.MaxStep < 0 || c.MinStep < 0 ||
		math.IsNaN(c.InitialStep+c.MaxStep+c.MinStep) || math.IsInf(c.InitialStep+c.MaxStep+c.MinStep, 0):
		return c, fmt.Errorf("ode: PI step bounds must be finite and non-negative")
	}
	return c, nil
}

// hinit returns the size of the first step, as Hairer's hinit (HNW I,
// §II.4), with root-mean-square norms (as SciPy) so that the result does not
// depend on the dimension: h₀ = 0.01‖y₀‖/‖f₀‖, one explicit Euler step of
// size h₀ estimates the second derivative d₂ = ‖f(t+h₀, y₀+h₀f₀) − f₀‖/h₀,
// and h = min(100h₀, (0.01/max(‖f₀‖, d₂))^(1/p), hmax)
// where p is the method's order. It costs one evaluation of f, at y1.
func hinit(f Func, t, dir float64, y, f0, y1, f1 []float64, order int, c PI, hmax float64) float64 {
	n := float64(len(y))
	var dnf, dny float64
	for i, yi := range y {
		sk := c.ATol + c.RTol*math.Abs(yi)
		dnf += (f0[i] / sk) * (f0[i] / sk)
		dny += (yi / sk) * (yi / sk)
	}
	dnf = math.Sqrt(dnf / n)
	dny = math.Sqrt(dny / n)
	h := 1e-6
	if dnf > 1e-5 && dny > 1e-5 {
		h = 0.01 * dny / dnf
	}
	h = math.Min(h, hmax)
	for i := range y {
		y1[i] = y[i] + dir*h*f0[i]
	}
	f(t+dir*h, y1, f1)
	var der2 float64
	for i, yi := range y {
		sk := c.ATol + c.RTol*math.Abs(yi)
		d := (f1[i] - f0[i]) / sk
		der2 += d * d
	}
	der2 = math.Sqrt(der2/n) / h
	der12 := math.Max(der2, dnf)
	var h1 float64
	if der12 <= 1e-15 {
		h1 = math.Max(1e-6, h*1e-3)
	} else {
		h1 = math.Pow(0.01/der12, 1/float64(order))
	}
	h = math.Min(math.Min(100*h, h1), hmax)
	if !(h > 0) || math.IsInf(h, 0) {
		// f0 or f1 was not finite: start small and let the step
		// control (and its non-finite detection) take over.
		h = math.Min(1e-6, hmax)
	}
	return h
}
