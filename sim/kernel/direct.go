package kernel

import (
	"math"

	"github.com/eoskit/eoskit/sim/kernel/internal/avx"
)

// Products C = A·Bᵀ of a few long rows by a few others skip the packing of
// gemmBlocked on AVX2: the Gram blocks of the Hessian tracker's spectral
// cache (at most 40 rows by 32, rows of p ≈ 17000 values) spent over half
// of their time in the transposing copies of the packed driver (pprof),
// which ran a block of 10 rows by 32 at p = 16896 at 13 GFLOP/s single-
// threaded; as dot products of rows (gemmDots) it takes 0.56 ms instead of
// 0.81 (six interleaved rounds: benchmarks/results/2026-11-27T1440-gram-ab.txt).
const (
	// dotChunkMax bounds the k-range of one DotTile call: the chunk of the
	// four rows of B of a column block (16 KiB) stays in L1 across its
	// calls, and the chunk of all m rows of A in L2.
	dotChunkMax = 512
	// dotMax and dotMinK select gemmDots: at most dotMax rows in A and in
	// B, and a depth beyond one packed block. Products with more rows
	// reuse their packed panels enough to amortise the packing.
	dotMax  = 64
	dotMinK = kcMax + 1
)

// useDots reports whether a GEMM call runs C = alpha·A·Bᵀ + beta·C as
// blocks of dot products of rows (gemmDots) instead of gemmBlocked. It is
// decided once per call on the whole shape: the parts of a split call are
// smaller, and a part taking the other path would change the bits.
func useDots(s isa, tA, tB bool, m, n, k int) bool {
	return s == isaAVX2 && !tA && tB && k >= dotMinK && m <= dotMax && n <= dotMax
}

// dotAccLen is the number of lane sums gemmDots keeps: 48 per 3×4 block.
func dotAccLen(m, n int) int { return (m + 2) / 3 * ((n + 3) / 4) * 48 }

// gemmDots computes C = alpha·A·Bᵀ + beta·C for A m×k and B n×k stored by
// rows (leading dimensions lda, ldb), as dot products of rows: each
// element is four lane chains s_q = fma(a_il, b_jl, s_q) over l ≡ q (mod 4),
// l < k&^3, in order from +0 (DotTile on 3×4 blocks of rows, over chunks of
// at most dotChunkMax values, the chains carried from chunk to chunk), then
// s = (s_0 + s_1) + (s_2 + s_3), the chain s = fma(a_il, b_jl, s) over the
// last k mod 4 values, and c = epilogue(s, alpha, beta, c). The operations
// of an element do not depend on the blocks around it (rows missing from
// the last blocks read a zero row, and their sums are discarded), so
// neither do the results on how a call is split into parts.
func gemmDots(ws *workspace, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	mb, nb := (m+2)/3, (n+3)/4
	kc := min(dotChunkMax, max(64, l2Budget/2/(8*m))&^3) // A's chunk in half the L2 budget
	ws.ensure(kc, dotAccLen(m, n))
	zero := ws.ap[:kc]
	clear(zero)
	acc := ws.bp[:dotAccLen(m, n)]
	clear(acc)
	k4 := k &^ 3
	for l0 := 0; l0 < k4; l0 += kc {
		w := min(kc, k4-l0)
		for jb := 0; jb < nb; jb++ {
			j := 4 * jb
			b0, b1 := dotRow(b, ldb, j, n, l0, zero), dotRow(b, ldb, j+1, n, l0, zero)
			b2, b3 := dotRow(b, ldb, j+2, n, l0, zero), dotRow(b, ldb, j+3, n, l0, zero)
			for ib := 0; ib < mb; ib++ {
				i := 3 * ib
				avx.DotTile(w, dotRow(a, lda, i, m, l0, zero), dotRow(a, lda, i+1, m, l0, zero), dotRow(a, lda, i+2, m, l0, zero),
					b0, b1, b2, b3, (*[48]float64)(acc[(ib*nb+jb)*48:]))
			}
		}
	}
	for i := 0; i < m; i++ {
		ai := a[i*lda : i*lda+k]
		for j := 0; j < n; j++ {
			q := acc[(i/3*nb+j/4)*48+(i%3*4+j%4)*4:]
			s := (q[0] + q[1]) + (q[2] + q[3])
			bj := b[j*ldb : j*ldb+k]
			for l := k4; l < k; l++ {
				s = math.FMA(ai[l], bj[l], s)
			}
			c[i*ldc+j] = epilogue(s, alpha, beta, c[i*ldc+j])
		}
	}
}

// dotRow returns the address of value l0 of row i of x (leading dimension
// ld) when the row exists (i < rows), else of the zero row.
func dotRow(x []float64, ld, i, rows, l0 int, zero []float64) *float64 {
	if i < rows {
		return &x[i*ld+l0]
	}
	return &zero[0]
}
