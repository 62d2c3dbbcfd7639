package kernel

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
)

// tilers returns the Tiler variants, with the asm variant also forced onto
// its pure-Go fallback.
func tilers() []struct {
	name string
	t    Tiler
} {
	return []struct {
		name string
		t    Tiler
	}{
		{"tuned", NewTuned()},
		{"asm", NewAsm()},
		{"asm-generic", newAsm(isaGeneric)},
	}
}

// naiveTiles is the reference of Tiles: plain loops, products summed in
// order.
func naiveTiles(count, k int, a []float64, as, lda int, b []float64, bs, ldb int, c []float64, cs, ldc int, add bool) {
	for t := 0; t < count; t++ {
		for i := 0; i < TileRows; i++ {
			for j := 0; j < TileCols; j++ {
				var s float64
				for l := 0; l < k; l++ {
					s += a[t*as+l*lda+i] * b[t*bs+l*ldb+j]
				}
				if add {
					s += c[t*cs+i*ldc+j]
				}
				c[t*cs+i*ldc+j] = s
			}
		}
	}
}

// TestTiles compares Tiles with the naive loops on strided layouts: packed
// panels (the forward pass), row-major operands read in place (the
// backward pass), several tiles per call with every stride in use, and
// both store and accumulate. Tolerance, element by element: both compute
// a sum of k products (plus C when accumulating), each within
// γ_{k+1}·(Σ_l |a_il||b_lj| + |c_ij|) of the exact value (Higham, Lemma 3.5,
// whether or not the multiply-adds are fused), so they differ by at most
// twice that.
func TestTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	cases := []struct {
		name                                string
		count, k, as, lda, bs, ldb, cs, ldc int
	}{
		{"single-packed", 1, 1, 0, TileRows, 0, TileCols, 0, TileCols},
		{"packed-k7", 3, 7, 7 * TileRows, TileRows, 0, TileCols, TileRows * 20, 20},
		{"forward-like", 5, 32, 32 * TileRows, TileRows, 0, TileCols, TileRows * 41, 41},
		{"backward-like", 4, 48, 0, 67, TileCols, 35, TileCols, 35},
		{"odd-strides", 2, 13, 3, 11, 5, 17, 9, 13},
		{"long-k", 1, 300, 0, TileRows, 0, TileCols, 0, TileCols},
	}
	for _, tc := range cases {
		na := tileSpan("a", tc.count, tc.as, tc.k, tc.lda, TileRows)
		nb := tileSpan("b", tc.count, tc.bs, tc.k, tc.ldb, TileCols)
		nc := tileSpan("c", tc.count, tc.cs, TileRows, tc.ldc, TileCols)
		a := randNormals(rng, na, 1)
		b := randNormals(rng, nb, 1)
		c0 := randNormals(rng, nc, 1)
		absA, absB, absC := absAll(a), absAll(b), absAll(c0)
		n := float64(tc.k + 1)
		gamma := n * 0x1p-53 / (1 - n*0x1p-53) // γ_{k+1}, unit roundoff 2⁻⁵³
		for _, add := range []bool{false, true} {
			want := append([]float64(nil), c0...)
			naiveTiles(tc.count, tc.k, a, tc.as, tc.lda, b, tc.bs, tc.ldb, want, tc.cs, tc.ldc, add)
			bound := append([]float64(nil), absC...)
			naiveTiles(tc.count, tc.k, absA, tc.as, tc.lda, absB, tc.bs, tc.ldb, bound, tc.cs, tc.ldc, add)
			for _, v := range tilers() {
				got := append([]float64(nil), c0...)
				v.t.Tiles(tc.count, tc.k, a, tc.as, tc.lda, b, tc.bs, tc.ldb, got, tc.cs, tc.ldc, add)
				for i := range got {
					if math.Abs(got[i]-want[i]) > 2*gamma*bound[i] {
						t.Fatalf("%s/%s add=%v: c[%d] = %v, want %v (bound %.3g)", v.name, tc.name, add, i, got[i], want[i], 2*gamma*bound[i])
					}
				}
			}
		}
	}
}

// TestTilesMatchGemm checks the stated operation sequence: one tile with
// k ≤ kcMax is bit-identical to the variant's own Gemm with alpha = 1 and
// beta 0 or 1 on the same operands.
func TestTilesMatchGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, k := range []int{1, 2, 5, 32, 48, kcMax} {
		// A stored k×6 (tA) is the packed layout a[l*6+i]; B is k×8.
		a := randNormals(rng, k*TileRows, 1)
		b := randNormals(rng, k*TileCols, 1)
		c0 := randNormals(rng, TileRows*TileCols, 1)
		for _, v := range tilers() {
			for _, beta := range []float64{0, 1} {
				want := append([]float64(nil), c0...)
				v.t.Gemm(true, false, TileRows, TileCols, k, 1, a, TileRows, b, TileCols, beta, want, TileCols)
				got := append([]float64(nil), c0...)
				v.t.Tiles(1, k, a, 0, TileRows, b, 0, TileCols, got, 0, TileCols, beta == 1)
				for i := range got {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("%s k=%d beta=%v: Tiles c[%d] = %v, Gemm %v", v.name, k, beta, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestTilesEdges(t *testing.T) {
	for _, v := range tilers() {
		// count 0 touches nothing, even with empty slices.
		v.t.Tiles(0, 3, nil, 0, TileRows, nil, 0, TileCols, nil, 0, TileCols, false)
		mustPanic(t, v.name+": short c", func() {
			a := make([]float64, TileRows)
			b := make([]float64, TileCols)
			c := make([]float64, TileRows*TileCols-1)
			v.t.Tiles(1, 1, a, 0, TileRows, b, 0, TileCols, c, 0, TileCols, false)
		})
		mustPanic(t, v.name+": short a", func() {
			a := make([]float64, 2*TileRows-1)
			b := make([]float64, 2*TileCols)
			c := make([]float64, TileRows*TileCols)
			v.t.Tiles(1, 2, a, 0, TileRows, b, 0, TileCols, c, 0, TileCols, false)
		})
		mustPanic(t, v.name+": k = 0", func() {
			v.t.Tiles(1, 0, nil, 0, TileRows, nil, 0, TileCols, make([]float64, 48), 0, TileCols, false)
		})
		mustPanic(t, v.name+": negative stride", func() {
			v.t.Tiles(2, 1, make([]float64, 100), -1, TileRows, make([]float64, 100), 0, TileCols, make([]float64, 100), 0, TileCols, false)
		})
	}
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", name)
		}
	}()
	f()
}

// TestParallel checks that Parallel calls every part exactly once, at
// GOMAXPROCS 1 and 2, for part counts below, at and above the number of
// helpers, including 0 (allocations: TestParallelAllocs).
func TestParallel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, v := range tilers() {
			for _, parts := range []int{0, 1, 2, 3, 8, 37} {
				counts := make([]atomic.Int32, parts)
				v.t.Parallel(parts, func(p int) { counts[p].Add(1) })
				for p := range counts {
					if c := counts[p].Load(); c != 1 {
						t.Fatalf("%s GOMAXPROCS=%d parts=%d: part %d ran %d times", v.name, procs, parts, p, c)
					}
				}
			}
		}
	}
	mustPanic(t, "negative parts", func() { NewAsm().Parallel(-1, func(int) {}) })
}

// absAll returns |x| elementwise.
func absAll(x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = math.Abs(v)
	}
	return y
}
