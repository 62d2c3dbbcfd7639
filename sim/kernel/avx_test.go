package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/sim/kernel/internal/avx"
)

// TestPackPathsAgree checks that the AVX2 transposing copies of the packing
// routines write exactly what the Go loops write (packing moves values, so
// agreement is bitwise), for block shapes around the vector width of the
// copies (k below, at and between multiples of 4), full and partial panels,
// and a leading dimension larger than the block.
func TestPackPathsAgree(t *testing.T) {
	if detectISA() != isaAVX2 {
		t.Skip("no AVX2+FMA on this CPU: only the Go packing path exists")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for _, kc := range []int{1, 3, 4, 5, 7, 8, 13, 64, 255, 256} {
		for _, mn := range []int{1, 5, 6, 7, 8, 9, 17, 48} {
			for _, trans := range []bool{false, true} {
				ld := kc + mn + 3
				a := randNormals(rng, (kc+mn+2)*ld, 1)
				// packA at offset (ic, pc) = (1, 2) of the stored matrix.
				na := roundUp(mn, mr) * kc
				g, v := make([]float64, na), make([]float64, na)
				packA(isaGeneric, g, trans, a, ld, 1, 2, mn, kc)
				packA(isaAVX2, v, trans, a, ld, 1, 2, mn, kc)
				sameBits(t, fmt.Sprintf("packA kc=%d mc=%d tA=%v", kc, mn, trans), v, g)
				nb := roundUp(mn, nr) * kc
				g, v = make([]float64, nb), make([]float64, nb)
				packB(isaGeneric, g, trans, a, ld, 2, 1, kc, mn)
				packB(isaAVX2, v, trans, a, ld, 2, 1, kc, mn)
				sameBits(t, fmt.Sprintf("packB kc=%d nc=%d tB=%v", kc, mn, trans), v, g)
			}
		}
	}
}

// TestGemvTailsMatchAVX2 checks that the rows (and columns) the AVX2 GEMV
// kernels leave to Go get the bits the assembly would give them: each is
// compared with the same row computed inside a full block of the kernel,
// by shifting the matrix so that it falls there. Without fused tails the
// results would depend on GOAMD64 (the compiler fuses plain multiply-adds
// under v3 only).
func TestGemvTailsMatchAVX2(t *testing.T) {
	if detectISA() != isaAVX2 {
		t.Skip("no AVX2+FMA on this CPU")
	}
	be := NewAsm()
	rng := rand.New(rand.NewPCG(3, 5))
	for _, n := range []int{1, 7, 9, 37, 70} {
		const m, lda = 7, 80 // rows 4..6 go to the tail
		a, x := randNormals(rng, m*lda, 1), randNormals(rng, max(n, m), 1)
		y := make([]float64, m)
		be.Gemv(false, m, n, 1, a, lda, x, 0, y)
		ref := make([]float64, 4)
		be.Gemv(false, 4, n, 1, a[3*lda:], lda, x, 0, ref) // rows 3..6 in one AVX2 block
		for i := 4; i < m; i++ {
			if y[i] != ref[i-3] {
				t.Errorf("n=%d: row %d = %v from the tail, %v from the kernel", n, i, y[i], ref[i-3])
			}
		}
	}
	// Transposed: with 37 columns, columns 32..36 are the tail; shifted by
	// five they are the end of one 32-column block.
	const m, n, lda = 9, 37, 40
	a, x := randNormals(rng, m*lda, 1), randNormals(rng, m, 1)
	y := make([]float64, n)
	be.Gemv(true, m, n, 1, a, lda, x, 0, y)
	ref := make([]float64, 32)
	be.Gemv(true, m, 32, 1, a[5:], lda, x, 0, ref)
	for j := 32; j < n; j++ {
		if y[j] != ref[j-5] {
			t.Errorf("column %d = %v from the tail, %v from the kernel", j, y[j], ref[j-5])
		}
	}
}

// TestGemvN1 checks the one-row GEMV kernel, for lengths around its 8-wide
// loop, against the operations it documents (those of each row of GemvN4)
// written with math.FMA: bit for bit.
func TestGemvN1(t *testing.T) {
	if detectISA() != isaAVX2 {
		t.Skip("no AVX2+FMA on this CPU")
	}
	rng := rand.New(rand.NewPCG(13, 17))
	for n := 0; n <= 40; n++ {
		a, x := randNormals(rng, n+1, 1), randNormals(rng, n+1, 1)
		var s [8]float64
		n8 := n &^ 7
		for j := 0; j < n8; j++ {
			s[j%8] = math.FMA(a[j], x[j], s[j%8])
		}
		var tail float64
		for j := n8; j < n; j++ {
			tail = math.FMA(a[j], x[j], tail)
		}
		u0, u1, u2, u3 := s[0]+s[4], s[1]+s[5], s[2]+s[6], s[3]+s[7]
		want := ((u0 + u2) + (u1 + u3)) + tail
		if got := avx.GemvN1(n, &a[0], &x[0]); got != want {
			t.Errorf("n=%d: %v, want %v", n, got, want)
		}
	}
}
