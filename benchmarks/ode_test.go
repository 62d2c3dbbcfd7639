package benchmarks

import (
	"fmt"
	"math"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// BenchmarkODEArenstorf integrates the Arenstorf orbit over one period (HNW
// I, §II.0; the anchor w5_ode.py runs the same problem with
// SciPy's solve_ivp) with DOP853 and DP5 under the PI controller at
// rtol = atol = tol. One op is a whole integration (Init + Run on a reused
// integrator, so 0 allocs/op). Metrics: rhs-evals/op and steps/op
// (deterministic), and err-at-T = ‖y(T) − y₀‖₂ (the orbit is periodic) in units
// of 1e-9 (the testing package prints smaller values as 0.0000000).
//
//	go test ./benchmarks -run '^$' -bench ODEArenstorf -benchtime 200x
func BenchmarkODEArenstorf(b *testing.B) {
	y0 := reference.ArenstorfY0()
	p := ode.Problem{F: reference.Arenstorf, Y0: y0, T0: 0, T1: reference.ArenstorfPeriod}
	for _, m := range []ode.Method{ode.DOP853(), ode.DP5()} {
		for _, tol := range []float64{1e-6, 1e-9, 1e-12} {
			b.Run(fmt.Sprintf("method=%s/tol=%.0e", m.Name(), tol), func(b *testing.B) {
				it := ode.NewIntegrator(m)
				ctrl := ode.PI{RTol: tol, ATol: tol}
				run := func() {
					if err := it.Init(p, ctrl, ode.Options{}); err != nil {
						b.Fatal(err)
					}
					if err := it.Run(); err != nil {
						b.Fatal(err)
					}
				}
				run() // warm-up: sizes the buffers
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					run()
				}
				b.StopTimer()
				var e float64
				for i, v := range it.Y() {
					e += (v - y0[i]) * (v - y0[i])
				}
				s := it.Stats()
				b.ReportMetric(float64(s.Evals), "rhs-evals/op")
				b.ReportMetric(float64(s.Steps), "steps/op")
				b.ReportMetric(math.Sqrt(e)/1e-9, "err-at-T/1e-9")
			})
		}
	}
}

// BenchmarkODEGradientFlow integrates the gradient flow θ' = −∇E(θ) of the
// anchor's two-layer network (w5_ode.py part (ii): n = 500,
// d = 32, m = 512, tanh, NTK scaling, the width-4 teacher's labels, the
// anchors' exact initialisation) from t = 0 to 50 at rtol = atol = 1e-6, with
// DP5 and DOP853. One op is a whole integration. Metrics: rhs-evals/op
// (gradients; SciPy needs 110 with either RK45 or DOP853) and the loss at
// T = 50.
//
//	go test ./benchmarks -run '^$' -bench ODEGradientFlow -benchtime 5x
func BenchmarkODEGradientFlow(b *testing.B) {
	set, err := data.Anchor(data.AnchorN, data.AnchorD, data.AnchorTeacher)
	if err != nil {
		b.Fatal(err)
	}
	const m = 512
	net, err := model.NewTwoLayer(model.TwoLayerConfig{
		Width: m, Activation: model.Tanh, Scaling: model.NTK, Outputs: 1,
		N: set.N, D: set.D, X: set.X, Y: set.Y,
	})
	if err != nil {
		b.Fatal(err)
	}
	theta0 := data.AnchorInit(m, set.D)
	p := ode.Problem{F: flow.NewGradient(net).RHS, Y0: theta0, T0: 0, T1: 50}
	for _, meth := range []ode.Method{ode.DP5(), ode.DOP853()} {
		b.Run("method="+meth.Name()+"/problem=twolayer-m512-ntk", func(b *testing.B) {
			it := ode.NewIntegrator(meth)
			ctrl := ode.PI{RTol: 1e-6, ATol: 1e-6}
			run := func() {
				if err := it.Init(p, ctrl, ode.Options{}); err != nil {
					b.Fatal(err)
				}
				if err := it.Run(); err != nil {
					b.Fatal(err)
				}
			}
			run()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				run()
			}
			b.StopTimer()
			b.ReportMetric(float64(it.Stats().Evals), "rhs-evals/op")
			b.ReportMetric(net.Loss(it.Y()), "loss-at-T")
		})
	}
}
