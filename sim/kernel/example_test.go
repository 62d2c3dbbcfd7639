package kernel_test

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim/kernel"
)

func ExampleGet() {
	b, err := kernel.Get("tuned")
	if err != nil {
		panic(err)
	}
	// C = A·Wᵀ with A 2×3 and W 2×3 (row-major, leading dimension 3).
	a := []float64{1, 2, 3, 4, 5, 6}
	w := []float64{1, 0, 1, 0, 1, 0}
	c := make([]float64, 4)
	b.Gemm(false, true, 2, 2, 3, 1, a, 3, w, 3, 0, c, 2)
	fmt.Println(b.Name(), c)
	// Output: tuned [4 2 10 5]
}

func ExampleActivation_Deriv() {
	z := []float64{-1, 0, 0.5, 3}
	h := make([]float64, len(z))
	d := make([]float64, len(z))
	kernel.ActTanh.Deriv(h, d, z) // h = tanh z, d = 1 − h²
	for i := range z {
		fmt.Printf("z=%4.1f tanh=%.6f deriv=%.6f\n", z[i], h[i], d[i])
	}
	// Output:
	// z=-1.0 tanh=-0.761594 deriv=0.419974
	// z= 0.0 tanh=0.000000 deriv=1.000000
	// z= 0.5 tanh=0.462117 deriv=0.786448
	// z= 3.0 tanh=0.995055 deriv=0.009866
}

func ExampleTanh() {
	for _, x := range []float64{0.1, 1, 20} {
		fmt.Printf("%.15f %.15f\n", kernel.Tanh(x), math.Tanh(x))
	}
	// Output:
	// 0.099667994624956 0.099667994624956
	// 0.761594155955765 0.761594155955765
	// 1.000000000000000 1.000000000000000
}

// Example_twoLayerGradient computes the loss and gradient of the two-layer
// network f(x) = s·Σ_i a_i tanh(w_i·x), E = (1/2n)·Σ_j (f(x_j) − y_j)², with
// the kernels, and checks one partial derivative by central differences.
func Example_twoLayerGradient() {
	const n, d, m = 3, 2, 2
	s := 1.0 / m
	c := s / n
	X := []float64{1, 0.5, -0.3, 0.8, 0.2, -1}
	y := []float64{0.1, -0.2, 0.3}
	a := []float64{1.5, -0.7}
	W := []float64{0.4, -0.2, 0.1, 0.9}
	b := kernel.Default()

	Z := make([]float64, n*m)
	H := make([]float64, n*m)
	G := make([]float64, n*m)
	f := make([]float64, n)
	r := make([]float64, n)
	ga := make([]float64, m)
	gW := make([]float64, m*d)
	loss := func(W []float64) float64 {
		b.Gemm(false, true, n, m, d, 1, X, d, W, d, 0, Z, m) // Z = X·Wᵀ
		kernel.ActTanh.Eval(H, Z)                            // H = tanh Z
		b.Gemv(false, n, m, s, H, m, a, 0, f)                // f = s·H·a
		var e float64
		for j := range r {
			r[j] = f[j] - y[j]
			e += r[j] * r[j]
		}
		return e / (2 * n)
	}
	e := loss(W)
	b.Gemv(true, n, m, c, H, m, r, 0, ga)                 // g_a = c·Hᵀ·r
	kernel.TanhMulOuter(n, m, c, r, a, H, m, G, m)        // G = (1 − H²) ⊙ (c·r aᵀ)
	b.Gemm(true, false, m, d, n, 1, G, m, X, d, 0, gW, d) // g_W = Gᵀ·X

	const h = 1e-6
	Wp := append([]float64(nil), W...)
	Wm := append([]float64(nil), W...)
	Wp[1] += h
	Wm[1] -= h
	fd := (loss(Wp) - loss(Wm)) / (2 * h)
	fmt.Printf("loss %.6f\ng_a %.6f %.6f\ng_W[0,1] %.6f, central difference %.6f\n", e, ga[0], ga[1], gW[1], fd)
	// Output:
	// loss 0.012013
	// g_a 0.013890 -0.043942
	// g_W[0,1] -0.081246, central difference -0.081246
}

func ExampleGemvPair() {
	// Z·r and Z·y with one pass over Z (3×4, row-major), as the Hessian
	// tracker's preconditioner computes them over its spectral cache.
	z := []float64{
		1, 0, 0, 1,
		0, 2, 0, 0,
		1, 1, 1, 1,
	}
	r := []float64{1, 2, 3, 4}
	y := []float64{1, -1, 1, -1}
	zr, zy := make([]float64, 3), make([]float64, 3)
	kernel.GemvPair(kernel.Default(), 3, 4, 1, z, 4, r, y, 0, zr, zy)
	fmt.Println(zr, zy)
	// Output: [5 4 10] [0 -2 0]
}
