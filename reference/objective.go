package reference

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/eoskit/eoskit/sim"
)

// objEps is the float64 unit round-off 2⁻⁵².
const objEps = 0x1p-52

// ObjectiveOptions configures ObjectiveSuite and the Check* functions. The
// zero value selects the documented defaults.
type ObjectiveOptions struct {
	// Points is the number of random points ObjectiveSuite draws (default 3).
	Points int
	// Seed seeds the suite's generator (default 1).
	Seed uint64
	// Scale is the length scale of θ that sets the finite-difference step
	// h = ε^{1/3}·Scale (default max(1, ‖θ‖∞) at each point).
	Scale float64
	// RelTol is the relative tolerance of the finite-difference checks
	// (default DefaultFDRelTol).
	RelTol float64
	// EvalRelErr bounds the relative round-off of one evaluation of the
	// differenced quantity (loss, gradient or HVP) with respect to its
	// ∞-norm (default DefaultEvalRelErr).
	EvalRelErr float64
	// SymTol is the relative tolerance of the symmetry checks (default
	// DefaultSymTol).
	SymTol float64
	// SameTol is the relative tolerance for two evaluations of the same
	// quantity along different code paths: Loss against Grad's loss, the
	// HessianAt operator against HessVec (default DefaultSameTol).
	SameTol float64
	// SkipAllocs skips the zero-allocation checks (for backends that
	// allocate, such as parallel BLAS at large sizes).
	SkipAllocs bool
}

// Default tolerances of the objective checks.
const (
	// DefaultFDRelTol is the relative tolerance of the Richardson-
	// extrapolated central differences. With h = ε^{1/3}·scale ≈ 6e-6·scale
	// the extrapolated truncation error is h⁴/480·|f⁽⁵⁾| ≈ 3e-24 at unit
	// scale, so 3e-7 admits functions that vary on length scales down to
	// ~1e-4 of the declared scale ((h/ℓ)⁴/480 ≤ 3e-7 for ℓ ≥ 9h), while a
	// derivative that misses or misweights any term (a relative error far
	// above 1e-6) fails.
	DefaultFDRelTol = 3e-7
	// DefaultEvalRelErr is the assumed relative accuracy of one evaluation:
	// sums of up to ~10³ terms with moderate cancellation. The Richardson
	// estimate (4D(h/2) − D(h))/3 turns an evaluation error δ into at most
	// 3δ/h, which is added to the tolerance.
	DefaultEvalRelErr = 1e3 * objEps
	// DefaultSymTol bounds the asymmetry |uᵀHv − vᵀHu| relative to the
	// Cauchy–Schwarz scale ‖u‖‖Hv‖ + ‖v‖‖Hu‖ (and likewise for ∇³E): two
	// evaluations by different operation orders carry ~p·ε relative error
	// each, far below 1e-10 for p ≲ 10⁵; an asymmetric Hessian is off by O(1).
	DefaultSymTol = 1e-10
	// DefaultSameTol is the relative tolerance for the same quantity
	// computed twice: the same formula in a possibly different order, a few
	// hundred ulps at most.
	DefaultSameTol = 1e-13
)

func (o ObjectiveOptions) withDefaults() ObjectiveOptions {
	if o.Points <= 0 {
		o.Points = 3
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.RelTol <= 0 {
		o.RelTol = DefaultFDRelTol
	}
	if o.EvalRelErr <= 0 {
		o.EvalRelErr = DefaultEvalRelErr
	}
	if o.SymTol <= 0 {
		o.SymTol = DefaultSymTol
	}
	if o.SameTol <= 0 {
		o.SameTol = DefaultSameTol
	}
	return o
}

// step returns the central-difference step h = ε^{1/3}·scale.
func (o ObjectiveOptions) step(theta []float64) float64 {
	s := o.Scale
	if s <= 0 {
		s = math.Max(1, objNormInf(theta))
	}
	return math.Cbrt(objEps) * s
}

// ObjectiveSuite is the conformance battery every sim.Objective runs. At
// opts.Points random points θ = sample(rng) it checks
//
//   - Grad against Richardson-extrapolated central differences of Loss
//     (along random directions, and along every coordinate when p ≤ 16);
//   - HessVec against central differences of Grad;
//   - Hessian symmetry uᵀHv = vᵀHu;
//   - for a sim.ThirdOrder: Third against central differences of HessVec,
//     its symmetry in (u,v) and the full symmetry
//     wᵀ∇³E[u,v] = uᵀ∇³E[w,v] = vᵀ∇³E[u,w];
//   - Loss equals the loss Grad returns;
//   - sim.HessianAt's operator equals HessVec;
//   - for a sim.GradKeeper: Grad after KeepNextGrad, and the HessianAt
//     operator at its θ, give bit for bit the results without the request;
//   - for a sim.Cloner: clones give bit-identical results, do not disturb
//     the original's state (an operator from HessianAt stays valid while a
//     clone works elsewhere), and run concurrently with it;
//   - Loss, Grad, HessVec, Third and the HessianAt operator do not allocate
//     (skipped under the race detector, which allocates in synchronisation);
//   - a θ of the wrong length panics.
//
// The finite-difference checks assume E is smooth within a few steps h of
// every sampled point. For objectives that are smooth only almost everywhere
// (ReLU networks), sample must return points farther from the kinks than
// the steps (see TwoLayerKinkDistance).
func ObjectiveSuite(t *testing.T, obj sim.Objective, sample func(*rand.Rand) []float64, opts ObjectiveOptions) {
	t.Helper()
	opts = opts.withDefaults()
	rng := rand.New(rand.NewPCG(opts.Seed, 0x0b1ec71e))
	p := obj.Dim()
	if p < 1 {
		t.Fatalf("Dim() = %d, want ≥ 1", p)
	}
	for k := 0; k < opts.Points; k++ {
		theta := sample(rng)
		if len(theta) != p {
			t.Fatalf("sample returned %d parameters, Dim() = %d", len(theta), p)
		}
		if err := CheckDerivatives(obj, theta, rng, opts); err != nil {
			t.Errorf("point %d: %v", k, err)
		}
		if p <= 16 {
			for i := 0; i < p; i++ {
				e := make([]float64, p)
				e[i] = 1
				if err := CheckGrad(obj, theta, e, opts); err != nil {
					t.Errorf("point %d, coordinate %d: %v", k, i, err)
				}
			}
		}
		if err := objCheckSame(obj, theta, objRandDir(rng, p), opts); err != nil {
			t.Errorf("point %d: %v", k, err)
		}
		if gk, ok := obj.(sim.GradKeeper); ok {
			if err := objCheckKeep(obj, gk, theta, sample(rng), objRandDir(rng, p)); err != nil {
				t.Errorf("point %d: %v", k, err)
			}
		}
		if c, ok := obj.(sim.Cloner); ok {
			if err := objCheckClone(obj, c, theta, sample(rng), objRandDir(rng, p), objRandDir(rng, p)); err != nil {
				t.Errorf("point %d: %v", k, err)
			}
		}
		if !opts.SkipAllocs && !objRaceEnabled {
			if err := objCheckAllocs(obj, theta, objRandDir(rng, p), objRandDir(rng, p)); err != nil {
				t.Errorf("point %d: %v", k, err)
			}
		}
	}
	if err := objCheckPanics(obj); err != nil {
		t.Error(err)
	}
}

// CheckDerivatives runs the derivative checks of ObjectiveSuite at one point
// θ with random directions from rng: Grad, HessVec, Hessian symmetry and,
// for a sim.ThirdOrder, Third. It returns the first failure, or nil.
func CheckDerivatives(obj sim.Objective, theta []float64, rng *rand.Rand, opts ObjectiveOptions) error {
	opts = opts.withDefaults()
	p := obj.Dim()
	u, v, w := objRandDir(rng, p), objRandDir(rng, p), objRandDir(rng, p)
	if err := CheckGrad(obj, theta, u, opts); err != nil {
		return err
	}
	if err := CheckHessVec(obj, theta, v, opts); err != nil {
		return err
	}
	if err := CheckHessianSymmetry(obj, theta, u, v, opts); err != nil {
		return err
	}
	if _, ok := obj.(sim.ThirdOrder); ok {
		if err := CheckThird(obj, theta, u, v, w, opts); err != nil {
			return err
		}
	}
	return nil
}

// objRichardson returns the Richardson-extrapolated central difference
// (4D(h/2) − D(h))/3 of f along u, where D(h) = [f(θ+hu) − f(θ−hu)]/(2h),
// and the largest ∞-norm of the differenced values.
func objRichardson(f func(x, dst []float64), q int, theta, u []float64, h float64) (d []float64, mag float64) {
	p := len(theta)
	x := make([]float64, p)
	fp, fm := make([]float64, q), make([]float64, q)
	central := func(h float64) []float64 {
		for i := range x {
			x[i] = theta[i] + h*u[i]
		}
		f(x, fp)
		for i := range x {
			x[i] = theta[i] - h*u[i]
		}
		f(x, fm)
		mag = math.Max(mag, math.Max(objNormInf(fp), objNormInf(fm)))
		out := make([]float64, q)
		for i := range out {
			out[i] = (fp[i] - fm[i]) / (2 * h)
		}
		return out
	}
	d1 := central(h)
	d2 := central(h / 2)
	for i := range d1 {
		d2[i] = (4*d2[i] - d1[i]) / 3
	}
	return d2, mag
}

// objCompareFD checks ‖got − fd‖∞ ≤ RelTol·‖got‖∞ + 3·EvalRelErr·mag/h, the
// relative tolerance plus the round-off bound of the Richardson estimate.
func objCompareFD(what string, got, fd []float64, mag, h float64, opts ObjectiveOptions) error {
	diff := 0.0
	worst := 0
	for i := range got {
		if d := math.Abs(got[i] - fd[i]); d > diff || math.IsNaN(d) {
			diff, worst = d, i
			if math.IsNaN(d) {
				break
			}
		}
	}
	tol := opts.RelTol*objNormInf(got) + 3*opts.EvalRelErr*mag/h
	if !(diff <= tol) {
		return fmt.Errorf("%s: exact and finite differences differ by %.3g > tolerance %.3g (component %d: exact %.17g, finite differences %.17g)",
			what, diff, tol, worst, got[worst], fd[worst])
	}
	return nil
}

// CheckGrad compares the directional derivative uᵀ∇E(θ) from Grad with
// Richardson-extrapolated central differences of Loss along u.
func CheckGrad(obj sim.Objective, theta, u []float64, opts ObjectiveOptions) error {
	opts = opts.withDefaults()
	p := obj.Dim()
	g := make([]float64, p)
	obj.Grad(theta, g)
	h := opts.step(theta)
	fd, mag := objRichardson(func(x, dst []float64) { dst[0] = obj.Loss(x) }, 1, theta, u, h)
	return objCompareFD("Grad·u vs Loss", []float64{objDot(g, u)}, fd, mag, h, opts)
}

// CheckHessVec compares HessVec(θ, v) with Richardson-extrapolated central
// differences of Grad along v.
func CheckHessVec(obj sim.Objective, theta, v []float64, opts ObjectiveOptions) error {
	opts = opts.withDefaults()
	p := obj.Dim()
	hv := make([]float64, p)
	obj.HessVec(theta, v, hv)
	h := opts.step(theta)
	fd, mag := objRichardson(func(x, dst []float64) { obj.Grad(x, dst) }, p, theta, v, h)
	return objCompareFD("HessVec vs Grad", hv, fd, mag, h, opts)
}

// CheckHessianSymmetry checks |uᵀHv − vᵀHu| ≤ SymTol·(‖u‖‖Hv‖ + ‖v‖‖Hu‖).
func CheckHessianSymmetry(obj sim.Objective, theta, u, v []float64, opts ObjectiveOptions) error {
	opts = opts.withDefaults()
	p := obj.Dim()
	hu, hv := make([]float64, p), make([]float64, p)
	obj.HessVec(theta, u, hu)
	obj.HessVec(theta, v, hv)
	a, b := objDot(u, hv), objDot(v, hu)
	scale := objNorm2(u)*objNorm2(hv) + objNorm2(v)*objNorm2(hu)
	if !(math.Abs(a-b) <= opts.SymTol*scale) {
		return fmt.Errorf("Hessian not symmetric: uᵀHv = %.17g, vᵀHu = %.17g (scale %.3g)", a, b, scale)
	}
	return nil
}

// CheckThird checks, for an objective that implements sim.ThirdOrder, that
// Third(θ, w, v) agrees with Richardson-extrapolated central differences of
// HessVec(·, v) along w, that Third is symmetric in its two directions, and
// that wᵀ∇³E[u,v] = uᵀ∇³E[w,v] = vᵀ∇³E[u,w].
func CheckThird(obj sim.Objective, theta, u, v, w []float64, opts ObjectiveOptions) error {
	opts = opts.withDefaults()
	to, ok := obj.(sim.ThirdOrder)
	if !ok {
		return fmt.Errorf("%T does not implement sim.ThirdOrder", obj)
	}
	p := obj.Dim()
	twv := make([]float64, p)
	to.Third(theta, w, v, twv)
	h := opts.step(theta)
	fd, mag := objRichardson(func(x, dst []float64) { obj.HessVec(x, v, dst) }, p, theta, w, h)
	if err := objCompareFD("Third vs HessVec", twv, fd, mag, h, opts); err != nil {
		return err
	}
	tvw := make([]float64, p)
	to.Third(theta, v, w, tvw)
	var diff float64
	for i := range twv {
		diff = math.Max(diff, math.Abs(twv[i]-tvw[i]))
	}
	if s := objNormInf(twv) + objNormInf(tvw); !(diff <= opts.SymTol*s) {
		return fmt.Errorf("Third not symmetric in its directions: ‖T[w,v] − T[v,w]‖∞ = %.3g (scale %.3g)", diff, s)
	}
	tuv, tuw := make([]float64, p), make([]float64, p)
	to.Third(theta, u, v, tuv)
	to.Third(theta, u, w, tuw)
	a, b, c := objDot(w, tuv), objDot(u, twv), objDot(v, tuw)
	scale := objNorm2(w)*objNorm2(tuv) + objNorm2(u)*objNorm2(twv) + objNorm2(v)*objNorm2(tuw)
	if !(math.Abs(a-b) <= opts.SymTol*scale && math.Abs(a-c) <= opts.SymTol*scale) {
		return fmt.Errorf("Third not fully symmetric: wᵀT[u,v] = %.17g, uᵀT[w,v] = %.17g, vᵀT[u,w] = %.17g", a, b, c)
	}
	return nil
}

// objCheckSame checks that Loss equals Grad's loss and that the HessianAt
// operator equals HessVec.
func objCheckSame(obj sim.Objective, theta, v []float64, opts ObjectiveOptions) error {
	p := obj.Dim()
	g := make([]float64, p)
	e1 := obj.Loss(theta)
	e2 := obj.Grad(theta, g)
	if !(math.Abs(e1-e2) <= opts.SameTol*math.Abs(e1)) {
		return fmt.Errorf("Loss = %.17g but Grad returned %.17g", e1, e2)
	}
	hv, hop := make([]float64, p), make([]float64, p)
	obj.HessVec(theta, v, hv)
	op := sim.HessianAt(obj, theta)
	if op.Dim() != p {
		return fmt.Errorf("HessianAt operator has Dim %d, want %d", op.Dim(), p)
	}
	op.Apply(v, hop)
	for i := range hv {
		if !(math.Abs(hv[i]-hop[i]) <= opts.SameTol*objNormInf(hv)) {
			return fmt.Errorf("HessianAt operator differs from HessVec at %d: %.17g vs %.17g", i, hop[i], hv[i])
		}
	}
	// A second application (a cached forward pass must not be consumed).
	op.Apply(v, hop)
	for i := range hv {
		if !(math.Abs(hv[i]-hop[i]) <= opts.SameTol*objNormInf(hv)) {
			return fmt.Errorf("second application of the HessianAt operator differs from HessVec at %d", i)
		}
	}
	return nil
}

// objCheckKeep checks sim.GradKeeper's promise: after KeepNextGrad, Grad at
// θ gives the bits of a plain Grad, and the HessianAt operator at θ (over
// whatever the kept gradient left) gives the bits of HessVec at θ computed
// afresh after a visit to θ2.
func objCheckKeep(obj sim.Objective, gk sim.GradKeeper, theta, theta2, v []float64) error {
	p := obj.Dim()
	g, gKept := make([]float64, p), make([]float64, p)
	e := obj.Grad(theta, g)
	hv := make([]float64, p)
	obj.HessVec(theta2, v, hv) // move any cache away from θ
	gk.KeepNextGrad()
	eKept := obj.Grad(theta, gKept)
	if math.Float64bits(e) != math.Float64bits(eKept) || !SameBits(g, gKept) {
		return fmt.Errorf("Grad after KeepNextGrad differs from a plain Grad")
	}
	hKept := make([]float64, p)
	sim.HessianAt(obj, theta).Apply(v, hKept)
	obj.HessVec(theta2, v, hv)
	obj.HessVec(theta, v, hv) // afresh
	if !SameBits(hKept, hv) {
		return fmt.Errorf("the Hessian-vector product after a kept Grad differs from a fresh one")
	}
	return nil
}

// objEvals is everything a clone test compares bit for bit.
type objEvals struct {
	loss, gloss     float64
	grad, hv, third []float64
}

func objEvalAll(obj sim.Objective, theta, u, v []float64) objEvals {
	p := obj.Dim()
	r := objEvals{grad: make([]float64, p), hv: make([]float64, p)}
	r.loss = obj.Loss(theta)
	r.gloss = obj.Grad(theta, r.grad)
	obj.HessVec(theta, v, r.hv)
	if to, ok := obj.(sim.ThirdOrder); ok {
		r.third = make([]float64, p)
		to.Third(theta, u, v, r.third)
	}
	return r
}

func (a objEvals) equal(b objEvals) bool {
	return math.Float64bits(a.loss) == math.Float64bits(b.loss) && math.Float64bits(a.gloss) == math.Float64bits(b.gloss) &&
		SameBits(a.grad, b.grad) && SameBits(a.hv, b.hv) && SameBits(a.third, b.third)
}

// objCheckClone checks that a clone computes bit-identical results, that it
// does not disturb the original (an operator from HessianAt stays valid
// while the clone works at another point), and that the two run
// concurrently.
func objCheckClone(obj sim.Objective, c sim.Cloner, theta1, theta2, u, v []float64) error {
	p := obj.Dim()
	want1 := objEvalAll(obj, theta1, u, v)
	want2 := objEvalAll(obj, theta2, u, v)
	cl := c.Clone()
	if cl.Dim() != p {
		return fmt.Errorf("Clone has Dim %d, want %d", cl.Dim(), p)
	}
	if got := objEvalAll(cl, theta1, u, v); !got.equal(want1) {
		return fmt.Errorf("Clone's derivatives differ from the original's")
	}
	// Prepare the original at θ1, work with the clone at θ2, reuse.
	op := sim.HessianAt(obj, theta1)
	before := make([]float64, p)
	op.Apply(v, before)
	if got := objEvalAll(cl, theta2, u, v); !got.equal(want2) {
		return fmt.Errorf("Clone's derivatives at a second point differ from the original's")
	}
	hc := make([]float64, p)
	sim.HessianAt(cl, theta2).Apply(v, hc)
	if !(objEvals{hv: hc}).equal(objEvals{hv: want2.hv}) {
		return fmt.Errorf("Clone's HessianAt operator differs from the original's HessVec")
	}
	after := make([]float64, p)
	op.Apply(v, after)
	for i := range after {
		if math.Float64bits(after[i]) != math.Float64bits(before[i]) {
			return fmt.Errorf("working with a clone changed the original's HessianAt operator")
		}
	}
	// Concurrent use of the original and the clone.
	var wg sync.WaitGroup
	var bad [2]bool
	for k, o := range []sim.Objective{obj, cl} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			th, want := theta1, want1
			if k == 1 {
				th, want = theta2, want2
			}
			for it := 0; it < 5; it++ {
				if !objEvalAll(o, th, u, v).equal(want) {
					bad[k] = true
				}
			}
		}()
	}
	wg.Wait()
	if bad[0] || bad[1] {
		return fmt.Errorf("concurrent use of an objective and its clone gave different results")
	}
	return nil
}

// objCheckAllocs checks that the hot methods do not allocate in steady state.
func objCheckAllocs(obj sim.Objective, theta, u, v []float64) error {
	p := obj.Dim()
	g, hv, out := make([]float64, p), make([]float64, p), make([]float64, p)
	var msgs []string
	check := func(name string, f func()) {
		f() // warm up lazily allocated scratch
		if n := testing.AllocsPerRun(3, f); n != 0 {
			msgs = append(msgs, fmt.Sprintf("%s allocates %.1f times per call", name, n))
		}
	}
	check("Loss", func() { obj.Loss(theta) })
	check("Grad", func() { obj.Grad(theta, g) })
	check("HessVec", func() { obj.HessVec(theta, v, hv) })
	if to, ok := obj.(sim.ThirdOrder); ok {
		check("Third", func() { to.Third(theta, u, v, out) })
	}
	op := sim.HessianAt(obj, theta)
	check("HessianAt(θ).Apply", func() { op.Apply(v, hv) })
	if len(msgs) > 0 {
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return nil
}

// objCheckPanics checks that every method panics on a θ of the wrong length.
func objCheckPanics(obj sim.Objective) error {
	p := obj.Dim()
	bad := make([]float64, p+1)
	ok := make([]float64, p)
	panics := func(f func()) (did bool) {
		defer func() {
			if recover() != nil {
				did = true
			}
		}()
		f()
		return false
	}
	var msgs []string
	try := func(name string, f func()) {
		if !panics(f) {
			msgs = append(msgs, name)
		}
	}
	try("Loss", func() { obj.Loss(bad) })
	try("Grad", func() { obj.Grad(bad, ok) })
	try("HessVec", func() { obj.HessVec(bad, ok, make([]float64, p)) })
	if to, isTO := obj.(sim.ThirdOrder); isTO {
		try("Third", func() { to.Third(bad, ok, ok, make([]float64, p)) })
	}
	if len(msgs) > 0 {
		return fmt.Errorf("no panic on a θ of length %d (Dim %d) in %s", p+1, p, strings.Join(msgs, ", "))
	}
	return nil
}

// objRandDir returns a Gaussian direction scaled to ‖u‖∞ = 1, so that a step
// h·u moves no coordinate by more than h.
func objRandDir(rng *rand.Rand, p int) []float64 {
	u := make([]float64, p)
	for i := range u {
		u[i] = rng.NormFloat64()
	}
	s := objNormInf(u)
	for i := range u {
		u[i] /= s
	}
	return u
}

func objDot(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

func objNorm2(a []float64) float64 { return math.Sqrt(objDot(a, a)) }

func objNormInf(a []float64) float64 {
	var m float64
	for _, x := range a {
		if ax := math.Abs(x); ax > m || math.IsNaN(ax) {
			m = ax
		}
	}
	return m
}
