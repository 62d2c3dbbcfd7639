package hessian

import (
	"context"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim"
)

// TrackerSettings configure a Tracker.
type TrackerSettings struct {
	// Settings as for LanczosSolver (Start is ignored; MaxKrylov defaults
	// to max(40, 2(Top+Bottom)+10)). Check means: CheckAuto, a deflation
	// check every CheckEvery estimates of each tracked sequence and
	// whenever the warm solve looks unreliable; CheckAlways, at every
	// estimate; CheckNever, none (then an eigenvalue that rises into the
	// wanted set from outside the tracked vectors can be missed
	// indefinitely).
	Settings
	// Extra is the number of eigenpairs next to the wanted ones at each end
	// that the tracker keeps in view: every warm solve is made to contain
	// their cached eigenvectors (see Tracker), so that a crossing between
	// the wanted pairs and these is resolved at once when the cached
	// vectors are accurate to within the margin of the crossing, and the
	// deflation checks deflate them together with the wanted pairs.
	// Default 2; a negative value means none.
	Extra int
	// CheckEvery is the period of the deflation check under CheckAuto, in
	// estimates of the same sequence (see Tracker). Default 40.
	CheckEvery int
	// Cache is the number of approximate eigenpairs kept as the
	// preconditioner of the warm solves (memory: (Periods+2)·Cache·p
	// floats). Default 32, capped at p; a negative value means none (plain
	// Davidson steps).
	Cache int
	// Periods is the longest period of interleaved sequences the tracker
	// recognises, 1 to maxPeriods (0 means maxPeriods, larger values are
	// capped): GD iterates and their period-2 centres measured alternately
	// have period 2; measured every odd number of steps on a 2-cycle, the
	// iterates alternate between its two phases, and the same phase comes
	// back every fourth call. Each period keeps the eigenvectors of two more
	// estimates and one more cache; a caller that knows its sequence sets
	// the smallest period that covers it (gd.TrackerPeriods). A sequence of
	// a longer period is still estimated correctly, from warm starts of the
	// wrong phase: slower, with more cold restarts.
	Periods int
}

// Defaults of TrackerSettings.
const (
	defaultExtra       = 2
	defaultCheckEvery  = 40
	defaultCache       = 32
	defaultTrackKrylov = 40
)

// maxPeriods is the longest period of interleaved sequences a tracker can
// recognise (TrackerSettings.Periods), and its default: 4, GD iterates and
// their centres measured every odd number of steps on a 2-cycle (with
// period 2 the iterates' warm starts came from the other phase:
// teacher-eos measured every 5 steps cost 15.6 HVPs per estimate and 220
// deflation checks, with period 4 9.1 and 54).
const maxPeriods = 4

// periods returns the resolved TrackerSettings.Periods.
func (s TrackerSettings) periods() int {
	if s.Periods <= 0 {
		return maxPeriods
	}
	return min(s.Periods, maxPeriods)
}

// poorStart is the relative residual of the best vector of the warm block
// above which the warm start is abandoned for a cold one: the operator
// changed so much that the carried vectors and the spectral cache would
// steer the solve more than they help (a cold Krylov run from a random
// vector costs about as much as a warm one from such a start, and needs no
// deflation check).
const poorStart = 0.1

// assureOutside: a cached neighbour vector with more than this fraction of
// its squared norm outside the space of a warm solve is added to it.
const assureOutside = 0.9

// snapshot holds what the tracker keeps of one estimate: the returned
// eigenpairs and the number of estimates of its sequence since the last
// deflation check.
type snapshot struct {
	vec   []float64 // rows of length p
	val   []float64
	end   []int8 // +1 top, −1 bottom
	n     int
	norm  float64 // largest Result.Norm of the sequence since the last cold start
	since int
}

func (s *snapshot) row(i, p int) []float64 { return s.vec[i*p : (i+1)*p] }

// Tracker estimates extreme eigenpairs of a slowly changing sequence of
// operators, such as the Hessians along a GD run, reusing what it learnt at
// earlier calls.
//
// Warm start. The first call (and any call after the dimension changes, or
// after Reset) is a cold Krylov solve from a random vector. A later call
// starts from the eigenvectors returned one period back and those returned
// two periods back (their difference is the direction in which the
// eigenvectors drift, so the Rayleigh–Ritz step extrapolates along a smooth
// path), and expands that block by preconditioned Davidson steps until
// every wanted pair meets Tol. The period is 1 for a plain sequence; when
// the calls interleave up to Periods sequences (GD iterates and their
// period-2 centres θ̄_k, measured alternately by gd.Recorder: period 2, or
// 4 when the measurements are an odd number of steps apart and the
// iterates alternate between the phases of a 2-cycle), the tracker detects
// it from the overlaps of the returned vectors with those of the Periods
// previous calls and keeps the sequences apart: each warm start, cache and
// check counter comes from the same sequence.
//
// Preconditioner. The tracker keeps, for each of the last calls, a cache of
// about Cache approximate eigenpairs at the wanted ends: after every solve
// the exactly known Ritz pairs of its space are merged with the cache of the
// previous estimate by a Rayleigh–Ritz step in which only the block of the
// old vectors is stale (see cacheMerge), and the spaces of deflation checks
// are merged too. A Davidson step expands the space by the Olsen-corrected
// residual preconditioned with this spectral model of the operator,
// (Z diag(μ) Zᵀ + σ(I − ZZᵀ) − θ)⁻¹ r: the components along the crowded
// eigenvalues below the wanted ones, which a Krylov space resolves only
// slowly, are corrected in one step. The preconditioner only steers the
// expansion; every value and residual comes from exact HVP images.
//
// Safeguard. A warm space only sees eigenvalues whose eigenvectors it
// overlaps, so an eigenvalue that rises into the wanted set from outside
// it (a crossing, common at the Edge of Stability) would be missed. When
// the eigenvectors turn, the residual of the old top vector couples it to
// the new one and the preconditioned Davidson steps find it. For the
// exact crossings that leave every residual zero, every warm space is made
// to contain the cached eigenvectors of the Extra neighbouring pairs at
// each end (each with more than 90% of its squared norm outside the space
// is added, one HVP each): a neighbour rising past a wanted pair by more
// than the error of its cached vector is then seen at once. Everything
// else is caught by a deflation check (see LanczosSolver): the converged
// vectors and Extra neighbours are locked and a fresh random Krylov
// sequence on the deflated operator looks for anything beyond the k-th
// value; its space also refreshes the cache. Under CheckAuto the check runs
// when the sequence's last check is CheckEvery estimates old, when the new
// extreme vector lies mostly outside the warm block, and when the warm
// solve needed a restart. A warm start whose best vector has a relative
// residual above 0.1, or whose values moved by more than a tenth of the
// norm, is abandoned for a cold solve (a random start needs no check).
// Delay: an eigenvalue that rises past a wanted one unseen is reported at
// the latest by the first deflation check after the crossing, that is
// after at most CheckEvery−1 wrong estimates of that sequence:
// CheckEvery−1 calls for a plain sequence, L(CheckEvery−1) calls for L
// interleaved ones (a check finds an eigenvalue beyond the k-th one as any
// Krylov run from a random vector does: unless the random vector is nearly
// orthogonal to its eigenvector). CheckAlways removes the delay at the
// price of a check per estimate.
//
// Cost at relative residual 1e-6, checks and cold starts included (HVP
// counts are deterministic): 7.7 HVPs per estimate on the Python anchors'
// Edge-of-Stability run (experiment anchor-eos: two-layer tanh network,
// m = 512, η = 862, sharpness every 10 GD steps), against 49 for cold
// Lanczos solves and 57 for ARPACK; 10.5 on teacher-eos (m = 32, iterates
// and centres every 20 steps, a Hessian with hundreds of eigenvalues
// between 0.1 and 0.98 λ_max), against 36 cold (9.1 every 10 or every 5
// steps); about 6.5 on the small network of the package tests.
//
// The tracker reuses its workspace and does not allocate in steady state.
// It is not safe for concurrent use.
type Tracker struct {
	// Settings are read at every Estimate.
	Settings TrackerSettings

	eng  engine
	rng  seeded
	rr   *rand.Rand
	out  outPairs
	p    int
	nw   int // wanted pairs
	ncap int // cache rows

	hist   []snapshot  // hist[c mod 2·periods]: estimate c
	caches []specCache // caches[c mod (periods+1)]: cache after estimate c
	tmp    specCache   // scratch of merger
	merger cacheMerger
	count  int // estimates since the last cold start
	lag    int // period of the sequence, as last detected
	nblock int // rows of the warm block in the active space
}

// WorkspaceFloats returns about how many float64 values a Tracker with
// these settings keeps for a p-dimensional operator: the solver's basis and
// images and work vectors, the eigenvectors of the last 2·Periods estimates
// and Periods+2 spectral caches (see Settings.WorkspaceFloats).
func (s TrackerSettings) WorkspaceFloats(p int) float64 {
	ncap := s.Cache
	if ncap == 0 {
		ncap = defaultCache
	}
	ncap = min(max(ncap, 0), p)
	k := max(s.Top+s.Bottom, 1)
	basis := s.Settings.basisRows(p, defaultTrackKrylov)
	L := s.periods()
	return float64(p) * float64(2*basis+10+2*L*k+(L+2)*ncap)
}

// NewTracker returns a tracker with the given settings.
func NewTracker(s TrackerSettings) *Tracker { return &Tracker{Settings: s} }

// Reset forgets the carried vectors, so the next estimate is cold.
func (tr *Tracker) Reset() { tr.count, tr.lag = 0, 0 }

// back returns the snapshot of the estimate j calls back (1 ≤ j ≤
// 2·periods), or nil.
func (tr *Tracker) back(j int) *snapshot {
	if j < 1 || j > len(tr.hist) || j > tr.count {
		return nil
	}
	return &tr.hist[(tr.count-j)%len(tr.hist)]
}

// cacheBack returns the spectral cache of the estimate j calls back
// (0 ≤ j ≤ periods; 0 is the current one), or nil.
func (tr *Tracker) cacheBack(j int) *specCache {
	if j > tr.count || tr.ncap == 0 {
		return nil
	}
	c := &tr.caches[(tr.count-j)%len(tr.caches)]
	if j > 0 && !c.filled {
		return nil
	}
	return c
}

// Estimate implements Estimator. Each call takes the operator at the new
// point; the result aliases the tracker's workspace until the next call.
func (tr *Tracker) Estimate(op sim.Operator) (Result, error) {
	return tr.EstimateContext(context.Background(), op)
}

// EstimateContext implements ContextEstimator. A stopped estimate leaves
// the tracker as it was before the call.
func (tr *Tracker) EstimateContext(ctx context.Context, op sim.Operator) (Result, error) {
	p := op.Dim()
	ts := tr.Settings
	if ts.MaxKrylov == 0 {
		ts.MaxKrylov = ts.Settings.basisRows(math.MaxInt, defaultTrackKrylov)
	}
	s, mmax := ts.Settings.resolved(p, "Tracker")
	extra := ts.Extra
	if extra == 0 {
		extra = defaultExtra
	}
	extra = max(extra, 0)
	every := ts.CheckEvery
	if every <= 0 {
		every = defaultCheckEvery
	}
	ncap := ts.Cache
	if ncap == 0 {
		ncap = defaultCache
	}
	ncap = min(max(ncap, 0), p)
	if tr.rr == nil || s.Rand != nil {
		tr.rr = tr.rng.get(s.Rand, false)
	}
	nw := s.Top + s.Bottom
	if L := ts.periods(); p != tr.p || nw != tr.nw || ncap != tr.ncap || len(tr.hist) != 2*L {
		tr.p, tr.nw, tr.ncap = p, nw, ncap
		tr.hist = make([]snapshot, 2*L)
		for i := range tr.hist {
			tr.hist[i] = snapshot{vec: make([]float64, nw*p), val: make([]float64, nw), end: make([]int8, nw)}
		}
		tr.caches = make([]specCache, L+1)
		for i := range tr.caches {
			tr.caches[i] = newSpecCache(ncap, p)
		}
		tr.tmp = newSpecCache(ncap, p)
		tr.count, tr.lag = 0, 0
	}
	e := &tr.eng
	e.useKernel(s.Kernel)
	e.ensure(p, mmax)
	e.reset(op, tr.rr, s.MaxHVPs)
	e.ctx = ctx
	e.prec, e.merge = nil, nil
	tr.merger.w.ensure(ncap + mmax)
	if len(e.pc) < 2*ncap {
		e.pc = make([]float64, 2*ncap)
	}

	cold := tr.count == 0
	var from *snapshot    // the estimate the warm start comes from
	var parent *specCache // and its cache
	if !cold {
		lag := tr.lag
		if tr.back(lag) == nil {
			lag = 1
		}
		from, parent = tr.back(lag), tr.cacheBack(lag)
		if err := tr.warmBlock(e, mmax, lag); err != nil {
			return Result{HVPs: e.hvps}, err
		}
		poor, err := tr.poorStart(e, from, s)
		if err != nil {
			return Result{HVPs: e.hvps}, err
		}
		if poor {
			cold, parent = true, nil
			e.na, e.nl = 0, 0
		}
		e.prec = parent
	}
	if cold {
		gaussian(e.rng, e.x)
		floats.Scale(1/e.norm(e.x), e.x)
		e.phase(true)
		if err := e.addVector(e.x, true); err != nil {
			return Result{HVPs: e.hvps}, err
		}
	}
	ok, reason, err := e.converge(s.Top, s.Bottom, s.Tol)
	if err != nil {
		return Result{HVPs: e.hvps}, err
	}
	if ok && !cold && parent != nil && extra > 0 {
		if ok, reason, err = tr.assure(e, parent, s, extra); err != nil {
			return Result{HVPs: e.hvps}, err
		}
	}
	var check bool
	switch s.Check {
	case CheckAlways:
		check = true
	case CheckAuto:
		if cold {
			check = wantCheck(e, s)
		} else {
			check = from.since+1 >= every || e.restarts > 0 || tr.jumped(e, from, s.Top, s.Bottom) || tr.escaped(e, s.Top, s.Bottom)
		}
	}
	e.prec = nil
	if cur := tr.cacheBack(0); cur != nil {
		ct, cb := tr.cacheEnds(s)
		e.cacheMerge(&tr.merger.w, cur, parent, ct, cb)
		tr.merger.dst, tr.merger.tmp, tr.merger.top, tr.merger.bot = cur, &tr.tmp, ct, cb
		e.merge = &tr.merger
	}
	ok, reason, err = e.lockAndCheck(s, ok, check, reason, extra)
	e.merge = nil
	if err != nil {
		return Result{HVPs: e.hvps}, err
	}
	since := 0 // estimates of the sequence since its last check
	if !cold && e.checks == 0 {
		since = from.since + 1
	}
	res, err := finish(e, &tr.out, s, ok, reason, "Tracker")
	res.Cold = cold
	if cold {
		from = nil
	}
	tr.keep(res, from, since)
	return res, err
}

// cacheEnds splits the cache rows between the ends with wanted pairs.
func (tr *Tracker) cacheEnds(s Settings) (top, bot int) {
	switch {
	case s.Top > 0 && s.Bottom > 0:
		top = max(tr.ncap/2, min(s.Top, tr.ncap))
		return top, tr.ncap - top
	case s.Top > 0:
		return tr.ncap, 0
	}
	return 0, tr.ncap
}

// warmBlock fills the active space with the carried vectors: the wanted
// vectors of the estimate one period back, then those of the estimate two
// periods back (their difference is the direction of drift).
func (tr *Tracker) warmBlock(e *engine, mmax, lag int) error {
	p := tr.p
	e.phase(false)
	limit := mmax // leave room for one expansion before a restart
	if mmax < p {
		limit--
	}
	for _, src := range [2]*snapshot{tr.back(lag), tr.back(2 * lag)} {
		if src == nil {
			continue
		}
		for i := 0; i < src.n && e.na < limit; i++ {
			x := e.x
			copy(x, src.row(i, p))
			before, after, noise := e.orthogonalize(x, e.na, e.c1)
			if e.negligible(before, after, noise) {
				continue
			}
			floats.Scale(1/after, x)
			if err := e.addVector(x, false); err != nil {
				return err
			}
		}
	}
	if e.na == 0 {
		e.fresh(e.x)
		if err := e.addVector(e.x, false); err != nil {
			return err
		}
	}
	tr.nblock = e.na
	return nil
}

// poorStart reports whether the warm block is a poor start: a wanted Ritz
// pair further than poorStart (relative residual) from convergence, or a
// wanted value that jumped (see jumped) from the estimate the block comes
// from. The spectral cache of that estimate is then no model of the new
// operator either.
func (tr *Tracker) poorStart(e *engine, from *snapshot, s Settings) (bool, error) {
	if err := e.ritz(); err != nil {
		return false, err
	}
	_, _, worst := e.check(s.Top, s.Bottom, s.Tol)
	return worst > poorStart || tr.jumped(e, from, s.Top, s.Bottom), nil
}

// assure makes the active space contain the cached eigenvectors of the
// Extra pairs next to the wanted ones at each end (the rows of the cache
// that follow the wanted ones): each with more than assureOutside of its
// squared norm outside the space is added to it, and the solve continues.
// An eigenvalue of those pairs that rose past a wanted one is then seen by
// the Rayleigh–Ritz step even when the operator moved exactly along its
// eigenvectors (a crossing that leaves every residual zero).
func (tr *Tracker) assure(e *engine, c *specCache, s Settings, extra int) (bool, string, error) {
	p := tr.p
	for round := 0; round < 2; round++ {
		added := false
		for _, end := range [2]int8{+1, -1} {
			from, to, nw := 0, c.nTop, s.Top
			if end < 0 {
				from, to, nw = c.nTop, c.n, s.Bottom
			}
			if nw == 0 {
				continue
			}
			for k := from + nw; k < min(from+nw+extra, to); k++ {
				if e.nl+e.na >= min(e.mmax, p) {
					break
				}
				x := e.x
				copy(x, c.z[k*p:(k+1)*p])
				before, after, noise := e.orthogonalize(x, e.nl+e.na, e.c1)
				if after*after <= assureOutside*before*before || e.negligible(before, after, noise) {
					continue
				}
				floats.Scale(1/after, x)
				if err := e.addVector(x, false); err != nil {
					return false, "", err
				}
				added = true
			}
		}
		if !added {
			return true, "", nil
		}
		ok, reason, err := e.converge(s.Top, s.Bottom, s.Tol)
		if err != nil || !ok {
			return ok, reason, err
		}
	}
	return true, "", nil
}

// jumpFraction is the change of a wanted value, relative to the norm
// estimate, beyond which the tracker no longer trusts its warm start.
const jumpFraction = 0.1

// jumped reports whether a wanted Ritz value moved by more than
// jumpFraction·‖H‖ (‖H‖: the largest norm estimate of the sequence) since
// the estimate the warm start came from: the
// operator changed a lot (a loss spike or catapult in GD, or an unrelated
// operator), so the tracked vectors may no longer cover the wanted
// eigenvectors.
func (tr *Tracker) jumped(e *engine, from *snapshot, top, bot int) bool {
	lim := jumpFraction * math.Max(e.normEst, from.norm)
	kt, kb := 0, 0
	for i := 0; i < from.n; i++ {
		var th float64
		switch {
		case from.end[i] > 0 && kt < min(top, e.na):
			th = e.theta[e.na-1-kt]
			kt++
		case from.end[i] < 0 && kb < min(bot, e.na):
			th = e.theta[kb]
			kb++
		default:
			continue
		}
		if math.Abs(th-from.val[i]) > lim {
			return true
		}
	}
	return false
}

// escaped reports whether the new extreme Ritz vector at a wanted end has
// less than half of its squared norm in the span of the warm block: the
// spectrum moved more than the warm start can vouch for.
func (tr *Tracker) escaped(e *engine, top, bot int) bool {
	for _, end := range [2]int8{+1, -1} {
		if (end > 0 && top == 0) || (end < 0 && bot == 0) {
			continue
		}
		i := e.na - 1
		if end < 0 {
			i = 0
		}
		var in float64
		for j := 0; j < tr.nblock; j++ {
			c := e.s[j*e.mmax+i]
			in += c * c
		}
		if in < 0.5 {
			return true
		}
	}
	return false
}

// keep stores the returned eigenpairs as the snapshot of this estimate and
// detects the period of the sequence: the earlier estimate (one to periods
// calls back) whose vectors the new ones overlap most.
func (tr *Tracker) keep(res Result, from *snapshot, since int) {
	p := tr.p
	c := &tr.hist[tr.count%len(tr.hist)]
	c.since, c.norm = since, res.Norm
	if from != nil {
		c.norm = math.Max(c.norm, from.norm)
	}
	k := 0
	for _, pr := range [2]struct {
		pairs Pairs
		end   int8
	}{{res.Top, +1}, {res.Bottom, -1}} {
		for j := range pr.pairs.Values {
			mat.Col(c.row(k, p), j, pr.pairs.Vectors)
			c.val[k], c.end[k] = pr.pairs.Values[j], pr.end
			k++
		}
	}
	c.n = k
	L := len(tr.caches) - 1        // the periods recognised
	var ov [maxPeriods + 1]float64 // ov[j]: overlap with the estimate j calls back
	for j := 1; j <= L; j++ {
		b := tr.back(j)
		if b == nil {
			break
		}
		for a := 0; a < c.n; a++ {
			for bb := 0; bb < b.n; bb++ {
				d := dot(c.row(a, p), b.row(bb, p))
				ov[j] += d * d
			}
		}
	}
	// The period changes only on clear evidence: another distance whose
	// estimate holds most of the new vectors, and clearly more of them
	// than the current period's. Equal overlaps (an operator that barely
	// moved: both earlier estimates found the same vectors) and small
	// ones (the spectrum rotated, or an eigenvalue crossed in from
	// outside) differ only by rounding, which must not decide the period:
	// a plain sequence taken for two interleaved ones would count its
	// estimates since the last deflation check at half the rate and
	// double the delay before a crossing is caught.
	lag := max(tr.lag, 1)
	n := float64(c.n)
	for j := 1; j <= L; j++ {
		if j != lag && ov[j] >= periodEvidence*n && ov[j] > ov[lag]+periodMargin*n {
			lag = j
		}
	}
	tr.lag = lag
	tr.count++
}

// periodEvidence and periodMargin are the overlaps (fractions of the
// squared norm of the new vectors) on which keep changes the period of the
// sequence: the new period's estimate must hold at least periodEvidence of
// it, and periodMargin more than the current period's. Rounding moves
// these overlaps by far less than periodMargin; the iterates and centres
// of an Edge-of-Stability run (teacher-eos) differ by 0.1–0.6.
const (
	periodEvidence = 0.5
	periodMargin   = 0.1
)
