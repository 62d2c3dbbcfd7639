package gd_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/model"
)

func quartic() *model.Quartic { return model.NewQuartic() }

func TestRunRecordsEveryState(t *testing.T) {
	const n = 25
	var steps []int
	res, err := gd.Run(context.Background(), quartic(), []float64{0.9}, gd.Settings{Eta: 0.3, Steps: n},
		gd.ObserverFunc(func(s *gd.State) error {
			steps = append(steps, s.Step)
			if s.T != float64(s.Step)*0.3 {
				t.Errorf("step %d: t = %v, want kη = %v exactly", s.Step, s.T, float64(s.Step)*0.3)
			}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != n+1 || res.Steps != n || res.Diverged || res.Cancelled {
		t.Fatalf("observed %d states, result %+v; want %d states, %d steps, neither diverged nor cancelled", len(steps), res, n+1, n)
	}
	for i, k := range steps {
		if k != i {
			t.Fatalf("state %d has step %d", i, k)
		}
	}
}

// TestRunMatchesHandLoop checks the update rule itself against an
// independent loop: the same floating-point operations in the same order
// must give bit-identical iterates.
func TestRunMatchesHandLoop(t *testing.T) {
	q := quartic()
	x := 0.9
	const eta, n = 1.1, 50
	for k := 0; k < n; k++ {
		x -= eta * (x*x*x - x) // E'(x) = x³ − x
	}
	res, err := gd.Run(context.Background(), q, []float64{0.9}, gd.Settings{Eta: eta, Steps: n})
	if err != nil {
		t.Fatal(err)
	}
	// Quartic.Grad may evaluate x³ − x as x(x²−1); allow a few ulps per
	// step, amplified by |1 − ηE''| ≤ 1.5 on this orbit: 50 steps stay far
	// below 1e-9.
	if got := res.Final.Theta[0]; math.Abs(got-x) > 1e-9 {
		t.Fatalf("θ_%d = %.17g, hand loop %.17g", n, got, x)
	}
}

func TestDivergenceStopsCleanly(t *testing.T) {
	// η = 3 from x = 0.9 on the quartic: |x| grows without bound (ηE''(x)
	// far above 2), and x³ overflows within a few dozen steps.
	rec := &gd.Recorder{}
	obj := quartic()
	rec.Obj = obj
	res, err := gd.Run(context.Background(), obj, []float64{0.9}, gd.Settings{Eta: 3, Steps: 10000}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Diverged {
		t.Fatalf("run did not diverge: %+v", res.Final)
	}
	if res.Steps >= 10000 || len(rec.Rows) != res.Steps+1 {
		t.Fatalf("diverged after %d steps with %d rows; want fewer than 10000 steps and one row per observed state", res.Steps, len(rec.Rows))
	}
	for _, r := range rec.Rows {
		if math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0) {
			t.Fatalf("a non-finite loss was recorded at step %d", r.Step)
		}
	}
	if last := res.Final.Theta; len(last) != 1 || math.IsInf(last[0], 0) || math.IsNaN(last[0]) {
		t.Fatalf("final θ = %v, want the last finite iterate", last)
	}
	a, err := gd.Analyze(obj, res, 0)
	if err != nil || a.Regime != gd.Diverged {
		t.Fatalf("Analyze: %v, %v; want regime diverged", a.Regime, err)
	}
}

func TestCancelledRunKeepsState(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := gd.Run(ctx, quartic(), []float64{0.9}, gd.Settings{Eta: 0.1, Steps: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// The context is polled before every step, after θ₀ has been observed.
	if !res.Cancelled || res.Steps != 0 || len(res.Last) != 1 {
		t.Fatalf("cancelled = %v after %d steps with %d kept iterates; want cancelled after 0 steps with θ₀ kept", res.Cancelled, res.Steps, len(res.Last))
	}
}

func TestObserverErrorStopsRun(t *testing.T) {
	boom := errors.New("boom")
	_, err := gd.Run(context.Background(), quartic(), []float64{0.9}, gd.Settings{Eta: 0.1, Steps: 100},
		gd.ObserverFunc(func(s *gd.State) error {
			if s.Step == 7 {
				return boom
			}
			return nil
		}))
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap the observer's error", err)
	}
}

func TestBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		theta []float64
		s     gd.Settings
	}{
		{"eta zero", []float64{0.9}, gd.Settings{Eta: 0, Steps: 1}},
		{"eta negative", []float64{0.9}, gd.Settings{Eta: -1, Steps: 1}},
		{"eta NaN", []float64{0.9}, gd.Settings{Eta: math.NaN(), Steps: 1}},
		{"eta Inf", []float64{0.9}, gd.Settings{Eta: math.Inf(1), Steps: 1}},
		{"negative steps", []float64{0.9}, gd.Settings{Eta: 0.1, Steps: -1}},
		{"wrong length", []float64{0.9, 1}, gd.Settings{Eta: 0.1, Steps: 1}},
		{"non-finite start", []float64{math.Inf(1)}, gd.Settings{Eta: 0.1, Steps: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gd.Run(context.Background(), quartic(), tc.theta, tc.s)
			if !errors.Is(err, gd.ErrBadSettings) {
				t.Fatalf("err = %v, want ErrBadSettings", err)
			}
		})
	}
}

func TestAnalyzeRegimes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		eta   float64
		steps int
		want  gd.Regime
	}{
		// ηE''(1) = 2η: below 2 GD converges to the minimum x = 1.
		{"converged", 0.5, 400, gd.Converged},
		// 1 < η < √5 − 1: the minimum is unstable and the 2-cycle is
		// stable (O8), with multiplier 9 − 2(1+η)² = 0.18 per cycle.
		{"2-cycle", 1.1, 400, gd.TwoCycle},
		// Just past √5 − 1 the 2-cycle is unstable: period doubling, the
		// iterates do not repeat with period ≤ 2.
		{"unsettled", 1.3, 400, gd.Unsettled},
		// A tiny step creeps towards the minimum: each update moves θ by
		// about 2·η·0.1 ≈ 2e-11 ≤ tol, but the steps shrink by only
		// 1 − 2η per update, so some 0.1 is left to go: not converged.
		{"creeping", 1e-10, 100, gd.Unsettled},
		// Slow but sure: with η = 0.01 the steps shrink by 0.98 per update;
		// after 2000 updates what is left (≈ 50 × the last step) is
		// rounding noise.
		{"slow converged", 0.01, 2000, gd.Converged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := quartic()
			res, err := gd.Run(context.Background(), obj, []float64{0.9}, gd.Settings{Eta: tc.eta, Steps: tc.steps})
			if err != nil {
				t.Fatal(err)
			}
			a, err := gd.Analyze(obj, res, 0)
			if err != nil {
				t.Fatal(err)
			}
			if a.Regime != tc.want {
				t.Fatalf("regime %s (step residuals %.3g, %.3g), want %s", a.Regime, a.Step1, a.Step2, tc.want)
			}
		})
	}
}

func TestRunDoesNotAllocatePerStep(t *testing.T) {
	obj := quartic()
	run := func(n int) float64 {
		return testing.AllocsPerRun(5, func() {
			gd.Run(context.Background(), obj, []float64{0.9}, gd.Settings{Eta: 0.5, Steps: n})
		})
	}
	// The set-up allocates a fixed number of buffers; the loop must add
	// nothing, so 10 and 10000 steps allocate the same.
	if short, long := run(10), run(10000); short != long {
		t.Fatalf("allocations grow with the number of steps: %v for 10 steps, %v for 10000", short, long)
	}
}

func TestDenseSpectrumMatchesEigenvalues(t *testing.T) {
	// A quadratic's Hessian is A: Dense must return A's eigenvalues, in
	// decreasing order, largest algebraic first even when a negative one is
	// larger in magnitude.
	a := []float64{
		-7, 1, 0, 0,
		1, 2, 0.5, 0,
		0, 0.5, 3, 0,
		0, 0, 0, 1,
	}
	q, err := model.NewQuadratic(a, make([]float64, 4))
	if err != nil {
		t.Fatal(err)
	}
	var es mat.EigenSym
	es.Factorize(mat.NewSymDense(4, a), false)
	want := es.Values(nil) // ascending
	d, err := gd.NewSpectrum(4, gd.SpectrumSettings{Method: gd.SpectrumDense, TopK: 4})
	if err != nil {
		t.Fatal(err)
	}
	e, err := d.Top(context.Background(), q, []float64{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range e.Values {
		// Both sides diagonalise the same matrix with LAPACK-style
		// routines: agreement to a few ulps of ‖A‖ ≈ 7.
		if math.Abs(v-want[3-i]) > 1e-13 {
			t.Fatalf("λ_%d = %.17g, want %.17g", i+1, v, want[3-i])
		}
	}
	if e.HVPs != 4 {
		t.Fatalf("Dense used %d HVPs, want p = 4", e.HVPs)
	}
}

func TestRecorderCenterAndThinning(t *testing.T) {
	// On a quadratic the Hessian is constant, so every measurement, at
	// the iterates and at the period-2 averages, is λ_max(A) = 3.
	a := []float64{3, 0, 0, 1}
	q, err := model.NewQuadratic(a, []float64{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := gd.NewSpectrum(2, gd.SpectrumSettings{})
	if err != nil {
		t.Fatal(err)
	}
	rec := &gd.Recorder{Obj: q, Every: 2, SpectrumEvery: 4, Spectrum: sp, Center: true}
	res, err := gd.Run(context.Background(), q, []float64{1, 1}, gd.Settings{Eta: 0.1, Steps: 13}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Finish(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range rec.Rows {
		got = append(got, r.Step)
		measured := r.Step%4 == 0 || r.Step == 13
		if measured != !math.IsNaN(r.Sharpness()) {
			t.Errorf("step %d: sharpness %v, measured should be %v", r.Step, r.Sharpness(), measured)
		}
		centred := r.Step%4 == 0 && r.Step > 0 && r.Step < 13
		if centred != !math.IsNaN(r.CenterSharpness()) {
			t.Errorf("step %d: centre sharpness %v, measured should be %v", r.Step, r.CenterSharpness(), centred)
		}
		for _, v := range []float64{r.Sharpness(), r.CenterSharpness()} {
			if !math.IsNaN(v) && math.Abs(v-3) > 1e-14 {
				t.Errorf("step %d: sharpness %v, want 3", r.Step, v)
			}
		}
	}
	want := []int{0, 2, 4, 6, 8, 10, 12, 13}
	if len(got) != len(want) {
		t.Fatalf("recorded steps %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("recorded steps %v, want %v", got, want)
		}
	}
}

// TestQuadraticClosedForm compares a GD run with O1 on one fixed instance;
// properties/gd_test.go does the same on random instances.
func TestQuadraticClosedForm(t *testing.T) {
	a := []float64{2, 0.5, 0.5, 1}
	c := []float64{0.3, -0.2}
	th0 := []float64{1, 2}
	q, err := model.NewQuadratic(a, c)
	if err != nil {
		t.Fatal(err)
	}
	const eta, n = 0.4, 30
	res, err := gd.Run(context.Background(), q, th0, gd.Settings{Eta: eta, Steps: n})
	if err != nil {
		t.Fatal(err)
	}
	want := reference.QuadraticGD(nil, mat.NewSymDense(2, a), c, th0, eta, n)
	for i := range want {
		// 30 contracting steps, each rounding at the 1e-16 level: 1e-14.
		if math.Abs(res.Final.Theta[i]-want[i]) > 1e-14 {
			t.Fatalf("θ_%d = %v, closed form %v", n, res.Final.Theta, want)
		}
	}
}

// TestSpectrumMethodsAgree: on a model too large for the default dense
// path, the matrix-free methods agree with the dense one within their
// reported residuals (each Ritz value lies within ‖r‖ of an eigenvalue,
// and the top is simple here), and the tracker reuses what it learnt.
func TestSpectrumMethodsAgree(t *testing.T) {
	// A quadratic with a known spectrum: λ_j = 1 + j/p for j < p−3, and
	// three outliers 5, 7, 9 (plus a large negative one that must not be
	// reported as sharpness).
	const p = 40
	a := make([]float64, p*p)
	for j := 0; j < p; j++ {
		a[j*p+j] = 1 + float64(j)/p
	}
	a[0] = -20
	a[(p-3)*p+p-3], a[(p-2)*p+p-2], a[(p-1)*p+p-1] = 5, 7, 9
	q, err := model.NewQuadratic(a, make([]float64, p))
	if err != nil {
		t.Fatal(err)
	}
	theta := make([]float64, p)
	want := []float64{9, 7, 5}
	for _, method := range gd.SpectrumMethods() {
		t.Run(method, func(t *testing.T) {
			sp, err := gd.NewSpectrum(p, gd.SpectrumSettings{Method: method, TopK: 3, Tol: 1e-10})
			if err != nil {
				t.Fatal(err)
			}
			var hvps []int
			for rep := 0; rep < 3; rep++ {
				e, err := sp.Top(context.Background(), q, theta)
				if err != nil {
					t.Fatal(err)
				}
				for i, v := range e.Values {
					// Residual bound: |λ − λ_true| ≤ r·max(|λ|, ‖H‖) with
					// ‖H‖ = 20, plus the dense path's round-off p·ε·‖H‖.
					if d := math.Abs(v - want[i]); d > e.Residual*20+p*20*0x1p-52 {
						t.Fatalf("λ_%d = %.17g, want %v (residual %.2e)", i+1, v, want[i], e.Residual)
					}
				}
				hvps = append(hvps, e.HVPs)
			}
			if method == gd.SpectrumTracker && !(hvps[1] < hvps[0]) {
				t.Errorf("tracker HVPs %v: a repeated measurement should be cheaper than the cold one", hvps)
			}
		})
	}
}

// pointSpectrum is a Spectrum that reports, as "sharpness", a fingerprint
// of the point it is asked about: Σᵢ (i+1)·θᵢ. It lets a test check where
// the Recorder measures, on a model whose Hessian would not tell.
type pointSpectrum struct{}

func (pointSpectrum) Top(_ context.Context, _ sim.Objective, theta []float64) (gd.Eigen, error) {
	var s float64
	for i, v := range theta {
		s += float64(i+1) * v
	}
	return gd.Eigen{Values: []float64{s}}, nil
}

// TestRecorderCenterPoint checks that the centre measurement of step k is
// taken at θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4 of the run's own iterates, for
// every measurement period, including SpectrumEvery = 1 where consecutive
// steps are measured (and θ_{k−1} of one measurement must survive the next
// step's bookkeeping).
func TestRecorderCenterPoint(t *testing.T) {
	// MF-EoS (the default experiment): at the Edge of Stability consecutive
	// iterates differ, so a centre taken at the wrong point changes the
	// fingerprint.
	obj, err := model.NewMatFact(3, 2, []float64{5.2, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	theta0 := []float64{0.3, 0.1, -0.1, 0.2, 0.2, -0.1, 0.15, 0.25, 0.25, 0.05, 0.1, -0.2}
	const eta, n = 0.077, 40
	var iterates [][]float64
	keep := gd.ObserverFunc(func(s *gd.State) error {
		iterates = append(iterates, append([]float64(nil), s.Theta...))
		return nil
	})
	for _, every := range []int{1, 2, 3} {
		for _, traceEvery := range []int{1, 3} {
			iterates = iterates[:0]
			rec := &gd.Recorder{Obj: obj, Every: traceEvery, SpectrumEvery: every, Spectrum: pointSpectrum{}, Center: true}
			if _, err := gd.Run(context.Background(), obj, theta0, gd.Settings{Eta: eta, Steps: n}, keep, rec); err != nil {
				t.Fatal(err)
			}
			centred := 0
			for _, r := range rec.Rows {
				k := r.Step
				if math.IsNaN(r.CenterSharpness()) {
					continue
				}
				centred++
				mid := make([]float64, len(theta0))
				for i := range mid {
					mid[i] = 0.25*(iterates[k-1][i]+iterates[k+1][i]) + 0.5*iterates[k][i]
				}
				want, _ := pointSpectrum{}.Top(context.Background(), obj, mid)
				// The same operations in the same order: bit-identical.
				if got := r.CenterSharpness(); got != want.Values[0] {
					t.Errorf("every %d, trace every %d, step %d: centre measured at a point with fingerprint %.17g, want θ̄_k's %.17g",
						every, traceEvery, k, got, want.Values[0])
				}
			}
			if centred == 0 {
				t.Errorf("every %d, trace every %d: no centre measurement", every, traceEvery)
			}
		}
	}
}

// TestGradNormTiny: ‖∇E‖ is reported without underflow. On E = ½θ² at
// θ = (1e-200, 1e-200) the gradient is θ itself, whose squares underflow to
// zero in float64; its norm is √2·1e-200 to within a few ulps (the scaled
// sum of squares rounds a handful of times).
func TestGradNormTiny(t *testing.T) {
	q, err := model.NewQuadratic([]float64{1, 0, 0, 1}, []float64{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	res, err := gd.Run(context.Background(), q, []float64{1e-200, 1e-200}, gd.Settings{Eta: 0.1, Steps: 0})
	if err != nil {
		t.Fatal(err)
	}
	want := math.Sqrt2 * 1e-200
	if got := res.Final.GradNorm; math.Abs(got-want) > 4*0x1p-52*want {
		t.Fatalf("‖∇E‖ = %g, want %g", got, want)
	}
}

// failingSpectrum fails numerically (as an estimator does on a Hessian
// with non-finite entries) at the calls numbered in bad (from 0).
type failingSpectrum struct {
	gd.Spectrum
	bad   map[int]bool
	calls *int
}

func (f failingSpectrum) Top(ctx context.Context, obj sim.Objective, theta []float64) (gd.Eigen, error) {
	n := *f.calls
	*f.calls++
	if f.bad[n] {
		return gd.Eigen{HVPs: 2}, &hessian.NumericalError{Method: "test", What: "operator returned a non-finite value"}
	}
	return f.Spectrum.Top(ctx, obj, theta)
}

// A measurement that fails numerically leaves its row unmeasured and is
// counted; the run and the other measurements go on, and Finish does not
// try a failed final iterate again. Other errors still stop the run.
func TestRecorderMeasurementFailure(t *testing.T) {
	q, err := model.NewQuadratic([]float64{3, 0, 0, 1}, []float64{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := gd.NewSpectrum(2, gd.SpectrumSettings{})
	if err != nil {
		t.Fatal(err)
	}
	// One measurement per step, in order: fail at steps 2 and 5 (the last).
	var calls int
	rec := &gd.Recorder{Obj: q, SpectrumEvery: 1, Spectrum: failingSpectrum{sp, map[int]bool{2: true, 5: true}, &calls}}
	res, err := gd.Run(context.Background(), q, []float64{1, 1}, gd.Settings{Eta: 0.1, Steps: 5}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Finish(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	if calls != 6 {
		t.Errorf("%d measurements, want 6 (steps 0–5, the failed last one not retried)", calls)
	}
	if rec.Failures.N != 2 || !rec.FailedAt(5) || rec.Failures.First == "" {
		t.Errorf("Failures %+v, FailedAt(5) = %v; want 2, true and a description", rec.Failures, rec.FailedAt(5))
	}
	for _, r := range rec.Rows {
		failed := r.Step == 2 || r.Step == 5
		if failed != math.IsNaN(r.Sharpness()) {
			t.Errorf("step %d: sharpness %v (failed: %v)", r.Step, r.Sharpness(), failed)
		}
		if !failed && math.Abs(r.Sharpness()-3) > 1e-14 { // a constant Hessian, exact to rounding
			t.Errorf("step %d: sharpness %v, want 3", r.Step, r.Sharpness())
		}
	}
}

// TestTrackerPeriods checks the period a Recorder's tracker must recognise
// for each measurement pattern, against the sequence of points it measures
// on a 2-cycle, phase A or B for iterates (the phase of step k is k mod 2)
// and C for centres: the shortest period of that sequence, counted in
// calls, over a long enough run.
func TestTrackerPeriods(t *testing.T) {
	for _, every := range []int{1, 2, 3, 5, 10, 20} {
		for _, centres := range []bool{false, true} {
			var seq []byte
			for k := every; len(seq) < 64; k += every {
				seq = append(seq, 'A'+byte(k%2))
				if centres {
					seq = append(seq, 'C')
				}
			}
			period := 1
			for ; period < len(seq); period++ {
				ok := true
				for i := period; i < len(seq); i++ {
					if seq[i] != seq[i-period] {
						ok = false
						break
					}
				}
				if ok {
					break
				}
			}
			// Never less than 2: on a 4-cycle (period doubling past the
			// Edge of Stability), iterates an even number of steps apart
			// alternate between two of its phases.
			want := max(period, 2)
			if got := gd.TrackerPeriods(every, centres); got != want {
				t.Errorf("every=%d centres=%v: TrackerPeriods %d, the sequence %s has period %d", every, centres, got, seq[:8], want)
			}
		}
	}
}

// keepLog wraps an objective, implements sim.GradKeeper, and logs the
// θ of every Grad called with the request pending.
type keepLog struct {
	sim.Objective
	pending bool
	grads   int         // Grad calls so far (= the step of the next one)
	kept    map[int]int // step → index of the first measurement after its kept Grad
	points  [][]float64 // every measured point, in order
}

func (k *keepLog) KeepNextGrad() { k.pending = true }

func (k *keepLog) Grad(theta, grad []float64) float64 {
	if k.pending {
		k.kept[k.grads] = len(k.points)
	}
	k.pending = false
	k.grads++
	return k.Objective.Grad(theta, grad)
}

// logSpectrum records the points it is asked about.
type logSpectrum struct{ k *keepLog }

func (s logSpectrum) Top(_ context.Context, _ sim.Objective, theta []float64) (gd.Eigen, error) {
	s.k.points = append(s.k.points, append([]float64(nil), theta...))
	return gd.Eigen{Values: []float64{0}}, nil
}

// TestRecorderKeepsNextGrad checks where the Recorder asks the objective to
// keep its forward pass (sim.GradKeeper): only before the gradient of a
// step it will measure, and only when the next measurement is at that
// iterate (not at a pending centre). Without centres every measured step
// after θ₀ is asked for; with centres, those not right after another
// measured step.
func TestRecorderKeepsNextGrad(t *testing.T) {
	obj, err := model.NewMatFact(3, 2, []float64{5.2, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	theta0 := []float64{0.3, 0.1, -0.1, 0.2, 0.2, -0.1, 0.15, 0.25, 0.25, 0.05, 0.1, -0.2}
	const eta, n = 0.077, 30
	for _, centre := range []bool{false, true} {
		for _, every := range []int{1, 2, 3} {
			for _, traceEvery := range []int{1, 2} {
				k := &keepLog{Objective: obj, kept: map[int]int{}}
				var iterates [][]float64
				keep := gd.ObserverFunc(func(s *gd.State) error {
					iterates = append(iterates, append([]float64(nil), s.Theta...))
					return nil
				})
				rec := &gd.Recorder{Obj: k, Every: traceEvery, SpectrumEvery: every, Spectrum: logSpectrum{k}, Center: centre}
				if _, err := gd.Run(context.Background(), k, theta0, gd.Settings{Eta: eta, Steps: n}, keep, rec); err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("centre %v, every %d, trace every %d", centre, every, traceEvery)
				// Every kept gradient is the point measured next.
				for step, i := range k.kept {
					if i >= len(k.points) || !reference.SameBits(k.points[i], iterates[step]) {
						t.Errorf("%s: the kept gradient of step %d is not the next point measured", name, step)
					}
				}
				// Every step after θ₀ that Observe measures was asked for,
				// unless the previous step was measured too and has a
				// centre to measure first (Finish's measurement of the last
				// step, when not due, is not announced).
				// Measured steps have rows whatever the trace period.
				observed := func(s int) bool { return s%every == 0 }
				for _, r := range rec.Rows {
					s := r.Step
					measured := r.Eigen.Values != nil
					_, kept := k.kept[s]
					want := observed(s) && s > 0 && !(centre && s > 1 && observed(s-1))
					if want && !kept {
						t.Errorf("%s: measured step %d was not asked to keep its gradient", name, s)
					}
					if kept && !measured {
						t.Errorf("%s: step %d kept its gradient but was not measured", name, s)
					}
				}
			}
		}
	}
}

// hiddenKeeper forwards a two-layer network's methods but not KeepNextGrad,
// so that a Recorder cannot ask it to keep its forward pass.
type hiddenKeeper struct{ net *model.TwoLayer }

func (h hiddenKeeper) Dim() int                               { return h.net.Dim() }
func (h hiddenKeeper) Loss(theta []float64) float64           { return h.net.Loss(theta) }
func (h hiddenKeeper) Grad(theta, grad []float64) float64     { return h.net.Grad(theta, grad) }
func (h hiddenKeeper) HessVec(theta, v, hv []float64)         { h.net.HessVec(theta, v, hv) }
func (h hiddenKeeper) HessianAt(theta []float64) sim.Operator { return h.net.HessianAt(theta) }

// TestRecorderKeepChangesNothing runs GD with sharpness measurements on a
// tanh network twice, once letting the Recorder ask for the kept forward
// pass (sim.GradKeeper, through sim.Counted as in the experiment runner)
// and once hiding it, and checks that the two traces are identical bit for
// bit — losses, gradient norms, eigenvalues, residuals and HVP counts — for
// the tracker and the dense path, with and without centres: keeping the
// forward pass only moves where the same cache is computed.
func TestRecorderKeepChangesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	const n, d, m = 60, 5, 12
	x, y := make([]float64, n*d), make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	cfg := model.TwoLayerConfig{Width: m, Activation: model.Tanh, Scaling: model.MeanField, Outputs: 1, N: n, D: d, X: x, Y: y}
	theta0 := make([]float64, m*(d+1))
	for i := range theta0 {
		theta0[i] = rng.NormFloat64()
	}
	for _, method := range []string{gd.SpectrumTracker, gd.SpectrumDense} {
		for _, centre := range []bool{false, true} {
			run := func(hide bool) []gd.Row {
				net, err := model.NewTwoLayer(cfg)
				if err != nil {
					t.Fatal(err)
				}
				var obj sim.Objective = sim.NewCounted(net) // as the experiment runner wraps it
				if hide {
					obj = hiddenKeeper{net}
				}
				sp, err := gd.NewSpectrum(net.Dim(), gd.SpectrumSettings{Method: method, TopK: 2, Periods: gd.TrackerPeriods(3, centre)})
				if err != nil {
					t.Fatal(err)
				}
				rec := &gd.Recorder{Obj: obj, SpectrumEvery: 3, Spectrum: sp, Center: centre}
				if _, err := gd.Run(context.Background(), obj, theta0, gd.Settings{Eta: 2, Steps: 40}, rec); err != nil {
					t.Fatal(err)
				}
				return rec.Rows
			}
			kept, hidden := run(false), run(true)
			if a, b := fmt.Sprintf("%#v", kept), fmt.Sprintf("%#v", hidden); a != b {
				t.Errorf("%s, centre %v: the trace changes when the forward pass is kept:\n%s\nvs\n%s", method, centre, a, b)
			}
		}
	}
}
