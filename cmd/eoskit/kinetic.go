package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/eoskit/eoskit/sim/experiment"
	"github.com/eoskit/eoskit/sim/kinetic"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// kineticLimitUsage is the usage text of `eoskit kinetic-limit`.
const kineticLimitUsage = `  eoskit kinetic-limit [flags] SPEC   the mean-field limit of the particle system: the same
                             initial law at growing widths, the spread of 𝓕 and of the loss across
                             seeds at fixed particle time t̃ = kη/m (SPEC: a mean-field twolayer model
                             with a random init scheme; η/m of the spec is kept at every width)
         -widths LIST        widths m, comma-separated (default 256,1024,4096,16384)
         -seeds N            seeds 1..N of the initial law (default 8)
         -steps N            the horizon in GD steps (default the spec's gd.steps); the law is
                             compared at N/4, N/2 and N
         -rms X              root mean square of δ₀ along the top eigenvector (default 1e-3)
         -rtol X             DP5 tolerance (default 1e-7)
         -out DIR            output folder (default out/<spec name>-kinetic-limit)
         -quick              widths 8,32, 3 seeds, at most 20 steps (a smoke test)
         -quiet              no progress lines on stderr
`

// limitFlags are the parsed flags of kinetic-limit.
type limitFlags struct {
	widths       []int
	seeds        int
	steps        int
	rms, rtol    float64
	out          string
	quick, quiet bool
}

// parseWidths parses a comma-separated list of increasing widths ≥ 1.
func parseWidths(s string) ([]int, error) {
	var ws []int
	for _, f := range strings.Split(s, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 1 {
			return nil, usageError{fmt.Sprintf("kinetic-limit: -widths %q: %q is not a width ≥ 1", s, f)}
		}
		if len(ws) > 0 && w <= ws[len(ws)-1] {
			return nil, usageError{fmt.Sprintf("kinetic-limit: -widths %q: widths must increase", s)}
		}
		ws = append(ws, w)
	}
	if len(ws) < 2 {
		return nil, usageError{fmt.Sprintf("kinetic-limit: -widths %q: need at least two widths", s)}
	}
	return ws, nil
}

func cmdKineticLimit(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("kinetic-limit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	widths := fs.String("widths", "256,1024,4096,16384", "widths")
	var lf limitFlags
	fs.IntVar(&lf.seeds, "seeds", 8, "number of seeds")
	fs.IntVar(&lf.steps, "steps", 0, "horizon in GD steps")
	fs.Float64Var(&lf.rms, "rms", 1e-3, "rms of δ₀")
	fs.Float64Var(&lf.rtol, "rtol", 1e-7, "DP5 tolerance")
	fs.StringVar(&lf.out, "out", "", "output folder")
	fs.BoolVar(&lf.quick, "quick", false, "small widths")
	fs.BoolVar(&lf.quiet, "quiet", false, "no progress lines")
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return exitOK, nil
		}
		return exitBadInput, usageError{"kinetic-limit: " + err.Error()}
	}
	if fs.NArg() != 1 {
		return exitBadInput, usageError{fmt.Sprintf("kinetic-limit takes one SPEC, got %d arguments", fs.NArg())}
	}
	var err error
	if lf.widths, err = parseWidths(*widths); err != nil {
		return exitBadInput, err
	}
	switch {
	case lf.seeds < 2:
		return exitBadInput, usageError{fmt.Sprintf("kinetic-limit: -seeds %d: need at least 2", lf.seeds)}
	case lf.steps < 0:
		return exitBadInput, usageError{fmt.Sprintf("kinetic-limit: -steps %d: must be ≥ 1", lf.steps)}
	case !(lf.rms > 0) || math.IsInf(lf.rms, 0):
		return exitBadInput, usageError{fmt.Sprintf("kinetic-limit: -rms %v: must be finite and > 0", lf.rms)}
	case !(lf.rtol > 0 && lf.rtol < 1):
		return exitBadInput, usageError{fmt.Sprintf("kinetic-limit: -rtol %v: must be in (0, 1)", lf.rtol)}
	}
	outSet := false
	fs.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "out" })
	if outSet && lf.out == "" {
		return exitBadInput, usageError{"kinetic-limit: -out: empty folder name"}
	}
	if lf.quick {
		lf.widths, lf.seeds = []int{8, 32}, 3
	}
	spec, err := experiment.Resolve(fs.Arg(0))
	if err != nil {
		return exitBadInput, err
	}
	sw, err := newSweep(spec, lf)
	if err != nil {
		return exitBadInput, withSource(spec, err)
	}
	dir := lf.out
	if dir == "" {
		dir = filepath.Join("out", spec.Name+"-kinetic-limit")
	}
	output, err := experiment.NewOutput(dir)
	if err != nil {
		return exitBadInput, err
	}
	defer output.Abort()

	cfg := sw.config()
	n := 0
	cfg.Progress = func(m int, seed uint64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		if !lf.quiet {
			fmt.Fprintf(stderr, "kinetic-limit: run %d/%d: m = %d, seed %d\n", n, len(cfg.Widths)*len(cfg.Seeds), m, seed)
		}
		return nil
	}
	res, err := kinetic.Limit(cfg)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return exitInterrupted, errors.New("interrupted; nothing written")
		}
		return exitFailure, err
	}
	fmt.Fprintf(stdout, "%s: kinetic limit, η̃ = η/m = %.6g, %d seeds, δ₀ rms %g\n", spec.Name, cfg.EtaTilde, len(cfg.Seeds), cfg.SeedRMS)
	res.Table(stdout)
	fig, err := res.Plot()
	if err != nil {
		return exitFailure, err
	}
	files := map[string][]byte{
		"spec.json":         sw.base.JSON(),
		"summary.json":      limitSummary(res),
		"trace.csv":         res.CSV(),
		"kinetic_limit.png": fig.PNG,
		"kinetic_limit.svg": fig.SVG,
	}
	for _, name := range []string{"spec.json", "summary.json", "trace.csv", "kinetic_limit.png", "kinetic_limit.svg"} {
		if err := output.WriteFile(name, files[name]); err != nil {
			return exitFailure, err
		}
	}
	if err := output.Commit(output.Dir()); err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(stdout, "  wrote %s/: spec.json, summary.json, trace.csv (one row per run and step), kinetic_limit.png, kinetic_limit.svg\n", output.Dir())
	return exitOK, nil
}

// sweep holds the spec of a width sweep: the resolved base spec (its data
// paths absolute) as a JSON tree, from which each width and seed is built.
type sweep struct {
	base     *experiment.Spec
	tree     map[string]any
	etaTilde float64
	steps    []int
	lf       limitFlags
}

// newSweep checks that the spec describes an iid initial law of a
// mean-field two-layer network, and builds it once (which reports any
// other problem of the spec, and makes its data paths absolute).
func newSweep(spec *experiment.Spec, lf limitFlags) (*sweep, error) {
	if spec.Model.Kind != "twolayer" {
		return nil, usageError{fmt.Sprintf("kinetic-limit: the spec's model is %q; the particle system needs a twolayer model", spec.Model.Kind)}
	}
	if s := spec.Init.Scheme; s != "network" && s != "gaussian" {
		return nil, usageError{fmt.Sprintf("kinetic-limit: init must be the random scheme \"network\" or \"gaussian\" (an iid law of the neurons that exists at every width), not %q", initName(spec.Init))}
	}
	exp, err := experiment.Build(spec)
	if err != nil {
		return nil, err
	}
	net, ok := exp.Objective.(*model.TwoLayer)
	if !ok || net.Scaling() != model.MeanField {
		return nil, usageError{"kinetic-limit: the network must use the mean-field scaling (model.scaling \"mean-field\")"}
	}
	var tree map[string]any
	if err := json.Unmarshal(spec.JSON(), &tree); err != nil {
		return nil, fmt.Errorf("kinetic-limit: re-reading the spec: %w", err)
	}
	delete(tree, "flow")
	k := spec.GD.Steps
	if lf.steps > 0 {
		k = lf.steps
	}
	if lf.quick {
		k = min(k, 20)
	}
	steps := []int{k}
	if k >= 4 {
		steps = []int{k / 4, k / 2, k}
	}
	return &sweep{base: spec, tree: tree, etaTilde: spec.GD.Eta / float64(net.Width()), steps: steps, lf: lf}, nil
}

// initName names an init that is not a random scheme.
func initName(in experiment.InitSpec) string {
	if in.Theta != nil {
		return "theta"
	}
	return in.Scheme
}

// build returns the network of width m and θ₀ drawn with the seed: the
// spec with model.width, seed and gd.eta = η̃·m replaced.
func (sw *sweep) build(m int, seed uint64) (*model.TwoLayer, []float64, error) {
	sw.tree["model"].(map[string]any)["width"] = m
	sw.tree["seed"] = seed
	sw.tree["gd"].(map[string]any)["eta"] = sw.etaTilde * float64(m)
	b, err := json.Marshal(sw.tree)
	if err != nil {
		return nil, nil, err
	}
	spec, err := experiment.ParseSpec(b)
	if err != nil {
		return nil, nil, err
	}
	exp, err := experiment.Build(spec)
	if err != nil {
		return nil, nil, err
	}
	return exp.Objective.(*model.TwoLayer), exp.Theta0, nil
}

// config returns the sweep's kinetic.LimitConfig.
func (sw *sweep) config() kinetic.LimitConfig {
	seeds := make([]uint64, sw.lf.seeds)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	return kinetic.LimitConfig{Widths: sw.lf.widths, Seeds: seeds, Steps: sw.steps, EtaTilde: sw.etaTilde,
		SeedRMS: sw.lf.rms, Method: ode.DP5(), Controller: ode.PI{RTol: sw.lf.rtol, ATol: sw.lf.rtol}, Build: sw.build}
}

// limitSummary returns summary.json of a sweep: the configuration, the
// rows of the table and the fitted exponents.
func limitSummary(r *kinetic.LimitResult) []byte {
	type row struct {
		Width     int      `json:"width"`
		Step      int      `json:"step"`
		T         float64  `json:"t"`
		FMean     float64  `json:"free_energy_mean"`
		FStd      float64  `json:"free_energy_std"`
		FRatio    *float64 `json:"free_energy_ratio_4m"`
		LossMean  float64  `json:"loss_mean"`
		LossStd   float64  `json:"loss_std"`
		LossRatio *float64 `json:"loss_ratio_4m"`
	}
	opt := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	out := struct {
		Widths    []int      `json:"widths"`
		Seeds     []uint64   `json:"seeds"`
		Steps     []int      `json:"steps"`
		EtaTilde  float64    `json:"eta_particle"`
		SeedRMS   float64    `json:"delta0_rms"`
		Rows      []row      `json:"rows"`
		FSlope    []*float64 `json:"free_energy_std_exponent"`
		LossSlope []*float64 `json:"loss_std_exponent"`
	}{Widths: r.Config.Widths, Seeds: r.Config.Seeds, Steps: r.Config.Steps, EtaTilde: r.Config.EtaTilde,
		SeedRMS: r.Config.SeedRMS}
	for j := range r.FSlope {
		out.FSlope, out.LossSlope = append(out.FSlope, opt(r.FSlope[j])), append(out.LossSlope, opt(r.LossSlope[j]))
	}
	for _, w := range r.Rows {
		out.Rows = append(out.Rows, row{w.Width, w.Step, w.T, w.FMean, w.FStd, opt(w.FRatio), w.LossMean, w.LossStd, opt(w.LossRatio)})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		panic("eoskit: marshalling the kinetic-limit summary: " + err.Error())
	}
	return append(b, '\n')
}
