package sdcp_test

import (
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim/sdcp"
)

// Every solver runs the conformance battery of reference.SDCPSuite.

func TestNewtonSuite(t *testing.T) {
	reference.SDCPSuite(t, func() sdcp.Solver { return sdcp.NewNewton(sdcp.Settings{}) }, reference.SDCPCaps{})
}

// The projected gradient fallback alone, at a tolerance it reaches within
// its iteration budget on these instances.
func TestGradientSuite(t *testing.T) {
	tol := 1e-10
	reference.SDCPSuite(t, func() sdcp.Solver {
		return sdcp.NewNewton(sdcp.Settings{Gradient: true, Tol: tol, MaxIter: 200000})
	}, reference.SDCPCaps{Tol: tol})
}

func TestScalarSuite(t *testing.T) {
	reference.SDCPSuite(t, func() sdcp.Solver { return sdcp.Scalar{} }, reference.SDCPCaps{MaxK: 1})
}
