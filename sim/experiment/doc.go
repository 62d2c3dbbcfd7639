// Package experiment turns an experiment spec (JSON) into a run: it parses
// and validates specs strictly, builds the model, its data and the initial
// point, runs GD with the requested measurements, and writes the results
// (spec.json, trace.csv, summary.json and plots) atomically into an output
// folder. It also holds the experiments embedded in the eoskit binary.
//
// # Specs
//
// A spec names its model with "model": {"kind": ...} and the kind's
// parameters, its initial point with "init", its data (for networks) with
// "data", GD with "gd": {"eta": η, "steps": N}, and its measurements with
// "measure". For example the embedded "quartic" experiment:
//
//	{
//	  "name": "quartic",
//	  "model": {"kind": "quartic"},
//	  "init": {"theta": [0.9]},
//	  "gd": {"eta": 1.1, "steps": 200},
//	  "measure": {"sharpness_every": 1}
//	}
//
// Parsing is strict: an unknown field, a value of the wrong type, a missing
// required field or a value out of range is a *SpecError naming the field
// by its path ("gd.eta", "init.theta[3]"). The command-line program turns
// these into exit status 2.
//
// # Outputs
//
// A run's folder holds spec.json (the resolved spec, every default filled
// in), trace.csv (one row per recorded step: step, t = kη, loss, grad_norm,
// and sharpness with its residual and HVP count when measured), summary.json
// (final_theta, final_loss, final_sharpness, diverged, steps, the regime and
// the final 2-cycle, ...), and PNG and SVG plots. The folder is written
// atomically: it appears complete, or not at all.
//
// # Cancellation
//
// Run takes a context and every long loop under it checks it: GD before
// every step, the spectrum estimators before every Hessian-vector product
// (and the dense eigensolver between its blocks), the flows before every
// integrator step. A cancelled run returns its Result with what it had
// (Result.Cancelled); WriteTo commits it as DIR.interrupted. New long
// computations take the context the same way: an estimator through
// hessian.ContextEstimator, a flow through flow.SampleContext or
// ode.Integrator.UntilContext, an observer of GD through gd.State.Ctx, and
// an error for which gd.Stopped(ctx, err) holds means "stopped", not
// "failed".
//
// # Figures
//
// Result.Plots builds a run's figures (figures.go) with a small layer over
// gonum/plot (plot.go), meant to take more curves and figures without new
// drawing code:
//
//   - a figure is one image (PNG and SVG): a title, one legend, and one or
//     more panels side by side (newFigure gives a long run a zoomed first
//     panel on its early steps beside the whole run). The legend is drawn
//     in rows under the title, outside every panel, so it never hides data;
//   - a panel is one set of axes: an x range (or the data's), a y axis that
//     is linear or logarithmic (a log axis whose data are not all positive
//     becomes symmetric-logarithmic, linear within ±c around zero, and says
//     so above the panel; never silently linear), any number of series and
//     horizontal reference lines (hline: 2/η);
//   - a series is a labelled line (solid or dashed, in a style: gdStyle,
//     centreStyle, flowStyle(i) for the i-th flow, refStyle) or a band: a
//     lower and an upper curve with the range between them shaded, as for
//     GD's period-2 envelopes (envelopes, alternating), over which a model's
//     predicted envelope can be laid as another band or two lines;
//   - ticks: linear axes at 1, 2, 5 × 10^k with the run's last step labelled
//     at the end of the time axis; log axes with every decade labelled (every
//     k-th beyond ten), the multiples 2 and 5 below three decades, linear
//     ticks within one, and a label near each end of the axis so that the
//     data's range is read off the labels; y ranges get a 5% margin so that
//     no peak touches the frame.
//
// Adding a curve is one call (fig.add(line(label, x, y, flowStyle(1)))),
// adding a figure a few lines in Plots. Labels are plain text with Unicode
// (θ, η, λ₁): gonum/plot's LaTeX handler panics on subscripts and its plain
// handler draws a combining macron beside its letter, so the figures say
// "at the period-2 centres" rather than θ̄_k. TestFigureLayout checks every
// kind of figure on the rendered image (legend inside the canvas and over
// nothing drawn, tick labels covering the data's range on both axes).
package experiment
