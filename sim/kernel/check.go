package kernel

import "fmt"

// checkMatrix panics unless a holds an r×c row-major matrix with leading
// dimension ld.
func checkMatrix(name string, r, c int, a []float64, ld int) {
	if ld < max(1, c) {
		panic(fmt.Sprintf("kernel: ld%s = %d < max(1, %d)", name, ld, c))
	}
	if r > 0 && c > 0 && len(a) < (r-1)*ld+c {
		panic(fmt.Sprintf("kernel: len(%s) = %d < %d for a %d×%d matrix with ld %d", name, len(a), (r-1)*ld+c, r, c, ld))
	}
}

// checkGemm panics on arguments that violate Backend.Gemm's contract.
func checkGemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernel: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if tA {
		checkMatrix("a", k, m, a, lda)
	} else {
		checkMatrix("a", m, k, a, lda)
	}
	if tB {
		checkMatrix("b", n, k, b, ldb)
	} else {
		checkMatrix("b", k, n, b, ldb)
	}
	checkMatrix("c", m, n, c, ldc)
}

// checkGemv panics on arguments that violate Backend.Gemv's contract.
func checkGemv(tA bool, m, n int, a []float64, lda int, x, y []float64) {
	if m < 0 || n < 0 {
		panic(fmt.Sprintf("kernel: negative dimension m=%d n=%d", m, n))
	}
	checkMatrix("a", m, n, a, lda)
	lx, ly := n, m
	if tA {
		lx, ly = m, n
	}
	if len(x) < lx {
		panic(fmt.Sprintf("kernel: len(x) = %d < %d", len(x), lx))
	}
	if len(y) < ly {
		panic(fmt.Sprintf("kernel: len(y) = %d < %d", len(y), ly))
	}
}

// scaleMatrix sets C = beta·C for an m×n matrix (C = 0 when beta is zero,
// whatever C held).
func scaleMatrix(m, n int, beta float64, c []float64, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// scaleVector sets y = beta·y (y = 0 when beta is zero).
func scaleVector(beta float64, y []float64) {
	switch beta {
	case 1:
	case 0:
		clear(y)
	default:
		for i := range y {
			y[i] *= beta
		}
	}
}

// gemmPrologue checks Gemm's arguments (panicking on a programmer error)
// and handles the cases that need no product: an empty C, and alpha = 0 or
// k = 0, where C = beta·C and A, B are not read (BLAS semantics). It
// reports whether the call is complete.
func gemmPrologue(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) bool {
	checkGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return true
	}
	if alpha == 0 || k == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return true
	}
	return false
}

// gemvPrologue is gemmPrologue for Gemv: y = beta·y when alpha = 0 or op(A)
// has no columns.
func gemvPrologue(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) bool {
	checkGemv(tA, m, n, a, lda, x, y)
	rows, cols := m, n
	if tA {
		rows, cols = n, m
	}
	if rows == 0 {
		return true
	}
	if alpha == 0 || cols == 0 {
		scaleVector(beta, y[:rows])
		return true
	}
	return false
}
