package kinetic

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figure is a drawn figure in both formats eoskit writes.
type Figure struct {
	PNG, SVG []byte
}

// scaled returns the values of q as drawn: |δ| on a log₁₀ scale (it grows
// and decays exponentially; 0 becomes NaN, outside every axis), the others
// as they are.
func scaled(sn *Snapshot, q Quantity) []float64 {
	v := sn.Values(q)
	if q != Delta {
		return v
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.NaN()
		if x > 0 {
			out[i] = math.Log10(x)
		}
	}
	return out
}

// axisLabel returns the drawn axis label of q.
func axisLabel(q Quantity) string {
	if q == Delta {
		return "log₁₀|δ|"
	}
	return q.label()
}

// densityGrid is the time × value grid of a DensityPlot: column c is a
// snapshot, row r a value bin, Z the mass fraction.
type densityGrid struct {
	t    []float64
	ax   Axis
	mass [][]float64 // [snapshot][bin]
}

func (g *densityGrid) Dims() (c, r int)   { return len(g.t), g.ax.Bins }
func (g *densityGrid) Z(c, r int) float64 { return g.mass[c][r] }
func (g *densityGrid) X(c int) float64    { return g.t[c] }
func (g *densityGrid) Y(r int) float64    { return 0.5 * (g.ax.Edge(r) + g.ax.Edge(r+1)) }

// heatMap returns the heat map of g, drawn as one image (no seams between
// the cells), in the black-body colour map: dark for empty bins, bright
// for dense ones.
func heatMap(g plotter.GridXYZ) *plotter.HeatMap {
	h := plotter.NewHeatMap(g, moreland.ExtendedBlackBody().Palette(255))
	h.Rasterized = true
	return h
}

// DensityPlot draws the density of the quantity q over time: one column
// per snapshot (at its particle time t̃, so snapshots should be evenly
// spaced), the values binned on a common axis of the given number of bins,
// the colour the fraction of the particles in the bin. |δ| is drawn as
// log₁₀|δ|.
func DensityPlot(snaps []*Snapshot, q Quantity, bins int) (Figure, error) {
	if len(snaps) == 0 || bins < 1 {
		return Figure{}, fmt.Errorf("kinetic: density plot of %d snapshots on %d bins", len(snaps), bins)
	}
	vals := make([][]float64, len(snaps))
	for i, sn := range snaps {
		vals[i] = scaled(sn, q)
	}
	g := &densityGrid{ax: AxisFor(axisLabel(q), bins, vals...)}
	zero := make([]float64, len(vals[0]))
	for i, sn := range snaps {
		g.t = append(g.t, sn.T)
		h := NewHist2D(vals[i], zero[:len(vals[i])], g.ax, Axis{Min: 0, Max: 0, Bins: 1})
		g.mass = append(g.mass, h.Mass)
	}
	if len(g.t) == 1 { // a single column needs a neighbour for its width
		g.t = append(g.t, g.t[0]+1)
		g.mass = append(g.mass, make([]float64, bins))
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("density of %s over time (fraction of the particles per bin)", axisLabel(q))
	p.X.Label.Text = "particle time t̃ = kη/m"
	p.Y.Label.Text = axisLabel(q)
	p.Add(heatMap(g))
	return render(p, 8*vg.Inch, 4.5*vg.Inch)
}

// histGrid adapts a Hist2D to plotter.GridXYZ.
type histGrid struct{ h *Hist2D }

func (g histGrid) Dims() (c, r int)   { return g.h.X.Bins, g.h.Y.Bins }
func (g histGrid) Z(c, r int) float64 { return g.h.Mass[r*g.h.X.Bins+c] }
func (g histGrid) X(c int) float64    { return 0.5 * (g.h.X.Edge(c) + g.h.X.Edge(c+1)) }
func (g histGrid) Y(r int) float64    { return 0.5 * (g.h.Y.Edge(r) + g.h.Y.Edge(r+1)) }

// JointPlot draws the joint histograms of (qx, qy) at up to four of the
// snapshots (the first, the last and evenly spaced ones between), side by
// side on common axes of bins × bins, the colour the fraction of the
// particles per bin (each panel scaled to its own maximum). |δ| is drawn as
// log₁₀|δ|.
func JointPlot(snaps []*Snapshot, qx, qy Quantity, bins int) (Figure, error) {
	if len(snaps) == 0 || bins < 1 {
		return Figure{}, fmt.Errorf("kinetic: joint plot of %d snapshots on %d bins", len(snaps), bins)
	}
	pick := pickSnapshots(len(snaps), 4)
	var xs, ys [][]float64
	for _, i := range pick {
		xs = append(xs, scaled(snaps[i], qx))
		ys = append(ys, scaled(snaps[i], qy))
	}
	xa, ya := AxisFor(axisLabel(qx), bins, xs...), AxisFor(axisLabel(qy), bins, ys...)
	row := make([]*plot.Plot, len(pick))
	for j, i := range pick {
		h := NewHist2D(xs[j], ys[j], xa, ya)
		p := plot.New()
		p.Title.Text = fmt.Sprintf("step %d, t̃ = %.4g", snaps[i].Step, snaps[i].T)
		p.X.Label.Text = axisLabel(qx)
		p.Y.Label.Text = axisLabel(qy)
		p.Add(heatMap(histGrid{h}))
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xa.Min, xa.Max, ya.Min, ya.Max
		row[j] = p
	}
	w := vg.Length(len(row)) * 3.2 * vg.Inch
	return renderTiles([][]*plot.Plot{row}, w, 3.4*vg.Inch)
}

// pickSnapshots returns up to k indices of n snapshots: the first, the last
// and evenly spaced ones between.
func pickSnapshots(n, k int) []int {
	if n <= k {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, k)
	for j := range k {
		out[j] = int(math.Round(float64(j) * float64(n-1) / float64(k-1)))
	}
	return out
}

// seriesColors are the curves' colours (those of the experiment plots).
var seriesColors = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

// SeriesPlot draws 𝓕 along each series against particle time, with the
// samples where 𝓕 rose marked (Series.Verdict with tolerance tol).
func SeriesPlot(tol float64, series ...*Series) (Figure, error) {
	p := plot.New()
	p.Title.Text = "macroscopic free energy F[ν] (× marks a rise between samples)"
	p.X.Label.Text = "particle time t̃ = kη/m"
	p.Y.Label.Text = "F"
	p.Add(plotter.NewGrid())
	for i, s := range series {
		xy := make(plotter.XYs, len(s.F))
		var rises plotter.XYs
		for j := range s.F {
			xy[j] = plotter.XY{X: s.T[j], Y: s.F[j]}
			if j > 0 && s.F[j]-s.F[j-1] > tol {
				rises = append(rises, xy[j])
			}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return Figure{}, fmt.Errorf("kinetic: series plot: %w", err)
		}
		l.Color = seriesColors[i%len(seriesColors)]
		p.Add(l)
		p.Legend.Add(s.Name, l)
		if len(rises) > 0 {
			sc, err := plotter.NewScatter(rises)
			if err != nil {
				return Figure{}, fmt.Errorf("kinetic: series plot: %w", err)
			}
			sc.Color = l.Color
			sc.Shape = draw.CrossGlyph{}
			p.Add(sc)
		}
	}
	return render(p, 8*vg.Inch, 4.5*vg.Inch)
}

// Plots returns the standard figures of a run's snapshots by file stem:
// kinetic_density_a, kinetic_density_w_norm and kinetic_density_delta (the
// densities over time, 60 bins) and kinetic_joint_w_a and
// kinetic_joint_a_delta (the joint histograms of (‖w‖, a) and (a, |δ|) at
// up to four snapshots, 40×40 bins).
func Plots(snaps []*Snapshot) (map[string]Figure, error) {
	out := map[string]Figure{}
	for _, q := range []Quantity{A, WNorm, Delta} {
		name := "kinetic_density_" + q.String()
		if q == Delta {
			name = "kinetic_density_delta"
		}
		f, err := DensityPlot(snaps, q, 60)
		if err != nil {
			return nil, err
		}
		out[name] = f
	}
	for _, j := range []struct {
		name   string
		qx, qy Quantity
	}{{"kinetic_joint_w_a", WNorm, A}, {"kinetic_joint_a_delta", A, Delta}} {
		f, err := JointPlot(snaps, j.qx, j.qy, 40)
		if err != nil {
			return nil, err
		}
		out[j.name] = f
	}
	return out, nil
}

// decades widens the range of a log axis to whole powers of ten, so that
// its ticks (labelled at powers of ten only) are labelled.
func decades(a *plot.Axis) {
	if a.Min > 0 && a.Max >= a.Min {
		a.Min = math.Pow(10, math.Floor(math.Log10(a.Min)))
		a.Max = math.Pow(10, math.Ceil(math.Log10(a.Max)))
		if a.Max == a.Min {
			a.Max *= 10
		}
	}
}

// render draws p into a PNG and an SVG of the given size.
func render(p *plot.Plot, w, h vg.Length) (Figure, error) {
	return renderTiles([][]*plot.Plot{{p}}, w, h)
}

// renderTiles draws a grid of plots into a PNG and an SVG of the given
// size.
func renderTiles(plots [][]*plot.Plot, w, h vg.Length) (Figure, error) {
	var fig Figure
	for _, format := range []string{"png", "svg"} {
		c, err := draw.NewFormattedCanvas(w, h, format)
		if err != nil {
			return Figure{}, fmt.Errorf("kinetic: plot: %w", err)
		}
		dc := draw.New(c)
		tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Millimeter, PadY: vg.Millimeter,
			PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter}
		canvases := plot.Align(plots, tiles, dc)
		for i, row := range plots {
			for j, p := range row {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
		var b bytes.Buffer
		if _, err := c.WriteTo(&b); err != nil {
			return Figure{}, fmt.Errorf("kinetic: plot: %w", err)
		}
		if format == "png" {
			fig.PNG = b.Bytes()
		} else {
			fig.SVG = b.Bytes()
		}
	}
	return fig, nil
}
