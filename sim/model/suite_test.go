package model_test

import (
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/kernel"
	"github.com/eoskit/eoskit/sim/model"
)

// gaussian returns a sampler of θ with independent N(0, sd²) entries plus
// an offset, so that test points are generic (no symmetry to hide behind).
func gaussian(p int, sd, offset float64) func(*rand.Rand) []float64 {
	return func(rng *rand.Rand) []float64 {
		th := make([]float64, p)
		for i := range th {
			th[i] = offset + sd*rng.NormFloat64()
		}
		return th
	}
}

func TestQuadraticSuite(t *testing.T) {
	// A random symmetric indefinite 5×5 matrix.
	rng := rand.New(rand.NewPCG(1, 2))
	const p = 5
	a := make([]float64, p*p)
	for i := 0; i < p; i++ {
		for j := 0; j <= i; j++ {
			x := rng.NormFloat64()
			a[i*p+j], a[j*p+i] = x, x
		}
	}
	c := []float64{0.3, -1, 2, 0.5, 0.1}
	q, err := model.NewQuadratic(a, c)
	if err != nil {
		t.Fatal(err)
	}
	reference.ObjectiveSuite(t, q, gaussian(p, 1, 0), reference.ObjectiveOptions{})
}

func TestQuarticSuite(t *testing.T) {
	reference.ObjectiveSuite(t, model.NewQuartic(), gaussian(1, 1, 0.5), reference.ObjectiveOptions{Points: 5})
}

func TestMatFactSuite(t *testing.T) {
	for _, tc := range []struct{ depth, dim int }{{1, 3}, {2, 2}, {3, 2}, {4, 3}, {5, 1}} {
		rng := rand.New(rand.NewPCG(uint64(tc.depth), uint64(tc.dim)))
		target := make([]float64, tc.dim*tc.dim)
		for i := range target {
			target[i] = 2 * rng.NormFloat64()
		}
		mf, err := model.NewMatFact(tc.depth, tc.dim, target)
		if err != nil {
			t.Fatal(err)
		}
		reference.ObjectiveSuite(t, mf, gaussian(mf.Dim(), 0.7, 0), reference.ObjectiveOptions{})
	}
}

func TestUVSuite(t *testing.T) {
	for _, width := range []int{1, 2, 7} {
		uv, err := model.NewUV(width, 0.8)
		if err != nil {
			t.Fatal(err)
		}
		reference.ObjectiveSuite(t, uv, gaussian(uv.Dim(), 1, 0.2), reference.ObjectiveOptions{})
	}
}

func TestDeepScalarSuite(t *testing.T) {
	for _, depth := range []int{1, 2, 3, 6} {
		ds, err := model.NewDeepScalar(depth, 1.3)
		if err != nil {
			t.Fatal(err)
		}
		reference.ObjectiveSuite(t, ds, gaussian(depth, 0.8, 0.3), reference.ObjectiveOptions{})
	}
}

func TestMinimalistSuite(t *testing.T) {
	reference.ObjectiveSuite(t, model.NewMinimalist(), gaussian(2, 1, 0.3), reference.ObjectiveOptions{Points: 5})
}

func TestValleySuite(t *testing.T) {
	v, err := model.NewValley(1.3, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	reference.ObjectiveSuite(t, v, gaussian(2, 1, 0.3), reference.ObjectiveOptions{Points: 5})
}

// twoLayerData returns random inputs and targets.
func twoLayerData(rng *rand.Rand, n, d, c int) (x, y []float64) {
	x = make([]float64, n*d)
	y = make([]float64, n*c)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	return x, y
}

func TestTwoLayerSuite(t *testing.T) {
	for _, act := range []model.Activation{model.Tanh, model.GELU, model.ReLU} {
		for _, sc := range []model.Scaling{model.MeanField, model.NTK} {
			for _, be := range []kernel.Backend{kernel.Naive{}, kernel.Gonum{}, kernel.Default()} {
				t.Run(act.String()+"/"+sc.String()+"/"+be.Name(), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(act), uint64(sc)))
					const n, d, c, m = 7, 3, 2, 5
					x, y := twoLayerData(rng, n, d, c)
					cfg := model.TwoLayerConfig{
						Width: m, Activation: act, Scaling: sc, Outputs: c, N: n, D: d, X: x, Y: y, Backend: be,
					}
					net, err := model.NewTwoLayer(cfg)
					if err != nil {
						t.Fatal(err)
					}
					reference.ObjectiveSuite(t, net, kinkFree(cfg, gaussian(net.Dim(), 1, 0)), reference.ObjectiveOptions{})
				})
			}
		}
	}
}

// kinkFree wraps a sampler so that, for a ReLU network, it redraws until the
// point is farther from every kink than the difference checks step.
func kinkFree(cfg model.TwoLayerConfig, sample func(*rand.Rand) []float64) func(*rand.Rand) []float64 {
	if cfg.Activation != model.ReLU {
		return sample
	}
	return func(rng *rand.Rand) []float64 {
		for {
			th := sample(rng)
			if reference.TwoLayerKinkDistance(cfg, th) > reference.TwoLayerSafeStep(th) {
				return th
			}
		}
	}
}
