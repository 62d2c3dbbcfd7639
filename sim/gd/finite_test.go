package gd

import (
	"math"
	"testing"
)

// TestAllFinite checks the branch-free scan against the value-by-value
// test: every length up to 9 (the four-wide loop and its tail), each
// non-finite value at every position, among finite values that must not
// trip it (the largest and smallest magnitudes, −0).
func TestAllFinite(t *testing.T) {
	finiteVals := []float64{1, -0.0, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 3e-310}
	for n := 0; n <= 9; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = finiteVals[i%len(finiteVals)]
		}
		if !allFinite(x) {
			t.Errorf("n=%d: finite values %v reported non-finite", n, x)
		}
		for i := 0; i < n; i++ {
			for _, bad := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
				y := append([]float64(nil), x...)
				y[i] = bad
				if allFinite(y) {
					t.Errorf("n=%d: %v at %d not seen", n, bad, i)
				}
			}
		}
	}
}

func BenchmarkAllFinite(b *testing.B) {
	x := make([]float64, 16896) // the anchors' m = 512 network
	for i := range x {
		x[i] = float64(i)
	}
	ref := func(x []float64) bool {
		for _, v := range x {
			if !finite(v) {
				return false
			}
		}
		return true
	}
	b.Run("impl=scan", func(b *testing.B) {
		for b.Loop() {
			if !allFinite(x) {
				b.Fatal("not finite")
			}
		}
	})
	b.Run("impl=per-value", func(b *testing.B) {
		for b.Loop() {
			if !ref(x) {
				b.Fatal("not finite")
			}
		}
	})
}
