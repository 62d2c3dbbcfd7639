//go:build cgo && openblas

package kernel

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>

void openblas_set_num_threads(int num_threads);
*/
import "C"

import "unsafe"

// optionalVariants lists the variants that depend on build tags: openblas
// in a cgo build with -tags openblas.
func optionalVariants() []variant {
	return []variant{{"openblas", func() Backend { return NewOpenBLAS() }}}
}

// OpenBLAS calls the system OpenBLAS (Debian libopenblas-dev) through cgo:
// cblas_dgemm and cblas_dgemv in row-major order. It exists only in builds
// with cgo and the openblas tag.
//
// OpenBLAS's thread count is a process-wide setting of the C library:
// NewOpenBLAS sets it to one thread (openblas_set_num_threads(1)), so that
// its figures compare with one core and its results do not depend on the
// machine's core count. The setting is not restored.
type OpenBLAS struct{}

// NewOpenBLAS returns the OpenBLAS backend and pins OpenBLAS to one thread.
func NewOpenBLAS() OpenBLAS {
	C.openblas_set_num_threads(1)
	return OpenBLAS{}
}

// Name returns "openblas".
func (OpenBLAS) Name() string { return "openblas" }

func cblasTrans(t bool) C.enum_CBLAS_TRANSPOSE {
	if t {
		return C.CblasTrans
	}
	return C.CblasNoTrans
}

func ptr(s []float64) *C.double {
	if len(s) == 0 {
		return nil
	}
	return (*C.double)(unsafe.Pointer(&s[0]))
}

// Gemm implements Backend.
func (OpenBLAS) Gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if gemmPrologue(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	C.cblas_dgemm(C.CblasRowMajor, cblasTrans(tA), cblasTrans(tB), C.blasint(m), C.blasint(n), C.blasint(k),
		C.double(alpha), ptr(a), C.blasint(lda), ptr(b), C.blasint(ldb), C.double(beta), ptr(c), C.blasint(ldc))
}

// Gemv implements Backend.
func (OpenBLAS) Gemv(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64) {
	if gemvPrologue(tA, m, n, alpha, a, lda, x, beta, y) {
		return
	}
	C.cblas_dgemv(C.CblasRowMajor, cblasTrans(tA), C.blasint(m), C.blasint(n),
		C.double(alpha), ptr(a), C.blasint(lda), ptr(x), 1, C.double(beta), ptr(y), 1)
}
