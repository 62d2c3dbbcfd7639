package experiment

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"testing"
)

// TestRenderLogAxisEdgeCases renders loss figures whose log axis gonum/plot
// cannot draw by itself: a constant loss (a run started at a stationary
// point), no positive loss at all (a run at a minimum of value 0, or the
// valley's negative losses), a single point (a run that diverged after its
// first step), and a range so wide that the headroom above the curve
// overflows (a diverging run). Each must render (it used to panic inside
// gonum/plot, so that the run's results were not written at all).
func TestRenderLogAxisEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name string
		y    []float64
	}{
		{"constant", []float64{0.25, 0.25, 0.25}},
		{"zero", []float64{0, 0, 0}},
		{"negative", []float64{-0.01, -0.02, -0.015}},
		{"single", []float64{0.009}},
		{"overflowing headroom", []float64{1e-3, 1, 1e150, 1e300}},
		{"full range", []float64{math.SmallestNonzeroFloat64, math.MaxFloat64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := make([]float64, len(tc.y))
			for i := range x {
				x[i] = float64(i)
			}
			f := newFigure(tc.name, "k", "loss", logAxis, 0)
			f.add(line("GD", x, tc.y, gdStyle()))
			png, svg, err := f.render()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(png, []byte("\x89PNG")) || !bytes.Contains(svg, []byte("<svg")) {
				t.Fatalf("render returned %d PNG bytes and %d SVG bytes that are not images", len(png), len(svg))
			}
		})
	}
}

// The figure checks below look at the rendered PNG, as a reader would: a
// figure is drawn whole and with parts of it alone (the same layout, the
// other parts in transparent ink), and the pixels are compared.

// decodePNG renders f with the given ink and decodes the image.
func decodePNG(t *testing.T, f *figure, mask ink) image.Image {
	t.Helper()
	b, err := f.png(mask)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// inked reports whether the pixel at (x, y) is not background (white, up
// to antialiasing noise).
func inked(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r < 0xf000 || g < 0xf000 || b < 0xf000
}

// differ reports whether two images differ at (x, y) by more than
// antialiasing noise.
func differ(a, b image.Image, x, y int) bool {
	r1, g1, b1, _ := a.At(x, y).RGBA()
	r2, g2, b2, _ := b.At(x, y).RGBA()
	d := func(u, v uint32) bool { return u > v+0x800 || v > u+0x800 }
	return d(r1, r2) || d(g1, g2) || d(b1, b2)
}

// box is a pixel rectangle, inclusive; empty when x0 > x1.
type box struct{ x0, y0, x1, y1 int }

func emptyBox() box { return box{math.MaxInt, math.MaxInt, -1, -1} }

func (b *box) add(x, y int) {
	b.x0, b.y0, b.x1, b.y1 = min(b.x0, x), min(b.y0, y), max(b.x1, x), max(b.y1, y)
}

func (b box) empty() bool { return b.x0 > b.x1 }

// spans returns the maximal runs [lo, hi] of indices i in [0, n) where
// has(i) holds, merging runs separated by at most gap indices.
func spans(n, gap int, has func(i int) bool) [][2]int {
	var out [][2]int
	for i := 0; i < n; i++ {
		if !has(i) {
			continue
		}
		if k := len(out) - 1; k >= 0 && i-out[k][1] <= gap+1 {
			out[k][1] = i
		} else {
			out = append(out, [2]int{i, i})
		}
	}
	return out
}

// checkFigure checks on the image that the legend lies inside the canvas,
// clear of its edges, and covers nothing that the figure draws (data,
// axes, labels: the figure without the legend is blank where it is), and
// that in every panel the tick labels cover the range of the plotted data
// on both axes: a label within a fifth of the data's extent from each of
// its ends (the x axis's last label within a twentieth of the run's end).
func checkFigure(t *testing.T, name string, f *figure) {
	t.Helper()
	full := decodePNG(t, f, inkAll)
	noLegend := decodePNG(t, f, inkAll&^inkLegend)
	dataOnly := decodePNG(t, f, inkData)
	yLabels := decodePNG(t, f, inkYTickLabel)
	xLabels := decodePNG(t, f, inkXTickLabel)
	bounds := full.Bounds()
	W, H := bounds.Dx(), bounds.Dy()

	// The legend: the pixels the legend changes.
	leg := emptyBox()
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			if differ(full, noLegend, x, y) {
				leg.add(x, y)
			}
		}
	}
	if leg.empty() {
		t.Fatalf("%s: no legend drawn", name)
	}
	const margin = 2
	if leg.x0 < margin || leg.y0 < margin || leg.x1 >= W-margin || leg.y1 >= H-margin {
		t.Errorf("%s: the legend %+v reaches the edge of the %d×%d canvas (clipped)", name, leg, W, H)
	}
	for y := max(leg.y0-margin, 0); y <= min(leg.y1+margin, H-1); y++ {
		for x := max(leg.x0-margin, 0); x <= min(leg.x1+margin, W-1); x++ {
			if inked(noLegend, x, y) {
				what := "the axes or labels"
				if inked(dataOnly, x, y) {
					what = "plotted data"
				}
				t.Fatalf("%s: the legend %+v covers %s at (%d, %d)", name, leg, what, x, y)
			}
		}
	}

	// The panels: one group of y tick labels at the left of each.
	groups := spans(W, 8, func(x int) bool {
		for y := 0; y < H; y++ {
			if inked(yLabels, x, y) {
				return true
			}
		}
		return false
	})
	if len(groups) != len(f.panels) {
		t.Fatalf("%s: %d groups of y tick labels for %d panels", name, len(groups), len(f.panels))
	}
	for i, g := range groups {
		right := W
		if i+1 < len(groups) {
			right = groups[i+1][0]
		}
		data := emptyBox()
		for y := 0; y < H; y++ {
			for x := g[1] + 1; x < right; x++ {
				if inked(dataOnly, x, y) {
					data.add(x, y)
				}
			}
		}
		if data.empty() {
			t.Fatalf("%s, panel %d: no data drawn", name, i)
		}
		// y labels: one run of rows per label, at the panel's left.
		rows := spans(H, 1, func(y int) bool {
			for x := g[0]; x <= g[1]; x++ {
				if inked(yLabels, x, y) {
					return true
				}
			}
			return false
		})
		// x labels: one run of columns per label, below the panel's data.
		cols := spans(W, 3, func(x int) bool {
			if x <= g[1] || x >= right {
				return false
			}
			for y := data.y1; y < H; y++ {
				if inked(xLabels, x, y) {
					return true
				}
			}
			return false
		})
		check := func(axis string, labels [][2]int, lo, hi int, endTol float64) {
			if len(labels) < 3 {
				t.Errorf("%s, panel %d: %d %s tick labels, want at least 3", name, i, len(labels), axis)
				return
			}
			ext := float64(hi - lo)
			first := float64(labels[0][0]+labels[0][1]) / 2
			last := float64(labels[len(labels)-1][0]+labels[len(labels)-1][1]) / 2
			if first > float64(lo)+0.2*ext+2 || last < float64(hi)-endTol*ext-2 {
				t.Errorf("%s, panel %d: %s tick labels centred from pixel %.0f to %.0f, the data from %d to %d: the labels do not cover the data's range",
					name, i, axis, first, last, lo, hi)
			}
		}
		check("y", rows, data.y0, data.y1, 0.2)
		check("x", cols, data.x0, data.x1, 0.05)
	}
}

// TestFigureLayout renders every kind of figure a run makes — a log loss
// axis with GD's period-2 band and a dashed flow, a linear sharpness axis
// with bands, lines and the 2/η line, a loss that goes negative (symmetric
// log axis), a loss over 36 decades, and a long run's two panels (the zoom
// on its first steps and the whole run) — and checks each on the image
// (checkFigure). The old figures failed these checks: the legend was
// drawn inside the axes over data and grid and clipped at the right edge,
// default's loss axis was labelled at 1 and 10 only for data down to 0.25,
// and the time axis's last label fell short of the end.
func TestFigureLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("renders some twenty images")
	}
	runs := []struct{ name, doc string }{
		{"quartic with flow", `{"name": "q", "model": {"kind": "quartic"}, "init": {"theta": [0.9]}, "gd": {"eta": 1.1, "steps": 200},
			"measure": {"sharpness_every": 1}, "flow": "gradient"}`},
		{"valley", `{"name": "v", "model": {"kind": "valley"}, "init": {"theta": [0.05, 1]}, "gd": {"eta": 0.3, "steps": 2900},
			"measure": {"sharpness_every": 10}}`},
		{"catapult", `{"name": "c", "model": {"kind": "uv", "width": 100, "target": 0}, "init": {"scheme": "gaussian", "scale": 0.3},
			"gd": {"eta": 3, "steps": 300}}`},
		{"default, long", `{"name": "d", "model": {"kind": "matfact", "depth": 3, "dim": 2, "target": [[5.2, 0], [0, 1]]},
			"init": {"theta": [0.3, 0.1, -0.1, 0.2, 0.2, -0.1, 0.15, 0.25, 0.25, 0.05, 0.1, -0.2]},
			"gd": {"eta": 0.077, "steps": 8000}, "measure": {"sharpness_every": 10}}`},
	}
	for _, run := range runs {
		res := runDoc(t, run.doc)
		figs, err := res.Plots()
		if err != nil {
			t.Fatal(err)
		}
		for stem, f := range figs {
			checkFigure(t, run.name+" "+stem, f)
		}
		if run.name == "default, long" && len(figs["loss"].panels) != 2 {
			t.Errorf("a run of 8000 steps whose loss settles by step 600 has %d loss panels, want a zoom and the whole run", len(figs["loss"].panels))
		}
	}
}
