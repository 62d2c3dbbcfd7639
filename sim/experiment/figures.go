package experiment

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim/gd"
)

// stepLabel is the x label of every figure of a run.
const stepLabel = "GD step k (time t = kη)"

// Plots returns the run's figures by file stem: "loss" (log axis; GD as the
// band between the period-2 envelopes of its loss, the flow dashed) and,
// when the spectrum was measured, "sharpness" (at the iterates, at the
// period-2 centres, the flow's, and the 2/η line). A long run gets a zoomed
// first panel on the steps before its loss settles (zoomEnd).
func (r *Result) Plots() (map[string]*figure, error) {
	s := r.Exp.Spec
	gdc := columns(r.Trace)
	var flowc traceColumns
	if r.Flow != nil {
		flowc = columns(r.Flow.Trace)
	}
	zoom := zoomEnd(gdc.steps, gdc.loss)
	flowLabel := ""
	if r.Flow != nil {
		flowLabel = r.Flow.Spec.Kind + " flow"
	}

	loss := newFigure(fmt.Sprintf("%s: loss (η = %g)", s.Name, s.GD.Eta), stepLabel, "loss E", logAxis, zoom)
	lo, hi := envelopes(gdc.loss)
	loss.add(band("GD (range of each period-2 pair)", gdc.steps, lo, hi, gdStyle()))
	if r.Flow != nil {
		loss.add(line(flowLabel, flowc.steps, flowc.loss, flowStyle(0)))
	}
	figs := map[string]*figure{"loss": loss}

	if gdc.measured {
		sharp := newFigure(fmt.Sprintf("%s: sharpness (top Hessian eigenvalue)", s.Name), stepLabel, "sharpness λ₁", linearAxis, zoom)
		sharp.add(alternating("GD: at the iterates", gdc.steps, gdc.sharp, gdStyle()))
		if c := measuredLine("GD: at the period-2 centres", gdc.steps, gdc.center, centreStyle()); len(c.x) > 0 {
			sharp.add(c)
		}
		if c := measuredLine(flowLabel, flowc.steps, flowc.sharp, flowStyle(0)); len(c.x) > 0 {
			sharp.add(c)
		}
		sharp.addLine(hline{label: fmt.Sprintf("2/η = %.6g", 2/s.GD.Eta), y: 2 / s.GD.Eta, style: refStyle()})
		figs["sharpness"] = sharp
	}
	return figs, nil
}

// traceColumns are the columns of a trace as float64 slices (NaN where not
// measured).
type traceColumns struct {
	steps, loss, sharp, center []float64
	measured                   bool
}

func columns(rows []gd.Row) traceColumns {
	var c traceColumns
	for _, row := range rows {
		c.steps = append(c.steps, float64(row.Step))
		c.loss = append(c.loss, row.Loss)
		c.sharp = append(c.sharp, row.Sharpness())
		c.center = append(c.center, row.CenterSharpness())
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
