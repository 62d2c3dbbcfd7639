package kernel

// Naive is the reference implementation: the textbook triple loop, one dot
// product per output element accumulated left to right.
type Naive struct{}

// Name returns "naive".
func (Naive) Name() string { return "naive" }

// Gemm implements Backend.
func (Naive) Gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if alpha == 0 || k == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for l := 0; l < k; l++ {
				var av, bv float64
				if tA {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if tB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// Gemv implements Backend.
func (Naive) Gemv(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	checkGemv(tA, m, n, a, lda, x, y)
	rows, cols := m, n
	if tA {
		rows, cols = n, m
	}
	if alpha == 0 || cols == 0 {
		scaleVector(beta, y[:rows])
		return
	}
	for i := 0; i < rows; i++ {
		var s float64
		for j := 0; j < cols; j++ {
			if tA {
				s += a[j*lda+i] * x[j]
			} else {
				s += a[i*lda+j] * x[j]
			}
		}
		if beta == 0 {
			y[i] = alpha * s
		} else {
			y[i] = alpha*s + beta*y[i]
		}
	}
}
