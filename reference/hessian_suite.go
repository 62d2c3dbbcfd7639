package reference

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/hessian"
)

// NewEstimator returns a fresh estimator of the top `top` and the bottom
// `bottom` eigenpairs of symmetric operators.
type NewEstimator func(top, bottom int) hessian.Estimator

// EstimatorCaps tell EstimatorSuite what an estimator can do, so that it
// demands exactly that.
type EstimatorCaps struct {
	// MaxTop and MaxBottom are the largest numbers of pairs per end the
	// estimator supports; MaxTop 0 means no limit, MaxBottom 0 means no
	// bottom end (power iteration: MaxTop 1, MaxBottom 0).
	MaxTop, MaxBottom int
	// Tol is the relative residual the estimator is configured to meet; 0
	// means a direct method whose residuals are at the rounding level.
	Tol float64
	// Multiplicity reports that every copy of a multiple eigenvalue is
	// found. Without it, requests whose answer contains repeated values are
	// skipped.
	Multiplicity bool
}

// hessProblem is one test matrix of the battery.
type hessProblem struct {
	name     string
	eig      []float64
	diagonal bool // H = diag(eig): an exact oracle, exact matrix-vector products
}

// hessProblems returns the battery: diagonal oracles, random symmetric
// matrices with prescribed spectra (indefinite, clustered top eigenvalues,
// exact multiplicities at both ends, a tiny gap, a negative eigenvalue much
// larger in magnitude than the top, a bulk near zero with outliers as in a
// network Hessian and p large enough to force restarts), degenerate cases
// (rank one, zero, p ≤ 3) and extreme scalings.
func hessProblems() []hessProblem {
	rng := rand.New(rand.NewPCG(20261127, 5))
	uniform := func(n int, lo, hi float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = lo + (hi-lo)*rng.Float64()
		}
		return x
	}
	normal := func(n int, s float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = s * rng.NormFloat64()
		}
		return x
	}
	cat := func(a ...[]float64) []float64 {
		var x []float64
		for _, s := range a {
			x = append(x, s...)
		}
		rng.Shuffle(len(x), func(i, j int) { x[i], x[j] = x[j], x[i] })
		return x
	}
	v := func(x ...float64) []float64 { return x }
	lin := make([]float64, 60)
	for i := range lin {
		lin[i] = -1 + 3*float64(i)/59
	}
	return []hessProblem{
		{"diagonal/indefinite", cat(lin), true},
		{"diagonal/negative-dominant", cat(v(1, -10), uniform(48, -1, 0.9)), true},
		{"diagonal/multiplicity", cat(v(3, 3, 3, 1, -2, -2), uniform(44, -1, 0.5)), true},
		{"random/indefinite", cat(normal(80, 1)), false},
		{"random/clustered-top", cat(v(1, 1-1e-3, 1-2e-3, 1-3e-3), uniform(96, -0.5, 0.5)), false},
		{"random/multiplicity", cat(v(2, 2, 2, 1.5, -3, -3), uniform(84, -1, 1)), false},
		{"random/tiny-gap", cat(v(1, 1-1e-10, 0.5), uniform(77, -0.3, 0.3)), false},
		{"random/negative-dominant", cat(v(1, -20, -15), uniform(117, -0.5, 0.8)), false},
		{"random/bulk-outliers", cat(v(1, 0.7, 0.5, -2, -1.5), normal(155, 0.01)), false},
		{"random/rank-one", cat(v(5), make([]float64, 39)), false},
		{"random/zero", make([]float64, 10), false},
		{"small/p=1", v(-2), false},
		{"small/p=2", v(1, -3), false},
		{"small/p=3", v(2, 2, -1), false},
		{"scaled/1e-8", cat(normal(60, 1e-8)), false},
		{"scaled/1e8", cat(normal(60, 1e8)), false},
	}
}

// hessRequests lists the (top, bottom) requests the estimator supports for
// dimension p.
func hessRequests(p int, caps EstimatorCaps) [][2]int {
	var out [][2]int
	for _, r := range [][2]int{{1, 0}, {2, 0}, {3, 0}, {5, 0}, {1, 1}, {2, 2}, {0, 1}, {0, 3}} {
		if r[0]+r[1] > p || (caps.MaxTop > 0 && r[0] > caps.MaxTop) || r[1] > caps.MaxBottom {
			continue
		}
		out = append(out, r)
	}
	return out
}

// hessCounted counts applications independently of the estimator.
type hessCounted struct {
	op sim.Operator
	n  int
}

func (c *hessCounted) Dim() int { return c.op.Dim() }
func (c *hessCounted) Apply(v, dst []float64) {
	c.n++
	c.op.Apply(v, dst)
}

// EstimatorSuite runs the conformance battery against an estimator. For
// every problem of the battery and every request the estimator supports, a
// fresh estimator is first run on a decoy (the same spectrum with other
// eigenvectors: this exercises workspace reuse, and warm starts from a
// misleading block for a tracker) and then on the problem. The suite checks:
//   - no error, the requested numbers of pairs, values ordered, HVPs equal
//     to the applications counted by the suite;
//   - every reported residual is honest (a fresh ‖Hy − λy‖ is not larger by
//     more than rounding) and meets the tolerance, Norm ≤ ‖H‖₂;
//   - the values agree with mat.EigenSym's within ‖R‖_F (Kahan: orthonormal
//     Y with HY − YΘ = R has eigenvalues of H within ‖R‖₂ of θ, matched in
//     order when nothing was missed), within r²/δ (Kato–Temple) when the
//     distance δ from λ to the rest of the spectrum exceeds r, and with the
//     construction's spectrum (or the exact diagonal);
//   - the vectors are orthonormal and within r/δ of the eigenspace
//     (Davis–Kahan sin θ);
//   - the sharpness is the largest algebraic eigenvalue even when a
//     negative eigenvalue dominates in magnitude;
//   - a second estimator given the same calls returns bit-identical values
//     (under -short for the top-1 request only);
//   - for a hessian.ContextEstimator: a context cancelled during the n-th
//     HVP stops the estimate before another HVP, with an error wrapping
//     context.Canceled, unless the estimate completes without one; the
//     estimator then serves the next call as usual.
func EstimatorSuite(t *testing.T, newEst NewEstimator, caps EstimatorCaps) {
	t.Helper()
	for pi, prob := range hessProblems() {
		t.Run(prob.name, func(t *testing.T) {
			hessRunProblem(t, newEst, caps, prob, uint64(pi))
		})
	}
	if _, ok := newEst(1, 0).(hessian.ContextEstimator); ok {
		t.Run("cancellation", func(t *testing.T) { hessCancellation(t, newEst) })
	}
}

// cancelAt cancels a context during its n-th application and counts them.
type cancelAt struct {
	op     sim.Operator
	n, at  int
	cancel context.CancelFunc
}

func (c *cancelAt) Dim() int { return c.op.Dim() }
func (c *cancelAt) Apply(v, dst []float64) {
	c.n++
	if c.n == c.at {
		c.cancel()
	}
	c.op.Apply(v, dst)
}

// hessCancellation checks that a ContextEstimator stops within one HVP of a
// cancellation, at the start, in the middle and at the end of an estimate.
func hessCancellation(t *testing.T, newEst NewEstimator) {
	rng := rand.New(rand.NewPCG(7, 0xca9c))
	eig := make([]float64, 80)
	for i := range eig {
		eig[i] = rng.NormFloat64()
	}
	h, _ := SymmetricWithSpectrum(rng, eig)
	op := SymOperator{A: h}
	full := &hessCounted{op: op}
	want, err := newEst(1, 0).Estimate(full)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{1, full.n / 2, full.n} {
		est := newEst(1, 0).(hessian.ContextEstimator)
		ctx, cancel := context.WithCancel(context.Background())
		c := &cancelAt{op: op, at: at, cancel: cancel}
		_, err := est.EstimateContext(ctx, c)
		cancel()
		switch {
		case c.n > at:
			t.Errorf("cancelled during HVP %d of %d: %d HVPs applied", at, full.n, c.n)
		case err == nil && at < full.n:
			t.Errorf("cancelled during HVP %d of %d: no error", at, full.n)
		case err != nil && !errors.Is(err, context.Canceled):
			t.Errorf("cancelled during HVP %d of %d: error %v does not wrap context.Canceled", at, full.n, err)
		}
		// The estimator serves the next call: the same top eigenvalue (to
		// the rounding of a different start for a tracker's generator).
		got, err := est.EstimateContext(context.Background(), op)
		if err != nil || math.Abs(got.Top.Values[0]-want.Top.Values[0]) > 1e-6*math.Abs(want.Top.Values[0]) {
			t.Errorf("after a stopped estimate: %v, %v; want %v", got.Top.Values, err, want.Top.Values)
		}
	}
}

func hessRunProblem(t *testing.T, newEst NewEstimator, caps EstimatorCaps, prob hessProblem, seed uint64) {
	p := len(prob.eig)
	rng := rand.New(rand.NewPCG(seed, 0xdec0))
	var h, decoy *mat.SymDense
	var q *mat.Dense
	if prob.diagonal {
		h = mat.NewSymDense(p, nil)
		decoy = mat.NewSymDense(p, nil)
		perm := rng.Perm(p)
		for i, e := range prob.eig {
			h.SetSym(i, i, e)
			decoy.SetSym(perm[i], perm[i], e)
		}
		q = mat.NewDense(p, p, nil)
		for i := 0; i < p; i++ {
			q.Set(i, i, 1)
		}
	} else {
		h, q = SymmetricWithSpectrum(rng, prob.eig)
		decoy, _ = SymmetricWithSpectrum(rng, prob.eig)
	}
	// The oracle: mat.EigenSym of the matrix actually applied.
	var es mat.EigenSym
	if !es.Factorize(h, false) {
		t.Fatal("EigenSym failed")
	}
	lam := es.Values(nil) // ascending
	normH := math.Max(math.Abs(lam[0]), math.Abs(lam[p-1]))
	normF := hessNormF(h)
	// Rounding allowances. A matrix-vector product has componentwise error
	// at most γ_p|H||v| (Higham, Thm 3.5), so ‖error‖ ≤ p·ε·‖H‖_F for unit
	// v; Ritz vectors and images are combinations of at most a few dozen
	// stored vectors, adding the same order again. roundRes bounds the
	// difference of two computations of one residual. Eigenvalues formed by
	// Q·diag·Qᵀ and computed by dsyev are backward stable with constants of
	// order p (Golub & Van Loan §8.3): valSlack bounds |EigenSym − exact|
	// and |Rayleigh quotient − Ritz value|.
	eps := math.Nextafter(1, 2) - 1
	roundRes := 4 * float64(p+64) * eps * normF
	valSlack := 8 * float64(p+64) * eps * normF
	want := append([]float64(nil), prob.eig...)
	sort.Float64s(want)
	for i := range want {
		if d := math.Abs(want[i] - lam[i]); d > valSlack {
			t.Fatalf("suite: EigenSym value %d = %v differs from the construction's %v by %.3g > %.3g", i, lam[i], want[i], d, valSlack)
		}
	}
	for _, req := range hessRequests(p, caps) {
		top, bot := req[0], req[1]
		if !caps.Multiplicity && (hessRepeats(want, top, true) || hessRepeats(want, bot, false)) {
			continue
		}
		t.Run(fmt.Sprintf("top=%d/bottom=%d", top, bot), func(t *testing.T) {
			run := func() (hessian.Result, int, error) {
				est := newEst(top, bot)
				if _, err := est.Estimate(SymOperator{A: decoy}); err != nil {
					t.Fatalf("decoy: %v", err)
				}
				cnt := &hessCounted{op: SymOperator{A: h}}
				res, err := est.Estimate(cnt)
				return res, cnt.n, err
			}
			res, n, err := run()
			if err != nil {
				t.Fatalf("Estimate: %v", err)
			}
			if res.HVPs != n {
				t.Errorf("reported %d HVPs, the operator was applied %d times", res.HVPs, n)
			}
			if res.Norm > normH*(1+1e-12)+valSlack {
				t.Errorf("Norm %v exceeds ‖H‖₂ = %v: not a lower bound", res.Norm, normH)
			}
			tolAbs := caps.Tol*normH + roundRes
			for _, end := range []struct {
				name  string
				pairs hessian.Pairs
				k     int
				top   bool
			}{{"top", res.Top, top, true}, {"bottom", res.Bottom, bot, false}} {
				hessCheckPairs(t, end.name, end.pairs, end.k, end.top, h, q, prob.eig, lam, want, tolAbs, roundRes, valSlack, prob.diagonal)
			}
			if top > 0 && lam[p-1] > 0 && len(res.Top.Values) > 0 && res.Top.Values[0] < 0 {
				t.Errorf("sharpness %v is negative while λ_max = %v: the most negative eigenvalue was reported", res.Top.Values[0], lam[p-1])
			}
			if testing.Short() && !(top == 1 && bot == 0) {
				return // under -short, determinism is checked on the first request only
			}
			res2, _, err2 := run()
			if err2 != nil {
				t.Fatalf("second run: %v", err2)
			}
			if !SameBits(res.Top.Values, res2.Top.Values) || !SameBits(res.Bottom.Values, res2.Bottom.Values) {
				t.Errorf("not deterministic: %v %v then %v %v", res.Top.Values, res.Bottom.Values, res2.Top.Values, res2.Bottom.Values)
			}
		})
	}
}

// hessRepeats reports whether the k most extreme values at one end of the
// sorted spectrum contain a repeated value (or continue into one).
func hessRepeats(sorted []float64, k int, top bool) bool {
	n := len(sorted)
	for i := 0; i < k && i+1 < n; i++ {
		a, b := sorted[i], sorted[i+1]
		if top {
			a, b = sorted[n-1-i], sorted[n-2-i]
		}
		if a == b {
			return true
		}
	}
	return false
}

// hessCheckPairs checks the pairs of one end against the oracle.
func hessCheckPairs(t *testing.T, name string, pr hessian.Pairs, k int, top bool, h *mat.SymDense, q *mat.Dense, eig, lam, want []float64, tolAbs, roundRes, valSlack float64, diagonal bool) {
	eps := math.Nextafter(1, 2) - 1
	t.Helper()
	p := len(lam)
	if len(pr.Values) != k || len(pr.Residuals) != k {
		t.Fatalf("%s: got %d values and %d residuals, want %d", name, len(pr.Values), len(pr.Residuals), k)
	}
	if k == 0 {
		return
	}
	if r, c := pr.Vectors.Dims(); r != p || c != k {
		t.Fatalf("%s: vectors are %d×%d, want %d×%d", name, r, c, p, k)
	}
	exact := func(i int) float64 { // i-th most extreme eigenvalue
		if top {
			return lam[p-1-i]
		}
		return lam[i]
	}
	construction := func(i int) float64 {
		if top {
			return want[p-1-i]
		}
		return want[i]
	}
	// Orthonormality of the vectors: CGS2 keeps the basis orthogonal to a
	// small multiple of ε·√k (Giraud, Langou & Rozložník 2005); 1e-10
	// leaves room for the Ritz combinations.
	var yty mat.Dense
	yty.Mul(pr.Vectors.T(), pr.Vectors)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			d := yty.At(i, j)
			if i == j {
				d -= 1
			}
			if math.Abs(d) > 1e-10 {
				t.Errorf("%s: vectors not orthonormal: (YᵀY−I)[%d,%d] = %.3g", name, i, j, d)
			}
		}
	}
	var rF float64
	y := make([]float64, p)
	for i, v := range pr.Values {
		if i > 0 && ((top && v > pr.Values[i-1]) || (!top && v < pr.Values[i-1])) {
			t.Errorf("%s: values not ordered: %v", name, pr.Values)
		}
		r := pr.Residuals[i]
		mat.Col(y, i, pr.Vectors)
		fresh := hessResidual(h, y, v)
		if fresh > r+roundRes {
			t.Errorf("%s[%d]: reported residual %.3g understates ‖Hy−λy‖ = %.3g (rounding allowance %.3g)", name, i, r, fresh, roundRes)
		}
		if r > tolAbs {
			t.Errorf("%s[%d]: residual %.3g above the tolerance %.3g", name, i, r, tolAbs)
		}
		rF += r * r
	}
	rF = math.Sqrt(rF)
	for i, v := range pr.Values {
		r := pr.Residuals[i]
		lt := exact(i)
		if d := math.Abs(v - lt); d > rF+valSlack {
			t.Errorf("%s[%d] = %.17g, EigenSym %.17g: |Δ| = %.3g > ‖R‖_F = %.3g (+%.3g)", name, i, v, lt, d, rF, valSlack)
		}
		if diagonal {
			if d := math.Abs(v - construction(i)); d > rF+valSlack {
				t.Errorf("%s[%d] = %.17g, diagonal oracle %.17g: |Δ| = %.3g > %.3g", name, i, v, construction(i), d, rF)
			}
		}
		// δ: distance from v to the spectrum without the eigenvalue it
		// approximates (all copies of it, as the construction defines them).
		lc := construction(i)
		delta := math.Inf(1)
		for _, e := range want {
			if e != lc {
				delta = math.Min(delta, math.Abs(e-v))
			}
		}
		if delta > r && r > 0 {
			if d := math.Abs(v - lt); d > r*r/delta+valSlack {
				t.Errorf("%s[%d]: |Δλ| = %.3g exceeds the Kato–Temple bound r²/δ = %.3g", name, i, d, r*r/delta)
			}
		}
		// Davis–Kahan: the component of y outside the eigenspace of lc is
		// at most r/δ. The eigenspace is spanned by the columns of Q whose
		// construction eigenvalue equals lc, exact up to the rounding of
		// forming H (valSlack/δ); the projection itself is computed
		// directly (not as √(1−‖Xᵀy‖²), which would lose half the digits),
		// to within a few p·ε.
		if delta > 2*r && delta > 0 {
			mat.Col(y, i, pr.Vectors)
			res := append([]float64(nil), y...)
			for j, e := range eig {
				if e != lc {
					continue
				}
				var c float64
				for l := 0; l < p; l++ {
					c += q.At(l, j) * y[l]
				}
				for l := 0; l < p; l++ {
					res[l] -= c * q.At(l, j)
				}
			}
			out := mat.Norm(mat.NewVecDense(p, res), 2)
			if bound := (r+valSlack)/delta + 16*float64(p)*eps; out > bound {
				t.Errorf("%s[%d]: sin∠(y, eigenspace) = %.3g exceeds r/δ = %.3g", name, i, out, bound)
			}
		}
	}
}
