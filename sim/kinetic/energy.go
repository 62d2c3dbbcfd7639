package kinetic

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/ode"
)

// Series is the free energy 𝓕[ν_t] along a flow, sampled on a GD grid,
// with the two terms of its rate.
type Series struct {
	// Name names the flow ("particle", "closure").
	Name string
	// Steps are the GD steps k of the samples and T their particle times
	// t̃ = kη̃.
	Steps []int
	T     []float64
	// F is 𝓕[ν_t] (System.FreeEnergy of the flow's law).
	F []float64
	// Descent and Ascent are the terms of d𝓕/dt̃ along the flow: for the
	// particle flow ∫|∇_θV|²dν and ∫|∇_δV|²dν (System.EnergyRates), so
	// that d𝓕/dt̃ = Ascent − Descent; for a closure, −d𝓕/dt̃ computed from
	// its velocity is in Descent and Ascent is the part of the particle
	// flow's ascent the closure keeps (see Closure.Rates).
	Descent, Ascent []float64
	// Loss is the time-averaged loss ½[R(f_+) + R(f_−)], Center is E_m(θ)
	// and DeltaRMS is (∫|δ|²dν)^{1/2}.
	Loss, Center, DeltaRMS []float64
}

// Rate returns d𝓕/dt̃ at sample i from the identity: Ascent − Descent.
func (s *Series) Rate(i int) float64 { return s.Ascent[i] - s.Descent[i] }

func (s *Series) add(k int, t, f, descent, ascent, loss, center, drms float64) {
	s.Steps = append(s.Steps, k)
	s.T = append(s.T, t)
	s.F = append(s.F, f)
	s.Descent = append(s.Descent, descent)
	s.Ascent = append(s.Ascent, ascent)
	s.Loss = append(s.Loss, loss)
	s.Center = append(s.Center, center)
	s.DeltaRMS = append(s.DeltaRMS, drms)
}

// CSV returns the series as CSV with the header
// step,t,free_energy,rate,descent,ascent,loss,center_loss,delta_rms.
func (s *Series) CSV() []byte {
	var b []byte
	b = append(b, "step,t,free_energy,rate,descent,ascent,loss,center_loss,delta_rms\n"...)
	for i, k := range s.Steps {
		b = fmt.Appendf(b, "%d", k)
		for _, v := range []float64{s.T[i], s.F[i], s.Rate(i), s.Descent[i], s.Ascent[i], s.Loss[i], s.Center[i], s.DeltaRMS[i]} {
			b = append(b, ',')
			b = append(b, fmtFloat(v)...)
		}
		b = append(b, '\n')
	}
	return b
}

// ParticleSeries integrates the particle system from y0 on the grid (see
// System.Grid) with the given method and controller and records 𝓕, the
// two terms of its rate (one right-hand side per sample, not counted in
// the returned statistics), the loss and the root mean square of δ at every
// sample. The samples reached before a failure are kept.
func ParticleSeries(s *System, y0 []float64, grid flow.Grid, m ode.Method, c ode.Controller) (*Series, ode.Stats, error) {
	ser := &Series{Name: "particle"}
	dy := make([]float64, s.Dim())
	p := s.Params()
	stats, err := flow.Sample(s.RHS, y0, grid, m, c, func(k int, t float64, y []float64) error {
		pt := s.Observe(y)
		de, as := s.EnergyRates(y, dy)
		ser.add(k, t, pt.FreeEnergy, de, as, pt.Loss, pt.CenterLoss, math.Sqrt(sumSq(y[p:])/s.mf))
		return nil
	})
	return ser, stats, err
}

// Verdict says whether 𝓕 decreased monotonically along a Series, with the
// numbers.
type Verdict struct {
	// Name is the series' name and Samples its length.
	Name    string
	Samples int
	// Tol is the rise of 𝓕 between consecutive samples that counts as an
	// increase (the integration's error in 𝓕 should be below it).
	Tol float64
	// Monotone reports that 𝓕 never rose by more than Tol between two
	// consecutive samples.
	Monotone bool
	// Rises counts the sample intervals where 𝓕 rose by more than Tol;
	// MaxRise is the largest rise over one interval, ending at step
	// MaxRiseStep (−1 when 𝓕 never rose), and TotalRise the sum of the
	// rises above Tol.
	Rises       int
	MaxRise     float64
	MaxRiseStep int
	TotalRise   float64
	// Drop is 𝓕(first sample) − 𝓕(last sample).
	Drop float64
	// PositiveRate counts the samples where the identity's rate
	// Ascent − Descent is positive (𝓕 increasing there), MaxRate is the
	// largest rate, at step MaxRateStep, and MaxAscentRatio the largest
	// Ascent/Descent.
	PositiveRate   int
	MaxRate        float64
	MaxRateStep    int
	MaxAscentRatio float64
}

// Verdict returns the monotonicity verdict of the series with the rise
// tolerance tol ≥ 0.
func (s *Series) Verdict(tol float64) Verdict {
	v := Verdict{Name: s.Name, Samples: len(s.F), Tol: tol, MaxRiseStep: -1, MaxRate: math.Inf(-1), MaxRateStep: -1}
	for i := range s.F {
		if i > 0 {
			if d := s.F[i] - s.F[i-1]; d > tol {
				v.Rises++
				v.TotalRise += d
				if d > v.MaxRise {
					v.MaxRise, v.MaxRiseStep = d, s.Steps[i]
				}
			}
		}
		r := s.Rate(i)
		if r > 0 {
			v.PositiveRate++
		}
		if r > v.MaxRate {
			v.MaxRate, v.MaxRateStep = r, s.Steps[i]
		}
		if s.Descent[i] > 0 {
			v.MaxAscentRatio = math.Max(v.MaxAscentRatio, s.Ascent[i]/s.Descent[i])
		} else if s.Ascent[i] > 0 {
			v.MaxAscentRatio = math.Inf(1)
		}
	}
	if n := len(s.F); n > 0 {
		v.Drop = s.F[0] - s.F[n-1]
	}
	v.Monotone = v.Rises == 0
	return v
}

// String returns the verdict in one line with its numbers.
func (v Verdict) String() string {
	mono := "monotone"
	if !v.Monotone {
		mono = fmt.Sprintf("NOT monotone: %d rises above %.3g, the largest %.3g (ending at step %d), in total %.3g",
			v.Rises, v.Tol, v.MaxRise, v.MaxRiseStep, v.TotalRise)
	}
	return fmt.Sprintf("%s: 𝓕 %s over %d samples (drop %.6g); d𝓕/dt̃ > 0 at %d samples, max %.3g at step %d; max ascent/descent %.3g",
		v.Name, mono, v.Samples, v.Drop, v.PositiveRate, v.MaxRate, v.MaxRateStep, v.MaxAscentRatio)
}
