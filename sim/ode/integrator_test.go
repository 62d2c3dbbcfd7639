package ode_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/ode"
)

// harmonic is ẍ = −x with x(0) = 1, v(0) = 0: x = cos t, v = −sin t.
func harmonic(_ float64, y, dy []float64) {
	dy[0] = y[1]
	dy[1] = -y[0]
}

func arenstorfProblem() ode.Problem {
	return ode.Problem{F: reference.Arenstorf, Y0: reference.ArenstorfY0(), T1: reference.ArenstorfPeriod}
}

// TestEvalCounts checks the cost accounting against the structure of each
// method: one evaluation for f(T0, Y0), one for the initial step (PI), then
// per attempted step the stages after the first; FSAL methods reuse the last
// stage, DOP853 evaluates f(t+h, y₁) after each accepted step but the last.
func TestEvalCounts(t *testing.T) {
	const n = 37
	fixed := []struct {
		m    ode.Method
		want int
	}{
		{ode.Euler(), n},
		{ode.RK4(), 4 * n},
		{ode.DP5(), 1 + 6*n},
		{ode.DOP853(), 1 + 11*n + (n - 1)},
	}
	for _, c := range fixed {
		sol, err := ode.Solve(arenstorfProblem(), c.m, ode.Fixed{H: reference.ArenstorfPeriod / n}, ode.Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.m.Name(), err)
		}
		if sol.Stats.Evals != c.want || sol.Stats.Steps != n || sol.Stats.Rejected != 0 {
			t.Errorf("%s fixed: %+v, want %d evaluations in %d steps", c.m.Name(), sol.Stats, c.want, n)
		}
	}
	for _, c := range []struct {
		m    ode.Method
		want func(s ode.Stats) int
	}{
		{ode.DP5(), func(s ode.Stats) int { return 2 + 6*(s.Steps+s.Rejected) }},
		{ode.DOP853(), func(s ode.Stats) int { return 2 + 11*(s.Steps+s.Rejected) + s.Steps - 1 }},
	} {
		sol, err := ode.Solve(arenstorfProblem(), c.m, ode.PI{RTol: 1e-9, ATol: 1e-9}, ode.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s := sol.Stats; s.Evals != c.want(s) || s.Rejected == 0 || s.DenseEvals != 0 {
			t.Errorf("%s PI: %+v, want %d evaluations (and some rejections on Arenstorf)", c.m.Name(), s, c.want(s))
		}
	}
}

// TestSaveAtDoesNotChangeSteps: output by dense output leaves the step
// sequence and the final state bit-identical, and DOP853 spends its three
// extra dense stages only in the steps that contain output points.
func TestSaveAtDoesNotChangeSteps(t *testing.T) {
	for _, m := range []ode.Method{ode.DP5(), ode.DOP853()} {
		ctrl := ode.PI{RTol: 1e-8, ATol: 1e-8}
		plain, err := ode.Solve(arenstorfProblem(), m, ctrl, ode.Options{SaveAt: ode.SaveAt{Steps: true}})
		if err != nil {
			t.Fatal(err)
		}
		every := 0.01
		it := ode.NewIntegrator(m)
		if err := it.Init(arenstorfProblem(), ctrl, ode.Options{SaveAt: ode.SaveAt{Every: every}}); err != nil {
			t.Fatal(err)
		}
		if err := it.Run(); err != nil {
			t.Fatal(err)
		}
		sampled := it.Solution()
		ps, ss := plain.Stats, sampled.Stats
		if ps.Steps != ss.Steps || ps.Rejected != ss.Rejected {
			t.Errorf("%s: sampling changed the steps: %+v vs %+v", m.Name(), ps, ss)
		}
		if !slices.Equal(plain.At(plain.Len()-1), it.Y()) {
			t.Errorf("%s: sampling changed the final state", m.Name())
		}
		wantPoints := int(math.Floor(reference.ArenstorfPeriod/every)) + 1
		if sampled.Len() != wantPoints {
			t.Errorf("%s: %d points saved, want %d", m.Name(), sampled.Len(), wantPoints)
		}
		// Count the steps that contain a grid point (and the last step,
		// where f(T, y(T)) is evaluated only if the dense output needs it).
		stepsWithPoints := 0
		for i := 1; i < plain.Len(); i++ {
			a, b := plain.T[i-1], plain.T[i]
			if math.Floor(b/every) > math.Floor(a/every) || (b == plain.T[plain.Len()-1]) {
				stepsWithPoints++
			}
		}
		dense := m.(*ode.RK).DenseStages()
		if ss.DenseEvals > dense*stepsWithPoints || (dense > 0) != (ss.DenseEvals > 0) {
			t.Errorf("%s: %d dense evaluations, want ≤ %d·%d and > 0 iff the method has dense stages",
				m.Name(), ss.DenseEvals, dense, stepsWithPoints)
		}
		if ss.Evals-ss.DenseEvals > ps.Evals+1 {
			t.Errorf("%s: sampling cost %d evaluations beyond the dense stages", m.Name(), ss.Evals-ss.DenseEvals-ps.Evals)
		}
	}
}

// TestSaveAtSchedules checks the three schedules and streaming.
func TestSaveAtSchedules(t *testing.T) {
	p := ode.Problem{F: harmonic, Y0: []float64{1, 0}, T1: 1}
	ctrl := ode.PI{RTol: 1e-10, ATol: 1e-10}

	// Every: T0 + k·Every, with the last point (10·0.1 = 1 in float64) at T1.
	sol, err := ode.Solve(p, ode.DOP853(), ctrl, ode.Options{SaveAt: ode.SaveAt{Every: 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Len() != 11 || sol.T[10] != 1 {
		t.Fatalf("Every: times %v", sol.T)
	}
	for i, tt := range sol.T {
		if tt != float64(i)*0.1 {
			t.Errorf("Every: point %d at %v, want %v", i, tt, float64(i)*0.1)
		}
		// Global error at rtol = atol = 1e-10 over t ≤ 1 on this contractive-
		// free (rotation) problem: ≤ 10·tol (proportionality constant of
		// DOP853, see the conformance suite); 1e-8 leaves a factor 10.
		y := sol.At(i)
		if e := math.Max(math.Abs(y[0]-math.Cos(tt)), math.Abs(y[1]+math.Sin(tt))); e > 1e-8 {
			t.Errorf("Every: error %.3g at t = %g", e, tt)
		}
	}

	// Times, streamed: the callback sees the same points Solve stores.
	times := []float64{0, 0.25, 0.25, 0.5, 1}
	stored, err := ode.Solve(p, ode.DP5(), ctrl, ode.Options{SaveAt: ode.SaveAt{Times: times}})
	if err != nil {
		t.Fatal(err)
	}
	var streamedT []float64
	var streamedY []float64
	streamed, err := ode.Solve(p, ode.DP5(), ctrl, ode.Options{SaveAt: ode.SaveAt{Times: times, Func: func(tt float64, y []float64) error {
		streamedT = append(streamedT, tt)
		streamedY = append(streamedY, y...)
		return nil
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stored.T, times) || !slices.Equal(streamedT, times) || !slices.Equal(stored.Y, streamedY) || streamed.Len() != 0 {
		t.Errorf("Times: stored %v, streamed %v (stored %d points in the streamed solution)", stored.T, streamedT, streamed.Len())
	}

	// Steps together with Times: both, in time order, no duplicate at T1.
	both, err := ode.Solve(p, ode.DP5(), ctrl, ode.Options{SaveAt: ode.SaveAt{Times: []float64{0.5, 1}, Steps: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(both.T) || both.T[0] != 0 || both.T[both.Len()-1] != 1 || both.T[both.Len()-2] == 1 ||
		both.Len() != both.Stats.Steps+2 {
		t.Errorf("Steps+Times: %d points %v for %d steps", both.Len(), both.T, both.Stats.Steps)
	}

	// The zero SaveAt outputs the final point only.
	final, err := ode.Solve(p, ode.DP5(), ctrl, ode.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if final.Len() != 1 || final.T[0] != 1 {
		t.Errorf("zero SaveAt: %v", final.T)
	}

	// A callback error stops the integration and is wrapped.
	stop := errors.New("stop here")
	_, err = ode.Solve(p, ode.DP5(), ctrl, ode.Options{SaveAt: ode.SaveAt{Every: 0.1, Func: func(tt float64, _ []float64) error {
		if tt > 0.45 {
			return stop
		}
		return nil
	}}})
	if !errors.Is(err, stop) {
		t.Errorf("callback error: got %v", err)
	}
}

// TestEvents locates the zeros of x = cos t on the dense output.
func TestEvents(t *testing.T) {
	p := ode.Problem{F: harmonic, Y0: []float64{1, 0}, T1: 10}
	ctrl := ode.PI{RTol: 1e-10, ATol: 1e-10}
	x := func(_ float64, y []float64) float64 { return y[0] }
	// The event time error is the state error over |x'| = 1 at the zeros,
	// ≤ 10·tol·(steps to t ≤ 10); plus the root finder's 4ε|t|. 1e-8 is a
	// factor ≥ 10 above that.
	const tTol = 1e-8

	for _, m := range []ode.Method{ode.DP5(), ode.DOP853(), ode.RK4()} {
		c := ode.Controller(ctrl)
		if !m.Adaptive() {
			c = ode.Fixed{H: 0.01} // RK4: error ≈ 1e-9 at h = 0.01 over t ≤ 10
		}
		sol, err := ode.Solve(p, m, c, ode.Options{Events: []ode.Event{{G: x}, {G: x, Direction: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		var got []float64
		for _, r := range sol.Events {
			if r.Event == 0 {
				got = append(got, r.T)
			}
		}
		want := []float64{math.Pi / 2, 3 * math.Pi / 2, 5 * math.Pi / 2}
		if len(got) != len(want) {
			t.Fatalf("%s: events at %v, want %v", m.Name(), got, want)
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > tTol {
				t.Errorf("%s: event %d at %.15g, want %.15g", m.Name(), i, got[i], want[i])
			}
			if r := sol.Events[0]; math.Abs(r.Y[0]) > tTol {
				t.Errorf("%s: state at the event has x = %g", m.Name(), r.Y[0])
			}
		}
		var rising []float64
		for _, r := range sol.Events {
			if r.Event == 1 {
				rising = append(rising, r.T)
				if !r.Rising {
					t.Errorf("%s: direction-filtered record is not rising", m.Name())
				}
			}
		}
		if len(rising) != 1 || math.Abs(rising[0]-3*math.Pi/2) > tTol {
			t.Errorf("%s: rising events at %v, want [3π/2]", m.Name(), rising)
		}
		if !slices.IsSortedFunc(sol.Events, func(a, b ode.EventRecord) int { return int(math.Copysign(1, a.T-b.T)) }) {
			t.Errorf("%s: event records out of order", m.Name())
		}
	}

	// Terminal: stop at the first downward zero; the default output is the
	// event point, and a coarser Tol costs fewer evaluations of G.
	var evalsFine, evalsCoarse int
	for _, tol := range []float64{0, 1e-3} {
		sol, err := ode.Solve(p, ode.DOP853(), ctrl, ode.Options{Events: []ode.Event{
			{G: func(_ float64, y []float64) float64 { return y[0] - 0.5 }, Direction: -1, Terminal: true, Tol: tol}}})
		if err != nil {
			t.Fatal(err)
		}
		want := math.Pi / 3 // cos t = 1/2
		bound := math.Max(tol, tTol)
		if !sol.Terminated || len(sol.Events) != 1 || sol.Len() != 1 || sol.T[0] != sol.Events[0].T ||
			math.Abs(sol.T[0]-want) > bound {
			t.Errorf("terminal (Tol %g): terminated %v, events %v, output %v, want one at %.15g ± %g",
				tol, sol.Terminated, sol.Events, sol.T, want, bound)
		}
		if tol == 0 {
			evalsFine = sol.Stats.EventEvals
		} else {
			evalsCoarse = sol.Stats.EventEvals
		}
	}
	if evalsCoarse >= evalsFine {
		t.Errorf("event tolerance 1e-3 used %d evaluations of G, full precision %d", evalsCoarse, evalsFine)
	}

	// A non-terminal event after a terminal one in the same step is not
	// recorded; one before it is.
	sol, err := ode.Solve(p, ode.DOP853(), ode.PI{RTol: 1e-6, ATol: 1e-6, MaxStep: 10}, ode.Options{Events: []ode.Event{
		{G: func(tt float64, _ []float64) float64 { return tt - 1 }},
		{G: func(tt float64, _ []float64) float64 { return tt - 1.1 }, Terminal: true},
		{G: func(tt float64, _ []float64) float64 { return tt - 1.2 }},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sol.Events) != 2 || sol.Events[0].Event != 0 || sol.Events[1].Event != 1 || !sol.Terminated ||
		math.Abs(sol.Events[1].T-1.1) > 1e-12 {
		t.Errorf("ordering: %+v", sol.Events)
	}
}

// TestUntil samples with Until and compares with SaveAt.Times.
func TestUntil(t *testing.T) {
	p := arenstorfProblem()
	ctrl := ode.PI{RTol: 1e-9, ATol: 1e-9}
	times := []float64{0, 0.5, 1.5, 1.5, 3, 8.25, reference.ArenstorfPeriod}
	ref, err := ode.Solve(p, ode.DOP853(), ctrl, ode.Options{SaveAt: ode.SaveAt{Times: times}})
	if err != nil {
		t.Fatal(err)
	}
	it := ode.NewIntegrator(ode.DOP853())
	if err := it.Init(p, ctrl, ode.Options{}); err != nil {
		t.Fatal(err)
	}
	y := make([]float64, 4)
	for i, tt := range times {
		if err := it.Until(tt, y); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(y, ref.At(i)) {
			t.Errorf("Until(%g) = %v, SaveAt gives %v", tt, y, ref.At(i))
		}
	}
	if !it.Done() || it.Stats() != ref.Stats {
		t.Errorf("Until: done %v, stats %+v, want %+v", it.Done(), it.Stats(), ref.Stats)
	}
	if err := it.Until(reference.ArenstorfPeriod+1, y); err == nil {
		t.Error("Until beyond T1: no error")
	}
	if err := it.Until(0.25, y); err == nil {
		t.Error("Until before the last step: no error")
	}

	// After a terminal event Until reports ErrTerminated.
	if err := it.Init(ode.Problem{F: harmonic, Y0: []float64{1, 0}, T1: 10}, ctrl, ode.Options{Events: []ode.Event{
		{G: func(_ float64, y []float64) float64 { return y[0] }, Terminal: true}}}); err != nil {
		t.Fatal(err)
	}
	y2 := make([]float64, 2)
	if err := it.Until(2, y2); !errors.Is(err, ode.ErrTerminated) {
		t.Errorf("Until past a terminal event: %v", err)
	}
	// A time inside the last step, before the event, is still available
	// (dense output; error ≤ 10·tol as above).
	if tt := it.T() - 0.01; it.Until(tt, y2) != nil || math.Abs(y2[0]-math.Cos(tt)) > 1e-8 {
		t.Errorf("Until(%g) before the terminal event at %g: %v", tt, it.T(), y2)
	}
}

// TestBackwardsPI integrates y' = −y from t = 1 back to 0.
func TestBackwardsPI(t *testing.T) {
	f := func(_ float64, y, dy []float64) { dy[0] = -y[0] }
	for _, m := range []ode.Method{ode.DP5(), ode.DOP853()} {
		sol, err := ode.Solve(ode.Problem{F: f, Y0: []float64{1}, T0: 1, T1: 0}, m, ode.PI{RTol: 1e-10, ATol: 1e-10},
			ode.Options{SaveAt: ode.SaveAt{Every: 0.25}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sol.T, []float64{1, 0.75, 0.5, 0.25, 0}) {
			t.Fatalf("%s: times %v", m.Name(), sol.T)
		}
		for i, tt := range sol.T {
			// y = e^{1−t} grows backwards; relative error ≤ 10·tol per unit
			// time (proportionality constant, see the suite): 1e-8.
			if e := math.Abs(sol.At(i)[0]/math.Exp(1-tt) - 1); e > 1e-8 {
				t.Errorf("%s: relative error %.3g at t = %g", m.Name(), e, tt)
			}
		}
	}
}

// TestFixedGrid: the last fixed step is shortened to end at T1 exactly.
func TestFixedGrid(t *testing.T) {
	sol, err := ode.Solve(ode.Problem{F: harmonic, Y0: []float64{1, 0}, T1: 1}, ode.RK4(), ode.Fixed{H: 0.3},
		ode.Options{SaveAt: ode.SaveAt{Steps: true}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 0.3, 0.6, 0.8999999999999999, 1}; !slices.Equal(sol.T, want) {
		t.Errorf("grid %v, want %v (T0 + k·H, then T1)", sol.T, want)
	}
	// Zero-length interval: one point, no step.
	sol, err = ode.Solve(ode.Problem{F: harmonic, Y0: []float64{1, 0}, T0: 2, T1: 2}, ode.DP5(), ode.PI{RTol: 1e-6, ATol: 1e-6}, ode.Options{})
	if err != nil || sol.Len() != 1 || sol.T[0] != 2 || sol.Stats.Steps != 0 {
		t.Errorf("T0 = T1: %v, %+v", err, sol)
	}
}

// TestFailures: blow-up, NaN, step limit; what was saved before is kept.
func TestFailures(t *testing.T) {
	// y' = y², y(0) = 1: y = 1/(1−t) blows up at t = 1. The integration
	// fails with the step size underflowing near the singularity; the
	// numerical singularity is displaced by about the global error (1e-8
	// tolerance: 1e-6 is ample).
	blowup := func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] }
	it := ode.NewIntegrator(ode.DOP853())
	if err := it.Init(ode.Problem{F: blowup, Y0: []float64{1}, T1: 2}, ode.PI{RTol: 1e-8, ATol: 1e-8},
		ode.Options{SaveAt: ode.SaveAt{Every: 0.3}}); err != nil {
		t.Fatal(err)
	}
	err := it.Run()
	if !errors.Is(err, ode.ErrStepSizeTooSmall) || math.Abs(it.T()-1) > 1e-6 {
		t.Errorf("blow-up: %v at t = %g", err, it.T())
	}
	if sol := it.Solution(); !slices.Equal(sol.T, []float64{0, 0.3, 0.6, 0.8999999999999999}) {
		t.Errorf("blow-up: kept %v", sol.T)
	}
	if err2 := it.Step(); err2 != err {
		t.Errorf("Step after a failure returned %v, want the same error", err2)
	}

	nanAfter := func(tt float64, y, dy []float64) {
		dy[0] = -y[0]
		if tt > 0.5 {
			dy[0] = math.NaN()
		}
	}
	// PI rejects the non-finite trials and shrinks the step towards t = 0.5
	// until it underflows: the points before 0.5 are kept. Fixed steps of
	// 0.01 reach t = 0.5 exactly and fail in the next step.
	for _, c := range []struct {
		c    ode.Controller
		kept int
	}{{ode.PI{RTol: 1e-8, ATol: 1e-8}, 5}, {ode.Fixed{H: 0.01}, 6}} {
		sol, err := ode.Solve(ode.Problem{F: nanAfter, Y0: []float64{1}, T1: 1}, ode.DP5(), c.c, ode.Options{SaveAt: ode.SaveAt{Every: 0.1}})
		if !errors.Is(err, ode.ErrNonFinite) || sol.Len() != c.kept {
			t.Errorf("NaN (%T): %v, kept %v", c.c, err, sol.T)
		}
	}

	_, err = ode.Solve(arenstorfProblem(), ode.DP5(), ode.PI{RTol: 1e-8, ATol: 1e-8}, ode.Options{MaxSteps: 10})
	if !errors.Is(err, ode.ErrMaxSteps) {
		t.Errorf("MaxSteps: %v", err)
	}
	_, err = ode.Solve(arenstorfProblem(), ode.DP5(), ode.PI{RTol: 1e-8, ATol: 1e-8, MinStep: 1e-3}, ode.Options{})
	if !errors.Is(err, ode.ErrStepSizeTooSmall) {
		t.Errorf("MinStep: %v", err)
	}
}

// TestInvalidSettings: configuration errors are returned by Init.
func TestInvalidSettings(t *testing.T) {
	good := ode.Problem{F: harmonic, Y0: []float64{1, 0}, T1: 1}
	cases := []struct {
		name string
		p    ode.Problem
		m    ode.Method
		c    ode.Controller
		o    ode.Options
	}{
		{"no F", ode.Problem{Y0: []float64{1}, T1: 1}, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{}},
		{"empty Y0", ode.Problem{F: harmonic, T1: 1}, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{}},
		{"NaN Y0", ode.Problem{F: harmonic, Y0: []float64{math.NaN(), 0}, T1: 1}, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{}},
		{"infinite T1", ode.Problem{F: harmonic, Y0: []float64{1, 0}, T1: math.Inf(1)}, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{}},
		{"PI without estimator", good, ode.RK4(), ode.PI{RTol: 1e-6}, ode.Options{}},
		{"zero tolerances", good, ode.DP5(), ode.PI{}, ode.Options{}},
		{"negative rtol", good, ode.DP5(), ode.PI{RTol: -1, ATol: 1e-6}, ode.Options{}},
		{"bad scales", good, ode.DP5(), ode.PI{RTol: 1e-6, MinScale: 2}, ode.Options{}},
		{"zero fixed step", good, ode.DP5(), ode.Fixed{}, ode.Options{}},
		{"nil controller", good, ode.DP5(), nil, ode.Options{}},
		{"times out of order", good, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{SaveAt: ode.SaveAt{Times: []float64{0.5, 0.2}}}},
		{"times outside", good, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{SaveAt: ode.SaveAt{Times: []float64{1.5}}}},
		{"times and every", good, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{SaveAt: ode.SaveAt{Times: []float64{0.5}, Every: 0.1}}},
		{"negative every", good, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{SaveAt: ode.SaveAt{Every: -1}}},
		{"event without G", good, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{Events: []ode.Event{{}}}},
		{"event direction", good, ode.DP5(), ode.Fixed{H: 0.1}, ode.Options{Events: []ode.Event{{G: func(float64, []float64) float64 { return 1 }, Direction: 2}}}},
	}
	for _, c := range cases {
		if err := ode.NewIntegrator(c.m).Init(c.p, c.c, c.o); err == nil {
			t.Errorf("%s: Init accepted invalid settings", c.name)
		}
	}
	bad := []ode.Tableau{
		{Name: "no stages"},
		{Name: "implicit", C: []float64{0, 1}, A: [][]float64{{}, {0.5, 0.5}}, B: []float64{0.5, 0.5}, Order: 2},
		{Name: "bad B", C: []float64{0}, A: [][]float64{{}}, B: []float64{1, 0}, Order: 1},
		{Name: "no order", C: []float64{0}, A: [][]float64{{}}, B: []float64{1}},
		{Name: "E2 without E", C: []float64{0}, A: [][]float64{{}}, B: []float64{1}, Order: 1, E2: []float64{1}, E2Order: 1},
	}
	for _, tab := range bad {
		if _, err := ode.NewRK(tab); err == nil {
			t.Errorf("NewRK(%s): no error", tab.Name)
		}
	}
}

// TestTableauIsACopy: mutating the returned tableau leaves the method intact.
func TestTableauIsACopy(t *testing.T) {
	m := ode.DP5()
	tab := m.Tableau()
	tab.B[0] = 42
	tab.A[2][1] = 42
	if m.Tableau().B[0] == 42 || m.Tableau().A[2][1] == 42 {
		t.Error("Tableau exposes the method's coefficients")
	}
	// A user-built tableau runs like the built-in one.
	m2, err := ode.NewRK(m.Tableau())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ode.Solve(arenstorfProblem(), m, ode.Fixed{H: 0.01}, ode.Options{})
	b, _ := ode.Solve(arenstorfProblem(), m2, ode.Fixed{H: 0.01}, ode.Options{})
	if !slices.Equal(a.Y, b.Y) {
		t.Error("NewRK(DP5().Tableau()) integrates differently from DP5()")
	}
}

func TestDenseBasis(t *testing.T) {
	dst := make([]float64, 7)
	th := 0.3
	ode.DenseBasis(th, dst)
	s1 := 1 - th
	want := []float64{th, th * s1, th * th * s1, th * th * s1 * s1, th * th * th * s1 * s1, th * th * th * s1 * s1 * s1, th * th * th * th * s1 * s1 * s1}
	for j := range want {
		// At most 7 multiplications: a few ulps.
		if math.Abs(dst[j]-want[j]) > 8*0x1p-53*want[j] {
			t.Errorf("m_%d(0.3) = %v, want %v", j, dst[j], want[j])
		}
	}
}

// TestUntilContext: an integration stops before its next step once its
// context is done (the stiff flows of large models can take many steps
// between two samples), with an error wrapping context.Canceled, and a later
// call goes on from where it stopped to the same result as an uninterrupted
// integration. Until itself never checked a context.
func TestUntilContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	evals := 0
	f := func(_ float64, y, dy []float64) {
		evals++
		if evals == 100 {
			cancel()
		}
		dy[0] = -y[0]
	}
	const h = 1e-4 // 10⁴ Euler steps of one evaluation each to t = 1
	it := ode.NewIntegrator(ode.Euler())
	if err := it.Init(ode.Problem{F: f, Y0: []float64{1}, T1: 1}, ode.Fixed{H: h}, ode.Options{}); err != nil {
		t.Fatal(err)
	}
	y := make([]float64, 1)
	err := it.UntilContext(ctx, 1, y)
	if !errors.Is(err, context.Canceled) || evals != 100 {
		t.Fatalf("error %v after %d evaluations; want context.Canceled after the 100th", err, evals)
	}
	if err := it.UntilContext(context.Background(), 1, y); err != nil {
		t.Fatal(err)
	}
	ref := ode.NewIntegrator(ode.Euler())
	if err := ref.Init(ode.Problem{F: func(_ float64, y, dy []float64) { dy[0] = -y[0] }, Y0: []float64{1}, T1: 1}, ode.Fixed{H: h}, ode.Options{}); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 1)
	if err := ref.Until(1, want); err != nil {
		t.Fatal(err)
	}
	if y[0] != want[0] {
		t.Errorf("y(1) = %v after an interruption, %v without; want the same steps", y[0], want[0])
	}
}
