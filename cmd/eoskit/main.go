// Command eoskit runs Edge-of-Stability experiments: gradient descent on a
// model with a large step size, the Hessian spectrum measured along the way,
// and the results written to an output folder.
//
// Usage:
//
//	eoskit                     same as `eoskit run default`
//	eoskit list                the embedded experiments, one line each
//	eoskit run [flags] SPEC    SPEC = an embedded name or a path to a JSON spec
//	       -out DIR            output folder (default out/<spec name>, with
//	                           the overrides appended: out/default-steps10)
//	       -steps N -eta X -seed S   overrides of the spec
//	       -quiet              no progress bar (also when stderr is not a terminal)
//	       -kernel NAME        the two-layer network's matrix kernels
//	eoskit spectrum [-k K] [-bottom] [-tol X] [-method M] [-json] SPEC
//	                           Hessian eigenvalues at the spec's initial point
//	eoskit version             the eoskit module version, VCS revision and Go version
//	eoskit kinetic-limit [-widths LIST] [-seeds N] [-steps N] [-quick] SPEC
//	                           the particle system's mean-field limit (kinetic.go)
//
// Exit status: 0 on success (a run that diverges is a success: it stops
// cleanly and writes what it recorded), 2 for bad input (a malformed spec,
// data file or flag; one line on stderr names what is wrong, and no output
// folder is created), 1 when writing the results fails, 130 when
// interrupted by SIGINT, SIGTERM or SIGHUP (a run writes its partial results
// to DIR.interrupted), 131 when quit with SIGQUIT (nothing is written).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/eoskit/eoskit/sim/experiment"
)

func main() {
	ctx, sig := newSignals(os.Stderr, os.Exit, signal.Notify)
	c := &cli{stdout: os.Stdout, stderr: os.Stderr, tty: term.IsTerminal(int(os.Stderr.Fd())), sig: sig}
	os.Exit(c.run(ctx, os.Args[1:]))
}

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1
	exitBadInput    = 2
	exitInterrupted = 130 // SIGINT, SIGTERM, SIGHUP: 128 + SIGINT's number
	exitQuit        = 131 // SIGQUIT: 128 + its number
)

// usageError is bad command-line input.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// cli is the program with its outputs: stderrTTY says whether stderr is a
// terminal (progress bars are drawn only then); sig handles the stop signals
// (nil in tests).
type cli struct {
	stdout, stderr io.Writer
	tty            bool
	sig            *signals
}

// run is the whole program without signal handling (tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, stderrTTY bool) int {
	return (&cli{stdout: stdout, stderr: stderr, tty: stderrTTY}).run(ctx, args)
}

// run dispatches the command and returns the exit status.
func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		args = []string{"run", "default"}
	}
	var err error
	code := exitOK
	switch args[0] {
	case "list":
		err = c.cmdList(args[1:])
	case "run":
		code, err = c.cmdRun(ctx, args[1:])
	case "spectrum":
		code, err = c.cmdSpectrum(ctx, args[1:])
	case "version":
		err = c.cmdVersion(args[1:])
	case "kinetic-limit":
		code, err = cmdKineticLimit(ctx, args[1:], c.stdout, c.stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, usage)
		return exitOK
	default:
		err = usageError{fmt.Sprintf("unknown command %q (want list, run, spectrum, kinetic-limit or version; see eoskit help)", args[0])}
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "eoskit: %s\n", oneLine(err))
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
         -out DIR            output folder (default out/<spec name>; with
                             overrides out/<spec name>-steps10-eta0.05-...)
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
         -json               {"top":[...],"bottom":[...],"residuals":[...],"hvps":N,
                              "norm":X,"method":M,"tol":X,"params":P}
  eoskit version             eoskit's version, VCS revision and Go version
` + kineticLimitUsage + `
A run writes spec.json, trace.csv, summary.json and plots (PNG, SVG) to DIR.
Exit status: 0 ok (a diverged run included), 2 bad input, 1 write failure,
130 interrupted (SIGINT, SIGTERM, SIGHUP: partial results in DIR.interrupted),
131 quit (SIGQUIT: nothing written).
`

// oneLine flattens an error message to one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// wantsHelp reports whether args ask for the usage (-h, -help, --help).
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

func (c *cli) cmdList(args []string) error {
	if wantsHelp(args) {
		fmt.Fprint(c.stdout, usage)
		return nil
	}
	if len(args) != 0 {
		return usageError{"list takes no arguments"}
	}
	for _, e := range experiment.List() {
		fmt.Fprintf(c.stdout, "%-12s %s\n", e.Name, e.Description)
	}
	return nil
}

func (c *cli) cmdVersion(args []string) error {
	if wantsHelp(args) {
		fmt.Fprint(c.stdout, usage)
		return nil
	}
	if len(args) != 0 {
		return usageError{"version takes no arguments"}
	}
	fmt.Fprintln(c.stdout, experiment.CurrentBuild())
	return nil
}

// runFlags are the flags of eoskit run.
type runFlags struct {
	out    string
	outSet bool
	quiet  bool
	ov     experiment.Overrides
}

// parseRunFlags parses eoskit run's flags, with messages that say what a
// malformed value should be.
func parseRunFlags(args []string) (*runFlags, *flag.FlagSet, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("out", "output folder (default out/<spec name>)", func(v string) error {
		f.out, f.outSet = v, true
		return nil
	})
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	fs.Func("steps", "override gd.steps", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errors.New("want a whole number of steps ≥ 1")
		}
		f.ov.Steps = &n
		return nil
	})
	fs.Func("eta", "override gd.eta", func(v string) error {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return errors.New("want a number > 0")
		}
		f.ov.Eta = &x
		return nil
	})
	fs.Func("seed", "override the master seed", func(v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("want a whole number from 0 to %d", uint64(math.MaxUint64))
		}
		f.ov.Seed = &n
		return nil
	})
	fs.Func("kernel", "override the two-layer network's matrix kernels", func(v string) error {
		f.ov.Kernel = &v
		return nil
	})
	return f, fs, parseInterspersed(fs, args)
}

// overrideSuffix names an overridden run's default folder after its
// overrides ("-steps10-eta0.05"), so that it never replaces the result of
// the spec as written.
func overrideSuffix(ov experiment.Overrides) string {
	var b strings.Builder
	if ov.Steps != nil {
		fmt.Fprintf(&b, "-steps%d", *ov.Steps)
	}
	if ov.Eta != nil {
		b.WriteString("-eta" + strings.ReplaceAll(strconv.FormatFloat(*ov.Eta, 'g', -1, 64), "+", ""))
	}
	if ov.Seed != nil {
		fmt.Fprintf(&b, "-seed%d", *ov.Seed)
	}
	if ov.Kernel != nil {
		b.WriteString("-kernel_" + *ov.Kernel)
	}
	return b.String()
}

// resolveSpec resolves SPEC and, when a file of that name in the working
// folder is shadowed by the embedded experiment of the same name, says so
// on stderr.
func (c *cli) resolveSpec(arg string) (*experiment.Spec, error) {
	spec, err := experiment.Resolve(arg)
	if err != nil {
		return nil, err
	}
	if spec.Source() == "" {
		if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
			fmt.Fprintf(c.stderr, "eoskit: note: running the embedded experiment %q; to run the file %s instead, give it as ./%s\n", arg, arg, arg)
		}
	}
	return spec, nil
}

func (c *cli) cmdRun(ctx context.Context, args []string) (int, error) {
	f, flags, err := parseRunFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(c.stdout, usage)
			return exitOK, nil
		}
		return exitBadInput, usageError{"run: " + err.Error()}
	}
	if f.outSet && f.out == "" {
		return exitBadInput, usageError{"run: -out: empty folder name"}
	}
	if flags.NArg() != 1 {
		return exitBadInput, usageError{fmt.Sprintf("run takes one SPEC (an embedded name or a JSON file), got %d arguments", flags.NArg())}
	}
	spec, err := c.resolveSpec(flags.Arg(0))
	if err != nil {
		return exitBadInput, err
	}
	if err := spec.Apply(f.ov); err != nil {
		return exitBadInput, err
	}
	exp, err := experiment.Build(spec)
	if err != nil {
		return exitBadInput, withSource(spec, err)
	}
	dir := f.out
	if dir == "" {
		dir = filepath.Join("out", spec.Name+overrideSuffix(f.ov))
	}
	// Check the destination and create the staging folder before the run,
	// so that an unusable -out is reported at once: a folder that is not an
	// eoskit result is bad input (2), a folder that cannot be written a
	// write failure (1).
	var output *experiment.Output
	if err := c.sig.stage(func() (err error) {
		output, err = experiment.NewOutput(dir)
		return err
	}); err != nil {
		var se *experiment.SpecError
		if errors.As(err, &se) {
			return exitBadInput, err
		}
		reason := err.Error()
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			// Name the folder that could not be written in, not the
			// hidden staging folder.
			reason = fmt.Sprintf("cannot create a folder in %s: %v", filepath.Dir(pe.Path), pe.Err)
		}
		return exitFailure, fmt.Errorf("cannot write the results to %s: %s", dir, reason)
	}
	defer output.Abort()

	var opt experiment.RunOptions
	var bar *progressbar.ProgressBar
	if !f.quiet && c.tty {
		bar = progressbar.NewOptions(spec.GD.Steps,
			progressbar.OptionSetWriter(c.stderr),
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
	if sig := stoppedBy(ctx); sig != nil && signalExit(sig) == exitQuit && res.Cancelled() {
		output.Abort()
		return exitQuit, fmt.Errorf("quit by %s after %d steps; nothing written", signalName(sig), res.GD.Steps)
	}
	written, names, err := res.WriteTo(output)
	if err != nil {
		return exitFailure, err
	}
	res.Report(c.stdout)
	fmt.Fprintf(c.stdout, "  wrote %s/: %s\n", written, strings.Join(folded(names), ", "))
	if res.Cancelled() {
		msg := "interrupted"
		if sig := stoppedBy(ctx); sig != nil {
			msg = "interrupted by " + signalName(sig)
		}
		return exitInterrupted, errors.New(msg + "; partial results in " + written)
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

// folded lists the files of a run with each subfolder's files counted on
// one entry ("kinetic_snapshots/ (11 files)"), in the order of first
// appearance.
func folded(names []string) []string {
	var out []string
	count := map[string]int{}
	for _, n := range names {
		dir, _, ok := strings.Cut(n, "/")
		if !ok {
			out = append(out, n)
			continue
		}
		if count[dir] == 0 {
			out = append(out, dir+"/")
		}
		count[dir]++
	}
	for i, n := range out {
		if dir, ok := strings.CutSuffix(n, "/"); ok {
			out[i] = fmt.Sprintf("%s/ (%s)", dir, experiment.Plural(count[dir], "file"))
		}
	}
	return out
}
