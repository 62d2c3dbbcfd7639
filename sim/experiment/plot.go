package experiment

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// maxPlotBuckets bounds the number of points a curve is drawn with. Longer
// traces are reduced to the minimum and maximum of each bucket of steps, so
// that a period-2 oscillation still shows as its envelope.
const maxPlotBuckets = 2000

// series is a curve to draw: x and y values, and a legend label.
type series struct {
	label string
	x, y  []float64
	color color.Color
	dash  bool
}

// envelope reduces (x, y) to at most 2·buckets points: per bucket of
// consecutive points, the minimum and the maximum, in x order. Points with
// non-finite y (or non-positive y on a log axis) are dropped.
func envelope(x, y []float64, buckets int, logY bool) plotter.XYs {
	var keep []int
	for i := range y {
		if math.IsNaN(y[i]) || math.IsInf(y[i], 0) || (logY && y[i] <= 0) {
			continue
		}
		keep = append(keep, i)
	}
	if len(keep) <= 2*buckets {
		xy := make(plotter.XYs, len(keep))
		for j, i := range keep {
			xy[j] = plotter.XY{X: x[i], Y: y[i]}
		}
		return xy
	}
	xy := make(plotter.XYs, 0, 2*buckets)
	per := float64(len(keep)) / float64(buckets)
	for b := 0; b < buckets; b++ {
		lo, hi := int(float64(b)*per), int(float64(b+1)*per)
		if hi > len(keep) {
			hi = len(keep)
		}
		imin, imax := keep[lo], keep[lo]
		for _, i := range keep[lo:hi] {
			if y[i] < y[imin] {
				imin = i
			}
			if y[i] > y[imax] {
				imax = i
			}
		}
		if imin > imax {
			imin, imax = imax, imin
		}
		xy = append(xy, plotter.XY{X: x[imin], Y: y[imin]})
		if imax != imin {
			xy = append(xy, plotter.XY{X: x[imax], Y: y[imax]})
		}
	}
	return xy
}

// figure draws curves and optional horizontal reference lines into a PNG and
// an SVG.
type figure struct {
	title, xlabel, ylabel string
	logY                  bool
	curves                []series
	hlines                []hline
}

type hline struct {
	label string
	y     float64
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
}

// render returns the figure as PNG and SVG bytes.
func (f *figure) render() (pngData, svgData []byte, err error) {
	p := plot.New()
	p.Title.Text = f.title
	p.X.Label.Text = f.xlabel
	p.Y.Label.Text = f.ylabel
	if f.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decadeTicks{}
	}
	p.Add(plotter.NewGrid())
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for i, c := range f.curves {
		xy := envelope(c.x, c.y, maxPlotBuckets, f.logY)
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, nil, fmt.Errorf("plot %q: %w", f.title, err)
		}
		col := c.color
		if col == nil {
			col = palette[i%len(palette)]
		}
		l.Color = col
		l.Width = vg.Points(0.8)
		if c.dash {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		if c.label != "" {
			p.Legend.Add(c.label, l)
		}
		xmin, xmax = math.Min(xmin, xy[0].X), math.Max(xmax, xy[len(xy)-1].X)
	}
	if xmin > xmax {
		xmin, xmax = 0, 1
	}
	for _, h := range f.hlines {
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: h.y}, {X: xmax, Y: h.y}})
		if err != nil {
			return nil, nil, fmt.Errorf("plot %q: %w", f.title, err)
		}
		l.Color = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(h.label, l)
	}
	// Keep the legend off the curves: bottom right on a linear axis (where
	// sharpness curves rarely are), top right with headroom on a log axis.
	p.Legend.Top = f.logY
	if f.logY {
		logRange(&p.Y)
	}
	const w, h = 8 * vg.Inch, 4.5 * vg.Inch
	for _, format := range []string{"png", "svg"} {
		wt, err := p.WriterTo(w, h, format)
		if err != nil {
			return nil, nil, fmt.Errorf("plot %q: %w", f.title, err)
		}
		var b bytes.Buffer
		if _, err := wt.WriteTo(&b); err != nil {
			return nil, nil, fmt.Errorf("plot %q: %w", f.title, err)
		}
		if format == "png" {
			pngData = b.Bytes()
		} else {
			svgData = b.Bytes()
		}
	}
	return pngData, svgData, nil
}

// logRange makes the range of a log axis drawable. gonum/plot widens a
// degenerate range [v, v] to [v−1, v+1] and an empty one to [−1, 1], and its
// LogScale panics on the non-positive ends that produces; a product that
// overflows to +Inf is likewise reset to 0. So: no data (every value was
// dropped as non-positive) falls back to a linear axis, a single value gets
// a decade on each side, and the headroom above the curves is capped at the
// largest float64.
func logRange(a *plot.Axis) {
	switch {
	case math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0) || !(a.Min > 0):
		a.Scale, a.Tick.Marker = plot.LinearScale{}, plot.DefaultTicks{}
		return
	case a.Max == a.Min:
		a.Min /= 10
		a.Max *= 10
	default:
		a.Max *= math.Pow(a.Max/a.Min, 0.2)
	}
	if math.IsInf(a.Max, 0) {
		a.Max = math.MaxFloat64
	}
}

// Plots returns the run's figures by file stem: "loss" (log axis) and, when
// the spectrum was measured, "sharpness" with the 2/η line.
func (r *Result) Plots() (map[string]*figure, error) {
	n := len(r.Trace)
	steps := make([]float64, n)
	loss := make([]float64, n)
	sharp := make([]float64, n)
	center := make([]float64, n)
	var measured bool
	for i, row := range r.Trace {
		steps[i] = float64(row.Step)
		loss[i] = row.Loss
		sharp[i] = row.Sharpness()
		center[i] = row.CenterSharpness()
		measured = measured || !math.IsNaN(sharp[i])
	}
	s := r.Exp.Spec
	figs := map[string]*figure{
		"loss": {
			title:  fmt.Sprintf("%s: loss (η = %g)", s.Name, s.GD.Eta),
			xlabel: "GD step k (t = kη)",
			ylabel: "E(θ_k)",
			logY:   allPositive(loss),
			curves: []series{{label: "GD", x: steps, y: loss}},
		},
	}
	var flowCurves []series
	for _, f := range r.Flows {
		var fx, fl, fsh []float64
		for _, row := range f.Trace {
			fx = append(fx, float64(row.Step))
			fl = append(fl, row.Loss)
			fsh = append(fsh, row.Sharpness())
		}
		label := f.Spec.Name + " flow"
		figs["loss"].curves = append(figs["loss"].curves, series{label: label, x: fx, y: fl, dash: true})
		if c := measuredCurve(label+" at t = kη", fx, fsh); len(c.x) > 0 {
			c.dash = true
			flowCurves = append(flowCurves, c)
		}
	}
	if measured {
		curves := []series{measuredCurve("at the iterate θ_k", steps, sharp)}
		if c := measuredCurve("at the period-2 average θ̄_k", steps, center); len(c.x) > 0 {
			curves = append(curves, c)
		}
		curves = append(curves, flowCurves...)
		figs["sharpness"] = &figure{
			title:  fmt.Sprintf("%s: sharpness (top Hessian eigenvalue)", s.Name),
			xlabel: "GD step k (t = kη)",
			ylabel: "sharpness",
			curves: curves,
			hlines: []hline{{label: fmt.Sprintf("2/η = %.6g", 2/s.GD.Eta), y: 2 / s.GD.Eta}},
		}
	}
	return figs, nil
}

// measuredCurve keeps the points where y was measured (not NaN).
func measuredCurve(label string, x, y []float64) series {
	c := series{label: label}
	for i := range y {
		if !math.IsNaN(y[i]) {
			c.x, c.y = append(c.x, x[i]), append(c.y, y[i])
		}
	}
	return c
}

// decadeTicks labels a log axis at powers of ten ("1e-3"), labelling every
// k-th decade so that at most about eight labels are drawn.
type decadeTicks struct{}

// Ticks implements plot.Ticker.
func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	a, b := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	step := max(1, (b-a+7)/8)
	var ticks []plot.Tick
	for e := a; e <= b; e++ {
		v := math.Pow(10, float64(e))
		if v < lo || v > hi {
			continue
		}
		t := plot.Tick{Value: v}
		if (e-a)%step == 0 {
			t.Label = fmt.Sprintf("1e%d", e)
			if e >= -2 && e <= 3 {
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// allPositive reports whether every finite value is > 0, so that a log axis
// can show them all (the valley model's loss, for one, goes negative).
func allPositive(y []float64) bool {
	for _, v := range y {
		if v <= 0 {
			return false
		}
	}
	return true
}
