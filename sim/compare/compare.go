package compare

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Observed are the period-2 observations of a run (GD's observers or a
// flow's predictions) on recorded steps, in increasing step order. The
// value slices have the length of Steps; NaN marks a value not observed at
// that step.
type Observed struct {
	Steps []int
	// LossAvg is the time-averaged loss L̄_k (for a flow: its prediction).
	LossAvg []float64
	// CenterLoss is E(θ̄_k) (for a flow: E(θ(t))).
	CenterLoss []float64
	// Amplitude is |a_k| (zero for gradient flow).
	Amplitude []float64
	// Sharpness is the sharpness at the centre θ̄_k (for a flow: at θ(t)),
	// NaN where not measured.
	Sharpness []float64
}

// check panics when the slices do not match Steps.
func (o *Observed) check(what string) {
	n := len(o.Steps)
	for _, s := range [][]float64{o.LossAvg, o.CenterLoss, o.Amplitude, o.Sharpness} {
		if s != nil && len(s) != n {
			panic(fmt.Sprintf("compare: %s: a series has %d values for %d steps", what, len(s), n))
		}
	}
	if !slices.IsSorted(o.Steps) {
		panic(fmt.Sprintf("compare: %s: steps are not increasing", what))
	}
}

// Excess returns L̄_k − E(θ̄_k), the series spikes are detected on (≈ |a|²/η
// near the Edge of Stability).
func (o *Observed) Excess() []float64 {
	x := make([]float64, len(o.Steps))
	for i := range x {
		x[i] = o.LossAvg[i] - o.CenterLoss[i]
	}
	return x
}

// ErrorStats summarises relative errors |pred − ref|/|ref| over a window.
type ErrorStats struct {
	// Median, P90 and Max of the relative errors. P90 is the nearest-rank
	// 90th percentile: the ⌈0.9·N⌉-th smallest.
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	Max    float64 `json:"max"`
	// N is the number of steps compared (where both values are finite and
	// ref ≠ 0).
	N int `json:"n"`
}

// MarshalJSON writes NaN statistics (no value compared) as null.
func (e ErrorStats) MarshalJSON() ([]byte, error) {
	f := func(x float64) any {
		if finite(x) {
			return x
		}
		return nil
	}
	return json.Marshal(struct {
		Median any `json:"median"`
		P90    any `json:"p90"`
		Max    any `json:"max"`
		N      int `json:"n"`
	}{f(e.Median), f(e.P90), f(e.Max), e.N})
}

// RelErrors returns the statistics of |pred_i − ref_i|/|ref_i| over the
// indices where both are finite and ref_i ≠ 0 (NaN statistics when there
// is none).
func RelErrors(ref, pred []float64) ErrorStats {
	if len(ref) != len(pred) {
		panic(fmt.Sprintf("compare: RelErrors: %d reference values, %d predictions", len(ref), len(pred)))
	}
	var e []float64
	for i, r := range ref {
		p := pred[i]
		if !finite(r) || !finite(p) || r == 0 {
			continue
		}
		e = append(e, math.Abs(p-r)/math.Abs(r))
	}
	if len(e) == 0 {
		n := math.NaN()
		return ErrorStats{Median: n, P90: n, Max: n}
	}
	sort.Float64s(e)
	return ErrorStats{Median: median(e), P90: e[int(math.Ceil(0.9*float64(len(e))))-1], Max: e[len(e)-1], N: len(e)}
}

// MedianAbs is the median of the finite |x_i| (0 when there is none).
func MedianAbs(x []float64) float64 {
	var a []float64
	for _, v := range x {
		if finite(v) {
			a = append(a, math.Abs(v))
		}
	}
	if len(a) == 0 {
		return 0
	}
	sort.Float64s(a)
	return median(a)
}

// median of sorted values.
func median(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return 0.5 * (s[n/2-1] + s[n/2])
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Onset returns the first step whose sharpness reaches frac·threshold (the
// Edge-of-Stability onset with frac = 0.99 and threshold 2/η), and false
// when none does.
func Onset(steps []int, sharpness []float64, threshold, frac float64) (int, bool) {
	for i, s := range sharpness {
		if s >= frac*threshold {
			return steps[i], true
		}
	}
	return 0, false
}

// Settings are the parameters of Compare (zero values select the defaults).
type Settings struct {
	// Eta is the GD step size η (required: the onset is at 0.99·2/η).
	Eta float64
	// OnsetFraction is the fraction of 2/η the sharpness must reach for the
	// onset (default 0.99).
	OnsetFraction float64
	// Spikes are the spike detector's settings; a zero MinHeight is set
	// to 10⁻³ of the median |L̄_k| of GD over the window.
	Spikes SpikeSettings
	// MatchSteps is how far (in steps) a flow's spike peak may be from
	// GD's for the spike to count as reproduced (default 50).
	MatchSteps int
}

// Report is the comparison of a flow with GD over the flow's window.
type Report struct {
	// Window is the first and last step compared.
	Window [2]int `json:"window"`
	// LossAvg, CenterLoss and Amplitude are the relative errors of the
	// flow's time-averaged loss, centre loss and amplitude against GD's.
	LossAvg    ErrorStats `json:"loss_avg"`
	CenterLoss ErrorStats `json:"center_loss"`
	Amplitude  ErrorStats `json:"amplitude"`
	// OnsetGD and OnsetFlow are the onset steps (nil: not reached in the
	// window, or the sharpness was not measured).
	OnsetGD   *int `json:"onset_step_gd"`
	OnsetFlow *int `json:"onset_step_flow"`
	// Spikes compares the loss spikes.
	Spikes SpikeMatch `json:"spikes"`
}

// Compare compares the flow's predictions with GD's observations on the
// steps both recorded (the window runs from the first to the last of them);
// GD's onset and spikes are taken over GD's rows in that window.
func Compare(gd, flow Observed, s Settings) (Report, error) {
	gd.check("GD")
	flow.check("flow")
	if !(s.Eta > 0) {
		return Report{}, fmt.Errorf("compare: η = %v must be > 0", s.Eta)
	}
	if len(flow.Steps) == 0 {
		return Report{}, fmt.Errorf("compare: the flow has no samples")
	}
	frac := s.OnsetFraction
	if frac == 0 {
		frac = 0.99
	}
	match := s.MatchSteps
	if match == 0 {
		match = 50
	}
	// The steps both recorded, from the flow's first sample on.
	var idx, fidx []int
	j := 0
	for i, k := range flow.Steps {
		for j < len(gd.Steps) && gd.Steps[j] < k {
			j++
		}
		if j < len(gd.Steps) && gd.Steps[j] == k {
			idx, fidx = append(idx, j), append(fidx, i)
		}
	}
	if len(idx) == 0 {
		return Report{}, fmt.Errorf("compare: the flow's samples (steps %d–%d) share no step with GD's trace", flow.Steps[0], flow.Steps[len(flow.Steps)-1])
	}
	pick := func(x []float64, at []int) []float64 {
		out := make([]float64, len(at))
		for i, j := range at {
			out[i] = x[j]
		}
		return out
	}
	r := Report{Window: [2]int{gd.Steps[idx[0]], gd.Steps[idx[len(idx)-1]]}}
	r.LossAvg = RelErrors(pick(gd.LossAvg, idx), pick(flow.LossAvg, fidx))
	r.CenterLoss = RelErrors(pick(gd.CenterLoss, idx), pick(flow.CenterLoss, fidx))
	r.Amplitude = RelErrors(pick(gd.Amplitude, idx), pick(flow.Amplitude, fidx))
	if gd.Sharpness != nil {
		if k, ok := Onset(gd.Steps, gd.Sharpness, 2/s.Eta, frac); ok {
			r.OnsetGD = &k
		}
	}
	if flow.Sharpness != nil {
		if k, ok := Onset(flow.Steps, flow.Sharpness, 2/s.Eta, frac); ok {
			r.OnsetFlow = &k
		}
	}
	sp := s.Spikes
	if sp.MinHeight == 0 {
		sp.MinHeight = 1e-3 * MedianAbs(pick(gd.LossAvg, idx))
	}
	// GD's spikes are detected on its whole run (so that the baseline
	// near the window's edges sees both sides) and kept where their peak
	// is in the window.
	var gs []Spike
	for _, g := range DetectSpikes(gd.Steps, gd.Excess(), sp) {
		if g.Peak >= r.Window[0] && g.Peak <= r.Window[1] {
			gs = append(gs, g)
		}
	}
	fs := DetectSpikes(flow.Steps, flow.Excess(), sp)
	r.Spikes = MatchSpikes(gs, fs, match)
	return r, nil
}
