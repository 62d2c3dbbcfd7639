package kernel_test

import (
	"fmt"

	"github.com/eoskit/eoskit/sim/kernel"
)

// ExampleTiler multiplies a 6×2 matrix A by a 2×8 matrix B with one register
// tile, reading both in place: A stored 2×6 (column i of A is a[l*6+i],
// lda = 6) and B row-major (ldb = 8), then adds the same product again.
func ExampleTiler() {
	be, _ := kernel.Get("asm")
	t := be.(kernel.Tiler)
	a := make([]float64, 2*kernel.TileRows)
	b := make([]float64, 2*kernel.TileCols)
	for i := 0; i < kernel.TileRows; i++ {
		a[i] = float64(i)        // A(i, 0) = i
		a[kernel.TileRows+i] = 1 // A(i, 1) = 1
	}
	for j := 0; j < kernel.TileCols; j++ {
		b[j] = 1                          // B(0, j) = 1
		b[kernel.TileCols+j] = float64(j) // B(1, j) = j
	}
	c := make([]float64, kernel.TileRows*kernel.TileCols)
	t.Tiles(1, 2, a, 0, kernel.TileRows, b, 0, kernel.TileCols, c, 0, kernel.TileCols, false)
	t.Tiles(1, 2, a, 0, kernel.TileRows, b, 0, kernel.TileCols, c, 0, kernel.TileCols, true)
	for i := 0; i < kernel.TileRows; i += 5 {
		fmt.Println(c[i*kernel.TileCols : (i+1)*kernel.TileCols]) // 2(i + j)
	}
	// Output:
	// [0 2 4 6 8 10 12 14]
	// [10 12 14 16 18 20 22 24]
}

// ExampleTanhDot evaluates one example's hidden layer h = tanh(z) and the
// network's output Σ a_j h_j in one sweep.
func ExampleTanhDot() {
	z := []float64{-1, 0, 0.5, 3}
	a := []float64{1, 2, 3, 4}
	h := make([]float64, len(z))
	f := kernel.TanhDot(h, z, a)
	fmt.Printf("h = %.4f, f = %.4f\n", h, f)
	// Output: h = [-0.7616 0.0000 0.4621 0.9951], f = 4.6050
}
