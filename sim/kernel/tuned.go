package kernel

import "runtime"

// Tuned is the blocked pure-Go variant: packed panels, a 6×8 register tile
// computed in plain Go, and goroutine parallelism over whole tiles. Its
// results agree with Asm's to rounding (see generic.go) and do not depend on
// GOMAXPROCS. Safe for concurrent use.
type Tuned struct{ e engine }

// NewTuned returns a Tuned backend. Its helper goroutines start on the first
// call large enough to be split and end when the backend is collected.
func NewTuned() *Tuned {
	t := &Tuned{}
	t.e.init(isaGeneric)
	runtime.AddCleanup(t, closeJobs, t.e.jobs)
	return t
}

// Name returns "tuned".
func (*Tuned) Name() string { return "tuned" }

// Gemm implements Backend.
func (t *Tuned) Gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	t.e.gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Gemv implements Backend.
func (t *Tuned) Gemv(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	t.e.gemv(tA, m, n, alpha, a, lda, x, beta, y)
}
