package kernel

import (
	"math/rand/v2"
	"testing"
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
				a := make([]float64, (kc+mn+2)*ld)
				for i := range a {
					a[i] = rng.NormFloat64()
				}
				// packA at offset (ic, pc) = (1, 2) of the stored matrix.
				na := roundUp(mn, mr) * kc
				g, v := make([]float64, na), make([]float64, na)
				packA(isaGeneric, g, trans, a, ld, 1, 2, mn, kc)
				packA(isaAVX2, v, trans, a, ld, 1, 2, mn, kc)
				if i := firstDiff(g, v); i >= 0 {
					t.Fatalf("packA kc=%d mc=%d tA=%v: element %d = %v, want %v", kc, mn, trans, i, v[i], g[i])
				}
				nb := roundUp(mn, nr) * kc
				g, v = make([]float64, nb), make([]float64, nb)
				packB(isaGeneric, g, trans, a, ld, 2, 1, kc, mn)
				packB(isaAVX2, v, trans, a, ld, 2, 1, kc, mn)
				if i := firstDiff(g, v); i >= 0 {
					t.Fatalf("packB kc=%d nc=%d tB=%v: element %d = %v, want %v", kc, mn, trans, i, v[i], g[i])
				}
			}
		}
	}
}

// firstDiff returns the first index where a and b differ in bits, or -1.
func firstDiff(a, b []float64) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
