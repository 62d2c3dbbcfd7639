package hessian

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// DefaultSeed seeds the generator of start vectors when settings carry no
// generator.
const DefaultSeed uint64 = 0x5eed_e05_c17

func vec(x []float64) blas64.Vector { return blas64.Vector{N: len(x), Inc: 1, Data: x} }

// nrm2 is the overflow-safe Euclidean norm.
func nrm2(x []float64) float64 { return blas64.Nrm2(vec(x)) }

func dot(x, y []float64) float64 { return floats.Dot(x, y) }

// axpy computes y += alpha·x.
func axpy(alpha float64, x, y []float64) { floats.AddScaled(y, alpha, x) }

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// gaussian fills x with independent standard normal numbers.
func gaussian(rng *rand.Rand, x []float64) {
	for i := range x {
		x[i] = rng.NormFloat64()
	}
}

// seeded is a generator that is either the caller's or a private one
// re-seeded with DefaultSeed on every reset, so that calls without a caller
// generator are pure functions of their inputs. Resetting does not allocate.
type seeded struct {
	pcg rand.PCG
	own *rand.Rand
}

// get returns user when it is non-nil, and otherwise the private generator,
// re-seeded when reseed is true.
func (s *seeded) get(user *rand.Rand, reseed bool) *rand.Rand {
	if user != nil {
		return user
	}
	if s.own == nil {
		s.own = rand.New(&s.pcg)
		reseed = true
	}
	if reseed {
		s.pcg.Seed(DefaultSeed, 0)
	}
	return s.own
}

// outPairs owns the output buffers of a Result so that repeated estimates do
// not allocate.
type outPairs struct {
	topVals, topRes, botVals, botRes []float64
	topVec, botVec                   *mat.Dense
}

func ensureDense(m *mat.Dense, r, c int) *mat.Dense {
	if c == 0 {
		return nil
	}
	if m != nil {
		if mr, mc := m.Dims(); mr == r && mc == c {
			return m
		}
	}
	return mat.NewDense(r, c, nil)
}

func ensureLen(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func (o *outPairs) ensure(p, top, bot int) {
	o.topVals = ensureLen(o.topVals, top)
	o.topRes = ensureLen(o.topRes, top)
	o.botVals = ensureLen(o.botVals, bot)
	o.botRes = ensureLen(o.botRes, bot)
	o.topVec = ensureDense(o.topVec, p, top)
	o.botVec = ensureDense(o.botVec, p, bot)
}

// set stores pair kt of the top end (when isTop) or kb of the bottom end.
func (o *outPairs) set(isTop bool, kt, kb int, lam, res float64, y []float64) {
	if isTop {
		o.topVals[kt], o.topRes[kt] = lam, res
		o.topVec.SetCol(kt, y)
		return
	}
	o.botVals[kb], o.botRes[kb] = lam, res
	o.botVec.SetCol(kb, y)
}

func (o *outPairs) result(top, bot int) Result {
	var r Result
	r.Top = Pairs{Values: o.topVals[:top], Residuals: o.topRes[:top]}
	if top > 0 {
		r.Top.Vectors = o.topVec
	}
	r.Bottom = Pairs{Values: o.botVals[:bot], Residuals: o.botRes[:bot]}
	if bot > 0 {
		r.Bottom.Vectors = o.botVec
	}
	return r
}
