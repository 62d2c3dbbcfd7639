package golden

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/eoskit/eoskit/sim/experiment"
)

var update = flag.Bool("update", false, "rewrite the golden files from fresh runs")

// File is the content of a golden file.
type File struct {
	Meta  Meta  `json:"meta"`
	Rows  []Row `json:"rows"`
	Final Final `json:"final"`
}

// Meta records what produced the file.
type Meta struct {
	Experiment string `json:"experiment"`
	Go         string `json:"go"`
	GOARCH     string `json:"goarch"`
	GOAMD64    string `json:"goamd64"`
	Backend    string `json:"backend"`
	Seed       uint64 `json:"seed"`
	Loss       string `json:"loss_convention"`
	Time       string `json:"time_convention"`
	Note       string `json:"note"`
}

// Row is one early step of the trace.
type Row struct {
	Step      int      `json:"step"`
	Loss      float64  `json:"loss"`
	GradNorm  float64  `json:"grad_norm"`
	Sharpness *float64 `json:"sharpness,omitempty"`
}

// Final summarises the end of the run.
type Final struct {
	Steps           int         `json:"steps"`
	Regime          string      `json:"regime"`
	Diverged        bool        `json:"diverged"`
	Loss            float64     `json:"loss"`
	Sharpness       float64     `json:"sharpness"`
	CycleLosses     *[2]float64 `json:"cycle_losses,omitempty"`
	CycleMeanLoss   *float64    `json:"cycle_mean_loss,omitempty"`
	CenterLoss      *float64    `json:"center_loss,omitempty"`
	AmplitudeSq     *float64    `json:"amplitude_sq,omitempty"`
	CenterSharpness *float64    `json:"center_sharpness,omitempty"`
}

// A case is an embedded experiment with its golden tolerances.
type goldenCase struct {
	name string
	rows int // how many early steps to store
	// early is the relative tolerance of the early rows. Measured: on the
	// default experiment a 1-ulp perturbation of θ₀, or compiling with
	// GOAMD64=v3 (fused multiply-adds), changes the first 200 losses by at
	// most 8e-15 relative, so 1e-11 leaves three orders of magnitude for
	// other compilers and architectures while catching any change of the
	// update rule, the model or the loss convention.
	early float64
	// final is the relative tolerance of the attractor's statistics: the
	// run converges onto its fixed point or 2-cycle, which forgets
	// rounding (measured difference 0 for the perturbations above); 1e-10
	// also covers the dense eigensolver's p·ε error in the sharpness.
	final float64
}

var cases = []goldenCase{
	{name: "default", rows: 200, early: 1e-11, final: 1e-10},
	{name: "mf-stable", rows: 200, early: 1e-11, final: 1e-10},
	{name: "quartic", rows: 200, early: 1e-11, final: 1e-10},
}

func fresh(t *testing.T, c goldenCase) File {
	t.Helper()
	spec, err := experiment.Embedded(c.name)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := experiment.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := exp.Run(context.Background(), experiment.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := File{Meta: Meta{
		Experiment: c.name,
		Go:         runtime.Version(),
		GOARCH:     runtime.GOARCH,
		GOAMD64:    experiment.CurrentBuild().GOAMD64,
		Backend:    "none (toy model, no matrix kernels)",
		Seed:       *spec.Seed,
		Loss:       "model's closed form (matfact: ½‖W_L⋯W_1 − M‖²_F; quartic: ¼(x²−1)²)",
		Time:       "t = kη",
		Note:       "written by go test ./golden -update; compared with relative tolerances (see golden_test.go)",
	}}
	for _, r := range res.Trace {
		if r.Step > c.rows {
			break
		}
		row := Row{Step: r.Step, Loss: r.Loss, GradNorm: r.GradNorm}
		if s := r.Sharpness(); !math.IsNaN(s) {
			row.Sharpness = &s
		}
		f.Rows = append(f.Rows, row)
	}
	sum := res.Summary()
	f.Final = Final{Steps: sum.Steps, Regime: sum.Regime, Diverged: sum.Diverged, Loss: sum.FinalLoss, Sharpness: *sum.FinalSharpness}
	if cy := sum.Cycle; cy != nil {
		f.Final.CycleLosses = &cy.Losses
		f.Final.CycleMeanLoss = &cy.MeanLoss
		f.Final.CenterLoss = &cy.CenterLoss
		f.Final.AmplitudeSq = &cy.AmplitudeSq
		f.Final.CenterSharpness = cy.CenterSharpness
	}
	return f
}

func TestGolden(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := fresh(t, c)
			path := filepath.Join("testdata", c.name+".json")
			if *update {
				b, err := encode(got)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s", path)
				return
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./golden -update to create it)", err)
			}
			var want File
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			compare(t, c, want, got)
		})
	}
}

// relClose reports |got − want| ≤ tol·|want|.
func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(want)
}

func compare(t *testing.T, c goldenCase, want, got File) {
	t.Helper()
	if len(got.Rows) != len(want.Rows) {
		t.Fatalf("%d early rows, golden has %d", len(got.Rows), len(want.Rows))
	}
	for i, w := range want.Rows {
		g := got.Rows[i]
		if g.Step != w.Step {
			t.Fatalf("row %d: step %d, golden %d", i, g.Step, w.Step)
		}
		check(t, fmt.Sprintf("step %d loss", w.Step), g.Loss, w.Loss, c.early)
		check(t, fmt.Sprintf("step %d grad_norm", w.Step), g.GradNorm, w.GradNorm, c.early)
		if (g.Sharpness == nil) != (w.Sharpness == nil) {
			t.Errorf("step %d: sharpness measured %v, golden %v", w.Step, g.Sharpness != nil, w.Sharpness != nil)
		} else if w.Sharpness != nil {
			check(t, fmt.Sprintf("step %d sharpness", w.Step), *g.Sharpness, *w.Sharpness, c.early)
		}
	}
	gf, wf := got.Final, want.Final
	if gf.Steps != wf.Steps || gf.Regime != wf.Regime || gf.Diverged != wf.Diverged {
		t.Fatalf("end of run: %d steps, regime %s, diverged %v; golden %d, %s, %v", gf.Steps, gf.Regime, gf.Diverged, wf.Steps, wf.Regime, wf.Diverged)
	}
	checkLoss(t, "final loss", gf.Loss, wf.Loss, c.final)
	check(t, "final sharpness", gf.Sharpness, wf.Sharpness, c.final)
	opt := func(name string, g, w *float64) {
		if (g == nil) != (w == nil) {
			t.Errorf("%s: present %v, golden %v", name, g != nil, w != nil)
		} else if w != nil {
			check(t, name, *g, *w, c.final)
		}
	}
	if (gf.CycleLosses == nil) != (wf.CycleLosses == nil) {
		t.Fatalf("cycle: present %v, golden %v", gf.CycleLosses != nil, wf.CycleLosses != nil)
	}
	if wf.CycleLosses != nil {
		check(t, "cycle loss low", gf.CycleLosses[0], wf.CycleLosses[0], c.final)
		check(t, "cycle loss high", gf.CycleLosses[1], wf.CycleLosses[1], c.final)
	}
	opt("cycle mean loss", gf.CycleMeanLoss, wf.CycleMeanLoss)
	opt("centre loss", gf.CenterLoss, wf.CenterLoss)
	opt("|a|²", gf.AmplitudeSq, wf.AmplitudeSq)
	opt("centre sharpness", gf.CenterSharpness, wf.CenterSharpness)
}

// lossFloor is the level below which a loss is round-off, compared
// absolutely: at a minimum of these models the residual W_L⋯W_1 − M (or
// x² − 1) is a few ulps of the target, so the loss is O(ε²) ≈ 1e-30 times the
// target's square (mf-stable ends at 2e-27, a different compiler or
// architecture may give 1e-26 or 0). 1e-20 is far below any loss that means
// something and far above that noise.
const lossFloor = 1e-20

// checkLoss compares losses relatively above lossFloor, absolutely below.
func checkLoss(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(want) < lossFloor && math.Abs(got) < lossFloor {
		return
	}
	check(t, what, got, want, tol)
}

func check(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !relClose(got, want, tol) {
		t.Errorf("%s = %.17g, golden %.17g (relative difference %.2e > %.0e)", what, got, want, math.Abs(got-want)/math.Abs(want), tol)
	}
}

// encode writes a golden file as indented JSON with one trace row per line,
// so that a behaviour change shows as a readable diff.
func encode(f File) ([]byte, error) {
	var b bytes.Buffer
	meta, err := json.MarshalIndent(f.Meta, "  ", "  ")
	if err != nil {
		return nil, err
	}
	final, err := json.MarshalIndent(f.Final, "  ", "  ")
	if err != nil {
		return nil, err
	}
	b.WriteString("{\n  \"meta\": ")
	b.Write(meta)
	b.WriteString(",\n  \"rows\": [\n")
	for i, r := range f.Rows {
		row, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		b.WriteString("    ")
		b.Write(row)
		if i < len(f.Rows)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("  ],\n  \"final\": ")
	b.Write(final)
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}
