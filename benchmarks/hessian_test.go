package benchmarks

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/experiment"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/model"
)

// Benchmarks of the Hessian spectral estimators (sim/hessian). The cost of
// an estimate is dominated by its Hessian-vector products, so every
// benchmark reports hvps/op (deterministic: fixed seeds and start vectors),
// and the tracking benchmarks hvps/estimate. The helpers take any
// sim.Operator (or a sequence of them), so a model's Hessian plugs in as
//
//	hessBenchEstimate(b, est, sim.HessianAt(obj, theta))
//
// Problems:
//   - spiked-p2048: reference.Spiked, a synthetic Hessian like a network's:
//     a dense Wigner bulk in about [−0.05, 0.05], positive outliers 1, 0.8,
//     0.6, 0.45, 0.3 and negative outliers −2.5, −1.8, −1.2, larger in
//     magnitude than the top (as for the mean-field network at
//     initialisation); spiked-drift-p2048 moves its eigenvectors along a
//     smooth path (about 0.01 rad per estimate) while λ₁ oscillates by ±3%
//     and λ₂ rises through it, like the sharpness at the Edge of Stability.
//   - twolayer-m64-init: the two-layer tanh network of the Python anchors
//     (the anchor w3_sharpness.py: n = 500, d = 32, m = 64, mean-field,
//     teacher labels) at the anchors' initialisation, started from the
//     anchors' probe vector; ARPACK eigsh needs 30 HVPs at tol 1e-6 and
//     30–40 at 1e-9 there.
//   - twolayer-m512-eos: the headline run of w4_eos.py (m = 512, random
//     labels, η = 862, 2000 GD steps, sharpness every 10 steps at relative
//     residual 1e-6: 201 estimates); eigsh needs 57 HVPs per cold estimate
//     and 37 warm-started. Setting up costs the 2000 GD steps (about 10 s);
//     skipped under -short.
//   - teacher-eos-centres: the embedded experiment teacher-eos (m = 32
//     mean-field on a noisy teacher, n = 1000, η = 35, 4000 GD steps,
//     sharpness every 20 steps) measured as gd.Recorder measures it: the
//     iterate θ_k, then the centre θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4,
//     alternately on one estimator (400 estimates). Its Hessian has hundreds
//     of eigenvalues between 0.1 and 0.98 λ_max, the hardest case for
//     tracking. Skipped under -short.
//   - teacher-eos-centres-every5 (tracker only): the same run measured
//     every 5 steps (1600 estimates), an odd period on which the iterates
//     alternate between the two phases of the 2-cycle: the tracker must
//     recognise a period of 4 calls. Skipped under -short.
//
//	go test ./benchmarks -run '^$' -bench 'Sharpness' -benchtime 5x
//	go test ./benchmarks -run '^$' -bench 'SharpnessTracking/.*/problem=twolayer' -benchtime 1x

// hessSpiked returns the synthetic operator of dimension p described above.
func hessSpiked(p int) *reference.Spiked {
	rng := rand.New(rand.NewPCG(20261127, uint64(p)))
	return reference.NewSpiked(rng, p, 0.05, []float64{1, 0.8, 0.6, 0.45, 0.3, -2.5, -1.8, -1.2})
}

// hessBenchEstimate runs est on op once per op and reports hvps/op.
func hessBenchEstimate(b *testing.B, est hessian.Estimator, op sim.Operator) {
	b.Helper()
	if _, err := est.Estimate(op); err != nil { // warm-up: sizes the workspace
		b.Fatal(err)
	}
	b.ReportAllocs()
	var hvps int
	for b.Loop() {
		res, err := est.Estimate(op)
		if err != nil {
			b.Fatal(err)
		}
		hvps += res.HVPs
	}
	b.ReportMetric(float64(hvps)/float64(b.N), "hvps/op")
}

// hessBenchTrack runs a fresh estimator from newEst along the operator
// sequence seq(0), …, seq(n−1) once per op, and reports hvps/estimate
// (including the first, cold one) and checks/op.
func hessBenchTrack(b *testing.B, newEst func() hessian.Estimator, n int, seq func(k int) sim.Operator) {
	b.Helper()
	b.ReportAllocs()
	var hvps, checks int
	for b.Loop() {
		est := newEst()
		for k := 0; k < n; k++ {
			res, err := est.Estimate(seq(k))
			if err != nil {
				b.Fatalf("estimate %d: %v", k, err)
			}
			hvps += res.HVPs
			checks += res.Checks
		}
	}
	b.ReportMetric(float64(hvps)/float64(b.N*n), "hvps/estimate")
	b.ReportMetric(float64(checks)/float64(b.N), "checks/op")
}

// BenchmarkSharpness: one cold estimate of the top eigenpair per op, by
// Lanczos and by shifted power iteration, at two tolerances.
func BenchmarkSharpness(b *testing.B) {
	sp := hessSpiked(2048)
	for _, tol := range []float64{1e-8, 1e-6} {
		b.Run(fmt.Sprintf("method=lanczos/tol=%.0e/problem=spiked-p2048", tol), func(b *testing.B) {
			hessBenchEstimate(b, hessian.NewLanczosSolver(hessian.Settings{Tol: tol}), sp)
		})
		b.Run(fmt.Sprintf("method=power/tol=%.0e/problem=spiked-p2048", tol), func(b *testing.B) {
			hessBenchEstimate(b, hessian.NewPowerSolver(hessian.PowerSettings{Tol: tol}), sp)
		})
	}
	net, theta := hessAnchorNet(b, 64, data.AnchorTeacher)
	probe := data.ProbeVector(net.Dim(), data.AnchorSeedProbe)
	for _, tol := range []float64{1e-6, 1e-8, 1e-9} {
		b.Run(fmt.Sprintf("method=lanczos/tol=%.0e/problem=twolayer-m64-init", tol), func(b *testing.B) {
			hessBenchEstimate(b, hessian.NewLanczosSolver(hessian.Settings{Tol: tol, Start: probe}), sim.HessianAt(net, theta))
		})
	}
}

// BenchmarkSharpnessTracking: the sharpness along a drifting sequence of
// operators, by the Tracker (warm starts, periodic deflation checks) and by
// cold Lanczos solves from the same fixed start vector at every estimate.
func BenchmarkSharpnessTracking(b *testing.B) {
	const tol = 1e-6
	methods := []struct {
		name string
		new  func() hessian.Estimator
	}{
		{"tracker", func() hessian.Estimator {
			return hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Tol: tol}})
		}},
		{"cold", func() hessian.Estimator {
			return hessian.NewLanczosSolver(hessian.Settings{Tol: tol})
		}},
	}
	sp := hessSpiked(2048)
	const n = 50
	drift := func(k int) sim.Operator {
		sp.Lambda[0] = 1 + 0.03*math.Sin(0.9*float64(k))
		sp.Lambda[1] = 0.8 + 0.006*float64(k) // crosses λ₁ around k = 33
		sp.SetTime(0.01 * float64(k))
		return sp
	}
	for _, m := range methods {
		b.Run("method="+m.name+"/problem=spiked-drift-p2048", func(b *testing.B) {
			hessBenchTrack(b, m.new, n, drift)
		})
	}
	if testing.Short() {
		return
	}
	net, thetas := hessAnchorEoS(b)
	for _, m := range methods {
		b.Run("method="+m.name+"/problem=twolayer-m512-eos", func(b *testing.B) {
			hessBenchTrack(b, m.new, len(thetas), func(k int) sim.Operator { return sim.HessianAt(net, thetas[k]) })
		})
	}
	obj, seq := hessTeacherEoS(b, 0)
	for _, m := range methods {
		b.Run("method="+m.name+"/problem=teacher-eos-centres", func(b *testing.B) {
			hessBenchTrack(b, m.new, len(seq), func(k int) sim.Operator { return sim.HessianAt(obj, seq[k]) })
		})
	}
	obj, seq = hessTeacherEoS(b, 5)
	b.Run("method=tracker/problem=teacher-eos-centres-every5", func(b *testing.B) {
		hessBenchTrack(b, methods[0].new, len(seq), func(k int) sim.Operator { return sim.HessianAt(obj, seq[k]) })
	})
}

// hessTeacherEoS runs the embedded experiment teacher-eos (4000 GD steps)
// and returns its objective and the points gd.Recorder measures, in its
// order: θ_0, then θ_k and θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4 for
// k = 20, 40, …, 3980, then θ_4000; every > 0 measures every that many
// steps instead of the spec's 20.
func hessTeacherEoS(b *testing.B, every int) (sim.Objective, [][]float64) {
	b.Helper()
	spec, err := experiment.Embedded("teacher-eos")
	if err != nil {
		b.Fatal(err)
	}
	exp, err := experiment.Build(spec)
	if err != nil {
		b.Fatal(err)
	}
	obj, theta := exp.Objective, append([]float64(nil), exp.Theta0...)
	eta, steps := spec.GD.Eta, spec.GD.Steps
	if every <= 0 {
		every = spec.Measure.SharpnessEvery
	}
	g := make([]float64, len(theta))
	prev := make([]float64, len(theta))
	var seq [][]float64
	var at []float64 // θ_k awaiting its centre
	for k := 0; k <= steps; k++ {
		if at != nil {
			mid := make([]float64, len(theta))
			for i := range mid {
				mid[i] = 0.25*(prev[i]+theta[i]) + 0.5*at[i]
			}
			seq = append(seq, mid)
			at = nil
		}
		if k%every == 0 {
			seq = append(seq, append([]float64(nil), theta...))
			if k > 0 && k < steps {
				at = seq[len(seq)-1]
			}
		}
		copy(prev, theta)
		obj.Grad(theta, g)
		for i := range theta {
			theta[i] -= eta * g[i]
		}
	}
	return obj, seq
}

// hessAnchorNet returns the anchors' two-layer tanh network of width m
// (n = 500, d = 32, mean-field, labels "teacher" or "random") and its
// initialisation.
func hessAnchorNet(b *testing.B, m int, labels string) (*model.TwoLayer, []float64) {
	b.Helper()
	set, err := data.Anchor(data.AnchorN, data.AnchorD, labels)
	if err != nil {
		b.Fatal(err)
	}
	net, err := model.NewTwoLayer(model.TwoLayerConfig{Width: m, Activation: model.Tanh, Scaling: model.MeanField,
		Outputs: 1, N: set.N, D: set.D, X: set.X, Y: set.Y})
	if err != nil {
		b.Fatal(err)
	}
	return net, data.AnchorInit(m, data.AnchorD)
}

// hessAnchorEoS runs the 2000 GD steps of w4_eos.py (m = 512, random labels,
// η = 862) and returns the network and θ at steps 0, 10, …, 2000.
func hessAnchorEoS(b *testing.B) (*model.TwoLayer, [][]float64) {
	b.Helper()
	const eta, steps, every = 862.0, 2000, 10
	net, theta := hessAnchorNet(b, 512, data.AnchorRandom)
	g := make([]float64, len(theta))
	var thetas [][]float64
	for k := 0; k <= steps; k++ {
		if k%every == 0 {
			thetas = append(thetas, append([]float64(nil), theta...))
		}
		net.Grad(theta, g)
		for i := range theta {
			theta[i] -= eta * g[i]
		}
	}
	return net, thetas
}
