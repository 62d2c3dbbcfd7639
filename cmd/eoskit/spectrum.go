package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/experiment"
	"github.com/eoskit/eoskit/sim/hessian"
)

// spectrumOutput is what `eoskit spectrum -json` prints.
type spectrumOutput struct {
	// Top holds the k largest algebraic eigenvalues (decreasing), Bottom
	// the k smallest (increasing, with -bottom).
	Top    []float64 `json:"top"`
	Bottom []float64 `json:"bottom"`
	// Residuals are ‖Hv − λv‖₂ for the unit Ritz vectors v, top then
	// bottom: each value is within its residual of an eigenvalue of ∇²E.
	Residuals []float64 `json:"residuals"`
	// HVPs is the number of Hessian-vector products used.
	HVPs int `json:"hvps"`
	// Norm is the estimate of ‖∇²E‖₂ the relative residual test used.
	Norm   float64 `json:"norm"`
	Method string  `json:"method"`
	Tol    float64 `json:"tol"`
	Params int     `json:"params"`
}

func (c *cli) cmdSpectrum(ctx context.Context, args []string) (int, error) {
	stdout := c.stdout
	fs := flag.NewFlagSet("spectrum", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	k := fs.Int("k", 1, "number of top (and bottom) eigenvalues")
	bottom := fs.Bool("bottom", false, "also the k smallest (most negative) eigenvalues")
	tol := fs.Float64("tol", 1e-10, "relative residual of the Lanczos solve")
	method := fs.String("method", "lanczos", "lanczos or dense")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return exitOK, nil
		}
		return exitBadInput, usageError{"spectrum: " + err.Error()}
	}
	if fs.NArg() != 1 {
		return exitBadInput, usageError{fmt.Sprintf("spectrum takes one SPEC, got %d arguments", fs.NArg())}
	}
	if !(*tol > 0 && *tol < 1) {
		return exitBadInput, usageError{fmt.Sprintf("-tol %v: must be in (0, 1)", *tol)}
	}
	if *method != "lanczos" && *method != "dense" {
		return exitBadInput, usageError{fmt.Sprintf("-method %q: want lanczos or dense", *method)}
	}
	spec, err := c.resolveSpec(fs.Arg(0))
	if err != nil {
		return exitBadInput, err
	}
	exp, err := experiment.Build(spec)
	if err != nil {
		return exitBadInput, withSource(spec, err)
	}
	p := exp.Objective.Dim()
	nb := 0
	if *bottom {
		nb = *k
	}
	switch {
	case *k < 1:
		return exitBadInput, usageError{fmt.Sprintf("-k %d: must be ≥ 1", *k)}
	case *k+nb > p:
		what := fmt.Sprintf("%d eigenvalues", *k)
		if nb > 0 {
			what = fmt.Sprintf("%d top and %d bottom eigenvalues", *k, nb)
		}
		return exitBadInput, usageError{fmt.Sprintf("-k %d: %s asked of a Hessian with %s", *k, what, experiment.Plural(p, "parameter"))}
	}
	if b := experiment.SpectrumBytes(p, *k+nb, *method, 1); b > experiment.MaxRunBytes { // one estimate: no sequence
		flagName := "-k"
		if *method == "dense" {
			flagName = "-method dense"
		}
		return exitBadInput, usageError{fmt.Sprintf("%s: the spectrum of %d parameters would need about %.3g GiB (limit %d GiB)",
			flagName, p, b/(1<<30), experiment.MaxRunBytes>>30)}
	}
	op := sim.HessianAt(exp.Objective, exp.Theta0)
	var est hessian.ContextEstimator
	if *method == "dense" {
		est = &hessian.DenseSolver{Top: *k, Bottom: nb}
	} else {
		est = hessian.NewLanczosSolver(hessian.Settings{Top: *k, Bottom: nb, Tol: *tol})
	}
	res, err := est.EstimateContext(ctx, op)
	if err != nil && ctx.Err() != nil {
		return exitInterrupted, errors.New("spectrum: interrupted")
	}
	if err != nil {
		var ce *hessian.ConvergenceError
		if !errors.As(err, &ce) {
			return exitFailure, fmt.Errorf("spectrum: %w", err)
		}
		// Not converged: print what was reached, with its residuals.
	}
	out := spectrumOutput{
		Top: slices.Clone(res.Top.Values), Bottom: slices.Clone(res.Bottom.Values),
		Residuals: append(slices.Clone(res.Top.Residuals), res.Bottom.Residuals...),
		HVPs:      res.HVPs, Norm: res.Norm, Method: *method, Tol: *tol, Params: p,
	}
	if out.Bottom == nil {
		out.Bottom = []float64{}
	}
	if *asJSON {
		b, err := json.Marshal(out)
		if err != nil {
			return exitFailure, err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK, nil
	}
	fmt.Fprintf(stdout, "%s: Hessian at θ₀, %s, %s, %d HVPs (‖H‖ ≈ %.6g)\n", spec.Name, experiment.Plural(p, "parameter"), *method, out.HVPs, out.Norm)
	fmt.Fprintf(stdout, "  %-8s %24s %12s\n", "", "eigenvalue", "residual")
	for i, v := range out.Top {
		fmt.Fprintf(stdout, "  λ_%-6d %24.17g %12.3g\n", i+1, v, out.Residuals[i])
	}
	for i, v := range out.Bottom {
		fmt.Fprintf(stdout, "  λ_min+%-2d %24.17g %12.3g\n", i, v, out.Residuals[len(out.Top)+i])
	}
	if *method == "lanczos" && !res.Converged {
		fmt.Fprintf(stdout, "  (not converged to tol %g)\n", *tol)
	}
	if eta := spec.GD.Eta; eta > 0 && len(out.Top) > 0 {
		fmt.Fprintf(stdout, "  sharpness × η/2 = %.6g (η = %g; 2/η = %.6g)\n", out.Top[0]*eta/2, eta, 2/eta)
	}
	return exitOK, nil
}
