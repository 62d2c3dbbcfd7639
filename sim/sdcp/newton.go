package sdcp

import (
	"fmt"
	"math"
)

// Settings configure a Newton solver.
type Settings struct {
	// Tol is the relative natural residual to reach (see Result). Default
	// DefaultTol; the rounding floor is a few ε.
	Tol float64
	// MaxIter bounds the iterations (default DefaultMaxIter).
	MaxIter int
	// Gradient disables the Newton steps: only accelerated projected
	// gradient steps are taken (the fallback of Newton).
	Gradient bool
}

// Defaults of Settings.
const (
	DefaultTol     = 1e-12
	DefaultMaxIter = 5000
)

// farOut: a non-converged iterate X with λ_max(𝒢̂)·‖X‖ beyond this multiple
// of ‖A₀ + SC‖ is tested as a recession direction (see recession).
const farOut = 100

// newtonAccept is the fraction by which a Newton step must reduce the
// natural residual to be taken.
const newtonAccept = 1e-4

// Newton solves SDCPs of any order by semismooth Newton steps on the natural
// residual, globalised by accelerated projected gradient (see the package
// documentation). The zero value is ready to use with the default Settings.
// A Newton keeps its workspace between calls and is not safe for concurrent
// use.
type Newton struct {
	Settings Settings
	ws       workspace
}

// NewNewton returns a solver with the given settings.
func NewNewton(s Settings) *Newton { return &Newton{Settings: s} }

// workspace holds the buffers of one order K.
type workspace struct {
	k, m  int
	pi    []int     // pair a = (pi[a], pj[a])
	pj    []int     //
	cw    []float64 // 1 on the diagonal pairs, √2 off it
	q     []float64 // 𝒢̂ = ½S·diag(cw)·Gram·diag(cw), m×m
	b     []float64 // svec(A₀ + SC)
	alpha float64   // 1/λ_max(𝒢̂)
	lmax  float64

	x, y, xt, xp, g, r, rt, d []float64 // m-vectors
	jac, dm                   []float64 // m×m
	perm                      []int
	qa, qv, qw                []float64 // eigendecomposition of 𝒢̂
	wa, wv, we, wt            []float64 // K×K: W, its eigenvectors, eigenvalues; scratch
	wvt, wet                  []float64 // eigen data of a trial point
	mk                        []float64 // K×K scratch
}

func (w *workspace) ensure(k int) {
	if w.k == k {
		return
	}
	m := Pairs(k)
	w.k, w.m = k, m
	w.pi, w.pj, w.cw = make([]int, m), make([]int, m), make([]float64, m)
	a := 0
	for i := range k {
		for j := i; j < k; j++ {
			w.pi[a], w.pj[a] = i, j
			w.cw[a] = 1
			if i != j {
				w.cw[a] = math.Sqrt2
			}
			a++
		}
	}
	vec := func() []float64 { return make([]float64, m) }
	w.q, w.b = make([]float64, m*m), vec()
	w.x, w.y, w.xt, w.xp, w.g, w.r, w.rt, w.d = vec(), vec(), vec(), vec(), vec(), vec(), vec(), vec()
	w.jac, w.dm, w.perm = make([]float64, m*m), make([]float64, m*m), make([]int, m)
	w.qa, w.qv, w.qw = make([]float64, m*m), make([]float64, m*m), vec()
	kk := func() []float64 { return make([]float64, k*k) }
	w.wa, w.wv, w.we, w.wt = kk(), kk(), make([]float64, k), kk()
	w.wvt, w.wet = kk(), make([]float64, k)
	w.mk = kk()
}

// svec writes the pair coordinates of the symmetric part of the K×K
// matrix x into dst: dst_a = cw_a·(x_ij + x_ji)/2.
func (w *workspace) svec(x, dst []float64) {
	k := w.k
	for a := range w.m {
		i, j := w.pi[a], w.pj[a]
		dst[a] = w.cw[a] * 0.5 * (x[i*k+j] + x[j*k+i])
	}
}

// smat is the inverse of svec.
func (w *workspace) smat(v, dst []float64) {
	k := w.k
	for a := range w.m {
		i, j := w.pi[a], w.pj[a]
		x := v[a] / w.cw[a]
		dst[i*k+j], dst[j*k+i] = x, x
	}
}

// setup fills 𝒢̂, b and α from p.
func (w *workspace) setup(p *Problem) {
	k, m := w.k, w.m
	for a := range m {
		for c := range m {
			g := 0.5 * (p.Gram[a*m+c] + p.Gram[c*m+a])
			w.q[a*m+c] = 0.5 * p.S * w.cw[a] * w.cw[c] * g
		}
	}
	for a := range m {
		i, j := w.pi[a], w.pj[a]
		bij := 0.5*(p.A0[i*k+j]+p.A0[j*k+i]) + p.S*0.5*(p.C[i*k+j]+p.C[j*k+i])
		w.b[a] = w.cw[a] * bij
	}
	copy(w.qa, w.q)
	symEig(m, w.qa, w.qw, w.qv)
	w.lmax = 0
	for _, v := range w.qw {
		w.lmax = math.Max(w.lmax, v)
	}
	if w.lmax > 0 {
		w.alpha = 1 / w.lmax
	}
}

// grad writes ∇f(x) = 𝒢̂x + b into g.
func (w *workspace) grad(x, g []float64) {
	m := w.m
	for a := range m {
		s := w.b[a]
		row := w.q[a*m : a*m+m]
		for c, v := range row {
			s += v * x[c]
		}
		g[a] = s
	}
}

// project writes Π(smat(v)) in pair coordinates into dst, leaving the
// eigendecomposition of smat(v) in vecs (K×K) and vals.
func (w *workspace) project(v, dst, vecs, vals []float64) {
	k := w.k
	w.smat(v, w.wa)
	symEig(k, w.wa, vals, vecs)
	for i := range k {
		for j := i; j < k; j++ {
			var s float64
			for l, e := range vals {
				if e > 0 {
					s += vecs[i*k+l] * e * vecs[j*k+l]
				}
			}
			w.mk[i*k+j], w.mk[j*k+i] = s, s
		}
	}
	w.svec(w.mk, dst)
}

// residual writes R(x) = x − Π(x − α∇f(x)) into r and returns ‖R‖/α,
// leaving the eigendecomposition of W = x − α∇f(x) in vecs and vals.
func (w *workspace) residual(x, r, vecs, vals []float64) float64 {
	w.grad(x, w.g)
	for a := range w.m {
		w.d[a] = x[a] - w.alpha*w.g[a]
	}
	w.project(w.d, r, vecs, vals)
	var s float64
	for a := range w.m {
		r[a] = x[a] - r[a]
		s += r[a] * r[a]
	}
	return math.Sqrt(s) / w.alpha
}

// norm returns the Euclidean norm of v.
func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// Solve implements Solver.
func (n *Newton) Solve(p *Problem, x []float64) (Result, error) {
	if err := p.check(x); err != nil {
		return Result{}, err
	}
	tol := n.Settings.Tol
	if tol <= 0 {
		tol = DefaultTol
	}
	maxIter := n.Settings.MaxIter
	if maxIter <= 0 {
		maxIter = DefaultMaxIter
	}
	w := &n.ws
	w.ensure(p.K)
	w.setup(p)
	m := w.m
	bnorm := norm(w.b)
	if w.lmax == 0 || w.lmax <= 1e-300*bnorm {
		return w.linear(x)
	}

	w.svec(x, w.xt)
	w.project(w.xt, w.x, w.wvt, w.wet) // start in the cone
	rn := w.residual(w.x, w.r, w.wv, w.we)
	copy(w.y, w.x)
	t := 1.0
	res := Result{}
	for {
		scale := bnorm + w.lmax*norm(w.x)
		if math.IsNaN(rn) || math.IsInf(rn, 0) {
			return res, fmt.Errorf("sdcp: residual %g after %d iterations: %w", rn, res.Iterations, ErrNonFinite)
		}
		if rn <= tol*scale || res.Iterations >= maxIter {
			res.Residual, res.Scale, res.Converged = rn, scale, rn <= tol*scale
			if !res.Converged && w.recession(bnorm) {
				return res, ErrUnbounded
			}
			break
		}
		if res.Iterations%16 == 15 && w.recession(bnorm) {
			return res, ErrUnbounded
		}
		if !n.Settings.Gradient && w.newtonStep() {
			// Trial xt = x + Δ, then xp = Π(W(xt)), a projected gradient
			// step from it back into the cone; taken when xp's residual
			// is smaller by the fraction newtonAccept.
			w.residual(w.xt, w.rt, w.wvt, w.wet)
			for a := range m {
				w.xp[a] = w.xt[a] - w.rt[a]
			}
			rp := w.residual(w.xp, w.rt, w.wvt, w.wet)
			res.Iterations++
			if rp <= (1-newtonAccept)*rn {
				copy(w.x, w.xp)
				copy(w.r, w.rt)
				copy(w.wv, w.wvt)
				copy(w.we, w.wet)
				copy(w.y, w.x)
				rn, t = rp, 1
				res.Newton++
				continue
			}
		}
		// FISTA step from y with the gradient-based adaptive restart of
		// O'Donoghue & Candès: xn = Π(y − α∇f(y)).
		w.grad(w.y, w.g)
		for a := range m {
			w.d[a] = w.y[a] - w.alpha*w.g[a]
		}
		w.project(w.d, w.xp, w.wvt, w.wet)
		var dot float64
		for a := range m {
			dot += (w.y[a] - w.xp[a]) * (w.xp[a] - w.x[a])
		}
		tn := 0.5 * (1 + math.Sqrt(1+4*t*t))
		if dot > 0 {
			t, tn = 1, 1
		}
		for a := range m {
			w.y[a] = w.xp[a] + (t-1)/tn*(w.xp[a]-w.x[a])
		}
		t = tn
		copy(w.x, w.xp)
		rn = w.residual(w.x, w.r, w.wv, w.we)
		res.Iterations++
	}
	w.smat(w.x, x)
	w.kkt(p, x, &res)
	if !res.Converged {
		return res, &ConvergenceError{Iterations: res.Iterations, Residual: res.Residual, Scale: res.Scale}
	}
	return res, nil
}

// recession reports that the iterate x of a solve that has not converged
// (x is in the cone) lies far out along a direction d = x/‖x‖ ⪰ 0
// with dᵀ𝒢̂d ≤ 1e-10·λ_max and ⟨b, d⟩ < −1e-10‖b‖: then f(td) decreases
// without bound (up to the rounding of 𝒢̂), the problem has no solution,
// and the iterates drift along d for ever. At a solution X* of a bounded
// problem ⟨∇f, X*⟩ = 0 gives X*ᵀ𝒢̂X* = −⟨b, X*⟩, so the test can only
// mistake a bounded problem whose ‖X*‖ exceeds 1e10‖b‖/λ_max for an
// unbounded one.
func (w *workspace) recession(bnorm float64) bool {
	xn := norm(w.x)
	if xn == 0 || w.lmax*xn <= farOut*bnorm {
		return false
	}
	var bx, xqx float64
	m := w.m
	for a := range m {
		bx += w.b[a] * w.x[a]
		var s float64
		for c := range m {
			s += w.q[a*m+c] * w.x[c]
		}
		xqx += w.x[a] * s
	}
	return bx < -1e-10*bnorm*xn && xqx <= 1e-10*w.lmax*xn*xn
}

// linear solves the problem when 𝒢̂ = 0: X = 0 when A₀ + SC ⪰ 0, no
// solution otherwise.
func (w *workspace) linear(x []float64) (Result, error) {
	w.smat(w.b, w.wa)
	symEig(w.k, w.wa, w.we, w.wv)
	var neg float64
	for _, e := range w.we {
		if e < 0 {
			neg += e * e
		}
	}
	if math.Sqrt(neg) > 1e-14*norm(w.b) {
		return Result{}, ErrUnbounded
	}
	for i := range x {
		x[i] = 0
	}
	return Result{Converged: true, Scale: norm(w.b)}, nil
}

// newtonStep writes the semismooth Newton step Δ for R at x into xt = x + Δ,
// using the eigendecomposition of W(x) in wv, we. It returns false when the
// linear system is numerically singular.
//
// R(x) = x − Π(W(x)), W = x − α(𝒢̂x + b), has the generalised Jacobian
// J = I − D(I − α𝒢̂) with D the derivative of Π at W: for W = V diag(λ)Vᵀ,
// D(H) = V(Ω ∘ VᵀHV)Vᵀ, Ω_ij = (λ_i⁺ − λ_j⁺)/(λ_i − λ_j) (1 or 0 for equal
// positive or non-positive values).
func (w *workspace) newtonStep() bool {
	k, m := w.k, w.m
	vecs, vals := w.wv, w.we
	// D column by column: H = smat(e_c).
	for c := range m {
		kc, lc := w.pi[c], w.pj[c]
		h := 1 / w.cw[c]
		// M = VᵀHV, then Ω ∘ M, then V(Ω ∘ M)Vᵀ in w.wt.
		for i := range k {
			for j := range k {
				mij := h * (vecs[kc*k+i]*vecs[lc*k+j] + vecs[lc*k+i]*vecs[kc*k+j])
				if kc == lc {
					mij *= 0.5
				}
				li, lj := vals[i], vals[j]
				var om float64
				switch {
				case li == lj:
					if li > 0 {
						om = 1
					}
				default:
					om = (math.Max(li, 0) - math.Max(lj, 0)) / (li - lj)
				}
				w.mk[i*k+j] = om * mij
			}
		}
		for i := range k {
			for j := range k {
				var s float64
				for a := range k {
					va := vecs[i*k+a]
					if va == 0 {
						continue
					}
					for b := range k {
						s += va * w.mk[a*k+b] * vecs[j*k+b]
					}
				}
				w.wt[i*k+j] = s
			}
		}
		for a := range m {
			w.dm[a*m+c] = w.cw[a] * w.wt[w.pi[a]*k+w.pj[a]]
		}
	}
	// J = I − D + αD𝒢̂.
	for a := range m {
		for c := range m {
			var s float64
			for e := range m {
				s += w.dm[a*m+e] * w.q[e*m+c]
			}
			j := -w.dm[a*m+c] + w.alpha*s
			if a == c {
				j++
			}
			w.jac[a*m+c] = j
		}
	}
	for a := range m {
		w.d[a] = -w.r[a]
	}
	if !solveLinear(m, w.jac, w.d, w.perm) {
		return false
	}
	for a := range m {
		w.xt[a] = w.x[a] + w.d[a]
	}
	return true
}

// solveLinear solves the n×n system a·x = b in place (x overwrites b) by
// Gaussian elimination with partial pivoting. A tiny Tikhonov shift
// (1e-13 of the largest entry) keeps exactly singular directions, on which
// b has no component when the solution set is a face, from dividing by zero.
// It returns false for a non-finite result.
func solveLinear(n int, a, b []float64, perm []int) bool {
	var amax float64
	for _, v := range a[:n*n] {
		amax = math.Max(amax, math.Abs(v))
	}
	if amax == 0 {
		return false
	}
	shift := 1e-13 * amax
	for i := range n {
		a[i*n+i] += shift
	}
	for c := range n {
		piv, pmax := c, math.Abs(a[c*n+c])
		for r := c + 1; r < n; r++ {
			if v := math.Abs(a[r*n+c]); v > pmax {
				piv, pmax = r, v
			}
		}
		perm[c] = piv
		if pmax == 0 {
			return false
		}
		if piv != c {
			for j := range n {
				a[c*n+j], a[piv*n+j] = a[piv*n+j], a[c*n+j]
			}
			b[c], b[piv] = b[piv], b[c]
		}
		for r := c + 1; r < n; r++ {
			f := a[r*n+c] / a[c*n+c]
			if f == 0 {
				continue
			}
			for j := c; j < n; j++ {
				a[r*n+j] -= f * a[c*n+j]
			}
			b[r] -= f * b[c]
		}
	}
	for c := n - 1; c >= 0; c-- {
		s := b[c]
		for j := c + 1; j < n; j++ {
			s -= a[c*n+j] * b[j]
		}
		b[c] = s / a[c*n+c]
	}
	return finite(b[:n])
}

// kkt fills the KKT residuals of the K×K solution x into res.
func (w *workspace) kkt(p *Problem, x []float64, res *Result) {
	k, m := w.k, w.m
	// Primal: negative eigenvalues of X.
	copy(w.wa, x)
	symEig(k, w.wa, w.we, w.wv)
	var neg, top float64
	for _, e := range w.we {
		if e < 0 {
			neg += e * e
		}
		top = math.Max(top, e)
	}
	res.Primal = math.Sqrt(neg)
	for _, e := range w.we {
		if top > 0 && e > RankTol*top {
			res.Rank++
		}
	}
	// A⁺ = smat(𝒢̂x + b) in pair coordinates.
	w.svec(x, w.x)
	w.grad(w.x, w.g)
	var comp float64
	for a := range m {
		comp += w.x[a] * w.g[a]
	}
	res.Comp = math.Abs(comp)
	w.smat(w.g, w.wa)
	symEig(k, w.wa, w.we, w.wv)
	neg = 0
	for _, e := range w.we {
		if e < 0 {
			neg += e * e
		}
		if e <= RankTol*res.Scale {
			res.Binding++
		}
	}
	res.Dual = math.Sqrt(neg)
}
