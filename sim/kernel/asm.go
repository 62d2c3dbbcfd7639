package kernel

import "runtime"

// Asm is the vectorised variant: the Tuned driver (same blocking, packing
// and partition) with AVX2+FMA assembly micro-kernels for GEMM and GEMV,
// chosen at construction by CPU feature detection. Where the CPU (or the
// architecture) lacks AVX2 and FMA it runs Tuned's pure-Go kernels. The
// AVX2 kernels fuse every multiply-add, so Asm's results are the same on
// every machine with AVX2+FMA and do not depend on GOMAXPROCS. Safe for
// concurrent use.
type Asm struct{ e engine }

// NewAsm returns an Asm backend for the CPU it runs on.
func NewAsm() *Asm { return newAsm(detectISA()) }

func newAsm(s isa) *Asm {
	t := &Asm{}
	t.e.init(s)
	runtime.AddCleanup(t, closeJobs, t.e.jobs)
	return t
}

// Name returns "asm".
func (*Asm) Name() string { return "asm" }

// ISA reports the instruction set the kernels use: "avx2+fma" or "generic".
func (t *Asm) ISA() string { return t.e.isa.String() }

// Gemm implements Backend.
func (t *Asm) Gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	t.e.gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Gemv implements Backend.
func (t *Asm) Gemv(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	t.e.gemv(tA, m, n, alpha, a, lda, x, beta, y)
}
