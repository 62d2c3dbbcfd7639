package kinetic

import (
	"math"
	"testing"

	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// eosCase returns a small network at the Edge of Stability from its start:
// η = 2.4/λ₁(θ₀) (particle sharpness 1.2 × 2/η̃), δ₀ along the top
// eigenvector with root mean square rms.
func eosCase(t testing.TB, nc netCase, rms float64) (*System, []float64) {
	t.Helper()
	theta0, _ := nc.initLaw(nc.seed, 0)
	s1 := nc.system(t, 1)
	l0, _, err := s1.Top(theta0)
	if err != nil {
		t.Fatal(err)
	}
	s := nc.system(t, 2.4/l0)
	d0, err := s.SeedDelta(theta0, rms)
	if err != nil {
		t.Fatal(err)
	}
	return s, s.State(theta0, d0)
}

// TestEnergyIdentityPointwise checks d𝓕/dt̃ = −∫|∇_θV|²dν + ∫|∇_δV|²dν
// (design notes §6.2, O25) at single states: the derivative of 𝓕 along the
// velocity by central differences (error O(ε²)) against the two terms.
func TestEnergyIdentityPointwise(t *testing.T) {
	for _, nc := range smallCases[:4] {
		t.Run(nc.String(), func(t *testing.T) {
			s, y := eosCase(t, nc, 0.05)
			dy := make([]float64, s.Dim())
			de, as := s.EnergyRates(y, dy)
			const eps = 1e-5
			yp, ym := make([]float64, len(y)), make([]float64, len(y))
			for i := range y {
				yp[i], ym[i] = y[i]+eps*dy[i], y[i]-eps*dy[i]
			}
			fd := (s.FreeEnergy(yp) - s.FreeEnergy(ym)) / (2 * eps)
			// O(ε²) ≈ 1e-10 relative truncation, plus round-off of 𝓕
			// (1e-16·|𝓕|/ε ≈ 1e-11·|𝓕|).
			if e := math.Abs(fd - (as - de)); e > 1e-7*(de+as)+1e-10*math.Abs(s.FreeEnergy(y)) {
				t.Errorf("d𝓕/dt̃: finite difference %.10g, identity %.10g (−%.4g + %.4g)", fd, as-de, de, as)
			}
		})
	}
}

// TestEnergyIdentityTrajectory checks the identity along a DP5 solution
// through the onset of the oscillation: 𝓕(t̃) − 𝓕(0) against the integral
// of the identity's rate (Simpson's rule on samples 1/32 of a step apart).
func TestEnergyIdentityTrajectory(t *testing.T) {
	nc := netCase{act: model.Tanh, m: 16, n: 20, d: 3, c: 1, seed: 51}
	s, y0 := eosCase(t, nc, 1e-3)
	const K, sub = 60, 32
	g := s.Grid(K*sub, 1, 0, 0)
	g.Eta /= sub
	ser, _, err := ParticleSeries(s, y0, g, ode.DP5(), ode.PI{RTol: 1e-12, ATol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	h := g.Eta
	var integral, scale float64
	for i := 2; i < len(ser.F); i += 2 {
		integral += h / 3 * (ser.Rate(i-2) + 4*ser.Rate(i-1) + ser.Rate(i))
		scale += h / 3 * (ser.Descent[i-2] + ser.Ascent[i-2] + 4*(ser.Descent[i-1]+ser.Ascent[i-1]) + ser.Descent[i] + ser.Ascent[i])
		diff := ser.F[i] - ser.F[0]
		// Simpson's error on the sampled rate plus the DP5 error of 𝓕
		// at tolerance 1e-12: 1e-6 of the integrated |rate|.
		if e := math.Abs(diff - integral); e > 1e-6*scale {
			t.Fatalf("t̃ = %.4g: 𝓕 changed by %.10g, the identity integrates to %.10g", ser.T[i], diff, integral)
		}
	}
	v := ser.Verdict(0)
	if v.PositiveRate == 0 && v.MaxAscentRatio < 1e-3 {
		t.Fatalf("the oscillation never mattered (max ascent/descent %.3g): the test checks nothing of the ascent", v.MaxAscentRatio)
	}
	t.Logf("%v", v)
}

var _ = flow.Grid{}
