package experiment

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// kineticDoc is a small mean-field tanh network of width 8 (a power of two:
// the particle system's rescalings by m are exact) at the Edge of
// Stability, with model A and the kinetic flow from the same GD state.
const kineticDoc = `{"name": "k", "model": {"kind": "twolayer", "width": 8, "activation": "tanh", "scaling": "mean-field"},
	"data": {"kind": "teacher", "n": 40, "d": 3, "width": 2, "noise": 0.5, "seed": 3},
	"init": {"scheme": "network", "scale": 1}, "gd": {"eta": 6, "steps": 120},
	"measure": {"sharpness_every": 10, "trace_every": 2},
	"flow": [{"kind": "model-a", "start_step": 40}, {"kind": "kinetic", "start_step": 40, "snapshot_every": 25}]}`

// TestKineticFlow: the kinetic flow is model A written particle by particle
// (design notes §6.1), so its samples equal model A's from the same GD
// state to the integration's accuracy: both run DP5 at rtol = atol = 1e-8,
// on step sequences that differ through the time scaling t̃ = t/m (the
// initial step heuristic), so each value agrees within 10·(atol + rtol·|v|)
// (measured: 3.6e-9 on an amplitude of 1.7e-5, 2e-12 relative on the
// losses). Its rows carry GD's time kη
// and the particle time kη/m, its snapshots are taken at the start, after
// every multiple of snapshot_every and at the end, and the run writes them
// with the density plots.
func TestKineticFlow(t *testing.T) {
	res := runDoc(t, kineticDoc)
	a, k := res.Flows[0], res.Flows[1]
	if a.Err != nil || k.Err != nil || len(a.Trace) != len(k.Trace) || len(k.Trace) == 0 {
		t.Fatalf("model A: %d samples (%v); kinetic: %d samples (%v)", len(a.Trace), a.Err, len(k.Trace), k.Err)
	}
	for i, r := range k.Trace {
		ra := a.Trace[i]
		if r.Step != ra.Step || r.T != float64(r.Step)*6 || r.Kinetic.TParticle != float64(r.Step)*6/8 {
			t.Fatalf("row %d: step %d, t = %v, t̃ = %v", i, r.Step, r.T, r.Kinetic.TParticle)
		}
		for _, c := range [][2]float64{{r.Point.Loss, ra.Point.Loss}, {r.Point.FreeEnergy, ra.Point.FreeEnergy}, {r.Point.Amplitude, ra.Point.Amplitude}} {
			if math.Abs(c[0]-c[1]) > 10*(1e-8+1e-8*math.Abs(c[1])) {
				t.Fatalf("step %d: kinetic %v, model A %v", r.Step, r.Point, ra.Point)
			}
		}
		// ∫|δ|²dν = (1/m)Σ|δ_i|² = |δ|²/m, to round-off.
		if want := r.Point.Amplitude / math.Sqrt(8); math.Abs(r.Kinetic.DeltaRMS-want) > 1e-13*want {
			t.Fatalf("step %d: δ rms %v, |δ|/√m = %v", r.Step, r.Kinetic.DeltaRMS, want)
		}
	}
	var steps []int
	for _, sn := range k.Snapshots {
		steps = append(steps, sn.Step)
	}
	if want := []int{40, 50, 76, 100, 120}; !equalInts(steps, want) {
		t.Fatalf("snapshots at %v, want %v (samples every 2 steps and every 10)", steps, want)
	}
	names, files, err := res.Files()
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(names, " ")
	for _, want := range []string{"kinetic_snapshots/step_000040.csv", "kinetic_density_delta.png", "kinetic_joint_w_a.svg"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s among %s", want, joined)
		}
	}
	csv := string(files["flow_kinetic.csv"])
	if h := csv[:strings.IndexByte(csv, '\n')]; !strings.HasSuffix(h, ",t_particle,delta_rms") || !strings.HasPrefix(h, "step,t,loss,center_loss,loss_plus,loss_minus,amplitude,free_energy,") {
		t.Fatalf("flow_kinetic.csv header %q", h)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestKineticSpec: the kinetic flow needs a mean-field two-layer network;
// its fixed-step default is a tenth of the particle step η/m.
func TestKineticSpec(t *testing.T) {
	for _, tc := range []struct{ doc, path string }{
		{strings.Replace(validSpec, `"measure"`, `"flow": "kinetic", "measure"`, 1), "flow.kind"},
		{strings.Replace(kineticDoc, `"mean-field"`, `"ntk"`, 1), "flow[1].kind"},
		{strings.Replace(kineticDoc, `{"kind": "model-a", "start_step": 40}`, `{"kind": "model-a", "snapshot_every": 3}`, 1), "flow[0].snapshot_every"},
	} {
		_, err := ParseSpec([]byte(tc.doc))
		var se *SpecError
		if !errors.As(err, &se) || se.Path != tc.path {
			t.Errorf("err %v, want a SpecError on %s", err, tc.path)
		}
	}
	s, err := ParseSpec([]byte(strings.Replace(kineticDoc, `"snapshot_every": 25}`, `"snapshot_every": 25, "method": "rk4"}`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if f := s.Flows[1]; f.Step != 6.0/8/10 {
		t.Fatalf("kinetic rk4 step %v, want η/m/10 = %v", f.Step, 6.0/8/10)
	}
	eta := 3.0
	if err := s.Apply(Overrides{Eta: &eta}); err != nil || s.Flows[1].Step != 3.0/8/10 {
		t.Fatalf("after -eta 3: step %v (%v), want %v", s.Flows[1].Step, err, 3.0/8/10)
	}
}
