package sdcp

import (
	"errors"
	"fmt"
	"math"
)

// Problem is the SDCP X ⪰ 0, A⁺ = A₀ + S·(C + ½𝒢X) ⪰ 0, ⟨X, A⁺⟩ = 0 of
// order K (see the package documentation).
type Problem struct {
	// K is the order of the matrices, K ≥ 1.
	K int
	// A0 and C are symmetric K×K matrices, row-major (only their
	// symmetric parts are used).
	A0, C []float64
	// Gram is the m×m Gram matrix of the pairs i ≤ j (m = K(K+1)/2, pairs
	// in the order of Pairs): Gram[a·m+b] = g_a·g_b. It must be positive
	// semidefinite (only its symmetric part is used).
	Gram []float64
	// S is the step scalar, S > 0.
	S float64
}

// Result describes a solve.
type Result struct {
	// Iterations counts the residual evaluations after the start (each a
	// Newton trial or a projected gradient step); Newton counts the
	// accepted Newton steps.
	Iterations, Newton int
	// Primal = ‖Π₋(X)‖_F, Dual = ‖Π₋(A⁺)‖_F and Comp = |⟨X, A⁺⟩| are the
	// KKT residuals of the returned X, with Π₋ the part of a symmetric
	// matrix on its negative eigenvalues.
	Primal, Dual, Comp float64
	// Residual is the natural residual ‖X − Π(X − α∇f(X))‖_F/α of the
	// returned X (zero exactly at a solution), and Scale the scale it is
	// compared with: ‖A₀ + SC‖_F + ‖𝒢̂‖₂·‖X‖_F, the size of the terms of A⁺.
	Residual, Scale float64
	// Rank is the number of eigenvalues of X above RankTol times the
	// largest (0 for X = 0). When 𝒢 is singular X, and so its rank, need
	// not be unique (two uncoupled directions at the threshold can
	// oscillate independently, rank 2, or in phase, rank 1, at the same
	// cost).
	Rank int
	// Binding is the dimension of the null space of A⁺ (eigenvalues at
	// most RankTol·Scale): the number of directions held at the threshold,
	// which is unique because A⁺ is. It is at least Rank.
	Binding int
	// Converged reports Residual ≤ Tol·Scale.
	Converged bool
}

// RankTol is the relative size below which an eigenvalue of X does not
// count in Result.Rank. A solve to the default tolerance leaves the
// eigenvalues that vanish at the solution at about DefaultTol times the
// scale; 1e-8 separates them from real oscillations with room.
const RankTol = 1e-8

// Solver solves SDCPs.
type Solver interface {
	// Solve writes a solution of p into x (K×K, row-major). On entry x
	// holds the starting point (a warm start; zeros for a cold start; its
	// symmetric part is used and projected on the cone). When the
	// tolerance is missed Solve returns the best X it found, its Result and
	// a *ConvergenceError.
	Solve(p *Problem, x []float64) (Result, error)
}

// ErrUnbounded is returned (wrapped) when the quadratic program is
// unbounded below, so that the SDCP has no solution: A₀ + SC is negative
// along a PSD direction on which 𝒢 vanishes.
var ErrUnbounded = errors.New("sdcp: no solution (the quadratic program is unbounded below)")

// ErrNonFinite is returned (wrapped) for a problem with NaN or ±Inf data.
var ErrNonFinite = errors.New("sdcp: non-finite problem data")

// ConvergenceError reports a solve that stopped before its tolerance.
type ConvergenceError struct {
	// Iterations used; Residual and Scale as in Result.
	Iterations      int
	Residual, Scale float64
}

func (e *ConvergenceError) Error() string {
	return fmt.Sprintf("sdcp: no convergence in %d iterations (natural residual %.3g, scale %.3g)", e.Iterations, e.Residual, e.Scale)
}

// Pairs returns m = K(K+1)/2, the number of pairs i ≤ j.
func Pairs(k int) int { return k * (k + 1) / 2 }

// PairIndex returns the position of the pair (i, j) (in either order) in
// the enumeration (0,0), (0,1), …, (0,K−1), (1,1), … of the pairs i ≤ j.
func PairIndex(k, i, j int) int {
	if i > j {
		i, j = j, i
	}
	if i < 0 || j >= k {
		panic(fmt.Sprintf("sdcp: pair (%d, %d) out of range for K = %d", i, j, k))
	}
	return i*k - i*(i-1)/2 + (j - i)
}

// check panics on programmer errors and reports non-finite data.
func (p *Problem) check(x []float64) error {
	k := p.K
	if k < 1 {
		panic(fmt.Sprintf("sdcp: K = %d < 1", k))
	}
	m := Pairs(k)
	for _, s := range []struct {
		name    string
		n, want int
	}{{"A0", len(p.A0), k * k}, {"C", len(p.C), k * k}, {"Gram", len(p.Gram), m * m}, {"x", len(x), k * k}} {
		if s.n != s.want {
			panic(fmt.Sprintf("sdcp: len(%s) = %d, want %d for K = %d", s.name, s.n, s.want, k))
		}
	}
	if !(p.S > 0) {
		panic(fmt.Sprintf("sdcp: step S = %g, want S > 0", p.S))
	}
	if math.IsInf(p.S, 0) || !finite(p.A0) || !finite(p.C) || !finite(p.Gram) {
		return ErrNonFinite
	}
	return nil
}

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Scalar is the closed-form solver of K = 1 problems. Solve panics for
// other K.
type Scalar struct{}

// Solve implements Solver for K = 1 (see Solve1).
func (Scalar) Solve(p *Problem, x []float64) (Result, error) {
	if err := p.check(x); err != nil {
		return Result{}, err
	}
	if p.K != 1 {
		panic(fmt.Sprintf("sdcp: Scalar solves K = 1 only (got K = %d)", p.K))
	}
	v, err := Solve1(p.A0[0], p.C[0], p.Gram[0], p.S)
	if err != nil {
		return Result{}, err
	}
	x[0] = v
	b := p.A0[0] + p.S*p.C[0]
	q := 0.5 * p.S * p.Gram[0]
	ap := b + q*v
	res := Result{Converged: true, Scale: math.Abs(b) + q*v}
	if v > 0 {
		res.Rank = 1
	}
	if math.Abs(ap) <= RankTol*res.Scale {
		res.Binding = 1
	}
	res.Dual = math.Max(-ap, 0)
	res.Comp = math.Abs(v * ap)
	if v > 0 {
		res.Residual = math.Abs(ap)
	} else {
		res.Residual = res.Dual
	}
	return res, nil
}

// Solve1 returns the solution of the K = 1 problem with A₀ = a0, C = c,
// 𝒢 = gg (= ‖g‖² ≥ 0) and step s > 0:
//
//	X = max(0, −(a0 + s·c)/(½s·gg)),
//
// which makes A⁺ = 0 when X > 0. With gg = 0 it is 0 when a0 + s·c ≥ 0 and
// there is no solution otherwise (ErrUnbounded).
func Solve1(a0, c, gg, s float64) (float64, error) {
	if !(s > 0) || gg < 0 {
		panic(fmt.Sprintf("sdcp: Solve1 with s = %g, gg = %g", s, gg))
	}
	b := a0 + s*c
	if math.IsNaN(b) || math.IsInf(b, 0) || math.IsInf(gg, 0) || math.IsNaN(gg) {
		return 0, ErrNonFinite
	}
	if b >= 0 {
		return 0, nil
	}
	q := 0.5 * s * gg
	if q == 0 {
		return 0, ErrUnbounded
	}
	return -b / q, nil
}
