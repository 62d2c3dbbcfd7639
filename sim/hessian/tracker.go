package hessian

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim"
)

// TrackerSettings configure a Tracker.
type TrackerSettings struct {
	// Settings as for LanczosSolver (Start is ignored). Check means:
	// CheckAuto, a deflation check every CheckEvery estimates and whenever
	// the warm solve looks unreliable; CheckAlways, at every estimate;
	// CheckNever, none (then an eigenvalue that rises into the wanted set
	// from outside the tracked vectors can be missed indefinitely).
	Settings
	// Extra is the number of Ritz vectors carried beyond the wanted ones at
	// each end, so that a crossing between the k-th and the next Extra
	// eigenvalues is seen at once, and the rotation of the eigenvectors
	// within a cluster of eigenvalues costs no Krylov steps. Default 2; a
	// negative value means none.
	Extra int
	// CheckEvery is the period, in estimates, of the deflation check under
	// CheckAuto. Default 20.
	CheckEvery int
}

// Tracker estimates extreme eigenpairs of a slowly changing sequence of
// operators, such as the Hessians along a GD run, reusing what it learnt at
// the previous call.
//
// The first call (and any call after the dimension changes, or after Reset)
// is a cold LanczosSolver solve. Later calls start from a block of carried
// vectors, orthonormalised: the previous wanted eigenvectors, Extra
// neighbouring Ritz vectors per end (they absorb the rotation of the
// eigenvectors within a cluster of close eigenvalues, which a Krylov space
// resolves only slowly) and the wanted eigenvectors of the call before (so
// that the block contains the direction in which the eigenvectors drift,
// u(t−1) − u(t−2): the Rayleigh–Ritz step then extrapolates along a smooth
// path, much as LOBPCG's previous-direction term does within one solve).
// Each carried vector costs one HVP; then Davidson steps add the residual of
// the wanted pair furthest from convergence (from a single vector this
// would be Lanczos) until every wanted pair meets Tol.
//
// Safeguard. A warm block only sees eigenvalues whose eigenvectors it
// overlaps, so an eigenvalue that rises into the wanted set from outside the
// tracked vectors (a crossing, common at the Edge of Stability) would be
// missed. Crossings among the tracked vectors are resolved by the
// Rayleigh–Ritz step itself; the others are caught by a deflation check (see
// LanczosSolver): the converged vectors are locked and a fresh random
// Krylov sequence on the deflated operator looks for anything beyond the
// k-th value. Under CheckAuto it runs every CheckEvery estimates, and also
// when the new extreme vector lies mostly outside the previously tracked
// subspace, when a wanted value moved by more than a tenth of the norm
// estimate, or when the warm solve needed a restart. Between checks, an
// eigenvalue rising from outside the tracked vectors can be missed for up to
// CheckEvery−1 estimates; CheckAlways removes that lag at the price of about
// one cold single-pair solve per estimate.
//
// Cost, measured on the Python anchors' Edge-of-Stability run (two-layer
// tanh network, m = 512, η = 862, sharpness every 10 GD steps, Tol 1e-6;
// see benchmarks/hessian_test.go): 14 HVPs per estimate over the whole run,
// checks included, against 49 for cold Lanczos solves and 57 for ARPACK.
//
// The tracker reuses its workspace and does not allocate in steady state.
// It is not safe for concurrent use.
type Tracker struct {
	// Settings are read at every Estimate.
	Settings TrackerSettings

	eng        engine
	rng        seeded
	rr         *rand.Rand
	out        outPairs
	p          int
	prev, next []float64 // rows of carried vectors
	prevEnd    []int8
	nextEnd    []int8
	nprev      int
	nnext      int
	since      int
	prevTop    []float64 // previous wanted values, most extreme first
	prevBot    []float64
}

// NewTracker returns a tracker with the given settings.
func NewTracker(s TrackerSettings) *Tracker { return &Tracker{Settings: s} }

// Reset forgets the carried vectors, so the next estimate is cold.
func (tr *Tracker) Reset() { tr.nprev = 0 }

// Estimate implements Estimator. Each call takes the operator at the new
// point; the result aliases the tracker's workspace until the next call.
func (tr *Tracker) Estimate(op sim.Operator) (Result, error) {
	p := op.Dim()
	s, mmax := tr.Settings.Settings.resolved(p, "Tracker")
	extra := tr.Settings.Extra
	if extra == 0 {
		extra = 2
	}
	extra = max(extra, 0)
	every := tr.Settings.CheckEvery
	if every <= 0 {
		every = 20
	}
	if tr.rr == nil || s.Rand != nil {
		tr.rr = tr.rng.get(s.Rand, false)
	}
	nrows := 2*(s.Top+s.Bottom) + 2*extra
	if p != tr.p || len(tr.prevEnd) != nrows {
		tr.p = p
		tr.prev, tr.next = make([]float64, nrows*p), make([]float64, nrows*p)
		tr.prevEnd, tr.nextEnd = make([]int8, nrows), make([]int8, nrows)
		tr.nprev = 0
	}
	e := &tr.eng
	e.ensure(p, mmax)
	e.reset(op, tr.rr, s.MaxHVPs)

	cold := tr.nprev == 0
	if cold {
		gaussian(e.rng, e.x)
		floats.Scale(1/nrm2(e.x), e.x)
		e.phase(true)
		if err := e.addVector(e.x, true); err != nil {
			return Result{HVPs: e.hvps}, err
		}
	} else {
		e.phase(false)
		limit := mmax // leave room for one expansion before a restart
		if mmax < p {
			limit--
		}
		for i := 0; i < tr.nprev && e.na < limit; i++ {
			x := e.x
			copy(x, tr.prev[i*p:(i+1)*p])
			before, after, noise := e.orthogonalize(x, e.na, e.c1)
			if e.negligible(before, after, noise) {
				continue
			}
			floats.Scale(1/after, x)
			if err := e.addVector(x, false); err != nil {
				return Result{HVPs: e.hvps}, err
			}
		}
		if e.na == 0 {
			e.fresh(e.x)
			if err := e.addVector(e.x, false); err != nil {
				return Result{HVPs: e.hvps}, err
			}
		}
	}
	ok, reason, err := e.converge(s.Top, s.Bottom, s.Tol)
	if err != nil {
		return Result{HVPs: e.hvps}, err
	}
	var check bool
	switch s.Check {
	case CheckAlways:
		check = true
	case CheckAuto:
		if cold {
			check = wantCheck(e, s)
		} else {
			check = tr.since+1 >= every || e.restarts > 0 || tr.jumped(e, s.Top, s.Bottom) || tr.escaped(e, s.Top, s.Bottom)
		}
	}
	tr.keepExtras(e, s.Top, s.Bottom, extra)
	tr.keepHistory(s.Top + s.Bottom)
	nbr := 0
	if ok && check {
		nbr = extra
	}
	e.lockWanted(s.Top, s.Bottom, nbr)
	if ok && check {
		ok, reason, err = e.verify(s.Top, s.Bottom, s.Tol, s.Top > 0, s.Bottom > 0)
		if err != nil {
			return Result{HVPs: e.hvps}, err
		}
	}
	if check || cold {
		tr.since = 0
	} else {
		tr.since++
	}
	res, err := finish(e, &tr.out, s, ok, reason, "Tracker")
	res.Cold = cold
	tr.keepWanted(res)
	tr.prevTop = append(tr.prevTop[:0], res.Top.Values...)
	tr.prevBot = append(tr.prevBot[:0], res.Bottom.Values...)
	return res, err
}

// jumpFraction is the change of a wanted value, relative to the norm
// estimate, beyond which the tracker no longer trusts its warm start.
const jumpFraction = 0.1

// jumped reports whether a wanted Ritz value moved by more than
// jumpFraction·‖H‖ since the previous estimate: the operator changed a lot
// (a loss spike or catapult in GD, or an unrelated operator), so the
// tracked vectors may no longer cover the wanted eigenvectors.
func (tr *Tracker) jumped(e *engine, top, bot int) bool {
	lim := jumpFraction * e.normEst
	for k, v := range tr.prevTop {
		if k < min(top, e.na) && math.Abs(e.theta[e.na-1-k]-v) > lim {
			return true
		}
	}
	for k, v := range tr.prevBot {
		if k < min(bot, e.na) && math.Abs(e.theta[k]-v) > lim {
			return true
		}
	}
	return false
}

// escaped reports whether the new extreme Ritz vector at a wanted end has
// less than half of its squared norm in the span of the vectors carried for
// that end: the spectrum moved more than the warm start can vouch for.
func (tr *Tracker) escaped(e *engine, top, bot int) bool {
	for _, end := range [2]int8{+1, -1} {
		if (end > 0 && top == 0) || (end < 0 && bot == 0) {
			continue
		}
		i := e.na - 1
		if end < 0 {
			i = 0
		}
		e.ritzVector(i, e.y, e.z)
		ny := nrm2(e.y)
		var in float64
		for k := 0; k < tr.nprev; k++ {
			if tr.prevEnd[k] == end {
				c := dot(e.y, tr.prev[k*tr.p:(k+1)*tr.p]) / ny
				in += c * c
			}
		}
		if in < 0.5 {
			return true
		}
	}
	return false
}

// keepExtras stores the Ritz vectors next to the wanted ones (before they
// are locked) as the first rows of the next carried set.
func (tr *Tracker) keepExtras(e *engine, top, bot, extra int) {
	tr.nnext = 0
	nt := min(top, e.na)
	nb := min(bot, e.na-nt)
	free := e.na - nt - nb
	for _, end := range [2]int8{+1, -1} {
		if (end > 0 && top == 0) || (end < 0 && bot == 0) {
			continue
		}
		for k := 0; k < extra && free > 0; k++ {
			i := e.na - 1 - nt - k
			if end < 0 {
				i = nb + k
			}
			e.ritzVector(i, e.y, e.z)
			row := tr.next[tr.nnext*tr.p : (tr.nnext+1)*tr.p]
			floats.ScaleTo(row, 1/nrm2(e.y), e.y)
			tr.nextEnd[tr.nnext] = end
			tr.nnext++
			free--
		}
	}
}

// keepHistory appends the previous wanted vectors (the first rows of prev)
// to the next carried set.
func (tr *Tracker) keepHistory(nw int) {
	p := tr.p
	n := min(nw, tr.nprev)
	for k := 0; k < n; k++ {
		copy(tr.next[tr.nnext*p:(tr.nnext+1)*p], tr.prev[k*p:(k+1)*p])
		tr.nextEnd[tr.nnext] = 2
		tr.nnext++
	}
}

// keepWanted appends the returned eigenvectors to the next carried set and
// makes it current. The wanted vectors go first so that they are projected
// first at the next warm start.
func (tr *Tracker) keepWanted(res Result) {
	p := tr.p
	nx := tr.nnext
	// Move the extras behind the wanted vectors.
	nw := len(res.Top.Values) + len(res.Bottom.Values)
	copy(tr.next[nw*p:(nw+nx)*p], tr.next[:nx*p])
	copy(tr.nextEnd[nw:nw+nx], tr.nextEnd[:nx])
	k := 0
	for _, pr := range [2]struct {
		pairs Pairs
		end   int8
	}{{res.Top, +1}, {res.Bottom, -1}} {
		for j := range pr.pairs.Values {
			mat.Col(tr.next[k*p:(k+1)*p], j, pr.pairs.Vectors)
			tr.nextEnd[k] = pr.end
			k++
		}
	}
	tr.nnext = nw + nx
	tr.prev, tr.next = tr.next, tr.prev
	tr.prevEnd, tr.nextEnd = tr.nextEnd, tr.prevEnd
	tr.nprev = tr.nnext
}
