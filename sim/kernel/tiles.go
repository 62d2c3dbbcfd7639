package kernel

import (
	"fmt"

	"github.com/eoskit/eoskit/sim/kernel/internal/avx"
)

// TileRows and TileCols are the shape of the register tile of the packed
// variants: Tiler.Tiles computes TileRows×TileCols blocks of C.
const (
	TileRows = mr
	TileCols = nr
)

// Tiler is implemented by the variants whose GEMM runs on a register-tile
// kernel (Tuned and Asm). It exposes that kernel with free strides, so that
// a caller can keep its operands in layouts the kernel reads directly (no
// packing per call) and fuse its own elementwise work between products
// while the data is in cache, and the variant's helper goroutines, so that
// such fused work can use the cores.
type Tiler interface {
	Backend
	// Tiles computes count tiles of TileRows×TileCols: for t < count,
	// C_t = A_t·B_t, or C_t = C_t + A_t·B_t when add is true, where
	//
	//	A_t(i, l) = a[t*as + l*lda + i]   (i < TileRows, l < k)
	//	B_t(l, j) = b[t*bs + l*ldb + j]   (j < TileCols)
	//	C_t(i, j) = c[t*cs + i*ldc + j]
	//
	// with non-negative strides and k ≥ 1. Each element is one
	// multiply-add chain over l in order from +0 (fused in Asm's AVX2
	// kernel), then stored, or added to C with one rounding: the
	// operations of Gemm with alpha = 1 and beta 0 or 1 when k fits one
	// block of the packed driver. Tiles runs on the calling goroutine and
	// panics when an index falls outside a slice.
	Tiles(count, k int, a []float64, as, lda int, b []float64, bs, ldb int, c []float64, cs, ldc int, add bool)
	// Parallel calls fn(p) once for every p < parts, on the calling
	// goroutine and the variant's helper goroutines (at most GOMAXPROCS
	// at a time), and returns when every call has returned. The calls may
	// run in any order and concurrently: for results that do not depend on
	// GOMAXPROCS, part p's work must depend on p only.
	Parallel(parts int, fn func(part int))
}

var (
	_ Tiler = (*Tuned)(nil)
	_ Tiler = (*Asm)(nil)
)

// Tiles implements Tiler with the pure-Go micro-kernel.
func (t *Tuned) Tiles(count, k int, a []float64, as, lda int, b []float64, bs, ldb int, c []float64, cs, ldc int, add bool) {
	tiles(isaGeneric, count, k, a, as, lda, b, bs, ldb, c, cs, ldc, add)
}

// Parallel implements Tiler.
func (t *Tuned) Parallel(parts int, fn func(part int)) { t.e.parallel(parts, fn) }

// Tiles implements Tiler with the AVX2+FMA micro-kernel where the CPU has
// it (Tuned's otherwise).
func (t *Asm) Tiles(count, k int, a []float64, as, lda int, b []float64, bs, ldb int, c []float64, cs, ldc int, add bool) {
	tiles(t.e.isa, count, k, a, as, lda, b, bs, ldb, c, cs, ldc, add)
}

// Parallel implements Tiler.
func (t *Asm) Parallel(parts int, fn func(part int)) { t.e.parallel(parts, fn) }

// tileSpan returns the number of elements a strided tile sequence reaches:
// 1 + (count−1)·step + (rows−1)·ld + cols−1.
func tileSpan(name string, count, step, rows, ld, cols int) int {
	if step < 0 || ld < 0 {
		panic(fmt.Sprintf("kernel: Tiles: negative stride for %s (%d, %d)", name, step, ld))
	}
	return (count-1)*step + (rows-1)*ld + cols
}

func tiles(s isa, count, k int, a []float64, as, lda int, b []float64, bs, ldb int, c []float64, cs, ldc int, add bool) {
	if count < 0 || k < 1 {
		panic(fmt.Sprintf("kernel: Tiles with count = %d, k = %d", count, k))
	}
	na := tileSpan("a", count, as, k, lda, mr)
	nb := tileSpan("b", count, bs, k, ldb, nr)
	nc := tileSpan("c", count, cs, mr, ldc, nr)
	if count == 0 {
		return
	}
	if len(a) < na || len(b) < nb || len(c) < nc {
		panic(fmt.Sprintf("kernel: Tiles reaches a[%d], b[%d], c[%d] but len = %d, %d, %d", na-1, nb-1, nc-1, len(a), len(b), len(c)))
	}
	if s == isaAVX2 {
		ad := 0
		if add {
			ad = 1
		}
		avx.Tiles(count, k, &a[0], as, lda, &b[0], bs, ldb, &c[0], cs, ldc, ad)
		return
	}
	for t := 0; t < count; t++ {
		tileGo(k, a[t*as:], lda, b[t*bs:], ldb, c[t*cs:], ldc, add)
	}
}

// tileGo is Tiles' pure-Go tile, written as gemmKernelGo (1×4 sub-tiles,
// plain multiply-adds that the compiler may or may not fuse).
func tileGo(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, add bool) {
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j += 4 {
			var c0, c1, c2, c3 float64
			for l := 0; l < k; l++ {
				bb := b[l*ldb+j : l*ldb+j+4]
				x := a[l*lda+i]
				c0 += x * bb[0]
				c1 += x * bb[1]
				c2 += x * bb[2]
				c3 += x * bb[3]
			}
			r := c[i*ldc+j : i*ldc+j+4]
			if add {
				c0 += r[0]
				c1 += r[1]
				c2 += r[2]
				c3 += r[3]
			}
			r[0], r[1], r[2], r[3] = c0, c1, c2, c3
		}
	}
}
