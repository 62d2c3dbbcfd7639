package ode_test

import (
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/ode"
)

func TestEulerConformance(t *testing.T) {
	reference.IntegratorSuite(t, reference.IntegratorSpec{
		New: func() ode.Method { return ode.Euler() }, Order: 1, DenseOrder: 1,
	})
}

func TestRK4Conformance(t *testing.T) {
	reference.IntegratorSuite(t, reference.IntegratorSpec{
		New: func() ode.Method { return ode.RK4() }, Order: 4, DenseOrder: 3,
	})
}

func TestDP5Conformance(t *testing.T) {
	reference.IntegratorSuite(t, reference.IntegratorSpec{
		New: func() ode.Method { return ode.DP5() }, Order: 5, Adaptive: true, DenseOrder: 4,
	})
}

func TestDOP853Conformance(t *testing.T) {
	reference.IntegratorSuite(t, reference.IntegratorSpec{
		New: func() ode.Method { return ode.DOP853() }, Order: 8, Adaptive: true, DenseOrder: 7,
	})
}
