package hessian

import (
	"github.com/eoskit/eoskit/sim"
)

// Counter is an operator view that counts applications: it forwards Apply to
// Op and increments N. Wrap the operator of sim.HessianAt in a Counter to
// count the Hessian-vector products an estimator uses independently of the
// count the estimator reports.
type Counter struct {
	Op sim.Operator
	N  int
}

// At returns the Hessian of obj at theta as a counting operator. It uses the
// objective's cached HVP when it has one (see sim.HessianAt); the same
// validity rules apply: the operator is valid until the next call of a method
// of obj, and theta must not change while it is in use.
func At(obj sim.Objective, theta []float64) *Counter {
	return &Counter{Op: sim.HessianAt(obj, theta)}
}

// Dim returns the dimension of the wrapped operator.
func (c *Counter) Dim() int { return c.Op.Dim() }

// Apply counts and forwards.
func (c *Counter) Apply(v, dst []float64) {
	c.N++
	c.Op.Apply(v, dst)
}
