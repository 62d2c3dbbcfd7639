package model_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/kernel"
	"github.com/eoskit/eoskit/sim/model"
)

// TestConstructorsReject checks that invalid parameters give a
// *model.ParamError naming the spec field.
func TestConstructorsReject(t *testing.T) {
	x, y := []float64{1, 2, 3, 4}, []float64{1, 2}
	good := model.TwoLayerConfig{Width: 3, Activation: model.Tanh, Scaling: model.MeanField, Outputs: 1, N: 2, D: 2, X: x, Y: y}
	tl := func(f func(*model.TwoLayerConfig)) error {
		c := good
		f(&c)
		_, err := model.NewTwoLayer(c)
		return err
	}
	ret := func(_ any, err error) error { return err }
	for _, tc := range []struct {
		name, param string
		err         error
	}{
		{"quadratic empty", "center", ret(model.NewQuadratic(nil, nil))},
		{"quadratic size", "hessian", ret(model.NewQuadratic([]float64{1, 2, 3}, []float64{0, 0}))},
		{"quadratic asymmetric", "hessian", ret(model.NewQuadratic([]float64{1, 2, 2.1, 1}, []float64{0, 0}))},
		{"quadratic NaN", "hessian", ret(model.NewQuadratic([]float64{math.NaN()}, []float64{0}))},
		{"quadratic Inf center", "center", ret(model.NewQuadratic([]float64{1}, []float64{math.Inf(1)}))},
		{"matfact depth", "depth", ret(model.NewMatFact(0, 2, []float64{1, 0, 0, 1}))},
		{"matfact dim", "dim", ret(model.NewMatFact(3, 0, nil))},
		{"matfact target size", "target", ret(model.NewMatFact(3, 2, []float64{1, 0, 0}))},
		{"matfact target NaN", "target", ret(model.NewMatFact(1, 1, []float64{math.NaN()}))},
		{"uv width", "width", ret(model.NewUV(0, 1))},
		{"uv target", "target", ret(model.NewUV(3, math.Inf(-1)))},
		{"deep-scalar depth", "depth", ret(model.NewDeepScalar(0, 1))},
		{"deep-scalar target", "target", ret(model.NewDeepScalar(2, math.NaN()))},
		{"valley zeta", "zeta", ret(model.NewValley(math.NaN(), 0.01))},
		{"valley epsilon", "epsilon", ret(model.NewValley(1, math.Inf(1)))},
		{"twolayer width", "width", tl(func(c *model.TwoLayerConfig) { c.Width = 0 })},
		{"twolayer activation", "activation", tl(func(c *model.TwoLayerConfig) { c.Activation = 0 })},
		{"twolayer scaling", "scaling", tl(func(c *model.TwoLayerConfig) { c.Scaling = 7 })},
		{"twolayer outputs", "outputs", tl(func(c *model.TwoLayerConfig) { c.Outputs = 0 })},
		{"twolayer n", "x", tl(func(c *model.TwoLayerConfig) { c.N = 0 })},
		{"twolayer d", "x", tl(func(c *model.TwoLayerConfig) { c.D = 0 })},
		{"twolayer x size", "x", tl(func(c *model.TwoLayerConfig) { c.X = x[:3] })},
		{"twolayer y size", "y", tl(func(c *model.TwoLayerConfig) { c.Y = y[:1] })},
		{"twolayer x NaN", "x", tl(func(c *model.TwoLayerConfig) { c.X = []float64{1, math.NaN(), 3, 4} })},
		{"twolayer y Inf", "y", tl(func(c *model.TwoLayerConfig) { c.Y = []float64{1, math.Inf(1)} })},
	} {
		var pe *model.ParamError
		if !errors.As(tc.err, &pe) {
			t.Errorf("%s: error %v, want a *model.ParamError", tc.name, tc.err)
			continue
		}
		if pe.Param != tc.param || !strings.HasPrefix(pe.Error(), "model: ") {
			t.Errorf("%s: %q names %q, want %q", tc.name, pe.Error(), pe.Param, tc.param)
		}
	}
	if err := tl(func(*model.TwoLayerConfig) {}); err != nil {
		t.Errorf("valid configuration rejected: %v", err)
	}
}

// TestQuadraticSymmetrises checks that an asymmetry within QuadraticSymTol
// is accepted and removed exactly.
func TestQuadraticSymmetrises(t *testing.T) {
	a := []float64{2, 1 + 1e-12, 1, 3} // |a01 − a10| = 1e-12 ≤ 1e-10·3
	q, err := model.NewQuadratic(a, []float64{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	h := q.Hessian(nil)
	if h[1] != h[2] {
		t.Errorf("stored matrix not exactly symmetric: %v", h)
	}
	if want := 0.5 * (a[1] + a[2]); h[1] != want {
		t.Errorf("off-diagonal %.17g, want the mean %.17g", h[1], want)
	}
}

// TestWrongLengthPanics checks the "model:" prefix of the programmer-error
// panics (the conformance suite checks that they panic at all).
func TestWrongLengthPanics(t *testing.T) {
	q, _ := model.NewQuadratic([]float64{1}, []float64{0})
	mf, _ := model.NewMatFact(2, 2, []float64{1, 0, 0, 1})
	uv, _ := model.NewUV(2, 1)
	ds, _ := model.NewDeepScalar(3, 1)
	vl, _ := model.NewValley(1, 0.01)
	net, _ := model.NewTwoLayer(model.TwoLayerConfig{Width: 2, Activation: model.GELU, Scaling: model.NTK, Outputs: 1, N: 1, D: 1, X: []float64{1}, Y: []float64{0}})
	for _, obj := range []sim.Objective{q, model.NewQuartic(), mf, uv, ds, model.NewMinimalist(), vl, net} {
		p := obj.Dim()
		for name, f := range map[string]func(){
			"Loss":    func() { obj.Loss(make([]float64, p+1)) },
			"Grad":    func() { obj.Grad(make([]float64, p), make([]float64, p-1)) },
			"HessVec": func() { obj.HessVec(make([]float64, p), make([]float64, p), make([]float64, p+2)) },
			"Third": func() {
				obj.(sim.ThirdOrder).Third(make([]float64, p), make([]float64, p+1), make([]float64, p), make([]float64, p))
			},
		} {
			msg := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				f()
				return "no panic"
			}()
			if !strings.HasPrefix(msg, "model: ") {
				t.Errorf("%T.%s: panic %q, want a \"model: \" message", obj, name, msg)
			}
		}
	}
}

func TestParseNames(t *testing.T) {
	for _, a := range []model.Activation{model.Tanh, model.GELU, model.ReLU} {
		if b, err := model.ParseActivation(a.String()); err != nil || b != a {
			t.Errorf("ParseActivation(%q) = %v, %v", a.String(), b, err)
		}
	}
	for _, s := range []model.Scaling{model.MeanField, model.NTK} {
		if b, err := model.ParseScaling(s.String()); err != nil || b != s {
			t.Errorf("ParseScaling(%q) = %v, %v", s.String(), b, err)
		}
	}
	if _, err := model.ParseActivation("sigmoid"); err == nil {
		t.Error("ParseActivation accepted sigmoid")
	}
	if _, err := model.ParseScaling("standard"); err == nil {
		t.Error("ParseScaling accepted standard")
	}
}

// same reports whether a and b are the same bits (reference.SameBits).
func same(a, b []float64) bool { return reference.SameBits(a, b) }

// TestTwoLayerCache checks the cache rules: HessVec refreshes the forward
// pass at a new θ and reuses it at the same θ (also after θ is modified in
// place and restored), Loss and Predict leave a HessianAt operator valid,
// and every path gives the bits a fresh clone gives.
func TestTwoLayerCache(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const n, d, c, m = 5, 3, 2, 4
	x, y := twoLayerData(rng, n, d, c)
	net, err := model.NewTwoLayer(model.TwoLayerConfig{Width: m, Activation: model.Tanh, Scaling: model.NTK, Outputs: c, N: n, D: d, X: x, Y: y})
	if err != nil {
		t.Fatal(err)
	}
	p := net.Dim()
	th1, th2, v := gaussian(p, 1, 0)(rng), gaussian(p, 1, 0)(rng), gaussian(p, 1, 0)(rng)
	fresh := func(th []float64) []float64 {
		hv := make([]float64, p)
		net.Clone().HessVec(th, v, hv)
		return hv
	}
	want1, want2 := fresh(th1), fresh(th2)
	hv := make([]float64, p)
	op := sim.HessianAt(net, th1)
	net.Loss(th2)
	net.Predict(th2, make([]float64, n*c))
	op.Apply(v, hv)
	if !same(hv, want1) {
		t.Error("HessianAt operator changed by Loss/Predict at another point")
	}
	net.HessVec(th2, v, hv)
	if !same(hv, want2) {
		t.Error("HessVec at a new point did not refresh the cache")
	}
	net.Grad(th1, make([]float64, p))
	th1[0] += 1 // modify in place: the cache must notice
	net.HessVec(th1, v, hv)
	if !same(hv, fresh(th1)) {
		t.Error("HessVec missed an in-place change of θ")
	}
	th1[0] -= 1
	net.HessVec(th1, v, hv)
	if !same(hv, want1) {
		t.Error("HessVec after restoring θ differs")
	}
}

// TestTwoLayerBackendsAgree checks that the naive and gonum kernels give the
// same derivatives up to the summation order of the matrix products
// (relative 1e-12 of the ∞-norm: sums of ≤ 10 terms).
func TestTwoLayerBackendsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n, d, c, m = 9, 4, 3, 6
	x, y := twoLayerData(rng, n, d, c)
	cfg := model.TwoLayerConfig{Width: m, Activation: model.GELU, Scaling: model.MeanField, Outputs: c, N: n, D: d, X: x, Y: y}
	var res [2][4][]float64
	th, u, v := gaussian(m*(d+c), 1, 0)(rng), gaussian(m*(d+c), 1, 0)(rng), gaussian(m*(d+c), 1, 0)(rng)
	for k, be := range []kernel.Backend{kernel.Naive{}, kernel.Gonum{}} {
		cfg.Backend = be
		net, err := model.NewTwoLayer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		p := net.Dim()
		g, hv, t3 := make([]float64, p), make([]float64, p), make([]float64, p)
		e := net.Grad(th, g)
		net.HessVec(th, v, hv)
		net.Third(th, u, v, t3)
		res[k] = [4][]float64{{e}, g, hv, t3}
	}
	for i := range res[0] {
		a, b := res[0][i], res[1][i]
		var scale, diff float64
		for j := range a {
			scale = math.Max(scale, math.Abs(a[j]))
			diff = math.Max(diff, math.Abs(a[j]-b[j]))
		}
		if diff > 1e-12*scale {
			t.Errorf("quantity %d: naive and gonum differ by %.3g (scale %.3g)", i, diff, scale)
		}
	}
}
