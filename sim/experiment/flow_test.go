package experiment

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/ode"
)

// TestGradientFlowOnQuadratic: on E = ½(θ−c)ᵀA(θ−c) the flow sampled at
// t = kη must equal c + e^{−tA}(θ₀−c) (O3) to the requested tolerance, for
// every integrator. For the adaptive methods the tolerance bounds the local
// error per step; on a gradient flow of an SPD quadratic every error
// component is damped afterwards (the flow contracts), so the global error
// stays within a small multiple of the tolerance: 10·tol·max(1, ‖θ₀−c‖)
// leaves a factor 5 over the 2·tol measured on this problem. The fixed-step
// methods are held to their global error bounds instead: RK4 with h = η/10
// = 0.01 and λ_max = 4 has error ≲ T·(λh)⁴/5!·‖θ₀−c‖·λ ≈ 2e-6, asserted
// as 1e-5.
func TestGradientFlowOnQuadratic(t *testing.T) {
	a := []float64{4, 1, 0, 1, 2, 0.5, 0, 0.5, 0.25}
	c := []float64{0.5, -1, 2}
	th0 := []float64{2, 1, -1}
	const eta, steps = 0.1, 300
	for _, tc := range []struct {
		flow string
		tol  float64
	}{
		{`"gradient"`, 10 * 1e-8},
		{`{"kind": "gradient", "method": "dp5", "rtol": 1e-11, "atol": 1e-11}`, 10 * 1e-11},
		{`{"kind": "gradient", "method": "dop853", "rtol": 1e-10}`, 10 * 1e-10},
		{`{"kind": "gradient", "method": "rk4"}`, 1e-5},
	} {
		t.Run(tc.flow, func(t *testing.T) {
			doc := `{"name": "q", "model": {"kind": "quadratic", "hessian": [[4, 1, 0], [1, 2, 0.5], [0, 0.5, 0.25]], "center": [0.5, -1, 2]},
				"init": {"theta": [2, 1, -1]}, "gd": {"eta": 0.1, "steps": 300}, "measure": {"trace_every": 7}, "flow": ` + tc.flow + `}`
			res := runDoc(t, doc)
			f := res.Flows[0]
			if f.Err != nil {
				t.Fatalf("flow missing or failed: %+v", f)
			}
			// Samples at k = 0, 7, 14, …, and the last step, like the GD trace.
			if len(f.Trace) != len(res.Trace) {
				t.Fatalf("%d flow samples, %d GD rows", len(f.Trace), len(res.Trace))
			}
			A := mat.NewSymDense(3, a)
			scale := math.Max(1, math.Sqrt((th0[0]-c[0])*(th0[0]-c[0])+(th0[1]-c[1])*(th0[1]-c[1])+(th0[2]-c[2])*(th0[2]-c[2])))
			for i, row := range f.Trace {
				if row.Step != res.Trace[i].Step || row.T != float64(row.Step)*eta {
					t.Fatalf("sample %d at step %d, t = %v; GD row at step %d", i, row.Step, row.T, res.Trace[i].Step)
				}
				want := reference.QuadraticFlow(nil, A, c, th0, row.T)
				// The loss error is ≈ ‖∇E‖·‖δθ‖ ≤ ‖A‖‖θ−c‖·tol·scale.
				var wantE float64
				for p := range want {
					for q := range want {
						wantE += 0.5 * (want[p] - c[p]) * a[p*3+q] * (want[q] - c[q])
					}
				}
				if d := math.Abs(row.Loss - wantE); d > 5*scale*tc.tol*scale+1e-15 {
					t.Fatalf("t = %v: flow loss %.15g, closed form %.15g (difference %.2e)", row.T, row.Loss, wantE, d)
				}
			}
			want := reference.QuadraticFlow(nil, A, c, th0, float64(steps)*eta)
			for i := range want {
				if d := math.Abs(f.FinalTheta[i] - want[i]); d > tc.tol*scale {
					t.Fatalf("θ(T)[%d] = %.15g, e^{−TA} closed form %.15g (difference %.2e > %.1e)", i, f.FinalTheta[i], want[i], d, tc.tol*scale)
				}
			}
		})
	}
}

func TestFlowSpecErrors(t *testing.T) {
	base := strings.Replace(validSpec, `"measure"`, `"flow": FLOW, "measure"`, 1)
	for _, tc := range []struct{ flow, path string }{
		{`"rod-flow"`, "flow.kind"},
		{`{"kind": "gradient", "method": "rk45"}`, "flow.method"},
		{`{"kind": "gradient", "rtol": -1}`, "flow.rtol"},
		{`{"kind": "gradient", "method": "rk4", "rtol": 1e-6}`, "flow.rtol"},
		{`{"kind": "gradient", "step": 0.1}`, "flow.step"},
		{`{"kind": "gradient", "order": 5}`, "flow.order"},
		{`{"method": "dp5"}`, "flow.kind"},
		{`3`, "flow"},
	} {
		_, err := ParseSpec([]byte(strings.Replace(base, "FLOW", tc.flow, 1)))
		var se *SpecError
		if !errors.As(err, &se) || se.Path != tc.path {
			t.Errorf("flow %s: err %v, want a SpecError on %s", tc.flow, err, tc.path)
		}
	}
}

// TestFlowMaxStepsKeepsSamples: an adaptive flow on a ReLU network chatters
// on the kinks of the gradient (sliding along w·x = 0) and needs ever
// smaller steps; max_steps stops it early, and the samples reached are
// kept and reported with the reason.
func TestFlowMaxStepsKeepsSamples(t *testing.T) {
	doc := `{"name": "relu", "model": {"kind": "twolayer", "width": 3, "activation": "relu", "scaling": "ntk"},
		"data": {"kind": "inline", "x": [[0.5, -1], [1, 0.25], [-0.75, 0.5], [0.1, 0.9]], "y": [1, -0.5, 0.25, 0.8]},
		"init": {"theta": [0.39, 0.27, 0.21, 0.35, 0.38, 0.23, 0.24, 0.39, 0.34]}, "gd": {"eta": 0.5, "steps": 40},
		"flow": {"kind": "gradient", "method": "dp5", "max_steps": 2000}}`
	res := runDoc(t, doc)
	f := res.Flows[0]
	if !errors.Is(f.Err, ode.ErrMaxSteps) {
		t.Fatalf("flow error %v, want one wrapping ode.ErrMaxSteps", f.Err)
	}
	if n := len(f.Trace); n == 0 || n >= len(res.Trace) {
		t.Fatalf("%d samples kept of %d; want the ones before the flow stopped", n, len(res.Trace))
	}
	if s := res.Summary(); s.Flows["gradient"] == nil || !strings.Contains(s.Flows["gradient"].Error, "too many steps") {
		t.Fatalf("summary does not report why the flow stopped: %+v", s.Flows["gradient"])
	}
}

// TestFlowStepFollowsEtaOverride: the fixed-step default h = η/10 is a
// default of the resolved η, so a -eta override moves it, while a step the
// spec gives explicitly is kept.
func TestFlowStepFollowsEtaOverride(t *testing.T) {
	for _, tc := range []struct {
		flow string
		want float64
	}{
		{`{"kind": "gradient", "method": "rk4"}`, 0.001 / 10},
		{`{"kind": "gradient", "method": "euler", "step": 0.003}`, 0.003},
	} {
		s, err := ParseSpec([]byte(strings.Replace(validSpec, `"measure"`, `"flow": `+tc.flow+`, "measure"`, 1)))
		if err != nil {
			t.Fatal(err)
		}
		eta := 0.001
		if err := s.Apply(Overrides{Eta: &eta}); err != nil {
			t.Fatal(err)
		}
		// Both are the same float64 operation or a literal: exact.
		if s.Flows[0].Step != tc.want {
			t.Errorf("flow %s with -eta %g: step %g, want %g", tc.flow, eta, s.Flows[0].Step, tc.want)
		}
	}
}

// TestFlowInterrupted: cancelling during the flow stops it at the next
// sample and marks the run interrupted (written to DIR.interrupted, never
// over a finished result); cancelling during GD skips the flow.
func TestFlowInterrupted(t *testing.T) {
	doc := strings.Replace(validSpec, `"measure"`, `"flow": "gradient", "measure"`, 1)
	exp := buildDoc(t, doc)
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel once GD has finished: the progress callback is called last
	// with the number of steps done.
	res, err := exp.Run(ctx, RunOptions{Progress: func(done int) {
		if done == exp.Spec.GD.Steps {
			cancel()
		}
	}, ProgressEvery: exp.Spec.GD.Steps})
	if err != nil {
		t.Fatal(err)
	}
	if res.GD.Cancelled || len(res.Flows) != 1 || !errors.Is(res.Flows[0].Err, context.Canceled) || !res.Cancelled() {
		t.Fatalf("GD cancelled %v, flow %+v: want a complete GD run and an interrupted flow", res.GD.Cancelled, res.Flows[0])
	}
	if len(res.Flows[0].Trace) != 0 || !res.Summary().Cancelled {
		t.Fatalf("%d flow samples after cancellation; summary cancelled %v", len(res.Flows[0].Trace), res.Summary().Cancelled)
	}
	dir := t.TempDir()
	written, _, err := res.Write(filepath.Join(dir, "r"))
	if err != nil || written != filepath.Join(dir, "r.interrupted") {
		t.Fatalf("written to %q (%v), want r.interrupted", written, err)
	}

	cancelled, stop := context.WithCancel(context.Background())
	stop()
	long := strings.Replace(doc, `"steps": 10`, `"steps": 1000`, 1)
	spec2, err := ParseSpec([]byte(long))
	if err != nil {
		t.Fatal(err)
	}
	exp2, err := Build(spec2)
	if err != nil {
		t.Fatal(err)
	}
	res2, err := exp2.Run(cancelled, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res2.GD.Cancelled || len(res2.Flows) != 0 {
		t.Fatalf("GD cancelled %v, flow %v: an interrupted GD run must skip the flow", res2.GD.Cancelled, res2.Flows)
	}
}
