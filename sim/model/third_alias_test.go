package model_test

import (
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/model"
)

// TestTwoLayerThirdSameVector: Third(θ, q, q) with u and v the same slice
// (model B's ∇³E[q,q]) reuses the u-jets for v; it must give the same bits
// as with v a copy of u, for every activation, scaling and output count.
func TestTwoLayerThirdSameVector(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n, d, m = 7, 3, 5
	for _, act := range []model.Activation{model.Tanh, model.GELU, model.ReLU} {
		for _, sc := range []model.Scaling{model.MeanField, model.NTK} {
			for _, c := range []int{1, 2} {
				x, y := make([]float64, n*d), make([]float64, n*c)
				for i := range x {
					x[i] = rng.NormFloat64()
				}
				for i := range y {
					y[i] = rng.NormFloat64()
				}
				net, err := model.NewTwoLayer(model.TwoLayerConfig{Width: m, Activation: act, Scaling: sc, Outputs: c, N: n, D: d, X: x, Y: y})
				if err != nil {
					t.Fatal(err)
				}
				p := net.Dim()
				theta, q := make([]float64, p), make([]float64, p)
				for i := range theta {
					theta[i], q[i] = rng.NormFloat64(), rng.NormFloat64()
				}
				alias, copied := make([]float64, p), make([]float64, p)
				net.Third(theta, q, q, alias)
				net.Third(theta, q, append([]float64(nil), q...), copied)
				if !reference.SameBits(alias, copied) {
					t.Errorf("%v/%v/c=%d: Third(θ, q, q) differs from Third(θ, q, copy of q)", act, sc, c)
				}
			}
		}
	}
}
