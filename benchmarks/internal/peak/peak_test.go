package peak

import (
	"math"
	"testing"
)

// TestFMA checks the vector loop against the Go spelling of the same
// chains bit for bit: each lane is a chain of fused multiply-adds, exact
// up to one rounding per step in both, so any difference is a wrong
// register, constant or count in the assembly.
func TestFMA(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000, 1 << 14} {
		if got, want := FMA(n), Reference(n); math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("FMA(%d) = %v, Reference %v (vector loop: %v)", n, got, want, Vector())
		}
	}
}

// TestReferenceClosedForm checks the chains against their closed form:
// lane i after n steps is 1 + (i − 1)·m^n with m = Multiplier, since
// 1 = Addend/(1 − m) is the fixed point. Each step rounds once (at most half
// an ulp of 47, 2⁻⁴⁸) and contracts earlier errors by m = 1 − 2⁻¹⁰, so a
// lane's error stays below 2⁻⁴⁸·2¹⁰ ≈ 3.6e-12 whatever n; 48 lanes add at most
// 1.7e-10, and the sum's roundings (partial sums up to about 1100, half an ulp
// 2⁻⁴³ each, 48 of them) about 5e-12, so the total is under 2e-10, checked at
// 1e-9.
func TestReferenceClosedForm(t *testing.T) {
	for _, n := range []int{0, 1, 10, 5000} {
		var want float64
		for i := range Lanes {
			want += 1 + float64(i-1)*math.Pow(Multiplier, float64(n))
		}
		if got := Reference(n); math.Abs(got-want) > 1e-9 {
			t.Errorf("Reference(%d) = %v, closed form %v", n, got, want)
		}
	}
}
