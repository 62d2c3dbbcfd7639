package experiment

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/eoskit/eoskit/sim/kinetic"
)

// Files lists the files a run writes, in the order Write writes them.
func (r *Result) Files() ([]string, map[string][]byte, error) {
	files := map[string][]byte{
		"spec.json":    r.Exp.Spec.JSON(),
		"trace.csv":    r.TraceCSV(),
		"summary.json": r.SummaryJSON(),
	}
	names := []string{"spec.json", "trace.csv", "summary.json"}
	for _, f := range r.Flows {
		name := "flow_" + f.Spec.Name + ".csv"
		files[name] = r.FlowCSV(f.Spec.Name)
		names = append(names, name)
		if len(f.Snapshots) == 0 {
			continue
		}
		// The kinetic flow's particles: one CSV per snapshot, and the
		// densities of the law over time and its joint histograms.
		folder := "kinetic_snapshots"
		if len(r.Flows) > 1 && f.Spec.Name != FlowKinetic {
			folder += "_" + f.Spec.Name
		}
		for _, sn := range f.Snapshots {
			n := fmt.Sprintf("%s/step_%06d.csv", folder, sn.Step)
			files[n] = sn.CSV()
			names = append(names, n)
		}
		figs, err := kinetic.Plots(f.Snapshots)
		if err != nil {
			return nil, nil, fmt.Errorf("%s flow: %w", f.Spec.Name, err)
		}
		prefix := ""
		if f.Spec.Name != FlowKinetic {
			prefix = f.Spec.Name + "_"
		}
		for _, stem := range slices.Sorted(maps.Keys(figs)) {
			files[prefix+stem+".png"], files[prefix+stem+".svg"] = figs[stem].PNG, figs[stem].SVG
			names = append(names, prefix+stem+".png", prefix+stem+".svg")
		}
	}
	figs, err := r.Plots()
	if err != nil {
		return nil, nil, err
	}
	stems := make([]string, 0, len(figs))
	for stem := range figs {
		stems = append(stems, stem)
	}
	sort.Strings(stems)
	for _, stem := range stems {
		png, svg, err := figs[stem].render()
		if err != nil {
			return nil, nil, err
		}
		files[stem+".png"], files[stem+".svg"] = png, svg
		names = append(names, stem+".png", stem+".svg")
	}
	return names, files, nil
}

// Write writes the run's files into dir atomically (see Output).
func (r *Result) Write(dir string) (string, []string, error) {
	out, err := NewOutput(dir)
	if err != nil {
		return "", nil, err
	}
	return r.WriteTo(out)
}

// WriteTo writes the run's files into out and commits it: the folder
// appears complete or not at all, and replaces a previous result only when
// every file is written. An interrupted run is committed to the destination
// with the suffix ".interrupted" instead, so that it never replaces a
// finished result. The staging folder is removed on failure. WriteTo returns
// the folder written and the names of the files in it.
func (r *Result) WriteTo(out *Output) (string, []string, error) {
	defer out.Abort()
	names, files, err := r.Files()
	if err != nil {
		return "", nil, err
	}
	for _, n := range names {
		if err := out.WriteFile(n, files[n]); err != nil {
			return "", nil, err
		}
	}
	dest := out.final
	if r.Cancelled() {
		dest += ".interrupted"
	}
	if err := out.Commit(dest); err != nil {
		return "", nil, err
	}
	return dest, names, nil
}

// Report writes a short human summary of the run: the regime it ended in,
// the cycle's losses, and the sharpness against 2/η.
func (r *Result) Report(w io.Writer) {
	s := r.Exp.Spec
	sum := r.Summary()
	fmt.Fprintf(w, "%s: %s\n", s.Name, r.Exp.Model)
	fmt.Fprintf(w, "  GD: η = %g, %d of %d steps, %s (%.2fs)\n", s.GD.Eta, sum.Steps, sum.StepsRequested, Plural(sum.Params, "parameter"), sum.GDWallSeconds)
	switch {
	case r.GD.Cancelled:
		fmt.Fprintf(w, "  interrupted after %d steps\n", sum.Steps)
	case r.stopped:
		fmt.Fprintf(w, "  interrupted while measuring the spectrum after the last step\n")
	case sum.Diverged:
		fmt.Fprintf(w, "  regime: diverged (the loss or gradient overflowed after step %d; last finite loss %.6g)\n", sum.Steps, sum.FinalLoss)
	case sum.Cycle != nil:
		fmt.Fprintf(w, "  regime: stable 2-cycle (iterates repeat every 2 steps to %.1e; consecutive iterates differ by %.2e)\n", deref(sum.Step2), deref(sum.Step1))
		fmt.Fprintf(w, "  cycle losses: %.6f, %.6f (mean %.6f); centre loss %.6f, |a|² = %.6f\n",
			sum.Cycle.Losses[0], sum.Cycle.Losses[1], sum.Cycle.MeanLoss, sum.Cycle.CenterLoss, sum.Cycle.AmplitudeSq)
	case sum.Regime == "converged":
		fmt.Fprintf(w, "  regime: converged (last step moved θ by %.1e relative); final loss %.6g\n", deref(sum.Step1), sum.FinalLoss)
	default:
		fmt.Fprintf(w, "  regime: unsettled (no fixed point or 2-cycle to %.0e: steps differ by %.2e, period-2 residual %.2e); final loss %.6g\n",
			sum.SettleTol, deref(sum.Step1), deref(sum.Step2), sum.FinalLoss)
	}
	two := 2 / s.GD.Eta
	var parts []string
	if sum.FinalSharpness != nil {
		parts = append(parts, fmt.Sprintf("at the final iterate %.6g (%.4g × 2/η)", *sum.FinalSharpness, *sum.FinalSharpness/two))
	}
	if sum.Cycle != nil && sum.Cycle.CenterSharpness != nil {
		parts = append(parts, fmt.Sprintf("at the cycle's centre %.6g (%.4g × 2/η)", *sum.Cycle.CenterSharpness, *sum.Cycle.CenterSharpness/two))
	}
	if sum.MaxSharpness != nil {
		every := s.Measure.SharpnessEvery
		note := ""
		if sum.Cycle != nil && every > 0 && every%2 == 0 && sum.Steps%2 == 0 {
			// Every measured step, the final one included, has one parity.
			note = ", all on one phase of the 2-cycle"
		}
		if every > 0 {
			parts = append(parts, fmt.Sprintf("max over the measured steps %.6g (every %d%s)", *sum.MaxSharpness, every, note))
		} else {
			parts = append(parts, fmt.Sprintf("max over the measured steps %.6g", *sum.MaxSharpness))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "  sharpness: %s; 2/η = %.6g\n", strings.Join(parts, ", "), two)
	}
	if a := sum.AboveTwoOverEta; a != nil && a.Count > 1 {
		vals := make([]string, len(a.Values))
		for i, v := range a.Values {
			vals[i] = fmt.Sprintf("%.4g", v/two)
		}
		atLeast := ""
		if a.AtLeast {
			atLeast = "at least "
		}
		fmt.Fprintf(w, "  unstable in several directions: %s%d eigenvalues above 2/η at the final iterate (%s × 2/η)\n",
			atLeast, a.Count, strings.Join(vals, ", "))
	}
	if p := sum.Period2; p != nil {
		onset := "not reached"
		if p.OnsetStep != nil {
			onset = fmt.Sprintf("step %d", *p.OnsetStep)
		}
		fmt.Fprintf(w, "  period 2: Edge-of-Stability onset (centre sharpness ≥ 0.99 × 2/η) %s; %d loss spikes\n", onset, len(p.Spikes))
	}
	for _, f := range r.Flows {
		reportFlow(w, f, sum.Flows[f.Spec.Name], two)
	}
	if rk := sum.FlowRanking; rk != nil {
		parts := make([]string, len(rk.Flows))
		for i, f := range rk.Flows {
			parts[i] = fmt.Sprintf("%s %s", f.Name, percent(f.Median))
		}
		fmt.Fprintf(w, "  flows ranked by the median error of the time-averaged loss over steps %d–%d: %s\n", rk.Window[0], rk.Window[1], strings.Join(parts, ", "))
	}
	for _, n := range sum.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// reportFlow writes a flow's lines of the report: where it ended, how well
// it tracked GD, and what it cost.
func reportFlow(w io.Writer, f *FlowResult, fs *FlowSummary, two float64) {
	from := "from θ₀"
	if fs.StartStep > 0 {
		from = fmt.Sprintf("from GD's state at step %d", fs.StartStep)
	}
	if ss := fs.SelfStabilization; ss != nil {
		reportSelfStab(w, f, ss)
		return
	}
	fmt.Fprintf(w, "  %s flow (%s, %s):", f.Spec.Name, fs.Method, from)
	if len(f.Trace) == 0 {
		fmt.Fprintf(w, " no sample")
	} else {
		fmt.Fprintf(w, " time-averaged loss %.6g at t = %g", fs.FinalLoss, fs.FinalT)
		if c := fs.CycleLosses; c != nil && fs.Kind != FlowGradient {
			fmt.Fprintf(w, ", cycle losses %.6f, %.6f", c[0], c[1])
		}
		if fs.FinalSharpness != nil {
			fmt.Fprintf(w, ", sharpness %.6g (%.4g × 2/η)", *fs.FinalSharpness, *fs.FinalSharpness/two)
		}
	}
	if fs.FinalTraceSigma != nil && len(f.Trace) > 0 {
		fmt.Fprintf(w, ", tr Σ %.4g with %d direction(s) at 2/η", *fs.FinalTraceSigma, f.Trace[len(f.Trace)-1].Central.ActiveDim)
	}
	ev := fs.Evaluations
	fmt.Fprintf(w, "; %d gradients", ev.Gradients)
	if ev.HessVec > 0 || ev.Third > 0 {
		fmt.Fprintf(w, ", %d HVPs, %d third derivatives", ev.HessVec, ev.Third)
	}
	fmt.Fprintf(w, " in %d steps (%.2fs)", ev.Steps, fs.WallSeconds)
	if fs.Error != "" {
		fmt.Fprintf(w, "; stopped early: %s", fs.Error)
	}
	fmt.Fprintln(w)
	if c := fs.Compare; c != nil {
		fmt.Fprintf(w, "    vs GD over steps %d–%d: time-averaged loss error median %s, p90 %s, max %s", c.Window[0], c.Window[1],
			percent(c.LossAvg.Median), percent(c.LossAvg.P90), percent(c.LossAvg.Max))
		fmt.Fprintf(w, "; |a| median %s; E(θ̄) median %s", percent(c.Amplitude.Median), percent(c.CenterLoss.Median))
		if c.Spikes.GD > 0 {
			fmt.Fprintf(w, "; %d of %d spikes", c.Spikes.Matched, c.Spikes.GD)
		}
		fmt.Fprintln(w)
	}
}

// reportSelfStab writes the self-stabilisation system's line: its
// predicted loop against GD's first loop.
func reportSelfStab(w io.Writer, f *FlowResult, ss *SelfStabSummary) {
	if f.Err != nil && ss.Alpha == 0 && ss.Beta == 0 {
		fmt.Fprintf(w, "  %s: %v\n", f.Spec.Name, f.Err)
		return
	}
	fmt.Fprintf(w, "  %s (α = %.4g, β = %.4g at step %d):", f.Spec.Name, ss.Alpha, ss.Beta, ss.OnsetStep)
	p := ss.Predicted
	fmt.Fprintf(w, " predicted loop period %.4g, sharpness overshoot %.4g for %.4g, loss spike %.4g", p.Period, p.Overshoot, p.OvershootDuration, p.LossSpike)
	if g := ss.GD; g != nil {
		fmt.Fprintf(w, "; GD's first loop: period %.4g, overshoot %.4g for %.4g, loss spike %.4g", g.Period, g.Overshoot, g.Duration, g.LossSpike)
	} else {
		fmt.Fprintf(w, "; GD shows no complete loop")
	}
	if f.Err != nil {
		fmt.Fprintf(w, "; stopped early: %v", f.Err)
	}
	fmt.Fprintln(w)
}

// percent formats a relative error as a percentage ("–" for NaN).
func percent(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return fmt.Sprintf("%.3g%%", 100*x)
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// Plural returns "1 parameter", "2 parameters": n and the noun, with an s
// unless n is 1.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
