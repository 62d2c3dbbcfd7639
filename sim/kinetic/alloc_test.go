package kinetic_test

import (
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/kinetic"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// TestNoAllocs: the right-hand side, Observe and FreeEnergy do not
// allocate (the integrators call them in their hot loops).
func TestNoAllocs(t *testing.T) {
	for _, act := range []model.Activation{model.Tanh, model.GELU} {
		x := make([]float64, 6*3)
		y := make([]float64, 6*2)
		for i := range x {
			x[i] = float64(i%5) - 2
		}
		for i := range y {
			y[i] = float64(i % 3)
		}
		s, err := kinetic.NewFromConfig(model.TwoLayerConfig{Width: 8, Activation: act, Scaling: model.MeanField,
			Outputs: 2, N: 6, D: 3, X: x, Y: y}, 2)
		if err != nil {
			t.Fatal(err)
		}
		st := make([]float64, s.Dim())
		for i := range st {
			st[i] = 0.1 * float64(i%7-3)
		}
		dy := make([]float64, s.Dim())
		if a := reference.AllocsPerCall(100, func() { s.RHS(0, st, dy) }); a != 0 {
			t.Errorf("%v: RHS allocates %v times per call", act, a)
		}
		if a := reference.AllocsPerCall(100, func() { s.Observe(st) }); a != 0 {
			t.Errorf("%v: Observe allocates %v times per call", act, a)
		}
		if a := reference.AllocsPerCall(100, func() { s.EnergyRates(st, dy) }); a != 0 {
			t.Errorf("%v: EnergyRates allocates %v times per call", act, a)
		}
	}
}

// TestGOMAXPROCS: a short integration of the particle system at a width
// large enough for the kernels to split their work (m = 256, n = 500,
// d = 32: 8 Mflop per product, above the 4 Mflop threshold) gives
// the same bits with one thread and with two.
func TestGOMAXPROCS(t *testing.T) {
	const m, n, d = 256, 500, 32
	x, y := make([]float64, n*d), make([]float64, n)
	for i := range x {
		x[i] = float64((i*7)%11)/5 - 1
	}
	for i := range y {
		y[i] = float64(i%3) - 1
	}
	s, err := kinetic.NewFromConfig(model.TwoLayerConfig{Width: m, Activation: model.Tanh, Scaling: model.MeanField,
		Outputs: 1, N: n, D: d, X: x, Y: y}, 0.5*m)
	if err != nil {
		t.Fatal(err)
	}
	y0 := make([]float64, s.Dim())
	for i := range y0 {
		y0[i] = 0.3 * float64((i*13)%17-8) / 8
	}
	reference.GOMAXPROCSIndependent(t, func() []float64 {
		var out []float64
		_, err := flow.Sample(s.RHS, y0, s.Grid(4, 4, 0, 0), ode.DP5(), ode.PI{RTol: 1e-8, ATol: 1e-8},
			func(_ int, _ float64, yk []float64) error {
				out = append(out[:0], yk...)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return append(out, s.FreeEnergy(out))
	})
}
