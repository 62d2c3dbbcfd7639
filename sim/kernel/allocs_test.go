package kernel_test

import (
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/kernel"
)

// The allocation tests of the parallel paths, measured with
// reference.AllocsPerCall at GOMAXPROCS 1 and 2 (testing.AllocsPerRun
// would measure at 1 both times).

// TestParallelAllocs checks that Parallel allocates nothing per call in
// steady state, on every variant with a tile kernel.
func TestParallelAllocs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, v := range []kernel.Tiler{kernel.NewTuned(), kernel.NewAsm(), kernel.NewAsmGeneric().(kernel.Tiler)} {
			var sum atomic.Int64
			fn := func(p int) { sum.Add(int64(p)) }
			if n := reference.AllocsPerCall(20, func() { v.Parallel(4, fn) }); n != 0 {
				t.Errorf("%T GOMAXPROCS=%d: Parallel allocates %v per call", v, procs, n)
			}
			if want := int64(21 * 6); sum.Load() != want { // 21 calls of parts 0..3
				t.Errorf("%T: parts summed to %d, want %d", v, sum.Load(), want)
			}
		}
	}
}

// TestGemmDotsAllocs checks that the asm variant's dot-product path (A·Bᵀ
// with long rows, at most 64 rows a side) allocates nothing per call once
// its workspace exists, at GOMAXPROCS 1 and 2, on one goroutine (2.6
// MFLOP, below the parallel threshold) and split into parts (102 MFLOP).
func TestGemmDotsAllocs(t *testing.T) {
	be := kernel.NewAsm()
	if be.ISA() != "avx2+fma" {
		t.Skip("no AVX2+FMA on this CPU: the dot-product path is not used")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(47, 53))
	for _, k := range []int{1000, 40000} {
		a, b := make([]float64, 40*k), make([]float64, 32*k)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		c := make([]float64, 40*32)
		run := func() { be.Gemm(false, true, 40, 32, k, 1, a, k, b, k, 0, c, 32) }
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			if n := reference.AllocsPerCall(20, run); n != 0 {
				t.Errorf("k=%d, GOMAXPROCS=%d: %v allocations per call", k, procs, n)
			}
		}
	}
}
