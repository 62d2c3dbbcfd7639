package hessian_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/hessian"
)

// spikedTop returns the largest outlier of a Spiked operator whose bulk lies
// below all positive outliers: its exact top eigenvalue.
func spikedTop(s *reference.Spiked) float64 {
	m := math.Inf(-1)
	for _, l := range s.Lambda {
		m = math.Max(m, l)
	}
	return m
}

// valueTol is the accuracy the tests demand of a converged top value: its
// residual r ≤ Tol·‖H‖ bounds the error by r (Weyl), and the gaps used here
// (≥ 0.01) give r²/gap ≪ 1e-9 (Kato–Temple); 1e-9 leaves room for both.
const valueTol = 1e-9

// Two tracked eigenvalues cross (fixed eigenvectors: an exact crossing, the
// hardest case, where the old top eigenvector stays an exact eigenvector of
// the now second eigenvalue and every residual of the warm start is zero).
// The tracker keeps the cached second eigenvector in every warm space (see
// TrackerSettings.Extra), so its Rayleigh–Ritz step resolves the crossing at
// once, with no deflation check.
func TestTrackerTrackedCrossing(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	op := reference.NewSpiked(rng, 300, 0.05, []float64{1, 0.9, 0.6, 0.4, -2})
	tr := hessian.NewTracker(hessian.TrackerSettings{CheckEvery: 1000})
	for k := 0; k < 12; k++ {
		op.Lambda[0] = 1 - 0.02*float64(k)
		op.Lambda[1] = 0.9 + 0.01*float64(k) // crosses between k = 3 and 4
		r, err := tr.Estimate(op)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Top.Values[0], spikedTop(op); math.Abs(got-want) > valueTol {
			t.Errorf("k=%d: top %v, want %v", k, got, want)
		}
		if k > 0 && r.Checks > 0 {
			t.Errorf("k=%d: a deflation check ran; the crossing should be resolved by the warm space", k)
		}
	}
}

// outsideCrossing feeds tr the estimates of nseq interleaved sequences of
// Spiked operators (call i is estimate i/nseq of sequence i mod nseq). In
// sequence cross the 4th outlier, whose eigenvector the tracker never saw
// near the top, follows rise(k) past the top one (fixed eigenvectors, so
// the warm spaces stay invariant: only a deflation check, or the cached
// neighbours it climbs past, can reveal it). It returns, for that
// sequence, the estimate at which the crossing happened and the estimates
// at which the reported top was wrong.
func outsideCrossing(t *testing.T, tr *hessian.Tracker, nseq, cross, n int, rise func(k int) float64) (crossed int, wrong []int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(23, 24))
	ops := make([]*reference.Spiked, nseq)
	for i := range ops {
		ops[i] = reference.NewSpiked(rng, 300, 0.05, []float64{1, 0.9, 0.8, 0.3, -2})
	}
	crossed = -1
	for k := 0; k < n; k++ {
		for i, op := range ops {
			if i == cross {
				op.Lambda[3] = rise(k)
				if crossed < 0 && op.Lambda[3] > 1 {
					crossed = k
				}
			}
			r, err := tr.Estimate(op)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(r.Top.Values[0]-spikedTop(op)) > valueTol {
				if i != cross {
					t.Errorf("sequence %d, estimate %d: top %v, want %v (no crossing there)", i, k, r.Top.Values[0], spikedTop(op))
					continue
				}
				wrong = append(wrong, k)
			}
		}
	}
	return crossed, wrong
}

// An eigenvalue from outside the tracked vectors rises above the top. The
// stated delay (see Tracker): under CheckAuto the old top is reported for at
// most CheckEvery−1 estimates of the sequence, counted from the estimate at
// which the crossing happened, whether the sequence is alone or interleaved
// with another (GD iterates and centres: each sequence has its own check
// period); under CheckAlways never. A jump from far below (past the cached
// neighbours in one estimate) can only be seen by a check; a gradual rise
// may be seen earlier, when it passes the neighbours. The period is counted
// from the cold start, so the crossing lands at different points of it;
// the default period (40) is tested too.
func TestTrackerOutsideCrossing(t *testing.T) {
	jump := func(at int) func(int) float64 {
		return func(k int) float64 {
			if k < at {
				return 0.3
			}
			return 1.2
		}
	}
	ramp := func(step float64) func(int) float64 {
		return func(k int) float64 { return 0.3 + step*float64(k) }
	}
	for _, c := range []struct {
		name         string
		policy       hessian.CheckPolicy
		every, delay int // delay: the allowed number of wrong estimates
		nseq, cross  int
		n            int
		rise         func(int) float64
	}{
		{"auto/every=4/jump", hessian.CheckAuto, 4, 3, 1, 0, 20, jump(9)},
		{"auto/every=5/jump", hessian.CheckAuto, 5, 4, 1, 0, 20, jump(11)},
		{"auto/every=4/ramp", hessian.CheckAuto, 4, 3, 1, 0, 20, ramp(0.1)},
		{"auto/every=4/interleaved/first/jump", hessian.CheckAuto, 4, 3, 2, 0, 20, jump(9)},
		{"auto/every=4/interleaved/second/jump", hessian.CheckAuto, 4, 3, 2, 1, 20, jump(9)},
		{"auto/default/interleaved/second/jump", hessian.CheckAuto, 0, 39, 2, 1, 90, jump(41)},
		{"auto/default/ramp", hessian.CheckAuto, 0, 39, 1, 0, 70, ramp(0.03)},
		{"always/jump", hessian.CheckAlways, 4, 0, 1, 0, 20, jump(9)},
		{"always/interleaved/ramp", hessian.CheckAlways, 4, 0, 2, 1, 20, ramp(0.1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Check: c.policy}, CheckEvery: c.every})
			crossed, wrong := outsideCrossing(t, tr, c.nseq, c.cross, c.n, c.rise)
			if crossed < 0 || crossed+c.delay >= c.n {
				t.Fatalf("crossing at estimate %d of %d: the sequence is too short to test a delay of %d", crossed, c.n, c.delay)
			}
			for _, k := range wrong {
				if k < crossed || k >= crossed+c.delay {
					t.Errorf("estimate %d: old top reported (crossing at %d, allowed delay %d estimates)", k, crossed, c.delay)
				}
			}
			t.Logf("crossing at estimate %d, %d wrong estimates (allowed %d)", crossed, len(wrong), c.delay)
		})
	}
}

// interleavedPool returns four Spiked operators of dimension 300 with
// unrelated eigenvectors, the sequences of the interleaving tests.
func interleavedPool() []*reference.Spiked {
	rng := rand.New(rand.NewPCG(33, 34))
	return []*reference.Spiked{
		reference.NewSpiked(rng, 300, 0.05, []float64{1, 0.8, 0.6, 0.45, -2}),
		reference.NewSpiked(rng, 300, 0.05, []float64{1.2, 0.9, 0.5, -1.5}),
		reference.NewSpiked(rng, 300, 0.05, []float64{0.9, 0.7, 0.65, -1}),
		reference.NewSpiked(rng, 300, 0.05, []float64{1.1, 0.6, 0.3, -2.5}),
	}
}

// Sequences measured in turn with unrelated eigenvectors: two like GD
// iterates and their period-2 centres; four like the same measured every
// odd number of steps, where the iterates alternate between the two phases
// of the 2-cycle (iterate, centre, other-phase iterate, centre: the pattern
// itself is the last case, whose centres come back every two calls and the
// iterates every four); three as the case in between. The tracker detects
// the period and warm-starts each
// estimate from its own sequence, so interleaving costs about what
// separate trackers cost, and far less than restarting from another
// sequence's vectors would (a tracker that ignores the period abandons
// each such start as poor and solves cold).
func TestTrackerInterleaved(t *testing.T) {
	for _, c := range []struct {
		name  string
		order []int // the operators of the pool measured in turn
	}{
		{"sequences=2", []int{0, 1}},
		{"sequences=3", []int{0, 1, 2}},
		{"sequences=4", []int{0, 1, 2, 3}},
		{"iterate-centre-iterate-centre", []int{0, 2, 1, 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pool := interleavedPool()
			ops := make([]*reference.Spiked, len(c.order))
			for i, j := range c.order {
				ops[i] = pool[j]
			}
			nseq := len(ops)
			set := func(k int) {
				for i, op := range pool {
					op.SetTime((0.01 + 0.002*float64(i)) * float64(k))
				}
				pool[0].Lambda[0] = 1 + 0.02*math.Sin(0.7*float64(k))
			}
			settings := hessian.TrackerSettings{Settings: hessian.Settings{Tol: 1e-6}}
			both := hessian.NewTracker(settings)
			sep := make([]*hessian.Tracker, nseq)
			for i := range sep {
				sep[i] = hessian.NewTracker(settings)
			}
			const n = 30
			var hBoth, hSep, cold int
			for k := 0; k < n; k++ {
				set(k)
				for i, op := range ops {
					r, err := both.Estimate(op)
					if err != nil {
						t.Fatal(err)
					}
					if got, want := r.Top.Values[0], spikedTop(op); math.Abs(got-want) > valueTol {
						t.Errorf("k=%d, sequence %d: top %v, want %v", k, i, got, want)
					}
					s, err := sep[i].Estimate(op)
					if err != nil {
						t.Fatal(err)
					}
					if k > 1 {
						hBoth += r.HVPs
						hSep += s.HVPs
						if r.Cold {
							cold++
						}
					}
				}
			}
			est := float64(nseq * (n - 2))
			t.Logf("mean HVPs per estimate: interleaved %.2f, separate trackers %.2f", float64(hBoth)/est, float64(hSep)/est)
			if cold > 0 {
				t.Errorf("%d cold estimates after the period was detected", cold)
			}
			// The caches and check counters of the sequences live in one
			// tracker exactly as in separate ones (one per position in the
			// turn); only the cold starts of the later sequences differ, so
			// the counts agree to a few per cent.
			if 10*hBoth > 11*hSep {
				t.Errorf("interleaved %d HVPs, separate %d", hBoth, hSep)
			}
		})
	}
}

// Along a smooth drift (like the Hessian along a GD trajectory), warm
// estimates cost a fraction of cold ones. The figure is deterministic (fixed
// seeds), so the test asserts it with a wide margin.
func TestTrackerCheaperThanCold(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	op := reference.NewSpiked(rng, 400, 0.05, []float64{1, 0.8, 0.6, 0.45, 0.3, -2.5, -1.8, -1.2})
	tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Tol: 1e-6}, CheckEvery: 1000})
	cold := hessian.NewLanczosSolver(hessian.Settings{Tol: 1e-6})
	var warmHVPs, coldHVPs int
	for k := 0; k < 30; k++ {
		op.Lambda[0] = 1 + 0.03*math.Sin(0.9*float64(k))
		op.SetTime(0.01 * float64(k))
		r, err := tr.Estimate(op)
		if err != nil {
			t.Fatal(err)
		}
		c, err := cold.Estimate(op)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Top.Values[0]-c.Top.Values[0]) > valueTol {
			t.Errorf("k=%d: tracker %v, cold %v", k, r.Top.Values[0], c.Top.Values[0])
		}
		if k > 0 {
			warmHVPs += r.HVPs
			coldHVPs += c.HVPs
		}
	}
	t.Logf("mean HVPs per estimate: warm %.2f, cold %.2f", float64(warmHVPs)/29, float64(coldHVPs)/29)
	if 2*warmHVPs > coldHVPs {
		t.Errorf("warm %d HVPs vs cold %d: the warm start does not pay", warmHVPs, coldHVPs)
	}
}

// The bottom end is tracked like the top one.
func TestTrackerBottom(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	op := reference.NewSpiked(rng, 200, 0.05, []float64{1, -2, -1.9, -1.5})
	tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Top: 1, Bottom: 2}})
	for k := 0; k < 10; k++ {
		op.Lambda[1] = -2 + 0.05*float64(k) // crosses −1.9 at k = 2
		op.Rotate(rng, 0.01)
		r, err := tr.Estimate(op)
		if err != nil {
			t.Fatal(err)
		}
		lo := []float64{op.Lambda[1], op.Lambda[2], op.Lambda[3]}
		if lo[0] > lo[1] {
			lo[0], lo[1] = lo[1], lo[0]
		}
		for i := 0; i < 2; i++ {
			if math.Abs(r.Bottom.Values[i]-lo[i]) > valueTol {
				t.Errorf("k=%d: bottom %v, want %v", k, r.Bottom.Values, lo[:2])
			}
		}
		if math.Abs(r.Top.Values[0]-1) > valueTol {
			t.Errorf("k=%d: top %v, want 1", k, r.Top.Values[0])
		}
	}
}

// A change of dimension, or Reset, makes the next estimate cold.
func TestTrackerColdStarts(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	a := reference.NewSpiked(rng, 100, 0.05, []float64{1, -1})
	b := reference.NewSpiked(rng, 120, 0.05, []float64{2, -1})
	tr := hessian.NewTracker(hessian.TrackerSettings{})
	want := []struct {
		op   *reference.Spiked
		cold bool
	}{{a, true}, {a, false}, {b, true}, {b, false}}
	for i, w := range want {
		r, err := tr.Estimate(w.op)
		if err != nil {
			t.Fatal(err)
		}
		if r.Cold != w.cold {
			t.Errorf("call %d: Cold = %v, want %v", i, r.Cold, w.cold)
		}
	}
	tr.Reset()
	if r, _ := tr.Estimate(b); !r.Cold {
		t.Error("estimate after Reset is not cold")
	}
}

// In the warm (Davidson) path a tolerance below the rounding level is
// detected by the stagnation rule, not looped on until MaxHVPs.
func TestTrackerToleranceBelowRounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	op := reference.NewSpiked(rng, 150, 0.05, []float64{1, 0.7, -1})
	tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Tol: 1e-6}})
	if _, err := tr.Estimate(op); err != nil {
		t.Fatal(err)
	}
	tr.Settings.Tol = 1e-18
	op.SetTime(0.01)
	res, err := tr.Estimate(op)
	var ce *hessian.ConvergenceError
	if !errors.As(err, &ce) || res.Cold {
		t.Fatalf("warm estimate: err = %v, cold = %v; want a ConvergenceError from the warm path", err, res.Cold)
	}
	// The rule allows 3·MaxKrylov (90) steps without halving the residual.
	if res.HVPs > 300 {
		t.Errorf("%d HVPs spent before giving up", res.HVPs)
	}
	if math.Abs(res.Top.Values[0]-1) > valueTol {
		t.Errorf("best estimate %v, want 1", res.Top.Values[0])
	}
}

// TrackerSettings.Periods bounds the period the tracker recognises and the
// memory it keeps for it: with Periods 2, four interleaved sequences are
// still estimated correctly but from warm starts of the wrong sequence
// (poor starts, solved cold); with 4 they are not. Each period costs
// 2·(Top+Bottom)·p + Cache·p floats.
func TestTrackerPeriodsSetting(t *testing.T) {
	ops := interleavedPool()
	for _, c := range []struct {
		periods  int
		wantCold bool
	}{{2, true}, {4, false}, {0, false}} {
		tr := hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Tol: 1e-6}, Periods: c.periods})
		cold := 0
		for k := 0; k < 20; k++ {
			for i, op := range ops {
				op.SetTime((0.01 + 0.002*float64(i)) * float64(k))
				r, err := tr.Estimate(op)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := r.Top.Values[0], spikedTop(op); math.Abs(got-want) > valueTol {
					t.Errorf("Periods=%d k=%d sequence %d: top %v, want %v", c.periods, k, i, got, want)
				}
				if k > 1 && r.Cold {
					cold++
				}
			}
		}
		if (cold > 0) != c.wantCold {
			t.Errorf("Periods=%d: %d cold estimates after the first rounds", c.periods, cold)
		}
	}
	const p = 1000
	s := hessian.TrackerSettings{Settings: hessian.Settings{Top: 2, Bottom: 1}, Cache: 20}
	w := func(periods int) float64 { s.Periods = periods; return s.WorkspaceFloats(p) }
	if d, want := w(3)-w(2), float64((2*3+20)*p); d != want {
		t.Errorf("one more period costs %v floats, want %v", d, want)
	}
	if w(0) != w(4) || w(9) != w(4) {
		t.Errorf("Periods 0 and 9 should resolve to 4: %v, %v, %v floats", w(0), w(9), w(4))
	}
}
