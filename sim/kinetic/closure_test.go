package kinetic

import (
	"math"
	"testing"

	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// TestClosureBelowThreshold: where λ₁ < 2/η the slaved amplitude is 0 and
// the closure's velocity is the particle system's at δ = 0 (the mean-field
// gradient flow), bit for bit (½(g + g) = g).
func TestClosureBelowThreshold(t *testing.T) {
	nc := netCase{act: model.Tanh, m: 12, n: 15, d: 3, c: 1, seed: 81}
	theta0, _ := nc.initLaw(nc.seed, 0)
	l0, _, err := nc.system(t, 1).Top(theta0)
	if err != nil {
		t.Fatal(err)
	}
	s := nc.system(t, 0.5/l0)
	cl := NewClosure(s)
	delta, lambda, sigma, err := cl.Slave(theta0)
	if err != nil {
		t.Fatal(err)
	}
	if sigma != 0 || sumSq(delta) != 0 || lambda >= 2/s.GDStep() {
		t.Fatalf("below the threshold (λ₁η/2 = %.3g): σ = %v", lambda*s.GDStep()/2, sigma)
	}
	dth := make([]float64, s.Params())
	cl.RHS(0, theta0, dth)
	dy := make([]float64, s.Dim())
	s.RHS(0, s.State(theta0, nil), dy)
	if !sameBits(dth, dy[:s.Params()]) {
		t.Error("closure velocity differs from the particle system's at δ = 0")
	}
}

// TestClosureHoldsSharpness: started above the threshold (λ₁(θ₀) = 1.2 ×
// 2/η), the closure pulls the sharpness back to 2/η within its relaxation
// time and holds it there, with a non-zero slaved amplitude, while 𝓕
// decreases.
func TestClosureHoldsSharpness(t *testing.T) {
	nc := netCase{act: model.Tanh, m: 16, n: 20, d: 3, c: 1, seed: 51}
	s, y0 := eosCase(t, nc, 1e-3)
	cl := NewClosure(s)
	eta := s.GDStep()
	var lams, sigs []float64
	_, err := flow.Sample(cl.RHS, y0[:s.Params()], s.Grid(200, 10, 0, 0), ode.RK4(), ode.Fixed{H: s.ParticleStep() / 4},
		func(k int, _ float64, theta []float64) error {
			_, l, sg, err := cl.Slave(theta)
			lams, sigs = append(lams, l*eta/2), append(sigs, sg)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	if lams[0] < 1.1 || sigs[0] == 0 {
		t.Fatalf("start: λ₁η/2 = %.4g, σ = %v: not above the threshold", lams[0], sigs[0])
	}
	// After 5 relaxation times (50 steps) the overshoot has decayed by
	// e⁻⁵ from 0.2 (1.35e-3), up to RK4's error at step η̃/4.
	for i := 5; i < len(lams); i++ {
		if math.Abs(lams[i]-1) > 2e-3 {
			t.Errorf("sample %d: λ₁η/2 = %.5f, not held at 1", i, lams[i])
		}
	}
	t.Logf("λ₁η/2: %.4f … %.4f; σ: %.3g … %.3g", lams[0], lams[len(lams)-1], sigs[0], sigs[len(sigs)-1])
}

// TestRelaxToCycle: at a GD 2-cycle of a small network (a stationary point
// of the particle system, TestStationaryIsTwoCycle) the δ-equation at
// frozen θ is at rest; Relax from a perturbed δ returns to it when that
// rest point is stable, and its residual reports how close it got.
func TestRelaxToCycle(t *testing.T) {
	nc := netCase{act: model.Tanh, m: 2, n: 8, d: 1, c: 1, seed: 61}
	theta0, _ := nc.initLaw(nc.seed, 0)
	l0, _, err := nc.system(t, 1).Top(theta0)
	if err != nil {
		t.Fatal(err)
	}
	s := nc.system(t, 2.2/l0)
	d0, err := s.SeedDelta(theta0, 1e-2)
	if err != nil {
		t.Fatal(err)
	}
	y := integrateTo(t, s, s.State(theta0, d0), 2000)
	p := s.Params()
	want := append([]float64(nil), y[p:]...)
	for i := range want {
		y[p+i] *= 1.05
	}
	got, info, err := s.Relax(y, 200*s.ParticleStep(), 1e-11)
	if err != nil {
		t.Fatal(err)
	}
	// Integrated to rest at tolerance 1e-11 over 200 steps of a linearly
	// stable rest point: 1e-8 relative.
	if e := maxRel(got, want); e > 1e-8 || info.Residual > 1e-8 {
		t.Errorf("relaxed δ differs from the cycle's by %.3g (residual %.3g; rms %.4g → %.4g)", e, info.Residual, info.DeltaRMS0, info.DeltaRMS)
	}
}
