package experiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestTraceColumns: with top_k = 3 the trace holds the sharpness, its
// residual and HVP count, λ₂ and λ₃ (in decreasing order) at the measured
// steps and empty cells elsewhere, and the centre sharpness column.
func TestTraceColumns(t *testing.T) {
	doc := `{"name": "t", "model": {"kind": "matfact", "depth": 2, "dim": 2, "target": [[2, 0], [0, 1]]},
		"init": {"theta": [0.3, 0.1, -0.1, 0.2, 0.2, -0.1, 0.15, 0.25]}, "gd": {"eta": 0.1, "steps": 12},
		"measure": {"sharpness_every": 4, "top_k": 3}}`
	res := runDoc(t, doc)
	lines := strings.Split(strings.TrimSpace(string(res.TraceCSV())), "\n")
	const header = "step,t,loss,grad_norm,sharpness,sharpness_residual,hvps,lambda_2,lambda_3,sharpness_center"
	if lines[0] != header {
		t.Fatalf("header %q, want %q", lines[0], header)
	}
	if len(lines) != 14 {
		t.Fatalf("%d lines, want a header and 13 rows", len(lines))
	}
	for _, line := range lines[1:] {
		cells := strings.Split(line, ",")
		if len(cells) != 10 {
			t.Fatalf("row %q has %d cells, want 10", line, len(cells))
		}
		step, _ := strconv.Atoi(cells[0])
		measured := step%4 == 0
		if measured != (cells[4] != "") || measured != (cells[7] != "") || measured != (cells[8] != "") {
			t.Fatalf("row %q: measured cells must be present exactly at multiples of 4", line)
		}
		if !measured {
			continue
		}
		var l [3]float64
		for i, c := range []string{cells[4], cells[7], cells[8]} {
			var err error
			if l[i], err = strconv.ParseFloat(c, 64); err != nil {
				t.Fatal(err)
			}
		}
		if !(l[0] >= l[1] && l[1] >= l[2]) {
			t.Fatalf("row %q: eigenvalues not in decreasing order", line)
		}
		if hv, _ := strconv.Atoi(cells[6]); hv != 8 {
			t.Fatalf("row %q: dense path on 8 parameters should use 8 HVPs", line)
		}
		centred := step > 0 && step < 12
		if centred != (cells[9] != "") {
			t.Fatalf("row %q: centre sharpness present %v, want %v", line, cells[9] != "", centred)
		}
	}
}

// TestRunHugeStepsInterrupted: gd.steps is bounded by the trace it asks
// for, not by itself: 2⁶² steps recording a row every 2⁴⁰ steps must start
// (and here stop at once, its context being cancelled) instead of reserving
// a trace it can never fill, while 2⁶² rows (about 10⁶ TiB) are refused as
// bad input, naming gd.steps.
func TestRunHugeStepsInterrupted(t *testing.T) {
	_, err := Build(mustParse(t, `{"name": "huge", "model": {"kind": "quartic"}, "init": {"theta": [0.9]},
		"gd": {"eta": 0.1, "steps": 4611686018427387904}}`))
	var se *SpecError
	if !errors.As(err, &se) || se.Path != "gd.steps" {
		t.Fatalf("a trace of 2⁶² rows: error %v, want a SpecError on gd.steps", err)
	}
	exp, err := Build(mustParse(t, `{"name": "huge", "model": {"kind": "quartic"}, "init": {"theta": [0.9]},
		"gd": {"eta": 0.1, "steps": 4611686018427387904}, "measure": {"trace_every": 1099511627776}}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := exp.Run(ctx, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// gd.Run checks the context before every step; the trace keeps θ₀,
	// which is the final state.
	if !res.GD.Cancelled || res.GD.Steps != 0 || len(res.Trace) != 1 {
		t.Fatalf("cancelled %v after %d steps with %d rows; want cancelled after 0 steps, 1 row", res.GD.Cancelled, res.GD.Steps, len(res.Trace))
	}
}

func mustParse(t *testing.T, doc string) *Spec {
	t.Helper()
	spec, err := ParseSpec([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestTraceKeepsEveryMeasurement: with trace_every 7 and sharpness_every 10
// the trace has a row at every multiple of 7 and at every multiple of 10,
// each multiple of 10 with its sharpness (and centre sharpness), so that no
// measurement is lost. The old recorder measured only at common multiples
// (0, 70 and the final step 100), while the summary said "every 10" and
// the plot drew a straight line across the gap.
func TestTraceKeepsEveryMeasurement(t *testing.T) {
	doc := `{"name": "t", "model": {"kind": "quartic"}, "init": {"theta": [0.9]}, "gd": {"eta": 1.1, "steps": 100},
		"measure": {"sharpness_every": 10, "trace_every": 7}}`
	res := runDoc(t, doc)
	var steps, measured, centred []int
	for _, row := range res.Trace {
		steps = append(steps, row.Step)
		if row.Eigen.Values != nil {
			measured = append(measured, row.Step)
		}
		if row.Center.Values != nil {
			centred = append(centred, row.Step)
		}
	}
	var wantSteps, wantMeasured, wantCentred []int
	for k := 0; k <= 100; k++ {
		if k%7 == 0 || k%10 == 0 {
			wantSteps = append(wantSteps, k)
		}
		if k%10 == 0 {
			wantMeasured = append(wantMeasured, k)
			if k > 0 && k < 100 {
				wantCentred = append(wantCentred, k)
			}
		}
	}
	if fmt.Sprint(steps) != fmt.Sprint(wantSteps) {
		t.Errorf("rows at %v, want %v", steps, wantSteps)
	}
	if fmt.Sprint(measured) != fmt.Sprint(wantMeasured) {
		t.Errorf("sharpness at %v, want %v", measured, wantMeasured)
	}
	if fmt.Sprint(centred) != fmt.Sprint(wantCentred) {
		t.Errorf("centre sharpness at %v, want %v", centred, wantCentred)
	}
}

// TestAboveTwoOverEta: the summary lists the eigenvalues above 2/η at the
// final iterate, and the report says when there are several (GD is then
// unstable in more than one direction, as mnist-eos becomes in long runs).
// On a quadratic the Hessian is known: eigenvalues 5, 4, 1 with 2/η = 3 give
// two; twenty eigenvalues all above 2/η give "at least 16" (the search's
// bound) with the matrix-free method; none above gives no entry.
func TestAboveTwoOverEta(t *testing.T) {
	diag := func(vals []float64) string {
		rows := make([]string, len(vals))
		for i, v := range vals {
			row := make([]string, len(vals))
			for j := range row {
				row[j] = "0"
			}
			row[i] = strconv.FormatFloat(v, 'g', -1, 64)
			rows[i] = "[" + strings.Join(row, ",") + "]"
		}
		return "[" + strings.Join(rows, ",") + "]"
	}
	many := make([]float64, 20)
	for i := range many {
		many[i] = 10 + float64(i)
	}
	for _, tc := range []struct {
		name    string
		eig     []float64
		method  string
		count   int
		atLeast bool
	}{
		{"two, dense", []float64{5, 4, 1}, "dense", 2, false},
		{"two, lanczos", []float64{5, 4, 1}, "lanczos", 2, false},
		{"twenty, lanczos", many, "lanczos", 16, true},
		{"none", []float64{2, 1}, "dense", -1, false},
	} {
		theta := strings.TrimSuffix(strings.Repeat("0.01,", len(tc.eig)), ",")
		doc := `{"name": "a", "model": {"kind": "quadratic", "hessian": ` + diag(tc.eig) + `}, "init": {"theta": [` + theta + `]},
			"gd": {"eta": 0.6666666666666666, "steps": 6}, "measure": {"sharpness_every": 1, "method": "` + tc.method + `", "tol": 1e-10}}`
		res := runDoc(t, doc)
		a := res.Summary().AboveTwoOverEta
		if tc.count < 0 {
			if a != nil {
				t.Errorf("%s: %+v, want no entry", tc.name, a)
			}
			continue
		}
		if a == nil || a.Count != tc.count || a.AtLeast != tc.atLeast || len(a.Values) != tc.count {
			t.Fatalf("%s: %+v, want %d (at least: %v)", tc.name, a, tc.count, tc.atLeast)
		}
		for i, v := range a.Values {
			// The largest eigenvalues, decreasing; 1e-8 relative covers the
			// Lanczos tolerance (residual 1e-10 relative, Kato–Temple).
			if want := tc.eig[len(tc.eig)-1-i]; tc.name == "twenty, lanczos" && math.Abs(v-want) > 1e-8*want {
				t.Errorf("%s: value %d = %v, want %v", tc.name, i, v, want)
			}
		}
		var b strings.Builder
		res.Report(&b)
		if !strings.Contains(b.String(), "eigenvalues above 2/η at the final iterate") {
			t.Errorf("%s: the report does not say so:\n%s", tc.name, b.String())
		}
	}
}
