package sdcp_test

import (
	"fmt"

	"github.com/eoskit/eoskit/sim/sdcp"
)

// Two unstable directions whose third derivatives g_11 = (1, 0),
// g_22 = (0, 2), g_12 = (0, 0) are orthogonal: the problem decouples, and on
// the constraint (A₀ = 0) each X_ii = −2C_ii/‖g_ii‖² (the k = 1 formula
// σ² = 2⟨−∇E, ∇S⟩/‖∇S‖²) when C_ii < 0.
func ExampleNewton() {
	k := 2
	g := [][]float64{{1, 0}, {0, 0}, {0, 2}} // pairs (0,0), (0,1), (1,1)
	m := sdcp.Pairs(k)
	gram := make([]float64, m*m)
	for a := range m {
		for b := range m {
			gram[a*m+b] = g[a][0]*g[b][0] + g[a][1]*g[b][1]
		}
	}
	p := &sdcp.Problem{K: k, A0: make([]float64, 4), C: []float64{-0.5, 0, 0, -1}, Gram: gram, S: 0.1}
	x := make([]float64, 4)
	res, err := sdcp.NewNewton(sdcp.Settings{}).Solve(p, x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("X = [[%.4f %.4f] [%.4f %.4f]], rank %d, held at the threshold %d, converged %v\n", x[0], x[1], x[2], x[3], res.Rank, res.Binding, res.Converged)
	// Output:
	// X = [[1.0000 0.0000] [0.0000 0.5000]], rank 2, held at the threshold 2, converged true
}
