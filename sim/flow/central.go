package flow

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/hessian"
	"github.com/eoskit/eoskit/sim/ode"
	"github.com/eoskit/eoskit/sim/sdcp"
)

// CentralSettings configure a central flow (see Central).
type CentralSettings struct {
	// MaxDim is the largest number k of unstable directions (default
	// DefaultCentralMaxDim). The eigensolver computes the top MaxDim
	// eigenpairs of ∇²E at every refresh.
	MaxDim int
	// Margin: the eigenpairs with ηλ ≥ 2(1 − Margin) are the candidates of
	// the complementarity problem (default 0.05). A candidate whose
	// eigenvalue is below 2/η gets no oscillation unless it would reach
	// 2/η within about Tau, so the margin changes nothing as long as no
	// eigenvalue climbs by 2·Margin/η within Tau (or within a refresh
	// interval); it only bounds the number of third-derivative products,
	// k(k+1)/2 per refresh.
	Margin float64
	// Substeps is the number of Euler steps per GD step (default 2): the
	// step is h = η/Substeps. It must be at least 2: with h = η the stable
	// directions just below 2/η would oscillate like GD itself.
	Substeps int
	// Tau is the relaxation time of the constraint ηλ ≤ 2 in physical time
	// (default h, which makes the Euler scheme the reference code's):
	// a violation decays like e^{−t/Tau}.
	Tau float64
	// Refresh and RefreshTol schedule the evaluations ("refreshes") of the
	// eigenvectors and third derivatives. Between refreshes the k×k matrix
	// A = 2I − ηUᵀHU is propagated to first order with the stored third
	// derivatives, A(θ) = A_ref − η[g_ij·(θ − θ_ref)], and the correction
	// uses them frozen, which costs one gradient per Euler step and errs
	// by O(θ − θ_ref). With RefreshTol = 0 the data are refreshed every
	// Refresh Euler steps (default 1: every step, the reference scheme).
	// With RefreshTol > 0 the interval adapts, between 1 and Refresh
	// (default 64) steps: at every refresh the velocity computed with the
	// old data is compared with the fresh one, and the interval is set so
	// that their relative difference ‖F_old − F_new‖/‖F_new‖ stays near
	// RefreshTol (the difference grows linearly with the interval); an
	// eigenvalue below the candidates that rises is also given time to
	// become a candidate before it can reach 2/η (its rate of rise is
	// measured between refreshes). The first and the last sample are
	// always fresh.
	Refresh    int
	RefreshTol float64
	// EigenTol is the relative residual of the eigenpairs of the default
	// Tracker (default 1e-8; the dense path is exact to rounding).
	EigenTol float64
	// Estimator computes the top eigenpairs; it must return at least
	// MaxDim of them with vectors. Nil means a hessian.DenseSolver for
	// p ≤ CentralDenseMaxDim parameters and a warm-started
	// hessian.Tracker (one sequence, Periods 1) above.
	Estimator hessian.Estimator
	// SDCP configures the complementarity solver (sdcp.Newton).
	SDCP sdcp.Settings
	// Method and Controller, when Method is not nil, integrate the
	// stabilised central flow θ' = F_τ(θ) (see Central.RHS, every
	// evaluation fresh) with that ode method through Sample, instead of
	// the Euler scheme: the verification path (Substeps, Refresh and
	// RefreshTol are then unused; Tau defaults to η/2).
	Method     ode.Method
	Controller ode.Controller
}

// Defaults of CentralSettings.
const (
	DefaultCentralMaxDim = 4
	DefaultCentralMargin = 0.05
	// CentralDenseMaxDim is the largest parameter count for which the
	// default estimator is dense.
	CentralDenseMaxDim = 300
)

// Central is the central flow of Cohen, Damian, Talwalkar, Kolter and Lee
// (ICLR 2025) [L], math.md §5, in physical time t = kη:
//
//	θ' = −[∇E(θ) + ½ Σ_ij X_ij ∇³E(θ)[u_i, u_j]],
//
// with u_1 … u_k the unit eigenvectors of ∇²E(θ) at or near 2/η and X ⪰ 0
// (k×k) the oscillation covariance Σ = Σ_ij X_ij u_i u_jᵀ in that basis. X
// solves the semidefinite complementarity problem of package sdcp with
// A₀ = 2I − ηUᵀHU, C_ij = g_ij·∇E, 𝒢_{ij,kl} = g_ij·g_kl
// (g_ij = ∇³E[u_i,u_j]) and step S = τη:
//
//	X ⪰ 0,  A₀ + τη(C + ½𝒢X) ⪰ 0,  ⟨X, A₀ + τη(C + ½𝒢X)⟩ = 0.
//
// Since dA/dt = η(C + ½𝒢X) along the flow, A₀ + τ·dA/dt is A a time τ
// ahead to first order: X is the smallest oscillation that keeps every
// eigenvalue at or below 2/η, and an eigenvalue that is above (A₀ ⪰̸ 0)
// is brought back as e^{−t/τ}. On the constraint (A₀ = 0 on the active
// directions) τ drops out and this is the central flow exactly; τ > 0
// makes the right-hand side F_τ a Lipschitz function of θ (the "A₀ term"
// of the reference code, which takes τ equal to its Euler step). For
// k = 1 and A₀ = 0, X = σ² = 2⟨−∇E, ∇S⟩/‖∇S‖² and the flow is the
// projected gradient flow θ' = −(I − nnᵀ)∇E, n = ∇S/‖∇S‖ (O18).
//
// Active set. The candidates are the top eigenpairs with ηλ ≥ 2(1−Margin),
// at most MaxDim; an eigenvalue that reaches 2/η joins (X gains a
// direction), one whose X block vanishes and whose eigenvalue falls below
// leaves, both decided by the complementarity problem. Reported:
// CentralSample.Candidates = k, and Active, the number of directions held
// at 2/η.
//
// Integration. The default scheme is explicit Euler with step h =
// η/Substeps on F_τ, τ = h (the reference code's scheme), with the
// eigenvectors (Estimator; the warm-started hessian.Tracker for large
// models) and third derivatives (the model's exact sim.ThirdOrder) refreshed
// on the schedule of Refresh and RefreshTol, and used frozen in between
// (A propagated to first order). Why Euler: the flow is stiff for explicit
// methods (the stable directions have curvature up to 2/η, so every
// explicit method needs steps below about η whatever its order), every
// fresh evaluation needs eigenvectors and third derivatives, and the
// right-hand side is only Lipschitz where the active set changes — so the
// cost per unit time is the number of right-hand sides, which Euler
// minimises (2 per GD step at the default h = η/2, against 3.6 for DP5 at
// its stability limit), a higher order buys little across the kinks, and
// the frozen data between refreshes are first order anyway. The error is
// first order in h (and in the refresh interval), verified on a problem
// whose central flow has a closed form through a join and a leave and
// against DP5 on F_τ (central_test.go); the fixed points of the scheme are
// exactly the central flow's (at a fixed point F_τ = 0, whatever τ and h).
// For verification, Method integrates F_τ by an adaptive Runge–Kutta
// method instead (every evaluation fresh).
//
// Cost per Euler step: one gradient; per refresh, one eigen-estimate
// (HVPs) and k(k+1)/2 third-derivative products. CentralStats counts them.
//
// A Central is not safe for concurrent use.
type Central struct {
	obj   *sim.Counted
	third sim.ThirdOrder
	eta   float64
	s     CentralSettings
	est   hessian.Estimator
	sol   *sdcp.Newton
	p     int
	ntop  int

	// From the last refresh.
	thetaRef []float64
	vals     []float64 // top eigenvalues (decreasing)
	k        int       // candidates
	u, uOld  []float64 // k×p candidate vectors (rows); the previous ones
	kOld     int
	g        []float64 // m×p: g_a = ∇³E[u_i, u_j] for the pairs a = (i ≤ j)
	gram     []float64 // m×m
	aRef     []float64 // k×k: 2I − η diag(λ)
	fresh    bool      // θ = thetaRef

	// Per evaluation.
	grad, delta []float64
	loss        float64
	x, xOld     []float64 // k×k
	prob        sdcp.Problem
	a0, cm      []float64 // A and C of prob, MaxDim² floats
	res         sdcp.Result
	ov          []float64 // overlaps, MaxDim×MaxDim

	hop           centralOp
	scratch, fold []float64
	prevVals      []float64 // eigenvalues at the refresh before
	prevT, lastT  float64   // times of the last two refreshes
	nRefresh      int
	ea, ew        []float64 // k×k scratch of the sharpness estimate

	thirds int
	stats  CentralStats
	ctx    context.Context // of the running Method-path Sample
	rhsErr error           // the error an RHS call could not return
}

// CentralStats are the costs and diagnostics of a central-flow integration.
type CentralStats struct {
	// Grads, HVPs and Thirds count the gradients, Hessian-vector
	// products and third-derivative products ∇³E[u, v].
	Grads, HVPs, Thirds int
	// Steps counts the Euler steps (or right-hand-side evaluations of the
	// Method path), Refreshes the eigen and third-derivative evaluations.
	Steps, Refreshes int
	// SDCPIterations sums the solver's iterations; SDCPNotConverged
	// counts solves that missed the tolerance (their best X was used) and
	// MaxSDCPResidual is the largest relative natural residual.
	SDCPIterations, SDCPNotConverged int
	MaxSDCPResidual                  float64
	// EigenShortfalls counts eigen-estimates that missed EigenTol (the
	// best estimates were used).
	EigenShortfalls int
	// Saturated counts refreshes at which all MaxDim eigenpairs were
	// candidates (an (MaxDim+1)-th unstable direction would be missed).
	Saturated int
	// MaxActive is the largest active dimension seen (CentralSample.Active).
	MaxActive int
	// MaxFrozenError is the largest relative difference
	// ‖F_old − F_new‖/‖F_new‖ between the velocity with the previous
	// refresh's data and the fresh one, measured at the refreshes of the
	// adaptive schedule (RefreshTol > 0); MaxInterval is the longest
	// interval between refreshes, in Euler steps.
	MaxFrozenError float64
	MaxInterval    int
	// ODE holds the integrator's statistics on the Method path.
	ODE ode.Stats
}

// CentralSample is the central flow's state at a sample point t = kη.
// Theta, X and Eigenvalues are valid only during the callback.
type CentralSample struct {
	Step int
	T    float64
	// Theta is θ(t).
	Theta []float64
	// Loss is E(θ) and GradNormSq ‖∇E(θ)‖².
	Loss, GradNormSq float64
	// TraceSigma is tr Σ = tr X, the total oscillation variance.
	TraceSigma float64
	// PredLoss = E(θ) + tr Σ/η is the predicted time-averaged GD loss and
	// PredGradNormSq = ‖∇E(θ)‖² + 4 tr Σ/η² the predicted time-averaged
	// ‖∇E‖² of the GD iterates (math.md §5, O19).
	PredLoss, PredGradNormSq float64
	// Sharpness is λ_max(∇²E(θ)): measured when Fresh, otherwise the
	// first-order estimate from the last refresh (the largest of
	// 2/η − A_ii/η… over the candidates, from the propagated A; the last
	// measured value when there are none).
	Sharpness float64
	// Fresh reports that the eigenpairs were computed at this θ.
	Fresh bool
	// Candidates is the dimension k of the complementarity problem.
	// Active is the number of directions held at the threshold 2/η (the
	// dimension of the null space of A⁺, sdcp.Result.Binding), Rank the
	// rank of X. They agree except where the third derivatives are
	// degenerate (𝒢 singular), where X and its rank are not unique but
	// Active, tr Σ and the flow are.
	Candidates, Active, Rank int
	// X is the k×k covariance in the basis of the candidate eigenvectors
	// and Eigenvalues the top eigenvalues computed (at least k).
	X, Eigenvalues []float64
}

// CentralSampleFunc receives the samples; a non-nil error stops the
// integration and is returned, wrapped.
type CentralSampleFunc func(s *CentralSample) error

// NewCentral returns the central flow of obj for step size eta. obj must
// implement sim.ThirdOrder (a *sim.Counted is unwrapped for it).
func NewCentral(obj sim.Objective, eta float64, s CentralSettings) (*Central, error) {
	if obj == nil {
		panic("flow: nil objective")
	}
	inner := obj
	if c, ok := obj.(*sim.Counted); ok {
		inner = c.Obj
	}
	third, ok := inner.(sim.ThirdOrder)
	if !ok {
		return nil, fmt.Errorf("flow: the central flow needs exact third derivatives (sim.ThirdOrder), which %T lacks", inner)
	}
	if !(eta > 0) || math.IsInf(eta, 0) {
		return nil, fmt.Errorf("flow: central flow step size η = %g, want η > 0", eta)
	}
	p := obj.Dim()
	if s.MaxDim == 0 {
		s.MaxDim = DefaultCentralMaxDim
	}
	if s.Margin == 0 {
		s.Margin = DefaultCentralMargin
	}
	if s.Substeps == 0 {
		s.Substeps = 2
	}
	if s.Refresh == 0 {
		s.Refresh = 1
		if s.RefreshTol > 0 {
			s.Refresh = 64
		}
	}
	if s.EigenTol == 0 {
		s.EigenTol = 1e-8
	}
	switch {
	case s.MaxDim < 1:
		return nil, fmt.Errorf("flow: central flow MaxDim = %d, want ≥ 1", s.MaxDim)
	case !(s.Margin > 0 && s.Margin < 1):
		return nil, fmt.Errorf("flow: central flow Margin = %g, want 0 < Margin < 1", s.Margin)
	case s.Substeps < 2:
		return nil, fmt.Errorf("flow: central flow Substeps = %d, want ≥ 2 (h = η would let the stable directions below 2/η oscillate)", s.Substeps)
	case s.Refresh < 1:
		return nil, fmt.Errorf("flow: central flow Refresh = %d, want ≥ 1", s.Refresh)
	case s.RefreshTol < 0 || math.IsNaN(s.RefreshTol):
		return nil, fmt.Errorf("flow: central flow RefreshTol = %g, want ≥ 0", s.RefreshTol)
	case !(s.EigenTol > 0):
		return nil, fmt.Errorf("flow: central flow EigenTol = %g, want > 0", s.EigenTol)
	case s.Tau < 0 || math.IsNaN(s.Tau) || math.IsInf(s.Tau, 0):
		return nil, fmt.Errorf("flow: central flow Tau = %g, want ≥ 0", s.Tau)
	}
	if s.Tau == 0 {
		s.Tau = eta / float64(s.Substeps)
		if s.Method != nil {
			s.Tau = eta / 2
		}
	}
	if s.Method != nil && s.Controller == nil {
		return nil, errors.New("flow: central flow Method without a Controller")
	}
	ntop := min(s.MaxDim, p)
	c := &Central{obj: sim.NewCounted(obj), third: third, eta: eta, s: s, p: p, ntop: ntop}
	c.hop.inner, c.hop.p = inner, p
	c.est = s.Estimator
	if c.est == nil {
		if p <= CentralDenseMaxDim {
			c.est = &hessian.DenseSolver{Top: ntop}
		} else {
			c.est = hessian.NewTracker(hessian.TrackerSettings{Settings: hessian.Settings{Top: ntop, Tol: s.EigenTol}, Periods: 1})
		}
	}
	c.sol = sdcp.NewNewton(s.SDCP)
	m := sdcp.Pairs(ntop)
	c.thetaRef = make([]float64, p)
	c.vals = make([]float64, ntop)
	c.u, c.uOld = make([]float64, ntop*p), make([]float64, ntop*p)
	c.g = make([]float64, m*p)
	c.gram = make([]float64, m*m)
	c.aRef = make([]float64, ntop*ntop)
	c.grad, c.delta, c.scratch, c.fold = make([]float64, p), make([]float64, p), make([]float64, p), make([]float64, p)
	c.prevVals = make([]float64, ntop)
	c.ea, c.ew = make([]float64, ntop*ntop), make([]float64, ntop)
	c.x, c.xOld = make([]float64, ntop*ntop), make([]float64, ntop*ntop)
	c.a0, c.cm = make([]float64, ntop*ntop), make([]float64, ntop*ntop)
	c.ov = make([]float64, ntop*ntop)
	return c, nil
}

// Settings returns the settings with the defaults filled in.
func (c *Central) Settings() CentralSettings { return c.s }

// Dim returns the number of parameters.
func (c *Central) Dim() int { return c.p }

// Stats returns the costs since the last Sample began (Evaluate calls add
// to them).
func (c *Central) Stats() CentralStats {
	st := c.stats
	st.Grads, st.HVPs, st.Thirds = c.obj.N.Grad, c.hop.n, c.thirds
	return st
}

// centralOp is the Hessian operator handed to the eigensolver: it counts
// the products and is reused, so that no operator value is allocated per
// refresh (an interface conversion of sim.HessianAt's results would be).
type centralOp struct {
	op    sim.Operator // the objective's prepared Hessian, or hv
	hv    hessVecOp
	n     int
	p     int
	inner sim.Objective
}

// hessVecOp is the Hessian at theta through HessVec.
type hessVecOp struct {
	obj   sim.Objective
	theta []float64
}

func (h *hessVecOp) Dim() int               { return h.obj.Dim() }
func (h *hessVecOp) Apply(v, dst []float64) { h.obj.HessVec(h.theta, v, dst) }

func (o *centralOp) Dim() int { return o.p }

func (o *centralOp) Apply(v, dst []float64) {
	o.n++
	o.op.Apply(v, dst)
}

// hessianAt returns the counting Hessian operator at θ.
func (c *Central) hessianAt(theta []float64) sim.Operator {
	o := &c.hop
	if hp, ok := o.inner.(sim.HessianPreparer); ok {
		o.op = hp.HessianAt(theta)
	} else {
		o.hv.obj, o.hv.theta = o.inner, theta
		o.op = &o.hv
	}
	return o
}

// refresh evaluates the top eigenpairs and the third derivatives at θ.
func (c *Central) refresh(theta []float64) error {
	c.stats.Refreshes++
	res, err := c.est.Estimate(c.hessianAt(theta))
	if err != nil {
		var ce *hessian.ConvergenceError // (declared here: &ce escapes)
		if !errors.As(err, &ce) || len(res.Top.Values) < c.ntop {
			return fmt.Errorf("flow: central flow eigenpairs: %w", err)
		}
		c.stats.EigenShortfalls++
	}
	if len(res.Top.Values) < c.ntop || res.Top.Vectors == nil {
		return fmt.Errorf("flow: central flow estimator returned %d top eigenpairs, want %d", len(res.Top.Values), c.ntop)
	}
	p := c.p
	copy(c.uOld, c.u[:c.k*p])
	c.kOld = c.k
	copy(c.prevVals, c.vals)
	copy(c.vals, res.Top.Values[:c.ntop])
	c.nRefresh++
	thr := 2 / c.eta * (1 - c.s.Margin)
	k := 0
	for k < c.ntop && c.vals[k] >= thr {
		k++
	}
	if k == c.s.MaxDim && k < p {
		c.stats.Saturated++
	}
	raw := res.Top.Vectors.RawMatrix()
	for i := range k {
		ui := c.u[i*p : (i+1)*p]
		for r := range p {
			ui[r] = raw.Data[r*raw.Stride+i]
		}
	}
	c.k = k
	for i := range k {
		for j := i; j < k; j++ {
			a := sdcp.PairIndex(k, i, j)
			c.third.Third(theta, c.u[i*p:(i+1)*p], c.u[j*p:(j+1)*p], c.g[a*p:(a+1)*p])
			c.thirds++
		}
	}
	m := sdcp.Pairs(k)
	for a := range m {
		for b := a; b < m; b++ {
			v := dot(c.g[a*p:(a+1)*p], c.g[b*p:(b+1)*p])
			c.gram[a*m+b], c.gram[b*m+a] = v, v
		}
	}
	for i := range k * k {
		c.aRef[i] = 0
	}
	for i := range k {
		c.aRef[i*k+i] = 2 - c.eta*c.vals[i]
	}
	copy(c.thetaRef, theta)
	c.fresh = true
	c.mapWarmStart()
	return nil
}

// mapWarmStart expresses the last X in the new basis, X ← M X Mᵀ with
// M = U_newᵀU_old, as the solver's warm start.
func (c *Central) mapWarmStart() {
	k, ko, p := c.k, c.kOld, c.p
	for i := range k {
		for j := range ko {
			c.ov[i*ko+j] = dot(c.u[i*p:(i+1)*p], c.uOld[j*p:(j+1)*p])
		}
	}
	for i := range k {
		for j := range k {
			var s float64
			for a := range ko {
				for b := range ko {
					s += c.ov[i*ko+a] * c.xOld[a*ko+b] * c.ov[j*ko+b]
				}
			}
			c.x[i*k+j] = s
		}
	}
}

// direction writes F_τ(θ) into dtheta from the gradient in c.grad and the
// data of the last refresh; it solves for X (in c.x).
func (c *Central) direction(theta, dtheta []float64) error {
	k, p := c.k, c.p
	if k == 0 {
		for i, g := range c.grad {
			dtheta[i] = -g
		}
		c.res = sdcp.Result{}
		return nil
	}
	if !c.fresh {
		for i := range p {
			c.delta[i] = theta[i] - c.thetaRef[i]
		}
	}
	a0, cm := c.a0[:k*k], c.cm[:k*k]
	for i := range k {
		for j := i; j < k; j++ {
			a := sdcp.PairIndex(k, i, j)
			ga := c.g[a*p : (a+1)*p]
			av := c.aRef[i*k+j]
			if !c.fresh {
				av -= c.eta * dot(ga, c.delta)
			}
			cv := dot(ga, c.grad)
			a0[i*k+j], a0[j*k+i] = av, av
			cm[i*k+j], cm[j*k+i] = cv, cv
		}
	}
	m := sdcp.Pairs(k)
	c.prob.K, c.prob.A0, c.prob.C, c.prob.Gram, c.prob.S = k, a0, cm, c.gram[:m*m], c.s.Tau*c.eta
	x := c.x[:k*k]
	res, err := c.sol.Solve(&c.prob, x)
	c.stats.SDCPIterations += res.Iterations
	if err != nil {
		var ce *sdcp.ConvergenceError // (a pointer taken only here: &ce escapes)
		if !errors.As(err, &ce) {
			return fmt.Errorf("flow: central flow complementarity problem (k = %d): %w", k, err)
		}
		c.stats.SDCPNotConverged++
	}
	if res.Scale > 0 {
		c.stats.MaxSDCPResidual = math.Max(c.stats.MaxSDCPResidual, res.Residual/res.Scale)
	}
	c.stats.MaxActive = max(c.stats.MaxActive, res.Binding)
	c.res = res
	copy(c.xOld, x)
	c.kOld = k
	// θ' = −∇E − ½ Σ_ij X_ij g_ij (off-diagonal pairs twice).
	for i, g := range c.grad {
		dtheta[i] = -g
	}
	for i := range k {
		for j := i; j < k; j++ {
			w := -0.5 * x[i*k+j]
			if i != j {
				w *= 2
			}
			if w == 0 {
				continue
			}
			a := sdcp.PairIndex(k, i, j)
			caxpy(w, c.g[a*p:(a+1)*p], dtheta)
		}
	}
	return nil
}

// gradAt computes E and ∇E at θ into c.loss and c.grad; keep asks a
// sim.GradKeeper to keep its Hessian cache for the eigensolver at θ.
func (c *Central) gradAt(theta []float64, keep bool) error {
	if keep {
		if kg, ok := c.obj.Obj.(sim.GradKeeper); ok {
			kg.KeepNextGrad()
		}
	}
	c.loss = c.obj.Grad(theta, c.grad)
	if math.IsNaN(c.loss) || math.IsInf(c.loss, 0) {
		return fmt.Errorf("flow: central flow: non-finite loss %g", c.loss)
	}
	return nil
}

// evaluate computes the gradient at θ (and refreshes there when asked) and
// F_τ(θ) into dtheta.
func (c *Central) evaluate(theta, dtheta []float64, refresh bool) error {
	if err := c.gradAt(theta, refresh); err != nil {
		return err
	}
	c.fresh = false
	if refresh {
		if err := c.refresh(theta); err != nil {
			return err
		}
	}
	return c.direction(theta, dtheta)
}

// sample fills s from the last evaluation at theta.
func (c *Central) sample(s *CentralSample, step int, theta []float64) {
	k := c.k
	var tr float64
	for i := range k {
		tr += c.x[i*k+i]
	}
	gn := dot(c.grad, c.grad)
	sharp := c.vals[0]
	if !c.fresh && k > 0 {
		// λ_max of (2I − A)/η over the candidates, from the propagated A.
		copy(c.ea, c.a0[:k*k])
		sdcp.EigSym(k, c.ea, c.ew, nil)
		amin := c.ew[0]
		for _, v := range c.ew[:k] {
			amin = math.Min(amin, v)
		}
		sharp = (2 - amin) / c.eta
	}
	*s = CentralSample{
		Step: step, T: float64(step) * c.eta, Theta: theta,
		Loss: c.loss, GradNormSq: gn, TraceSigma: tr,
		PredLoss: c.loss + tr/c.eta, PredGradNormSq: gn + 4*tr/(c.eta*c.eta),
		Sharpness: sharp, Fresh: c.fresh, Candidates: k, Active: c.res.Binding, Rank: c.res.Rank,
		X: c.x[:k*k], Eigenvalues: c.vals,
	}
}

// Evaluate computes the central flow at θ afresh (eigenpairs, third
// derivatives, X) and writes F_τ(θ) into dtheta (which may be nil). The
// returned sample has Step 0 and T 0; its slices are valid until the next
// call.
func (c *Central) Evaluate(theta, dtheta []float64) (CentralSample, error) {
	c.checkLen(theta)
	if dtheta == nil {
		dtheta = c.scratch
	}
	var s CentralSample
	if err := c.evaluate(theta, dtheta, true); err != nil {
		return s, err
	}
	c.sample(&s, 0, theta)
	return s, nil
}

// RHS is the stabilised central flow F_τ as an ode.Func: each call
// evaluates afresh at θ (a gradient, an eigen-estimate and k(k+1)/2 third
// products). An error (which an ode.Func cannot return) or a cancelled
// context of Sample writes NaN into dtheta, which stops the integrator;
// Sample then returns the cause.
func (c *Central) RHS(_ float64, theta, dtheta []float64) {
	c.stats.Steps++
	if c.ctx != nil && c.ctx.Err() != nil {
		fillNaN(dtheta)
		return
	}
	if err := c.evaluate(theta, dtheta, true); err != nil {
		c.rhsErr = err
		fillNaN(dtheta)
	}
}

// fillNaN sets every element of x to NaN.
func fillNaN(x []float64) {
	for i := range x {
		x[i] = math.NaN()
	}
}

func (c *Central) checkLen(theta []float64) {
	if len(theta) != c.p {
		panic(fmt.Sprintf("flow: len(theta) = %d, objective dimension %d", len(theta), c.p))
	}
}

// Sample integrates the central flow from theta0 (not modified) over
// [k₀η, Steps·η] (k₀ = grid.Start) and calls fn at t = kη on the grid's
// samples, like Sample for the other flows (grid.Eta must be the flow's
// η; grid.MaxSteps applies to the Method path only). It checks ctx before
// every Euler step (every right-hand side on the Method path) and returns
// its error when it is cancelled. The statistics count this call only.
func (c *Central) Sample(ctx context.Context, theta0 []float64, grid Grid, fn CentralSampleFunc) (CentralStats, error) {
	c.checkLen(theta0)
	if err := grid.check(); err != nil {
		return CentralStats{}, err
	}
	if grid.Eta != c.eta {
		return CentralStats{}, fmt.Errorf("flow: central flow grid η = %g, the flow's η is %g", grid.Eta, c.eta)
	}
	c.obj.N = sim.Counts{}
	c.thirds, c.hop.n = 0, 0
	c.stats = CentralStats{}
	c.k, c.kOld, c.nRefresh = 0, 0, 0
	if c.s.Method != nil {
		return c.sampleODE(ctx, theta0, grid, fn)
	}
	sub := c.s.Substeps
	h := c.eta / float64(sub)
	theta := append([]float64(nil), theta0...)
	dtheta := make([]float64, c.p)
	var smp CentralSample
	interval := c.s.Refresh // Euler steps between refreshes
	if c.s.RefreshTol > 0 {
		interval = 1
	}
	since, next := 0, grid.Start
	for step := grid.Start; ; step++ {
		for j := 0; j < sub; j++ {
			t := (float64(step) + float64(j)/float64(sub)) * c.eta
			if err := ctx.Err(); err != nil {
				return c.Stats(), fmt.Errorf("flow: central flow at t = %g: %w", t, err)
			}
			isSample := j == 0 && step == next
			due := c.nRefresh == 0 || since >= interval || (isSample && step == grid.Steps)
			var err error
			switch {
			case due && c.s.RefreshTol > 0 && c.nRefresh > 1:
				c.stats.MaxInterval = max(c.stats.MaxInterval, since)
				interval, err = c.adaptiveRefresh(theta, dtheta, t, h, interval)
				since = 0
			case due:
				c.stats.MaxInterval = max(c.stats.MaxInterval, since)
				err = c.evaluate(theta, dtheta, true)
				c.prevT, c.lastT = c.lastT, t
				since = 0
			default:
				err = c.evaluate(theta, dtheta, false)
			}
			if err != nil {
				return c.Stats(), fmt.Errorf("flow: central flow at t = %g: %w", t, err)
			}
			if isSample {
				c.sample(&smp, step, theta)
				if err := fn(&smp); err != nil {
					return c.Stats(), fmt.Errorf("flow: central flow sample k = %d: %w", step, err)
				}
				if step == grid.Steps {
					return c.Stats(), nil
				}
				next = grid.next(next)
			}
			for i, d := range dtheta {
				theta[i] += h * d
			}
			since++
			c.stats.Steps++
		}
	}
}

// adaptiveRefresh refreshes at θ (time t) and returns the next interval:
// the velocity with the old data (F_old) is computed first, then the fresh
// one into dtheta, and the interval is scaled by 0.8·RefreshTol/err,
// err = ‖F_old − F_new‖/‖F_new‖ (which grows linearly with the interval),
// by at most a factor 2 up and 4 down, within [1, Refresh]; it is further
// capped so that the first eigenvalue below the candidates, rising at the
// rate measured since the previous refresh, cannot reach 2/η before the
// refresh after next.
func (c *Central) adaptiveRefresh(theta, dtheta []float64, t, h float64, interval int) (int, error) {
	if err := c.gradAt(theta, true); err != nil {
		return interval, err
	}
	c.fresh = false
	if err := c.direction(theta, c.fold); err != nil {
		return interval, err
	}
	if err := c.refresh(theta); err != nil {
		return interval, err
	}
	c.prevT, c.lastT = c.lastT, t
	if err := c.direction(theta, dtheta); err != nil {
		return interval, err
	}
	var dn, fn float64
	for i, v := range dtheta {
		d := c.fold[i] - v
		dn += d * d
		fn += v * v
	}
	next := 2 * interval
	if dn > 0 {
		e := math.Sqrt(dn / fn)
		if fn == 0 {
			e = math.Inf(1)
		}
		c.stats.MaxFrozenError = math.Max(c.stats.MaxFrozenError, e)
		f := 0.8 * c.s.RefreshTol / e
		next = int(math.Max(math.Min(f, 2), 0.25) * float64(interval))
	}
	next = min(max(next, 1), c.s.Refresh)
	if k := c.k; k < c.ntop {
		// The eigenvalues below the candidates may rise by at most half
		// the margin, and half the distance of the largest to 2/η, before
		// the next refresh, at the fastest rate of the last interval (the
		// i-th largest compared with the i-th largest, so a crossing shows
		// as a rise). A sharpness that accelerates, as early in training,
		// is caught because each interval's rise is a fraction of the
		// margin.
		var rate float64 // the fastest rise of ηλ/2 per unit time below the candidates
		for i := k; i < c.ntop; i++ {
			rate = math.Max(rate, (c.vals[i]-c.prevVals[i])/(c.lastT-c.prevT)*c.eta/2)
		}
		if rate > 0 {
			gap := 1 - c.vals[k]*c.eta/2
			rise := math.Min(0.5*c.s.Margin, 0.5*math.Max(gap, 0))
			next = min(next, max(1, int(rise/(rate*h))))
		}
	}
	return next, nil
}

// sampleODE is the Method path of Sample.
func (c *Central) sampleODE(ctx context.Context, theta0 []float64, grid Grid, fn CentralSampleFunc) (CentralStats, error) {
	c.ctx, c.rhsErr = ctx, nil
	defer func() { c.ctx = nil }()
	var smp CentralSample
	st, err := Sample(c.RHS, theta0, grid, c.s.Method, c.s.Controller, func(k int, t float64, theta []float64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.evaluate(theta, c.scratch, true); err != nil {
			return err
		}
		c.sample(&smp, k, theta)
		return fn(&smp)
	})
	out := c.Stats()
	out.ODE = st
	switch {
	case err == nil:
		return out, nil
	case ctx.Err() != nil:
		return out, fmt.Errorf("flow: central flow: %w", ctx.Err())
	case c.rhsErr != nil:
		return out, c.rhsErr
	}
	return out, err
}

// caxpy adds alpha·x to y.
func caxpy(alpha float64, x, y []float64) {
	for i, v := range x {
		y[i] += alpha * v
	}
}
