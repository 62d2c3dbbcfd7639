package hessian

import (
	"math"
	"math/rand/v2"

	"github.com/eoskit/eoskit/sim"
)

// TraceSettings configure Hutchinson.
type TraceSettings struct {
	// Samples is the number of random vectors. Default 100; at least 2 for
	// a standard error.
	Samples int
	// Rand generates the Rademacher vectors; nil means a generator seeded
	// with DefaultSeed at every call.
	Rand *rand.Rand
}

// TraceResult is a Monte Carlo estimate of tr(H).
type TraceResult struct {
	// Trace is the sample mean of zᵀHz; StdErr its standard error, the
	// sample standard deviation over √Samples (+Inf for one sample).
	Trace, StdErr float64
	// Samples and HVPs are both the number of vectors used.
	Samples, HVPs int
}

// Hutchinson estimates tr(H) as the mean of zᵀHz over independent
// Rademacher vectors z (entries ±1 with probability ½), an unbiased
// estimator with variance 2(‖H‖_F² − Σ_i H_ii²) per sample, the smallest
// among vectors with independent entries (Hutchinson 1990).
func Hutchinson(op sim.Operator, s TraceSettings) (TraceResult, error) {
	if s.Samples == 0 {
		s.Samples = 100
	}
	if s.Samples < 0 {
		panic("hessian: Hutchinson: negative Samples")
	}
	var sd seeded
	rng := sd.get(s.Rand, true)
	p := op.Dim()
	z, hz := make([]float64, p), make([]float64, p)
	// Welford's running mean and sum of squared deviations.
	var mean, m2 float64
	for n := 1; n <= s.Samples; n++ {
		rademacher(rng, z)
		op.Apply(z, hz)
		q := dot(z, hz)
		if math.IsNaN(q) || math.IsInf(q, 0) {
			return TraceResult{HVPs: n}, &NumericalError{Method: "Hutchinson", What: "operator returned a non-finite value"}
		}
		d := q - mean
		mean += d / float64(n)
		m2 += d * (q - mean)
	}
	se := math.Inf(1)
	if s.Samples > 1 {
		se = math.Sqrt(m2 / float64(s.Samples-1) / float64(s.Samples))
	}
	return TraceResult{Trace: mean, StdErr: se, Samples: s.Samples, HVPs: s.Samples}, nil
}

// rademacher fills z with independent ±1 entries.
func rademacher(rng *rand.Rand, z []float64) {
	var bits uint64
	for i := range z {
		if i%64 == 0 {
			bits = rng.Uint64()
		}
		z[i] = float64(int64(bits&1)*2 - 1)
		bits >>= 1
	}
}
