package reference

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/eoskit/eoskit/sim/kernel"
)

// unitRoundoff is u = 2⁻⁵³, the unit roundoff of float64.
const unitRoundoff = 0x1p-53

// gamma is Higham's γ_n = n·u/(1 − n·u): the bound on the relative error
// of any n-term sum of products evaluated in float64 in any order, with or
// without fused multiply-adds (Higham, Accuracy and Stability of Numerical
// Algorithms, §3.1): |fl(xᵀy) − xᵀy| ≤ γ_n·|x|ᵀ|y|.
func gamma(n int) float64 {
	nu := float64(n) * unitRoundoff
	return nu / (1 - nu)
}

// KernelSuite runs the conformance battery of kernel.Backend on b: GEMM on
// random shapes (sizes 1, 3, 7, 64, 65, 513 and the simulator's
// 500×32·32×512 and 512×500·500×32) in all four transpose combinations,
// with leading dimensions larger than the width and alpha/beta
// combinations, against kernel.Naive within the elementwise bound below;
// GEMV likewise; beta = 0 ignoring a NaN-filled C, alpha = 0 and k = 0
// ignoring NaN-filled A and B; padding between rows never written; results
// bit-identical for GOMAXPROCS = 1 and 2 and under concurrent calls; zero
// allocations per call in steady state; panics on malformed arguments.
//
// Error bound. Each of the two computations (b and Naive) computes
// c = alpha·s + beta·c0 where s is a k-term dot product, plus at most two
// roundings (alpha·s and the final addition; blocked variants split s into
// blocks whose partial sums add a few more roundings but never more than k+2
// in total). Hence each is within γ_{k+2}(|alpha|(|A||B|)_ij + |beta||c0_ij|)
// of the exact value and the two differ by at most twice that.
func KernelSuite(t *testing.T, b kernel.Backend) {
	t.Run("GemmShapes", func(t *testing.T) { gemmShapes(t, b) })
	t.Run("GemmSpecial", func(t *testing.T) { gemmSpecial(t, b) })
	t.Run("Gemv", func(t *testing.T) { gemvShapes(t, b) })
	t.Run("GemvSpecial", func(t *testing.T) { gemvSpecial(t, b) })
	t.Run("GemvPair", func(t *testing.T) { gemvPair(t, b) })
	t.Run("Threads", func(t *testing.T) { kernelThreads(t, b) })
	t.Run("Concurrent", func(t *testing.T) { kernelConcurrent(t, b) })
	t.Run("Allocs", func(t *testing.T) { kernelAllocs(t, b) })
	t.Run("Panics", func(t *testing.T) { kernelPanics(t, b) })
}

// gemmCase is one GEMM problem with its storage.
type gemmCase struct {
	tA, tB        bool
	m, n, k       int
	alpha, beta   float64
	lda, ldb, ldc int
	a, b, c0      []float64
}

// padded returns an r×c matrix with leading dimension ld = c + pad, entries
// N(0,1) and NaN in the padding (a correct kernel never reads it).
func padded(rng *rand.Rand, r, c, pad int) ([]float64, int) {
	ld := max(1, c+pad)
	if r == 0 {
		return nil, ld
	}
	s := make([]float64, (r-1)*ld+c)
	for i := range s {
		if i%ld < c {
			s[i] = rng.NormFloat64()
		} else {
			s[i] = math.NaN()
		}
	}
	return s, ld
}

func newGemmCase(rng *rand.Rand, tA, tB bool, m, n, k int, alpha, beta float64) gemmCase {
	g := gemmCase{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	g.a, g.lda = padded(rng, ar, ac, rng.IntN(4))
	g.b, g.ldb = padded(rng, br, bc, rng.IntN(4))
	g.c0, g.ldc = padded(rng, m, n, rng.IntN(4))
	return g
}

func (g gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%g beta=%g lda=%d ldb=%d ldc=%d",
		g.tA, g.tB, g.m, g.n, g.k, g.alpha, g.beta, g.lda, g.ldb, g.ldc)
}

func (g gemmCase) run(b kernel.Backend, c []float64) {
	b.Gemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc)
}

func absSlice(s []float64) []float64 {
	r := make([]float64, len(s))
	for i, v := range s {
		r[i] = math.Abs(v)
	}
	return r
}

// check compares b's result with Naive's within the bound of KernelSuite's
// comment, and checks that the padding of C kept its bits.
func (g gemmCase) check(t *testing.T, b kernel.Backend) {
	t.Helper()
	got := append([]float64(nil), g.c0...)
	g.run(b, got)
	want := append([]float64(nil), g.c0...)
	g.run(kernel.Naive{}, want)
	// |A||B| by the naive kernel: all terms are non-negative, so the
	// computed value is within a factor 1 ± γ_k of the exact one; dividing
	// the bound by 1 − γ_k covers that.
	ab := make([]float64, len(g.c0))
	kernel.Naive{}.Gemm(g.tA, g.tB, g.m, g.n, g.k, 1, absSlice(g.a), g.lda, absSlice(g.b), g.ldb, 0, ab, g.ldc)
	gk := 2 * gamma(g.k+2) / (1 - gamma(g.k))
	bad := 0
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			p := i*g.ldc + j
			c0 := 0.0
			if g.beta != 0 {
				c0 = g.c0[p]
			}
			tol := gk * (math.Abs(g.alpha)*ab[p] + math.Abs(g.beta)*math.Abs(c0))
			if d := math.Abs(got[p] - want[p]); !(d <= tol) {
				if bad++; bad <= 3 {
					t.Errorf("%s: %v: C[%d,%d] = %v, naive %v, |diff| %g > %g", b.Name(), g, i, j, got[p], want[p], d, tol)
				}
			}
		}
	}
	checkPadding(t, b.Name(), g.String(), got, g.c0, g.n, g.ldc)
}

// checkPadding reports elements of the padding of an r×c matrix (ld) whose
// bits changed.
func checkPadding(t *testing.T, name, what string, got, orig []float64, c, ld int) {
	t.Helper()
	for p := range got {
		if p%ld >= c && math.Float64bits(got[p]) != math.Float64bits(orig[p]) {
			t.Errorf("%s: %s: padding element %d written", name, what, p)
			return
		}
	}
}

// transposes returns the four (tA, tB) combinations.
func transposes() [][2]bool {
	return [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}
}

// alphaBetas returns the (alpha, beta) pairs the shape tests cycle through;
// beta = 0 comes with a NaN-filled C.
func alphaBetas() [][2]float64 {
	return [][2]float64{{1, 0}, {-0.7, 0}, {1, 1}, {0.5, -1.3}, {2, 0.25}}
}

func gemmShapes(t *testing.T, b kernel.Backend) {
	rng := rand.New(rand.NewPCG(1, 1))
	small := []int{1, 3, 7, 65}
	var shapes [][3]int
	for _, m := range small {
		for _, n := range small {
			for _, k := range small {
				shapes = append(shapes, [3]int{m, n, k})
			}
		}
	}
	large := [][3]int{
		{64, 64, 64}, {513, 7, 65}, {7, 513, 64}, {65, 64, 513}, {64, 513, 7},
		{513, 65, 3}, {1, 513, 513}, {513, 1, 65}, {3, 65, 513},
		{13, 17, 600}, {65, 33, 257}, {300, 9, 11}, {7, 2100, 5},
		{500, 512, 32}, {512, 32, 500},
	}
	if testing.Short() {
		large = [][3]int{{64, 64, 64}, {513, 7, 65}, {65, 64, 513}, {13, 17, 600}, {7, 2100, 5}}
	}
	shapes = append(shapes, large...)
	idx := 0
	abs := alphaBetas()
	for _, s := range shapes {
		for _, tr := range transposes() {
			ab := abs[idx%len(abs)]
			idx++
			g := newGemmCase(rng, tr[0], tr[1], s[0], s[1], s[2], ab[0], ab[1])
			if ab[1] == 0 {
				fillNaN(g.c0)
			}
			g.check(t, b)
		}
	}
}

func fillNaN(s []float64) {
	for i := range s {
		s[i] = math.NaN()
	}
}

func gemmSpecial(t *testing.T, b kernel.Backend) {
	rng := rand.New(rand.NewPCG(2, 1))
	for _, tr := range transposes() {
		// beta = 0: C is NaN and must be ignored (the result is finite).
		g := newGemmCase(rng, tr[0], tr[1], 13, 11, 9, 1.5, 0)
		fillNaN(g.c0)
		got := append([]float64(nil), g.c0...)
		g.run(b, got)
		for i := 0; i < g.m; i++ {
			for j := 0; j < g.n; j++ {
				if v := got[i*g.ldc+j]; math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s: beta=0 read C: C[%d,%d] = %v", b.Name(), i, j, v)
				}
			}
		}
		// alpha = 0 and k = 0: A and B are not read; C = beta·C0 with one
		// rounding (exact comparison: fl(beta·c0) is the only sensible
		// result), and C = 0 when beta is also 0.
		for _, k := range []int{9, 0} {
			for _, beta := range []float64{0, 1, -2.5} {
				alpha := 0.0
				if k == 0 {
					alpha = 1.25
				}
				g := newGemmCase(rng, tr[0], tr[1], 13, 11, k, alpha, beta)
				fillNaN(g.a)
				fillNaN(g.b)
				got := append([]float64(nil), g.c0...)
				if beta == 0 {
					fillNaN(got)
				}
				g.run(b, got)
				for i := 0; i < g.m; i++ {
					for j := 0; j < g.n; j++ {
						p := i*g.ldc + j
						want := beta * g.c0[p]
						if beta == 0 {
							want = 0
						}
						if got[p] != want {
							t.Fatalf("%s: %v: C[%d,%d] = %v, want %v", b.Name(), g, i, j, got[p], want)
						}
					}
				}
			}
		}
	}
	// m = 0 or n = 0: nothing is touched.
	c := []float64{math.Pi}
	b.Gemm(false, false, 0, 1, 3, 1, nil, 3, []float64{1, 2, 3}, 1, 0, c, 1)
	b.Gemm(false, false, 1, 0, 3, 1, []float64{1, 2, 3}, 3, nil, 1, 0, c, 1)
	if c[0] != math.Pi {
		t.Errorf("%s: empty GEMM wrote C", b.Name())
	}
}

// gemvCase is one GEMV problem with its storage.
type gemvCase struct {
	tA          bool
	m, n        int
	alpha, beta float64
	lda         int
	a, x, y0    []float64
}

func newGemvCase(rng *rand.Rand, tA bool, m, n int, alpha, beta float64) gemvCase {
	g := gemvCase{tA: tA, m: m, n: n, alpha: alpha, beta: beta}
	g.a, g.lda = padded(rng, m, n, rng.IntN(4))
	lx, ly := n, m
	if tA {
		lx, ly = m, n
	}
	g.x, _ = padded(rng, 1, lx, 0)
	g.y0, _ = padded(rng, 1, ly, 0)
	return g
}

func (g gemvCase) String() string {
	return fmt.Sprintf("tA=%v m=%d n=%d alpha=%g beta=%g lda=%d", g.tA, g.m, g.n, g.alpha, g.beta, g.lda)
}

func (g gemvCase) run(b kernel.Backend, y []float64) {
	b.Gemv(g.tA, g.m, g.n, g.alpha, g.a, g.lda, g.x, g.beta, y)
}

// check compares b's GEMV with Naive's; the bound is KernelSuite's with k
// the length of the dot products.
func (g gemvCase) check(t *testing.T, b kernel.Backend) {
	t.Helper()
	got := append([]float64(nil), g.y0...)
	if g.beta == 0 {
		fillNaN(got)
	}
	g.run(b, got)
	want := append([]float64(nil), g.y0...)
	g.run(kernel.Naive{}, want)
	ax := make([]float64, len(g.y0))
	kernel.Naive{}.Gemv(g.tA, g.m, g.n, 1, absSlice(g.a), g.lda, absSlice(g.x), 0, ax)
	k := g.n
	if g.tA {
		k = g.m
	}
	// As for GEMM: 2γ_{k+2}, divided by 1 − γ_k for the computed |A||x|.
	gk := 2 * gamma(k+2) / (1 - gamma(k))
	for i := range got {
		y0 := 0.0
		if g.beta != 0 {
			y0 = g.y0[i]
		}
		tol := gk * (math.Abs(g.alpha)*ax[i] + math.Abs(g.beta)*math.Abs(y0))
		if d := math.Abs(got[i] - want[i]); !(d <= tol) {
			t.Errorf("%s: %v: y[%d] = %v, naive %v, |diff| %g > %g", b.Name(), g, i, got[i], want[i], d, tol)
			return
		}
	}
}

func gemvShapes(t *testing.T, b kernel.Backend) {
	rng := rand.New(rand.NewPCG(3, 1))
	sizes := []int{1, 3, 7, 8, 9, 31, 32, 33, 64, 65, 513}
	var shapes [][2]int
	for _, m := range sizes {
		for _, n := range sizes {
			shapes = append(shapes, [2]int{m, n})
		}
	}
	shapes = append(shapes, [2]int{500, 512}, [2]int{500, 4096}, [2]int{4096, 33})
	idx := 0
	abs := alphaBetas()
	for _, s := range shapes {
		for _, tA := range []bool{false, true} {
			ab := abs[idx%len(abs)]
			idx++
			newGemvCase(rng, tA, s[0], s[1], ab[0], ab[1]).check(t, b)
		}
	}
}

func gemvSpecial(t *testing.T, b kernel.Backend) {
	rng := rand.New(rand.NewPCG(4, 1))
	for _, tA := range []bool{false, true} {
		for _, beta := range []float64{0, 1, -2.5} {
			// alpha = 0 (and an empty sum): A and x are not read.
			for _, mn := range [][3]float64{{9, 11, 0}, {0, 11, 1}, {9, 0, 1}} {
				m, n, alpha := int(mn[0]), int(mn[1]), mn[2]
				if tA {
					m, n = n, m
				}
				g := newGemvCase(rng, tA, m, n, alpha, beta)
				fillNaN(g.a)
				fillNaN(g.x)
				got := append([]float64(nil), g.y0...)
				if beta == 0 {
					fillNaN(got)
				}
				g.run(b, got)
				for i := range got {
					want := beta * g.y0[i]
					if beta == 0 {
						want = 0
					}
					if got[i] != want {
						t.Fatalf("%s: %v: y[%d] = %v, want %v (exact: fl(beta·y0))", b.Name(), g, i, got[i], want)
					}
				}
			}
		}
	}
}

// pairCase is a GemvPair problem: g's matrix with g.x and x2, g.y0 and y20.
type pairCase struct {
	g       gemvCase
	x2, y20 []float64
}

func newPairCase(rng *rand.Rand, m, n int, alpha, beta float64) pairCase {
	c := pairCase{g: newGemvCase(rng, false, m, n, alpha, beta)}
	c.x2, _ = padded(rng, 1, n, 0)
	c.y20, _ = padded(rng, 1, m, 0)
	return c
}

// run returns kernel.GemvPair's two results (NaN in y where beta = 0, which
// must not be read).
func (c pairCase) run(b kernel.Backend) (y1, y2 []float64) {
	y1, y2 = append([]float64(nil), c.g.y0...), append([]float64(nil), c.y20...)
	if c.g.beta == 0 {
		fillNaN(y1)
		fillNaN(y2)
	}
	kernel.GemvPair(b, c.g.m, c.g.n, c.g.alpha, c.g.a, c.g.lda, c.g.x, c.x2, c.g.beta, y1, y2)
	return y1, y2
}

// check fails t unless GemvPair's results are those of two Gemv calls of
// the same backend, bit for bit.
func (c pairCase) check(t *testing.T, b kernel.Backend) {
	t.Helper()
	y1, y2 := c.run(b)
	w1, w2 := append([]float64(nil), c.g.y0...), append([]float64(nil), c.y20...)
	b.Gemv(false, c.g.m, c.g.n, c.g.alpha, c.g.a, c.g.lda, c.g.x, c.g.beta, w1)
	b.Gemv(false, c.g.m, c.g.n, c.g.alpha, c.g.a, c.g.lda, c.x2, c.g.beta, w2)
	if !SameBits(y1, w1) || !SameBits(y2, w2) {
		t.Errorf("%s: GemvPair %v differs from two Gemv calls", b.Name(), c.g)
	}
}

// gemvPair checks kernel.GemvPair (the backend's own when it is a
// kernel.GemvPairer, two Gemv calls otherwise) against two Gemv calls of the
// same backend, bit for bit: on awkward shapes with padded rows (odd row
// counts leave a row outside the kernels' pairs, odd column counts a tail),
// every alpha/beta case, alpha = 0 with NaN in A and x (not read), the
// thread cases at GOMAXPROCS 1 and 2, and without allocating.
func gemvPair(t *testing.T, b kernel.Backend) {
	rng := rand.New(rand.NewPCG(8, 1))
	sizes := []int{0, 1, 2, 3, 7, 8, 9, 33, 65, 513}
	abs := alphaBetas()
	idx := 0
	for _, m := range sizes {
		for _, n := range sizes {
			ab := abs[idx%len(abs)]
			idx++
			newPairCase(rng, m, n, ab[0], ab[1]).check(t, b)
		}
	}
	for _, beta := range []float64{0, 1, -2.5} {
		c := newPairCase(rng, 9, 11, 0, beta)
		fillNaN(c.g.a)
		fillNaN(c.g.x)
		fillNaN(c.x2)
		c.check(t, b)
	}
	big := []pairCase{newPairCase(rng, 500, 4096, 1, 0), newPairCase(rng, 513, 4095, 2, 1)}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, p := range []int{1, 2} {
		runtime.GOMAXPROCS(p)
		for _, c := range big {
			c.check(t, b)
			if _, ok := b.(kernel.Gonum); ok {
				continue // gonum allocates per large call (see kernelAllocs)
			}
			y1, y2 := c.run(b)
			if n := AllocsPerCall(20, func() {
				kernel.GemvPair(b, c.g.m, c.g.n, c.g.alpha, c.g.a, c.g.lda, c.g.x, c.x2, c.g.beta, y1, y2)
			}); n != 0 {
				t.Errorf("%s: GOMAXPROCS=%d: GemvPair %v: %v allocations per call", b.Name(), p, c.g, n)
			}
		}
	}
}

// threadCases are problems large enough for the parallel variants to split
// (over 4 MFLOP per GEMM, over 2²⁰ elements per GEMV).
func threadCases(rng *rand.Rand) ([]gemmCase, []gemvCase) {
	gs := []gemmCase{
		newGemmCase(rng, false, true, 500, 512, 32, 1, 0),
		newGemmCase(rng, true, false, 512, 32, 500, 0.5, 1),
		// Long rows: the asm variant runs this one as dot products of rows
		// (gemmDots), split into parts; the next one too small a side for
		// that as a whole but not once split, so that a path chosen per part
		// would change the bits with GOMAXPROCS.
		newGemmCase(rng, false, true, 40, 32, 4000, 1, 0.5),
		newGemmCase(rng, false, true, 100, 32, 700, 1, 0),
		newGemmCase(rng, false, false, 513, 65, 300, 1, 0.25),
		newGemmCase(rng, true, true, 65, 513, 600, -1, 0),
		newGemmCase(rng, false, true, 500, 4096, 32, 1, 0),
	}
	vs := []gemvCase{
		newGemvCase(rng, false, 500, 4096, 1, 0),
		newGemvCase(rng, true, 500, 4096, 1, 0.5),
		newGemvCase(rng, false, 513, 4095, 2, 1),
		newGemvCase(rng, true, 513, 4095, 1, 0),
	}
	if testing.Short() {
		return gs[:4], vs[:2]
	}
	return gs, vs
}

// GOMAXPROCSIndependent runs run with GOMAXPROCS 1 and then 2 (restoring
// the setting after) and fails t unless the two results are bit-identical.
func GOMAXPROCSIndependent(t testing.TB, run func() []float64) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	a := run()
	runtime.GOMAXPROCS(2)
	b := run()
	if !SameBits(a, b) {
		t.Fatalf("GOMAXPROCS 1 vs 2: %v vs %v", a, b)
	}
}

// SameBits reports whether a and b have the same length and the same bits
// in every element (so NaN equals a NaN of the same payload, and −0 differs
// from +0): the comparison of the bit-for-bit reproducibility checks.
func SameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func kernelThreads(t *testing.T, b kernel.Backend) {
	rng := rand.New(rand.NewPCG(5, 1))
	gs, vs := threadCases(rng)
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, g := range gs {
		var out [2][]float64
		for i, p := range []int{1, 2} {
			runtime.GOMAXPROCS(p)
			out[i] = append([]float64(nil), g.c0...)
			g.run(b, out[i])
		}
		if !SameBits(out[0], out[1]) {
			t.Errorf("%s: %v: GOMAXPROCS 1 and 2 differ", b.Name(), g)
		}
	}
	for _, g := range vs {
		var out [2][]float64
		for i, p := range []int{1, 2} {
			runtime.GOMAXPROCS(p)
			out[i] = append([]float64(nil), g.y0...)
			g.run(b, out[i])
		}
		if !SameBits(out[0], out[1]) {
			t.Errorf("%s: %v: GOMAXPROCS 1 and 2 differ", b.Name(), g)
		}
	}
}

// kernelConcurrent runs the same calls from several goroutines at once on
// one Backend; each must give the serial result.
func kernelConcurrent(t *testing.T, b kernel.Backend) {
	rng := rand.New(rand.NewPCG(6, 1))
	gs, vs := threadCases(rng)
	want := make([][]float64, len(gs)+len(vs))
	for i, g := range gs {
		want[i] = append([]float64(nil), g.c0...)
		g.run(b, want[i])
	}
	for i, g := range vs {
		want[len(gs)+i] = append([]float64(nil), g.y0...)
		g.run(b, want[len(gs)+i])
	}
	workers := 4
	if testing.Short() {
		workers = 2
	}
	var wg sync.WaitGroup
	errs := make(chan string, workers*len(want))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, g := range gs {
				c := append([]float64(nil), g.c0...)
				g.run(b, c)
				if !SameBits(c, want[i]) {
					errs <- g.String()
				}
			}
			for i, g := range vs {
				y := append([]float64(nil), g.y0...)
				g.run(b, y)
				if !SameBits(y, want[len(gs)+i]) {
					errs <- g.String()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("%s: %s: concurrent call differs from the serial one", b.Name(), e)
	}
}

func kernelAllocs(t *testing.T, b kernel.Backend) {
	if _, ok := b.(kernel.Gonum); ok {
		t.Skip("gonum's Dgemm starts goroutines (and allocates) per large call; it is a baseline, not a simulator backend")
	}
	rng := rand.New(rand.NewPCG(7, 1))
	gs, vs := threadCases(rng)
	// AllocsPerCall reports whole allocations per call (the total divided
	// by runs, rounded down) at the GOMAXPROCS set here (testing.AllocsPerRun
	// would measure at 1 both times): twenty runs catch any per-call
	// allocation while the runtime's own occasional allocations with two
	// threads do not count (see AllocsPerCall).
	const runs = 20
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, p := range []int{1, 2} {
		runtime.GOMAXPROCS(p)
		for _, g := range gs[:2] {
			c := append([]float64(nil), g.c0...)
			g.run(b, c) // warm-up: workspaces are allocated once
			if n := AllocsPerCall(runs, func() { g.run(b, c) }); n != 0 {
				t.Errorf("%s: GOMAXPROCS=%d: %v: %v allocations per call", b.Name(), p, g, n)
			}
		}
		for _, g := range vs[:2] {
			y := append([]float64(nil), g.y0...)
			g.run(b, y)
			if n := AllocsPerCall(runs, func() { g.run(b, y) }); n != 0 {
				t.Errorf("%s: GOMAXPROCS=%d: %v: %v allocations per call", b.Name(), p, g, n)
			}
		}
	}
}

// mustPanic reports whether f panics.
func mustPanic(f func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	f()
	return false
}

func kernelPanics(t *testing.T, b kernel.Backend) {
	a := make([]float64, 12)
	x := make([]float64, 4)
	y1, y2, y3 := make([]float64, 3), make([]float64, 4), make([]float64, 3)
	cases := []struct {
		name string
		f    func()
	}{
		{"gemm lda < k", func() { b.Gemm(false, false, 3, 3, 4, 1, a, 3, a, 3, 0, a, 3) }},
		{"gemm short c", func() { b.Gemm(false, false, 3, 3, 3, 1, a, 3, a, 3, 0, a[:8], 3) }},
		{"gemm short a", func() { b.Gemm(true, false, 3, 3, 4, 1, a[:11], 3, a, 3, 0, a, 3) }},
		{"gemm negative", func() { b.Gemm(false, false, -1, 3, 3, 1, a, 3, a, 3, 0, a, 3) }},
		{"gemv short x", func() { b.Gemv(false, 3, 4, 1, a, 4, x[:3], 0, x) }},
		{"gemv short y", func() { b.Gemv(true, 3, 4, 1, a, 4, x[:3], 0, x[:3]) }},
		{"gemv lda", func() { b.Gemv(false, 3, 4, 1, a, 3, x, 0, x) }},
		// GemvPair checks both products' slices, also where alpha = 0
		// leaves A and x unread.
		{"gemvpair short x1", func() { kernel.GemvPair(b, 3, 4, 1, a, 4, x[:3], y2, 0, y1, y3) }},
		{"gemvpair short x2", func() { kernel.GemvPair(b, 3, 4, 1, a, 4, x, y2[:3], 0, y1, y3) }},
		{"gemvpair short y2", func() { kernel.GemvPair(b, 3, 4, 0, a, 4, x, y2, 0, y1, y3[:2]) }},
		{"gemvpair lda", func() { kernel.GemvPair(b, 3, 4, 1, a, 3, x, y2, 0, y1, y3) }},
	}
	for _, c := range cases {
		if !mustPanic(c.f) {
			t.Errorf("%s: %s: no panic", b.Name(), c.name)
		}
	}
}
