package ode_test

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim/ode"
)

// Solve the logistic equation y' = y(1 − y), y(0) = 0.1, with Dormand–Prince
// 5(4) and save the solution at a few times by dense output.
func ExampleSolve() {
	logistic := func(_ float64, y, dy []float64) { dy[0] = y[0] * (1 - y[0]) }
	sol, err := ode.Solve(
		ode.Problem{F: logistic, Y0: []float64{0.1}, T0: 0, T1: 6},
		ode.DP5(),
		ode.PI{RTol: 1e-8, ATol: 1e-8},
		ode.Options{SaveAt: ode.SaveAt{Times: []float64{0, 2, 4, 6}}},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, t := range sol.T {
		exact := 1 / (1 + 9*math.Exp(-t))
		fmt.Printf("t = %g  y = %.6f  exact %.6f\n", t, sol.At(i)[0], exact)
	}
	// Output:
	// t = 0  y = 0.100000  exact 0.100000
	// t = 2  y = 0.450853  exact 0.450853
	// t = 4  y = 0.858486  exact 0.858486
	// t = 6  y = 0.978178  exact 0.978178
}

// Sample a flow on the grid t = kη of a GD run with Until, and stop it with a
// terminal event: here the oscillator ẍ = −x stops when x falls through 0
// (t = π/2).
func ExampleIntegrator_Until() {
	osc := func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }
	it := ode.NewIntegrator(ode.DOP853())
	err := it.Init(
		ode.Problem{F: osc, Y0: []float64{1, 0}, T0: 0, T1: 10},
		ode.PI{RTol: 1e-10, ATol: 1e-10},
		ode.Options{Events: []ode.Event{{
			G:         func(_ float64, y []float64) float64 { return y[0] },
			Direction: -1,
			Terminal:  true,
		}}},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	const eta = 0.5
	y := make([]float64, 2)
	for k := 0; ; k++ {
		if err := it.Until(float64(k)*eta, y); err != nil {
			break // ode.ErrTerminated: the event ended the flow before t = kη
		}
		fmt.Printf("k = %d  x = %.6f\n", k, y[0])
	}
	ev := it.Solution().Events[0]
	fmt.Printf("stopped at t = %.9f (π/2 = %.9f)\n", ev.T, math.Pi/2)
	// Output:
	// k = 0  x = 1.000000
	// k = 1  x = 0.877583
	// k = 2  x = 0.540302
	// k = 3  x = 0.070737
	// stopped at t = 1.570796327 (π/2 = 1.570796327)
}
