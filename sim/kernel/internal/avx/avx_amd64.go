//go:build amd64

package avx

import "golang.org/x/sys/cpu"

// Supported reports whether the CPU and OS support AVX2 and FMA3.
func Supported() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// GemmKernel computes one 6×8 tile of C (leading dimension ldc, in
// elements): C = alpha·acc + beta·C (C is not read when beta is zero),
// where acc_ij = Σ_l a[l*6+i]·b[l*8+j] for l < kc ≥ 1, one fused
// multiply-add chain per element from +0, and the epilogue is fma(beta, C,
// alpha·acc) with alpha·acc rounded.
//
//go:noescape
func GemmKernel(kc int, a, b, c *float64, ldc int, alpha, beta float64)

// DotTile continues the twelve dot products of the rows a0, a1, a2 with
// the rows b0 … b3 over their first k values (k a multiple of 4), each as
// four lane chains: for i < 3, j < 4 and q < 4, acc[(4i+j)*4+q] =
// fma(a_i[l], b_j[l], acc[(4i+j)*4+q]) for l ≡ q (mod 4), in order of l.
//
//go:noescape
func DotTile(k int, a0, a1, a2, b0, b1, b2, b3 *float64, acc *[48]float64)

// GemvN4 writes the dot products of four rows of A (n ≥ 1 columns, leading
// dimension lda) with x into out, each as eight lane chains over j ≡ l
// (mod 8), a tail chain, and ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)) + tail.
//
//go:noescape
func GemvN4(n int, a *float64, lda int, x *float64, out *[4]float64)

// GemvN2x2 writes into out the dot products a0·x, a1·x, a0·y, a1·y of the
// rows a0 = a and a1 = a + lda (n ≥ 1 columns) with x and y, each with
// exactly the operations GemvN4 applies to a row, in one pass over the rows.
//
//go:noescape
func GemvN2x2(n int, a *float64, lda int, x, y *float64, out *[4]float64)

// GemvN1 returns the dot product of the n ≥ 0 values at a and x with
// exactly the operations GemvN4 applies to each of its rows.
//
//go:noescape
func GemvN1(n int, a *float64, x *float64) float64

// GemvT32 continues the chains acc[j] = fma(a[i*lda+j], x[i], acc[j]),
// j < 32, over m ≥ 1 rows in order.
//
//go:noescape
func GemvT32(m int, a *float64, lda int, x *float64, acc *[32]float64)

// Tanh writes dst[i] = tanh(src[i]) for i < n (n a multiple of 4) with the
// algorithm and constants of sim/kernel.Tanh.
//
//go:noescape
func Tanh(dst, src *float64, n int)

// PackT8 writes dst[l*8+j] = src[j*ld+l] for j < 8 and l < k&^3 (the
// transposing copy of eight rows into a GEMM panel of width 8).
//
//go:noescape
func PackT8(k int, src *float64, ld int, dst *float64)

// PackT6 writes dst[l*6+i] = src[i*ld+l] for i < 6 and l < k&^3 (the
// transposing copy of six rows into a GEMM panel of width 6).
//
//go:noescape
func PackT6(k int, src *float64, ld int, dst *float64)
