package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// TeacherConfig holds the settings of Teacher. Zero values of Width and
// Outputs select the defaults (see Resolved); N and D must be set.
type TeacherConfig struct {
	N       int     // number of examples
	D       int     // input dimension
	Width   int     // hidden width k of the teacher (default 4)
	Outputs int     // number of outputs c (default 1)
	Noise   float64 // standard deviation of the Gaussian label noise (default 0: none)
	Seed    uint64  // seed of the math/rand/v2 PCG streams
}

// Default settings of TeacherConfig.
const (
	DefaultTeacherWidth   = 4
	DefaultTeacherOutputs = 1
)

// Resolved returns c with every zero default filled in, as Teacher uses it.
func (c TeacherConfig) Resolved() TeacherConfig {
	if c.Width == 0 {
		c.Width = DefaultTeacherWidth
	}
	if c.Outputs == 0 {
		c.Outputs = DefaultTeacherOutputs
	}
	return c
}

// The three PCG streams of Teacher, one per random quantity, so that the
// teacher does not depend on N and the first rows of X do not depend on N.
const (
	teacherStreamX     = 1
	teacherStreamNet   = 2
	teacherStreamNoise = 3
)

// Teacher returns a synthetic regression set labelled by a random two-layer
// tanh network:
//
//	x_s ~ N(0, I_d),  y_s = B tanh(U x_s) + σ ξ_s,  ξ_s ~ N(0, I_c),
//
// with U (k×d) iid N(0,1)/√d and B (c×k) iid N(0,1). The generators are
// rand.New(rand.NewPCG(Seed, stream)) with stream 1 for X (row-major),
// 2 for U then B (row-major) and 3 for the noise, all drawn with
// NormFloat64. The same settings give the same set on every machine
// whatever GOMAXPROCS is (up to the last-place rounding of math.Tanh on
// other architectures).
func Teacher(cfg TeacherConfig) (*Set, error) {
	cfg = cfg.Resolved()
	switch {
	case cfg.N <= 0:
		return nil, invalidf("data: teacher with n=%d examples, need at least one", cfg.N)
	case cfg.D <= 0:
		return nil, invalidf("data: teacher with input dimension d=%d, need at least one", cfg.D)
	case cfg.Width <= 0:
		return nil, invalidf("data: teacher of width %d, need at least one neuron", cfg.Width)
	case cfg.Outputs <= 0:
		return nil, invalidf("data: teacher with %d outputs, need at least one", cfg.Outputs)
	case !(cfg.Noise >= 0) || math.IsInf(cfg.Noise, 0):
		return nil, invalidf("data: teacher label noise %v, need a finite value ≥ 0", cfg.Noise)
	}
	n, d, k, c := cfg.N, cfg.D, cfg.Width, cfg.Outputs
	s := &Set{N: n, D: d, C: c, X: make([]float64, n*d), Y: make([]float64, n*c)}

	rx := rand.New(rand.NewPCG(cfg.Seed, teacherStreamX))
	for i := range s.X {
		s.X[i] = rx.NormFloat64()
	}
	rn := rand.New(rand.NewPCG(cfg.Seed, teacherStreamNet))
	u := make([]float64, k*d)
	sd := math.Sqrt(float64(d))
	for i := range u {
		u[i] = rn.NormFloat64() / sd
	}
	b := make([]float64, c*k)
	for i := range b {
		b[i] = rn.NormFloat64()
	}
	teacherForward(s.Y, s.X, u, b, n, d, k, c)
	if cfg.Noise > 0 {
		rz := rand.New(rand.NewPCG(cfg.Seed, teacherStreamNoise))
		for i := range s.Y {
			s.Y[i] += cfg.Noise * rz.NormFloat64()
		}
	}
	s.Source = fmt.Sprintf("teacher(n=%d, d=%d, width=%d, outputs=%d, noise=%g, seed=%d): x~N(0,I), y=B·tanh(U·x)+noise",
		n, d, k, c, cfg.Noise, cfg.Seed)
	return s, s.Validate()
}

// teacherForward writes y (n×c) = tanh(x Uᵀ) Bᵀ for x (n×d), u (k×d) and
// b (c×k), all row-major. Sums run in index order.
func teacherForward(y, x, u, b []float64, n, d, k, c int) {
	h := make([]float64, k)
	for j := range n {
		xj := x[j*d : (j+1)*d]
		for i := range k {
			var z float64
			for l, ul := range u[i*d : (i+1)*d] {
				z += ul * xj[l]
			}
			h[i] = math.Tanh(z)
		}
		for o := range c {
			var f float64
			for i, bi := range b[o*k : (o+1)*k] {
				f += bi * h[i]
			}
			y[j*c+o] = f
		}
	}
}
