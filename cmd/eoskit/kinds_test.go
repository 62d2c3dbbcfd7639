package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// thetaJSON formats n deterministic, non-symmetric parameter values, so
// that no model sits at a symmetric point by accident.
func thetaJSON(n int) string {
	v := make([]string, n)
	for i := range v {
		v[i] = fmt.Sprint(0.3 + 0.1*math.Sin(1.7*float64(i+1)))
	}
	return "[" + strings.Join(v, ", ") + "]"
}

// TestEveryModelKindRuns runs every model kind (and every data kind of the
// two-layer network) from a JSON spec with an explicit init.theta and the
// gradient flow beside GD through `eoskit run`, and checks that the run's
// files exist and that the summary holds the contract's fields with finite
// values.
func TestEveryModelKindRuns(t *testing.T) {
	dir := t.TempDir()
	// Data files for the "file" kind: x as CSV with a header, y as CSV.
	if err := os.WriteFile(filepath.Join(dir, "x.csv"), []byte("a,b\n0.5,-1\n1,0.25\n-0.75,0.5\n0.1,0.9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "y.csv"), []byte("1\n-0.5\n0.25\n0.8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inline := `{"kind": "inline", "x": [[0.5, -1], [1, 0.25], [-0.75, 0.5], [0.1, 0.9]], "y": [1, -0.5, 0.25, 0.8]}`
	twolayer := func(act, scaling string) string {
		return fmt.Sprintf(`{"kind": "twolayer", "width": 3, "activation": %q, "scaling": %q, "outputs": 1}`, act, scaling)
	}
	for _, tc := range []struct {
		name, model, data string
		p                 int
		eta               float64
	}{
		{"quadratic", `{"kind": "quadratic", "hessian": [[2, 0.5], [0.5, 1]], "center": [1, -1]}`, "", 2, 0.5},
		{"quartic", `{"kind": "quartic"}`, "", 1, 0.5},
		{"matfact", `{"kind": "matfact", "depth": 3, "dim": 2, "target": [[2, 0.5], [0, 1]]}`, "", 12, 0.05},
		{"uv", `{"kind": "uv", "width": 4, "target": 1}`, "", 8, 0.3},
		{"deep-scalar", `{"kind": "deep-scalar", "depth": 4, "target": 1}`, "", 4, 0.3},
		{"minimalist", `{"kind": "minimalist"}`, "", 2, 0.3},
		{"valley", `{"kind": "valley", "zeta": 1, "epsilon": 0.01}`, "", 2, 0.3},
		{"twolayer-tanh-inline", twolayer("tanh", "mean-field"), inline, 9, 1},
		{"twolayer-gelu-ntk", twolayer("gelu", "ntk"), inline, 9, 0.5},
		{"twolayer-relu", twolayer("relu", "ntk"), inline, 9, 0.5},
		{"twolayer-file", twolayer("tanh", "mean-field"), `{"kind": "file", "x": "x.csv", "y": "y.csv"}`, 9, 1},
		{"twolayer-teacher", `{"kind": "twolayer", "width": 3, "outputs": 2}`, `{"kind": "teacher", "n": 20, "d": 4, "outputs": 2, "seed": 7}`, 18, 1},
		{"twolayer-mnist", `{"kind": "twolayer", "width": 2}`, `{"kind": "mnist", "n": 20, "classes": [3, 8], "downsample": true}`, 2*196 + 2, 0.1},
		{"twolayer-anchor", `{"kind": "twolayer", "width": 2}`, `{"kind": "anchor", "n": 10, "d": 3, "labels": "teacher"}`, 8, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := ""
			if tc.data != "" {
				data = `"data": ` + tc.data + ","
			}
			spec := fmt.Sprintf(`{"name": %q, "model": %s, %s "init": {"theta": %s}, "gd": {"eta": %v, "steps": 40}, "measure": {"sharpness_every": 5}, "flow": ["gradient", {"kind": "model-a", "start_step": 20}, {"kind": "model-b", "start_step": 20}]}`,
				tc.name, tc.model, data, thetaJSON(tc.p), tc.eta)
			path := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out", tc.name)
			code, _, stderr := runCLI(t, "run", "-quiet", "-out", out, path)
			if code != 0 {
				t.Fatalf("exit %d: %s (spec %s)", code, stderr, path)
			}
			b, err := os.ReadFile(filepath.Join(out, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			var sum struct {
				FinalTheta     []float64 `json:"final_theta"`
				FinalLoss      *float64  `json:"final_loss"`
				FinalSharpness *float64  `json:"final_sharpness"`
				Diverged       *bool     `json:"diverged"`
				Steps          *int      `json:"steps"`
				Params         int       `json:"params"`
				Flows          map[string]*struct {
					FinalLoss float64 `json:"final_loss"`
					FinalT    float64 `json:"final_t"`
					Error     string  `json:"error"`
				} `json:"flows"`
			}
			if err := json.Unmarshal(b, &sum); err != nil {
				t.Fatal(err)
			}
			if sum.FinalLoss == nil || sum.FinalSharpness == nil || sum.Diverged == nil || sum.Steps == nil {
				t.Fatalf("summary lacks a contract field:\n%s", b)
			}
			if len(sum.FinalTheta) != tc.p || sum.Params != tc.p || *sum.Diverged || *sum.Steps != 40 {
				t.Fatalf("summary: %d parameters (want %d), diverged %v, steps %d", len(sum.FinalTheta), tc.p, *sum.Diverged, *sum.Steps)
			}
			if math.IsNaN(*sum.FinalLoss) || math.IsNaN(*sum.FinalSharpness) {
				t.Fatalf("non-finite final values: %s", b)
			}
			for _, kind := range []string{"gradient", "model-a", "model-b"} {
				if f := sum.Flows[kind]; f == nil || f.Error != "" || f.FinalT != 40*tc.eta || math.IsNaN(f.FinalLoss) {
					t.Fatalf("%s flow: %+v, want a complete flow to t = %v", kind, f, 40*tc.eta)
				}
			}
			for _, f := range []string{"spec.json", "trace.csv", "flow_gradient.csv", "flow_model-a.csv", "flow_model-b.csv", "loss.png", "sharpness.svg"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
