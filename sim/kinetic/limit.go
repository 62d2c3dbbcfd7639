package kinetic

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// LimitConfig is a width sweep of the particle system: the same initial
// law at growing m, several seeds per width, observed at fixed particle
// times.
type LimitConfig struct {
	// Widths are the widths m (at least two, increasing). The ratio of the
	// spreads is reported for every m whose 4m is also swept.
	Widths []int
	// Seeds are the seeds of the initial law (at least two).
	Seeds []uint64
	// Steps are the GD steps k > 0 at which the law is observed, at
	// particle time t̃ = kη̃ (the same at every width).
	Steps []int
	// EtaTilde is the particle step η̃ > 0, the same at every width: the
	// network of width m runs with GD step η = η̃·m.
	EtaTilde float64
	// SeedRMS is the root mean square over the particles of the initial
	// fluctuation δ₀ = SeedRMS·√m·u₁(θ₀) (System.SeedDelta); default 1e-3.
	SeedRMS float64
	// Method and Controller integrate each run (default DP5 at relative
	// and absolute tolerance 1e-7).
	Method     ode.Method
	Controller ode.Controller
	// Build returns the network of width m and its initial point θ₀ drawn
	// with the seed: the same law for every m (e.g. w_i iid N(0, I/d),
	// a_i iid N(0, s²)).
	Build func(width int, seed uint64) (*model.TwoLayer, []float64, error)
	// Progress, when not nil, is called before each run; an error stops
	// the sweep and is returned, wrapped.
	Progress func(width int, seed uint64) error
}

// LimitRun is one run of a sweep: 𝓕 and the time-averaged loss at each of
// the config's steps.
type LimitRun struct {
	Width int
	Seed  uint64
	F     []float64
	Loss  []float64
	// Evals counts the run's right-hand sides.
	Evals int
}

// LimitRow summarises the runs of one width at one step: the mean and the
// standard deviation across seeds (n − 1 in the denominator) of 𝓕 and of
// the loss, and the ratios std(m)/std(4m) (NaN when 4m was not swept),
// which approach 2 when the fluctuations are O(m^{−1/2}).
type LimitRow struct {
	Width, Step       int
	T                 float64
	FMean, FStd       float64
	LossMean, LossStd float64
	FRatio, LossRatio float64
}

// LimitResult is a finished sweep.
type LimitResult struct {
	Config LimitConfig
	Runs   []LimitRun
	Rows   []LimitRow
	// FSlope and LossSlope are the least-squares slopes of log std against
	// log m at each step (−½ for O(m^{−1/2}) fluctuations), in the order of
	// Config.Steps.
	FSlope, LossSlope []float64
}

// Limit runs the sweep: for every width and seed, the network and θ₀ from
// Build, δ₀ along the top Hessian eigenvector, the particle system
// integrated to the last step, 𝓕 and the loss recorded at each step.
func Limit(cfg LimitConfig) (*LimitResult, error) {
	if len(cfg.Widths) < 2 || len(cfg.Seeds) < 2 || len(cfg.Steps) < 1 || !(cfg.EtaTilde > 0) || cfg.Build == nil {
		return nil, fmt.Errorf("kinetic: a width sweep needs ≥ 2 widths, ≥ 2 seeds, ≥ 1 step, η̃ > 0 and Build (got %d, %d, %d, %v)",
			len(cfg.Widths), len(cfg.Seeds), len(cfg.Steps), cfg.EtaTilde)
	}
	if !slices.IsSorted(cfg.Steps) || cfg.Steps[0] < 1 {
		return nil, fmt.Errorf("kinetic: width sweep steps %v must be increasing and ≥ 1", cfg.Steps)
	}
	if cfg.SeedRMS == 0 {
		cfg.SeedRMS = 1e-3
	}
	if cfg.Method == nil {
		cfg.Method, cfg.Controller = ode.DP5(), ode.PI{RTol: 1e-7, ATol: 1e-7}
	}
	res := &LimitResult{Config: cfg}
	last := cfg.Steps[len(cfg.Steps)-1]
	for _, m := range cfg.Widths {
		for _, seed := range cfg.Seeds {
			if cfg.Progress != nil {
				if err := cfg.Progress(m, seed); err != nil {
					return nil, fmt.Errorf("kinetic: width sweep stopped: %w", err)
				}
			}
			run, err := limitRun(cfg, m, seed, last)
			if err != nil {
				return nil, fmt.Errorf("kinetic: width %d, seed %d: %w", m, seed, err)
			}
			res.Runs = append(res.Runs, run)
		}
	}
	res.summarise()
	return res, nil
}

func limitRun(cfg LimitConfig, m int, seed uint64, last int) (LimitRun, error) {
	net, theta0, err := cfg.Build(m, seed)
	if err != nil {
		return LimitRun{}, err
	}
	if net.Width() != m {
		return LimitRun{}, fmt.Errorf("Build returned width %d", net.Width())
	}
	s, err := New(net, cfg.EtaTilde*float64(m))
	if err != nil {
		return LimitRun{}, err
	}
	d0, err := s.SeedDelta(theta0, cfg.SeedRMS)
	if err != nil {
		return LimitRun{}, err
	}
	run := LimitRun{Width: m, Seed: seed}
	it := ode.NewIntegrator(cfg.Method)
	if err := it.Init(ode.Problem{F: s.RHS, Y0: s.State(theta0, d0), T0: 0, T1: s.Time(last)}, cfg.Controller, ode.Options{}); err != nil {
		return run, err
	}
	y := make([]float64, s.Dim())
	for _, k := range cfg.Steps {
		if err := it.Until(s.Time(k), y); err != nil {
			return run, fmt.Errorf("integrating to step %d: %w", k, err)
		}
		pt := s.Observe(y)
		run.F = append(run.F, pt.FreeEnergy)
		run.Loss = append(run.Loss, pt.Loss)
	}
	run.Evals = it.Stats().Evals
	return run, nil
}

// meanStd returns the mean and the sample standard deviation.
func meanStd(x []float64) (mean, std float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

// slope returns the least-squares slope of log y against log x.
func slope(x, y []float64) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(x))
	for i := range x {
		lx, ly := math.Log(x[i]), math.Log(y[i])
		sx, sy, sxx, sxy = sx+lx, sy+ly, sxx+lx*lx, sxy+lx*ly
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func (r *LimitResult) summarise() {
	cfg := r.Config
	std := map[[2]int][2]float64{} // (width, step index) → (F std, loss std)
	for _, m := range cfg.Widths {
		for j, k := range cfg.Steps {
			var f, l []float64
			for _, run := range r.Runs {
				if run.Width == m {
					f, l = append(f, run.F[j]), append(l, run.Loss[j])
				}
			}
			row := LimitRow{Width: m, Step: k, T: float64(k) * cfg.EtaTilde}
			row.FMean, row.FStd = meanStd(f)
			row.LossMean, row.LossStd = meanStd(l)
			std[[2]int{m, j}] = [2]float64{row.FStd, row.LossStd}
			r.Rows = append(r.Rows, row)
		}
	}
	for i := range r.Rows {
		row := &r.Rows[i]
		j := slices.Index(cfg.Steps, row.Step)
		row.FRatio, row.LossRatio = math.NaN(), math.NaN()
		if s4, ok := std[[2]int{4 * row.Width, j}]; ok {
			row.FRatio, row.LossRatio = row.FStd/s4[0], row.LossStd/s4[1]
		}
	}
	ws := make([]float64, len(cfg.Widths))
	for i, m := range cfg.Widths {
		ws[i] = float64(m)
	}
	for j := range cfg.Steps {
		fs, ls := make([]float64, len(ws)), make([]float64, len(ws))
		for i, m := range cfg.Widths {
			fs[i], ls[i] = std[[2]int{m, j}][0], std[[2]int{m, j}][1]
		}
		r.FSlope = append(r.FSlope, slope(ws, fs))
		r.LossSlope = append(r.LossSlope, slope(ws, ls))
	}
}

// Table writes the sweep as a text table: one line per width and step
// with the means, the spreads across seeds and the ratios of the spreads
// for m and 4m, then the fitted exponents.
func (r *LimitResult) Table(w io.Writer) {
	fmt.Fprintf(w, "%7s %6s %9s %13s %10s %8s %13s %10s %8s\n", "m", "step", "t", "F mean", "F std", "ratio", "loss mean", "loss std", "ratio")
	for _, row := range r.Rows {
		fmt.Fprintf(w, "%7d %6d %9.4g %13.6g %10.3g %8s %13.6g %10.3g %8s\n", row.Width, row.Step, row.T,
			row.FMean, row.FStd, ratioText(row.FRatio), row.LossMean, row.LossStd, ratioText(row.LossRatio))
	}
	for j, k := range r.Config.Steps {
		fmt.Fprintf(w, "step %d: std ∝ m^a with a = %.3f (𝓕), %.3f (loss); O(m^−1/2) is a = −0.5, ratio std(m)/std(4m) = 2\n",
			k, r.FSlope[j], r.LossSlope[j])
	}
}

func ratioText(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.3f", v)
}

// CSV returns one row per run and step: width,seed,step,t,free_energy,loss.
func (r *LimitResult) CSV() []byte {
	var b bytes.Buffer
	b.WriteString("width,seed,step,t,free_energy,loss\n")
	for _, run := range r.Runs {
		for j, k := range r.Config.Steps {
			fmt.Fprintf(&b, "%d,%d,%d,%s,%s,%s\n", run.Width, run.Seed, k, fmtFloat(float64(k)*r.Config.EtaTilde),
				fmtFloat(run.F[j]), fmtFloat(run.Loss[j]))
		}
	}
	return b.Bytes()
}

// Plot draws the spreads across seeds of 𝓕 and of the loss against m on
// log-log axes at the last step, with the reference slope m^{−1/2}
// through the smallest width's spread of 𝓕.
func (r *LimitResult) Plot() (Figure, error) {
	cfg := r.Config
	j := len(cfg.Steps) - 1
	p := plot.New()
	p.Title.Text = fmt.Sprintf("spread across %d seeds at step %d (t̃ = %.4g)", len(cfg.Seeds), cfg.Steps[j], float64(cfg.Steps[j])*cfg.EtaTilde)
	p.X.Label.Text = "width m"
	p.Y.Label.Text = "std across seeds"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
	var fxy, lxy, ref plotter.XYs
	for _, row := range r.Rows {
		if row.Step != cfg.Steps[j] {
			continue
		}
		if row.FStd > 0 {
			fxy = append(fxy, plotter.XY{X: float64(row.Width), Y: row.FStd})
		}
		if row.LossStd > 0 {
			lxy = append(lxy, plotter.XY{X: float64(row.Width), Y: row.LossStd})
		}
	}
	if len(fxy) > 0 {
		for _, xy := range fxy {
			ref = append(ref, plotter.XY{X: xy.X, Y: fxy[0].Y * math.Sqrt(fxy[0].X/xy.X)})
		}
	}
	for i, c := range []struct {
		name string
		xy   plotter.XYs
		dash bool
	}{{"free energy F", fxy, false}, {"loss", lxy, false}, {"m^−1/2", ref, true}} {
		if len(c.xy) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(c.xy)
		if err != nil {
			return Figure{}, fmt.Errorf("kinetic: limit plot: %w", err)
		}
		l.Color, pts.Color = seriesColors[i], seriesColors[i]
		if c.dash {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l, pts)
		p.Legend.Add(c.name, l, pts)
	}
	p.Legend.Top = true
	decades(&p.X)
	decades(&p.Y)
	return render(p, 7*vg.Inch, 4.5*vg.Inch)
}
