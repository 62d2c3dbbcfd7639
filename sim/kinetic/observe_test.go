package kinetic

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/eoskit/eoskit/sim/model"
)

// TestHist2D checks the binning on hand-placed points: edges, the closed
// last bin, mass 1/n per point and the mass outside the axes.
func TestHist2D(t *testing.T) {
	x := []float64{0, 0.49, 0.5, 1, 1.5, math.NaN()}
	y := []float64{0, 0, 1, 1, 0, 0}
	h := NewHist2D(x, y, Axis{Name: "x", Min: 0, Max: 1, Bins: 2}, Axis{Name: "y", Min: 0, Max: 1, Bins: 2})
	w := 1.0 / 6
	want := []float64{2 * w, 0, 0, 2 * w} // (0,0): 0 and 0.49; (1,1): 0.5 and 1
	for i, v := range want {
		if math.Abs(h.Mass[i]-v) > 1e-15 {
			t.Errorf("bin %d: mass %v, want %v", i, h.Mass[i], v)
		}
	}
	if math.Abs(h.Outside-2*w) > 1e-15 {
		t.Errorf("outside %v, want %v (1.5 and NaN)", h.Outside, 2*w)
	}
	r := csv.NewReader(bytes.NewReader(h.CSV()))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || strings.Join(rows[0], ",") != "x_lo,x_hi,y_lo,y_hi,mass" {
		t.Fatalf("CSV has %d rows, header %v", len(rows), rows[0])
	}
	var sum float64
	for _, row := range rows[1:] {
		v, err := strconv.ParseFloat(row[4], 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	if math.Abs(sum+h.Outside-1) > 1e-15 {
		t.Errorf("CSV masses sum to %v with %v outside", sum, h.Outside)
	}
}

// TestSnapshot checks the per-particle scalars against the parameters
// (particle i = row i of W and column i of A) and the CSV round trip.
func TestSnapshot(t *testing.T) {
	nc := netCase{act: model.Tanh, m: 5, n: 4, d: 3, c: 2, seed: 71}
	s := nc.system(t, 2)
	theta, delta := nc.initLaw(3, 0.1)
	y := s.State(theta, delta)
	sn := s.Snapshot(7, s.Time(7), y)
	m, d := nc.m, nc.d
	for i := range m {
		var w2, a2, dw2, da2 float64
		for k := range d {
			w2 += theta[i*d+k] * theta[i*d+k]
			dw2 += delta[i*d+k] * delta[i*d+k]
		}
		for o := range nc.c {
			a := theta[m*d+o*m+i]
			a2 += a * a
			da2 += delta[m*d+o*m+i] * delta[m*d+o*m+i]
		}
		got := []float64{sn.WNorm[i], sn.A[i], sn.DeltaW[i], sn.DeltaA[i], sn.Delta[i]}
		want := []float64{math.Sqrt(w2), math.Sqrt(a2), math.Sqrt(dw2), math.Sqrt(da2), math.Sqrt(dw2 + da2)}
		if e := maxRel(got, want); e > 1e-15 {
			t.Errorf("particle %d: %v, want %v", i, got, want)
		}
	}
	r := csv.NewReader(bytes.NewReader(sn.CSV()))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != m+1 || strings.Join(rows[0], ",") != strings.Join(SnapshotHeader, ",") {
		t.Fatalf("CSV: %d rows, header %v", len(rows), rows[0])
	}
	for i, row := range rows[1:] {
		for j, v := range []float64{sn.WNorm[i], sn.A[i], sn.Delta[i], sn.DeltaW[i], sn.DeltaA[i]} {
			got, err := strconv.ParseFloat(row[j+1], 64)
			if err != nil || got != v {
				t.Fatalf("row %d column %d: %q, want %v", i, j+1, row[j+1], v)
			}
		}
	}
	mo := s.Moments(y)
	if e := math.Abs(mo.DeltaRMS - math.Sqrt(sumSq(delta)/float64(m))); e > 1e-15 {
		t.Errorf("δ rms %v, want %v", mo.DeltaRMS, math.Sqrt(sumSq(delta)/float64(m)))
	}
	if len(mo.Row()) != len(MomentsHeader) {
		t.Errorf("%d moments, %d names", len(mo.Row()), len(MomentsHeader))
	}
}

// TestPlots checks that the standard figures are drawn in both formats
// from snapshots of a short run (with a particle of δ = 0, which the log
// axis of |δ| must leave out rather than fail on).
func TestPlots(t *testing.T) {
	nc := netCase{act: model.Tanh, m: 30, n: 10, d: 3, c: 1, seed: 72}
	s := nc.system(t, 3)
	theta, delta := nc.initLaw(4, 0.1)
	delta[0], delta[nc.m*nc.d] = 0, 0
	var snaps []*Snapshot
	for k := range 5 {
		for i := range delta {
			delta[i] *= 1.5
		}
		snaps = append(snaps, s.Snapshot(k, s.Time(k), s.State(theta, delta)))
	}
	figs, err := Plots(snaps)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 5 {
		t.Errorf("%d figures, want 5", len(figs))
	}
	for name, f := range figs {
		if !bytes.HasPrefix(f.PNG, []byte("\x89PNG")) || !bytes.Contains(f.SVG, []byte("<svg")) {
			t.Errorf("%s: not a PNG and an SVG (%d and %d bytes)", name, len(f.PNG), len(f.SVG))
		}
	}
	ser := &Series{Name: "particle"}
	for k := range 4 {
		ser.add(k, float64(k), float64((k-2)*(k-2)), 1, 0, 0, 0, 0)
	}
	if v := ser.Verdict(0); v.Monotone || v.Rises != 1 || v.MaxRise != 1 || v.MaxRiseStep != 3 || v.Drop != 3 {
		t.Errorf("verdict of 4, 1, 0, 1: %+v", v)
	}
	if _, err := SeriesPlot(0, ser); err != nil {
		t.Error(err)
	}
}
