package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/eoskit/eoskit/reference"
	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/kernel"
	"github.com/eoskit/eoskit/sim/model"
)

// tanhShapes are the shapes the fused tanh path is checked on: one output
// (the AVX2 row passes) and several, widths that are not multiples of the
// tile (6×8) nor of the row passes' vector length, input dimensions that
// are not multiples of 8, and n large enough for several blocks (48 rows)
// and parts.
var tanhShapes = []struct{ n, d, m, c int }{
	{1, 1, 1, 1},
	{7, 3, 5, 1},
	{13, 9, 13, 1},
	{100, 5, 9, 1},
	{150, 8, 24, 1},
	{61, 3, 17, 3},
}

// tanhBackends returns every kernel variant of this build.
func tanhBackends(t *testing.T) []kernel.Backend {
	var bs []kernel.Backend
	for _, name := range kernel.Names() {
		b, err := kernel.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	return bs
}

func tanhConfig(rng *rand.Rand, n, d, m, c int, sc model.Scaling, be kernel.Backend) model.TwoLayerConfig {
	x, y := twoLayerData(rng, n, d, c)
	return model.TwoLayerConfig{Width: m, Activation: model.Tanh, Scaling: sc, Outputs: c, N: n, D: d, X: x, Y: y, Backend: be}
}

// tanhPoint returns θ with W entries N(0, 1/d) (pre-activations of order
// one, so tanh is neither linear nor saturated) and A entries N(0, 1).
func tanhPoint(rng *rand.Rand, cfg model.TwoLayerConfig) []float64 {
	md := cfg.Width * cfg.D
	th := make([]float64, cfg.Width*(cfg.D+cfg.Outputs))
	for i := range th {
		th[i] = rng.NormFloat64()
		if i < md {
			th[i] /= math.Sqrt(float64(cfg.D))
		}
	}
	return th
}

// TestTwoLayerTanhHyperdual checks the fused tanh path's loss, gradient and
// Hessian-vector products against the independent hyperdual loss (exact
// first and second derivatives, example by example) for every kernel
// variant, and Predict against the network written out with math.Tanh.
// Tolerances: reference.DefaultHyperdualTol (round-off of two exact
// evaluations in different orders); Predict within 1e-13 relative to
// s·Σ|a_i| (the sum of m terms each within 3 ULP of math.Tanh).
func TestTwoLayerTanhHyperdual(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, sh := range tanhShapes {
		for _, sc := range []model.Scaling{model.MeanField, model.NTK} {
			for _, be := range tanhBackends(t) {
				name := fmt.Sprintf("n%d_d%d_m%d_c%d/%v/%s", sh.n, sh.d, sh.m, sh.c, sc, be.Name())
				cfg := tanhConfig(rng, sh.n, sh.d, sh.m, sh.c, sc, be)
				net, err := model.NewTwoLayer(cfg)
				if err != nil {
					t.Fatal(err)
				}
				hd := reference.HyperdualTwoLayer(cfg)
				th := tanhPoint(rng, cfg)
				p := len(th)
				u, v := make([]float64, p), make([]float64, p)
				for i := range u {
					u[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
				}
				if err := reference.CheckHyperdual(net, hd, th, u, v, 0); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				pred := make([]float64, sh.n*sh.c)
				net.Predict(th, pred)
				m, d, c := sh.m, sh.d, sh.c
				s := 1 / float64(m)
				if sc == model.NTK {
					s = 1 / math.Sqrt(float64(m))
				}
				for e := 0; e < sh.n; e++ {
					for o := 0; o < c; o++ {
						var f, scale float64
						for i := 0; i < m; i++ {
							var z float64
							for l := 0; l < d; l++ {
								z += th[i*d+l] * cfg.X[e*d+l]
							}
							ai := th[m*d+o*m+i]
							f += ai * math.Tanh(z)
							scale += math.Abs(ai)
						}
						if got, want := pred[e*c+o], s*f; math.Abs(got-want) > 1e-13*s*scale {
							t.Fatalf("%s: Predict[%d,%d] = %v, want %v", name, e, o, got, want)
						}
					}
				}
			}
		}
	}
}

// TestTwoLayerTanhSuite runs the conformance suite (finite differences,
// symmetry, Loss against Grad, the HessianAt operator, clones, allocations,
// panics) on the fused tanh path with every kernel variant.
func TestTwoLayerTanhSuite(t *testing.T) {
	shapes := tanhShapes
	if testing.Short() {
		shapes = shapes[1:4]
	}
	for _, sh := range shapes {
		for _, be := range tanhBackends(t) {
			t.Run(fmt.Sprintf("n%d_d%d_m%d_c%d/%s", sh.n, sh.d, sh.m, sh.c, be.Name()), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(sh.n), uint64(sh.m)))
				cfg := tanhConfig(rng, sh.n, sh.d, sh.m, sh.c, model.MeanField, be)
				net, err := model.NewTwoLayer(cfg)
				if err != nil {
					t.Fatal(err)
				}
				opts := reference.ObjectiveOptions{Points: 2, SkipAllocs: be.Name() == "gonum"}
				reference.ObjectiveSuite(t, net, func(r *rand.Rand) []float64 { return tanhPoint(r, cfg) }, opts)
			})
		}
	}
}

// tanhEvals runs everything the tanh path computes at one point.
type tanhEvals struct {
	loss, gloss        float64
	grad, hv, hop, out []float64
}

func evalTanh(net *model.TwoLayer, th, th2, v []float64) tanhEvals {
	p := net.Dim()
	n, _ := net.Data()
	r := tanhEvals{grad: make([]float64, p), hv: make([]float64, p), hop: make([]float64, p), out: make([]float64, n*net.Outputs())}
	r.loss = net.Loss(th)
	r.gloss = net.Grad(th, r.grad)
	net.HessVec(th2, v, r.hv) // a fresh forward pass at θ2
	op := sim.HessianAt(net, th)
	op.Apply(v, r.hop)
	net.Predict(th, r.out)
	return r
}

func (a tanhEvals) diff(b tanhEvals) string {
	if math.Float64bits(a.loss) != math.Float64bits(b.loss) || math.Float64bits(a.gloss) != math.Float64bits(b.gloss) {
		return fmt.Sprintf("loss %v, %v vs %v, %v", a.loss, a.gloss, b.loss, b.gloss)
	}
	for _, c := range []struct {
		name string
		x, y []float64
	}{{"grad", a.grad, b.grad}, {"HessVec", a.hv, b.hv}, {"HessianAt", a.hop, b.hop}, {"Predict", a.out, b.out}} {
		for i := range c.x {
			if math.Float64bits(c.x[i]) != math.Float64bits(c.y[i]) {
				return fmt.Sprintf("%s[%d] = %v vs %v", c.name, i, c.x[i], c.y[i])
			}
		}
	}
	return ""
}

// TestTwoLayerTanhGOMAXPROCS checks that every kernel variant gives
// bit-identical losses, gradients, Hessian-vector products (cached and
// fresh) and predictions at GOMAXPROCS 1 and 2, on the anchors' sizes n =
// 500, d = 32 (eleven blocks in four parts) with m = 64 (m = 512 for the
// default variant, which also runs the two-core passes' largest case).
func TestTwoLayerTanhGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	type tc struct {
		m, c int
		be   kernel.Backend
	}
	var cases []tc
	for _, be := range tanhBackends(t) {
		if be.Name() == "naive" && testing.Short() {
			continue
		}
		cases = append(cases, tc{64, 1, be})
	}
	cases = append(cases, tc{512, 1, kernel.Default()}, tc{37, 2, kernel.Default()})
	for _, k := range cases {
		rng := rand.New(rand.NewPCG(53, uint64(k.m)))
		cfg := tanhConfig(rng, 500, 32, k.m, k.c, model.MeanField, k.be)
		net, err := model.NewTwoLayer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		th, th2 := tanhPoint(rng, cfg), tanhPoint(rng, cfg)
		v := tanhPoint(rng, cfg)
		runtime.GOMAXPROCS(1)
		one := evalTanh(net, th, th2, v)
		runtime.GOMAXPROCS(2)
		for it := 0; it < 3; it++ {
			if d := evalTanh(net, th, th2, v).diff(one); d != "" {
				t.Errorf("m=%d c=%d %s: GOMAXPROCS 2 differs from 1: %s", k.m, k.c, k.be.Name(), d)
			}
		}
	}
}

// TestTwoLayerTanhAllocs checks that the hot methods allocate nothing at
// the benchmarks' real size (n = 500, d = 32, m = 512) with the default
// backend, at GOMAXPROCS 1 and 2.
func TestTwoLayerTanhAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates in synchronisation")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(55, 56))
	cfg := tanhConfig(rng, 500, 32, 512, 1, model.MeanField, kernel.Default())
	net, err := model.NewTwoLayer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	th, th2, v := tanhPoint(rng, cfg), tanhPoint(rng, cfg), tanhPoint(rng, cfg)
	p := net.Dim()
	g, hv := make([]float64, p), make([]float64, p)
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		op := sim.HessianAt(net, th)
		k := 0
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"Grad", func() { net.Grad(th, g) }},
			{"Loss", func() { net.Loss(th) }},
			{"HessianAt(θ).Apply", func() { op.Apply(v, hv) }},
			{"HessVec (fresh point)", func() {
				// Alternate points, so that every call refreshes the cache.
				if k++; k%2 == 0 {
					net.HessVec(th, v, hv)
				} else {
					net.HessVec(th2, v, hv)
				}
			}},
		} {
			if n := reference.AllocsPerCall(50, c.f); n != 0 {
				t.Errorf("GOMAXPROCS=%d: %s allocates %v times per call", procs, c.name, n)
			}
		}
	}
}

// TestTwoLayerTanhOperatorValid checks the documented validity of the
// HessianAt operator of the tanh path: Grad, Loss, Predict and Third at
// another point leave it intact (bit for bit), HessVec at another point
// moves it there.
func TestTwoLayerTanhOperatorValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(57, 58))
	cfg := tanhConfig(rng, 100, 5, 9, 1, model.NTK, kernel.Default())
	net, err := model.NewTwoLayer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	th, th2, v := tanhPoint(rng, cfg), tanhPoint(rng, cfg), tanhPoint(rng, cfg)
	p := net.Dim()
	want, got, scratch := make([]float64, p), make([]float64, p), make([]float64, p)
	op := net.HessianAt(th)
	op.Apply(v, want)
	net.Grad(th2, scratch)
	net.Loss(th2)
	net.Predict(th2, make([]float64, 100))
	net.Third(th2, v, v, scratch)
	op.Apply(v, got)
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("operator changed at %d after Grad/Loss/Predict/Third elsewhere: %v vs %v", i, got[i], want[i])
		}
	}
	net.HessVec(th2, v, scratch)
	op.Apply(v, got)
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(scratch[i]) {
			t.Fatalf("after HessVec at θ2 the operator is not ∇²E(θ2): %v vs %v at %d", got[i], scratch[i], i)
		}
	}
}

// TestTwoLayerKeepNextGrad checks sim.GradKeeper: after KeepNextGrad the
// next Grad fills the cache at its θ, so that HessianAt there does not run
// the forward pass again, with the gradient and the Hessian-vector products
// bit for bit those of a clone that never heard of it; a plain Grad leaves
// the cache where it was, and the request lasts one Grad. Every shape and
// kernel of the fused tanh path, and GELU (whose Grad keeps its forward pass
// anyway).
func TestTwoLayerKeepNextGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	type tc struct {
		cfg  model.TwoLayerConfig
		name string
	}
	var cases []tc
	for _, be := range tanhBackends(t) {
		for _, s := range tanhShapes {
			cfg := tanhConfig(rng, s.n, s.d, s.m, s.c, model.MeanField, be)
			cases = append(cases, tc{cfg, fmt.Sprintf("tanh %s n=%d d=%d m=%d c=%d", be.Name(), s.n, s.d, s.m, s.c)})
		}
	}
	gelu := tanhConfig(rng, 30, 4, 7, 2, model.NTK, kernel.Default())
	gelu.Activation = model.GELU
	cases = append(cases, tc{gelu, "gelu"})
	for _, c := range cases {
		net, err := model.NewTwoLayer(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		ref := net.Clone()
		p := net.Dim()
		th, th2, v := tanhPoint(rng, c.cfg), tanhPoint(rng, c.cfg), tanhPoint(rng, c.cfg)
		gWant, hvWant := make([]float64, p), make([]float64, p)
		eWant := ref.Grad(th, gWant)
		ref.HessVec(th, v, hvWant) // the forward pass of HessianAt (prepare)

		g, hv := make([]float64, p), make([]float64, p)
		net.HessVec(th2, v, hv) // the cache at θ2
		net.Grad(th, g)
		if at := model.CachedAt(net); c.cfg.Activation == model.Tanh && !same(at, th2) {
			t.Errorf("%s: a plain Grad moved the tanh cache", c.name)
		}
		net.KeepNextGrad()
		e := net.Grad(th, g)
		if math.Float64bits(e) != math.Float64bits(eWant) || !same(g, gWant) {
			t.Errorf("%s: Grad after KeepNextGrad differs from a plain Grad", c.name)
		}
		if !same(model.CachedAt(net), th) {
			t.Errorf("%s: Grad after KeepNextGrad did not leave the cache at its θ", c.name)
		}
		sim.HessianAt(net, th).Apply(v, hv)
		if !same(hv, hvWant) {
			t.Errorf("%s: Hessian-vector product over the kept cache differs from a fresh one", c.name)
		}
		net.Grad(th2, g)
		if at := model.CachedAt(net); c.cfg.Activation == model.Tanh && !same(at, th) {
			t.Errorf("%s: KeepNextGrad lasted beyond one Grad", c.name)
		}
	}
}
