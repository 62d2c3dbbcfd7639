package kernel

import "github.com/eoskit/eoskit/sim/kernel/internal/avx"

// GemvPairer is implemented by the variants that compute two matrix-vector
// products with one matrix in one pass over it (Tuned and Asm). GemvPair is,
// bit for bit, the two calls
//
//	Gemv(false, m, n, alpha, a, lda, x1, beta, y1)
//	Gemv(false, m, n, alpha, a, lda, x2, beta, y2)
//
// but reads A once: for a matrix that does not fit in cache (the spectral
// cache of a Hessian tracker, 32 rows of 16896 values) half the traffic,
// 1.25× faster with Asm's AVX2 kernel (benchmarks' BenchmarkGemvPair);
// Tuned's pure-Go rows are bound by arithmetic, not memory, and gain
// nothing. y1 and y2 must not overlap each other, a, x1 or x2.
type GemvPairer interface {
	Backend
	GemvPair(m, n int, alpha float64, a []float64, lda int, x1, x2 []float64, beta float64, y1, y2 []float64)
}

var (
	_ GemvPairer = (*Tuned)(nil)
	_ GemvPairer = (*Asm)(nil)
)

// GemvPair computes y1 = alpha·A·x1 + beta·y1 and y2 = alpha·A·x2 + beta·y2
// with be, A m×n: in one pass over A when be is a GemvPairer, as two Gemv
// calls otherwise; the results are be's Gemv results either way. y1 and y2
// must not overlap each other, a, x1 or x2 (the two ways would then differ).
func GemvPair(be Backend, m, n int, alpha float64, a []float64, lda int, x1, x2 []float64, beta float64, y1, y2 []float64) {
	if p, ok := be.(GemvPairer); ok {
		p.GemvPair(m, n, alpha, a, lda, x1, x2, beta, y1, y2)
		return
	}
	be.Gemv(false, m, n, alpha, a, lda, x1, beta, y1)
	be.Gemv(false, m, n, alpha, a, lda, x2, beta, y2)
}

// GemvPair implements GemvPairer.
func (t *Tuned) GemvPair(m, n int, alpha float64, a []float64, lda int, x1, x2 []float64, beta float64, y1, y2 []float64) {
	t.e.gemvPair(m, n, alpha, a, lda, x1, x2, beta, y1, y2)
}

// GemvPair implements GemvPairer.
func (t *Asm) GemvPair(m, n int, alpha float64, a []float64, lda int, x1, x2 []float64, beta float64, y1, y2 []float64) {
	t.e.gemvPair(m, n, alpha, a, lda, x1, x2, beta, y1, y2)
}

// gemvPair is GemvPair on the engine: the checks, special cases and row
// partition of gemv (so the same parts and bits), with both products in
// each part.
func (e *engine) gemvPair(m, n int, alpha float64, a []float64, lda int, x1, x2 []float64, beta float64, y1, y2 []float64) {
	checkGemv(false, m, n, a, lda, x2, y2)
	if gemvPrologue(false, m, n, alpha, a, lda, x1, beta, y1) {
		gemvPrologue(false, m, n, alpha, a, lda, x2, beta, y2) // the same special case
		return
	}
	parts := gemvParts(false, m, n)
	cl := e.getCall()
	cl.op, cl.tA = opGemvPair, false
	cl.m, cl.n, cl.alpha, cl.beta = m, n, alpha, beta
	cl.a, cl.b, cl.c, cl.lda = a, x1, y1, lda
	cl.b2, cl.c2 = x2, y2
	e.dispatch(cl, parts, parts-1)
}

// gemvN2 computes rows [lo, hi) of y1 = alpha·A·x1 + beta·y1 and
// y2 = alpha·A·x2 + beta·y2 with gemvN's operations for each (n ≥ 1): on
// AVX2 two rows at a time against both vectors (GemvN2x2, each row as
// GemvN4 computes it); the last odd row, and every row with the generic
// kernels, through gemvN one row at a time, against x1 and then against x2
// while the row is in cache.
func gemvN2(s isa, lo, hi, n int, alpha float64, a []float64, lda int, x1, x2 []float64, beta float64, y1, y2 []float64) {
	i := lo
	if s == isaAVX2 {
		_, _ = x1[n-1], x2[n-1]
		var t [4]float64
		for ; i+2 <= hi; i += 2 {
			_ = a[(i+1)*lda+n-1]
			avx.GemvN2x2(n, &a[i*lda], lda, &x1[0], &x2[0], &t)
			y1[i] = epilogue(t[0], alpha, beta, y1[i])
			y1[i+1] = epilogue(t[1], alpha, beta, y1[i+1])
			y2[i] = epilogue(t[2], alpha, beta, y2[i])
			y2[i+1] = epilogue(t[3], alpha, beta, y2[i+1])
		}
	}
	for ; i < hi; i++ {
		gemvN(s, i, i+1, n, alpha, a, lda, x1, beta, y1)
		gemvN(s, i, i+1, n, alpha, a, lda, x2, beta, y2)
	}
}
