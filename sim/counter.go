package sim

// Counts records how many times each derivative of an objective was
// evaluated. Benchmarks and solvers report these as their deterministic cost.
type Counts struct {
	Loss, Grad, HessVec int
}

// Counted wraps an Objective and counts its evaluations. It forwards
// HessianAt, counting every Apply of the returned operator as one
// Hessian-vector product, and forwards KeepNextGrad without counting it. It
// deliberately does not implement ThirdOrder, so that a type assertion on it
// never claims a derivative the wrapped objective lacks.
type Counted struct {
	Obj Objective
	N   Counts

	// op and hv back the operator HessianAt returns, so that it does not
	// allocate.
	op countedOperator
	hv hessVecOperator
}

// NewCounted returns a counting wrapper around obj.
func NewCounted(obj Objective) *Counted { return &Counted{Obj: obj} }

// Dim returns the wrapped objective's dimension.
func (c *Counted) Dim() int { return c.Obj.Dim() }

// Loss counts and forwards.
func (c *Counted) Loss(theta []float64) float64 {
	c.N.Loss++
	return c.Obj.Loss(theta)
}

// Grad counts and forwards.
func (c *Counted) Grad(theta, grad []float64) float64 {
	c.N.Grad++
	return c.Obj.Grad(theta, grad)
}

// KeepNextGrad forwards the request to the wrapped objective when it is a
// GradKeeper (and does nothing otherwise); it counts nothing.
func (c *Counted) KeepNextGrad() {
	if k, ok := c.Obj.(GradKeeper); ok {
		k.KeepNextGrad()
	}
}

// HessVec counts and forwards.
func (c *Counted) HessVec(theta, v, hv []float64) {
	c.N.HessVec++
	c.Obj.HessVec(theta, v, hv)
}

// HessianAt forwards to the wrapped objective (its own HessianAt when it is
// a HessianPreparer, else its HessVec) and counts each application as one
// Hessian-vector product. It does not allocate: the operator is kept in c,
// and like any HessianPreparer's it is valid until the next call of a
// method of c.
func (c *Counted) HessianAt(theta []float64) Operator {
	if hp, ok := c.Obj.(HessianPreparer); ok {
		c.op.op = hp.HessianAt(theta)
	} else {
		c.hv = hessVecOperator{obj: c.Obj, theta: theta}
		c.op.op = &c.hv
	}
	c.op.n = &c.N.HessVec
	return &c.op
}

type countedOperator struct {
	op Operator
	n  *int
}

func (o *countedOperator) Dim() int { return o.op.Dim() }

func (o *countedOperator) Apply(v, dst []float64) {
	*o.n++
	o.op.Apply(v, dst)
}
