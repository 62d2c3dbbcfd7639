package benchmarks

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/eoskit/eoskit/benchmarks/internal/peak"
	"github.com/eoskit/eoskit/sim/kernel"
)

// The two-layer network's sizes: n samples, d inputs, m neurons.
const (
	nSamples = 500
	dInputs  = 32
)

// widths returns the network widths m the benchmarks use.
func widths() []int { return []int{64, 512, 4096} }

// trackerDim is the parameter count of the anchors' m = 512 network,
// m·(d+1).
const trackerDim = 512 * (dInputs + 1)

// naiveMaxFlops keeps the naive reference off the largest shapes (over a
// second per call).
const naiveMaxFlops = 3e8

// TestMain prints which kernels this build has as benchstat configuration
// lines, so saved results name the backend that ran.
func TestMain(m *testing.M) {
	fmt.Printf("kernel-variants: %s\n", strings.Join(kernel.Names(), " "))
	if a, ok := kernel.Default().(*kernel.Asm); ok {
		fmt.Printf("kernel-asm-isa: %s\n", a.ISA())
	}
	os.Exit(m.Run())
}

func normals(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}

type gemmShape struct {
	tA, tB  bool
	m, n, k int
}

func (s gemmShape) String() string {
	f := func(t bool) string {
		if t {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s-%dx%dx%d", f(s.tA), f(s.tB), s.m, s.n, s.k)
}

// gemmShapes are the simulator's GEMMs for each width m: the forward
// Z = X·Wᵀ ((n×d)·(d×m), B transposed), the gradient g_W = Gᵀ·X
// ((m×n)·(n×d), A transposed), the same products with the other storage
// orders, square 512 and 1024 for reference against OpenBLAS, and the
// Hessian tracker's cache update at the anchors' m = 512 (p = 16896
// parameters): a Gram block of 10 new rows against the 32 cached ones
// (A·Bᵀ with long rows) and the rebuild of 32 rows from 32 (Aᵀ·B).
func gemmShapes() []gemmShape {
	var s []gemmShape
	for _, m := range widths() {
		s = append(s,
			gemmShape{false, true, nSamples, m, dInputs},
			gemmShape{true, false, m, dInputs, nSamples},
		)
	}
	s = append(s,
		gemmShape{false, false, nSamples, 512, dInputs},
		gemmShape{true, true, 512, dInputs, nSamples},
		gemmShape{false, false, 512, 512, 512},
		gemmShape{false, false, 1024, 1024, 1024},
		gemmShape{false, true, 10, 32, trackerDim},
		gemmShape{true, false, 32, trackerDim, 32},
	)
	return s
}

func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range gemmShapes() {
		a := normals(rng, s.m*s.k)
		bm := normals(rng, s.k*s.n)
		c := normals(rng, s.m*s.n)
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		for _, name := range kernel.Names() {
			if name == "naive" && flops > naiveMaxFlops {
				continue
			}
			be, err := kernel.Get(name)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("impl=%s/shape=%v", name, s), func(b *testing.B) {
				b.ReportAllocs()
				be.Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n) // workspaces
				for b.Loop() {
					be.Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkGemv runs the network's matrix-vector products f = H·a (N) and
// g_a = Hᵀ·r (T), H n×m.
func BenchmarkGemv(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, m := range widths() {
		h := normals(rng, nSamples*m)
		x := normals(rng, max(nSamples, m))
		y := normals(rng, max(nSamples, m))
		flops := 2 * float64(nSamples) * float64(m)
		for _, tA := range []bool{false, true} {
			shape := fmt.Sprintf("N-%dx%d", nSamples, m)
			if tA {
				shape = fmt.Sprintf("T-%dx%d", nSamples, m)
			}
			for _, name := range kernel.Names() {
				be, err := kernel.Get(name)
				if err != nil {
					b.Fatal(err)
				}
				b.Run(fmt.Sprintf("impl=%s/shape=%s", name, shape), func(b *testing.B) {
					b.ReportAllocs()
					be.Gemv(tA, nSamples, m, 1, h, m, x, 0, y) // workspaces
					for b.Loop() {
						be.Gemv(tA, nSamples, m, 1, h, m, x, 0, y)
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
				})
			}
		}
	}
}

// BenchmarkGemvPair runs the Hessian tracker's preconditioner products
// Z·r and Z·y over its spectral cache Z (32 rows of p = m(d+1) = 16896 at
// m = 512, 4.3 MB: beyond L2): impl=<variant> is kernel.GemvPair (one pass
// over Z for the variants that implement kernel.GemvPairer),
// impl=<variant>-twice the two Gemv calls it replaces, with the same bits.
func BenchmarkGemvPair(b *testing.B) {
	const rows = 32
	rng := rand.New(rand.NewPCG(9, 10))
	z := normals(rng, rows*trackerDim)
	x1, x2 := normals(rng, trackerDim), normals(rng, trackerDim)
	y1, y2 := make([]float64, rows), make([]float64, rows)
	flops := 2 * 2 * float64(rows) * float64(trackerDim)
	shape := fmt.Sprintf("N-%dx%d", rows, trackerDim)
	for _, name := range kernel.Names() {
		be, err := kernel.Get(name)
		if err != nil {
			b.Fatal(err)
		}
		for _, twice := range []bool{false, true} {
			impl := name
			if twice {
				impl += "-twice"
			}
			b.Run(fmt.Sprintf("impl=%s/shape=%s", impl, shape), func(b *testing.B) {
				b.ReportAllocs()
				run := func() {
					if twice {
						be.Gemv(false, rows, trackerDim, 1, z, trackerDim, x1, 0, y1)
						be.Gemv(false, rows, trackerDim, 1, z, trackerDim, x2, 0, y2)
						return
					}
					kernel.GemvPair(be, rows, trackerDim, 1, z, trackerDim, x1, x2, 0, y1, y2)
				}
				run() // workspaces
				for b.Loop() {
					run()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
			})
		}
	}
}

// peakIters is the number of iterations of one BenchmarkPeak op: 6.3 MFLOP,
// about 0.15 ms at the vector roof, long enough to hide the call.
const peakIters = 1 << 16

// BenchmarkPeak measures the machine's floating-point roof (package
// benchmarks/internal/peak: twelve independent 4-wide FMA chains and
// nothing else), so that the GFLOP/s of a kernel or of a GD step is quoted
// as a fraction of the peak measured in the same run. impl=avx2-fma is the
// vector roof; without AVX2 and FMA the loop is scalar Go (impl=go-fma), a
// roof for scalar code only.
func BenchmarkPeak(b *testing.B) {
	impl := "go-fma"
	if peak.Vector() {
		impl = "avx2-fma"
	}
	b.Run(fmt.Sprintf("impl=%s/shape=%dx%d", impl, peak.Lanes, peakIters), func(b *testing.B) {
		b.ReportAllocs()
		var sink float64
		for b.Loop() {
			sink += peak.FMA(peakIters)
		}
		if !(sink > 0) { // each call returns about 48
			b.Fatalf("peak.FMA returned a sum of %v", sink)
		}
		b.ReportMetric(peak.FlopsPerIter*peakIters*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
	})
}

// BenchmarkTanh compares math.Tanh in a loop with kernel.Tanh in a loop
// (scalar) and the slice kernel ActTanh.Eval, on the forward pass's n×m
// pre-activations (N(0,1) entries).
func BenchmarkTanh(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, m := range widths() {
		z := normals(rng, nSamples*m)
		h := make([]float64, len(z))
		shape := fmt.Sprintf("%dx%d", nSamples, m)
		impls := []struct {
			name string
			f    func()
		}{
			{"math.Tanh", func() {
				for i, v := range z {
					h[i] = math.Tanh(v)
				}
			}},
			{"kernel.Tanh", func() {
				for i, v := range z {
					h[i] = kernel.Tanh(v)
				}
			}},
			{"ActTanh.Eval", func() { kernel.ActTanh.Eval(h, z) }},
		}
		for _, im := range impls {
			b.Run(fmt.Sprintf("impl=%s/shape=%s", im.name, shape), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					im.f()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(z)), "ns/elem")
			})
		}
	}
}

// BenchmarkBackward compares the backward pass's elementwise work
// G = (1 − H²) ⊙ (c·r aᵀ): unfused (ActTanh.Deriv then MulOuter, which
// also yields σ' for an HVP) against the fused TanhMulOuter.
func BenchmarkBackward(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, m := range widths() {
		n := nSamples
		z := normals(rng, n*m)
		h := make([]float64, len(z))
		d := make([]float64, len(z))
		g := make([]float64, len(z))
		r, a := normals(rng, n), normals(rng, m)
		shape := fmt.Sprintf("%dx%d", n, m)
		impls := []struct {
			name string
			f    func()
		}{
			{"Deriv+MulOuter", func() {
				kernel.ActTanh.Deriv(h, d, z)
				kernel.MulOuter(n, m, 0.5, r, a, d, m, g, m)
			}},
			{"Eval+TanhMulOuter", func() {
				kernel.ActTanh.Eval(h, z)
				kernel.TanhMulOuter(n, m, 0.5, r, a, h, m, g, m)
			}},
		}
		for _, im := range impls {
			b.Run(fmt.Sprintf("impl=%s/shape=%s", im.name, shape), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					im.f()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(z)), "ns/elem")
			})
		}
	}
}
