package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// dotsReference computes C = alpha·A·Bᵀ + beta·C with the operations
// gemmDots documents, spelled with math.FMA: four lane chains over k&^3,
// their pairwise sum, the tail chain and the epilogue.
func dotsReference(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	k4 := k &^ 3
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var q [4]float64
			for l := 0; l < k4; l++ {
				q[l%4] = math.FMA(a[i*lda+l], b[j*ldb+l], q[l%4])
			}
			s := (q[0] + q[1]) + (q[2] + q[3])
			for l := k4; l < k; l++ {
				s = math.FMA(a[i*lda+l], b[j*ldb+l], s)
			}
			c[i*ldc+j] = epilogue(s, alpha, beta, c[i*ldc+j])
		}
	}
}

// TestGemmDotsExact checks that the asm variant's A·Bᵀ products with long
// rows (the gemmDots path: k > kcMax, at most dotMax rows in A and in B) carry out
// exactly the documented operations, bit for bit, for row counts around the
// 3×4 blocks, depths around the lane width and the chunk length, leading
// dimensions beyond the row length, and the alpha/beta epilogues (with
// beta = 0, C is NaN and must not be read). Exact agreement also shows that
// the zero rows padding the last blocks never reach a result.
func TestGemmDotsExact(t *testing.T) {
	if detectISA() != isaAVX2 {
		t.Skip("no AVX2+FMA on this CPU: gemmDots is not used")
	}
	be := NewAsm()
	rng := rand.New(rand.NewPCG(41, 43))
	abs := [][2]float64{{1, 0}, {-0.7, 0}, {1, 1}, {0.5, -1.3}}
	idx := 0
	for _, m := range []int{1, 2, 3, 4, 7, 13, dotMax} {
		for _, n := range []int{1, 3, 4, 5, 9, 32, dotMax} {
			for _, k := range []int{dotMinK, dotMinK + 2, 515, 1024, 1027, 2*dotChunkMax + 9} {
				if !useDots(isaAVX2, false, true, m, n, k) {
					t.Fatalf("m=%d n=%d k=%d: not a gemmDots shape", m, n, k)
				}
				ab := abs[idx%len(abs)]
				idx++
				lda, ldb, ldc := k+rng.IntN(5), k+rng.IntN(5), n+rng.IntN(3)
				a, b := randNormals(rng, m*lda, 1), randNormals(rng, n*ldb, 1)
				c0 := randNormals(rng, m*ldc, 1)
				if ab[1] == 0 {
					for i := range c0 {
						c0[i] = math.NaN()
					}
				}
				got, want := append([]float64(nil), c0...), append([]float64(nil), c0...)
				be.Gemm(false, true, m, n, k, ab[0], a, lda, b, ldb, ab[1], got, ldc)
				dotsReference(m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
				sameBits(t, fmt.Sprintf("m=%d n=%d k=%d alpha=%g beta=%g", m, n, k, ab[0], ab[1]), got, want)
			}
		}
	}
}
