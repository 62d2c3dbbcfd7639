package kinetic

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/eoskit/eoskit/sim/data"
	"github.com/eoskit/eoskit/sim/model"
)

// TestLimitSummary checks the statistics of a sweep on synthetic runs whose
// spread halves when m quadruples: the sample standard deviations, the
// ratios std(m)/std(4m) and the fitted exponent −½.
func TestLimitSummary(t *testing.T) {
	r := &LimitResult{Config: LimitConfig{Widths: []int{16, 64, 256}, Seeds: []uint64{1, 2, 3}, Steps: []int{5}, EtaTilde: 0.5}}
	for _, m := range r.Config.Widths {
		s := 1 / math.Sqrt(float64(m))
		for i, z := range []float64{-1, 0, 1} {
			r.Runs = append(r.Runs, LimitRun{Width: m, Seed: uint64(i + 1), F: []float64{2 + s*z}, Loss: []float64{3 + 2*s*z}})
		}
	}
	r.summarise()
	for _, row := range r.Rows {
		s := 1 / math.Sqrt(float64(row.Width))
		// The sample std of {−s, 0, s} is s exactly; round-off only.
		if math.Abs(row.FStd-s) > 1e-15 || math.Abs(row.LossStd-2*s) > 1e-15 || math.Abs(row.FMean-2) > 1e-15 {
			t.Errorf("m = %d: F %v ± %v, loss ± %v", row.Width, row.FMean, row.FStd, row.LossStd)
		}
		if row.Width < 256 && (math.Abs(row.FRatio-2) > 1e-14 || math.Abs(row.LossRatio-2) > 1e-14) {
			t.Errorf("m = %d: ratios %v, %v, want 2", row.Width, row.FRatio, row.LossRatio)
		}
		if row.Width == 256 && !math.IsNaN(row.FRatio) {
			t.Errorf("m = 256 has no 4m but a ratio %v", row.FRatio)
		}
	}
	if math.Abs(r.FSlope[0]+0.5) > 1e-12 || math.Abs(r.LossSlope[0]+0.5) > 1e-12 {
		t.Errorf("slopes %v, %v, want −0.5", r.FSlope, r.LossSlope)
	}
	var b bytes.Buffer
	r.Table(&b)
	if !strings.Contains(b.String(), "2.000") || !strings.Contains(b.String(), "a = -0.500") {
		t.Errorf("table:\n%s", b.String())
	}
	if lines := strings.Count(string(r.CSV()), "\n"); lines != 1+9 {
		t.Errorf("CSV has %d lines, want 10", lines)
	}
	if _, err := r.Plot(); err != nil {
		t.Error(err)
	}
	if _, err := Limit(LimitConfig{Widths: []int{16}}); err == nil {
		t.Error("a sweep of one width ran")
	}
}

// TestLimitSpread is the statistical check of design notes §6.3: with an
// iid initial law (w_i ~ N(0, I/d), a_i ~ N(0, 1), δ₀ along the top
// eigenvector with rms 10⁻³), the standard deviation across seeds of 𝓕 and
// of the loss at fixed particle time shrinks like m^{−1/2}: the ratio for m
// and 4m is within [1.6, 2.5]. 100 seeds per width make the sampling error
// of a ratio of two standard deviations about 10% (1σ: the log of the ratio
// has standard error 1/√99), so the band is two sampling errors wide; with
// the 8 seeds of the command line the error is 38%. The problem (a noisy
// teacher, n = 40, d = 4, η̃ = 2.5/S̃(θ₀)) does not reach its Edge of
// Stability in this window: δ decays and the check is that of the
// mean-field gradient flow's propagation of chaos; the command
// `eoskit kinetic-limit` measures the oscillating regime (README).
func TestLimitSpread(t *testing.T) {
	if testing.Short() {
		t.Skip("200 runs of the particle system")
	}
	set, err := data.Teacher(data.TeacherConfig{N: 40, D: 4, Noise: 0.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	build := func(m int, seed uint64) (*model.TwoLayer, []float64, error) {
		net, err := model.NewTwoLayer(model.TwoLayerConfig{Width: m, Activation: model.Tanh, Scaling: model.MeanField,
			Outputs: 1, N: set.N, D: set.D, X: set.X, Y: set.Y})
		th, _ := netCase{m: m, d: set.D, c: 1}.initLaw(seed, 0)
		return net, th, err
	}
	net, th, _ := build(1024, 1000)
	s, _ := New(net, 1)
	l, _, err := s.Top(th)
	if err != nil {
		t.Fatal(err)
	}
	seeds := make([]uint64, 100)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	res, err := Limit(LimitConfig{Widths: []int{32, 128}, Seeds: seeds, Steps: []int{10, 40}, EtaTilde: 2.5 / (1024 * l), Build: build})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	res.Table(&b)
	t.Logf("\n%s", b.String())
	for _, row := range res.Rows {
		if row.Width != 32 {
			continue
		}
		for _, r := range []float64{row.FRatio, row.LossRatio} {
			if !(r >= 1.6 && r <= 2.5) {
				t.Errorf("step %d: ratio of the spreads for m = 32 and 128 is %.3f, outside [1.6, 2.5]", row.Step, r)
			}
		}
	}
}
