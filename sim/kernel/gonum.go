package kernel

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Gonum runs the kernels on gonum's pure-Go BLAS (gonum.org/v1/gonum/blas/gonum).
// gonum parallelises large Dgemm calls over goroutines with a fixed block
// partition, so its results do not depend on GOMAXPROCS either.
type Gonum struct{}

// Name returns "gonum".
func (Gonum) Name() string { return "gonum" }

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// Gemm implements Backend.
func (Gonum) Gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if gemmPrologue(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	gonum.Implementation{}.Dgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Gemv implements Backend.
func (Gonum) Gemv(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	if gemvPrologue(tA, m, n, alpha, a, lda, x, beta, y) {
		return
	}
	gonum.Implementation{}.Dgemv(trans(tA), m, n, alpha, a, lda, x, 1, beta, y, 1)
}
