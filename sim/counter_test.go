package sim_test

import (
	"testing"

	"github.com/eoskit/eoskit/sim"
)

// square is E(θ) = ½‖θ‖², counting KeepNextGrad requests when keeper.
type square struct{ keeps int }

func (s *square) Dim() int { return 2 }
func (s *square) Loss(theta []float64) float64 {
	return 0.5 * (theta[0]*theta[0] + theta[1]*theta[1])
}
func (s *square) Grad(theta, grad []float64) float64 {
	copy(grad, theta)
	return s.Loss(theta)
}
func (s *square) HessVec(_, v, hv []float64) { copy(hv, v) }

type keepingSquare struct{ square }

func (s *keepingSquare) KeepNextGrad() { s.keeps++ }

// TestCountedKeepNextGrad checks that Counted passes KeepNextGrad on to a
// wrapped sim.GradKeeper (the experiment runner wraps every objective, so a
// lost request would silently recompute the forward pass), ignores it for
// other objectives, and counts nothing for it.
func TestCountedKeepNextGrad(t *testing.T) {
	k := &keepingSquare{}
	c := sim.NewCounted(k)
	c.KeepNextGrad()
	c.KeepNextGrad()
	if k.keeps != 2 {
		t.Errorf("the wrapped GradKeeper received %d requests, want 2", k.keeps)
	}
	if c.N != (sim.Counts{}) {
		t.Errorf("KeepNextGrad was counted: %+v", c.N)
	}
	sim.NewCounted(&square{}).KeepNextGrad() // not a GradKeeper: nothing to do, no panic
}
