package reference

import (
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/sim"
)

// objToy is E = ¼Σθ_i⁴ with switchable defects, to check that the suite's
// non-derivative checks can fail.
type objToy struct {
	p         int
	cache     *[]float64 // θ at the last HessianAt; shared by clones when sharedBug
	allocate  bool
	noPanic   bool
	lossOff   float64
	sharedBug bool
	sink      []float64
}

func (o *objToy) Dim() int { return o.p }

func (o *objToy) check(theta []float64) {
	if !o.noPanic && len(theta) != o.p {
		panic("toy: wrong length")
	}
}

func (o *objToy) Loss(theta []float64) float64 {
	o.check(theta)
	var e float64
	for _, x := range theta[:o.p] {
		e += x * x * x * x / 4
	}
	return e
}

func (o *objToy) Grad(theta, g []float64) float64 {
	o.check(theta)
	if o.allocate {
		o.sink = make([]float64, len(theta))
	}
	for i, x := range theta[:o.p] {
		g[i] = x * x * x
	}
	return o.Loss(theta) + o.lossOff
}

func (o *objToy) HessVec(theta, v, hv []float64) {
	o.check(theta)
	for i, x := range theta[:o.p] {
		hv[i] = 3 * x * x * v[i]
	}
}

func (o *objToy) HessianAt(theta []float64) sim.Operator {
	copy(*o.cache, theta)
	return sim.OperatorFunc{N: o.p, F: func(v, dst []float64) { o.HessVec(*o.cache, v, dst) }}
}

func (o *objToy) Clone() sim.Objective {
	c := *o
	if !o.sharedBug {
		buf := make([]float64, o.p)
		c.cache = &buf
	}
	return &c
}

func newObjToy() *objToy {
	buf := make([]float64, 3)
	return &objToy{p: 3, cache: &buf}
}

// TestObjectiveSuiteChecksFail checks that each non-derivative check of
// ObjectiveSuite rejects an objective with the matching defect, and accepts
// the defect-free toy.
func TestObjectiveSuiteChecksFail(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	th1, th2 := objRandDir(rng, 3), objRandDir(rng, 3)
	u, v := objRandDir(rng, 3), objRandDir(rng, 3)
	opts := ObjectiveOptions{}.withDefaults()

	good := newObjToy()
	if err := objCheckSame(good, th1, v, opts); err != nil {
		t.Errorf("defect-free toy: %v", err)
	}
	if err := objCheckClone(good, good, th1, th2, u, v); err != nil {
		t.Errorf("defect-free toy: %v", err)
	}
	if err := objCheckPanics(good); err != nil {
		t.Errorf("defect-free toy: %v", err)
	}
	if err := objCheckDerivativesToy(good, th1, rng); err != nil {
		t.Errorf("defect-free toy: %v", err)
	}

	off := newObjToy()
	off.lossOff = 1e-9
	if objCheckSame(off, th1, v, opts) == nil {
		t.Error("a Grad loss off by 1e-9 passed")
	}
	shared := newObjToy()
	shared.sharedBug = true
	if objCheckClone(shared, shared, th1, th2, u, v) == nil {
		t.Error("a clone sharing the Hessian cache passed")
	}
	alloc := newObjToy()
	alloc.allocate = true
	if objCheckAllocs(alloc, th1, u, v) == nil {
		t.Error("an allocating Grad passed")
	}
	quiet := newObjToy()
	quiet.noPanic = true
	if objCheckPanics(quiet) == nil {
		t.Error("an objective that accepts a θ of the wrong length passed")
	}
}

func objCheckDerivativesToy(obj sim.Objective, theta []float64, rng *rand.Rand) error {
	return CheckDerivatives(obj, theta, rng, ObjectiveOptions{})
}
