package kinetic

import (
	"flag"
	"fmt"
	"math"
	"testing"

	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// The measurements behind the README's section on the kinetic description
// (minutes to an hour on one core; skipped unless asked for):
//
//	go test ./sim/kinetic -run Measure -kinetic.measure -v -timeout 3h
//
// They print what they measure and assert only what must hold whatever
// the outcome (the energy identity along the runs).
var measure = flag.Bool("kinetic.measure", false, "run the measurements behind the README (minutes)")

func needMeasure(t *testing.T) {
	if !*measure {
		t.Skip("a measurement: run with -kinetic.measure")
	}
}

// anchorSystem returns the particle system of width m on the anchors' data
// (n = 200, d = 16, random or teacher labels), θ₀ from the iid law of
// netCase.initLaw (seed 1) and η = fac/λ₁(θ₀), with δ₀ of rms 10⁻⁴ along
// u₁(θ₀).
func anchorSystem(t *testing.T, labels string, m int, fac float64) (*System, []float64) {
	t.Helper()
	set, err := data.Anchor(200, 16, labels)
	if err != nil {
		t.Fatal(err)
	}
	cfg := model.TwoLayerConfig{Width: m, Activation: model.Tanh, Scaling: model.MeanField, Outputs: 1,
		N: set.N, D: set.D, X: set.X, Y: set.Y}
	theta0, _ := netCase{m: m, d: set.D, c: 1}.initLaw(1, 0)
	s1, err := NewFromConfig(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	l0, _, err := s1.Top(theta0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewFromConfig(cfg, fac/l0)
	if err != nil {
		t.Fatal(err)
	}
	d0, err := s.SeedDelta(theta0, 1e-4)
	if err != nil {
		t.Fatal(err)
	}
	return s, s.State(theta0, d0)
}

// checkIdentity fails the test when 𝓕 along a particle series disagrees
// with the integral of the identity's rate (Simpson's rule on the samples,
// a quarter of a GD step apart) by more than 1% of the integrated |rate|: a
// guard that the verdict reads a correctly integrated 𝓕.
func checkIdentity(t *testing.T, ser *Series) {
	var integral, scale float64
	n := len(ser.F) - 1 - (len(ser.F)-1)%2
	for i := 2; i <= n; i += 2 {
		h := ser.T[i] - ser.T[i-1]
		integral += h / 3 * (ser.Rate(i-2) + 4*ser.Rate(i-1) + ser.Rate(i))
		scale += h / 3 * (ser.Descent[i-2] + ser.Ascent[i-2] + 4*(ser.Descent[i-1]+ser.Ascent[i-1]) + ser.Descent[i] + ser.Ascent[i])
	}
	if diff := ser.F[n] - ser.F[0]; math.Abs(diff-integral) > 0.01*scale {
		t.Errorf("%s: 𝓕 changed by %.6g, the identity integrates to %.6g", ser.Name, diff, integral)
	}
}

// TestMeasureW2 measures whether 𝓕 decreases along the particle flow
// (800 GD steps, m = 64, DP5 at 1e-9, samples every quarter step, a rise
// counting above 10⁻¹⁰; the steps the verdict names are GD steps) for
// random and teacher labels and several step sizes, and along the closure
// for two of them (RK4, step η̃/4, samples every step).
func TestMeasureW2(t *testing.T) {
	needMeasure(t)
	const K, sub, tol = 800, 4, 1e-10
	for _, lab := range []string{data.AnchorRandom, data.AnchorTeacher} {
		for _, fac := range []float64{1.5, 2.2, 3, 4, 6} {
			s, y0 := anchorSystem(t, lab, 64, fac)
			g := s.Grid(sub*K, 1, 0, 0)
			g.Eta /= sub
			ser, st, err := ParticleSeries(s, y0, g, ode.DP5(), ode.PI{RTol: 1e-9, ATol: 1e-9})
			if err != nil {
				t.Fatal(err)
			}
			checkIdentity(t, ser)
			v := ser.Verdict(tol)
			v.MaxRiseStep /= sub
			v.MaxRateStep /= sub
			fmt.Printf("W2 %s labels, η = %.1f/λ₁(θ₀), m = 64, %d RHS: F₀ = %.4g, F_end = %.4g\n  %v\n", lab, fac, st.Evals, ser.F[0], ser.F[len(ser.F)-1], v)
		}
	}
	for _, c := range []struct {
		lab string
		fac float64
	}{{data.AnchorTeacher, 2.2}, {data.AnchorRandom, 3}} {
		s, y0 := anchorSystem(t, c.lab, 64, c.fac)
		cl := NewClosure(s)
		ser, _, err := ClosureSeries(cl, y0[:s.Params()], s.Grid(K, 1, 0, 0), ode.RK4(), ode.Fixed{H: s.ParticleStep() / 4})
		if err != nil {
			t.Fatal(err)
		}
		e := &Series{Name: "closure E_m(θ)", Steps: ser.Steps, T: ser.T, F: ser.Center, Descent: ser.Descent, Ascent: ser.Ascent}
		fmt.Printf("closure %s labels, η = %.1f/λ₁(θ₀), m = 64 (%d HVPs, %d gradients, %d thirds)\n  %v\n  %v\n", c.lab, c.fac,
			cl.HVPs, cl.Grads, cl.Thirds, ser.Verdict(tol), e.Verdict(tol))
	}
}

// TestMeasureRelax measures where the δ-equation at frozen θ goes from the
// particle flow's states at the Edge of Stability (random labels, m = 256,
// η = 1.5/λ₁(θ₀)): the candidate closure "δ at rest at frozen θ".
func TestMeasureRelax(t *testing.T) {
	needMeasure(t)
	s, y0 := anchorSystem(t, data.AnchorRandom, 256, 1.5)
	states := map[int][]float64{}
	_, err := flow.Sample(s.RHS, y0, s.Grid(400, 100, 0, 0), ode.DP5(), ode.PI{RTol: 1e-7, ATol: 1e-7},
		func(k int, _ float64, y []float64) error {
			states[k] = append([]float64(nil), y...)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{100, 200, 300, 400} {
		l, _, err := s.Top(states[k][:s.Params()])
		if err != nil {
			t.Fatal(err)
		}
		_, info, err := s.Relax(states[k], 3000*s.ParticleStep(), 1e-9)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("relax at step %d (λ₁η/2 = %.4f): δ rms %.3g → %.3g (residual %.2g), 𝓕 %.4g → %.4g\n",
			k, l*s.GDStep()/2, info.DeltaRMS0, info.DeltaRMS, info.Residual, info.FreeEnergy0, info.FreeEnergy)
	}
}
