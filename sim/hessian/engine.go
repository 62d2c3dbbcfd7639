package hessian

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/kernel"
)

// chunkCols is the column width of the in-place basis rotations. With at
// most 192 basis vectors the products stay below gonum's threshold for
// parallel dgemm, so they are serial, allocation-free and bit-reproducible.
const chunkCols = 64

// breakdownFactor·ε·‖H‖ is the size below which a new direction is treated
// as rounding noise: the Krylov space is then (numerically) invariant and the
// dropped coupling is at the rounding level of the operator itself.
const breakdownFactor = 64

// engine is the Rayleigh–Ritz workspace shared by LanczosSolver and Tracker.
//
// It holds an orthonormal basis (rows of v) split into locked rows [0, nl)
// (converged eigenvectors, fixed, and during a deflation check also their
// neighbouring Ritz vectors) and active rows [nl, nl+na), the images
// w = H v of every row (one HVP each, so that true residuals and restarts
// cost no further HVP), and the projected matrix T = V_aᵀ H V_a of the
// active rows, filled from the Gram–Schmidt coefficients.
//
// It expands the active space in one of two ways:
//   - Krylov (krylov = true): the next vector is H v_last orthogonalised
//     against every row (classical Gram–Schmidt, a second pass when the first
//     cancelled more than a factor √2: "twice is enough", Kahan–Parlett).
//     Started from one vector and restarted by keeping Ritz vectors
//     (thick restart, Wu & Simon 2000), this is Lanczos with full
//     reorthogonalisation; T is then tridiagonal plus an arrowhead, up to
//     rounding, and the Lanczos estimate β|s_last,i| of each Ritz residual
//     is valid and used to screen candidates for convergence.
//   - Davidson (krylov = false), used from a block of warm-start vectors:
//     the next vector is the residual r = H y − θ y of the wanted Ritz pair
//     that is furthest from convergence, or, when a spectral preconditioner
//     is set (prec, see precondition), its Olsen-corrected preconditioned
//     residual. From a single vector and without a preconditioner this
//     generates the same space as Lanczos. Residuals are then always
//     computed explicitly.
type engine struct {
	op         sim.Operator
	ctx        context.Context // checked before every HVP (addVector)
	p, mmax    int
	v, w       []float64 // mmax rows of length p
	nl, na     int
	t, s       []float64 // mmax×mmax, stride mmax
	ssel       []float64 // mmax×mmax: selected Ritz coefficients, transposed
	theta      []float64 // Ritz values (ascending), valid for [0, na)
	work       []float64 // dsyev workspace
	c1, c2     []float64 // Gram–Schmidt coefficients
	f          []float64 // next Krylov vector (unit) when haveF
	beta       float64   // coupling of f to the last active row
	haveF      bool
	krylov     bool
	x, y, z, r []float64 // scratch: candidate, Ritz vector, image, residual
	rt         []float64 // Davidson target residual
	yt         []float64 // Davidson target Ritz vector
	thetaT     float64   // its Ritz value
	topT       bool      // whether the target is a top-end pair
	pc         []float64 // preconditioner scratch: 2·(cache rows)

	// be (kernel.Default) runs the products with p-long rows: the
	// Gram–Schmidt passes, Ritz vectors, norms and residuals, and the
	// products of the spectral cache (cacheMerge, precondition), with k
	// and q at most Cache+MaxKrylov, where its register-tiled kernels are
	// several times faster than gonum's. Its results do not depend on
	// GOMAXPROCS. The in-place basis rotations (rotate) and the small
	// projected-matrix products stay on gonum (gemmSerial).
	be  kernel.Backend
	def kernel.Backend // kernel.Default(), made at the first use
	ssq [1]float64     // sumSq's result (a field: a local would escape through be)

	// prec, when not nil, is the spectral preconditioner of Davidson
	// steps (see precondition); merge, when not nil, receives the Krylov
	// spaces of deflation checks (see verify).
	prec       *specCache
	merge      *cacheMerger
	chunk      []float64
	lval, lres []float64 // value and true residual of each locked row
	lend       []int8    // +1 top end, -1 bottom end
	idx        []int     // scratch index list

	fFrom  int     // active index of the row whose image produced f, or -1
	asym   float64 // largest |β_j − v_jᵀHv_{j+1}| seen: a lower bound of ‖H−Hᵀ‖₂
	stall  int     // Krylov: consecutive steps whose Lanczos estimates pass and true residuals do not; Davidson: steps since the worst residual last halved
	dref   float64 // Davidson: the worst relative residual when stall was last reset
	breaks int     // Krylov breakdowns: the space became invariant

	rng      *rand.Rand
	hvps     int
	maxHVPs  int
	normEst  float64
	restarts int
	checks   int
}

// useKernel makes k (kernel.Default() when nil) run the engine's vector
// products; the default is made once per engine.
func (e *engine) useKernel(k kernel.Backend) {
	switch {
	case k != nil:
		e.be = k
	case e.be == nil || e.be != e.def:
		if e.def == nil {
			e.def = kernel.Default()
		}
		e.be = e.def
	}
}

// ensure sizes the workspace for dimension p with at most mmax basis rows.
func (e *engine) ensure(p, mmax int) {
	if e.p == p && e.mmax == mmax {
		return
	}
	e.p, e.mmax = p, mmax
	e.v = make([]float64, mmax*p)
	e.w = make([]float64, mmax*p)
	e.t = make([]float64, mmax*mmax)
	e.s = make([]float64, mmax*mmax)
	e.ssel = make([]float64, mmax*mmax)
	e.theta = make([]float64, mmax)
	e.c1 = make([]float64, mmax)
	e.c2 = make([]float64, mmax)
	e.f = make([]float64, p)
	e.x = make([]float64, p)
	e.y = make([]float64, p)
	e.z = make([]float64, p)
	e.r = make([]float64, p)
	e.rt = make([]float64, p)
	e.yt = make([]float64, p)
	if e.be == nil {
		e.useKernel(nil)
	}
	e.chunk = make([]float64, mmax*chunkCols)
	e.lval = make([]float64, mmax)
	e.lres = make([]float64, mmax)
	e.lend = make([]int8, mmax)
	e.idx = make([]int, 0, mmax)
	var q [1]float64
	lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: mmax, Stride: mmax, Data: e.s, Uplo: blas.Upper}, e.theta, q[:], -1)
	e.work = make([]float64, int(q[0]))
}

func (e *engine) reset(op sim.Operator, rng *rand.Rand, maxHVPs int) {
	e.op, e.rng, e.maxHVPs = op, rng, maxHVPs
	e.ctx = context.Background()
	e.nl, e.na = 0, 0
	e.haveF, e.beta, e.fFrom = false, 0, -1
	e.hvps, e.normEst, e.restarts, e.checks = 0, 0, 0, 0
	e.asym, e.stall, e.breaks, e.dref = 0, 0, 0, math.Inf(1)
}

// phase starts a new expansion phase on an empty or given active space:
// Krylov (from one vector) or Davidson (from a block).
func (e *engine) phase(krylov bool) {
	e.krylov, e.haveF, e.fFrom = krylov, false, -1
	e.stall, e.dref = 0, math.Inf(1)
}

func (e *engine) row(buf []float64, i int) []float64 { return buf[i*e.p : (i+1)*e.p] }

func (e *engine) rows(buf []float64, from, n int) blas64.General {
	return blas64.General{Rows: n, Cols: e.p, Stride: e.p, Data: buf[from*e.p : (from+n)*e.p]}
}

// orthogonalize removes from x its components along rows [0, n) of v by
// classical Gram–Schmidt, applied a second time when the first pass reduced
// ‖x‖ by more than a factor √2 (Daniel–Gragg–Kaufman–Stewart; Parlett's
// "twice is enough"). The coefficients, summed over both passes, are written
// to c[:n]. It returns ‖x‖ before and after; noise reports that the second
// pass also lost more than a factor √2, so what is left is rounding noise.
func (e *engine) orthogonalize(x []float64, n int, c []float64) (before, after float64, noise bool) {
	before = e.norm(x)
	if n == 0 {
		return before, before, false
	}
	p := e.p
	e.be.Gemv(false, n, p, 1, e.v, p, x, 0, c[:n])
	e.be.Gemv(true, n, p, -1, e.v, p, c[:n], 1, x)
	after = e.norm(x)
	if after >= before/math.Sqrt2 {
		return before, after, false
	}
	c2 := e.c2[:n]
	e.be.Gemv(false, n, p, 1, e.v, p, x, 0, c2)
	e.be.Gemv(true, n, p, -1, e.v, p, c2, 1, x)
	floats.Add(c[:n], c2)
	a2 := e.norm(x)
	return before, a2, a2 < after/math.Sqrt2
}

// negligible reports whether a direction of norm after, obtained from a
// vector of norm before, is rounding noise relative to the operator.
func (e *engine) negligible(before, after float64, noise bool) bool {
	return noise || after <= breakdownFactor*eps*math.Max(before, e.normEst)
}

const eps = 0x1p-52

// sumSq returns Σ x_i² (the backend's dot product, rounded as it rounds).
func (e *engine) sumSq(x []float64) float64 {
	e.be.Gemv(false, 1, len(x), 1, x, len(x), x, 0, e.ssq[:])
	return e.ssq[0]
}

// norm returns ‖x‖₂: the square root of the sum of squares where that sum
// is safely inside the floating-point range (then it is accurate to a few
// ulps), and the overflow-safe scaled norm otherwise.
func (e *engine) norm(x []float64) float64 {
	if ssq := e.sumSq(x); ssq > 0x1p-900 && ssq < 0x1p900 {
		return math.Sqrt(ssq)
	}
	return nrm2(x)
}

// finite reports whether every element of x is finite: a finite sum of
// squares proves it (an infinite or NaN element makes the sum infinite or
// NaN), and only an overflowing sum needs the element test.
func (e *engine) finite(x []float64) bool {
	if ssq := e.sumSq(x); !math.IsInf(ssq, 0) && !math.IsNaN(ssq) {
		return true
	}
	return finite(x)
}

// stallSteps is the number of consecutive steps whose Lanczos estimates
// pass (or are at their rounding level, see estFloor) while the true
// residuals fail after which a solve gives up: for a
// symmetric operator the two agree to rounding, so this only happens when
// the operator is not symmetric or Tol is below its rounding level.
const stallSteps = 10

// estFloor returns the rounding level of the Lanczos estimate β|s_last,i|:
// dsyev gives the components of the eigenvectors s of T to an absolute
// accuracy of a small multiple of na·ε, so a last component below na·ε is
// rounding noise, and so is the estimate β|s_last,i| below na·ε·β. An
// estimate at that level counts as passing (the Krylov space cannot
// improve the pair further; only its true residual decides), so that a
// Tol below the rounding level of the operator is caught by the stall
// rule after stallSteps steps, whatever the noise of the last components
// happens to be.
func (e *engine) estFloor() float64 { return float64(e.na) * eps * e.beta }

// asymFloor·‖H‖ is the smallest asymmetry |v_jᵀ(H−Hᵀ)v_{j+1}| taken as
// evidence (two computations of one number differ by a few ε·‖H‖·√p).
const asymFloor = 1e-12

// fresh writes into x a random unit vector orthogonal to every basis row. It
// returns false when the basis already spans the space.
func (e *engine) fresh(x []float64) bool {
	n := e.nl + e.na
	if n >= e.p {
		return false
	}
	for try := 0; try < 4; try++ {
		gaussian(e.rng, x)
		_, after, noise := e.orthogonalize(x, n, e.c1)
		if !noise && after > 0 {
			floats.Scale(1/after, x)
			return true
		}
	}
	return false
}

// addVector appends the unit vector x, orthogonal to every row, as an active
// row, applies the operator to it and fills the new column of T. With wantF
// it also computes the Krylov continuation f (and the coupling β); after a
// breakdown haveF is false and the next Krylov vector must be fresh.
func (e *engine) addVector(x []float64, wantF bool) error {
	j := e.nl + e.na
	vj, wj := e.row(e.v, j), e.row(e.w, j)
	copy(vj, x)
	if err := stopped(e.ctx); err != nil {
		return err
	}
	e.op.Apply(vj, wj)
	e.hvps++
	if !e.finite(wj) {
		return &NumericalError{Method: "Lanczos", What: "operator returned a non-finite value"}
	}
	e.na++
	n := j + 1
	c := e.c1
	if wantF {
		// x = f came from row j−1 when fFrom says so: then v_{j-1}ᵀHv_j
		// (computed below) and β = v_jᵀHv_{j−1} agree up to rounding for
		// a symmetric H; their difference is v_{j−1}ᵀ(H−Hᵀ)v_j.
		prevBeta, cont := e.beta, e.fFrom >= 0 && e.fFrom == e.na-2
		copy(e.f, wj)
		before, after, noise := e.orthogonalize(e.f, n, c)
		if cont {
			e.asym = math.Max(e.asym, math.Abs(c[j-1]-prevBeta))
		}
		e.haveF = !e.negligible(before, after, noise)
		if !e.haveF {
			e.breaks++
		}
		e.beta, e.fFrom = 0, -1
		if e.haveF {
			e.beta, e.fFrom = after, e.na-1
			floats.Scale(1/after, e.f)
		}
	} else {
		e.be.Gemv(false, n, e.p, 1, e.v, e.p, wj, 0, c[:n])
		e.haveF, e.fFrom = false, -1
	}
	jj := e.na - 1
	for i := 0; i <= jj; i++ {
		ci := c[e.nl+i]
		e.t[i*e.mmax+jj] = ci
		e.t[jj*e.mmax+i] = ci
	}
	return nil
}

// ritz computes the eigen-decomposition of the active T: Ritz values in
// theta (ascending) and coefficient vectors in the columns of s.
func (e *engine) ritz() error {
	na, m := e.na, e.mmax
	for i := 0; i < na; i++ {
		copy(e.s[i*m:i*m+na], e.t[i*m:i*m+na])
	}
	if !lapack64.Syev(lapack.EVCompute, blas64.Symmetric{N: na, Stride: m, Data: e.s, Uplo: blas.Upper}, e.theta[:na], e.work, len(e.work)) {
		return &NumericalError{Method: "Lanczos", What: "dsyev failed on the projected matrix"}
	}
	e.normEst = math.Max(e.normEst, math.Max(math.Abs(e.theta[0]), math.Abs(e.theta[na-1])))
	return nil
}

// ritzVector writes the Ritz vector y = V_a s_i and its image z = W_a s_i.
func (e *engine) ritzVector(i int, y, z []float64) {
	na, p := e.na, e.p
	si := e.c2[:na]
	for j := range si {
		si[j] = e.s[j*e.mmax+i]
	}
	e.be.Gemv(true, na, p, 1, e.v[e.nl*p:], p, si, 0, y)
	e.be.Gemv(true, na, p, 1, e.w[e.nl*p:], p, si, 0, z)
}

// residual computes the true residual of Ritz pair i: r = Hy − θy for the
// Ritz vector y (left in e.y, its image in e.z). It returns ‖r‖/‖y‖ and the
// same for the residual with its components along the locked rows removed
// (what a solve deflated by the locked rows can reduce); e.r holds the
// deflated residual.
func (e *engine) residual(i int) (res, defl float64) {
	e.ritzVector(i, e.y, e.z)
	ny := e.norm(e.y)
	floats.AddScaledTo(e.r, e.z, -e.theta[i], e.y)
	res = e.norm(e.r) / ny
	if e.nl == 0 {
		return res, res
	}
	c := e.c2[:e.nl]
	e.be.Gemv(false, e.nl, e.p, 1, e.v, e.p, e.r, 0, c)
	e.be.Gemv(true, e.nl, e.p, -1, e.v, e.p, c, 1, e.r)
	return res, e.norm(e.r) / ny
}

// relative returns r/scale, with 0/0 = 0 (the zero operator has exact
// eigenpairs).
func relative(r, scale float64) float64 {
	if r == 0 {
		return 0
	}
	return r / scale
}

func (e *engine) scale(i int) float64 { return math.Max(e.normEst, math.Abs(e.theta[i])) }

// check reports whether the top+bot wanted Ritz pairs meet tol, and whether
// in Krylov mode all their Lanczos estimates did. In Davidson mode it also
// leaves the residual of the pair furthest from convergence in e.rt and
// returns its relative size (−1 when there is none).
func (e *engine) check(top, bot int, tol float64) (all, estimated bool, worst float64) {
	nt := min(top, e.na)
	nb := min(bot, e.na-nt)
	all = nt == top && nb == bot
	estimated = all && e.krylov
	worst = -1
	for k := 0; k < nt+nb; k++ {
		i := e.na - 1 - k
		if k >= nt {
			i = k - nt
		}
		sc := e.scale(i)
		if e.krylov {
			if est := e.beta * math.Abs(e.s[(e.na-1)*e.mmax+i]); est > tol*sc && est > e.estFloor() {
				all, estimated = false, false
				continue
			}
			if _, defl := e.residual(i); defl > tol*sc {
				all = false
			}
			continue
		}
		_, defl := e.residual(i)
		rel := relative(defl, sc)
		if rel > tol {
			all = false
		}
		if rel > worst {
			worst = rel
			copy(e.rt, e.r)
			copy(e.yt, e.y)
			e.thetaT, e.topT = e.theta[i], k < nt
		}
	}
	return all, estimated, worst
}

// expand adds the next vector to the active space. It returns false when no
// new direction exists (the basis spans the space).
func (e *engine) expand(target bool) (bool, error) {
	x := e.x
	switch {
	case e.krylov && e.haveF:
		copy(x, e.f)
	case !e.krylov && target:
		if e.prec != nil {
			e.precondition(x)
		} else {
			copy(x, e.rt)
		}
		before, after, noise := e.orthogonalize(x, e.nl+e.na, e.c1)
		if e.negligible(before, after, noise) {
			if !e.fresh(x) {
				return false, nil
			}
		} else {
			floats.Scale(1/after, x)
		}
	default:
		if !e.fresh(x) {
			return false, nil
		}
	}
	return true, e.addVector(x, e.krylov)
}

// precFloor·‖H‖ is the smallest |μ − θ| the preconditioner divides by: it
// bounds the amplification of the directions whose cached value is within
// rounding (or staleness) of the target value.
const precFloor = 1e-3

// precStall is the number of consecutive preconditioned Davidson steps
// without halving the worst residual after which a solve drops the
// preconditioner (a good model reduces it by a factor 3–10 per step).
const precStall = 4

// precondition writes into x the next Davidson direction for the target
// pair (θ, y) with residual r (deflated by the locked rows): the
// preconditioned residual with Olsen's correction,
//
//	t = M⁻¹r − ε M⁻¹y = M⁻¹(r − εy),   ε = (yᵀM⁻¹r)/(yᵀM⁻¹y),
//
// which makes t orthogonal to y. M is the spectral model of the operator
// held by e.prec, M = Z diag(μ) Zᵀ + σ(I − ZZᵀ), shifted by θ:
//
//	M⁻¹v = b·v + Σ_i a_i (z_i·v) z_i,   b = 1/(σ − θ),  a_i = 1/(μ_i − θ) − b,
//
// with σ the innermost cached value of the target's end (the cache holds
// the extreme pairs, so the rest of the spectrum lies beyond it). So
// yᵀM⁻¹v = b·(y·v) + Σ_i a_i (z_i·y)(z_i·v): the products Zr and Zy (in one
// pass over the cache, kernel.GemvPair) give ε, and one more,
// Zᵀ·(a ⊙ Z(r − εy)), gives t.
//
// With M exact this is one step of inverse iteration with the Rayleigh
// shift (the correction equation of Jacobi–Davidson solved exactly); with
// the approximate, partly stale model of the cache it is the Davidson
// correction of Olsen et al. (1990). The preconditioner only chooses the
// expansion: every Ritz pair and residual is still computed from exact
// images, so a poor model slows the solve but never makes its result less
// accurate.
func (e *engine) precondition(x []float64) {
	c := e.prec
	p, nq := e.p, c.n
	y, r := e.yt, e.rt
	floats.Scale(1/e.norm(y), y)
	theta := e.thetaT
	floor := precFloor * e.normEst
	inv := func(d float64) float64 {
		if math.Abs(d) < floor {
			d = math.Copysign(floor, d)
		}
		return 1 / d
	}
	if len(e.pc) < 2*nq {
		e.pc = make([]float64, 2*nq) // once per cache size (the Tracker sizes it)
	}
	cr, cy := e.pc[:nq], e.pc[nq:2*nq]
	kernel.GemvPair(e.be, nq, p, 1, c.z, p, r, y, 0, cr, cy) // one pass over the cache for both
	b := inv(c.sigma(e.topT) - theta)
	num, den := b*dot(y, r), b*dot(y, y)
	for i := range cr {
		a := inv(c.mu[i]-theta) - b
		num += a * cy[i] * cr[i]
		den += a * cy[i] * cy[i]
	}
	eps := 0.0
	if den != 0 {
		eps = num / den
	}
	for i := range cr {
		cr[i] = (inv(c.mu[i]-theta) - b) * (cr[i] - eps*cy[i])
	}
	floats.AddScaledTo(x, r, -eps, y)
	e.be.Gemv(true, nq, p, 1, c.z, p, cr, b, x)
	if !e.finite(x) {
		copy(x, r)
	}
}

// converge expands the active space (which must not be empty) until the
// wanted pairs converge, the HVP budget is spent or the basis spans the
// space. It returns whether they converged and, if not, why.
func (e *engine) converge(top, bot int, tol float64) (bool, string, error) {
	for {
		if err := e.ritz(); err != nil {
			return false, "", err
		}
		all, estimated, worst := e.check(top, bot, tol)
		if all {
			return true, "", nil
		}
		switch {
		case estimated:
			e.stall++
		case !e.krylov && worst >= 0 && worst < 0.5*e.dref:
			e.dref, e.stall = worst, 0
		case !e.krylov:
			e.stall++
		default:
			e.stall = 0
		}
		if e.prec != nil && e.stall >= precStall {
			// The spectral model does not describe this operator: go
			// on with plain residuals.
			e.prec, e.stall, e.dref = nil, 0, math.Inf(1)
		}
		if e.asym > 10*tol*e.normEst && e.asym > asymFloor*e.normEst {
			return false, fmt.Sprintf("the operator is not symmetric to within the tolerance: |vᵀ(H−Hᵀ)w| = %.3g·‖H‖ was seen", e.asym/e.normEst), nil
		}
		if e.krylov && e.stall > stallSteps {
			return false, fmt.Sprintf("the true residuals stay above the Lanczos estimates: the operator is not symmetric (|vᵀ(H−Hᵀ)w| ≥ %.3g seen) or its rounding error exceeds Tol", e.asym), nil
		}
		if !e.krylov && e.stall > 3*e.mmax {
			return false, "the residuals stopped decreasing: Tol is below the rounding level of the operator, or the operator is not symmetric", nil
		}
		if e.nl+e.na >= e.p {
			return false, "the basis spans the whole space: the tolerance is below the rounding level of the operator", nil
		}
		if e.hvps >= e.maxHVPs {
			return false, "MaxHVPs reached", nil
		}
		if e.nl+e.na >= e.mmax {
			e.restart(top, bot)
		}
		added, err := e.expand(worst >= 0)
		if err != nil {
			return false, "", err
		}
		if !added {
			return false, "no new direction orthogonal to the basis could be found", nil
		}
	}
}

// restart keeps the wanted Ritz vectors and about half of the remaining
// capacity in Ritz vectors next to them (thick restart), with T = diag(θ).
// The Krylov continuation f, orthogonal to the old basis, stays valid.
func (e *engine) restart(top, bot int) {
	c := e.mmax - e.nl
	extra := max(1, (c-top-bot)/2)
	kt, kb := top, bot
	switch {
	case top > 0 && bot > 0:
		kt += (extra + 1) / 2
		kb += extra / 2
	case top > 0:
		kt += extra
	default:
		kb += extra
	}
	sel := e.idx[:0]
	for i := 0; i < kb; i++ {
		sel = append(sel, i)
	}
	for i := e.na - kt; i < e.na; i++ {
		sel = append(sel, i)
	}
	e.rotate(sel, e.nl)
	m := e.mmax
	for k, i := range sel {
		e.theta[k] = e.theta[i]
	}
	for k := range sel {
		for j := range sel {
			e.t[k*m+j] = 0
		}
		e.t[k*m+k] = e.theta[k]
	}
	e.na = len(sel)
	e.fFrom = -1
	e.restarts++
}

// rotate replaces rows dst.. of v and w by the combinations Σ_j s[j][sel[k]]
// of the active rows, in place, chunk by chunk of columns.
func (e *engine) rotate(sel []int, dst int) {
	na, m, q := e.na, e.mmax, len(sel)
	for k, i := range sel {
		for j := 0; j < na; j++ {
			e.ssel[k*na+j] = e.s[j*m+i]
		}
	}
	S := blas64.General{Rows: q, Cols: na, Stride: na, Data: e.ssel[:q*na]}
	for _, buf := range [2][]float64{e.v, e.w} {
		for c0 := 0; c0 < e.p; c0 += chunkCols {
			cw := min(chunkCols, e.p-c0)
			src := blas64.General{Rows: na, Cols: cw, Stride: e.p, Data: buf[e.nl*e.p+c0:]}
			out := blas64.General{Rows: q, Cols: cw, Stride: cw, Data: e.chunk[:q*cw]}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, S, src, 0, out)
			for k := 0; k < q; k++ {
				copy(buf[(dst+k)*e.p+c0:(dst+k)*e.p+c0+cw], e.chunk[k*cw:(k+1)*cw])
			}
		}
	}
}

// lock moves the Ritz pairs sel (ascending indices) into locked rows, with
// end[k] = +1 for the top end and -1 for the bottom end, normalising each
// vector and recording its value and true residual. The active space is
// emptied.
func (e *engine) lock(sel []int, end []int8) {
	e.rotate(sel, e.nl)
	for k, i := range sel {
		row := e.nl + k
		v, w := e.row(e.v, row), e.row(e.w, row)
		nv := e.norm(v)
		floats.Scale(1/nv, v)
		floats.Scale(1/nv, w)
		th := e.theta[i]
		floats.AddScaledTo(e.r, w, -th, v)
		e.lval[row], e.lres[row], e.lend[row] = th, e.norm(e.r), end[k]
	}
	e.nl += len(sel)
	e.na = 0
	e.haveF = false
}

// lockAndCheck ends a solve whose wanted pairs converged (ok) or not: it
// locks them and, when ok and check, runs the deflation check with nbr
// neighbouring pairs locked beside them (see verify). It returns the
// outcome as converge does; reason is kept when no check runs.
func (e *engine) lockAndCheck(s Settings, ok, check bool, reason string, nbr int) (bool, string, error) {
	if !ok || !check {
		e.lockWanted(s.Top, s.Bottom, 0)
		return ok, reason, nil
	}
	e.lockWanted(s.Top, s.Bottom, nbr)
	return e.verify(s.Top, s.Bottom, s.Tol, s.Top > 0, s.Bottom > 0)
}

// lockWanted locks the wanted pairs of the active space (as many as exist),
// and, for a deflation check that follows, up to nbr neighbouring Ritz pairs
// per wanted end (marked 0: deflated, never reported), leaving room for the
// check's own Krylov space.
func (e *engine) lockWanted(top, bot, nbr int) {
	top, bot = min(top, e.na), min(bot, e.na-min(top, e.na))
	free := e.na - top - bot
	if e.mmax < e.p {
		free = min(free, e.mmax-e.nl-top-bot-checkRoom)
	}
	nt, nb := 0, 0
	for k := 0; k < nbr && free > 0; k++ {
		if top > 0 && free > 0 {
			nt++
			free--
		}
		if bot > 0 && free > 0 {
			nb++
			free--
		}
	}
	sel := e.idx[:0]
	var ends [2 * 96]int8
	end := ends[:0]
	if top+bot+nt+nb > len(ends) {
		end = make([]int8, 0, top+bot+nt+nb)
	}
	for i := 0; i < bot+nb; i++ {
		sel = append(sel, i)
		end = append(end, lockEnd(i < bot, -1))
	}
	for i := e.na - top - nt; i < e.na; i++ {
		sel = append(sel, i)
		end = append(end, lockEnd(i >= e.na-top, +1))
	}
	e.lock(sel, end)
}

// checkRoom is the number of basis vectors kept free for a deflation check.
const checkRoom = 8

// neighbours is the number of Ritz pairs next to each wanted end that a
// LanczosSolver deflates in its checks.
const neighbours = 2

func lockEnd(wanted bool, end int8) int8 {
	if wanted {
		return end
	}
	return 0
}

// verify runs deflation checks. With the locked rows fixed (the wanted
// pairs and the neighbours lockWanted deflated), a fresh random vector
// orthogonal to them starts a Krylov run on the deflated operator PHP. It
// looks for an eigenvalue beyond the top-th (bottom-th) locked value v
// (with residual r) that the first run missed: an extra copy of a multiple
// eigenvalue, the far member of a cluster, or an eigenvalue that crossed
// into the tracked set. Such an eigenvector is orthogonal to the space the
// first run explored (exactly so for a second copy of a multiple
// eigenvalue), so it survives the projection, while deflating the
// neighbours moves the comparison away from a crowded top of the spectrum.
//
// The run first converges the deflated extreme pair (θ′, r′) to the looser
// tolerance √tol; if θ′ + r′ < v − r, its eigenvalue is certainly below v
// (Weyl) and the end is confirmed. Otherwise the neighbours are released and
// the check is redone deflating only the found pairs, converged to tol; a
// pair beyond v by more than r + r′ is locked and the check repeats, while a
// tie within the residuals confirms the end. After any addition, polish
// makes the residuals of all pairs meet tol again.
func (e *engine) verify(top, bot int, tol float64, checkTop, checkBot bool) (bool, string, error) {
	looseTol := math.Max(tol, math.Sqrt(tol))
	inserted := false
	for checkTop || checkBot {
		if e.nl >= e.p {
			return true, "", nil // nothing left to find
		}
		wt, wb := 0, 0
		if checkTop {
			wt = 1
		}
		if checkBot {
			wb = 1
		}
		if e.mmax < e.p && e.mmax-e.nl < wt+wb+3 {
			return false, "no room left for a deflation check: raise MaxKrylov", nil
		}
		if e.hvps >= e.maxHVPs {
			return false, "MaxHVPs reached during a deflation check", nil
		}
		if !e.fresh(e.x) {
			return true, "", nil
		}
		e.na = 0
		e.phase(true)
		if err := e.addVector(e.x, true); err != nil {
			return false, "", err
		}
		e.checks++
		// With a single dimension left, its one pair is both ends.
		wb = min(wb, e.p-e.nl-wt)
		ok, reason, err := e.converge(wt, wb, looseTol)
		if e.merge != nil && err == nil && e.na > 0 {
			// The check's Krylov space has exact images: it refreshes
			// the spectral cache below the locked pairs.
			e.merge.absorb(e)
		}
		if err != nil || !ok {
			return ok, reason, err
		}
		below := func(end int8) bool {
			i, k := e.na-1, top
			if end < 0 {
				i, k = 0, bot
			}
			res, _ := e.residual(i)
			v, r := e.kth(end, k)
			th := e.theta[i]
			if end < 0 {
				return th-res > v+r
			}
			return th+res < v-r
		}
		if (!checkTop || below(+1)) && (!checkBot || below(-1)) {
			break
		}
		if e.dropNeighbours() {
			// A pair found beyond v is coupled to the unconverged
			// neighbours through their residuals, which no vector
			// orthogonal to them can reduce: check again without them.
			continue
		}
		if looseTol > tol {
			ok, reason, err = e.converge(wt, wb, tol)
			if err != nil || !ok {
				return ok, reason, err
			}
		}
		var sel [2]int
		var end [2]int8
		n := 0
		if checkBot {
			i := 0
			res, _ := e.residual(i)
			v, r := e.kth(-1, bot)
			if e.theta[i] < v-(res+r) {
				sel[n], end[n] = i, -1
				n++
			} else {
				checkBot = false
			}
		}
		if checkTop {
			i := e.na - 1
			res, _ := e.residual(i)
			v, r := e.kth(+1, top)
			if e.theta[i] > v+(res+r) && !(n == 1 && sel[0] == i) {
				sel[n], end[n] = i, +1
				n++
			} else {
				checkTop = false
			}
		}
		if n == 0 {
			break
		}
		e.lock(sel[:n], end[:n])
		inserted = true
	}
	e.na = 0
	if inserted {
		return e.polish(top, bot, tol)
	}
	return true, "", nil
}

// polish finishes a solve in which deflation checks added pairs. Each
// added pair met tol on its residual deflated by the other locked pairs;
// its full residual also holds its couplings to them (each at most their
// residual), which no vector orthogonal to them can reduce. polish returns
// every locked pair of either end to the active space (their images are
// stored, so this costs no HVP), projects H on them and continues with
// Davidson steps until the wanted pairs meet tol on full residuals; the
// Rayleigh–Ritz step absorbs the couplings. It then locks the wanted pairs
// again.
func (e *engine) polish(top, bot int, tol float64) (bool, string, error) {
	e.dropNeighbours()
	e.na, e.nl = e.nl, 0
	e.phase(false)
	m := e.mmax
	A := e.rows(e.v, 0, e.na)
	for j := 0; j < e.na; j++ {
		c := e.c1[:e.na]
		blas64.Gemv(blas.NoTrans, 1, A, vec(e.row(e.w, j)), 0, vec(c))
		for i := 0; i <= j; i++ {
			e.t[i*m+j] = c[i]
			e.t[j*m+i] = c[i]
		}
	}
	ok, reason, err := e.converge(top, bot, tol)
	if err != nil {
		return false, "", err
	}
	e.lockWanted(top, bot, 0)
	return ok, reason, nil
}

// dropNeighbours removes the neighbour rows (end 0) from the locked set,
// keeping the order of the others, and empties the active space. It reports
// whether there were any.
func (e *engine) dropNeighbours() bool {
	n := 0
	for i := 0; i < e.nl; i++ {
		if e.lend[i] == 0 {
			continue
		}
		if n != i {
			copy(e.row(e.v, n), e.row(e.v, i))
			copy(e.row(e.w, n), e.row(e.w, i))
			e.lval[n], e.lres[n], e.lend[n] = e.lval[i], e.lres[i], e.lend[i]
		}
		n++
	}
	if n == e.nl {
		return false
	}
	e.nl, e.na, e.haveF = n, 0, false
	return true
}

// kth returns the value and residual of the k-th most extreme locked pair
// at the given end (k ≥ 1).
func (e *engine) kth(end int8, k int) (val, res float64) {
	idx := e.sortedLocked(end)
	i := idx[min(k, len(idx))-1]
	return e.lval[i], e.lres[i]
}

// sortedLocked returns the locked rows of one end, most extreme first, in
// e.idx (insertion sort: the lists are short and this must not allocate).
func (e *engine) sortedLocked(end int8) []int {
	idx := e.idx[:0]
	for i := 0; i < e.nl; i++ {
		if e.lend[i] == end {
			idx = append(idx, i)
		}
	}
	sgn := float64(end)
	for a := 1; a < len(idx); a++ {
		for b := a; b > 0 && sgn*e.lval[idx[b]] > sgn*e.lval[idx[b-1]]; b-- {
			idx[b], idx[b-1] = idx[b-1], idx[b]
		}
	}
	return idx
}

// collect writes the best top and bot locked pairs into out and returns the
// result with the count of pairs that meet tol and the worst relative
// residual.
func (e *engine) collect(out *outPairs, top, bot int, tol float64) (res Result, nconv int, worst float64) {
	nt, nb := 0, 0
	for i := 0; i < e.nl; i++ {
		switch {
		case e.lend[i] > 0:
			nt++
		case e.lend[i] < 0:
			nb++
		}
	}
	nt, nb = min(nt, top), min(nb, bot)
	out.ensure(e.p, nt, nb)
	for _, end := range [2]int8{+1, -1} {
		n := nt
		if end < 0 {
			n = nb
		}
		for k, i := range e.sortedLocked(end)[:n] {
			lam, r := e.lval[i], e.lres[i]
			out.set(end > 0, k, k, lam, r, e.row(e.v, i))
			rel := relative(r, math.Max(e.normEst, math.Abs(lam)))
			if rel <= tol {
				nconv++
			}
			worst = math.Max(worst, rel)
		}
	}
	res = out.result(nt, nb)
	res.Norm = e.normEst
	res.HVPs = e.hvps
	res.Restarts = e.restarts
	res.Checks = e.checks
	return res, nconv, worst
}
