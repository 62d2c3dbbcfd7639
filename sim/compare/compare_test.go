package compare_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/eoskit/eoskit/sim/compare"
)

func steps(n, every int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i * every
	}
	return s
}

// TestRelErrors: the statistics are of |p − r|/|r| over the pairs where
// both are finite and r ≠ 0; P90 is the nearest-rank percentile (the
// ⌈0.9·N⌉-th smallest). The values are exact in binary (powers of two).
func TestRelErrors(t *testing.T) {
	nan := math.NaN()
	ref := []float64{1, 2, 4, 8, 1, 1, 1, 1, 1, 1, 0, nan, 1}
	pred := []float64{1.5, 2, 3, 8, 1.25, 1, 1, 1, 1.125, 1, 5, 1, math.Inf(1)}
	// Errors: 0.5, 0, 0.25, 0, 0.25, 0, 0, 0, 0.125, 0 (10 values).
	got := compare.RelErrors(ref, pred)
	want := compare.ErrorStats{Median: 0, P90: 0.25, Max: 0.5, N: 10}
	if got != want {
		t.Fatalf("RelErrors = %+v, want %+v", got, want)
	}
	odd := compare.RelErrors([]float64{1, 1, 1}, []float64{1.5, 1.25, 1})
	if odd.Median != 0.25 || odd.P90 != 0.5 || odd.N != 3 {
		t.Fatalf("three values: %+v", odd)
	}
	none := compare.RelErrors([]float64{0, nan}, []float64{1, 1})
	if none.N != 0 || !math.IsNaN(none.Median) {
		t.Fatalf("no comparable pair: %+v", none)
	}
	b, err := json.Marshal(none)
	if err != nil || string(b) != `{"median":null,"p90":null,"max":null,"n":0}` {
		t.Fatalf("JSON of empty statistics: %s (%v)", b, err)
	}
}

// spiky returns a baseline 0.01 with three spikes of height 0.5 (rising
// for 10 steps, falling for 10) peaking at 500, 1000 and 1600, and a long
// plateau (0.01 → 0.2 from step 2000 on, for 800 steps): the plateau is a
// change of regime, not a spike.
func spiky(n int) []float64 {
	x := make([]float64, n)
	for k := range x {
		x[k] = 0.01
		for _, peak := range []int{500, 1000, 1600} {
			if d := k - peak; d > -10 && d < 10 {
				x[k] += 0.5 * (1 - math.Abs(float64(d))/10)
			}
		}
		if k >= 2000 && k < 2800 {
			x[k] = 0.2
		}
	}
	return x
}

// TestDetectSpikes: the three spikes of spiky are found with their exact
// start, peak, end and height (the excess above the running median, which
// the narrow spikes do not move); the plateau is not; with every other row
// recorded the same spikes are found at the recorded steps.
func TestDetectSpikes(t *testing.T) {
	x := spiky(3000)
	got := compare.DetectSpikes(steps(3000, 1), x, compare.SpikeSettings{})
	if len(got) != 3 {
		t.Fatalf("%d spikes, want 3: %+v", len(got), got)
	}
	for i, peak := range []int{500, 1000, 1600} {
		s := got[i]
		// Above 3×0.01 from d = −9 … 9 except where 0.5(1−|d|/10) ≤ 0.02:
		// |d| ≤ 9 gives 0.05 + 0.01 > 0.03, so the run is peak−9 … peak+9.
		if s.Start != peak-9 || s.Peak != peak || s.End != peak+9 || math.Abs(s.Height-0.5) > 1e-15 || s.Baseline != 0.01 {
			t.Errorf("spike %d: %+v, want start %d, peak %d, end %d, height 0.5 over 0.01", i, s, peak-9, peak, peak+9)
		}
	}
	thin := make([]float64, 1500)
	for i := range thin {
		thin[i] = x[2*i]
	}
	got2 := compare.DetectSpikes(steps(1500, 2), thin, compare.SpikeSettings{})
	if len(got2) != 3 || got2[1].Peak != 1000 || got2[1].Start != 992 || got2[1].End != 1008 {
		t.Fatalf("every other step: %+v", got2)
	}
	// A run that touches the end of the series (a run that diverged ends on
	// one) or its start was not seen to fall or rise: not a spike.
	cut := compare.DetectSpikes(steps(1005, 1), x[:1005], compare.SpikeSettings{})
	if len(cut) != 1 || cut[0].Peak != 500 {
		t.Fatalf("series ending inside a spike: %+v, want only the spike at 500", cut)
	}
	if n := len(compare.DetectSpikes(steps(1000, 1), x[495:1495], compare.SpikeSettings{})); n != 1 {
		t.Fatalf("series starting inside a spike: %d spikes, want 1 (the one at 1000)", n)
	}
	// A floor above the spikes' height removes them.
	if n := len(compare.DetectSpikes(steps(3000, 1), x, compare.SpikeSettings{MinHeight: 0.6})); n != 0 {
		t.Fatalf("%d spikes above a floor of 0.6", n)
	}
	// The plateau is found as a spike once it is allowed to last long
	// enough: the duration limit is what excludes it.
	long := compare.DetectSpikes(steps(3000, 1), x, compare.SpikeSettings{BaselineSteps: 4000, MaxSteps: 1000})
	if len(long) != 4 || long[3].Start != 2000 || long[3].End != 2799 {
		t.Fatalf("with a 4000-step baseline and no duration limit: %+v", long)
	}
}

// TestSpikeSharpness: the sharpness before and after a spike are the last
// measured value before its start and the first after its end.
func TestSpikeSharpness(t *testing.T) {
	nan := math.NaN()
	s := compare.Spike{Start: 20, Peak: 25, End: 30}
	s.SetSharpness([]int{0, 10, 20, 25, 30, 40, 50}, []float64{1, 2, 3, nan, 5, nan, 7})
	if s.SharpnessBefore == nil || *s.SharpnessBefore != 2 || s.SharpnessAfter == nil || *s.SharpnessAfter != 7 {
		t.Fatalf("before %v, after %v; want 2 and 7", s.SharpnessBefore, s.SharpnessAfter)
	}
}

// TestMatchSpikes: each GD spike takes the nearest unused flow spike
// within the window; the fraction and the median height ratio follow.
func TestMatchSpikes(t *testing.T) {
	gd := []compare.Spike{{Peak: 100, Height: 1}, {Peak: 200, Height: 2}, {Peak: 300, Height: 1}, {Peak: 500, Height: 1}}
	flow := []compare.Spike{{Peak: 110, Height: 0.5}, {Peak: 190, Height: 1}, {Peak: 205, Height: 4}, {Peak: 420, Height: 9}}
	m := compare.MatchSpikes(gd, flow, 50)
	// 100 ↔ 110 (ratio 0.5), 200 ↔ 205 (2), 300: 205 is used, 190 is
	// too far, none; 500: 420 is 80 away, none.
	if m.GD != 4 || m.Flow != 4 || m.Matched != 2 || *m.Fraction != 0.5 || *m.HeightRatio != 1.25 {
		t.Fatalf("%+v (fraction %v, ratio %v)", m, *m.Fraction, *m.HeightRatio)
	}
	if e := compare.MatchSpikes(nil, flow, 50); e.Fraction != nil || e.HeightRatio != nil {
		t.Fatalf("no GD spike: %+v", e)
	}
}

// TestCompare: the flow's samples are compared with GD's rows at the same
// steps; GD's onset is over its whole run, the flow's over its samples; GD
// spikes outside the window are not counted.
func TestCompare(t *testing.T) {
	const n = 3000
	gdx := spiky(n)
	gd := compare.Observed{Steps: steps(n, 1)}
	for k := range n {
		gd.CenterLoss = append(gd.CenterLoss, 1)
		gd.LossAvg = append(gd.LossAvg, 1+gdx[k])
		gd.Amplitude = append(gd.Amplitude, 0.1)
		s := 19.0
		if k >= 300 {
			s = 19.9
		}
		gd.Sharpness = append(gd.Sharpness, s)
	}
	// The flow starts at step 800 and is sampled every 4 steps, a tenth
	// above GD's losses and a quarter below its amplitude.
	var fl compare.Observed
	for k := 800; k < n; k += 4 {
		fl.Steps = append(fl.Steps, k)
		fl.CenterLoss = append(fl.CenterLoss, 1.1)
		fl.LossAvg = append(fl.LossAvg, 1.1*(1+gdx[k]))
		fl.Amplitude = append(fl.Amplitude, 0.075)
		fl.Sharpness = append(fl.Sharpness, 20)
	}
	r, err := compare.Compare(gd, fl, compare.Settings{Eta: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Window != [2]int{800, 2996} {
		t.Fatalf("window %v", r.Window)
	}
	for _, c := range []struct {
		what string
		e    compare.ErrorStats
		want float64
	}{{"L̄", r.LossAvg, 0.1}, {"E(θ̄)", r.CenterLoss, 0.1}, {"|a|", r.Amplitude, 0.25}} {
		if math.Abs(c.e.Median-c.want) > 1e-14 || math.Abs(c.e.Max-c.want) > 1e-14 || c.e.N != len(fl.Steps) {
			t.Errorf("%s: %+v, want every error %g over %d steps", c.what, c.e, c.want, len(fl.Steps))
		}
	}
	if r.OnsetGD == nil || *r.OnsetGD != 300 || r.OnsetFlow == nil || *r.OnsetFlow != 800 {
		t.Fatalf("onsets %v, %v; want 300 and 800", r.OnsetGD, r.OnsetFlow)
	}
	// GD's spikes at 1000 and 1600 are in the window (500 is not); the
	// flow's excess 0.1 + 1.1x has them at the same peaks (sampled every 4
	// steps: 1000 and 1600 are samples), with height ratio 1.1.
	sp := r.Spikes
	if sp.GD != 2 || sp.Flow != 2 || sp.Matched != 2 || math.Abs(*sp.HeightRatio-1.1) > 1e-12 {
		t.Fatalf("spikes %+v (ratio %v)", sp, *sp.HeightRatio)
	}
	if _, err := compare.Compare(gd, compare.Observed{Steps: []int{5000}, LossAvg: []float64{1}, CenterLoss: []float64{1}, Amplitude: []float64{0}}, compare.Settings{Eta: 0.1}); err == nil {
		t.Fatal("a flow sharing no step with GD was compared")
	}
}
