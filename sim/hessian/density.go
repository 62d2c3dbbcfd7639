package hessian

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/kernel"
)

// DensitySettings configure SLQ.
type DensitySettings struct {
	// Runs is the number of random start vectors. Default 10.
	Runs int
	// Steps is the number of Lanczos steps per run (capped at p). Default 80.
	Steps int
	// Rand generates the Rademacher start vectors; nil means a generator
	// seeded with DefaultSeed at every call.
	Rand *rand.Rand
	// Kernel runs the vector products, as in Settings; nil means
	// kernel.Default().
	Kernel kernel.Backend
}

// Density is a spectral density estimate: a discrete measure Σ w_i δ(t − t_i)
// approximating the normalised density (1/p) Σ_j δ(t − λ_j) of H.
type Density struct {
	// Nodes t_i and Weights w_i (non-negative, summing to 1), run after run.
	Nodes, Weights []float64
	// Runs is the number of random starts; HVPs the operator applications.
	Runs, HVPs int
}

// SLQ estimates the spectral density of op by stochastic Lanczos quadrature
// (Golub & Meurant; Lin, Saad & Yang 2016; Ghorbani, Krishnan & Xiao 2019;
// PyHessian). Each run starts Lanczos (full reorthogonalisation) from a
// normalised Rademacher vector v, builds the m×m tridiagonal T and takes
// its eigenvalues as nodes and the squared first components of its
// eigenvectors, divided by Runs, as weights: this is the m-point Gauss
// quadrature of the measure Σ_j (vᵀx_j)² δ(t − λ_j), whose expectation is
// the normalised density; it integrates polynomials of degree up to 2m−1
// exactly, so p·Σ w_i t_i over one run equals zᵀHz for the unnormalised
// Rademacher vector z, Hutchinson's estimate. A run that finds an invariant
// subspace stops early: its quadrature is then exact.
func SLQ(op sim.Operator, s DensitySettings) (Density, error) {
	if s.Runs == 0 {
		s.Runs = 10
	}
	if s.Steps == 0 {
		s.Steps = 80
	}
	if s.Runs < 0 || s.Steps < 0 {
		panic("hessian: SLQ: negative Runs or Steps")
	}
	var sd seeded
	rng := sd.get(s.Rand, true)
	p := op.Dim()
	m := min(s.Steps, p)
	var e engine
	e.useKernel(s.Kernel)
	e.ensure(p, m)
	d := Density{
		Nodes:   make([]float64, 0, s.Runs*m),
		Weights: make([]float64, 0, s.Runs*m),
		Runs:    s.Runs,
	}
	for run := 0; run < s.Runs; run++ {
		e.reset(op, rng, math.MaxInt)
		e.phase(true)
		rademacher(rng, e.x)
		floats.Scale(1/math.Sqrt(float64(p)), e.x)
		if err := e.addVector(e.x, true); err != nil {
			return d, err
		}
		for e.na < m && e.haveF {
			copy(e.x, e.f)
			if err := e.addVector(e.x, true); err != nil {
				return d, err
			}
		}
		if err := e.ritz(); err != nil {
			return d, err
		}
		d.HVPs += e.hvps
		for i := 0; i < e.na; i++ {
			c := e.s[i] // first component: row 0 of the coefficient matrix
			d.Nodes = append(d.Nodes, e.theta[i])
			d.Weights = append(d.Weights, c*c/float64(s.Runs))
		}
	}
	return d, nil
}

// Smooth evaluates the density convolved with a Gaussian of standard
// deviation sigma, Σ w_i exp(−(t−t_i)²/2σ²)/(σ√(2π)), at each point t of
// grid, into dst (allocated when nil; otherwise of length len(grid)).
func (d Density) Smooth(dst, grid []float64, sigma float64) []float64 {
	if sigma <= 0 {
		panic("hessian: Smooth: sigma must be positive")
	}
	if dst == nil {
		dst = make([]float64, len(grid))
	}
	if len(dst) != len(grid) {
		panic("hessian: Smooth: len(dst) != len(grid)")
	}
	c := 1 / (sigma * math.Sqrt(2*math.Pi))
	for k, t := range grid {
		var sum float64
		for i, ti := range d.Nodes {
			u := (t - ti) / sigma
			sum += d.Weights[i] * math.Exp(-0.5*u*u)
		}
		dst[k] = c * sum
	}
	return dst
}
