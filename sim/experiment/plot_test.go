package experiment

import (
	"bytes"
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
			f := &figure{title: tc.name, logY: true, curves: []series{{label: "GD", x: x, y: tc.y}}}
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
