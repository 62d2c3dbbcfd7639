package benchmarks

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/kinetic"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// measure asks for TestMeasureIntegrators.
var measure = flag.Bool("kinetic.measure", false, "run the integrator measurement behind the README (minutes)")

// kineticSteps is the window of BenchmarkKinetic: the time of 10 GD steps
// (2 under -short, the smoke run).
func kineticSteps() int {
	if testing.Short() {
		return 2
	}
	return 10
}

// kineticWidths returns the widths of BenchmarkKinetic: 512 and 4096, and
// the target width 16384 when EOSKIT_BENCH_WIDE=1 (its set-up alone, a
// Lanczos solve for the threshold and the seed, takes about a minute).
func kineticWidths() []int {
	if os.Getenv("EOSKIT_BENCH_WIDE") == "1" {
		return []int{512, 4096, 16384}
	}
	return []int{512, 4096}
}

// kineticProblem returns the network of width m on 500 MNIST images (10
// classes, 2×2-pooled to 14×14, each pixel standardised: mnist-eos's data),
// θ₀ from mnist-eos's law (w_i ~ N(0, I/d), a_i ~ N(0, 0.01 I), seed 1),
// the GD step η = 2/λ₁(θ₀) (the start at the threshold, where explicit
// methods are limited by stability) and δ₀ of rms 10⁻³ along u₁(θ₀).
func kineticProblem(b testing.TB, m int) (*kinetic.System, []float64) {
	b.Helper()
	set, err := data.MNIST(data.MNISTConfig{N: 500, Downsample: true, Standardize: data.StandardizeFeature})
	if err != nil {
		b.Fatal(err)
	}
	net, err := model.NewTwoLayer(model.TwoLayerConfig{Width: m, Activation: model.Tanh, Scaling: model.MeanField,
		Outputs: set.C, N: set.N, D: set.D, X: set.X, Y: set.Y})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	theta := make([]float64, net.Dim())
	for i := range theta {
		if i < m*set.D {
			theta[i] = rng.NormFloat64() / math.Sqrt(float64(set.D))
		} else {
			theta[i] = 0.1 * rng.NormFloat64()
		}
	}
	s, err := kinetic.New(net, 1)
	if err != nil {
		b.Fatal(err)
	}
	l, u, err := s.Top(theta)
	if err != nil {
		b.Fatal(err)
	}
	s, err = kinetic.New(net, 2/l)
	if err != nil {
		b.Fatal(err)
	}
	c := 1e-3 * math.Sqrt(float64(m))
	for i := range u {
		u[i] *= c
	}
	return s, s.State(theta, u)
}

// BenchmarkKinetic measures the cost of the particle system per unit of
// time against GD at the same width, on 500 MNIST images (kineticProblem),
// over the time of 10 GD steps (one op; 2 under -short), started at the
// Edge of Stability:
//
//   - impl=gd: 10 GD steps, one gradient each;
//   - impl=euler-h1: explicit Euler with step η̃ (= η/m), which reproduces
//     GD (both phases of its oscillation: two gradients per step);
//   - impl=rk4-h1, impl=rk4-h0.5: classical RK4 with steps η̃ and η̃/2;
//   - impl=dp5-1e-6: Dormand–Prince 5(4) at rtol = atol = 1e-6.
//
// Metrics: gradients/gd-step (deterministic: the right-hand sides' count,
// two gradients each) and cpu-ms/gd-step, the process's CPU time per unit
// of particle time η̃ (the time of one GD step; CPU rather than wall time,
// which other work on the shared machines inflates several-fold; run with
// -cpu 1, so that CPU time is the single-threaded work);
// cpu-min/1000-steps extrapolates it to the time of 1000 GD steps, the
// issue's target window (m = 16384: under 30 minutes on one core; set
// EOSKIT_BENCH_WIDE=1 for that width).
//
//	go test ./benchmarks -run '^$' -bench Kinetic -benchtime 1x -cpu 1
func BenchmarkKinetic(b *testing.B) {
	for _, m := range kineticWidths() {
		if testing.Short() && m > 512 {
			continue
		}
		s, y0 := kineticProblem(b, m)
		cobj := sim.NewCounted(s.Network())
		sc, err := kinetic.New(cobj, s.GDStep())
		if err != nil {
			b.Fatal(err)
		}
		h := sc.ParticleStep()
		steps := kineticSteps()
		T := sc.Time(steps)
		for _, tc := range []struct {
			impl string
			m    ode.Method
			c    ode.Controller
		}{
			{"gd", nil, nil},
			{"euler-h1", ode.Euler(), ode.Fixed{H: h}},
			{"rk4-h1", ode.RK4(), ode.Fixed{H: h}},
			{"rk4-h0.5", ode.RK4(), ode.Fixed{H: h / 2}},
			{"dp5-1e-6", ode.DP5(), ode.PI{RTol: 1e-6, ATol: 1e-6}},
		} {
			b.Run(fmt.Sprintf("impl=%s/shape=mnist500-m%d", tc.impl, m), func(b *testing.B) {
				p := sc.Params()
				theta, g := make([]float64, p), make([]float64, p)
				it := ode.NewIntegrator(ode.Euler())
				if tc.m != nil {
					it = ode.NewIntegrator(tc.m)
				}
				f := sc.RHS
				run := func() {
					if tc.m == nil {
						copy(theta, y0[:p])
						for range steps {
							cobj.Grad(theta, g)
							for i := range theta {
								theta[i] -= s.GDStep() * g[i]
							}
						}
						return
					}
					if err := it.Init(ode.Problem{F: f, Y0: y0, T0: 0, T1: T}, tc.c, ode.Options{}); err != nil {
						b.Fatal(err)
					}
					if err := it.Run(); err != nil {
						b.Fatal(err)
					}
				}
				run() // warm-up: workspaces, helper goroutines
				cobj.N = sim.Counts{}
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuSeconds()
				for b.Loop() {
					run()
				}
				b.StopTimer()
				n := float64(b.N)
				perStep := (cpuSeconds() - cpu0) / (n * float64(steps))
				b.ReportMetric(float64(cobj.N.Grad)/(n*float64(steps)), "gradients/gd-step")
				b.ReportMetric(perStep*1e3, "cpu-ms/gd-step")
				b.ReportMetric(perStep*1000/60, "cpu-min/1000-steps")
			})
		}
	}
}

// TestMeasureIntegrators measures the error of the integrators of
// BenchmarkKinetic over the time of 10 and 100 GD steps on its problem at
// m = 512 (500 MNIST images, started at the threshold), against DP5 at
// 1e-11, with the gradients each costs per GD step (a measurement behind the
// README, skipped unless asked for):
//
//	go test ./benchmarks -run MeasureIntegrators -kinetic.measure -v -timeout 1h
func TestMeasureIntegrators(t *testing.T) {
	if !*measure {
		t.Skip("a measurement: run with -kinetic.measure")
	}
	const m = 512
	s, y0 := kineticProblem(t, m)
	h := s.ParticleStep()
	p := s.Params()
	for _, K := range []int{10, 100} {
		final := func(me ode.Method, c ode.Controller) ([]float64, int) {
			var y []float64
			st, err := flow.Sample(s.RHS, y0, s.Grid(K, K, 0, 0), me, c, func(_ int, _ float64, yk []float64) error {
				y = append([]float64(nil), yk...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return y, st.Evals
		}
		ref, ev := final(ode.DP5(), ode.PI{RTol: 1e-11, ATol: 1e-11})
		fr := s.Observe(ref)
		fmt.Printf("integrators over %d GD steps (reference: DP5 at 1e-11, %.1f gradients per step): 𝓕 = %.8g, |δ| = %.3g\n",
			K, float64(2*ev)/float64(K), fr.FreeEnergy, fr.Amplitude)
		for _, c := range []struct {
			name string
			me   ode.Method
			c    ode.Controller
		}{
			{"euler-h1", ode.Euler(), ode.Fixed{H: h}},
			{"euler-h0.5", ode.Euler(), ode.Fixed{H: h / 2}},
			{"rk4-h1.25", ode.RK4(), ode.Fixed{H: 1.25 * h}},
			{"rk4-h1", ode.RK4(), ode.Fixed{H: h}},
			{"rk4-h0.5", ode.RK4(), ode.Fixed{H: h / 2}},
			{"dp5-1e-4", ode.DP5(), ode.PI{RTol: 1e-4, ATol: 1e-4}},
			{"dp5-1e-6", ode.DP5(), ode.PI{RTol: 1e-6, ATol: 1e-6}},
		} {
			y, ev := final(c.me, c.c)
			pt := s.Observe(y)
			fmt.Printf("  %-10s %5.2f gradients/step; relative error θ %.2e, δ %.2e, 𝓕 %.2e, loss %.2e\n", c.name,
				float64(2*ev)/float64(K), relErr(y[:p], ref[:p]), relErr(y[p:], ref[p:]),
				math.Abs(pt.FreeEnergy-fr.FreeEnergy)/math.Abs(fr.FreeEnergy), math.Abs(pt.Loss-fr.Loss)/fr.Loss)
		}
	}
}

// relErr returns max_i |a_i − b_i| / max_i |b_i|.
func relErr(a, b []float64) float64 {
	var scale, diff float64
	for i := range b {
		scale = math.Max(scale, math.Abs(b[i]))
		diff = math.Max(diff, math.Abs(a[i]-b[i]))
	}
	return diff / scale
}
