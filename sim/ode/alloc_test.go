package ode_test

import (
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/ode"
)

// TestAllocs checks that stepping allocates nothing: a Step, an Until, and
// a whole re-initialised integration with saved points (streamed, or stored
// into the capacity left by the previous run) and events.
func TestAllocs(t *testing.T) {
	p := arenstorfProblem()
	crossings := func(_ float64, y []float64) float64 { return y[1] } // the orbit crosses y₂ = 0 four times
	for _, m := range []ode.Method{ode.Euler(), ode.RK4(), ode.DP5(), ode.DOP853()} {
		var ctrl ode.Controller = ode.Fixed{H: reference.ArenstorfPeriod / 2000}
		if m.Adaptive() {
			ctrl = ode.PI{RTol: 1e-9, ATol: 1e-9}
		}
		it := ode.NewIntegrator(m)
		if err := it.Init(p, ctrl, ode.Options{}); err != nil {
			t.Fatal(err)
		}
		step := testing.AllocsPerRun(100, func() {
			if err := it.Step(); err != nil {
				t.Fatal(err)
			}
		})

		if err := it.Init(p, ctrl, ode.Options{}); err != nil {
			t.Fatal(err)
		}
		y := make([]float64, 4)
		tt := 0.0
		until := testing.AllocsPerRun(100, func() {
			tt += 0.05
			if err := it.Until(tt, y); err != nil {
				t.Fatal(err)
			}
		})

		var count int
		streamed := ode.Options{
			SaveAt: ode.SaveAt{Every: 0.01, Func: func(float64, []float64) error { count++; return nil }},
			Events: []ode.Event{{G: crossings}},
		}
		stored := ode.Options{SaveAt: ode.SaveAt{Every: 0.01, Steps: true}, Events: []ode.Event{{G: crossings}}}
		run := func(o ode.Options) func() {
			return func() {
				if err := it.Init(p, ctrl, o); err != nil {
					t.Fatal(err)
				}
				if err := it.Run(); err != nil {
					t.Fatal(err)
				}
			}
		}
		runStreamed := testing.AllocsPerRun(3, run(streamed))
		runStored := testing.AllocsPerRun(3, run(stored))
		if n := len(it.Solution().Events); n < 2 || it.Solution().Len() < 1700 {
			t.Fatalf("%s: the run recorded %d events and %d points; the test needs some", m.Name(), n, it.Solution().Len())
		}
		if step != 0 || until != 0 || runStreamed != 0 || runStored != 0 {
			t.Errorf("%s: allocations per Step %v, Until %v, streamed run %v, stored run %v; want 0",
				m.Name(), step, until, runStreamed, runStored)
		}
	}
}
