package benchmarks

import (
	"fmt"
	"testing"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/kernel"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// freeEnergySteps is the window of the free-energy benchmarks: the time of
// 20 GD steps, t ∈ [0, 20η] (2 under -short, for make bench-smoke).
func freeEnergySteps() int {
	if testing.Short() {
		return 2
	}
	return 20
}

// BenchmarkFreeEnergyFlow integrates the continuous models over the time of
// 20 GD steps on the anchors' Edge-of-Stability problem (anchor-eos:
// two-layer tanh net m = 512, mean-field, n = 500, d = 32, random labels,
// η = 862, the anchors' initialisation), against 20 steps of GD itself:
// impl=gd (one gradient per step), impl=gradient-flow, impl=model-a (two
// gradients per right-hand side), impl=model-b-r1 (second order, rank 1: a
// gradient, an HVP and a third-derivative product per right-hand side) and
// impl=model-b-sym-r1, all with DP5 at rtol = atol = 1e-6, the models
// started with the amplitude a₀ = 10⁻³·v/|v|, v the anchors' probe vector
// (SplitMix64 seed 4, data.ProbeVector). One op is the whole window.
// golden/testdata/modela_numpy_bench.py times the same integration in
// NumPy/SciPy; compare in one session, single thread:
//
//	/usr/bin/python3 golden/testdata/modela_numpy_bench.py /path/to/shared/anchors
//	go test ./benchmarks -run '^$' -bench FreeEnergyFlow -benchtime 3x -cpu 1
//
// Metrics (deterministic): rhs-evals/op, gradients/op, hvps/op, thirds/op;
// and ms/unit-t, the wall time per unit of t.
func BenchmarkFreeEnergyFlow(b *testing.B) {
	set, err := data.Anchor(data.AnchorN, data.AnchorD, data.AnchorRandom)
	if err != nil {
		b.Fatal(err)
	}
	const m, eta = 512, 862.0
	be, err := kernel.Get(kernel.Default().Name())
	if err != nil {
		b.Fatal(err)
	}
	net, err := model.NewTwoLayer(model.TwoLayerConfig{
		Width: m, Activation: model.Tanh, Scaling: model.MeanField, Outputs: 1,
		N: set.N, D: set.D, X: set.X, Y: set.Y, Backend: be,
	})
	if err != nil {
		b.Fatal(err)
	}
	p := net.Dim()
	theta0 := data.AnchorInit(m, set.D)
	a0 := data.ProbeVector(p, data.AnchorSeedProbe)
	s := 1e-3 / gd.Norm(a0)
	for i := range a0 {
		a0[i] *= s
	}
	counted := sim.NewCounted(net)
	steps := freeEnergySteps()
	T := float64(steps) * eta
	for _, tc := range []struct {
		impl  string
		model flow.Model
		third func() int
	}{
		{"gd", nil, nil},
		{"gradient-flow", flow.NewGradient(counted), nil},
		{"model-a", flow.NewModelA(counted, eta), nil},
		{"model-b-r1", flow.NewModelB(counted, net, eta, 1, flow.SecondOrder), nil},
		{"model-b-sym-r1", flow.NewModelB(counted, nil, eta, 1, flow.Symmetrized), nil},
	} {
		b.Run(fmt.Sprintf("impl=%s/problem=anchor-eos", tc.impl), func(b *testing.B) {
			var y0 []float64
			if tc.model != nil {
				y0 = append(y0, theta0...)
				for len(y0) < tc.model.Dim() {
					y0 = append(y0, a0...)
				}
			}
			it := ode.NewIntegrator(ode.DP5())
			var f ode.Func
			if tc.model != nil {
				f = tc.model.RHS // one method value, not one per op
			}
			theta, g := make([]float64, p), make([]float64, p)
			var stats ode.Stats
			run := func() {
				if tc.model == nil {
					copy(theta, theta0)
					for range steps {
						counted.Grad(theta, g)
						for i, v := range g {
							theta[i] -= eta * v
						}
					}
					return
				}
				if err := it.Init(ode.Problem{F: f, Y0: y0, T0: 0, T1: T}, ode.PI{RTol: 1e-6, ATol: 1e-6}, ode.Options{}); err != nil {
					b.Fatal(err)
				}
				if err := it.Run(); err != nil {
					b.Fatal(err)
				}
				stats = it.Stats()
			}
			run() // warm-up: workspaces, helper goroutines
			counted.N = sim.Counts{}
			var thirds0 int
			if mb, ok := tc.model.(*flow.ModelB); ok {
				thirds0 = mb.Thirds
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				run()
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(float64(stats.Evals), "rhs-evals/op")
			b.ReportMetric(float64(counted.N.Grad)/n, "gradients/op")
			b.ReportMetric(float64(counted.N.HessVec)/n, "hvps/op")
			if mb, ok := tc.model.(*flow.ModelB); ok {
				b.ReportMetric(float64(mb.Thirds-thirds0)/n, "thirds/op")
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/(n*T), "ms/unit-t")
		})
	}
}
