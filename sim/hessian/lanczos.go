package hessian

import (
	"context"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/kernel"
)

// CheckPolicy says when a solver runs deflation checks (see LanczosSolver).
type CheckPolicy int

const (
	// CheckAuto checks when it matters: for LanczosSolver when more than one
	// eigenpair is wanted at an end (a single Krylov sequence sees one copy
	// of a multiple eigenvalue) or when the Krylov space became invariant
	// before spanning the space (the start vector missed some
	// eigenvectors); for Tracker every CheckEvery estimates and whenever the
	// tracked vectors look unreliable.
	CheckAuto CheckPolicy = iota
	// CheckAlways checks after every solve, also for a single eigenpair
	// (this also guards against a start vector nearly orthogonal to the top
	// eigenvector).
	CheckAlways
	// CheckNever never checks.
	CheckNever
)

// Settings configure LanczosSolver and Tracker. The zero value asks for the
// top eigenpair to relative residual 1e-8.
type Settings struct {
	// Top and Bottom are the numbers of eigenpairs wanted at the largest
	// and the smallest algebraic end. When both are zero, Top is 1.
	// Top+Bottom must not exceed the dimension p.
	Top, Bottom int
	// Tol is the relative residual ‖Hy − λy‖/max(|λ|, ‖H‖ estimate) every
	// returned pair must meet. Default 1e-8, which makes the eigenvalue
	// error at most about Tol²·‖H‖²/gap (Kato–Temple). Tolerances below a
	// few hundred ε cannot be met by rounding-limited operators.
	Tol float64
	// MaxKrylov bounds the number of stored basis vectors (each stored with
	// its image: memory 2·MaxKrylov·p floats). Default
	// max(30, 2(Top+Bottom)+10); it must be at least Top+Bottom+3 (the
	// deflation checks need about Top+Bottom+5). It is capped at p.
	MaxKrylov int
	// MaxHVPs bounds the number of operator applications. Default 5000.
	MaxHVPs int
	// Check is the deflation-check policy. Default CheckAuto.
	Check CheckPolicy
	// Rand generates start and restart vectors. When nil, a private
	// generator seeded with DefaultSeed is used, re-seeded on every
	// LanczosSolver.Estimate (so that each estimate depends only on the
	// operator) and once per Tracker.
	Rand *rand.Rand
	// Start, when not nil, is the start vector of LanczosSolver (length p,
	// not zero); otherwise the start vector is Gaussian from Rand. The
	// Tracker ignores it.
	Start []float64
	// Kernel runs the products with length-p vectors (Gram–Schmidt, Ritz
	// vectors, norms, the Tracker's spectral cache); nil means
	// kernel.Default(). Any variant gives results within the tolerance;
	// the bits depend on the variant (for kernel.Default, on whether the
	// CPU has AVX2 and FMA; for the pure-Go kernels, on GOAMD64, which
	// decides whether the compiler fuses multiply-adds), never on
	// GOMAXPROCS.
	Kernel kernel.Backend
}

// DefaultTol is the default relative residual tolerance.
const DefaultTol = 1e-8

// basisRows returns the number of basis vectors the settings allow for
// dimension p (MaxKrylov, or its default max(def, 2(Top+Bottom)+10), capped
// at p).
func (s Settings) basisRows(p, def int) int {
	m := s.MaxKrylov
	if m == 0 {
		m = max(def, 2*(max(s.Top+s.Bottom, 1))+10)
	}
	return min(m, p)
}

// WorkspaceFloats returns about how many float64 values a LanczosSolver
// with these settings keeps for a p-dimensional operator: its basis and
// their images, and a few work vectors. It is for planning memory (24·p²
// bytes would be the dense path's).
func (s Settings) WorkspaceFloats(p int) float64 {
	return float64(p) * float64(2*s.basisRows(p, 30)+10)
}

// resolved returns the settings with defaults filled in for dimension p,
// and the effective basis size.
func (s Settings) resolved(p int, who string) (Settings, int) {
	if s.Top == 0 && s.Bottom == 0 {
		s.Top = 1
	}
	if s.Top < 0 || s.Bottom < 0 || s.Top+s.Bottom > p {
		panic("hessian: " + who + ": need 0 ≤ Top, Bottom and Top+Bottom ≤ p")
	}
	if s.Tol == 0 {
		s.Tol = DefaultTol
	}
	if s.Tol < 0 {
		panic("hessian: " + who + ": negative Tol")
	}
	k := s.Top + s.Bottom
	if s.MaxKrylov == 0 {
		s.MaxKrylov = s.basisRows(math.MaxInt, 30)
	}
	if s.MaxHVPs == 0 {
		s.MaxHVPs = 5000
	}
	mmax := min(s.MaxKrylov, p)
	if mmax < p && mmax < k+3 {
		panic("hessian: " + who + ": MaxKrylov must be at least Top+Bottom+3")
	}
	return s, mmax
}

// LanczosSolver computes the top and bottom eigenpairs of symmetric
// operators by thick-restart Lanczos with full reorthogonalisation.
//
// The Krylov space grows from one start vector; each step applies the
// operator once and orthogonalises against every stored vector twice
// (Gram–Schmidt, "twice is enough"), so no ghost copies appear. After every
// step the projected matrix is decomposed and each wanted Ritz pair whose
// Lanczos estimate β|s_last| passes the test has its true residual computed
// from the stored images; the solve stops as soon as all wanted pairs pass.
// When the basis is full (MaxKrylov vectors) it restarts from the wanted Ritz
// vectors, about half the remaining capacity in their neighbours, and the
// last Lanczos vector (thick restart, Wu & Simon 2000).
//
// Deflation check: a single Krylov sequence contains only one direction of
// each eigenspace, so it cannot see the second copy of a multiple eigenvalue,
// and a start vector without components along some eigenvector (an
// eigenvector itself, for instance) cannot see that one at all. When the
// check runs (Settings.Check; under CheckAuto when an end has more than one
// wanted pair or the Krylov space became invariant), the converged vectors
// and two neighbouring Ritz vectors per end are locked and a fresh random
// vector orthogonal to them starts a new Krylov sequence on the deflated
// operator. Its extreme pair is converged to √Tol: if it is certainly
// inside the k-th value (value plus residual), the result is confirmed;
// otherwise the check is redone without the neighbours at Tol, a pair beyond
// the k-th value by more than the two residuals is added, and the check
// repeats. The check costs about one more cold solve of a single pair at a
// loose tolerance.
//
// A LanczosSolver reuses its workspace: after the first call on a given
// dimension it does not allocate. It is not safe for concurrent use.
type LanczosSolver struct {
	// Settings are read at every Estimate.
	Settings Settings
	eng      engine
	rng      seeded
	out      outPairs
}

// NewLanczosSolver returns a solver with the given settings.
func NewLanczosSolver(s Settings) *LanczosSolver { return &LanczosSolver{Settings: s} }

// Lanczos computes eigenpairs of op with a fresh LanczosSolver; the result
// does not alias any other.
func Lanczos(op sim.Operator, s Settings) (Result, error) {
	return NewLanczosSolver(s).Estimate(op)
}

// Estimate implements Estimator.
func (l *LanczosSolver) Estimate(op sim.Operator) (Result, error) {
	return l.EstimateContext(context.Background(), op)
}

// EstimateContext implements ContextEstimator.
func (l *LanczosSolver) EstimateContext(ctx context.Context, op sim.Operator) (Result, error) {
	p := op.Dim()
	s, mmax := l.Settings.resolved(p, "Lanczos")
	e := &l.eng
	e.useKernel(s.Kernel)
	e.ensure(p, mmax)
	e.reset(op, l.rng.get(s.Rand, true), s.MaxHVPs)
	e.ctx = ctx
	x := e.x
	if s.Start != nil {
		if len(s.Start) != p {
			panic("hessian: Lanczos: len(Start) != p")
		}
		copy(x, s.Start)
	} else {
		gaussian(e.rng, x)
	}
	nx := nrm2(x)
	if nx == 0 {
		panic("hessian: Lanczos: zero start vector")
	}
	floats.Scale(1/nx, x)
	e.phase(true)
	return solve(e, &l.out, s, x, "Lanczos")
}

// wantCheck reports whether a solve that converged should run a deflation
// check: always under CheckAlways; under CheckAuto when an end has more than
// one wanted pair, or when the Krylov space became invariant (a breakdown)
// without spanning the whole space: the start vector then lacked components
// along some eigenvectors (it may even be an eigenvector of a lower
// eigenvalue), and only a fresh vector can show what lies beyond.
func wantCheck(e *engine, s Settings) bool {
	switch s.Check {
	case CheckAlways:
		return true
	case CheckAuto:
		return s.Top > 1 || s.Bottom > 1 || (e.breaks > 0 && e.nl+e.na < e.p)
	}
	return false
}

// solve runs a cold Krylov solve from the unit vector x, the deflation
// check when wantCheck says so, and collects the result.
func solve(e *engine, out *outPairs, s Settings, x []float64, who string) (Result, error) {
	if err := e.addVector(x, true); err != nil {
		return Result{HVPs: e.hvps}, err
	}
	ok, reason, err := e.converge(s.Top, s.Bottom, s.Tol)
	if err != nil {
		return Result{HVPs: e.hvps}, err
	}
	ok, reason, err = e.lockAndCheck(s, ok, wantCheck(e, s), reason, neighbours)
	if err != nil {
		return Result{HVPs: e.hvps}, err
	}
	return finish(e, out, s, ok, reason, who)
}

func finish(e *engine, out *outPairs, s Settings, ok bool, reason, who string) (Result, error) {
	res, nconv, worst := e.collect(out, s.Top, s.Bottom, s.Tol)
	want := s.Top + s.Bottom
	res.Converged = ok && nconv == want
	if res.Converged {
		return res, nil
	}
	if reason == "" {
		reason = "a residual grew above the tolerance when the pairs were locked"
	}
	return res, &ConvergenceError{Method: who, HVPs: e.hvps, Wanted: want, Converged: nconv, Worst: worst, Tol: s.Tol, Reason: reason}
}
