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
package experiment
