package gd

import (
	"math"
)

// Period2 holds the period-2 observations of one recorded step k of a run
// (Recorder.Period2), from the split θ_k = θ̄_k + (−1)^k a_k of design notes
// §3:
//
//	θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4,   a_k = (−1)^k (θ_k − θ̄_k).
//
// The filter removes a period-2 oscillation exactly and passes affine
// trends. Every field is NaN where it is not defined: at the last step
// (θ_{k+1} is not known), at step 0 for the fields that need θ_{−1}, and
// AmplitudeTop where the spectrum at θ̄_k was not measured.
type Period2 struct {
	// LossNext is E(θ_{k+1}); with the row's loss E(θ_k) it gives the even
	// and odd envelopes of the loss (Envelopes).
	LossNext float64
	// LossAvg is the time-averaged loss L̄_k = ½(E(θ_k) + E(θ_{k+1})).
	// It is centred at k + ½, half a step after θ̄_k.
	LossAvg float64
	// LossAvg3 is the centred time average ¼(E(θ_{k−1}) + 2E(θ_k) +
	// E(θ_{k+1})), the filter of θ̄_k applied to the loss: the same period-2
	// average without L̄_k's half-step lag, whose bias −¼(E_{k+1} − E_{k−1})
	// is as large as the excess L̄ − E(θ̄) itself where the loss drifts
	// while the oscillation is small (mnist-eos). Spikes and the flows'
	// comparison use it.
	LossAvg3 float64
	// CenterLoss is E(θ̄_k) (one loss evaluation).
	CenterLoss float64
	// Amplitude is |a_k|.
	Amplitude float64
	// SymLoss is the two-point average ½[E(θ̄_k + a_k) + E(θ̄_k − a_k)]
	// = ½[E(θ_k) + E((θ_{k−1} + θ_{k+1})/2)] (one loss evaluation): model
	// A's time-averaged loss at GD's own state.
	SymLoss float64
	// FreeEnergy is model A's free energy at GD's state,
	// F_k = SymLoss − |a_k|²/η.
	FreeEnergy float64
	// FreeEnergy2 is the second-order F(θ̄_k, Σ_k) = E(θ̄_k) +
	// ½⟨Σ_k, ∇²E(θ̄_k) − (2/η)I⟩ with Σ_k = a_k a_kᵀ (one Hessian-vector
	// product): model B's free energy at GD's state.
	FreeEnergy2 float64
	// AmplitudeTop is u·a_k, the projection of the amplitude on the unit
	// top eigenvector u of ∇²E(θ̄_k), where the spectrum at the centre was
	// measured (Recorder.Center) and the estimator gives eigenvectors; its
	// sign is that of u, which an eigensolver does not fix.
	AmplitudeTop float64
}

// undefinedPeriod2 returns a Period2 with every field NaN.
func undefinedPeriod2() Period2 {
	n := math.NaN()
	return Period2{LossNext: n, LossAvg: n, LossAvg3: n, CenterLoss: n, Amplitude: n, SymLoss: n, FreeEnergy: n,
		FreeEnergy2: n, AmplitudeTop: n}
}

// Envelopes returns the loss at the even and at the odd step among k and
// k+1 (NaN when E(θ_{k+1}) is not known): along a run, the even and odd
// subsequences E(θ_{2j}), E(θ_{2j+1}) whose two curves are the envelope of
// the oscillating loss.
func (row Row) Envelopes() (even, odd float64) {
	if row.Step%2 == 0 {
		return row.Loss, row.P2.LossNext
	}
	return row.P2.LossNext, row.Loss
}

// period2 is the Recorder's state for the period-2 observations: the last
// two iterates and the row awaiting θ_{k+1}.
type period2 struct {
	// prev2 and prev1 are θ_{j−2} and θ_{j−1} at the start of Observe(j);
	// valid counts how many of them are set (0, 1 or 2).
	prev2, prev1 []float64
	valid        int
	// pending is the index in Rows of the row of step j−1 awaiting θ_j, or
	// −1; lossPrev and lossPrev2 are E(θ_{j−1}) and E(θ_{j−2}).
	pending             int
	lossPrev, lossPrev2 float64
	// scratch: θ̄, the reflected point (θ_{k−1}+θ_{k+1})/2, a and H(θ̄)a.
	mid, refl, amp, hv []float64
}

// observePeriod2 completes the pending row of step j−1 with θ_j and makes
// the row of step j (when recorded) pending. recorded is the index in Rows
// of step j's row, or −1.
func (r *Recorder) observePeriod2(s *State, recorded int) {
	p := &r.p2
	if p.mid == nil {
		n := len(s.Theta)
		p.prev2, p.prev1 = make([]float64, n), make([]float64, n)
		p.mid, p.refl, p.amp, p.hv = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		p.pending = -1
	}
	if p.pending >= 0 {
		r.completePeriod2(s, p.valid == 2)
	}
	if recorded >= 0 {
		r.Rows[recorded].P2 = undefinedPeriod2()
		p.pending = recorded
	}
	p.lossPrev2, p.lossPrev = p.lossPrev, s.Loss
	p.prev2, p.prev1 = p.prev1, p.prev2
	copy(p.prev1, s.Theta)
	p.valid = min(p.valid+1, 2)
}

// completePeriod2 fills the pending row of step k = j−1 from θ_{k−1} =
// prev2 (when haveBefore), θ_k = prev1 and θ_{k+1} = s.Theta.
func (r *Recorder) completePeriod2(s *State, haveBefore bool) {
	p := &r.p2
	row := &r.Rows[p.pending]
	p.pending = -1
	row.P2.LossNext = s.Loss
	row.P2.LossAvg = 0.5 * (p.lossPrev + s.Loss)
	if !haveBefore {
		return
	}
	row.P2.LossAvg3 = 0.25*(p.lossPrev2+s.Loss) + 0.5*p.lossPrev
	before, at, next := p.prev2, p.prev1, s.Theta
	sign := 1.0
	if row.Step%2 != 0 {
		sign = -1
	}
	var a2 float64
	for i := range p.mid {
		m := 0.25*(before[i]+next[i]) + 0.5*at[i]
		p.mid[i] = m
		p.refl[i] = 0.5 * (before[i] + next[i])
		a := sign * (at[i] - m)
		p.amp[i] = a
		a2 += a * a
	}
	eta := s.T / float64(s.Step)
	if r.Eta > 0 {
		eta = r.Eta
	}
	row.P2.Amplitude = math.Sqrt(a2)
	row.P2.CenterLoss = r.Obj.Loss(p.mid)
	row.P2.SymLoss = 0.5 * (row.Loss + r.Obj.Loss(p.refl))
	row.P2.FreeEnergy = row.P2.SymLoss - a2/eta
	r.Obj.HessVec(p.mid, p.amp, p.hv)
	var aha float64
	for i, v := range p.hv {
		aha += p.amp[i] * v
	}
	row.P2.FreeEnergy2 = row.P2.CenterLoss + 0.5*aha - a2/eta
	if row.Center.Values != nil && r.centerVec != nil {
		var proj float64
		for i, u := range r.centerVec {
			proj += u * p.amp[i]
		}
		row.P2.AmplitudeTop = proj
	}
	r.centerVec = nil
}
