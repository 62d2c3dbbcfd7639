package hessian

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// specCache is an approximate partial eigendecomposition of the operators
// of a tracked sequence: orthonormal rows z with values mu, the nTop rows of
// the top end first (largest value first), then the bottom end (smallest
// value first). It steers the Davidson expansion (see engine.precondition);
// no reported value depends on its accuracy.
type specCache struct {
	z      []float64 // rows of length p
	mu     []float64
	n      int
	nTop   int
	filled bool
}

func newSpecCache(rows, p int) specCache {
	return specCache{z: make([]float64, rows*p), mu: make([]float64, rows)}
}

// sigma returns the value the preconditioner assigns to the directions
// outside the cache for a target at the top (or bottom) end: the innermost
// cached value of that end.
func (c *specCache) sigma(top bool) float64 {
	if top && c.nTop > 0 {
		return c.mu[c.nTop-1]
	}
	if !top && c.n > c.nTop {
		return c.mu[c.n-1]
	}
	if top {
		return c.mu[c.n-1]
	}
	return c.mu[0]
}

// cacheMerger updates the cache of an estimate from the spaces the
// estimate explored: dst is merged in place (through tmp).
type cacheMerger struct {
	w        mergeWork
	dst, tmp *specCache
	top, bot int
}

// absorb merges the active space of e into dst.
func (m *cacheMerger) absorb(e *engine) {
	e.cacheMerge(&m.w, m.tmp, m.dst, m.top, m.bot)
	*m.tmp, *m.dst = *m.dst, *m.tmp
}

// mergeWork is the workspace of cacheMerge: matrices of order up to
// cache rows + MaxKrylov.
type mergeWork struct {
	g, h, b, hr, p, bb []float64
	c, x, bh, hr2      []float64
	coef               []float64
	gval, hval, zval   []float64
	tmp                []float64
	work               []float64
	keep               []int
	exact              []bool
	n                  int
}

func (w *mergeWork) ensure(n int) {
	if w.n >= n {
		return
	}
	w.n = n
	for _, b := range []*[]float64{&w.g, &w.h, &w.b, &w.hr, &w.p, &w.bb, &w.c, &w.x, &w.bh, &w.hr2, &w.coef} {
		*b = make([]float64, n*n)
	}
	w.gval = make([]float64, n)
	w.hval = make([]float64, n)
	w.zval = make([]float64, n)
	w.tmp = make([]float64, n)
	w.keep = make([]int, 0, n)
	w.exact = make([]bool, n)
	var q [1]float64
	lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: n, Stride: n, Data: w.g, Uplo: blas.Upper}, w.gval, q[:], -1)
	w.work = make([]float64, int(q[0]))
}

// cacheGramFloor is the smallest eigenvalue of the Gram matrix of the
// merged rows kept as a direction. A combination of old rows Z with a small
// Gram eigenvalue g is nearly in the span of the new rows V; its stale part
// of the projected matrix would be amplified by 1/g, so it is dropped (V
// already represents it exactly).
const cacheGramFloor = 0.3

// cacheExactTol: Ritz pairs of the new rows with a residual at most
// cacheExactTol·‖H‖ are kept exactly, outside the stale Rayleigh–Ritz step.
const cacheExactTol = 1e-4

// cacheMerge writes into dst the update of the cache src by the active
// space of e (orthonormal rows V with exact images W and projected matrix
// T). The Ritz pairs of V whose residuals are at most cacheExactTol·‖H‖
// are kept exactly (their residuals come from WᵀW, exact to about
// ε·‖H‖/residual relative, ample at 1e-4). On the rest of span(Z, V) (Z: the rows of src) it performs a
// Rayleigh–Ritz step with the exact blocks VᵀHV and ZᵀHV = (WZᵀ)ᵀ and the
// stale block ZᵀHZ ≈ diag(mu); the Gram matrix of the rows is diagonalised
// and its directions below cacheGramFloor dropped, so the stale block is
// never amplified. dst keeps at most top and bot of the most extreme pairs
// of the union.
func (e *engine) cacheMerge(w *mergeWork, dst, src *specCache, top, bot int) {
	p, na, m := e.p, e.na, e.mmax
	nz := 0
	if src != nil && src.filled {
		nz = src.n
	}
	n := nz + na
	w.ensure(n)
	V := e.rows(e.v, e.nl, na)
	W := e.rows(e.w, e.nl, na)
	// Exact Ritz pairs of V (coefficients S = columns of w.hr, values
	// hval) and their residuals from WᵀW: ‖(W−θV)ᵀs‖² = sᵀWᵀWs − θ².
	S := w.hr[:na*na]
	for i := 0; i < na; i++ {
		for j := 0; j < na; j++ {
			S[i*na+j] = 0.5 * (e.t[i*m+j] + e.t[j*m+i])
		}
	}
	dst.filled = false // until the merge succeeds
	if !lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: na, Stride: na, Data: S, Uplo: blas.Upper}, w.hval[:na], w.work, len(w.work)) {
		return
	}
	WW := blas64.General{Rows: na, Cols: na, Stride: na, Data: w.x[:na*na]}
	e.be.Gemm(false, true, na, na, p, 1, W.Data, p, W.Data, p, 0, WW.Data, na)
	isExact := w.exact[:na]
	nex := 0
	for k := 0; k < na; k++ {
		var q float64
		for i := 0; i < na; i++ {
			var t float64
			for j := 0; j < na; j++ {
				t += WW.Data[i*na+j] * S[j*na+k]
			}
			q += S[i*na+k] * t
		}
		th := w.hval[k]
		res := math.Sqrt(math.Max(0, q-th*th))
		isExact[k] = res <= cacheExactTol*e.normEst
		if isExact[k] {
			nex++
		}
	}
	// Full coordinates over [Z; V]: Gram G and projected H with the stale
	// block diag(mu).
	G := w.g[:n*n]
	H := w.h[:n*n]
	for i := range G {
		G[i], H[i] = 0, 0
	}
	for i := 0; i < nz; i++ {
		G[i*n+i] = 1
		H[i*n+i] = src.mu[i]
	}
	if nz > 0 {
		e.be.Gemm(false, true, na, nz, p, 1, V.Data, p, src.z, p, 0, G[nz*n:], n)
		e.be.Gemm(false, true, na, nz, p, 1, W.Data, p, src.z, p, 0, H[nz*n:], n)
		for i := 0; i < na; i++ {
			for j := 0; j < nz; j++ {
				G[j*n+nz+i] = G[(nz+i)*n+j]
				H[j*n+nz+i] = H[(nz+i)*n+j]
			}
		}
	}
	for i := 0; i < na; i++ {
		G[(nz+i)*n+nz+i] = 1
		for j := 0; j < na; j++ {
			H[(nz+i)*n+nz+j] = 0.5 * (e.t[i*m+j] + e.t[j*m+i])
		}
	}
	// Projector P = I − Σ e_k e_kᵀ G onto the G-orthogonal complement of
	// the exact pairs (e_k = (0, s_k)); then G ← PᵀGP, H ← PᵀHP.
	if nex > 0 {
		P := w.p[:n*n]
		for i := range P {
			P[i] = 0
		}
		for i := 0; i < n; i++ {
			P[i*n+i] = 1
		}
		for k := 0; k < na; k++ {
			if !isExact[k] {
				continue
			}
			// g = Gᵀ e_k = G e_k (n), row of e_kᵀG.
			for i := 0; i < n; i++ {
				var t float64
				for j := 0; j < na; j++ {
					t += G[i*n+nz+j] * S[j*na+k]
				}
				w.tmp[i] = t
			}
			for i := 0; i < na; i++ {
				ei := S[i*na+k]
				for j := 0; j < n; j++ {
					P[(nz+i)*n+j] -= ei * w.tmp[j]
				}
			}
		}
		Pg := blas64.General{Rows: n, Cols: n, Stride: n, Data: P}
		tmp := blas64.General{Rows: n, Cols: n, Stride: n, Data: w.b[:n*n]}
		for _, M := range [2][]float64{G, H} {
			Mg := blas64.General{Rows: n, Cols: n, Stride: n, Data: M}
			gemmSerial(blas.NoTrans, blas.NoTrans, 1, Mg, Pg, 0, tmp)
			gemmSerial(blas.Trans, blas.NoTrans, 1, Pg, tmp, 0, Mg)
			for i := 0; i < n; i++ {
				for j := 0; j < i; j++ {
					a := 0.5 * (M[i*n+j] + M[j*n+i])
					M[i*n+j], M[j*n+i] = a, a
				}
			}
		}
	}
	copy(w.b[:n*n], G)
	if !lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: n, Stride: n, Data: w.b[:n*n], Uplo: blas.Upper}, w.gval[:n], w.work, len(w.work)) {
		return
	}
	keep := w.keep[:0]
	for k := 0; k < n; k++ {
		if w.gval[k] > cacheGramFloor {
			keep = append(keep, k)
		}
	}
	r := len(keep)
	if r == 0 && nex == 0 {
		return
	}
	B := w.bb[:n*r]
	for i := 0; i < n; i++ {
		for c, k := range keep {
			B[i*r+c] = w.b[i*n+k] / math.Sqrt(w.gval[k])
		}
	}
	Y := w.hr2[:r*r]
	if r > 0 {
		Bg := blas64.General{Rows: n, Cols: r, Stride: r, Data: B}
		HB := blas64.General{Rows: n, Cols: r, Stride: r, Data: w.b[:n*r]}
		gemmSerial(blas.NoTrans, blas.NoTrans, 1, blas64.General{Rows: n, Cols: n, Stride: n, Data: H}, Bg, 0, HB)
		gemmSerial(blas.Trans, blas.NoTrans, 1, Bg, HB, 0, blas64.General{Rows: r, Cols: r, Stride: r, Data: Y})
		if !lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: r, Stride: r, Data: Y, Uplo: blas.Upper}, w.zval[:r], w.work, len(w.work)) {
			return
		}
	}
	lo, hi := 0, r
	// Candidates: exact pairs (ascending in hval where isExact) and stale
	// pairs (ascending in zval). Select the most extreme of the union.
	q := min(top+bot, nex+hi-lo)
	nt := min(top, q)
	coef := w.coef[:n*q]
	for i := range coef {
		coef[i] = 0
	}
	iv, iz := na-1, hi-1
	jv, jz := 0, lo
	nextV := func(i, step int) int {
		for i >= 0 && i < na && !isExact[i] {
			i += step
		}
		return i
	}
	iv, jv = nextV(iv, -1), nextV(jv, +1)
	for c := 0; c < q; c++ {
		var fromV bool
		if c < nt {
			fromV = iz < lo || (iv >= 0 && w.hval[iv] >= w.zval[iz])
		} else {
			fromV = jz >= hi || (jv < na && w.hval[jv] <= w.zval[jz])
		}
		var k int
		if fromV {
			if c < nt {
				k, iv = iv, nextV(iv-1, -1)
			} else {
				k, jv = jv, nextV(jv+1, +1)
			}
			dst.mu[c] = w.hval[k]
			for i := 0; i < na; i++ {
				coef[(nz+i)*q+c] = S[i*na+k]
			}
			continue
		}
		if c < nt {
			k, iz = iz, iz-1
		} else {
			k, jz = jz, jz+1
		}
		dst.mu[c] = w.zval[k]
		x := w.tmp[:n]
		for i := 0; i < n; i++ {
			var s float64
			for j := 0; j < r; j++ {
				s += B[i*r+j] * Y[j*r+k]
			}
			x[i] = s
		}
		if nex > 0 {
			// Back to [Z; V] coordinates through the projector.
			for i := 0; i < n; i++ {
				var s float64
				for j := 0; j < n; j++ {
					s += w.p[i*n+j] * x[j]
				}
				coef[i*q+c] = s
			}
		} else {
			for i := 0; i < n; i++ {
				coef[i*q+c] = x[i]
			}
		}
	}
	// dst rows = coefᵀ [Z; V].
	beta := 0.0
	if nz > 0 {
		e.be.Gemm(true, false, q, p, nz, 1, coef, q, src.z, p, 0, dst.z, p)
		beta = 1
	}
	e.be.Gemm(true, false, q, p, na, 1, coef[nz*q:], q, V.Data, p, beta, dst.z, p)
	dst.n, dst.nTop, dst.filled = q, nt, true
}

// gemmSerial computes C = alpha·op(A)·op(B) + beta·C like blas64.Gemm, in
// column chunks of at most chunkCols, so that gonum's dgemm never splits
// the product between goroutines (it does from 2×2 blocks of 64): the
// products stay allocation-free and their rounding independent of the
// sizes' block structure, for C with at most 192 rows.
func gemmSerial(tA, tB blas.Transpose, alpha float64, a, b blas64.General, beta float64, c blas64.General) {
	for c0 := 0; c0 < c.Cols; c0 += chunkCols {
		w := min(chunkCols, c.Cols-c0)
		bc := blas64.General{Rows: b.Rows, Cols: w, Stride: b.Stride, Data: b.Data[c0:]}
		if tB == blas.Trans {
			bc = blas64.General{Rows: w, Cols: b.Cols, Stride: b.Stride, Data: b.Data[c0*b.Stride:]}
		}
		cc := blas64.General{Rows: c.Rows, Cols: w, Stride: c.Stride, Data: c.Data[c0:]}
		blas64.Gemm(tA, tB, alpha, a, bc, beta, cc)
	}
}
