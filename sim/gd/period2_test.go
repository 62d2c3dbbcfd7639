package gd_test

import (
	"context"
	"math"
	"testing"

	"github.com/eoskit/eoskit/sim/gd"
	"github.com/eoskit/eoskit/sim/model"
)

// feed gives the Recorder the synthetic states θ_k = α + βk + (−1)^k a,
// k = 0 … n, of an objective (not a GD run: the observers only look at the
// iterates and their losses) and finishes it.
func feed(t *testing.T, rec *gd.Recorder, alpha, beta, a []float64, eta float64, n int) {
	t.Helper()
	p := len(alpha)
	theta := make([]float64, p)
	var final gd.State
	var last [][]float64
	for k := 0; k <= n; k++ {
		sign := 1.0
		if k%2 != 0 {
			sign = -1
		}
		for i := range theta {
			theta[i] = alpha[i] + beta[i]*float64(k) + sign*a[i]
		}
		st := &gd.State{Step: k, T: float64(k) * eta, Loss: rec.Obj.Loss(theta), Theta: theta}
		if err := rec.Observe(st); err != nil {
			t.Fatal(err)
		}
		final = gd.State{Step: k, T: st.T, Loss: st.Loss}
		last = append(last, append([]float64(nil), theta...))
	}
	final.Theta = last[len(last)-1]
	if err := rec.Finish(context.Background(), gd.Result{Steps: n, Final: final, Last: last[len(last)-3:]}); err != nil {
		t.Fatal(err)
	}
}

// TestPeriod2Filter: the filter θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4 removes
// a period-2 oscillation exactly and passes an affine trend (design notes
// §3), so on θ_k = α + βk + (−1)^k a every recorded row has θ̄_k = α + βk
// and |a_k| = |a|, and the losses are those of the known points. On a
// quadratic E the two free energies agree (½[E(θ̄+a) + E(θ̄−a)] =
// E(θ̄) + ½aᵀAa exactly). Tolerances: the filter's sums round to a few ulps
// of |θ| ≈ 3, which moves the losses by ‖∇E‖·1e-15; 1e-13 relative.
func TestPeriod2Filter(t *testing.T) {
	q, err := model.NewQuadratic([]float64{3, 1, 0, 1, 2, 0.5, 0, 0.5, 1}, []float64{0.5, -1, 0})
	if err != nil {
		t.Fatal(err)
	}
	const eta, n = 0.1, 11
	alpha, beta, a := []float64{1, 2, -1}, []float64{0.01, -0.02, 0.03}, []float64{0.1, -0.2, 0.05}
	for _, every := range []int{1, 2, 3} {
		rec := &gd.Recorder{Obj: q, Every: every, Period2: true, Eta: eta}
		feed(t, rec, alpha, beta, a, eta, n)
		at := func(k int, s float64) []float64 {
			out := make([]float64, 3)
			for i := range out {
				out[i] = alpha[i] + beta[i]*float64(k) + s*a[i]
			}
			return out
		}
		a2 := a[0]*a[0] + a[1]*a[1] + a[2]*a[2]
		ha := make([]float64, 3)
		q.HessVec(alpha, a, ha)
		aha := a[0]*ha[0] + a[1]*ha[1] + a[2]*ha[2]
		close := func(got, want float64) bool { return math.Abs(got-want) <= 1e-13*math.Max(1, math.Abs(want)) }
		for _, row := range rec.Rows {
			k := row.Step
			sign := 1.0
			if k%2 != 0 {
				sign = -1
			}
			p := row.P2
			if k == n {
				if !math.IsNaN(p.LossAvg) || !math.IsNaN(p.Amplitude) || !math.IsNaN(p.FreeEnergy) {
					t.Fatalf("every %d: the last row has period-2 values %+v; θ_{N+1} is unknown", every, p)
				}
				continue
			}
			next := q.Loss(at(k+1, -sign))
			if p.LossNext != next || !close(p.LossAvg, 0.5*(row.Loss+next)) {
				t.Fatalf("every %d, step %d: E(θ_{k+1}) = %v, L̄ = %v; want %v, %v", every, k, p.LossNext, p.LossAvg, next, 0.5*(row.Loss+next))
			}
			even, odd := row.Envelopes()
			if k%2 == 0 && (even != row.Loss || odd != next) || k%2 != 0 && (odd != row.Loss || even != next) {
				t.Fatalf("every %d, step %d: envelopes %v, %v from E_k = %v, E_{k+1} = %v", every, k, even, odd, row.Loss, next)
			}
			if k == 0 {
				if !math.IsNaN(p.CenterLoss) || !math.IsNaN(p.Amplitude) || !math.IsNaN(p.LossAvg3) {
					t.Fatalf("step 0 has a centre (%+v); θ_{−1} is unknown", p)
				}
				continue
			}
			prev := q.Loss(at(k-1, -sign))
			if !close(p.LossAvg3, 0.25*(prev+next)+0.5*row.Loss) {
				t.Fatalf("every %d, step %d: centred average %v, want %v", every, k, p.LossAvg3, 0.25*(prev+next)+0.5*row.Loss)
			}
			center := q.Loss(at(k, 0))
			sym := 0.5 * (q.Loss(at(k, 1)) + q.Loss(at(k, -1)))
			for _, c := range []struct {
				what      string
				got, want float64
			}{
				{"|a_k|", p.Amplitude, math.Sqrt(a2)},
				{"E(θ̄_k)", p.CenterLoss, center},
				{"two-point loss", p.SymLoss, sym},
				{"F", p.FreeEnergy, sym - a2/eta},
				{"second-order F", p.FreeEnergy2, center + 0.5*aha - a2/eta},
				{"F = second-order F on a quadratic", p.FreeEnergy, p.FreeEnergy2},
			} {
				if !close(c.got, c.want) {
					t.Fatalf("every %d, step %d: %s = %.17g, want %.17g", every, k, c.what, c.got, c.want)
				}
			}
			if !math.IsNaN(p.AmplitudeTop) {
				t.Fatalf("step %d: amplitude_top %v without a centre measurement", k, p.AmplitudeTop)
			}
		}
	}
}

// TestPeriod2AmplitudeTop: where the sharpness at the centre is measured,
// the amplitude's projection on the top eigenvector is recorded. A is
// diagonal with its largest eigenvalue (5) on the second coordinate, so
// u = ±e₂ and u·a_k = ±a₂ exactly.
func TestPeriod2AmplitudeTop(t *testing.T) {
	q, err := model.NewQuadratic([]float64{1, 0, 0, 0, 5, 0, 0, 0, 2}, []float64{0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := gd.NewSpectrum(3, gd.SpectrumSettings{Method: gd.SpectrumDense})
	if err != nil {
		t.Fatal(err)
	}
	rec := &gd.Recorder{Obj: q, SpectrumEvery: 2, Spectrum: sp, Center: true, Period2: true, Eta: 0.1}
	a := []float64{0.1, -0.3, 0.2}
	feed(t, rec, []float64{1, 1, 1}, []float64{0, 0.01, 0}, a, 0.1, 9)
	var measured int
	for _, row := range rec.Rows {
		top := row.P2.AmplitudeTop
		if math.IsNaN(row.CenterSharpness()) {
			if !math.IsNaN(top) {
				t.Fatalf("step %d: amplitude_top %v without a centre measurement", row.Step, top)
			}
			continue
		}
		measured++
		if math.Abs(row.CenterSharpness()-5) > 1e-14 || math.Abs(math.Abs(top)-0.3) > 1e-15 {
			t.Fatalf("step %d: centre sharpness %v, u·a_k = %v; want 5 and ±0.3", row.Step, row.CenterSharpness(), top)
		}
	}
	if measured != 4 { // steps 2, 4, 6, 8
		t.Fatalf("%d rows with a centre measurement, want 4", measured)
	}
}

// TestPeriod2OnMFEoSCycle (O7, O21): at the end of the MF-EoS run GD sits on
// its 2-cycle, where the observers must agree with the cycle's analysis:
// |a_k|² = |a|², E(θ̄_k) = E(θ̄), L̄_k = the cycle's mean loss 0.321408, and
// F_k = L̄ − |a|²/η (the two-point loss is the time-averaged loss on a
// cycle). The cycle repeats to round-off, so 1e-12 relative.
func TestPeriod2OnMFEoSCycle(t *testing.T) {
	mf, err := model.NewMatFact(3, 2, []float64{5.2, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	const eta, n = 0.077, 20000
	rec := &gd.Recorder{Obj: mf, Every: 1000, Period2: true, Eta: eta}
	res, err := gd.Run(context.Background(), mf, []float64{0.3, 0.1, -0.1, 0.2, 0.2, -0.1, 0.15, 0.25, 0.25, 0.05, 0.1, -0.2},
		gd.Settings{Eta: eta, Steps: n}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Finish(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	an, err := gd.Analyze(mf, res, 0)
	if err != nil || an.Regime != gd.TwoCycle {
		t.Fatalf("regime %v (%v), want a 2-cycle", an.Regime, err)
	}
	row := rec.Rows[len(rec.Rows)-2] // step 19000
	p := row.P2
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"|a|²", p.Amplitude * p.Amplitude, an.AmplitudeSq},
		{"E(θ̄)", p.CenterLoss, an.CenterLoss},
		{"L̄", p.LossAvg, an.MeanLoss},
		{"two-point loss", p.SymLoss, an.MeanLoss},
		{"F", p.FreeEnergy, an.MeanLoss - an.AmplitudeSq/eta},
	} {
		if math.Abs(c.got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("step %d: %s = %.15g, the cycle's %.15g", row.Step, c.what, c.got, c.want)
		}
	}
	if math.Abs(p.LossAvg-0.321408) > 5e-7 {
		t.Errorf("L̄ = %.7g, design notes O21: 0.321408", p.LossAvg)
	}
}

// TestPeriod2NeedsEta: the free energies need η.
func TestPeriod2NeedsEta(t *testing.T) {
	q, _ := model.NewQuadratic([]float64{1}, []float64{0})
	rec := &gd.Recorder{Obj: q, Period2: true}
	if err := rec.Observe(&gd.State{Theta: []float64{1}}); err == nil {
		t.Fatal("a Recorder with Period2 and no Eta accepted a state")
	}
}
