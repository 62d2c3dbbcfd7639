package model_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/kernel"
	"github.com/eoskit/eoskit/sim/model"
)

// benchTwoLayer returns a tanh mean-field network on n = 500 random
// examples of dimension d = 32 with one output, a random θ and a random
// direction.
func benchTwoLayer(b *testing.B, m int, be kernel.Backend) (*model.TwoLayer, []float64, []float64) {
	b.Helper()
	const n, d = 500, 32
	rng := rand.New(rand.NewPCG(7, uint64(m)))
	x, y := twoLayerData(rng, n, d, 1)
	net, err := model.NewTwoLayer(model.TwoLayerConfig{
		Width: m, Activation: model.Tanh, Scaling: model.MeanField, Outputs: 1, N: n, D: d, X: x, Y: y, Backend: be,
	})
	if err != nil {
		b.Fatal(err)
	}
	theta := gaussian(net.Dim(), 1, 0)(rng)
	for i := 0; i < m*d; i++ {
		theta[i] /= 5.7 // w_i·x of order one
	}
	return net, theta, gaussian(net.Dim(), 1, 0)(rng)
}

// benchWidths are the network widths benchmarked.
func benchWidths() []int { return []int{64, 512, 4096} }

// benchBackends are the kernel variants compared: the default and gonum.
func benchBackends() []kernel.Backend { return []kernel.Backend{kernel.Default(), kernel.Gonum{}} }

// BenchmarkTwoLayerGrad measures a full gradient (forward and backward
// pass) of the two-layer network at n = 500, d = 32; impl=<default>-keep is
// the default backend's gradient that also keeps its forward pass for
// Hessian-vector products (KeepNextGrad, as a Recorder asks before a
// measured step), which writes the activations to the cache instead of in
// place.
func BenchmarkTwoLayerGrad(b *testing.B) {
	def := kernel.Default().Name()
	for _, be := range benchBackends() {
		for _, keep := range []bool{false, true} {
			if keep && be.Name() != def {
				continue
			}
			name := be.Name()
			if keep {
				name += "-keep"
			}
			for _, m := range benchWidths() {
				b.Run(fmt.Sprintf("impl=%s/shape=n500_d32_m%d", name, m), func(b *testing.B) {
					net, theta, _ := benchTwoLayer(b, m, be)
					g := make([]float64, net.Dim())
					b.ReportAllocs()
					for b.Loop() {
						if keep {
							net.KeepNextGrad()
						}
						net.Grad(theta, g)
					}
				})
			}
		}
	}
}

// BenchmarkTwoLayerHVP measures one Hessian-vector product with the forward
// pass cached (sim.HessianAt, as Lanczos uses it), and one with a fresh
// forward pass (HessVec at a new point).
func BenchmarkTwoLayerHVP(b *testing.B) {
	for _, be := range benchBackends() {
		for _, m := range benchWidths() {
			benchTwoLayerHVP(b, be, m)
		}
	}
}

// benchTwoLayerHVP runs the cached and the fresh Hessian-vector product of
// one backend and width.
func benchTwoLayerHVP(b *testing.B, be kernel.Backend, m int) {
	b.Run(fmt.Sprintf("impl=%s/shape=n500_d32_m%d/forward=cached", be.Name(), m), func(b *testing.B) {
		net, theta, v := benchTwoLayer(b, m, be)
		hv := make([]float64, net.Dim())
		op := sim.HessianAt(net, theta)
		b.ReportAllocs()
		for b.Loop() {
			op.Apply(v, hv)
		}
	})
	b.Run(fmt.Sprintf("impl=%s/shape=n500_d32_m%d/forward=fresh", be.Name(), m), func(b *testing.B) {
		net, theta, v := benchTwoLayer(b, m, be)
		theta2 := append([]float64(nil), theta...)
		theta2[0] += 1e-3
		hv := make([]float64, net.Dim())
		b.ReportAllocs()
		k := 0
		for b.Loop() {
			if k%2 == 0 {
				net.HessVec(theta, v, hv)
			} else {
				net.HessVec(theta2, v, hv)
			}
			k++
		}
	})
}
