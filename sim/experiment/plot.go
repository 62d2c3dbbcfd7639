package experiment

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The figures of a run are built with a small layer over gonum/plot (see the
// package documentation, "Figures"): a figure holds one or more panels side
// by side and one legend, drawn to the right of the panels, outside every
// set of axes, so that it can never hide data; a panel holds any number of
// labelled series (lines, dashed lines, or bands: a lower and an upper
// curve with the range between them shaded) and horizontal reference lines,
// on linear, logarithmic or symmetric-logarithmic axes whose ticks label
// every decade and the data's range. Adding a curve to a figure is one call
// (figure.add), adding a figure a few lines in Result.Plots.

// maxPlotBuckets bounds the number of points a curve is drawn with in a
// panel. Longer traces are reduced to the minimum and maximum of each bucket
// of points, so that an oscillation still shows as its envelope.
const maxPlotBuckets = 2000

// Figure size: wide enough for two panels and the legend column.
const figWidth, figHeight = 10 * vg.Inch, 4.5 * vg.Inch

// style is how a series or a reference line is drawn.
type style struct {
	color  color.Color
	dashed bool
	width  vg.Length // 0: 1 point
}

// The styles of eoskit's figures: GD solid (blue; its centre sharpness
// orange), flows dashed, each in its own colour (flowStyle(i)), reference
// lines red and dashed.
func gdStyle() style { return style{color: color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}} }

func centreStyle() style { return style{color: color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}} }

func refStyle() style {
	return style{color: color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, dashed: true}
}

// flowStyle returns the style of the i-th flow of a figure.
func flowStyle(i int) style {
	flows := []color.Color{
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
		color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
		color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
	}
	return style{color: flows[i%len(flows)], dashed: true}
}

// seriesKind says how a series is drawn.
type seriesKind int

const (
	// lineSeries draws (x, y) as a line.
	lineSeries seriesKind = iota
	// bandSeries draws the lower curve (x, lo) and the upper curve (x, hi)
	// as two lines of the series' style, with the range between them
	// lightly shaded: the period-2 envelopes of GD's loss, or a model's
	// predicted envelope laid over them.
	bandSeries
)

// series is one labelled curve (or band) of a panel.
type series struct {
	label  string
	kind   seriesKind
	x, y   []float64 // lineSeries
	lo, hi []float64 // bandSeries, over x
	style  style
}

// line returns a line series.
func line(label string, x, y []float64, st style) series {
	return series{label: label, kind: lineSeries, x: x, y: y, style: st}
}

// band returns a band series between lo and hi over x.
func band(label string, x, lo, hi []float64, st style) series {
	return series{label: label, kind: bandSeries, x: x, lo: lo, hi: hi, style: st}
}

// hline is a labelled horizontal reference line.
type hline struct {
	label string
	y     float64
	style style
}

// axisScale is the kind of a value axis.
type axisScale int

const (
	linearAxis axisScale = iota
	// logAxis is logarithmic. A panel whose data are not all positive is
	// drawn on a symmetric-logarithmic axis instead (logarithmic in |y|
	// above a threshold, linear through zero), and its axis label says so.
	logAxis
)

// panel is one set of axes.
type panel struct {
	// title names the panel above it ("first 1000 steps"); may be empty.
	title          string
	xlabel, ylabel string
	yscale         axisScale
	// xmin, xmax restrict the x range shown (NaN: the data's). The y
	// range is that of the data (and reference lines) within it, with a
	// margin so that no peak touches the frame.
	xmin, xmax float64
	series     []series
	hlines     []hline
}

// figure is one image: its panels side by side and one legend to their
// right.
type figure struct {
	title  string
	panels []*panel
}

// newFigure returns a figure of one panel, or two when zoom > 0: the first
// shows x in [0, zoom] (the start of a long run), the second all of it.
func newFigure(title, xlabel, ylabel string, yscale axisScale, zoom float64) *figure {
	f := &figure{title: title}
	if zoom > 0 {
		f.panels = append(f.panels, &panel{title: "first " + formatTick(zoom, 0) + " steps", xmin: 0, xmax: zoom})
	}
	f.panels = append(f.panels, &panel{xmin: math.NaN(), xmax: math.NaN()})
	if zoom > 0 {
		f.panels[1].title = "whole run"
	}
	for _, p := range f.panels {
		p.xlabel, p.ylabel, p.yscale = xlabel, ylabel, yscale
	}
	return f
}

// add adds series to every panel of the figure.
func (f *figure) add(s ...series) {
	for _, p := range f.panels {
		p.series = append(p.series, s...)
	}
}

// addLine adds a horizontal reference line to every panel.
func (f *figure) addLine(h hline) {
	for _, p := range f.panels {
		p.hlines = append(p.hlines, h)
	}
}

// ink selects what a rendering draws in colour; the rest is drawn in
// transparent ink at the same place, so that every rendering has the same
// layout. Figures are rendered with inkAll; the tests render parts alone to
// check the layout on the image.
type ink uint8

const (
	inkData       ink = 1 << iota // series and reference lines
	inkLegend                     // the legend
	inkXTickLabel                 // the x axis's tick labels
	inkYTickLabel                 // the y axis's tick labels
	inkFrame                      // everything else: axes, ticks, grid, labels, titles
	inkAll        = inkData | inkLegend | inkXTickLabel | inkYTickLabel | inkFrame
)

// colorIf returns c when want is set in mask, else transparent.
func colorIf(mask, want ink, c color.Color) color.Color {
	if mask&want != 0 {
		return c
	}
	return color.Transparent
}

// render returns the figure as PNG and SVG bytes.
func (f *figure) render() (pngData, svgData []byte, err error) {
	if pngData, err = f.png(inkAll); err != nil {
		return nil, nil, err
	}
	c := vgsvg.New(figWidth, figHeight)
	if err := f.draw(draw.New(c), inkAll); err != nil {
		return nil, nil, err
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, nil, fmt.Errorf("plot %q: %w", f.title, err)
	}
	return pngData, b.Bytes(), nil
}

// png renders the figure as a PNG with the given ink.
func (f *figure) png(mask ink) ([]byte, error) {
	c := vgimg.PngCanvas{Canvas: vgimg.New(figWidth, figHeight)}
	if err := f.draw(draw.New(c), mask); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("plot %q: %w", f.title, err)
	}
	return b.Bytes(), nil
}

// draw lays the figure out on dc: the title on top, the legend under it
// (rows of entries, outside every panel), the panels side by side below.
func (f *figure) draw(dc draw.Canvas, mask ink) error {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	const pad = 6 // points around the figure and between its parts
	dc = draw.Crop(dc, pad, -pad, pad, -pad)
	if f.title != "" {
		sty := plot.New().Title.TextStyle // centred, hanging from its top
		sty.Color = colorIf(mask, inkFrame, color.Black)
		dc.FillText(sty, vg.Point{X: dc.Center().X, Y: dc.Max.Y}, f.title)
		dc.Max.Y -= sty.Rectangle(f.title).Size().Y + pad
	}
	entries, err := f.legend(mask)
	if err != nil {
		return err
	}
	dc.Max.Y = drawLegend(dc, entries, mask) - pad
	plots := make([]*plot.Plot, len(f.panels))
	for i, p := range f.panels {
		if plots[i], err = p.plot(mask); err != nil {
			return fmt.Errorf("plot %q: %w", f.title, err)
		}
	}
	cs := plot.Align([][]*plot.Plot{plots}, draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(3 * pad)}, dc)
	for i, p := range plots {
		p.Draw(cs[0][i])
	}
	return nil
}

// legendEntry is a label and its picture.
type legendEntry struct {
	label string
	thumb plot.Thumbnailer
}

// legend returns the figure's legend entries: one per distinct label of
// its series and reference lines, in the order they are first given.
func (f *figure) legend(mask ink) ([]legendEntry, error) {
	var out []legendEntry
	seen := map[string]bool{}
	for _, p := range f.panels {
		for _, s := range p.series {
			if s.label == "" || seen[s.label] {
				continue
			}
			seen[s.label] = true
			thumb, err := s.thumbnail(colorIf(mask, inkLegend, s.style.color))
			if err != nil {
				return nil, err
			}
			out = append(out, legendEntry{s.label, thumb})
		}
		for _, h := range p.hlines {
			if h.label == "" || seen[h.label] {
				continue
			}
			seen[h.label] = true
			l, err := plotter.NewLine(plotter.XYs{{}, {X: 1}})
			if err != nil {
				return nil, err
			}
			l.LineStyle = h.style.line(colorIf(mask, inkLegend, h.style.color))
			out = append(out, legendEntry{h.label, l})
		}
	}
	return out, nil
}

// drawLegend draws the entries in rows across the top of dc, left to right,
// wrapping to a new row when one is full, and returns the y just below the
// last row (dc.Max.Y when there are none).
func drawLegend(dc draw.Canvas, entries []legendEntry, mask ink) vg.Length {
	if len(entries) == 0 {
		return dc.Max.Y
	}
	sty := plot.NewLegend().TextStyle
	sty.Color = colorIf(mask, inkLegend, color.Black)
	sty.YAlign = draw.YCenter
	const thumbW, gap, between = vg.Length(24), vg.Length(5), vg.Length(18)
	rowH := sty.Rectangle("Mg").Size().Y * 1.3
	x, y := dc.Min.X, dc.Max.Y-rowH/2
	for _, e := range entries {
		w := thumbW + gap + sty.Rectangle(e.label).Size().X
		if x > dc.Min.X && x+w > dc.Max.X {
			x, y = dc.Min.X, y-rowH
		}
		box := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: y - rowH/4}, Max: vg.Point{X: x + thumbW, Y: y + rowH/4}}}
		e.thumb.Thumbnail(&box)
		dc.FillText(sty, vg.Point{X: x + thumbW + gap, Y: y}, e.label)
		x += w + between
	}
	return y - rowH/2
}

// line returns the gonum line style of st in colour c.
func (st style) line(c color.Color) draw.LineStyle {
	ls := draw.LineStyle{Color: c, Width: vg.Points(1)}
	if st.width > 0 {
		ls.Width = st.width
	}
	if st.dashed {
		ls.Dashes = []vg.Length{vg.Points(5), vg.Points(2.5)}
	}
	return ls
}

// shade returns c lightened for a band's fill.
func shade(c color.Color) color.Color {
	r, g, b, a := c.RGBA()
	if a == 0 {
		return color.Transparent
	}
	mix := func(v uint32) uint8 { return uint8((v>>8)/4 + 0xff*3/4) }
	return color.RGBA{R: mix(r), G: mix(g), B: mix(b), A: 0xff}
}

// thumbnail returns the legend's picture of s in colour c: a line, or for
// a band a shaded box edged with the line.
func (s series) thumbnail(c color.Color) (plot.Thumbnailer, error) {
	if s.kind != bandSeries {
		l, err := plotter.NewLine(plotter.XYs{{}, {X: 1}})
		if err != nil {
			return nil, err
		}
		l.LineStyle = s.style.line(c)
		return l, nil
	}
	poly, err := plotter.NewPolygon(plotter.XYs{{}, {X: 1}, {X: 1, Y: 1}})
	if err != nil {
		return nil, err
	}
	poly.Color = shade(c)
	poly.LineStyle = s.style.line(c)
	return poly, nil
}

// curve is one drawable polyline of a panel.
type curve struct {
	xy    plotter.XYs
	style draw.LineStyle
}

// plot builds the gonum plot of the panel with the given ink.
func (p *panel) plot(mask ink) (*plot.Plot, error) {
	pl := plot.New()
	black := color.Black
	pl.Title.Text = p.title
	pl.Title.TextStyle.Color = colorIf(mask, inkFrame, black)
	pl.X.Label.Text, pl.Y.Label.Text = p.xlabel, p.ylabel
	for _, a := range []*plot.Axis{&pl.X, &pl.Y} {
		a.Label.TextStyle.Color = colorIf(mask, inkFrame, black)
		a.LineStyle.Color = colorIf(mask, inkFrame, black)
		a.Tick.LineStyle.Color = colorIf(mask, inkFrame, black)
	}
	pl.X.Tick.Label.Color = colorIf(mask, inkXTickLabel, black)
	pl.Y.Tick.Label.Color = colorIf(mask, inkYTickLabel, black)

	// The x range: the panel's, or the data's.
	xmin, xmax := p.xmin, p.xmax
	if math.IsNaN(xmin) || math.IsNaN(xmax) {
		xmin, xmax = math.Inf(1), math.Inf(-1)
		for _, s := range p.series {
			for _, x := range s.x {
				xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
			}
		}
	}
	if !(xmin < xmax) {
		if math.IsInf(xmin, 0) {
			xmin, xmax = 0, 1
		} else {
			xmin, xmax = xmin-0.5, xmax+0.5
		}
	}
	// The curves, clipped to the x range and reduced, and the y range of
	// what is shown.
	var curves []curve
	var fills []plotter.XYs
	var fillStyles []color.Color
	var ys []float64
	for _, s := range p.series {
		c := colorIf(mask, inkData, s.style.color)
		switch s.kind {
		case lineSeries:
			xy := reduce(s.x, s.y, xmin, xmax, maxPlotBuckets, minMax)
			curves = append(curves, curve{xy, s.style.line(c)})
			ys = appendY(ys, xy)
		case bandSeries:
			lo := reduce(s.x, s.lo, xmin, xmax, maxPlotBuckets, minOnly)
			hi := reduce(s.x, s.hi, xmin, xmax, maxPlotBuckets, maxOnly)
			if len(lo) > 1 && len(hi) > 1 {
				ring := append(slices.Clone(lo), reversed(hi)...)
				fills, fillStyles = append(fills, ring), append(fillStyles, shade(c))
			}
			curves = append(curves, curve{lo, s.style.line(c)}, curve{hi, s.style.line(c)})
			ys = appendY(appendY(ys, lo), hi)
		}
	}
	for _, h := range p.hlines {
		ys = append(ys, h.y)
	}
	ymin, ymax, scale := yRange(ys, p.yscale)
	pl.X.Min, pl.X.Max = xmin, xmax
	pl.X.Tick.Marker = linearTicks{end: true}
	pl.Y.Min, pl.Y.Max = ymin, ymax
	switch s := scale.(type) {
	case plot.LogScale:
		pl.Y.Scale, pl.Y.Tick.Marker = s, logTicks{}
	case symlog:
		pl.Y.Scale, pl.Y.Tick.Marker = s, s
		note := fmt.Sprintf("symmetric log axis (values ≤ 0): linear within ±%s", formatTick(s.c, 0))
		if pl.Title.Text != "" {
			note = pl.Title.Text + "; " + note
		}
		pl.Title.Text = note
	default:
		pl.Y.Tick.Marker = linearTicks{}
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color = colorIf(mask, inkFrame, grid.Vertical.Color)
	grid.Horizontal.Color = colorIf(mask, inkFrame, grid.Horizontal.Color)
	pl.Add(grid)
	// Shading first, then the reference lines, then the curves on top.
	for i, ring := range fills {
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, err
		}
		poly.Color, poly.LineStyle.Width = fillStyles[i], 0
		pl.Add(poly)
	}
	for _, h := range p.hlines {
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: h.y}, {X: xmax, Y: h.y}})
		if err != nil {
			return nil, err
		}
		l.LineStyle = h.style.line(colorIf(mask, inkData, h.style.color))
		pl.Add(l)
	}
	for _, c := range curves {
		if len(c.xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(c.xy)
		if err != nil {
			return nil, err
		}
		l.LineStyle = c.style
		pl.Add(l)
	}
	// pl.Add widened the ranges to the data; set them back.
	pl.X.Min, pl.X.Max = xmin, xmax
	pl.Y.Min, pl.Y.Max = ymin, ymax
	return pl, nil
}

// appendY appends the y values of xy.
func appendY(ys []float64, xy plotter.XYs) []float64 {
	for _, p := range xy {
		ys = append(ys, p.Y)
	}
	return ys
}

// reversed returns xy in reverse order.
func reversed(xy plotter.XYs) plotter.XYs {
	out := slices.Clone(xy)
	slices.Reverse(out)
	return out
}

// What reduce keeps of each bucket.
type bucketKeep int

const (
	minMax  bucketKeep = iota // the minimum and the maximum, in x order
	minOnly                   // the minimum (a band's lower curve)
	maxOnly                   // the maximum (its upper curve)
)

// reduce returns the finite points of (x, y) with x in [xmin, xmax],
// reduced to at most 2·buckets points: per bucket of consecutive points,
// the extremes that keep says.
func reduce(x, y []float64, xmin, xmax float64, buckets int, keep bucketKeep) plotter.XYs {
	var idx []int
	for i := range y {
		if i < len(x) && x[i] >= xmin && x[i] <= xmax && !math.IsNaN(y[i]) && !math.IsInf(y[i], 0) {
			idx = append(idx, i)
		}
	}
	if len(idx) <= 2*buckets {
		xy := make(plotter.XYs, len(idx))
		for j, i := range idx {
			xy[j] = plotter.XY{X: x[i], Y: y[i]}
		}
		return xy
	}
	xy := make(plotter.XYs, 0, 2*buckets)
	per := float64(len(idx)) / float64(buckets)
	for b := 0; b < buckets; b++ {
		part := idx[int(float64(b)*per):min(int(float64(b+1)*per), len(idx))]
		imin, imax := part[0], part[0]
		for _, i := range part {
			if y[i] < y[imin] {
				imin = i
			}
			if y[i] > y[imax] {
				imax = i
			}
		}
		switch keep {
		case minOnly:
			xy = append(xy, plotter.XY{X: x[part[len(part)/2]], Y: y[imin]})
		case maxOnly:
			xy = append(xy, plotter.XY{X: x[part[len(part)/2]], Y: y[imax]})
		default:
			a, b := min(imin, imax), max(imin, imax)
			xy = append(xy, plotter.XY{X: x[a], Y: y[a]})
			if b != a {
				xy = append(xy, plotter.XY{X: x[b], Y: y[b]})
			}
		}
	}
	return xy
}

// yRange returns the y range to show for the values ys on an axis of the
// given kind, with a margin of 5% of the range (in the axis's scale) on
// each side so that no extreme touches the frame, and the scale to use: a
// log axis becomes symmetric-logarithmic when some value is not positive.
func yRange(ys []float64, kind axisScale) (lo, hi float64, scale plot.Normalizer) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, y := range ys {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	if lo > hi { // no data
		if kind == logAxis {
			return 0.1, 10, plot.LogScale{}
		}
		return 0, 1, plot.LinearScale{}
	}
	if kind == logAxis && lo > 0 {
		if hi == lo {
			return lo / 10, hi * 10, plot.LogScale{}
		}
		m := math.Pow(hi/lo, 0.05)
		lo, hi = lo/m, hi*m
		if math.IsInf(hi, 0) {
			hi = math.MaxFloat64
		}
		if lo == 0 {
			lo = math.SmallestNonzeroFloat64
		}
		return lo, hi, plot.LogScale{}
	}
	if kind == logAxis {
		s := newSymlog(ys)
		a, b := s.f(lo), s.f(hi)
		if a == b {
			a, b = a-1, b+1
		}
		m := 0.05 * (b - a)
		return s.inv(a - m), s.inv(b + m), s
	}
	if hi == lo {
		d := math.Max(math.Abs(lo)/10, 1e-300)
		return lo - d, hi + d, plot.LinearScale{}
	}
	m := 0.05 * (hi - lo)
	if math.IsInf(hi+m, 0) || math.IsInf(lo-m, 0) {
		return lo, hi, plot.LinearScale{}
	}
	return lo - m, hi + m, plot.LinearScale{}
}

// linearTicks labels a linear axis at 1, 2 or 5 times a power of ten,
// about 4 to 8 labels; with end set (a time axis) the axis's ends are
// labelled as well when no label lies near them (a series that starts
// after step 0, such as the period-2 observers or a flow started later,
// has its first step labelled).
type linearTicks struct{ end bool }

// Ticks implements plot.Ticker.
func (t linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	step := niceStep((hi - lo) / 6)
	var ticks []plot.Tick
	first := math.Ceil(lo/step) * step
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if v > hi+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: formatTick(v, step)})
		// Minor ticks halfway.
		if m := v + step/2; m < hi {
			ticks = append(ticks, plot.Tick{Value: m})
		}
	}
	if t.end && len(ticks) > 0 {
		last := lastLabelled(ticks)
		if hi-last > 0.25*step {
			ticks = append(ticks, plot.Tick{Value: hi, Label: formatTick(hi, step/100)})
		}
		if first-lo > 0.25*step {
			ticks = append(ticks, plot.Tick{Value: lo, Label: formatTick(lo, step/100)})
		}
	}
	return ticks
}

// lastLabelled returns the value of the last labelled tick.
func lastLabelled(ticks []plot.Tick) float64 {
	v := math.Inf(-1)
	for _, t := range ticks {
		if t.Label != "" {
			v = math.Max(v, t.Value)
		}
	}
	return v
}

// niceStep returns the smallest of 1, 2, 5 times a power of ten that is at
// least d.
func niceStep(d float64) float64 {
	e := int(math.Floor(math.Log10(d)))
	for _, m := range []int{1, 2, 5} {
		if v := decimal(m, e); v >= d*(1-1e-9) {
			return v
		}
	}
	return decimal(1, e+1)
}

// formatTick formats a tick value with as many decimals as a step of the
// given size needs (none for step 0), in plain notation between 10⁻⁴ and
// 10⁷ and in e-notation outside.
func formatTick(v, step float64) string {
	a := math.Abs(v)
	if v != 0 && (a < 1e-4 || a >= 1e7) {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		if step > 0 {
			// As many significant digits as the step resolves.
			d := max(0, int(math.Floor(math.Log10(a)))-int(math.Floor(math.Log10(step))))
			s = strconv.FormatFloat(v, 'e', min(d, 15), 64)
		}
		return s
	}
	dec := 0
	if step > 0 && step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if step == 0 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// logTicks labels a log axis so that its whole range is readable: over a
// decade or more every decade is labelled (every k-th above 10 decades, k
// chosen to keep about 10 labels), with minor ticks at 2…9 times the
// decades up to 6 decades; over fewer than three decades the multiples 2
// and 5 are labelled too; within one decade, 1, 2 or 5 times a power of
// ten as on a linear axis, so that at least three labels fall in the range.
// Each end of the axis gets a label within a tenth of its length (the
// minor tick nearest the end is labelled, or a tick added at 1, 2 or 5
// times a power of ten), so that the data's range is read off the labels.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	decades := math.Log10(hi / lo)
	if decades < 1 {
		return linearTicks{}.Ticks(lo, hi)
	}
	a, b := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	every := max(1, int(math.Ceil(decades/10)))
	var ticks []plot.Tick
	for e := a; e <= b; e++ {
		for m := 1; m <= 9; m++ {
			v := decimal(m, e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			switch {
			case m == 1 && e%every == 0:
				t.Label = formatTick(v, 0)
			case (m == 2 || m == 5) && decades < 3:
				t.Label = formatTick(v, 0)
			case m > 1 && decades > 6:
				continue // no minor ticks over many decades
			}
			ticks = append(ticks, t)
		}
	}
	pos := func(v float64) float64 { return math.Log10(v/lo) / decades }
	var bottom, top bool
	first, last := math.Inf(1), math.Inf(-1) // the extreme ticks
	for _, t := range ticks {
		bottom = bottom || (t.Label != "" && pos(t.Value) <= 0.1)
		top = top || (t.Label != "" && pos(t.Value) >= 0.9)
		first, last = math.Min(first, t.Value), math.Max(last, t.Value)
	}
	if !bottom {
		if pos(first) > 0.1 {
			first = niceStep(lo)
		}
		ticks = labelNear(ticks, first, formatTick)
	}
	if !top {
		if pos(last) < 0.9 {
			last = niceFloor(hi)
		}
		ticks = labelNear(ticks, last, formatTick)
	}
	return ticks
}

// decimal returns m·10^e rounded once, as the literal "me<e>" reads (so
// that 3·10⁻¹ prints as 0.3, not 0.30000000000000004).
func decimal(m, e int) float64 {
	v, _ := strconv.ParseFloat(strconv.Itoa(m)+"e"+strconv.Itoa(e), 64)
	return v
}

// niceFloor returns the largest of 1, 2 or 5 times a power of ten that is
// at most x > 0.
func niceFloor(x float64) float64 {
	e := int(math.Floor(math.Log10(x)))
	for _, m := range []int{5, 2, 1} {
		if v := decimal(m, e); v <= x*(1+1e-12) {
			return v
		}
	}
	return decimal(1, e)
}

// labelNear labels the tick at v, adding it when there is none.
func labelNear(ticks []plot.Tick, v float64, format func(v, step float64) string) []plot.Tick {
	for i, t := range ticks {
		if math.Abs(t.Value-v) <= 1e-9*v {
			ticks[i].Label = format(t.Value, 0)
			return ticks
		}
	}
	return append(ticks, plot.Tick{Value: v, Label: format(v, 0)})
}

// symlog is the symmetric-logarithmic scale y ↦ sign(y)·log₁₀(1 + |y|/c):
// logarithmic in |y| above the threshold c, linear through zero. It is
// both the axis's Normalizer and its Ticker.
type symlog struct{ c float64 }

// newSymlog chooses the threshold for the values ys: the power of ten
// below the 10th percentile of the non-zero |y|, but no more than 8
// decades below the largest |y|.
func newSymlog(ys []float64) symlog {
	var abs []float64
	big := 0.0
	for _, y := range ys {
		if a := math.Abs(y); a > 0 && !math.IsInf(a, 0) && !math.IsNaN(a) {
			abs = append(abs, a)
			big = math.Max(big, a)
		}
	}
	if len(abs) == 0 {
		return symlog{c: 1}
	}
	slices.Sort(abs)
	q := abs[len(abs)/10]
	c := math.Pow(10, math.Floor(math.Log10(q)))
	return symlog{c: math.Max(c, math.Pow(10, math.Floor(math.Log10(big)))*1e-8)}
}

func (s symlog) f(y float64) float64 { return math.Copysign(math.Log10(1+math.Abs(y)/s.c), y) }

func (s symlog) inv(u float64) float64 {
	return math.Copysign(s.c*(math.Pow(10, math.Abs(u))-1), u)
}

// Normalize implements plot.Normalizer.
func (s symlog) Normalize(lo, hi, y float64) float64 {
	a, b := s.f(lo), s.f(hi)
	return (s.f(y) - a) / (b - a)
}

// Ticks implements plot.Ticker: 0 and ±c·10^k, labelled from k = 1 (±c
// itself is too close to 0 to be labelled apart), every k-th to keep about
// 10 labels.
func (s symlog) Ticks(lo, hi float64) []plot.Tick {
	var vals []float64
	if lo <= 0 && hi >= 0 {
		vals = append(vals, 0)
	}
	for v := s.c; v <= math.Max(math.Abs(lo), math.Abs(hi)) && !math.IsInf(v, 0); v *= 10 {
		if v <= hi {
			vals = append(vals, v)
		}
		if -v >= lo {
			vals = append(vals, -v)
		}
	}
	slices.Sort(vals)
	every := max(1, (len(vals)+9)/10)
	ticks := make([]plot.Tick, len(vals))
	for i, v := range vals {
		ticks[i].Value = v
		if k := int(math.Round(math.Log10(math.Abs(v) / s.c))); v == 0 || (k > 0 && k%every == 0) {
			ticks[i].Label = formatTick(v, 0)
		}
	}
	return ticks
}
