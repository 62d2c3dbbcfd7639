// Command eoskit runs Edge-of-Stability experiments: gradient descent on a
// model with a large step size, the Hessian spectrum measured along the way,
// and the results written to an output folder.
//
// Usage:
//
//	eoskit                     same as `eoskit run default`
//	eoskit list                the embedded experiments, one line each
//	eoskit run [flags] SPEC    SPEC = an embedded name or a path to a JSON spec
//	       -out DIR            output folder (default out/<spec name>)
//	       -steps N -eta X -seed S   overrides of the spec
//	       -quiet              no progress bar (also when stderr is not a terminal)
//	       -kernel NAME        the two-layer network's matrix kernels
//	eoskit spectrum [-k K] [-bottom] [-tol X] [-method M] [-json] SPEC
//	                           Hessian eigenvalues at the spec's initial point
//	eoskit kinetic-limit [-widths LIST] [-seeds N] [-steps N] [-quick] SPEC
//	                           the particle system's mean-field limit (kinetic.go)
//
// Exit status: 0 on success (a run that diverges is a success: it stops
// cleanly and writes what it recorded), 2 for bad input (a malformed spec,
// data file or flag; one line on stderr names what is wrong, and no output
// folder is created), 1 when writing the results fails, 130 when
// interrupted (the partial results are written to DIR.interrupted).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/eoskit/eoskit/sim/experiment"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, term.IsTerminal(int(os.Stderr.Fd())))
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1
	exitBadInput    = 2
	exitInterrupted = 130
)

// usageError is bad command-line input.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is the whole program; stderrTTY says whether stderr is a terminal
// (progress bars are drawn only then).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, stderrTTY bool) int {
	if len(args) == 0 {
		args = []string{"run", "default"}
	}
	var err error
	code := exitOK
	switch args[0] {
	case "list":
		err = cmdList(args[1:], stdout)
	case "run":
		code, err = cmdRun(ctx, args[1:], stdout, stderr, stderrTTY)
	case "spectrum":
		code, err = cmdSpectrum(args[1:], stdout)
	case "kinetic-limit":
		code, err = cmdKineticLimit(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = usageError{fmt.Sprintf("unknown command %q (want list, run, spectrum or kinetic-limit; see eoskit help)", args[0])}
	}
	if err != nil {
		fmt.Fprintf(stderr, "eoskit: %s\n", oneLine(err))
		if code == exitOK {
			code = exitBadInput
		}
	}
	return code
}

const usage = `eoskit: Edge-of-Stability experiments, verified.

  eoskit                     same as "eoskit run default"
  eoskit list                the embedded experiments, one line each
  eoskit run [flags] SPEC    SPEC = an embedded name or a path to a JSON spec
         -out DIR            output folder (default out/<spec name>)
         -steps N            override gd.steps
         -eta X              override gd.eta
         -seed S             override the spec's master seed
         -quiet              no progress bar
         -kernel NAME        override the two-layer network's matrix kernels
  eoskit spectrum [flags] SPEC   Hessian eigenvalues at the spec's initial point
         -k K                how many top (and bottom) eigenvalues (default 1)
         -bottom             also the K most negative ones
         -tol X              relative residual of the Lanczos solve (default 1e-10)
         -method M           lanczos (default) or dense (the exact reference)
         -json               {"top":[...],"bottom":[...],"residuals":[...],"hvps":N}
` + kineticLimitUsage + `
A run writes spec.json, trace.csv, summary.json and plots (PNG, SVG) to DIR.
Exit status: 0 ok (a diverged run included), 2 bad input, 1 write failure,
130 interrupted.
`

// oneLine flattens an error message to one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func cmdList(args []string, stdout io.Writer) error {
	if len(args) != 0 {
		return usageError{"list takes no arguments"}
	}
	for _, e := range experiment.List() {
		fmt.Fprintf(stdout, "%-12s %s\n", e.Name, e.Description)
	}
	return nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer, stderrTTY bool) (int, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "output folder (default out/<spec name>)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	steps := fs.Int("steps", 0, "override gd.steps")
	eta := fs.Float64("eta", 0, "override gd.eta")
	seed := fs.Uint64("seed", 0, "override the master seed")
	kern := fs.String("kernel", "", "override the two-layer network's matrix kernels")
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return exitOK, nil
		}
		return exitBadInput, usageError{"run: " + err.Error()}
	}
	outSet := false
	fs.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "out" })
	if outSet && *out == "" {
		return exitBadInput, usageError{"run: -out: empty folder name"}
	}
	if fs.NArg() != 1 {
		return exitBadInput, usageError{fmt.Sprintf("run takes one SPEC (an embedded name or a JSON file), got %d arguments", fs.NArg())}
	}
	spec, err := experiment.Resolve(fs.Arg(0))
	if err != nil {
		return exitBadInput, err
	}
	var ov experiment.Overrides
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "steps":
			ov.Steps = steps
		case "eta":
			ov.Eta = eta
		case "seed":
			ov.Seed = seed
		case "kernel":
			ov.Kernel = kern
		}
	})
	if err := spec.Apply(ov); err != nil {
		return exitBadInput, err
	}
	exp, err := experiment.Build(spec)
	if err != nil {
		return exitBadInput, withSource(spec, err)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", spec.Name)
	}
	// Check the destination and create the staging folder before the run,
	// so that an unusable -out is reported at once.
	output, err := experiment.NewOutput(dir)
	if err != nil {
		return exitBadInput, err
	}
	defer output.Abort()

	var opt experiment.RunOptions
	var bar *progressbar.ProgressBar
	if !*quiet && stderrTTY {
		bar = progressbar.NewOptions(spec.GD.Steps,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(spec.Name),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100_000_000),
		)
		opt.Progress = func(done int) { bar.Set(done) }
	}
	res, err := exp.Run(ctx, opt)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return exitFailure, err
	}
	written, names, err := res.WriteTo(output)
	if err != nil {
		return exitFailure, err
	}
	res.Report(stdout)
	fmt.Fprintf(stdout, "  wrote %s/: %s\n", written, strings.Join(names, ", "))
	if res.Cancelled() {
		return exitInterrupted, errors.New("interrupted; partial results in " + written)
	}
	return exitOK, nil
}

// parseInterspersed parses flags before and after the positional arguments
// ("run quartic -steps 5" as well as "run -steps 5 quartic").
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// withSource prefixes an error found while building a spec read from a file
// with the file's name, like the parse errors.
func withSource(spec *experiment.Spec, err error) error {
	if src := spec.Source(); src != "" {
		return fmt.Errorf("spec %s: %w", src, err)
	}
	return err
}
