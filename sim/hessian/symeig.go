package hessian

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/gonum"
)

// symEig computes eigenpairs at the two ends of a dense symmetric matrix
// the way LAPACK's dsyevx does, in steps that can be interrupted: the
// Householder reduction to tridiagonal form T = QᵀAQ (dsytrd, panel by
// panel), the wanted eigenvalues of T by bisection on Sturm counts
// (dstebz), their eigenvectors by inverse iteration on T (dstein), and the
// back-transformation by Q (dormtr). It is what DenseSolver runs after
// assembling the matrix.
//
// Its cost is (4/3)p³ flops for the reduction, which dominates, plus
// O(p²) per wanted vector: only the wanted vectors are ever formed (dsyev,
// which DenseSolver used before, forms all p of them in another ~(4/3 +
// 3)p³ flops). The context is checked between panels of the reduction, each
// kept to about 2²⁸ multiply-adds whatever p (the panel width shrinks as
// p grows: at p = 12000 a panel is one column, 1.4·10⁸ multiply-adds and
// one pass over the matrix), before every eigenvalue and vector, and
// between blocks of the back-transformation, so a cancellation is seen
// within a fraction of a second at any size the run's memory bound
// allows.
//
// The results are backward stable, as dsyev's: each eigenvalue is within
// a small multiple of ε‖A‖ of an eigenvalue of A (bisection to an
// absolute width of ε‖T‖ and a relative width of 2ε), and each vector has
// a residual of that order; vectors of eigenvalues closer than 10⁻³‖T‖ are
// orthogonalised against each other (dstein's clusters).
type symEig struct {
	p          int
	d, e, e2   []float64 // diagonal, off-diagonal and squared off-diagonal of T
	tau        []float64 // reflector scales of Q
	w          []float64 // dlatrd's p×nb panel
	work       []float64 // dormqr's workspace
	z          []float64 // p×nz row-major: the wanted vectors, column by column
	nz         int
	lu         triLU   // factorisation of T − λI
	rng        uint64  // state of the start vectors' generator
	tnorm      float64 // max |Gershgorin bound| of T: ‖T‖ to within a factor 3
	gl, gu     float64 // Gershgorin interval, widened
	pivmin     float64
	a          []float64 // the reduced matrix (reflectors below the subdiagonal)
	xcol, bcol []float64 // inverse iteration vectors
}

// symPanelWork is the multiply-add budget of one panel of the reduction
// (see symEig): the panel width is 2²⁸/m² columns for a trailing matrix of
// order m, between 1 and symMaxPanel.
const symPanelWork = 1 << 28

// symMaxPanel is the widest panel, dsytrd's own block size in gonum.
const symMaxPanel = 32

// symCrossover is the order below which the reduction is unblocked.
const symCrossover = 32

// ensure sizes the workspace for order p and nz wanted vectors.
func (s *symEig) ensure(p, nz int) {
	if s.p != p {
		s.p = p
		s.d = make([]float64, p)
		s.e = make([]float64, max(p-1, 0))
		s.e2 = make([]float64, max(p-1, 0))
		s.tau = make([]float64, max(p-1, 0))
		s.w = make([]float64, p*symMaxPanel)
		s.lu.ensure(p)
		s.xcol = make([]float64, p)
		s.bcol = make([]float64, p)
		s.nz = -1
	}
	if s.nz != nz {
		s.nz = nz
		s.z = make([]float64, p*nz)
		var q [1]float64
		if p > 1 {
			gonum.Implementation{}.Dormqr(blas.Left, blas.NoTrans, p-1, nz, p-1, nil, max(1, p), nil, nil, max(1, nz), q[:], -1)
		}
		s.work = make([]float64, max(int(q[0]), nz, 1))
	}
}

// reduce overwrites a (row-major p×p, the symmetric matrix in its lower
// triangle at least) with its reduction to tridiagonal form, keeping T in d
// and e and Q in a and tau, and prepares the bisection.
func (s *symEig) reduce(ctx context.Context, a []float64) error {
	p := s.p
	s.a = a
	impl := gonum.Implementation{}
	bi := blas64.Implementation()
	i := 0
	for p-i > symCrossover {
		if err := stopped(ctx); err != nil {
			return err
		}
		m := p - i
		nb := min(max(symPanelWork/(m*m), 1), symMaxPanel)
		impl.Dlatrd(blas.Lower, m, nb, a[i*p+i:], p, s.e[i:], s.tau[i:], s.w, nb)
		// A[i+nb:, i+nb:] −= V·Wᵀ + W·Vᵀ.
		bi.Dsyr2k(blas.Lower, blas.NoTrans, m-nb, nb, -1, a[(i+nb)*p+i:], p, s.w[nb*nb:], nb, 1, a[(i+nb)*p+i+nb:], p)
		for j := i; j < i+nb; j++ {
			a[(j+1)*p+j] = s.e[j]
			s.d[j] = a[j*p+j]
		}
		i += nb
	}
	if err := stopped(ctx); err != nil {
		return err
	}
	impl.Dsytd2(blas.Lower, p-i, a[i*p+i:], p, s.d[i:], s.e[i:], s.tau[i:])

	// Gershgorin bounds and the pivot threshold of the Sturm counts
	// (dstebz).
	s.gl, s.gu = math.Inf(1), math.Inf(-1)
	var maxE2 float64
	for j := 0; j < p; j++ {
		var off float64
		if j > 0 {
			off += math.Abs(s.e[j-1])
		}
		if j < p-1 {
			off += math.Abs(s.e[j])
			s.e2[j] = s.e[j] * s.e[j]
			maxE2 = math.Max(maxE2, s.e2[j])
		}
		s.gl = math.Min(s.gl, s.d[j]-off)
		s.gu = math.Max(s.gu, s.d[j]+off)
	}
	s.tnorm = math.Max(math.Abs(s.gl), math.Abs(s.gu))
	s.pivmin = math.SmallestNonzeroFloat64 * 0x1p52 * math.Max(1, maxE2) // safe minimum (2⁻¹⁰²²) times the largest e²
	widen := 2.1*s.tnorm*eps*float64(p) + 4.2*s.pivmin
	s.gl -= widen
	s.gu += widen
	return nil
}

// count returns the number of eigenvalues of T below x (Sturm sequence of
// the LDLᵀ factorisation of T − xI, dlaebz).
func (s *symEig) count(x float64) int {
	n := 0
	q := s.d[0] - x
	if math.Abs(q) < s.pivmin {
		q = -s.pivmin
	}
	if q <= 0 {
		n++
	}
	for j := 1; j < s.p; j++ {
		q = s.d[j] - s.e2[j-1]/q - x
		if math.Abs(q) < s.pivmin {
			q = -s.pivmin
		}
		if q <= 0 {
			n++
		}
	}
	return n
}

// value returns eigenvalue j (0-based, ascending) of T by bisection to an
// absolute width of ε‖T‖ or a relative width of 2ε, whichever is larger.
func (s *symEig) value(j int) float64 {
	if s.tnorm == 0 {
		return 0 // T = 0
	}
	lo, hi := s.gl, s.gu
	atol := math.Max(eps*s.tnorm, s.pivmin)
	for {
		mid := 0.5 * (lo + hi)
		if hi-lo <= math.Max(atol, 2*eps*math.Max(math.Abs(lo), math.Abs(hi))) || mid == lo || mid == hi {
			return mid
		}
		if s.count(mid) > j {
			hi = mid
		} else {
			lo = mid
		}
	}
}

// countAbove returns the number of eigenvalues of T (and of the matrix it
// was reduced from) above x, up to the rounding of the reduction: exact for
// an x further than a small multiple of ε‖A‖ from every eigenvalue.
func (s *symEig) countAbove(x float64) int { return s.p - s.count(x) }

// vectors computes, by inverse iteration, unit eigenvectors of T for the
// eigenvalues vals (ascending), of the matrix A for which the reduction
// was made, into the columns of z (p×len(vals), row-major).
func (s *symEig) vectors(ctx context.Context, vals []float64) error {
	p, nz := s.p, len(vals)
	if nz == 0 {
		return nil
	}
	// dstein's settings: vectors of eigenvalues within ortol of each other
	// form a cluster and are orthogonalised against each other; a start is
	// iterated at most maxIts times, and twice more after the growth of
	// the solution shows convergence (‖x‖∞ ≥ dtpcrt for a right-hand side
	// of 1-norm p·‖T‖·max(ε, |u_pp|)).
	const maxIts, extra = 5, 2
	onenrm := s.tnorm
	ortol := 1e-3 * onenrm
	dtpcrt := math.Sqrt(0.1 / float64(p))
	s.rng = 0x9E3779B97F4A7C15 // the same start vectors at every call
	x, b := s.xcol, s.bcol
	first := 0 // first vector of the current cluster
	var xjm float64
	for j, xj := range vals {
		if err := stopped(ctx); err != nil {
			return err
		}
		if p == 1 {
			s.z[j] = 1
			continue
		}
		if j > 0 {
			// Separate equal (or nearly equal) eigenvalues, so that the
			// factorisations differ, and start a new cluster past ortol.
			if pertol := 10 * math.Abs(eps*xj); xj-xjm < pertol {
				xj = xjm + pertol
			}
			if xj-xjm > ortol {
				first = j
			}
		} else {
			first = 0
		}
		xjm = xj
		for i := range b {
			b[i] = s.uniform()
		}
		s.lu.factor(s.d, s.e, xj, eps*onenrm)
		conv := 0
		for it := 0; it < maxIts; it++ {
			// Scale the right-hand side so that the solution cannot
			// overflow, then solve (T − λI)x = b.
			scl := float64(p) * onenrm * math.Max(eps, math.Abs(s.lu.u0[p-1])) / asum(b)
			for i := range b {
				x[i] = b[i] * scl
			}
			s.lu.solve(x)
			// Orthogonalise against the cluster's earlier vectors
			// (modified Gram–Schmidt).
			for k := first; k < j; k++ {
				var dot float64
				for i := 0; i < p; i++ {
					dot += s.z[i*nz+k] * x[i]
				}
				for i := 0; i < p; i++ {
					x[i] -= dot * s.z[i*nz+k]
				}
			}
			jmax := 0
			for i, v := range x {
				if math.Abs(v) > math.Abs(x[jmax]) {
					jmax = i
				}
			}
			big := math.Abs(x[jmax])
			copy(b, x)
			if big >= dtpcrt {
				conv++
				if conv > extra {
					break
				}
			}
		}
		nrm := nrm2(b)
		if b[argmaxAbs(b)] < 0 {
			nrm = -nrm // the largest entry positive, as dstein
		}
		for i := 0; i < p; i++ {
			s.z[i*nz+j] = b[i] / nrm
		}
	}
	// z ← Q z: the first row is untouched (Q = diag(1, Q₂)), the others are
	// multiplied by the reflectors stored below the subdiagonal, in blocks
	// of columns of about 2²⁸/p² each so that the context is seen.
	if p == 1 {
		return nil
	}
	impl := gonum.Implementation{}
	cols := min(max(symPanelWork/(p*p), 1), nz)
	for c0 := 0; c0 < nz; c0 += cols {
		if err := stopped(ctx); err != nil {
			return err
		}
		nc := min(cols, nz-c0)
		impl.Dormqr(blas.Left, blas.NoTrans, p-1, nc, p-1, s.a[p:], p, s.tau[:p-1], s.z[nz+c0:], nz, s.work, len(s.work))
	}
	return nil
}

// uniform returns a number uniform in (−1, 1) from a SplitMix64 sequence.
func (s *symEig) uniform() float64 {
	s.rng += 0x9E3779B97F4A7C15
	z := s.rng
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	z ^= z >> 31
	return float64(int64(z)>>11) * 0x1p-52
}

// asum returns the 1-norm of x.
func asum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}

// argmaxAbs returns the index of the entry of largest magnitude.
func argmaxAbs(x []float64) int {
	j := 0
	for i, v := range x {
		if math.Abs(v) > math.Abs(x[j]) {
			j = i
		}
	}
	return j
}

// triLU is the LU factorisation with partial pivoting of a symmetric
// tridiagonal T − λI (dlagtf): P(T − λI) = LU with U upper triangular with
// two superdiagonals u1, u2 and L unit lower bidiagonal with multipliers l.
type triLU struct {
	u0, u1, u2, l []float64
	swap          []bool
	tiny          float64
}

func (f *triLU) ensure(p int) {
	f.u0 = make([]float64, p)
	f.u1 = make([]float64, max(p-1, 0))
	f.u2 = make([]float64, max(p-2, 0))
	f.l = make([]float64, max(p-1, 0))
	f.swap = make([]bool, max(p-1, 0))
}

// factor factorises T − λI (T with diagonal d and off-diagonal e). Pivots
// smaller than tiny in magnitude are replaced by ±tiny when solving, as
// dlagts does, so that a singular T − λI (λ an exact eigenvalue) still
// gives the growth inverse iteration needs.
func (f *triLU) factor(d, e []float64, lambda, tiny float64) {
	p := len(d)
	f.tiny = tiny
	for i := range d {
		f.u0[i] = d[i] - lambda
	}
	copy(f.u1, e)
	for i := 0; i < p-1; i++ {
		sub := e[i]
		if math.Abs(f.u0[i]) >= math.Abs(sub) {
			f.swap[i] = false
			var m float64
			if f.u0[i] != 0 {
				m = sub / f.u0[i]
			}
			f.l[i] = m
			f.u0[i+1] -= m * f.u1[i]
			if i < p-2 {
				f.u2[i] = 0
			}
			continue
		}
		// Interchange rows i and i+1.
		f.swap[i] = true
		m := f.u0[i] / sub
		f.l[i] = m
		f.u0[i] = sub
		t := f.u1[i]
		f.u1[i] = f.u0[i+1]
		f.u0[i+1] = t - m*f.u0[i+1]
		if i < p-2 {
			f.u2[i] = e[i+1]
			f.u1[i+1] = -m * e[i+1]
		}
	}
}

// solve overwrites x with (T − λI)⁻¹x.
func (f *triLU) solve(x []float64) {
	p := len(x)
	for i := 0; i < p-1; i++ {
		if f.swap[i] {
			x[i], x[i+1] = x[i+1], x[i]
		}
		x[i+1] -= f.l[i] * x[i]
	}
	for i := p - 1; i >= 0; i-- {
		v := x[i]
		if i < p-1 {
			v -= f.u1[i] * x[i+1]
		}
		if i < p-2 {
			v -= f.u2[i] * x[i+2]
		}
		piv := f.u0[i]
		if math.Abs(piv) < f.tiny {
			piv = math.Copysign(f.tiny, piv)
		}
		x[i] = v / piv
	}
}

// stopped returns a non-nil error, wrapping ctx.Err(), when ctx is done.
// It costs a channel poll (nothing for context.Background, whose Done is
// nil), cheap enough before every Hessian-vector product.
func stopped(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return fmt.Errorf("hessian: stopped: %w", ctx.Err())
	default:
		return nil
	}
}
