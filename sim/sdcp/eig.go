package sdcp

import (
	"fmt"
	"math"
)

// EigSym computes the eigendecomposition of the symmetric n×n matrix a
// (row-major; overwritten) by the cyclic Jacobi method the solvers use: w
// receives the eigenvalues (unordered) and the columns of v (row-major n×n,
// may be nil) the orthonormal eigenvectors. It is meant for the tiny
// matrices of the central flow (n ≤ 10) and does not allocate (with v nil
// it needs no scratch beyond a).
func EigSym(n int, a, w, v []float64) {
	if len(a) < n*n || len(w) < n || (v != nil && len(v) < n*n) {
		panic(fmt.Sprintf("sdcp: EigSym of order %d with len(a) = %d, len(w) = %d, len(v) = %d", n, len(a), len(w), len(v)))
	}
	symEig(n, a, w, v)
}

// symEig computes the eigendecomposition of the symmetric n×n matrix a
// (row-major; overwritten) by the cyclic Jacobi method: w receives the
// eigenvalues (unordered) and the columns of v (row-major n×n; nil: not
// accumulated) the orthonormal eigenvectors, a = V diag(w) Vᵀ. Jacobi is the method of
// choice for the tiny matrices here (n ≤ 10 for k ≤ 4): it is simple,
// allocation-free and backward stable (the eigenvalues are exact for a
// matrix within a few ulps of ‖a‖ of the input), and converges
// quadratically, in a handful of sweeps.
func symEig(n int, a, w, v []float64) {
	if v != nil {
		for i := range n * n {
			v[i] = 0
		}
		for i := range n {
			v[i*n+i] = 1
		}
	}
	for sweep := 0; sweep < 64; sweep++ {
		rotated := false
		for p := 0; p < n-1; p++ {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if apq == 0 {
					continue
				}
				app, aqq := a[p*n+p], a[q*n+q]
				// Negligible against both diagonal entries: rotating would
				// change them by less than an ulp.
				if math.Abs(apq) <= 0x1p-60*(math.Abs(app)+math.Abs(aqq)) {
					a[p*n+q], a[q*n+p] = 0, 0
					continue
				}
				rotated = true
				// Golub & Van Loan, Algorithm 8.5.1 (sym.schur2): J with
				// J_pp = J_qq = c, J_pq = s, J_qp = −s zeroes (JᵀaJ)_pq.
				tau := (aqq - app) / (2 * apq)
				var t float64
				if math.Abs(tau) > 1e150 {
					t = 0.5 / tau
				} else if tau >= 0 {
					t = 1 / (tau + math.Sqrt(1+tau*tau))
				} else {
					t = -1 / (-tau + math.Sqrt(1+tau*tau))
				}
				c := 1 / math.Sqrt(1+t*t)
				s := t * c
				for k := range n { // a ← aJ
					akp, akq := a[k*n+p], a[k*n+q]
					a[k*n+p] = c*akp - s*akq
					a[k*n+q] = s*akp + c*akq
				}
				for k := range n { // a ← Jᵀa
					apk, aqk := a[p*n+k], a[q*n+k]
					a[p*n+k] = c*apk - s*aqk
					a[q*n+k] = s*apk + c*aqk
				}
				a[p*n+q], a[q*n+p] = 0, 0
				if v != nil {
					for k := range n { // v ← vJ
						vkp, vkq := v[k*n+p], v[k*n+q]
						v[k*n+p] = c*vkp - s*vkq
						v[k*n+q] = s*vkp + c*vkq
					}
				}
			}
		}
		if !rotated {
			break
		}
	}
	for i := range n {
		w[i] = a[i*n+i]
	}
}
