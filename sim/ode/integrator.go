package ode

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Integrator integrates a Problem step by step. It owns every buffer it
// needs: Init allocates them only when the dimension changes, and Init,
// Step, Until, Interpolate and Run do not allocate, except to grow the
// Solution's storage beyond the capacity a previous integration left (saved
// points, event records).
//
// The Problem's slices and the Options (SaveAt.Times, Events) are used, not
// copied, until the next Init: do not modify them in between. An Integrator
// is not safe for concurrent use.
type Integrator struct {
	m *RK
	n int

	f      Func
	t0, t1 float64
	dir    float64 // +1 forwards, −1 backwards

	fixed    bool
	hFixed   float64 // |H|
	kFixed   int     // fixed steps taken: the last ended at t0 + dir·kFixed·hFixed
	pi       PI
	hmax     float64
	maxSteps int

	t, tPrev  float64 // current time; start of the last accepted step
	tStepEnd  float64 // end of the last accepted step (t, unless a terminal event cut it)
	hLast     float64 // signed size of the last accepted step
	hNext     float64 // signed size of the next attempt (PI)
	errPrev   float64
	rejected  bool // the last attempt was rejected
	attempts  int
	nonFinite bool // the last attempt produced a non-finite value

	y, yPrev, ynew, ytmp, yout []float64
	ebuf, e2buf                []float64
	k                          [][]float64   // stage derivatives
	rowK                       [][][]float64 // per stage, the k of its non-zero couplings
	bK, eK, e2K, denseK        [][]float64
	denseW, basis              []float64

	k1Valid    bool // k[0] = f(t, y)
	nextValid  bool // k[next] = f(tStepEnd, y(tStepEnd))
	stepValid  bool // the stages of [tPrev, tStepEnd] are intact (dense output available)
	denseReady bool // the extra dense stages of that step are computed

	save      SaveAt
	saveAll   bool // SaveAt is zero: output only the final point
	saveIdx   int
	lastSaved float64
	anySaved  bool

	events []Event
	gPrev  []float64
	cands  []eventCand
	evIdx  int                     // event being located
	evFunc func(t float64) float64 // it.eventValue, bound once

	sol   Solution
	stats Stats
	done  bool
	err   error
}

type eventCand struct {
	ev     int
	t      float64
	rising bool
}

// NewIntegrator returns an integrator for method m. Call Init before
// stepping.
func NewIntegrator(m Method) *Integrator {
	if m == nil {
		panic("ode: nil method")
	}
	it := &Integrator{m: m.explicitRK()}
	it.evFunc = it.eventValue
	return it
}

// alloc sizes the buffers for dimension n, reusing them when they fit.
func (it *Integrator) alloc(n int) {
	if it.k != nil && it.n == n {
		return
	}
	it.n = n
	m := it.m
	s := len(m.tab.C)
	vec := func() []float64 { return make([]float64, n) }
	it.y, it.yPrev, it.ynew, it.ytmp, it.yout = vec(), vec(), vec(), vec(), vec()
	it.ebuf, it.e2buf = vec(), vec()
	block := make([]float64, s*n)
	it.k = make([][]float64, s)
	for i := range it.k {
		it.k[i] = block[i*n : (i+1)*n : (i+1)*n]
	}
	views := func(idx []int) [][]float64 {
		v := make([][]float64, len(idx))
		for j, i := range idx {
			v[j] = it.k[i]
		}
		return v
	}
	it.rowK = make([][][]float64, s)
	for i, r := range m.rows {
		it.rowK[i] = views(r.idx)
	}
	it.bK, it.eK, it.e2K = views(m.b.idx), views(m.e.idx), views(m.e2.idx)
	it.denseK = views(m.denseIdx)
	it.denseW = make([]float64, len(m.denseIdx))
	it.basis = make([]float64, len(m.tab.Dense))
}

// Init prepares the integration of p with controller c and options opts. It
// evaluates f(T0, Y0) (and, for PI without InitialStep, one more evaluation
// for the initial step size), the event functions at T0, and outputs the
// points due at T0. It returns an error for invalid settings. The Solution
// of a previous integration is reset (its storage is reused).
func (it *Integrator) Init(p Problem, c Controller, opts Options) error {
	it.err = nil
	it.done = false
	it.stats = Stats{}
	it.sol.T = it.sol.T[:0]
	it.sol.Y = it.sol.Y[:0]
	it.sol.Events = it.sol.Events[:0]
	it.sol.Terminated = false
	it.sol.Stats = Stats{}
	if err := p.check(); err != nil {
		it.err = err
		return err
	}
	it.alloc(len(p.Y0))
	it.sol.Dim = it.n
	it.f = p.F
	it.t0, it.t1 = p.T0, p.T1
	it.dir = 1
	if p.T1 < p.T0 {
		it.dir = -1
	}
	it.maxSteps = opts.MaxSteps
	if it.maxSteps <= 0 {
		it.maxSteps = defaultMaxSteps
	}

	var err error
	switch c := c.(type) {
	case Fixed:
		if !(c.H > 0) || math.IsInf(c.H, 0) {
			err = fmt.Errorf("ode: fixed step %g must be positive and finite", c.H)
		}
		it.fixed, it.hFixed, it.kFixed = true, c.H, 0
	case PI:
		it.fixed = false
		it.pi, err = c.resolve(it.m)
		it.hmax = c.MaxStep
		if it.hmax == 0 {
			it.hmax = math.Abs(p.T1 - p.T0)
		}
	default:
		// (c is not formatted into the message: that would make every
		// controller passed to Init escape to the heap.)
		err = errors.New("ode: nil or unsupported controller")
	}
	if err == nil {
		err = it.initSave(opts.SaveAt)
	}
	if err == nil {
		err = it.initEvents(opts.Events)
	}
	if err != nil {
		it.err = err
		return err
	}

	copy(it.y, p.Y0)
	it.t, it.tPrev, it.tStepEnd, it.hLast = p.T0, p.T0, p.T0, 0
	it.attempts, it.rejected, it.nonFinite = 0, false, false
	it.errPrev = 1e-4
	it.k1Valid, it.nextValid, it.stepValid, it.denseReady = false, false, false, false
	if err := it.ensureK1(); err != nil {
		it.err = err
		return err
	}
	if !it.fixed {
		if it.pi.InitialStep > 0 {
			it.hNext = it.dir * math.Min(it.pi.InitialStep, it.hmax)
		} else {
			it.hNext = it.dir * hinit(it.f, it.t, it.dir, it.y, it.k[0], it.ytmp, it.yout, it.m.tab.Order, it.pi, it.hmax)
			it.stats.Evals++
		}
	}
	for i, ev := range it.events {
		it.gPrev[i] = ev.G(it.t, it.y)
		it.stats.EventEvals++
	}
	if it.t == it.t1 {
		it.done = true
	}
	if err := it.output(it.t); err != nil {
		it.err = err
		return err
	}
	return nil
}

func (it *Integrator) initSave(s SaveAt) error {
	if len(s.Times) > 0 && s.Every != 0 {
		return errors.New("ode: SaveAt.Times and SaveAt.Every are exclusive")
	}
	if s.Every != 0 && (!(s.Every > 0) || math.IsInf(s.Every, 0)) {
		return fmt.Errorf("ode: SaveAt.Every = %g must be positive and finite", s.Every)
	}
	prev := it.t0
	for i, t := range s.Times {
		if math.IsNaN(t) || it.dir*(t-prev) < 0 || it.dir*(t-it.t1) > 0 {
			return fmt.Errorf("ode: SaveAt.Times[%d] = %g is outside [%g, %g] or out of order", i, t, it.t0, it.t1)
		}
		prev = t
	}
	it.save = s
	it.saveAll = len(s.Times) == 0 && s.Every == 0 && !s.Steps
	it.saveIdx = 0
	it.anySaved = false
	return nil
}

func (it *Integrator) initEvents(evs []Event) error {
	for i, ev := range evs {
		switch {
		case ev.G == nil:
			return fmt.Errorf("ode: event %d has no function", i)
		case ev.Direction < -1 || ev.Direction > 1:
			return fmt.Errorf("ode: event %d: direction %d not in {−1, 0, 1}", i, ev.Direction)
		case !(ev.Tol >= 0) || math.IsInf(ev.Tol, 0):
			return fmt.Errorf("ode: event %d: tolerance %g must be finite and non-negative", i, ev.Tol)
		}
	}
	it.events = evs
	if cap(it.gPrev) < len(evs) {
		it.gPrev = make([]float64, len(evs))
		it.cands = make([]eventCand, 0, len(evs))
	}
	it.gPrev = it.gPrev[:len(evs)]
	return nil
}

// T returns the current time.
func (it *Integrator) T() float64 { return it.t }

// Y returns the current state, a view that the next Step overwrites; do not
// modify it.
func (it *Integrator) Y() []float64 { return it.y }

// Done reports whether the integration has reached T1 or a terminal event.
func (it *Integrator) Done() bool { return it.done }

// Stats returns the work done so far.
func (it *Integrator) Stats() Stats { return it.stats }

// Solution returns the output so far. It is owned by the integrator and is
// reset by the next Init.
func (it *Integrator) Solution() *Solution {
	it.sol.Stats = it.stats
	return &it.sol
}

// Run steps to the end of the interval (or a terminal event).
func (it *Integrator) Run() error {
	for !it.done {
		if err := it.Step(); err != nil {
			return err
		}
	}
	return it.err
}

// Step takes one accepted step (rejected attempts included), then locates
// the events and outputs the points of that step. After the end it does
// nothing; after an error it returns the same error.
func (it *Integrator) Step() error {
	if it.err != nil {
		return it.err
	}
	if it.done {
		return nil
	}
	var err error
	if it.fixed {
		err = it.stepFixed()
	} else {
		err = it.stepPI()
	}
	if err == nil {
		if len(it.events) > 0 {
			it.detectEvents()
		}
		err = it.output(it.t)
	}
	if err != nil {
		it.err = err
	}
	return err
}

// Until advances the integration until its last step covers t and writes
// y(t) into dst (by dense output between step endpoints, so the steps are
// those the controller chose). t must not precede the start of the last
// step. It returns an error wrapping ErrTerminated when a terminal event
// ended the integration before t.
func (it *Integrator) Until(t float64, dst []float64) error {
	return it.UntilContext(context.Background(), t, dst)
}

// UntilContext is Until, checking ctx before every step: once ctx is done it
// returns an error wrapping ctx.Err(), and the integrator stays where it
// was (a later call may go on). Long integrations (flows between samples far
// apart, stiff problems) use it so that a cancellation is seen within one
// step.
func (it *Integrator) UntilContext(ctx context.Context, t float64, dst []float64) error {
	if len(dst) != it.n {
		panic(fmt.Sprintf("ode: Until: len(dst) = %d, want %d", len(dst), it.n))
	}
	if it.err != nil {
		return it.err
	}
	if it.dir*(t-it.t1) > 0 {
		if math.Abs(t-it.t1) > 8*eps*math.Max(math.Abs(it.t0), math.Abs(it.t1)) {
			return fmt.Errorf("ode: Until(%g) is beyond T1 = %g", t, it.t1)
		}
		t = it.t1
	}
	if math.IsNaN(t) || it.dir*(t-it.tPrev) < 0 {
		return fmt.Errorf("ode: Until(%g) precedes the last step [%g, %g]", t, it.tPrev, it.t)
	}
	done := ctx.Done()
	for it.dir*(t-it.t) > 0 {
		if it.done {
			return fmt.Errorf("ode: y(%g) unavailable: %w at t = %g", t, ErrTerminated, it.t)
		}
		select {
		case <-done:
			return fmt.Errorf("ode: stopped at t = %g: %w", it.t, ctx.Err())
		default:
		}
		if err := it.Step(); err != nil {
			return err
		}
	}
	if t == it.t {
		copy(dst, it.y)
	} else {
		it.Interpolate(t, dst)
	}
	return nil
}

// Interpolate writes the dense output at t into dst. t must lie in the last
// accepted step (from its start to the current time). Methods whose dense
// output needs extra stages evaluate them here, once per step.
func (it *Integrator) Interpolate(t float64, dst []float64) {
	if len(dst) != it.n {
		panic(fmt.Sprintf("ode: Interpolate: len(dst) = %d, want %d", len(dst), it.n))
	}
	if t == it.t {
		copy(dst, it.y)
		return
	}
	if !it.stepValid || it.dir*(t-it.tPrev) < 0 || it.dir*(t-it.t) > 0 {
		panic(fmt.Sprintf("ode: Interpolate(%g) outside the last step [%g, %g]", t, it.tPrev, it.t))
	}
	it.interpolate(t, dst)
}

func (it *Integrator) interpolate(t float64, dst []float64) {
	it.ensureDense()
	theta := (t - it.tPrev) / it.hLast
	basis := it.basis
	DenseBasis(theta, basis)
	for j, col := range it.m.denseCol {
		var w float64
		for k, c := range col {
			w += c * basis[k]
		}
		it.denseW[j] = w
	}
	lincomb(dst, it.yPrev, it.hLast, it.denseW, it.denseK)
}

// ensureK1 makes k[0] = f(t, y), reusing f(t+h, y₁) of an FSAL method.
func (it *Integrator) ensureK1() error {
	if it.k1Valid {
		return nil
	}
	if it.nextValid {
		copy(it.k[0], it.k[it.m.next])
	} else {
		it.f(it.t, it.y, it.k[0])
		it.stats.Evals++
	}
	it.k1Valid = true
	if !allFinite(it.k[0]) {
		return fmt.Errorf("ode: f(t, y) at t = %g: %w", it.t, ErrNonFinite)
	}
	return nil
}

// ensureDense evaluates the stages only the dense output needs.
func (it *Integrator) ensureDense() {
	if it.denseReady {
		return
	}
	m := it.m
	h := it.hLast
	for i := m.stepStages; i < m.denseMax; i++ {
		if i == m.next {
			if !it.nextValid {
				// The final step: f(t+h, y₁) was not needed for a next step.
				// (A terminal event cuts a step only after its dense
				// output is ready, so y is still y₁ here.)
				it.f(it.tStepEnd, it.y, it.k[i])
				it.stats.Evals++
				it.nextValid = true
			}
			continue
		}
		lincomb(it.ytmp, it.yPrev, h, m.rows[i].w, it.rowK[i])
		it.f(it.stageTime(it.tPrev, h, it.tStepEnd, m.tab.C[i]), it.ytmp, it.k[i])
		it.stats.Evals++
		it.stats.DenseEvals++
	}
	it.denseReady = true
}

func (it *Integrator) stageTime(t, h, tnew, c float64) float64 {
	if c == 1 {
		return tnew
	}
	return t + c*h
}

// attempt computes the stages of a step of size h from (t, y) to tnew, the
// new state in ynew and, when needErr, the error norm. ok is false when the
// new state or the error is not finite.
func (it *Integrator) attempt(h, tnew float64, needErr bool) (errNorm float64, ok bool) {
	m := it.m
	it.stepValid = false
	done := false
	for i := 1; i < m.stepStages; i++ {
		if i == m.next {
			lincomb(it.ynew, it.y, h, m.b.w, it.bK)
			done = true
			it.f(tnew, it.ynew, it.k[i])
		} else {
			lincomb(it.ytmp, it.y, h, m.rows[i].w, it.rowK[i])
			it.f(it.stageTime(it.t, h, tnew, m.tab.C[i]), it.ytmp, it.k[i])
		}
		it.stats.Evals++
	}
	if !done {
		lincomb(it.ynew, it.y, h, m.b.w, it.bK)
	}
	if !allFinite(it.ynew) {
		return 0, false
	}
	if !needErr {
		return 0, true
	}
	errNorm = it.errorNorm(h)
	return errNorm, !math.IsNaN(errNorm)
}

// errorNorm returns the scaled RMS norm of the error estimate (Hairer's
// combination of the two estimators when the method has E2).
func (it *Integrator) errorNorm(h float64) float64 {
	m := it.m
	weightedSum(it.ebuf, m.e.w, it.eK)
	atol, rtol := it.pi.ATol, it.pi.RTol
	y, ynew, e := it.y, it.ynew[:len(it.y)], it.ebuf[:len(it.y)]
	n := float64(len(y))
	ah := math.Abs(h)
	if m.e2.idx == nil {
		var s float64
		for i, yi := range y {
			sk := atol + rtol*math.Max(math.Abs(yi), math.Abs(ynew[i]))
			a := e[i] / sk
			s += a * a
		}
		return ah * math.Sqrt(s/n)
	}
	weightedSum(it.e2buf, m.e2.w, it.e2K)
	e2 := it.e2buf[:len(y)]
	var s1, s2 float64
	for i, yi := range y {
		sk := atol + rtol*math.Max(math.Abs(yi), math.Abs(ynew[i]))
		a, b := e[i]/sk, e2[i]/sk
		s1 += a * a
		s2 += b * b
	}
	deno := s1 + 0.01*s2
	if deno <= 0 {
		deno = 1
	}
	return ah * s1 / math.Sqrt(n*deno)
}

// accept makes the attempted step the current one.
func (it *Integrator) accept(h, tnew float64) {
	it.yPrev, it.y, it.ynew = it.y, it.ynew, it.yPrev
	it.tPrev, it.t, it.tStepEnd, it.hLast = it.t, tnew, tnew, h
	it.stats.Steps++
	m := it.m
	it.k1Valid = false
	it.nextValid = m.next >= 0 && m.next < m.stepStages
	it.denseReady = false
	it.stepValid = true
	if tnew == it.t1 {
		it.done = true
	}
	if m.next >= m.stepStages && !it.done {
		it.f(tnew, it.y, it.k[m.next])
		it.stats.Evals++
		it.nextValid = true
	}
}

func (it *Integrator) stepFixed() error {
	if err := it.ensureK1(); err != nil {
		return err
	}
	if it.attempts >= it.maxSteps {
		return fmt.Errorf("ode: %d steps at t = %g: %w", it.attempts, it.t, ErrMaxSteps)
	}
	k := it.kFixed + 1
	tnew := it.t0 + it.dir*float64(k)*it.hFixed
	if it.dir*(it.t1-tnew) <= fixedSnap*it.hFixed {
		tnew = it.t1
	}
	h := tnew - it.t
	_, ok := it.attempt(h, tnew, false)
	it.attempts++
	if !ok {
		return fmt.Errorf("ode: fixed step from t = %g to %g: %w", it.t, tnew, ErrNonFinite)
	}
	it.kFixed = k
	it.accept(h, tnew)
	return nil
}

func (it *Integrator) stepPI() error {
	if err := it.ensureK1(); err != nil {
		return err
	}
	c := &it.pi
	for {
		if it.attempts >= it.maxSteps {
			return fmt.Errorf("ode: %d steps at t = %g: %w", it.attempts, it.t, ErrMaxSteps)
		}
		h := it.hNext
		if ah := math.Abs(h); ah <= 10*eps*math.Abs(it.t) || ah < c.MinStep || it.t+h == it.t {
			if it.nonFinite {
				return fmt.Errorf("ode: step size %g at t = %g after non-finite trial steps: %w", h, it.t, ErrNonFinite)
			}
			return fmt.Errorf("ode: step size %g at t = %g: %w", h, it.t, ErrStepSizeTooSmall)
		}
		tnew := it.t + h
		if it.dir*(it.t+1.01*h-it.t1) >= 0 {
			h = it.t1 - it.t
			tnew = it.t1
		}
		errNorm, ok := it.attempt(h, tnew, true)
		it.attempts++
		if !ok {
			it.nonFinite = true
			it.rejected = true
			it.stats.Rejected++
			it.hNext = h * c.MinScale
			continue
		}
		it.nonFinite = false
		fac11 := math.Pow(errNorm, c.Alpha)
		if errNorm <= 1 {
			fac := fac11 / math.Pow(it.errPrev, c.Beta) / c.Safety
			fac = math.Max(1/c.MaxScale, math.Min(1/c.MinScale, fac))
			hnew := h / fac
			it.errPrev = math.Max(errNorm, 1e-4)
			if math.Abs(hnew) > it.hmax {
				hnew = it.dir * it.hmax
			}
			if it.rejected && math.Abs(hnew) > math.Abs(h) {
				hnew = h
			}
			it.rejected = false
			it.hNext = hnew
			it.accept(h, tnew)
			return nil
		}
		it.rejected = true
		it.stats.Rejected++
		it.hNext = h / math.Min(1/c.MinScale, fac11/c.Safety)
	}
}

// eventValue is G of the event being located, on the dense output.
func (it *Integrator) eventValue(t float64) float64 {
	it.interpolate(t, it.yout)
	return it.events[it.evIdx].G(t, it.yout)
}

// detectEvents finds the sign changes of the event functions over the last
// step, locates them, records those up to the first terminal one and cuts
// the step there.
func (it *Integrator) detectEvents() {
	cands := it.cands[:0]
	for i, ev := range it.events {
		g := ev.G(it.t, it.y)
		it.stats.EventEvals++
		gp := it.gPrev[i]
		it.gPrev[i] = g
		if gp == 0 || math.IsNaN(gp) || math.IsNaN(g) {
			continue
		}
		rising := gp < 0
		if !(g == 0 || (g > 0) == rising) {
			continue
		}
		if (ev.Direction > 0 && !rising) || (ev.Direction < 0 && rising) {
			continue
		}
		tol := ev.Tol
		if tol == 0 {
			tol = 4 * eps * math.Max(math.Max(math.Abs(it.tPrev), math.Abs(it.t)), math.Abs(it.hLast))
		}
		it.evIdx = i
		tc := brent(it.evFunc, it.tPrev, it.t, gp, g, tol, &it.stats.EventEvals)
		cands = append(cands, eventCand{ev: i, t: tc, rising: rising})
	}
	it.cands = cands
	if len(cands) == 0 {
		return
	}
	// Insertion sort in the direction of time (there are few).
	for i := 1; i < len(cands); i++ {
		for j := i; j > 0 && it.dir*(cands[j].t-cands[j-1].t) < 0; j-- {
			cands[j], cands[j-1] = cands[j-1], cands[j]
		}
	}
	stop := len(cands)
	for j, c := range cands {
		if it.events[c.ev].Terminal {
			stop = j + 1
			break
		}
	}
	for _, c := range cands[:stop] {
		rec := it.newRecord()
		rec.Event, rec.T, rec.Rising = c.ev, c.t, c.rising
		if c.t == it.t {
			copy(rec.Y, it.y)
		} else {
			it.interpolate(c.t, rec.Y)
		}
	}
	last := cands[stop-1]
	if it.events[last.ev].Terminal {
		if last.t != it.t {
			it.interpolate(last.t, it.y)
			it.t = last.t
		}
		it.done = true
		it.sol.Terminated = true
	}
}

// newRecord appends an event record, reusing the storage of a previous
// integration when there is some.
func (it *Integrator) newRecord() *EventRecord {
	evs := it.sol.Events
	if len(evs) < cap(evs) {
		evs = evs[:len(evs)+1]
	} else {
		evs = append(evs, EventRecord{})
	}
	rec := &evs[len(evs)-1]
	if cap(rec.Y) >= it.n {
		rec.Y = rec.Y[:it.n]
	} else {
		rec.Y = make([]float64, it.n)
	}
	it.sol.Events = evs
	return rec
}

// output emits the points due in the last step, up to tEnd (the current
// time): the scheduled times, the step end (SaveAt.Steps) and the final
// point (zero SaveAt).
func (it *Integrator) output(tEnd float64) error {
	for {
		ts, ok := it.nextSave()
		if !ok || it.dir*(ts-tEnd) > 0 {
			break
		}
		it.saveIdx++
		v := it.y
		if ts != tEnd {
			it.interpolate(ts, it.yout)
			v = it.yout
		}
		if err := it.emit(ts, v); err != nil {
			return err
		}
	}
	if (it.save.Steps || (it.saveAll && it.done)) && !(it.anySaved && it.lastSaved == tEnd) {
		return it.emit(tEnd, it.y)
	}
	return nil
}

// nextSave returns the next scheduled output time.
func (it *Integrator) nextSave() (float64, bool) {
	switch {
	case len(it.save.Times) > 0:
		if it.saveIdx < len(it.save.Times) {
			return it.save.Times[it.saveIdx], true
		}
	case it.save.Every > 0:
		t := it.t0 + it.dir*float64(it.saveIdx)*it.save.Every
		if it.dir*(t-it.t1) > 0 {
			if math.Abs(t-it.t1) > 8*eps*math.Max(math.Abs(it.t0), math.Abs(it.t1)) {
				return 0, false
			}
			t = it.t1
		}
		return t, true
	}
	return 0, false
}

func (it *Integrator) emit(t float64, y []float64) error {
	it.lastSaved, it.anySaved = t, true
	if it.save.Func != nil {
		if err := it.save.Func(t, y); err != nil {
			return fmt.Errorf("ode: output at t = %g: %w", t, err)
		}
		return nil
	}
	it.sol.T = append(it.sol.T, t)
	it.sol.Y = append(it.sol.Y, y...)
	return nil
}

// Solve integrates p with method m and controller c and returns the
// solution. On a numerical failure the solution holds what was output
// before it, together with the error.
func Solve(p Problem, m Method, c Controller, opts Options) (*Solution, error) {
	it := NewIntegrator(m)
	if err := it.Init(p, c, opts); err != nil {
		return it.Solution(), err
	}
	err := it.Run()
	return it.Solution(), err
}
