package kernel

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim/kernel/internal/avx"
)

// Row passes of the two-layer tanh network with one output,
// f(x) = s·Σ_j a_j tanh(w_j·x), for one example at a time: h is the row
// tanh(Z) over the neurons (h_j = tanh(w_j·x)), a the output weights. They
// fuse the elementwise work of a gradient or a Hessian-vector product into
// one or two sweeps over a row that is still in cache, with σ' = 1 − h²
// and σ″ = −2h·σ' recomputed from h instead of stored. Each is
// bit-identical between its AVX2 kernel and its pure-Go form (every fused
// multiply-add spelled math.FMA), so results do not depend on the CPU.
//
// The dot products sum in a fixed order: eight lane sums s_l over the
// indices i ≡ l (mod 8) below len &^ 3, a separate tail sum over the last
// len mod 4 elements, then ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)) + tail.

// TanhDot writes h[i] = Tanh(z[i]) and returns Σ_i h[i]·a[i], each lane sum
// a chain s = fma(h_i, a_i, s) (the forward pass of one example:
// f = s·TanhDot(h, z, a)). h may be z; len(h) and len(a) must be len(z).
func TanhDot(h, z, a []float64) float64 { return tanhDot(detectISA(), h, z, a) }

// TanhGradRow is the backward pass of one example with output-weight
// coefficient c (c = (s/n)·r for the residual r): with σ' = fma(−h, h, 1)
// it writes ga[i] = fma(c, h[i], ga[i]) (accumulating ∂E/∂a) and
// g[i] = (c·a[i])·σ'_i (the row of Δ = ∂E/∂Z). g may be h; all slices have
// len(h).
func TanhGradRow(g, ga, h, a []float64, c float64) { tanhGradRow(detectISA(), g, ga, h, a, c) }

// TanhHVPDot is the first sweep of a Hessian-vector product over one
// example, with zd the row of Ż = X·Vᵀ and b the direction's output
// weights: it writes sd[i] = fma(−h, h, 1)·zd[i] (the row of Ṡ = σ'⊙Ż) and
// returns Σ_i fma(h_i, b_i, sd_i·a_i), each lane sum a chain s = s + v_i
// (so that s·TanhHVPDot is the example's Ḟ). sd may be zd; all slices have
// len(h).
func TanhHVPDot(sd, h, zd, a, b []float64) float64 { return tanhHVPDot(detectISA(), sd, h, zd, a, b) }

// TanhHVPRow is the second sweep of a Hessian-vector product over one
// example, with cf = (s/n)·s·Ḟ and cr = (s/n)·r: with σ' = fma(−h, h, 1) it
// writes
//
//	ha[i] = fma(cr, sd[i], fma(cf, h[i], ha[i]))                 (∂_a of the product)
//	dd[i] = fma((−2cr·a[i])·h[i], sd[i], fma(cf, a[i], cr·b[i])·σ')  (the row of Δ̇)
//
// that is Δ̇ = (cf·a + cr·b)⊙σ' + (cr·a)⊙σ″⊙Ż with σ″ = −2h·σ'. dd may be
// sd; all slices have len(h).
func TanhHVPRow(dd, ha, h, sd, a, b []float64, cf, cr float64) {
	tanhHVPRow(detectISA(), dd, ha, h, sd, a, b, cf, cr)
}

func checkRow(name string, n int, s ...[]float64) {
	for _, x := range s {
		if len(x) != n {
			panic(fmt.Sprintf("kernel: %s: slice of length %d, want %d", name, len(x), n))
		}
	}
}

// reduce8 sums the lane sums and the tail in the order of the row passes.
func reduce8(acc *[8]float64, tail float64) float64 {
	u0, u1, u2, u3 := acc[0]+acc[4], acc[1]+acc[5], acc[2]+acc[6], acc[3]+acc[7]
	return ((u0 + u2) + (u1 + u3)) + tail
}

func tanhDot(s isa, h, z, a []float64) float64 {
	n := len(z)
	checkRow("TanhDot", n, h, a)
	var acc [8]float64
	i := 0
	if s == isaAVX2 && n >= 4 {
		i = n &^ 3
		avx.TanhDot(&h[0], &z[0], &a[0], i, &acc)
	}
	for ; i < n&^3; i++ {
		v := Tanh(z[i])
		h[i] = v
		acc[i&7] = math.FMA(v, a[i], acc[i&7])
	}
	var tail float64
	for ; i < n; i++ {
		v := Tanh(z[i])
		h[i] = v
		tail = math.FMA(v, a[i], tail)
	}
	return reduce8(&acc, tail)
}

func tanhGradRow(s isa, g, ga, h, a []float64, c float64) {
	n := len(h)
	checkRow("TanhGradRow", n, g, ga, a)
	i := 0
	if s == isaAVX2 && n >= 4 {
		i = n &^ 3
		avx.TanhGradRow(&g[0], &ga[0], &h[0], &a[0], i, c)
	}
	for ; i < n; i++ {
		v := h[i]
		d := math.FMA(-v, v, 1)
		ga[i] = math.FMA(c, v, ga[i])
		g[i] = float64(c*a[i]) * d
	}
}

func tanhHVPDot(s isa, sd, h, zd, a, b []float64) float64 {
	n := len(h)
	checkRow("TanhHVPDot", n, sd, zd, a, b)
	var acc [8]float64
	i := 0
	if s == isaAVX2 && n >= 4 {
		i = n &^ 3
		avx.TanhHVPDot(&sd[0], &h[0], &zd[0], &a[0], &b[0], i, &acc)
	}
	var tail float64
	for ; i < n; i++ {
		v := h[i]
		x := math.FMA(-v, v, 1) * zd[i]
		sd[i] = x
		w := math.FMA(v, b[i], float64(x*a[i]))
		if i < n&^3 {
			acc[i&7] += w
		} else {
			tail += w
		}
	}
	return reduce8(&acc, tail)
}

func tanhHVPRow(s isa, dd, ha, h, sd, a, b []float64, cf, cr float64) {
	n := len(h)
	checkRow("TanhHVPRow", n, dd, ha, sd, a, b)
	m2cr := -2 * cr
	i := 0
	if s == isaAVX2 && n >= 4 {
		i = n &^ 3
		avx.TanhHVPRow(&dd[0], &ha[0], &h[0], &sd[0], &a[0], &b[0], i, cf, cr, m2cr)
	}
	for ; i < n; i++ {
		v, x := h[i], sd[i]
		d1 := math.FMA(-v, v, 1)
		ha[i] = math.FMA(cr, x, math.FMA(cf, v, ha[i]))
		t := math.FMA(cf, a[i], float64(cr*b[i]))
		u := float64(float64(m2cr*a[i]) * v)
		dd[i] = math.FMA(u, x, float64(t*d1))
	}
}
