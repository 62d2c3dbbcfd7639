package hessian_test

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/hessian"
)

// diagonal returns the operator of diag(d).
func diagonal(d []float64) sim.Operator {
	return sim.OperatorFunc{N: len(d), F: func(v, dst []float64) {
		for i, x := range d {
			dst[i] = x * v[i]
		}
	}}
}

// Sharpness is the largest algebraic eigenvalue: here the most negative
// eigenvalue dominates in magnitude and is reported separately.
func ExampleLanczos() {
	op := diagonal([]float64{1.5, -3, 0.2, 1, -0.5, 0.7, 0.1, -0.2})
	res, err := hessian.Lanczos(op, hessian.Settings{Top: 2, Bottom: 1, Tol: 1e-10})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("top %.6f %.6f, bottom %.6f\n", res.Top.Values[0], res.Top.Values[1], res.Bottom.Values[0])
	fmt.Println("converged:", res.Converged, "residuals within tol:", res.Top.Residuals[0] <= 1e-10*res.Norm)
	// Output:
	// top 1.500000 1.000000, bottom -3.000000
	// converged: true residuals within tol: true
}

// A Tracker follows the sharpness along a sequence of operators, here two
// eigenvalues that cross; each estimate after the first starts from the
// previous eigenvectors.
func ExampleTracker() {
	tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Tol: 1e-10}})
	for k := 0; k < 4; k++ {
		a, b := 2-0.3*float64(k), 1.5+0.1*float64(k)
		res, err := tr.Estimate(diagonal([]float64{a, b, 0.3, -4, 0.1, -0.2, 0.05, 0.6}))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("step %d: sharpness %.2f (cold %v)\n", k, res.Top.Values[0], res.Cold)
	}
	// Output:
	// step 0: sharpness 2.00 (cold true)
	// step 1: sharpness 1.70 (cold false)
	// step 2: sharpness 1.70 (cold false)
	// step 3: sharpness 1.80 (cold false)
}

// Stochastic Lanczos quadrature recovers a spectrum with few distinct values
// exactly: nodes and weights (multiplicity over p).
func ExampleSLQ() {
	op := diagonal([]float64{2, 2, 2, -1, 0.5, 0.5, 0.5, 0.5})
	d, err := hessian.SLQ(op, hessian.DensitySettings{Runs: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	w := map[float64]float64{}
	for i, x := range d.Nodes {
		w[math.Round(x*1e6)/1e6] += d.Weights[i]
	}
	for _, x := range []float64{-1, 0.5, 2} {
		fmt.Printf("λ = %4.1f: weight %.4f\n", x, w[x])
	}
	// Output:
	// λ = -1.0: weight 0.1250
	// λ =  0.5: weight 0.5000
	// λ =  2.0: weight 0.3750
}

// The dense path is the reference for small models.
func ExampleDense() {
	d, err := hessian.Dense(diagonal([]float64{0.5, -2, 1}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("eigenvalues:", d.Values, "HVPs:", d.HVPs, "asymmetry:", d.Asymmetry)
	// Output:
	// eigenvalues: [-2 0.5 1] HVPs: 3 asymmetry: 0
}
