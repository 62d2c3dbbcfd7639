package compare

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// SpikeSettings are the parameters of DetectSpikes (zero values select the
// defaults).
type SpikeSettings struct {
	// BaselineSteps is the width, in steps, of the running median that
	// serves as the baseline (default 400): the median ignores excursions
	// that cover less than half of it.
	BaselineSteps int
	// Factor is how many times the baseline the excess must exceed
	// (default 3).
	Factor float64
	// MaxSteps is the longest a spike may last, in steps (default
	// BaselineSteps/4); a longer excursion is a change of regime, not a
	// spike.
	MaxSteps int
	// MinHeight is the smallest height above the baseline that counts
	// (default 0: any height); Compare sets it to 10⁻³ of GD's median
	// time-averaged loss, so that round-off-sized blips before the onset
	// are not spikes.
	MinHeight float64
}

func (s SpikeSettings) resolved() SpikeSettings {
	if s.BaselineSteps <= 0 {
		s.BaselineSteps = 400
	}
	if !(s.Factor > 0) {
		s.Factor = 3
	}
	if s.MaxSteps <= 0 {
		s.MaxSteps = max(1, s.BaselineSteps/4)
	}
	return s
}

// Spike is one excursion of the excess x_k = L̄_k − E(θ̄_k).
type Spike struct {
	// Start, Peak and End are the steps of the first row above the
	// threshold, of the largest excess, and of the last row above it.
	Start int `json:"start"`
	Peak  int `json:"peak"`
	End   int `json:"end"`
	// Height is the excess at the peak above the baseline there; Baseline
	// is that baseline (the running median).
	Height   float64 `json:"height"`
	Baseline float64 `json:"baseline"`
	// SharpnessBefore and SharpnessAfter are the centre sharpness at the
	// last measured step before Start and the first after End (nil when
	// not measured; see SetSharpness).
	SharpnessBefore *float64 `json:"sharpness_center_before"`
	SharpnessAfter  *float64 `json:"sharpness_center_after"`
}

// DetectSpikes finds the spikes of the series x on the given steps
// (increasing). eoskit's definition [D]: the baseline b_k is the median of
// x over the rows within BaselineSteps/2 steps of k; a spike is a maximal
// run of consecutive rows with x_k > Factor·max(b_k, 0) and
// x_k − b_k > MinHeight that lasts at most MaxSteps (from its first to its
// last row) and is seen to rise and to fall: it neither starts at the first
// row nor ends at the last. Non-finite values end a run and are left out of
// the baselines.
func DetectSpikes(steps []int, x []float64, s SpikeSettings) []Spike {
	if len(steps) != len(x) {
		panic(fmt.Sprintf("compare: DetectSpikes: %d steps, %d values", len(steps), len(x)))
	}
	s = s.resolved()
	base := runningMedian(steps, x, s.BaselineSteps/2)
	var out []Spike
	above := func(i int) bool {
		b := math.Max(base[i], 0)
		return finite(x[i]) && x[i] > s.Factor*b && x[i]-base[i] > s.MinHeight
	}
	for i := 0; i < len(x); {
		if !above(i) {
			i++
			continue
		}
		j, peak := i, i
		for j+1 < len(x) && above(j+1) {
			j++
			if x[j] > x[peak] {
				peak = j
			}
		}
		// A run that touches either end of the series was not seen to
		// rise or to fall (a run that diverges ends on one): not a spike.
		if steps[j]-steps[i] <= s.MaxSteps && i > 0 && j < len(x)-1 {
			out = append(out, Spike{Start: steps[i], Peak: steps[peak], End: steps[j],
				Height: x[peak] - base[peak], Baseline: base[peak]})
		}
		i = j + 1
	}
	return out
}

// runningMedian returns, for each row i, the median of the finite x_j with
// |steps_j − steps_i| ≤ half (NaN when there is none). It keeps the window
// sorted as it slides: O(N·W) for W rows in a window.
func runningMedian(steps []int, x []float64, half int) []float64 {
	out := make([]float64, len(x))
	var win []float64
	lo, hi := 0, 0 // rows [lo, hi) are in the window
	insert := func(v float64) {
		if finite(v) {
			k := sort.SearchFloat64s(win, v)
			win = slices.Insert(win, k, v)
		}
	}
	remove := func(v float64) {
		if finite(v) {
			k := sort.SearchFloat64s(win, v)
			win = slices.Delete(win, k, k+1)
		}
	}
	for i := range x {
		for hi < len(x) && steps[hi] <= steps[i]+half {
			insert(x[hi])
			hi++
		}
		for steps[lo] < steps[i]-half {
			remove(x[lo])
			lo++
		}
		if len(win) == 0 {
			out[i] = math.NaN()
		} else {
			out[i] = median(win)
		}
	}
	return out
}

// SetSharpness fills SharpnessBefore and SharpnessAfter from a sharpness
// series on the given steps (NaN where not measured).
func (sp *Spike) SetSharpness(steps []int, sharpness []float64) {
	sp.SharpnessBefore, sp.SharpnessAfter = nil, nil
	for i, k := range steps {
		v := sharpness[i]
		if !finite(v) {
			continue
		}
		if k < sp.Start {
			vv := v
			sp.SharpnessBefore = &vv
		}
		if k > sp.End && sp.SharpnessAfter == nil {
			vv := v
			sp.SharpnessAfter = &vv
		}
	}
}

// SpikeMatch says how many of GD's spikes a flow reproduces.
type SpikeMatch struct {
	// GD and Flow count the spikes of each in the window.
	GD   int `json:"gd"`
	Flow int `json:"flow"`
	// Matched counts GD's spikes with a flow spike whose peak is within
	// WindowSteps steps of GD's peak (each flow spike used once, nearest
	// first).
	Matched     int `json:"matched"`
	WindowSteps int `json:"window_steps"`
	// Fraction is Matched/GD (nil when GD has no spike).
	Fraction *float64 `json:"fraction"`
	// HeightRatio is the median over the matched pairs of the flow's
	// height over GD's (nil when none matched).
	HeightRatio *float64 `json:"height_ratio_median"`
}

// MatchSpikes pairs GD's spikes with a flow's: each GD spike, in order,
// takes the unused flow spike whose peak is nearest to its own, if it is
// within window steps.
func MatchSpikes(gd, flow []Spike, window int) SpikeMatch {
	m := SpikeMatch{GD: len(gd), Flow: len(flow), WindowSteps: window}
	used := make([]bool, len(flow))
	var ratios []float64
	for _, g := range gd {
		best, dist := -1, window+1
		for j, f := range flow {
			if d := abs(f.Peak - g.Peak); !used[j] && d < dist {
				best, dist = j, d
			}
		}
		if best < 0 {
			continue
		}
		used[best] = true
		m.Matched++
		if g.Height != 0 {
			ratios = append(ratios, flow[best].Height/g.Height)
		}
	}
	if m.GD > 0 {
		f := float64(m.Matched) / float64(m.GD)
		m.Fraction = &f
	}
	if len(ratios) > 0 {
		sort.Float64s(ratios)
		r := median(ratios)
		m.HeightRatio = &r
	}
	return m
}

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}
