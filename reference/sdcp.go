package reference

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim/sdcp"
)

// SDCPCaps tell SDCPSuite what a solver can do.
type SDCPCaps struct {
	// MaxK is the largest order the solver handles (0: no limit; the
	// suite goes up to 4).
	MaxK int
	// Tol is the relative natural residual the solver is configured to
	// reach (0: sdcp.DefaultTol).
	Tol float64
}

// sdcpSuiteMaxK is the largest order the suite exercises: the central flow
// must handle at least four unstable directions.
const sdcpSuiteMaxK = 4

// SDCPSuite is the conformance battery of the central flow's semidefinite
// complementarity solvers (package sdcp; math.md §5, the central flow [L]).
// newSolver returns a fresh solver. Every solution is checked with KKT
// residuals computed here, independently of the package (gonum's
// mat.EigenSym, the problem's matrices used as given), against:
//
//   - k = 1: the closed form X = max(0, −(a₀ + sc)/(½s‖g‖²)) (sdcp.Solve1);
//   - k ≤ 4, every rank r of the solution: instances built from their
//     answer (X* = VYVᵀ and A⁺* = V⊥ZV⊥ᵀ with Y, Z ≻ 0 and a positive
//     definite Gram matrix, so X* is the unique solution), including
//     X* = 0 and interior solutions; Result.Rank and Result.Binding must be
//     r (Y, Z ≻ 0: strict complementarity);
//   - k ≤ 4: random instances, with a Gram matrix of random vectors in a
//     space of fewer dimensions than pairs (𝒢 singular, X not unique) and
//     without, against an independent solution of the quadratic program by
//     a log-barrier interior-point method (objective values and the
//     unique A⁺);
//   - the decoupled closed form for diagonal A₀ + sC and a diagonal Gram
//     matrix, and X = 0 whenever A₀ + sC ⪰ 0;
//   - warm starts that do not change the answer, a problem without a
//     solution (sdcp.ErrUnbounded), non-finite data (sdcp.ErrNonFinite),
//     and no allocation in steady state.
func SDCPSuite(t *testing.T, newSolver func() sdcp.Solver, caps SDCPCaps) {
	t.Helper()
	maxK := sdcpSuiteMaxK
	if caps.MaxK > 0 {
		maxK = min(maxK, caps.MaxK)
	}
	tol := caps.Tol
	if tol <= 0 {
		tol = sdcp.DefaultTol
	}
	// KKT allowance. The natural residual ‖R‖/α ≤ tol·scale bounds the
	// distance of X and A⁺ to a KKT pair in those units; the dual and
	// complementarity residuals are within a small multiple of it (the
	// projection is 1-Lipschitz), plus rounding of a few ε·scale from the
	// eigendecompositions. 100·tol covers both with room.
	kktTol := 100 * tol
	t.Run("closed-form-k1", func(t *testing.T) { sdcpClosedK1(t, newSolver, kktTol) })
	t.Run("constructed", func(t *testing.T) { sdcpConstructed(t, newSolver, maxK, tol, kktTol) })
	t.Run("brute-force", func(t *testing.T) { sdcpBruteForce(t, newSolver, maxK, kktTol) })
	t.Run("diagonal", func(t *testing.T) { sdcpDiagonal(t, newSolver, maxK, kktTol) })
	t.Run("warm-start", func(t *testing.T) { sdcpWarm(t, newSolver, maxK, kktTol) })
	t.Run("errors", func(t *testing.T) { sdcpErrors(t, newSolver, maxK) })
	t.Run("allocs", func(t *testing.T) { sdcpAllocs(t, newSolver, maxK) })
}

// SDCPCheck holds what the suite measures of a candidate solution X.
type SDCPCheck struct {
	// Primal = ‖Π₋(X)‖_F, Dual = ‖Π₋(A⁺)‖_F, Comp = |⟨X, A⁺⟩|.
	Primal, Dual, Comp float64
	// Scale = ‖A₀ + sC‖_F + ‖𝒢̂‖_F·‖X‖_F, the size of the terms of A⁺.
	Scale float64
	// F is the objective ¼s⟨X, 𝒢X⟩ + ⟨A₀ + sC, X⟩; APlus is A⁺ (k×k).
	F     float64
	APlus []float64
}

// SDCPEvaluate computes the KKT residuals and the objective of X for p
// directly from the problem's k×k and pair data, with mat.EigenSym: an
// evaluation independent of package sdcp's coordinates and eigensolver.
func SDCPEvaluate(p *sdcp.Problem, x []float64) SDCPCheck {
	k, m := p.K, sdcp.Pairs(p.K)
	gx := make([]float64, k*k) // 𝒢X
	for i := range k {
		for j := range k {
			a := sdcp.PairIndex(k, i, j)
			var s float64
			for kk := range k {
				for l := range k {
					s += p.Gram[a*m+sdcp.PairIndex(k, kk, l)] * x[kk*k+l]
				}
			}
			gx[i*k+j] = s
		}
	}
	var c SDCPCheck
	c.APlus = make([]float64, k*k)
	var bn, gn, xn, xgx, bx float64
	for i := range k * k {
		b := p.A0[i] + p.S*p.C[i]
		c.APlus[i] = b + 0.5*p.S*gx[i]
		bn += b * b
		xn += x[i] * x[i]
		xgx += x[i] * gx[i]
		bx += b * x[i]
	}
	for _, g := range p.Gram {
		gn += g * g
	}
	c.F = 0.25*p.S*xgx + bx
	c.Scale = math.Sqrt(bn) + 0.5*p.S*2*math.Sqrt(gn)*math.Sqrt(xn)
	var comp float64
	for i := range k * k {
		comp += x[i] * c.APlus[i]
	}
	c.Comp = math.Abs(comp)
	c.Primal = negPartNorm(k, x)
	c.Dual = negPartNorm(k, c.APlus)
	return c
}

// negPartNorm returns ‖Π₋(sym(a))‖_F.
func negPartNorm(k int, a []float64) float64 {
	s := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			s.SetSym(i, j, 0.5*(a[i*k+j]+a[j*k+i]))
		}
	}
	var es mat.EigenSym
	if !es.Factorize(s, false) {
		return math.NaN()
	}
	var n float64
	for _, v := range es.Values(nil) {
		if v < 0 {
			n += v * v
		}
	}
	return math.Sqrt(n)
}

// sdcpKKT fails t when the KKT residuals of x exceed tol·scale (the
// complementarity relative to scale·‖X‖, its units).
func sdcpKKT(t *testing.T, name string, p *sdcp.Problem, x []float64, tol float64) SDCPCheck {
	t.Helper()
	c := SDCPEvaluate(p, x)
	xn := 0.0
	for _, v := range x {
		xn += v * v
	}
	xn = math.Sqrt(xn)
	// Primal: X is a projection, so only its rounding (a few ε‖X‖).
	if c.Primal > 1e-13*(1+xn) || c.Dual > tol*c.Scale || c.Comp > tol*c.Scale*(1+xn) {
		t.Errorf("%s: KKT residuals primal %.3g, dual %.3g, comp %.3g (scale %.3g, ‖X‖ %.3g, tol %.3g)",
			name, c.Primal, c.Dual, c.Comp, c.Scale, xn, tol)
	}
	return c
}

// randomSym returns a random symmetric k×k matrix with N(0, σ²) entries.
func randomSym(rng *rand.Rand, k int, sigma float64) []float64 {
	a := make([]float64, k*k)
	for i := range k {
		for j := i; j < k; j++ {
			v := sigma * rng.NormFloat64()
			a[i*k+j], a[j*k+i] = v, v
		}
	}
	return a
}

// gramOf returns the pair Gram matrix of the vectors g_a (rows of g, one
// per pair, each of length n).
func gramOf(g [][]float64) []float64 {
	m := len(g)
	out := make([]float64, m*m)
	for a := range m {
		for b := range m {
			var s float64
			for i := range g[a] {
				s += g[a][i] * g[b][i]
			}
			out[a*m+b] = s
		}
	}
	return out
}

// randomVectors returns m random vectors of length n with N(0, 1) entries,
// each scaled by a factor in [1/spread, 1] (log-uniform), which sets the
// conditioning of their Gram matrix.
func randomVectors(rng *rand.Rand, m, n int, spread float64) [][]float64 {
	g := make([][]float64, m)
	for a := range g {
		sc := math.Exp(-rng.Float64() * math.Log(spread))
		g[a] = make([]float64, n)
		for i := range g[a] {
			g[a][i] = sc * rng.NormFloat64()
		}
	}
	return g
}

// randomOrthogonal returns a random k×k orthogonal matrix (row-major), the
// Q factor of a Gaussian matrix.
func randomOrthogonal(rng *rand.Rand, k int) []float64 {
	a := mat.NewDense(k, k, nil)
	for i := range k {
		for j := range k {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(a)
	var q mat.Dense
	qr.QTo(&q)
	out := make([]float64, k*k)
	for i := range k {
		for j := range k {
			out[i*k+j] = q.At(i, j)
		}
	}
	return out
}

// sdcpSolve runs a fresh solve from x (copied) and fails on error.
func sdcpSolve(t *testing.T, s sdcp.Solver, name string, p *sdcp.Problem, x0 []float64) ([]float64, sdcp.Result) {
	t.Helper()
	x := make([]float64, p.K*p.K)
	copy(x, x0)
	res, err := s.Solve(p, x)
	if err != nil {
		t.Fatalf("%s: %v (result %+v)", name, err, res)
	}
	return x, res
}

func sdcpClosedK1(t *testing.T, newSolver func() sdcp.Solver, tol float64) {
	rng := rand.New(rand.NewPCG(20261208, 1))
	s := newSolver()
	for i := range 200 {
		a0 := rng.NormFloat64()
		if i%4 == 0 {
			a0 = 0 // the central flow on its constraint
		}
		c := rng.NormFloat64()
		gg := math.Exp(4 * rng.NormFloat64())
		st := math.Exp(rng.NormFloat64())
		p := &sdcp.Problem{K: 1, A0: []float64{a0}, C: []float64{c}, Gram: []float64{gg}, S: st}
		x, _ := sdcpSolve(t, s, "k=1", p, []float64{0})
		want := math.Max(0, -(a0+st*c)/(0.5*st*gg))
		// The closed form is one division away from the solution: a
		// solver reaching the natural residual tol·scale is within
		// tol·scale/(½s‖g‖²) = tol·(|b|/q + X) of it.
		if d := math.Abs(x[0] - want); d > tol*(math.Abs(a0+st*c)/(0.5*st*gg)+want)+1e-300 {
			t.Errorf("k=1 #%d: X = %.17g, closed form %.17g", i, x[0], want)
		}
		sdcpKKT(t, "k=1", p, x, tol)
	}
}

// sdcpMakeFromAnswer builds a problem of order k whose unique solution is
// X* = VYVᵀ of rank r, with A⁺* = V⊥ZV⊥ᵀ.
func sdcpMakeFromAnswer(rng *rand.Rand, k, r int, spread float64) (*sdcp.Problem, []float64, []float64) {
	m := sdcp.Pairs(k)
	o := randomOrthogonal(rng, k)
	spd := func(n int) []float64 {
		b := make([]float64, n*n)
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		a := make([]float64, n*n)
		for i := range n {
			for j := range n {
				var s float64
				for l := range n {
					s += b[i*n+l] * b[j*n+l]
				}
				a[i*n+j] = s
			}
			a[i*n+i] += 0.1
		}
		return a
	}
	y, z := spd(r), spd(k-r)
	xs := make([]float64, k*k)
	ap := make([]float64, k*k)
	for i := range k {
		for j := range k {
			var sx, sa float64
			for a := range r {
				for b := range r {
					sx += o[i*k+a] * y[a*r+b] * o[j*k+b]
				}
			}
			for a := range k - r {
				for b := range k - r {
					sa += o[i*k+r+a] * z[a*(k-r)+b] * o[j*k+r+b]
				}
			}
			xs[i*k+j], ap[i*k+j] = sx, sa
		}
	}
	gram := gramOf(randomVectors(rng, m, m+3, spread))
	st := math.Exp(rng.NormFloat64())
	p := &sdcp.Problem{K: k, Gram: gram, S: st, C: randomSym(rng, k, 1)}
	// A₀ = A⁺* − ½s𝒢X* − sC.
	gx := SDCPEvaluate(&sdcp.Problem{K: k, A0: make([]float64, k*k), C: make([]float64, k*k), Gram: gram, S: 2}, xs).APlus
	p.A0 = make([]float64, k*k)
	for i := range p.A0 {
		p.A0[i] = ap[i] - 0.5*st*gx[i] - st*p.C[i]
	}
	return p, xs, ap
}

func sdcpConstructed(t *testing.T, newSolver func() sdcp.Solver, maxK int, tol, kktTol float64) {
	rng := rand.New(rand.NewPCG(20261208, 2))
	s := newSolver()
	for k := 1; k <= maxK; k++ {
		for r := 0; r <= k; r++ {
			for trial := range 8 {
				spread := 1.0
				if trial >= 4 {
					spread = 10 // Gram conditioning up to ~10²·(that of random vectors)
				}
				p, xs, _ := sdcpMakeFromAnswer(rng, k, r, spread)
				x, res := sdcpSolve(t, s, "constructed", p, make([]float64, k*k))
				c := sdcpKKT(t, "constructed", p, x, kktTol)
				if res.Rank != r || res.Binding != r {
					t.Errorf("k=%d rank %d #%d: Result.Rank = %d, Binding = %d (want %d for both: strict complementarity)", k, r, trial, res.Rank, res.Binding, r)
				}
				// Uniqueness: ‖X − X*‖ ≤ ‖𝒢̂⁻¹‖·(residual in A⁺ units),
				// with ‖𝒢̂⁻¹‖ ≤ κ(𝒢̂)/‖𝒢̂‖. κ ≤ ~1e4 for these Gram matrices
				// of m+3 random vectors scaled by at most 10, so the
				// allowance is 1e4 times the natural-residual tolerance,
				// relative to ‖X*‖ + ‖A⁺‖/‖𝒢̂‖ (the solution's scale).
				var dx, xn float64
				for i := range x {
					dx += (x[i] - xs[i]) * (x[i] - xs[i])
					xn += xs[i] * xs[i]
				}
				if math.Sqrt(dx) > 1e4*tol*(math.Sqrt(xn)+c.Scale) {
					t.Errorf("k=%d rank %d #%d: ‖X − X*‖ = %.3g (‖X*‖ = %.3g, scale %.3g; %+v)", k, r, trial, math.Sqrt(dx), math.Sqrt(xn), c.Scale, res)
				}
			}
		}
	}
}

// sdcpBrute solves the quadratic program by a log-barrier interior-point
// method, a method independent of the solvers under test (which move on the
// boundary of the cone): Newton's method on f(X) − μ log det X in the
// coordinates of the k² entries (with the symmetry constraint carried by
// symmetric Newton directions), from X = I, with μ decreased by 5 down to
// 1e-13 of the problem's scale, a backtracking line search that keeps X
// positive definite (Cholesky) and decreases the barrier function. On the
// central path f(X_μ) − f* ≤ kμ.
func sdcpBrute(t *testing.T, p *sdcp.Problem) []float64 {
	k := p.K
	n := k * (k + 1) / 2
	// Basis of symmetric matrices: E_a = (e_i e_jᵀ + e_j e_iᵀ)/2·(√2 off the
	// diagonal), orthonormal in ⟨·,·⟩.
	type pair struct{ i, j int }
	var ps []pair
	for i := range k {
		for j := i; j < k; j++ {
			ps = append(ps, pair{i, j})
		}
	}
	basis := func(a int) *mat.SymDense {
		e := mat.NewSymDense(k, nil)
		if ps[a].i == ps[a].j {
			e.SetSym(ps[a].i, ps[a].i, 1)
		} else {
			e.SetSym(ps[a].i, ps[a].j, 1/math.Sqrt2)
		}
		return e
	}
	toSlice := func(x *mat.SymDense) []float64 {
		out := make([]float64, k*k)
		for i := range k {
			for j := range k {
				out[i*k+j] = x.At(i, j)
			}
		}
		return out
	}
	inner := func(a, b *mat.SymDense) float64 {
		var s float64
		for i := range k {
			for j := range k {
				s += a.At(i, j) * b.At(i, j)
			}
		}
		return s
	}
	// Quadratic form: f(X) = F(X) from SDCPEvaluate; its gradient is A⁺ and
	// its Hessian the map D ↦ ½s𝒢D, assembled on the basis.
	zero := make([]float64, k*k)
	zp := &sdcp.Problem{K: k, A0: zero, C: zero, Gram: p.Gram, S: p.S}
	hq := mat.NewSymDense(n, nil)
	for b := range n {
		gb := SDCPEvaluate(zp, toSlice(basis(b))).APlus // ½s𝒢E_b
		gs := mat.NewSymDense(k, nil)
		for i := range k {
			for j := i; j < k; j++ {
				gs.SetSym(i, j, gb[i*k+j])
			}
		}
		for a := range n {
			hq.SetSym(a, b, inner(basis(a), gs))
		}
	}
	b0 := SDCPEvaluate(p, zero)
	scale := b0.Scale + 1
	x := mat.NewSymDense(k, nil)
	for i := range k {
		x.SetSym(i, i, 1)
	}
	phi := func(x *mat.SymDense, mu float64) float64 {
		var ch mat.Cholesky
		if !ch.Factorize(x) {
			return math.Inf(1)
		}
		return SDCPEvaluate(p, toSlice(x)).F - mu*ch.LogDet()
	}
	for mu := scale; mu > 1e-13*scale; mu /= 5 {
		for range 100 {
			var ch mat.Cholesky
			if !ch.Factorize(x) {
				t.Fatal("brute force: lost positive definiteness")
			}
			var xi mat.SymDense
			if err := ch.InverseTo(&xi); err != nil {
				t.Fatal(err)
			}
			ap := SDCPEvaluate(p, toSlice(x)).APlus
			aps := mat.NewSymDense(k, nil)
			for i := range k {
				for j := i; j < k; j++ {
					aps.SetSym(i, j, ap[i*k+j])
				}
			}
			g := mat.NewVecDense(n, nil)
			h := mat.NewSymDense(n, nil)
			for a := range n {
				ea := basis(a)
				g.SetVec(a, inner(ea, aps)-mu*inner(ea, &xi))
				// Hessian of −log det: ⟨E_a, X⁻¹E_bX⁻¹⟩.
				var t1, t2 mat.Dense
				t1.Mul(&xi, ea)
				t2.Mul(&t1, &xi)
				for b := a; b < n; b++ {
					eb := basis(b)
					var s float64
					for i := range k {
						for j := range k {
							s += eb.At(i, j) * t2.At(i, j)
						}
					}
					h.SetSym(a, b, hq.At(a, b)+mu*s)
				}
			}
			var d mat.VecDense
			if err := d.SolveVec(h, g); err != nil {
				t.Fatalf("brute force: Newton system: %v", err)
			}
			dec := mat.Dot(g, &d) // Newton decrement²
			if dec <= 1e-24*scale*scale {
				break
			}
			f0 := phi(x, mu)
			step := 1.0
			for ; step > 1e-20; step /= 2 {
				xt := mat.NewSymDense(k, nil)
				xt.CopySym(x)
				for a := range n {
					ea := basis(a)
					for i := range k {
						for j := i; j < k; j++ {
							xt.SetSym(i, j, xt.At(i, j)-step*d.AtVec(a)*ea.At(i, j))
						}
					}
				}
				if f := phi(xt, mu); f <= f0-0.25*step*dec {
					x = xt
					break
				}
			}
			if step <= 1e-20 {
				break
			}
		}
	}
	return toSlice(x)
}

func sdcpBruteForce(t *testing.T, newSolver func() sdcp.Solver, maxK int, kktTol float64) {
	rng := rand.New(rand.NewPCG(20261208, 3))
	s := newSolver()
	for k := 1; k <= maxK; k++ {
		m := sdcp.Pairs(k)
		for trial := range 8 {
			singular := trial%2 == 1
			n := m + 2
			if singular {
				n = max(1, m-2) // fewer dimensions than pairs: 𝒢 singular
				if k == 1 {
					n = 1
				}
			}
			g := randomVectors(rng, m, n, 3)
			p := &sdcp.Problem{K: k, Gram: gramOf(g), S: math.Exp(0.5 * rng.NormFloat64())}
			// As in the central flow: C_ij = g_ij·v for a vector v (so C
			// vanishes on the null space of 𝒢 and the problem is
			// bounded), A₀ = 2I − ηΛ with eigenvalues around 2/η.
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			// Sharpening: make tr C < 0 (Σ_i g_ii·v < 0), so that most
			// instances have X ≠ 0.
			var tr float64
			for i := range k {
				a := sdcp.PairIndex(k, i, i)
				for l := range n {
					tr += g[a][l] * v[l]
				}
			}
			if tr > 0 {
				for i := range v {
					v[i] = -v[i]
				}
			}
			p.C = make([]float64, k*k)
			p.A0 = make([]float64, k*k)
			for i := range k {
				for j := range k {
					a := sdcp.PairIndex(k, i, j)
					var sc float64
					for l := range n {
						sc += g[a][l] * v[l]
					}
					p.C[i*k+j] = sc
				}
				if singular {
					p.A0[i*k+i] = math.Abs(0.3 * rng.NormFloat64()) // ⪰ 0: bounded
				} else {
					p.A0[i*k+i] = 0.3 * rng.NormFloat64()
				}
			}
			x, _ := sdcpSolve(t, s, "brute-force", p, make([]float64, k*k))
			c := sdcpKKT(t, "brute-force", p, x, kktTol)
			xb := sdcpBrute(t, p)
			cb := SDCPEvaluate(p, xb)
			// The solver is a KKT point of a convex program, hence optimal:
			// it must not be worse than the brute force beyond rounding
			// (1e-12 of the objective's scale ‖b‖‖X‖), and the brute
			// force must find the optimum too (the barrier method ends at
			// μ = 1e-13·scale, so f − f* ≤ kμ; 1e-10 leaves room for the
			// conditioning of its last Newton systems).
			fs := c.Scale * (1 + math.Sqrt(dot(x, x)))
			if c.F > cb.F+1e-12*fs {
				t.Errorf("k=%d #%d singular=%v: solver objective %.17g > brute force %.17g", k, trial, singular, c.F, cb.F)
			}
			if cb.F-c.F > 1e-10*fs {
				t.Errorf("k=%d #%d singular=%v: brute force %.17g did not reach the solver's %.17g", k, trial, singular, cb.F, c.F)
			}
			// A⁺ is unique: for any X, ‖𝒢̂(X − X*)‖² ≤ 2λ_max(𝒢̂)(f(X) − f*),
			// so the brute force's A⁺ is within √(2·λ·Δf) of the solver's
			// (λ ≤ ‖𝒢̂‖_F = ½s‖Gram‖_F, Δf bounded as above).
			var gn float64
			for _, gg := range p.Gram {
				gn += gg * gg
			}
			lam := 0.5 * p.S * math.Sqrt(gn)
			df := math.Max(cb.F-c.F, 0) + 1e-12*fs
			var da float64
			for i := range c.APlus {
				da += (c.APlus[i] - cb.APlus[i]) * (c.APlus[i] - cb.APlus[i])
			}
			if math.Sqrt(da) > 2*math.Sqrt(2*lam*df)+kktTol*c.Scale {
				t.Errorf("k=%d #%d singular=%v: ‖A⁺ − A⁺_brute‖ = %.3g > %.3g", k, trial, singular, math.Sqrt(da), 2*math.Sqrt(2*lam*df))
			}
		}
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func sdcpDiagonal(t *testing.T, newSolver func() sdcp.Solver, maxK int, kktTol float64) {
	rng := rand.New(rand.NewPCG(20261208, 4))
	s := newSolver()
	for k := 1; k <= maxK; k++ {
		m := sdcp.Pairs(k)
		for trial := range 10 {
			// Diagonal Gram (orthogonal g_ij), diagonal A₀ and C: the
			// problem decouples into k scalar ones on the diagonal, and
			// X = diag(max(0, −b_i/(½sγ_ii))) (the off-diagonal equations
			// are 𝒢X_ij ∝ X_ij = 0).
			gram := make([]float64, m*m)
			for a := range m {
				gram[a*m+a] = math.Exp(rng.NormFloat64())
			}
			p := &sdcp.Problem{K: k, Gram: gram, S: math.Exp(rng.NormFloat64()), A0: make([]float64, k*k), C: make([]float64, k*k)}
			want := make([]float64, k*k)
			for i := range k {
				p.A0[i*k+i] = rng.NormFloat64()
				p.C[i*k+i] = rng.NormFloat64()
				a := sdcp.PairIndex(k, i, i)
				want[i*k+i] = math.Max(0, -(p.A0[i*k+i]+p.S*p.C[i*k+i])/(0.5*p.S*gram[a*m+a]))
			}
			if trial == 0 {
				for i := range k { // A₀ + sC ⪰ 0: X = 0
					p.A0[i*k+i] = math.Abs(p.A0[i*k+i]) + p.S*math.Abs(p.C[i*k+i])
					want[i*k+i] = 0
				}
			}
			x, _ := sdcpSolve(t, s, "diagonal", p, make([]float64, k*k))
			c := sdcpKKT(t, "diagonal", p, x, kktTol)
			var d, wn float64
			for i := range x {
				d += (x[i] - want[i]) * (x[i] - want[i])
				wn += want[i] * want[i]
			}
			// Condition ≤ e^{±2σ} of the diagonal Gram entries: allowance
			// 1e3 times the KKT tolerance relative to the solution scale.
			if math.Sqrt(d) > 1e3*kktTol*(math.Sqrt(wn)+c.Scale) {
				t.Errorf("k=%d #%d: ‖X − X*‖ = %.3g", k, trial, math.Sqrt(d))
			}
			if trial == 0 && math.Sqrt(wn) == 0 && math.Sqrt(dot(x, x)) != 0 {
				t.Errorf("k=%d: A₀ + sC ⪰ 0 but X ≠ 0: %v", k, x)
			}
		}
	}
}

func sdcpWarm(t *testing.T, newSolver func() sdcp.Solver, maxK int, kktTol float64) {
	rng := rand.New(rand.NewPCG(20261208, 5))
	s := newSolver()
	for k := 1; k <= maxK; k++ {
		for r := 0; r <= k; r++ {
			p, xs, _ := sdcpMakeFromAnswer(rng, k, r, 1)
			cold, _ := sdcpSolve(t, s, "cold", p, make([]float64, k*k))
			// Warm starts: the answer itself, a perturbation of it, and a
			// random symmetric (indefinite) matrix, which the solver must
			// project first.
			for _, w := range [][]float64{xs, perturb(rng, xs, 0.1), randomSym(rng, k, 3)} {
				x, _ := sdcpSolve(t, s, "warm", p, w)
				c := sdcpKKT(t, "warm", p, x, kktTol)
				var d float64
				for i := range x {
					d += (x[i] - cold[i]) * (x[i] - cold[i])
				}
				if math.Sqrt(d) > 1e4*kktTol*(1+c.Scale) { // as in "constructed"
					t.Errorf("k=%d rank %d: warm and cold solutions differ by %.3g", k, r, math.Sqrt(d))
				}
			}
		}
	}
}

func perturb(rng *rand.Rand, x []float64, eps float64) []float64 {
	out := append([]float64(nil), x...)
	k := int(math.Round(math.Sqrt(float64(len(x)))))
	d := randomSym(rng, k, eps)
	for i := range out {
		out[i] += d[i]
	}
	return out
}

func sdcpErrors(t *testing.T, newSolver func() sdcp.Solver, maxK int) {
	s := newSolver()
	for k := 1; k <= maxK; k++ {
		m := sdcp.Pairs(k)
		// 𝒢 = 0 and A₀ + sC with a negative eigenvalue: unbounded.
		p := &sdcp.Problem{K: k, A0: make([]float64, k*k), C: make([]float64, k*k), Gram: make([]float64, m*m), S: 1}
		p.A0[0] = -1
		x := make([]float64, k*k)
		if _, err := s.Solve(p, x); !errors.Is(err, sdcp.ErrUnbounded) {
			t.Errorf("k=%d: 𝒢 = 0, A₀ = −e₁e₁ᵀ: err = %v, want ErrUnbounded", k, err)
		}
		// A negative direction in the null space of a nonzero 𝒢.
		if k >= 2 {
			p.Gram[sdcp.PairIndex(k, 1, 1)*m+sdcp.PairIndex(k, 1, 1)] = 1
			if _, err := s.Solve(p, x); !errors.Is(err, sdcp.ErrUnbounded) {
				t.Errorf("k=%d: A₀₀ = −1 in the null space of 𝒢: err = %v, want ErrUnbounded", k, err)
			}
		}
		p.A0[0] = math.NaN()
		if _, err := s.Solve(p, x); !errors.Is(err, sdcp.ErrNonFinite) {
			t.Errorf("k=%d: NaN in A₀: err = %v, want ErrNonFinite", k, err)
		}
	}
}

func sdcpAllocs(t *testing.T, newSolver func() sdcp.Solver, maxK int) {
	rng := rand.New(rand.NewPCG(20261208, 6))
	s := newSolver()
	k := maxK
	p, _, _ := sdcpMakeFromAnswer(rng, k, (k+1)/2, 1)
	x := make([]float64, k*k)
	if a := AllocsPerCall(50, func() {
		for i := range x {
			x[i] = 0
		}
		if _, err := s.Solve(p, x); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Solve allocates %v times per call in steady state", a)
	}
}
