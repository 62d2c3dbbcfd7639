package golden

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/kernel"
	"github.com/eoskit/eoskit/sim/model"
)

// numpyCase is one trajectory of testdata/twolayer_numpy.json, computed by
// an independent NumPy implementation of the two-layer tanh network (see
// testdata/twolayer_numpy.py, which regenerates the file).
type numpyCase struct {
	Name       string    `json:"name"`
	N          int       `json:"n"`
	D          int       `json:"d"`
	M          int       `json:"m"`
	C          int       `json:"c"`
	Scaling    string    `json:"scaling"`
	Eta        float64   `json:"eta"`
	Steps      int       `json:"steps"`
	X          []float64 `json:"x"`
	Y          []float64 `json:"y"`
	Theta0     []float64 `json:"theta0"`
	Losses     []float64 `json:"losses"`
	ThetaFinal []float64 `json:"theta_final"`
}

// TestTwoLayerMatchesNumPy runs GD on the two-layer tanh network, with every
// kernel variant of this build, from the NumPy reference's data and initial
// point, and compares the loss at every one of the 500 steps and the final
// parameters with NumPy's float64 trajectory.
//
// Tolerance 1e-10 relative: the two implementations round differently
// (summation order of the matrix products, NumPy's vectorised tanh), which
// differs by a few ulps per step; these runs are well inside the stable
// step-size range, where GD contracts perturbations, so the difference
// stays below 2e-15 (measured, every variant) over 500 steps. A wrong
// derivative, scaling or loss convention changes the trajectory at the 1e-3
// level within a few steps.
func TestTwoLayerMatchesNumPy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "twolayer_numpy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []numpyCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no cases in twolayer_numpy.json")
	}
	for _, backend := range kernel.Names() {
		for _, c := range file.Cases {
			t.Run(backend+"/"+c.Name, func(t *testing.T) {
				be, err := kernel.Get(backend)
				if err != nil {
					t.Fatal(err)
				}
				sc, err := model.ParseScaling(c.Scaling)
				if err != nil {
					t.Fatal(err)
				}
				net, err := model.NewTwoLayer(model.TwoLayerConfig{
					Width: c.M, Activation: model.Tanh, Scaling: sc, Outputs: c.C,
					N: c.N, D: c.D, X: c.X, Y: c.Y, Backend: be,
				})
				if err != nil {
					t.Fatal(err)
				}
				rec := &gd.Recorder{Obj: net}
				res, err := gd.Run(context.Background(), net, c.Theta0, gd.Settings{Eta: c.Eta, Steps: c.Steps}, rec)
				if err != nil {
					t.Fatal(err)
				}
				if len(rec.Rows) != len(c.Losses) {
					t.Fatalf("%d rows, NumPy has %d", len(rec.Rows), len(c.Losses))
				}
				const tol = 1e-10
				worst := 0.0
				for k, row := range rec.Rows {
					rel := math.Abs(row.Loss-c.Losses[k]) / c.Losses[k]
					worst = math.Max(worst, rel)
					if rel > tol {
						t.Fatalf("step %d: loss %.17g, NumPy %.17g (relative difference %.2e)", k, row.Loss, c.Losses[k], rel)
					}
				}
				var num, den float64
				for i, v := range res.Final.Theta {
					num += (v - c.ThetaFinal[i]) * (v - c.ThetaFinal[i])
					den += c.ThetaFinal[i] * c.ThetaFinal[i]
				}
				if rel := math.Sqrt(num / den); rel > tol {
					t.Fatalf("θ_%d differs from NumPy's by %.2e relative", c.Steps, rel)
				}
				t.Logf("largest relative loss difference over %d steps: %.2e", c.Steps, worst)
			})
		}
	}
}
