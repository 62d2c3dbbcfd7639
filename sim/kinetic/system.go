package kinetic

import (
	"errors"
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/model"
)

// ErrNotMeanField is returned by New for a network that is not in the
// mean-field scaling (s = 1/m): only there does the particle system have a
// limit as m grows.
var ErrNotMeanField = errors.New("kinetic: the particle system needs a two-layer network in mean-field scaling")

// System is the particle system of the two-layer network in mean-field
// scaling (design notes §6.1, eoskit's derivation [D]): neuron i is a
// particle θ_i = (w_i, a_i) ∈ R^{d+c} carrying a fluctuation δ_i ∈ R^{d+c},
// and with f_±(x) = (1/m)Σ_j φ(θ_j ± δ_j; x), φ(θ; x) = a σ(w·x),
// Ψ(θ; f) = (1/n)Σ_s (f(x_s) − y_s)·φ(θ; x_s) and c̃ = 2/η̃,
//
//	θ̇_i = −½[∇_θΨ(θ_i+δ_i; f_+) + ∇_θΨ(θ_i−δ_i; f_−)]
//	δ̇_i = +½[∇_θΨ(θ_i+δ_i; f_+) − ∇_θΨ(θ_i−δ_i; f_−)] − c̃ δ_i
//
// in particle time t̃ = kη̃ with the particle step η̃ = η/m, η being the
// step of GD on the network's loss E_m (the spec's gd.eta); see the package
// documentation for the convention and why it is the one pinned here.
//
// The state y = (θ, δ) has the network's layout twice: y[:p] = θ = [W, A]
// (W ∈ R^{m×d} row-major, row i = w_i; A ∈ R^{c×m} row-major, column i =
// a_i) and y[p:] = δ in the same layout, p = m(d+c). It is the state of
// flow.ModelA on the same network, with δ = a. Since
// ∇_{θ_i}E_m = (1/m)∇_θΨ(θ_i; f), the right-hand side is m times model A's
// (with step η) and costs two gradients of the network, at θ + δ and
// θ − δ: two forward and backward passes on sim/kernel's fast paths, and
// O(p) work besides. System implements flow.Model.
//
// A System keeps scratch space: it is not safe for concurrent use, and
// RHS and Observe do not allocate.
type System struct {
	obj   sim.Objective // the network, or a sim.Counted around it
	net   *model.TwoLayer
	m     int
	d, c  int
	n, p  int
	etaGD float64 // η, the step of GD on E_m
	eta   float64 // η̃ = η/m
	mf    float64 // float64(m)

	// scratch: θ ± δ, the two gradients, the predictions f_± (n×c).
	plus, minus, gp, gm []float64
	fp, fm              []float64
}

var _ flow.Model = (*System)(nil)

// New returns the particle system of the network obj with GD step size eta
// (the step of GD on E_m, as in the spec's gd.eta; the particle step is
// η̃ = eta/m). obj is a *model.TwoLayer or a *sim.Counted around one (the
// right-hand side's gradients then go through it and are counted). The
// network must use the mean-field scaling (ErrNotMeanField otherwise); a nil
// objective, another model or a step that is not finite and positive is a
// programmer error and panics.
func New(obj sim.Objective, eta float64) (*System, error) {
	if obj == nil {
		panic("kinetic: nil objective")
	}
	inner := obj
	if c, ok := obj.(*sim.Counted); ok {
		inner = c.Obj
	}
	net, ok := inner.(*model.TwoLayer)
	if !ok {
		panic(fmt.Sprintf("kinetic: the particle system needs a *model.TwoLayer, got %T", inner))
	}
	if !(eta > 0) || math.IsInf(eta, 0) {
		panic(fmt.Sprintf("kinetic: step size η = %v must be finite and > 0", eta))
	}
	if net.Scaling() != model.MeanField {
		return nil, fmt.Errorf("%w (it has %v scaling)", ErrNotMeanField, net.Scaling())
	}
	m := net.Width()
	n, d := net.Data()
	c := net.Outputs()
	p := net.Dim()
	s := &System{obj: obj, net: net, m: m, d: d, c: c, n: n, p: p,
		etaGD: eta, eta: eta / float64(m), mf: float64(m)}
	for _, b := range []*[]float64{&s.plus, &s.minus, &s.gp, &s.gm} {
		*b = make([]float64, p)
	}
	s.fp, s.fm = make([]float64, n*c), make([]float64, n*c)
	return s, nil
}

// NewFromConfig builds the network of cfg and returns its particle system
// with GD step size eta (see New). Errors are the network's (invalid
// configuration) or ErrNotMeanField.
func NewFromConfig(cfg model.TwoLayerConfig, eta float64) (*System, error) {
	net, err := model.NewTwoLayer(cfg)
	if err != nil {
		return nil, fmt.Errorf("kinetic: %w", err)
	}
	return New(net, eta)
}

// Network returns the two-layer network.
func (s *System) Network() *model.TwoLayer { return s.net }

// Width returns the number of particles m.
func (s *System) Width() int { return s.m }

// ParticleDim returns d + c, the dimension of one particle θ_i (and of δ_i).
func (s *System) ParticleDim() int { return s.d + s.c }

// Dim returns 2p: the state is (θ, δ).
func (s *System) Dim() int { return 2 * s.p }

// Params returns p = m(d+c), the number of network parameters θ = y[:p].
func (s *System) Params() int { return s.p }

// GDStep returns η, the step size of GD on E_m the system describes.
func (s *System) GDStep() float64 { return s.etaGD }

// ParticleStep returns the particle step η̃ = η/m: GD moves particle i by
// −η̃∇_θΨ(θ_i; f) per step, and the damping of δ is 2/η̃.
func (s *System) ParticleStep() float64 { return s.eta }

// Time returns the particle time t̃ = kη̃ of GD step k.
func (s *System) Time(k int) float64 { return float64(k) * s.eta }

// Grid returns the time grid of a GD run of the given number of steps in
// particle time: flow.Sample on it hands over the state at t̃ = kη̃ as GD
// step k, sampled every `every` steps from step start (see flow.Grid;
// maxSteps bounds the integrator's steps, 0 for the default).
func (s *System) Grid(steps, every, start, maxSteps int) flow.Grid {
	return flow.Grid{Eta: s.eta, Steps: steps, Every: every, Start: start, MaxSteps: maxSteps}
}

// split sets plus = θ+δ and minus = θ−δ for the state y = (θ, δ).
func (s *System) split(y []float64) {
	theta, delta := y[:s.p], y[s.p:]
	for i, th := range theta {
		s.plus[i] = th + delta[i]
		s.minus[i] = th - delta[i]
	}
}

// RHS writes (θ̇, δ̇) at y = (θ, δ), in particle time, into dy: two
// gradients of the network, at θ ± δ. Particle i's entries of dy are
// −∇_θV and +∇_δV at (θ_i, δ_i) (see FreeEnergy). It is an ode.Func and
// does not allocate.
func (s *System) RHS(_ float64, y, dy []float64) {
	s.checkLen(y, dy)
	s.split(y)
	s.obj.Grad(s.plus, s.gp)
	s.obj.Grad(s.minus, s.gm)
	// m∇E_m(θ±δ) holds particle i's ∇_θΨ(θ_i±δ_i; f_±) at its entries.
	mf, damp := s.mf, 2/s.eta
	delta := y[s.p:]
	dth, dde := dy[:s.p], dy[s.p:]
	for i := range dth {
		gp, gm := s.gp[i], s.gm[i]
		dth[i] = -0.5 * (gp + gm) * mf
		dde[i] = 0.5*(gp-gm)*mf - damp*delta[i]
	}
}

// Observe returns the predictions at y in the terms of GD's period-2
// observers, like flow.ModelA's: the time-averaged loss
// ½[R(f_+) + R(f_−)] (R the half mean squared error, E_m), E_m(θ), the
// envelope R(f_±), the amplitude |δ| of the whole p-vector (GD's |a_k|)
// and the free energy 𝓕[ν] (FreeEnergy). Three losses.
func (s *System) Observe(y []float64) flow.Point {
	s.checkLen(y, nil)
	s.split(y)
	lp, lm := s.net.Loss(s.plus), s.net.Loss(s.minus)
	d2 := sumSq(y[s.p:])
	avg := 0.5 * (lp + lm)
	return flow.Point{Loss: avg, CenterLoss: s.net.Loss(y[:s.p]), LossPlus: lp, LossMinus: lm,
		Amplitude: math.Sqrt(d2), FreeEnergy: avg - d2/s.etaGD}
}

// FreeEnergy returns the macroscopic free energy of the empirical law
// ν_m = (1/m)Σ_i δ_{(θ_i, δ_i)} (design notes §6.2),
//
//	𝓕[ν] = ½[R(f_+[ν]) + R(f_−[ν])] − (1/η̃) ∫|δ|² dν,
//
// whose first variation is V[ν](θ, δ) = ½[Ψ(θ+δ; f_+) + Ψ(θ−δ; f_−)] −
// |δ|²/η̃. It equals flow.ModelA's free energy of the network with step η
// (∫|δ|²dν/η̃ = |δ|²/η), and it does not depend on m when the law does
// (two losses).
func (s *System) FreeEnergy(y []float64) float64 {
	s.checkLen(y, nil)
	s.split(y)
	lp, lm := s.net.Loss(s.plus), s.net.Loss(s.minus)
	return 0.5*(lp+lm) - sumSq(y[s.p:])/s.etaGD
}

// Outputs writes f_+ and f_− on the training inputs (n×c row-major each)
// into plus and minus: the network's outputs at θ + δ and θ − δ.
func (s *System) Outputs(y, plus, minus []float64) {
	s.checkLen(y, nil)
	if len(plus) != s.n*s.c || len(minus) != s.n*s.c {
		panic(fmt.Sprintf("kinetic: Outputs wants n·c = %d values, got %d and %d", s.n*s.c, len(plus), len(minus)))
	}
	s.split(y)
	s.net.Predict(s.plus, plus)
	s.net.Predict(s.minus, minus)
}

// EnergyRates returns the two terms of the energy identity at y
// (design notes §6.2): descent = ∫|∇_θV|²dν and ascent = ∫|∇_δV|²dν, so
// that along the flow d𝓕/dt̃ = −descent + ascent (one right-hand side: two
// gradients). dy is scratch of length Dim (nil allocates).
func (s *System) EnergyRates(y, dy []float64) (descent, ascent float64) {
	if dy == nil {
		dy = make([]float64, s.Dim())
	}
	s.RHS(0, y, dy)
	return sumSq(dy[:s.p]) / s.mf, sumSq(dy[s.p:]) / s.mf
}

// State returns the state (θ, δ) with the given parts (copied); delta nil
// means δ = 0.
func (s *System) State(theta, delta []float64) []float64 {
	if len(theta) != s.p || (delta != nil && len(delta) != s.p) {
		panic(fmt.Sprintf("kinetic: State wants θ and δ of length p = %d, got %d and %d", s.p, len(theta), len(delta)))
	}
	y := make([]float64, 2*s.p)
	copy(y, theta)
	if delta != nil {
		copy(y[s.p:], delta)
	}
	return y
}

// StateFromGD returns the state at GD step k from its iterates θ_{k−1},
// θ_k, θ_{k+1}: the centre θ̄_k = (θ_{k−1} + 2θ_k + θ_{k+1})/4 and the
// fluctuation δ = a_k = (−1)^k(θ_k − θ̄_k) of GD's period-2 decomposition
// (design notes §3), with the arithmetic of gd's Recorder and of the
// experiment runner's flows.
func (s *System) StateFromGD(k int, prev, cur, next []float64) []float64 {
	if len(prev) != s.p || len(cur) != s.p || len(next) != s.p {
		panic(fmt.Sprintf("kinetic: StateFromGD wants three iterates of length p = %d", s.p))
	}
	y := make([]float64, 2*s.p)
	sign := 1.0
	if k%2 != 0 {
		sign = -1
	}
	for i := range s.p {
		c := 0.25*(prev[i]+next[i]) + 0.5*cur[i]
		y[i] = c
		y[s.p+i] = sign * (cur[i] - c)
	}
	return y
}

// Top returns the largest eigenvalue λ₁ of the Hessian of E_m at θ and its
// unit eigenvector, signed so that its entry of largest magnitude is
// positive (Lanczos to relative residual 1e-8). mλ₁ is the sharpness in
// particle units, compared with 2/η̃ (λ₁ is compared with 2/η).
func (s *System) Top(theta []float64) (lambda float64, u []float64, err error) {
	if len(theta) != s.p {
		panic(fmt.Sprintf("kinetic: Top wants θ of length p = %d, got %d", s.p, len(theta)))
	}
	est := hessian.NewLanczosSolver(hessian.Settings{Top: 1, Tol: 1e-8})
	res, err := est.Estimate(sim.HessianAt(s.net, theta))
	if err != nil || res.Top.Vectors == nil {
		return math.NaN(), nil, fmt.Errorf("kinetic: top Hessian eigenvector: %w", err)
	}
	u = make([]float64, s.p)
	big := 0
	for i := range u {
		u[i] = res.Top.Vectors.At(i, 0)
		if math.Abs(u[i]) > math.Abs(u[big]) {
			big = i
		}
	}
	if u[big] < 0 {
		for i := range u {
			u[i] = -u[i]
		}
	}
	return res.Top.Values[0], u, nil
}

// SeedDelta returns the fluctuation δ = rms·√m·u₁ along the top Hessian
// eigenvector u₁ at θ (Top), whose root mean square over the particles,
// (∫|δ|²dν)^{1/2}, is rms. It is eoskit's seeding of the oscillation from a
// state without one [A] (GD's own grows from round-off): along u₁, a
// collective mode, the output swing (f_+ − f_−)/2 is O(rms) whatever m,
// whereas fluctuations drawn independently of the particles would give
// O(rms/√m) and an onset delayed by ½·log m over the growth rate.
func (s *System) SeedDelta(theta []float64, rms float64) ([]float64, error) {
	_, u, err := s.Top(theta)
	if err != nil {
		return nil, err
	}
	c := rms * math.Sqrt(s.mf)
	for i := range u {
		u[i] *= c
	}
	return u, nil
}

// Particle returns particle i of the parameter vector v (θ, δ or a
// velocity, in the network's layout) as (w, a): w is a view of row i of W,
// and a is copied into dst (length c; nil allocates) because the columns
// of A are strided.
func (s *System) Particle(v []float64, i int, dst []float64) (w, a []float64) {
	if len(v) != s.p || i < 0 || i >= s.m {
		panic(fmt.Sprintf("kinetic: Particle %d of a vector of length %d (m = %d, p = %d)", i, len(v), s.m, s.p))
	}
	if dst == nil {
		dst = make([]float64, s.c)
	}
	off := s.m * s.d
	for o := range s.c {
		dst[o] = v[off+o*s.m+i]
	}
	return v[i*s.d : (i+1)*s.d], dst
}

func (s *System) checkLen(y, dy []float64) {
	if len(y) != 2*s.p || (dy != nil && len(dy) != 2*s.p) {
		panic(fmt.Sprintf("kinetic: state has length %d (and derivative %d), want 2p = %d", len(y), len(dy), 2*s.p))
	}
}

// sumSq returns Σ x_i².
func sumSq(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s
}
