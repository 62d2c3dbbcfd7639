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

func spectrumJSON(t *testing.T, args ...string) spectrumOutput {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"spectrum", "-json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out spectrumOutput
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	return out
}

// TestSpectrumMatchesIndependentReferences runs `eoskit spectrum` on the
// two-layer network of the Python anchors at its initial point and compares
// it with
//   - the full Hessian built by PyTorch autograd and by the anchors'
//     hand-written NumPy HVP, diagonalised by numpy.linalg.eigvalsh
//     (../../golden/testdata/spectrum_reference.py wrote the JSON): agreement
//     to 1e-9 relative. The sources differ from eoskit only in rounding and
//     in the data generator's last ulp (≤ 4 ulps, sim/data), both far below
//     1e-9; the Lanczos solve at tol 1e-12 adds at most 1e-12·‖H‖.
//   - eoskit's own dense path (-method dense): agreement within the reported
//     residual plus the dense eigensolver's round-off p·ε·‖H‖ (each Ritz
//     value lies within its residual of an eigenvalue).
func TestSpectrumMatchesIndependentReferences(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "golden", "testdata", "spectrum_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			M        int       `json:"m"`
			Scaling  string    `json:"scaling"`
			Labels   string    `json:"labels"`
			Params   int       `json:"params"`
			Top      []float64 `json:"top"`
			Bottom   []float64 `json:"bottom"`
			NumpyTop []float64 `json:"numpy_top"`
			NumpyBot []float64 `json:"numpy_bottom"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range ref.Cases {
		name := fmt.Sprintf("m%d-%s-%s", c.M, c.Scaling, c.Labels)
		t.Run(name, func(t *testing.T) {
			spec := fmt.Sprintf(`{"name": "s", "model": {"kind": "twolayer", "width": %d, "scaling": %q},
				"data": {"kind": "anchor", "labels": %q}, "init": {"scheme": "anchor"}, "gd": {"eta": 1, "steps": 1}}`, c.M, c.Scaling, c.Labels)
			path := filepath.Join(dir, name+".json")
			if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
				t.Fatal(err)
			}
			got := spectrumJSON(t, "-k", "3", "-bottom", "-tol", "1e-12", path)
			worst := 0.0
			if got.Params != c.Params || len(got.Top) != 3 || len(got.Bottom) != 3 || len(got.Residuals) != 6 {
				t.Fatalf("output %+v: want 3 top, 3 bottom and 6 residuals for %d parameters", got, c.Params)
			}
			for _, pair := range []struct {
				what      string
				got, want []float64
			}{
				{"top vs PyTorch", got.Top, c.Top}, {"bottom vs PyTorch", got.Bottom, c.Bottom},
				{"top vs NumPy", got.Top, c.NumpyTop}, {"bottom vs NumPy", got.Bottom, c.NumpyBot},
			} {
				for i := range pair.want {
					d := math.Abs(pair.got[i] - pair.want[i])
					worst = math.Max(worst, d/math.Abs(pair.want[i]))
					if d > 1e-9*math.Abs(pair.want[i]) {
						t.Errorf("%s %d: %.17g, reference %.17g (relative difference %.2e)", pair.what, i, pair.got[i], pair.want[i], d/math.Abs(pair.want[i]))
					}
				}
			}
			t.Logf("largest relative difference from PyTorch and NumPy: %.2e (%d HVPs)", worst, got.HVPs)
			if c.Params > 600 {
				return // the dense comparison costs p HVPs and p³ flops: the small cases suffice
			}
			dense := spectrumJSON(t, "-k", "3", "-bottom", "-method", "dense", path)
			roundoff := float64(c.Params) * 0x1p-52 * got.Norm
			for i := range got.Top {
				if d := math.Abs(got.Top[i] - dense.Top[i]); d > got.Residuals[i]+roundoff {
					t.Errorf("λ_%d: Lanczos %.17g, dense %.17g: difference %.2e exceeds the residual %.2e", i+1, got.Top[i], dense.Top[i], d, got.Residuals[i])
				}
				if d := math.Abs(got.Bottom[i] - dense.Bottom[i]); d > got.Residuals[3+i]+roundoff {
					t.Errorf("bottom %d: Lanczos %.17g, dense %.17g: difference %.2e exceeds the residual %.2e", i, got.Bottom[i], dense.Bottom[i], d, got.Residuals[3+i])
				}
			}
		})
	}
}

func TestSpectrumBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"spectrum"},
		{"spectrum", "-k", "0", "default"},
		{"spectrum", "-k", "13", "default"},
		{"spectrum", "-k", "7", "-bottom", "default"},
		{"spectrum", "-tol", "2", "default"},
		{"spectrum", "-method", "arpack", "default"},
		{"spectrum", "no-such-experiment"},
		// A dense Hessian of 60000 parameters (80 GiB) is refused up front.
		{"spectrum", "-method", "dense", "big.json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Chdir(t.TempDir())
			big := `{"name": "a", "model": {"kind": "uv", "width": 30000, "target": 1},
				"init": {"scheme": "gaussian", "scale": 0.1}, "gd": {"eta": 0.1, "steps": 3}}`
			if err := os.WriteFile("big.json", []byte(big), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCLI(t, args...)
			if code != 2 || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want 2 and one line", code, stderr)
			}
		})
	}
}

func TestSpectrumHumanOutput(t *testing.T) {
	code, stdout, _ := runCLI(t, "spectrum", "-k", "2", "default")
	if code != 0 || !strings.Contains(stdout, "λ_1") || !strings.Contains(stdout, "λ_2") || !strings.Contains(stdout, "HVPs") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
}
