package kinetic_test

import (
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/kinetic"
	"github.com/eoskit/eoskit/sim/model"
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
