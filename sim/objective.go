package sim

// Objective is a smooth loss E: R^p → R with exact derivatives.
//
// All slices have length Dim(). Implementations must not retain theta or v
// after a call returns, and must not allocate in steady state.
type Objective interface {
	// Dim returns the number of parameters p.
	Dim() int
	// Loss returns E(θ).
	Loss(theta []float64) float64
	// Grad writes ∇E(θ) into grad and returns E(θ).
	Grad(theta, grad []float64) (loss float64)
	// HessVec writes the Hessian-vector product ∇²E(θ)v into hv.
	// hv must not alias theta or v.
	HessVec(theta, v, hv []float64)
}

// ThirdOrder is implemented by objectives with an exact contracted third
// derivative.
type ThirdOrder interface {
	// Third writes ∇³E(θ)[u,v] = ∇_θ(uᵀ∇²E(θ)v) into out. It is symmetric in
	// u and v. out must not alias theta, u or v.
	Third(theta, u, v, out []float64)
}

// Cloner is implemented by objectives that keep scratch buffers. Clone
// returns an independent copy that shares only immutable data (for example a
// data set), so that the copy and the original can be used concurrently.
type Cloner interface {
	Clone() Objective
}

// Operator is a linear map R^p → R^p given by its action, typically a
// Hessian ∇²E(θ) at a fixed θ.
type Operator interface {
	// Dim returns p.
	Dim() int
	// Apply writes the image of v into dst. dst must not alias v.
	Apply(v, dst []float64)
}

// HessianPreparer is implemented by objectives that can do the θ-dependent
// part of a Hessian-vector product once and reuse it for many vectors (a
// two-layer network caches its forward pass, for example).
type HessianPreparer interface {
	// HessianAt returns the Hessian ∇²E(θ) as an Operator. The operator may
	// share scratch space with the objective: it is valid until the next
	// call of any method of the objective, and theta must not be modified
	// while it is in use.
	HessianAt(theta []float64) Operator
}

// GradKeeper is implemented by objectives whose gradient can, on request,
// also leave behind the θ-dependent part of Hessian-vector products at the
// same point (the cache of HessianPreparer) for much less than computing it
// again. A caller that will ask for the Hessian at the point of its next
// gradient, as a GD run does when it measures the sharpness at the next
// iterate, calls KeepNextGrad first. The request applies to the next Grad
// call only and changes no result, bit for bit: only where the cache is
// computed. That Grad replaces the cache, so an Operator from HessianAt at
// another point is no longer valid after it (as after any method call, see
// HessianPreparer).
type GradKeeper interface {
	// KeepNextGrad asks the next Grad, whatever its θ, to leave the cache
	// at that θ.
	KeepNextGrad()
}

// HessianAt returns the Hessian of obj at theta as an Operator. It uses the
// objective's own HessianPreparer when it has one and otherwise wraps
// HessVec. The same validity rules as HessianPreparer.HessianAt apply.
func HessianAt(obj Objective, theta []float64) Operator {
	if hp, ok := obj.(HessianPreparer); ok {
		return hp.HessianAt(theta)
	}
	return &hessVecOperator{obj: obj, theta: theta}
}

type hessVecOperator struct {
	obj   Objective
	theta []float64
}

func (h *hessVecOperator) Dim() int { return h.obj.Dim() }

func (h *hessVecOperator) Apply(v, dst []float64) { h.obj.HessVec(h.theta, v, dst) }

// OperatorFunc adapts a function and a dimension to the Operator interface.
type OperatorFunc struct {
	N int
	F func(v, dst []float64)
}

// Dim returns N.
func (o OperatorFunc) Dim() int { return o.N }

// Apply calls F.
func (o OperatorFunc) Apply(v, dst []float64) { o.F(v, dst) }
