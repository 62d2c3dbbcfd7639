package benchmarks

import (
	"fmt"
	"testing"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/kernel"
	"github.com/eoskit/eoskit/sim/model"
)

// End-to-end benchmarks of the two-layer network on the Python anchors'
// exact problem (the anchors' common.py, w1_gd_step.py, w2_hvp.py):
// n = 500 examples in d = 32 dimensions with the width-4 teacher's labels
// (data.Anchor), f(x) = (1/m)·Σ a_i tanh(w_i·x) (mean-field), the anchors'
// initialisation (data.AnchorInit) and probe vector (data.ProbeVector),
// float64, for every kernel variant and m = 64, 512, 4096:
//
//   - BenchmarkTwoLayerGDStep: one full-batch GD step, loss and gradient
//     then θ ← θ − η∇E with the anchors' η = 10⁻³·m (the anchors time
//     loss.backward() and the in-place update);
//   - BenchmarkTwoLayerGrad: the loss and gradient alone;
//   - BenchmarkTwoLayerHVP: a Hessian-vector product with the forward pass
//     cached (forward=cached: the operator of sim.HessianAt, as an
//     eigensolver at a fixed point uses it; the anchors' numpy.hvp_cached)
//     and at a new point (forward=fresh: HessVec alternating between two
//     points, so that each call recomputes the forward pass).
//
// GFLOP/s uses the anchors' flop model (tanh not counted), so the rates
// compare with theirs directly. Compare variants with
// go tool benchstat -col /impl, and the anchors' figures from the same
// session (see results/).
//
//	go test ./benchmarks -run '^$' -bench 'TwoLayer' -cpu 1,2

// Flop models of common.py, replicated:
//
//	flops_grad(n, m, d)    = 4nmd + 8nm + 3n      (forward Z = XWᵀ 2nmd, f = Ha 2nm, r ~3n;
//	                                                backward g_a 2nm, G 4nm, g_W = GᵀX 2nmd)
//	flops_gd_step(n, m, d) = flops_grad + 2m(d+1) (the update, 2 flops per parameter)
//	flops_hvp(n, m, d)     = 6nmd + 20nm          (with the forward pass at the point)
func flopsGrad(n, m, d int) float64   { return float64(4*n*m*d + 8*n*m + 3*n) }
func flopsGDStep(n, m, d int) float64 { return flopsGrad(n, m, d) + float64(2*m*(d+1)) }
func flopsHVP(n, m, d int) float64    { return float64(6*n*m*d + 20*n*m) }

// twoLayerNaiveMaxWidth keeps the naive reference off the large widths
// (its m = 512 step takes about 60 ms, its m = 4096 step half a second).
const twoLayerNaiveMaxWidth = 64

// twoLayerAnchor returns the anchors' network of width m on the given
// backend, its initial point and the anchors' probe vector.
func twoLayerAnchor(b *testing.B, m int, be kernel.Backend) (*model.TwoLayer, []float64, []float64) {
	b.Helper()
	set, err := data.Anchor(data.AnchorN, data.AnchorD, data.AnchorTeacher)
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
	theta := data.AnchorInit(m, set.D)
	return net, theta, data.ProbeVector(net.Dim(), data.AnchorSeedProbe)
}

// twoLayerRuns calls f for every kernel variant and width, as the
// sub-benchmark impl=<variant>/shape=m<width>.
func twoLayerRuns(b *testing.B, f func(b *testing.B, be kernel.Backend, m int)) {
	for _, name := range kernel.Names() {
		for _, m := range widths() {
			if name == "naive" && m > twoLayerNaiveMaxWidth {
				continue
			}
			be, err := kernel.Get(name)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("impl=%s/shape=m%d", name, m), func(b *testing.B) { f(b, be, m) })
		}
	}
}

// reportGFLOPs reports flops per op as GFLOP/s.
func reportGFLOPs(b *testing.B, flops float64) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
}

func BenchmarkTwoLayerGDStep(b *testing.B) {
	twoLayerRuns(b, func(b *testing.B, be kernel.Backend, m int) {
		net, theta, _ := twoLayerAnchor(b, m, be)
		g := make([]float64, net.Dim())
		eta := 1e-3 * float64(m)
		step := func() {
			net.Grad(theta, g)
			for i, gi := range g {
				theta[i] -= eta * gi
			}
		}
		step() // warm-up: workspaces, helper goroutines
		b.ReportAllocs()
		for b.Loop() {
			step()
		}
		reportGFLOPs(b, flopsGDStep(data.AnchorN, m, data.AnchorD))
	})
}

func BenchmarkTwoLayerGrad(b *testing.B) {
	twoLayerRuns(b, func(b *testing.B, be kernel.Backend, m int) {
		net, theta, _ := twoLayerAnchor(b, m, be)
		g := make([]float64, net.Dim())
		net.Grad(theta, g)
		b.ReportAllocs()
		for b.Loop() {
			net.Grad(theta, g)
		}
		reportGFLOPs(b, flopsGrad(data.AnchorN, m, data.AnchorD))
	})
}

func BenchmarkTwoLayerHVP(b *testing.B) {
	twoLayerRuns(b, func(b *testing.B, be kernel.Backend, m int) {
		b.Run("forward=cached", func(b *testing.B) {
			net, theta, v := twoLayerAnchor(b, m, be)
			hv := make([]float64, net.Dim())
			op := sim.HessianAt(net, theta)
			op.Apply(v, hv)
			b.ReportAllocs()
			for b.Loop() {
				op.Apply(v, hv)
			}
			// The anchors count the forward pass in every HVP's flops;
			// the cached product saves it, and the rate shows that.
			reportGFLOPs(b, flopsHVP(data.AnchorN, m, data.AnchorD))
		})
		b.Run("forward=fresh", func(b *testing.B) {
			net, theta, v := twoLayerAnchor(b, m, be)
			theta2 := append([]float64(nil), theta...)
			theta2[0] += 1e-3
			hv := make([]float64, net.Dim())
			net.HessVec(theta, v, hv)
			b.ReportAllocs()
			k := 0
			for b.Loop() {
				if k++; k%2 == 0 {
					net.HessVec(theta, v, hv)
				} else {
					net.HessVec(theta2, v, hv)
				}
			}
			reportGFLOPs(b, flopsHVP(data.AnchorN, m, data.AnchorD))
		})
	})
}
