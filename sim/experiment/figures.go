package experiment

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim/gd"
)

// stepLabel is the x label of every figure of a run.
const stepLabel = "GD step k (time t = kη)"

// Plots returns the run's figures by file stem:
//
//   - "loss" (log axis): GD as the band between the period-2 envelopes of
//     its loss, with its centred time-averaged loss (measure.period2), and
//     each flow's predicted time-averaged loss (dashed) with, for the
//     models, the predicted envelope E(θ ± a) as a band in the flow's
//     colour;
//   - "amplitude" and "free_energy" (with measure.period2): |a| and F along
//     GD (model A's F and the second-order F at GD's state) and each
//     model's;
//   - "sharpness" when the spectrum was measured: at the iterates, at the
//     period-2 centres, each flow's at its θ, and the 2/η line.
//
// A long run gets a zoomed first panel on the steps before its loss
// settles (zoomEnd).
func (r *Result) Plots() (map[string]*figure, error) {
	s := r.Exp.Spec
	gdc := columns(r.Trace)
	zoom := zoomEnd(gdc.steps, gdc.loss)
	period2 := *s.Measure.Period2

	loss := newFigure(fmt.Sprintf("%s: loss (η = %g)", s.Name, s.GD.Eta), stepLabel, "loss E", logAxis, zoom)
	lo, hi := envelopes(gdc.loss)
	loss.add(band("GD (range of each period-2 pair)", gdc.steps, lo, hi, gdStyle()))
	if period2 {
		loss.add(measuredLine("GD: time-averaged loss ¼(E(k−1) + 2E(k) + E(k+1))", gdc.steps, gdc.avg3, centreStyle()))
	}
	figs := map[string]*figure{"loss": loss}
	var amp, free *figure
	if period2 {
		amp = newFigure(fmt.Sprintf("%s: oscillation amplitude |a|", s.Name), stepLabel, "|a|", logAxis, zoom)
		amp.add(measuredLine("GD: |a(k)|, a(k) = ±(θ(k) − centre(k))", gdc.steps, gdc.amp, gdStyle()))
		free = newFigure(fmt.Sprintf("%s: free energy F", s.Name), stepLabel, "F", logAxis, zoom)
		free.add(measuredLine("GD: model A's F at GD's state", gdc.steps, gdc.free, gdStyle()))
		free.add(measuredLine("GD: second-order F(centre, aaᵀ)", gdc.steps, gdc.free2, centreStyle()))
		figs["amplitude"], figs["free_energy"] = amp, free
	}
	var flowSharp []series
	for i, f := range r.Flows {
		st := flowStyle(i)
		if ss := f.SelfStab; ss != nil {
			// The reduced system's sharpness 2/η + y from the onset.
			var x, y []float64
			for _, smp := range ss.Samples {
				x, y = append(x, float64(smp.Step)), append(y, 2/s.GD.Eta+smp.Y)
			}
			if len(x) > 0 {
				flowSharp = append(flowSharp, line(fmt.Sprintf("%s from step %d: 2/η + y", f.Spec.Name, ss.Step), x, y, st))
			}
			continue
		}
		fc := flowColumns(f.Trace)
		label := f.Spec.Name
		if f.Spec.StartStep > 0 {
			label += fmt.Sprintf(" (from step %d)", f.Spec.StartStep)
		}
		loss.add(measuredLine(label+": predicted time-averaged loss", fc.steps, fc.loss, st))
		if f.Spec.Kind != FlowGradient && !allNaN(fc.plus) {
			bst := st
			bst.dashed = false
			bst.width = 0.5
			flo, fhi := make([]float64, len(fc.plus)), make([]float64, len(fc.plus))
			for j := range fc.plus {
				flo[j], fhi[j] = math.Min(fc.plus[j], fc.minus[j]), math.Max(fc.plus[j], fc.minus[j])
			}
			loss.add(band(label+": predicted envelope E(θ ± a)", fc.steps, flo, fhi, bst))
		}
		if period2 && f.Spec.Kind != FlowGradient {
			what := ""
			if f.Spec.Kind == FlowCentral {
				what = ": √tr Σ"
			}
			amp.add(measuredLine(label+what, fc.steps, fc.amp, st))
			if !allNaN(fc.free) {
				free.add(measuredLine(label, fc.steps, fc.free, st))
			}
		}
		if c := measuredLine(label+" at its θ", fc.steps, fc.sharp, st); len(c.x) > 0 {
			flowSharp = append(flowSharp, c)
		}
	}
	if gdc.measured {
		sharp := newFigure(fmt.Sprintf("%s: sharpness (top Hessian eigenvalue)", s.Name), stepLabel, "sharpness λ₁", linearAxis, zoom)
		sharp.add(alternating("GD: at the iterates", gdc.steps, gdc.sharp, gdStyle()))
		if c := measuredLine("GD: at the period-2 centres", gdc.steps, gdc.center, centreStyle()); len(c.x) > 0 {
			sharp.add(c)
		}
		sharp.add(flowSharp...)
		sharp.addLine(hline{label: fmt.Sprintf("2/η = %.6g", 2/s.GD.Eta), y: 2 / s.GD.Eta, style: refStyle()})
		figs["sharpness"] = sharp
	}
	return figs, nil
}

// allNaN reports whether every value is NaN (or there is none).
func allNaN(y []float64) bool {
	for _, v := range y {
		if !math.IsNaN(v) {
			return false
		}
	}
	return true
}

// flowCols are a flow's samples as float64 slices (NaN where not
// predicted or measured).
type flowCols struct {
	steps, loss, plus, minus, amp, free, sharp []float64
}

func flowColumns(rows []FlowRow) flowCols {
	var c flowCols
	for _, row := range rows {
		c.steps = append(c.steps, float64(row.Step))
		c.loss = append(c.loss, row.Point.Loss)
		c.plus = append(c.plus, row.Point.LossPlus)
		c.minus = append(c.minus, row.Point.LossMinus)
		c.amp = append(c.amp, row.Point.Amplitude)
		c.free = append(c.free, row.Point.FreeEnergy)
		c.sharp = append(c.sharp, row.Sharpness())
	}
	return c
}

// traceColumns are the columns of a trace as float64 slices (NaN where not
// measured).
type traceColumns struct {
	steps, loss, sharp, center []float64
	// the period-2 observations (NaN without them)
	avg3, amp, free, free2 []float64
	measured               bool
}

func columns(rows []gd.Row) traceColumns {
	var c traceColumns
	for _, row := range rows {
		c.steps = append(c.steps, float64(row.Step))
		c.loss = append(c.loss, row.Loss)
		c.sharp = append(c.sharp, row.Sharpness())
		c.center = append(c.center, row.CenterSharpness())
		p2 := row.P2
		if p2 == (gd.Period2{}) {
			p2.LossAvg3, p2.Amplitude, p2.FreeEnergy, p2.FreeEnergy2 = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		}
		c.avg3 = append(c.avg3, p2.LossAvg3)
		c.amp = append(c.amp, p2.Amplitude)
		c.free = append(c.free, p2.FreeEnergy)
		c.free2 = append(c.free2, p2.FreeEnergy2)
		c.measured = c.measured || !math.IsNaN(row.Sharpness())
	}
	return c
}

// measuredLine is the line of the points where y was measured (not NaN).
func measuredLine(label string, x, y []float64, st style) series {
	s := line(label, nil, nil, st)
	for i := range y {
		if !math.IsNaN(y[i]) {
			s.x, s.y = append(s.x, x[i]), append(s.y, y[i])
		}
	}
	return s
}

// alternating returns the measured points of y as the band between their
// period-2 envelopes when consecutive measurements are an odd number of
// steps apart (so that they alternate between the two phases of a period-2
// oscillation, whose raw zig-zag would hide everything else), and as a line
// otherwise.
func alternating(label string, x, y []float64, st style) series {
	s := measuredLine(label, x, y, st)
	for i := 1; i < len(s.x); i++ {
		if int64(s.x[i]-s.x[i-1])%2 == 0 {
			return s
		}
	}
	lo, hi := envelopes(s.y)
	return band(label+" (range of each period-2 pair)", s.x, lo, hi, st)
}

// envelopes returns the lower and upper envelopes of the period-2
// oscillation of y: at row i the smaller and the larger of y_i and its
// neighbour in the pair it alternates with (y_{i+1}, or y_{i−1} at the last
// row). On a 2-cycle they are the cycle's two losses, on a monotone stretch
// they bracket the curve by one step. (With an even trace period every row
// is on one phase of a 2-cycle and the envelopes coincide.)
func envelopes(y []float64) (lo, hi []float64) {
	lo, hi = make([]float64, len(y)), make([]float64, len(y))
	for i := range y {
		j := i + 1
		if j == len(y) {
			j = i - 1
		}
		if j < 0 {
			lo[i], hi[i] = y[i], y[i]
			continue
		}
		lo[i], hi[i] = math.Min(y[i], y[j]), math.Max(y[i], y[j])
	}
	return lo, hi
}

// zoomEnd returns where the zoomed first panel of a long run ends, or 0 for
// none. A run is long from 5000 steps; the zoom shows the steps before its
// loss envelopes settle (the last step at which either envelope is more than
// 5% away from its final value, in relative terms), with half as much
// again after them, rounded up to 1, 2 or 5 times a power of ten; none when
// that is more than a quarter of the run, where the whole run shows it
// well enough.
func zoomEnd(steps, loss []float64) float64 {
	n := len(steps)
	if n < 2 || steps[n-1] < 5000 {
		return 0
	}
	lo, hi := envelopes(loss)
	settled := 0.0
	far := func(v, final float64) bool {
		return math.Abs(v-final) > 0.05*math.Max(math.Abs(final), 1e-300) || math.IsNaN(v)
	}
	for i := n - 1; i >= 0; i-- {
		if far(lo[i], lo[n-1]) || far(hi[i], hi[n-1]) {
			settled = steps[i]
			break
		}
	}
	end := niceCeil(1.5 * settled)
	if settled == 0 || end > steps[n-1]/4 {
		return 0
	}
	return end
}

// niceCeil rounds x > 0 up to 1, 2 or 5 times a power of ten.
func niceCeil(x float64) float64 {
	if !(x > 0) {
		return 0
	}
	return niceStep(x)
}
