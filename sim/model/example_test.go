package model_test

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim/model"
)

// The design notes' MF-EoS instance (math.md §2.3): depth 3, 2×2 factors,
// target diag(5.2, 1), and the deterministic initial point.
func ExampleNewMatFact() {
	mf, err := model.NewMatFact(3, 2, []float64{5.2, 0, 0, 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	theta := []float64{
		0.3, 0.1, -0.1, 0.2, // W_1
		0.2, -0.1, 0.15, 0.25, // W_2
		0.25, 0.05, 0.1, -0.2, // W_3
	}
	grad := make([]float64, mf.Dim())
	loss := mf.Grad(theta, grad)
	var norm float64
	for _, g := range grad {
		norm += g * g
	}
	fmt.Printf("p = %d, loss = %.6f, |grad| = %.6f\n", mf.Dim(), loss, math.Sqrt(norm))
	// Output:
	// p = 12, loss = 13.937065, |grad| = 0.649542
}

// Three iterates of GD on the quartic E = ¼(x²−1)² with η = 1.1 from
// x = 0.9, the start of the 2-cycle {0.814552, 1.116063} (oracle O8).
func ExampleNewQuartic() {
	q := model.NewQuartic()
	x := []float64{0.9}
	g := make([]float64, 1)
	for k := 0; k < 3; k++ {
		e := q.Grad(x, g)
		fmt.Printf("x = %.6f, E = %.6f\n", x[0], e)
		x[0] -= 1.1 * g[0]
	}
	// Output:
	// x = 0.900000, E = 0.009025
	// x = 1.088100, E = 0.008460
	// x = 0.867915, E = 0.015218
}
