package hessian_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/hessian"
)

// Power iteration must return the largest algebraic eigenvalue in each
// regime of its shift: dominant eigenvalue positive (no shift), dominant
// negative (shift by −λ_min), and two dominant eigenvalues of opposite sign
// and nearly equal size (shift by the norm estimate).
func TestPowerShift(t *testing.T) {
	for _, c := range []struct {
		name string
		eig  []float64
	}{
		{"positive-dominant", []float64{3, 1, -1, 0.5}},
		{"negative-dominant", []float64{1, 0.5, -20, -15}},
		{"opposite-tie", []float64{2, 1.5, -2.001, -1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, 32))
			eig := append(append([]float64(nil), c.eig...), make([]float64, 60)...)
			for i := len(c.eig); i < len(eig); i++ {
				eig[i] = 0.1 * rng.NormFloat64()
			}
			h, _ := reference.SymmetricWithSpectrum(rng, eig)
			r, err := hessian.Power(reference.SymOperator{A: h}, hessian.PowerSettings{Tol: 1e-9})
			if err != nil {
				t.Fatal(err)
			}
			// Converged to relative residual 1e-9 with gap ≥ 0.5: the
			// value error is at most r²/gap ≈ 1e-16·‖H‖², plus rounding of
			// the dense products (p·ε·‖H‖).
			if math.Abs(r.Top.Values[0]-c.eig[0]) > 1e-11 {
				t.Errorf("top %v, want %v (%d HVPs)", r.Top.Values[0], c.eig[0], r.HVPs)
			}
		})
	}
}

// The zero operator has exact eigenpairs: no shift, no division by zero.
func TestPowerZero(t *testing.T) {
	r, err := hessian.Power(diagOp(make([]float64, 7)), hessian.PowerSettings{})
	if err != nil || r.Top.Values[0] != 0 || r.Top.Residuals[0] != 0 {
		t.Errorf("zero operator: %v %v, err %v", r.Top.Values, r.Top.Residuals, err)
	}
}

// MaxHVPs bounds the probe steps too.
func TestPowerBudget(t *testing.T) {
	for _, budget := range []int{1, 3, 19, 20, 21, 40} {
		r, _ := hessian.Power(diagOp([]float64{1, 0.99, -3, -2.99, 0.5}), hessian.PowerSettings{MaxHVPs: budget})
		if r.HVPs > budget {
			t.Errorf("MaxHVPs %d: %d HVPs used", budget, r.HVPs)
		}
	}
}
