package model

import (
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/kernel"
)

// Scaling is the output scale s of a TwoLayer network.
type Scaling int

// The scalings. The zero value is invalid.
const (
	// MeanField is s = 1/m, the mean-field parametrisation (design notes
	// §2.4 [D]): duplicating every neuron leaves f and E unchanged.
	MeanField Scaling = iota + 1
	// NTK is s = 1/√m, the neural-tangent ("standard") parametrisation.
	NTK
)

// String returns the scaling's name as used in specs: "mean-field" or "ntk".
func (s Scaling) String() string {
	switch s {
	case MeanField:
		return "mean-field"
	case NTK:
		return "ntk"
	}
	return fmt.Sprintf("Scaling(%d)", int(s))
}

// ParseScaling returns the scaling with the given name ("mean-field" or
// "ntk").
func ParseScaling(name string) (Scaling, error) {
	for _, s := range []Scaling{MeanField, NTK} {
		if s.String() == name {
			return s, nil
		}
	}
	return 0, paramErr("twolayer", "scaling", "unknown scaling %q (want mean-field or ntk)", name)
}

// TwoLayerConfig holds the parameters and the data of a TwoLayer network.
type TwoLayerConfig struct {
	Width      int        // m ≥ 1 hidden neurons
	Activation Activation // Tanh, GELU or ReLU
	Scaling    Scaling    // MeanField (s = 1/m) or NTK (s = 1/√m)
	Outputs    int        // c ≥ 1 outputs
	N, D       int        // number of examples n ≥ 1 and input dimension d ≥ 1
	X          []float64  // inputs, n×d row-major (example s is row s)
	Y          []float64  // targets, n×c row-major
	// Backend runs the matrix products; nil selects kernel.Default().
	Backend kernel.Backend
}

// TwoLayer is a two-layer network trained on a fixed data set with half the
// mean squared error (design notes §2.4):
//
//	f(x) = s·Σ_{i=1}^m a_i σ(w_i·x) ∈ R^c,   E = (1/2n)·Σ_s ‖f(x_s) − y_s‖²,
//
// with s = 1/m (mean-field) or 1/√m (NTK) and σ = tanh, GELU or ReLU (for
// ReLU the derivatives are the almost-everywhere ones; see ReLU). The
// mean-field form and its invariances are [D]; the paper's two-layer
// experiments are [P].
//
// Layout: θ = [W, A] with W ∈ R^{m×d} row-major (row i is neuron i's input
// weight w_i) followed by A ∈ R^{c×m} row-major (column i is neuron i's
// output weight a_i), so p = m·(d + c).
//
// In matrix form, with Z = XWᵀ (n×m), S = σ(Z), F = s·SAᵀ and R = F − Y:
// ∂E/∂A = (s/n)RᵀS and ∂E/∂W = Δᵀ X with Δ = (s/n)(RA) ⊙ σ'(Z). The
// Hessian-vector product differentiates these once (two n×m×d products, like
// the gradient), Third twice (three).
//
// With σ = tanh (the networks of the paper and of the performance anchors)
// the network runs a fused path (twolayer_tanh.go): the examples are cut
// into blocks, and each block's forward product, elementwise work and
// backward product run back to back while the block is in cache, on the
// Backend's register-tile kernel when it has one (kernel.Tiler: tuned, asm)
// and on its goroutines, with the elementwise work in the fused row passes
// of sim/kernel (kernel.Tanh, within 3 ULP of math.Tanh). The result of a
// given backend does not depend on GOMAXPROCS. GELU and ReLU run the n×m×d
// products on the Backend and the elementwise work in row loops with the
// standard library's math functions; Third always does, with all its
// contractions on the Backend.
//
// TwoLayer implements sim.HessianPreparer: the forward pass at θ is cached
// (for tanh H = σ(Z) and the residuals, σ' and σ″ being recomputed from H;
// otherwise σ, σ' and the residual terms), so that many Hessian-vector
// products at one θ cost about one gradient's matrix products each and no
// activation evaluations. HessVec reuses the cache when θ equals (bit for
// bit) the last point of HessVec or HessianAt, and for GELU and ReLU also of
// Grad, and refreshes it otherwise. With tanh, Grad streams and leaves the
// cache alone unless KeepNextGrad asked it to fill it (sim.GradKeeper).
// Loss, Predict and Third do not touch the cache.
type TwoLayer struct {
	m, d, n, c int
	act        Activation
	scaling    Scaling
	s          float64 // output scale
	x, y       []float64
	be         kernel.Backend

	// Cached forward pass at cacheTheta.
	keepNext   bool // KeepNextGrad was called: the next Grad fills the cache
	cached     bool
	cacheTheta []float64
	tn         *tanhNet  // σ = tanh: the fused path and its cache (twolayer_tanh.go)
	sig, d1    []float64 // otherwise, n×m: σ(Z), σ'(Z)
	h2         []float64 // n×m: (s/n)(RA) ⊙ σ″(Z)
	r          []float64 // n×c: residual F − Y

	t1         []float64 // n×m temporary
	row1, row2 []float64 // length-m row temporaries

	op    twoLayerHessian
	third *twoLayerThird // allocated on the first Third
}

// twoLayerThird holds Third's scratch space.
type twoLayerThird struct {
	z, zu, zv, a, b, ab, t, d2, d3, sig, d1 []float64 // n×m
	fu, fv, fuv, r                          []float64 // n×c
}

// twoLayerHessian is the operator HessianAt returns.
type twoLayerHessian struct{ t *TwoLayer }

var (
	_ sim.Objective       = (*TwoLayer)(nil)
	_ sim.ThirdOrder      = (*TwoLayer)(nil)
	_ sim.Cloner          = (*TwoLayer)(nil)
	_ sim.HessianPreparer = (*TwoLayer)(nil)
	_ sim.GradKeeper      = (*TwoLayer)(nil)
)

// NewTwoLayer returns the network described by cfg. X and Y are copied once;
// clones share the copies. Errors name the spec fields "width",
// "activation", "scaling", "outputs", and "x", "y" for the data.
func NewTwoLayer(cfg TwoLayerConfig) (*TwoLayer, error) {
	switch {
	case cfg.Width < 1:
		return nil, paramErr("twolayer", "width", "is %d, want ≥ 1", cfg.Width)
	case !cfg.Activation.valid():
		return nil, paramErr("twolayer", "activation", "unset or unknown (%v)", cfg.Activation)
	case cfg.Scaling != MeanField && cfg.Scaling != NTK:
		return nil, paramErr("twolayer", "scaling", "unset or unknown (%v)", cfg.Scaling)
	case cfg.Outputs < 1:
		return nil, paramErr("twolayer", "outputs", "is %d, want ≥ 1", cfg.Outputs)
	case cfg.N < 1:
		return nil, paramErr("twolayer", "x", "has %d examples, want ≥ 1", cfg.N)
	case cfg.D < 1:
		return nil, paramErr("twolayer", "x", "has input dimension %d, want ≥ 1", cfg.D)
	case len(cfg.X) != cfg.N*cfg.D:
		return nil, paramErr("twolayer", "x", "has %d entries, want n·d = %d·%d = %d", len(cfg.X), cfg.N, cfg.D, cfg.N*cfg.D)
	case len(cfg.Y) != cfg.N*cfg.Outputs:
		return nil, paramErr("twolayer", "y", "has %d entries, want n·c = %d·%d = %d", len(cfg.Y), cfg.N, cfg.Outputs, cfg.N*cfg.Outputs)
	case !finite(cfg.X):
		return nil, paramErr("twolayer", "x", "has a non-finite entry")
	case !finite(cfg.Y):
		return nil, paramErr("twolayer", "y", "has a non-finite entry")
	}
	t := &TwoLayer{
		m: cfg.Width, d: cfg.D, n: cfg.N, c: cfg.Outputs,
		act: cfg.Activation, scaling: cfg.Scaling,
		x:  append([]float64(nil), cfg.X...),
		y:  append([]float64(nil), cfg.Y...),
		be: cfg.Backend,
	}
	if t.be == nil {
		t.be = kernel.Default()
	}
	if cfg.Scaling == MeanField {
		t.s = 1 / float64(cfg.Width)
	} else {
		t.s = 1 / math.Sqrt(float64(cfg.Width))
	}
	if t.act == Tanh {
		t.tn = newTanhNet(t)
	}
	t.alloc()
	return t, nil
}

func (t *TwoLayer) alloc() {
	t.cacheTheta = make([]float64, t.Dim())
	t.op = twoLayerHessian{t: t}
	if t.act == Tanh {
		return
	}
	nm, nc := t.n*t.m, t.n*t.c
	t.sig = make([]float64, nm)
	t.d1 = make([]float64, nm)
	t.h2 = make([]float64, nm)
	t.t1 = make([]float64, nm)
	t.row1 = make([]float64, t.m)
	t.row2 = make([]float64, t.m)
	t.r = make([]float64, nc)
}

// Dim returns m·(d + c).
func (t *TwoLayer) Dim() int { return t.m * (t.d + t.c) }

// Width returns the number of neurons m.
func (t *TwoLayer) Width() int { return t.m }

// Outputs returns the number of outputs c.
func (t *TwoLayer) Outputs() int { return t.c }

// Data returns the number of examples n and the input dimension d.
func (t *TwoLayer) Data() (n, d int) { return t.n, t.d }

// Activation returns σ.
func (t *TwoLayer) Activation() Activation { return t.act }

// Scaling returns the scaling.
func (t *TwoLayer) Scaling() Scaling { return t.scaling }

// Clone returns a copy with its own scratch space and cache that shares the
// data and the backend.
func (t *TwoLayer) Clone() sim.Objective {
	c := &TwoLayer{m: t.m, d: t.d, n: t.n, c: t.c, act: t.act, scaling: t.scaling, s: t.s, x: t.x, y: t.y, be: t.be}
	if t.tn != nil {
		c.tn = t.tn.clone(c)
	}
	c.alloc()
	return c
}

func (t *TwoLayer) split(theta []float64) (w, a []float64) {
	return theta[:t.m*t.d], theta[t.m*t.d:]
}

// rowOutput returns s·σ_rowᵀa_o, one output of one example.
func (t *TwoLayer) rowOutput(sr, ao []float64) float64 {
	var f float64
	for j, x := range sr {
		f += x * ao[j]
	}
	return t.s * f
}

// preactivations writes Z = XWᵀ into t1.
func (t *TwoLayer) preactivations(w []float64) {
	t.be.Gemm(false, true, t.n, t.m, t.d, 1, t.x, t.d, w, t.d, 0, t.t1, t.m)
}

// Predict writes the network's outputs on the training inputs, f(x_s) for
// s = 1..n, into dst (n×c row-major).
func (t *TwoLayer) Predict(theta, dst []float64) {
	checkLen("TwoLayer.Predict", "theta", len(theta), t.Dim())
	checkLen("TwoLayer.Predict", "dst", len(dst), t.n*t.c)
	if t.tn != nil {
		t.tn.predict(theta, dst)
		return
	}
	w, a := t.split(theta)
	t.preactivations(w)
	m, c := t.m, t.c
	for smp := 0; smp < t.n; smp++ {
		sr := t.t1[smp*m : smp*m+m]
		actValue(t.act, sr, sr)
		for o := 0; o < c; o++ {
			dst[smp*c+o] = t.rowOutput(sr, a[o*m:o*m+m])
		}
	}
}

// Loss returns E(θ). It performs the operations of Grad's forward pass in
// the same order, so the two agree bit for bit.
func (t *TwoLayer) Loss(theta []float64) float64 {
	checkLen("TwoLayer.Loss", "theta", len(theta), t.Dim())
	if t.tn != nil {
		return t.tn.loss(theta)
	}
	w, a := t.split(theta)
	t.preactivations(w)
	m, c := t.m, t.c
	var e float64
	for smp := 0; smp < t.n; smp++ {
		sr := t.t1[smp*m : smp*m+m]
		actValue(t.act, sr, sr)
		for o := 0; o < c; o++ {
			r := t.rowOutput(sr, a[o*m:o*m+m]) - t.y[smp*c+o]
			e += r * r
		}
	}
	return e / float64(2*t.n)
}

// forward computes the cached forward pass at θ, leaves Δ = (s/n)(RA) ⊙
// σ'(Z) in t1 and, when ga is not nil, writes ∂E/∂A = (s/n)RᵀS into ga. It
// returns E(θ).
//
// Apart from Z = XWᵀ (a Gemm), the work is one pass over the examples: the
// c-dimensional contractions with A are memory-bound, so they are fused
// with the activation into row loops that keep each example's row in cache
// instead of streaming the n×m matrices through thin matrix products.
func (t *TwoLayer) forward(theta, ga []float64) float64 {
	w, a := t.split(theta)
	m, c := t.m, t.c
	sn := t.s / float64(t.n)
	t.preactivations(w)
	if ga != nil {
		for i := range ga {
			ga[i] = 0
		}
	}
	d2, acc := t.row1, t.row2
	var e float64
	for smp := 0; smp < t.n; smp++ {
		lo := smp * m
		zr, sr, d1r, h2r := t.t1[lo:lo+m], t.sig[lo:lo+m], t.d1[lo:lo+m], t.h2[lo:lo+m]
		actDerivs(t.act, zr, sr, d1r, d2)
		for j := range acc {
			acc[j] = 0
		}
		for o := 0; o < c; o++ {
			ao := a[o*m : o*m+m]
			r := t.rowOutput(sr, ao) - t.y[smp*c+o]
			t.r[smp*c+o] = r
			e += r * r
			cr := sn * r
			if ga != nil {
				gao := ga[o*m : o*m+m]
				for j, x := range sr {
					gao[j] += cr * x
				}
			}
			for j, x := range ao {
				acc[j] += cr * x
			}
		}
		for j, g := range acc {
			h2r[j] = g * d2[j]
			zr[j] = g * d1r[j]
		}
	}
	t.cachedAt(theta)
	return e / float64(2*t.n)
}

// cachedAt records that the cache now holds the forward pass at θ.
func (t *TwoLayer) cachedAt(theta []float64) {
	copy(t.cacheTheta, theta)
	t.cached = true
}

// prepare makes sure the cache holds the forward pass at θ.
func (t *TwoLayer) prepare(theta []float64) {
	if t.cached {
		same := true
		for i, v := range theta {
			if math.Float64bits(v) != math.Float64bits(t.cacheTheta[i]) {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	if t.tn != nil {
		t.tn.prepare(theta)
		t.cachedAt(theta)
		return
	}
	t.forward(theta, nil)
}

// Grad writes ∇E(θ) into grad and returns E(θ). For GELU and ReLU it leaves
// the forward pass cached for Hessian-vector products at θ; the fused tanh
// path streams it (the next HessianAt or HessVec at θ recomputes it, at
// about half a gradient's cost) unless KeepNextGrad asked this call to keep
// it.
func (t *TwoLayer) Grad(theta, grad []float64) float64 {
	checkLen("TwoLayer.Grad", "theta", len(theta), t.Dim())
	checkLen("TwoLayer.Grad", "grad", len(grad), t.Dim())
	keep := t.keepNext
	t.keepNext = false
	if t.tn != nil {
		if keep {
			t.cached = false // until the cache holds θ's forward pass
		}
		e := t.tn.grad(theta, grad, keep)
		if keep {
			t.cachedAt(theta)
		}
		return e
	}
	gw, ga := t.split(grad)
	e := t.forward(theta, ga)
	t.be.Gemm(true, false, t.m, t.d, t.n, 1, t.t1, t.m, t.x, t.d, 0, gw, t.d)
	return e
}

// KeepNextGrad makes the next Grad also leave its forward pass cached, as
// HessianAt would compute it (bit for bit the same H = tanh(Z) and
// residuals), so that a HessianAt or HessVec at the same θ right after it
// does not run the forward pass again. With tanh the next gradient writes
// the n×m activations to the cache instead of in place: at n = 500, d = 32,
// m = 512 no difference above the noise of six interleaved rounds
// (impl=asm-keep of BenchmarkTwoLayerGrad), for the forward pass of about
// 1 ms it saves; GELU and ReLU keep their forward pass anyway. Only the next
// Grad is affected, and no result changes.
func (t *TwoLayer) KeepNextGrad() { t.keepNext = true }

// HessVec writes ∇²E(θ)v into hv, reusing the cached forward pass when θ
// is the cached point.
func (t *TwoLayer) HessVec(theta, v, hv []float64) {
	checkLen("TwoLayer.HessVec", "theta", len(theta), t.Dim())
	checkLen("TwoLayer.HessVec", "v", len(v), t.Dim())
	checkLen("TwoLayer.HessVec", "hv", len(hv), t.Dim())
	t.prepare(theta)
	t.hessVec(v, hv)
}

// HessianAt returns ∇²E(θ) as an operator over the cached forward pass. The
// operator is valid until the next HessVec or HessianAt at another point
// (and for GELU and ReLU the next Grad at another point, for tanh the next
// Grad at another point after KeepNextGrad; Loss, Predict and Third leave it
// valid), and θ must not change while it is in use. It does not allocate.
func (t *TwoLayer) HessianAt(theta []float64) sim.Operator {
	checkLen("TwoLayer.HessianAt", "theta", len(theta), t.Dim())
	t.prepare(theta)
	return &t.op
}

// Dim returns p.
func (h *twoLayerHessian) Dim() int { return h.t.Dim() }

// Apply writes ∇²E(θ)v into dst.
func (h *twoLayerHessian) Apply(v, dst []float64) {
	checkLen("TwoLayer Hessian.Apply", "v", len(v), h.t.Dim())
	checkLen("TwoLayer Hessian.Apply", "dst", len(dst), h.t.Dim())
	h.t.hessVec(v, dst)
}

// hessVec is the Hessian-vector product over the cache. With Ż = XVᵀ and
// Ṡ = σ'⊙Ż: Ḟ = s(ṠAᵀ + SBᵀ), ∂_A = (s/n)(ḞᵀS + RᵀṠ), and ∂_W = Δ̇ᵀX with
// Δ̇ = (s/n)(ḞA + RB) ⊙ σ' + (s/n)(RA) ⊙ σ″ ⊙ Ż. The two n×m×d products run
// on the backend; the c-dimensional contractions are fused into one pass
// over the examples, as in the forward pass.
func (t *TwoLayer) hessVec(v, hv []float64) {
	if t.tn != nil {
		t.tn.hessVec(v, hv)
		return
	}
	_, a := t.split(t.cacheTheta)
	vw, va := t.split(v)
	hw, ha := t.split(hv)
	n, m, d, c := t.n, t.m, t.d, t.c
	s, sn := t.s, t.s/float64(n)
	t.be.Gemm(false, true, n, m, d, 1, t.x, d, vw, d, 0, t.t1, m) // Ż
	for i := range ha {
		ha[i] = 0
	}
	sdot, acc := t.row1, t.row2
	for smp := 0; smp < n; smp++ {
		lo := smp * m
		zr, d1r, sr, h2r := t.t1[lo:lo+m], t.d1[lo:lo+m], t.sig[lo:lo+m], t.h2[lo:lo+m]
		for j, z := range zr {
			sdot[j] = d1r[j] * z // Ṡ
			acc[j] = 0
		}
		for o := 0; o < c; o++ {
			ao, bo := a[o*m:o*m+m], va[o*m:o*m+m]
			var f float64
			for j, x := range sdot {
				f += x*ao[j] + sr[j]*bo[j]
			}
			cf, cr := sn*(s*f), sn*t.r[smp*c+o] // (s/n)Ḟ, (s/n)R
			hao := ha[o*m : o*m+m]
			for j, x := range sr {
				hao[j] += cf*x + cr*sdot[j]
			}
			for j, x := range ao {
				acc[j] += cf*x + cr*bo[j]
			}
		}
		for j, g := range acc {
			zr[j] = g*d1r[j] + h2r[j]*zr[j] // Δ̇
		}
	}
	t.be.Gemm(true, false, m, d, n, 1, t.t1, m, t.x, d, 0, hw, d)
}

// Third writes ∇³E(θ)[u,v] = ∇_θ(uᵀ∇²E(θ)v) into out. It differentiates the
// gradient twice in forward mode; σ‴ enters through the mixed second
// derivative of σ'(Z). Its scratch space (eleven n×m matrices) is allocated
// on the first call. Third computes its own forward pass and runs all its
// contractions as matrix products on the backend: it is called far less
// often than the gradient.
func (t *TwoLayer) Third(theta, u, v, out []float64) {
	checkLen("TwoLayer.Third", "theta", len(theta), t.Dim())
	checkLen("TwoLayer.Third", "u", len(u), t.Dim())
	checkLen("TwoLayer.Third", "v", len(v), t.Dim())
	checkLen("TwoLayer.Third", "out", len(out), t.Dim())
	if t.third == nil {
		nm, nc := t.n*t.m, t.n*t.c
		b := make([]float64, 11*nm+4*nc)
		t.third = &twoLayerThird{
			z: b[0:nm], zu: b[nm : 2*nm], zv: b[2*nm : 3*nm],
			a: b[3*nm : 4*nm], b: b[4*nm : 5*nm], ab: b[5*nm : 6*nm], t: b[6*nm : 7*nm],
			d2: b[7*nm : 8*nm], d3: b[8*nm : 9*nm], sig: b[9*nm : 10*nm], d1: b[10*nm : 11*nm],
			fu: b[11*nm : 11*nm+nc], fv: b[11*nm+nc : 11*nm+2*nc], fuv: b[11*nm+2*nc : 11*nm+3*nc],
			r: b[11*nm+3*nc : 11*nm+4*nc],
		}
	}
	s3 := t.third
	w, a := t.split(theta)
	uw, ua := t.split(u)
	vw, va := t.split(v)
	ow, oa := t.split(out)
	n, m, d, c := t.n, t.m, t.d, t.c
	s, sn := t.s, t.s/float64(n)
	be := t.be

	// With u and v the same vector (the ∇³E[q,q] of model B), the v-jets
	// are the u-jets: they are aliased instead of computed again (the same
	// operations, so the same bits).
	same := &u[0] == &v[0]
	zu, zv := s3.zu, s3.zv
	be.Gemm(false, true, n, m, d, 1, t.x, d, w, d, 0, s3.z, m)
	be.Gemm(false, true, n, m, d, 1, t.x, d, uw, d, 0, zu, m)
	if same {
		zv = zu
	} else {
		be.Gemm(false, true, n, m, d, 1, t.x, d, vw, d, 0, zv, m)
	}
	d2, d3 := s3.d2, s3.d3
	if t.act == Tanh {
		// One pass of the vectorised tanh (within 3 ULP of math.Tanh, as
		// in the gradient) gives σ, σ', σ″; σ‴ = σ'(6σ² − 2).
		kernel.ActTanh.Deriv2(s3.sig, s3.d1, d2, s3.z)
		for i, h := range s3.sig {
			d3[i] = s3.d1[i] * (6*h*h - 2)
		}
	} else {
		actHigher(t.act, s3.z, d2, d3)
		actDerivs(t.act, s3.z, s3.sig, s3.d1, s3.z) // σ, σ' (Z is no longer needed)
	}
	// R = s·SAᵀ − Y.
	be.Gemm(false, true, n, c, m, s, s3.sig, m, a, m, 0, s3.r, c)
	for i, y := range t.y {
		s3.r[i] -= y
	}
	sig, d1, r := s3.sig, s3.d1, s3.r
	// Jets of S = σ(Z): S_u, S_v, S_uv.
	su, sv, fu, fv := s3.a, s3.b, s3.fu, s3.fv
	if same {
		sv, fv = su, fu
	}
	for i, z := range zu {
		su[i] = d1[i] * z
		s3.ab[i] = d2[i] * z * zv[i]
	}
	if !same {
		for i, z := range zv {
			sv[i] = d1[i] * z
		}
	}
	// Jets of F = s·SAᵀ (A is linear, so A_uv = 0).
	be.Gemm(false, true, n, c, m, s, su, m, a, m, 0, fu, c)
	be.Gemm(false, true, n, c, m, s, sig, m, ua, m, 1, fu, c)
	if !same {
		be.Gemm(false, true, n, c, m, s, sv, m, a, m, 0, fv, c)
		be.Gemm(false, true, n, c, m, s, sig, m, va, m, 1, fv, c)
	}
	be.Gemm(false, true, n, c, m, s, s3.ab, m, a, m, 0, s3.fuv, c)
	be.Gemm(false, true, n, c, m, s, su, m, va, m, 1, s3.fuv, c)
	be.Gemm(false, true, n, c, m, s, sv, m, ua, m, 1, s3.fuv, c)
	// ∂_u∂_v of ∂E/∂A = (s/n)RᵀS.
	be.Gemm(true, false, c, m, n, sn, s3.fuv, c, sig, m, 0, oa, m)
	be.Gemm(true, false, c, m, n, sn, fu, c, sv, m, 1, oa, m)
	be.Gemm(true, false, c, m, n, sn, fv, c, su, m, 1, oa, m)
	be.Gemm(true, false, c, m, n, sn, r, c, s3.ab, m, 1, oa, m)
	// Jets of T = RA: T, T_u, T_v, T_uv (reusing the S-jet buffers).
	tu, tv := s3.a, s3.b
	if same {
		tv = tu
	}
	be.Gemm(false, false, n, m, c, 1, r, c, a, m, 0, s3.t, m)
	be.Gemm(false, false, n, m, c, 1, fu, c, a, m, 0, tu, m)
	be.Gemm(false, false, n, m, c, 1, r, c, ua, m, 1, tu, m)
	if !same {
		be.Gemm(false, false, n, m, c, 1, fv, c, a, m, 0, tv, m)
		be.Gemm(false, false, n, m, c, 1, r, c, va, m, 1, tv, m)
	}
	be.Gemm(false, false, n, m, c, 1, s3.fuv, c, a, m, 0, s3.ab, m)
	be.Gemm(false, false, n, m, c, 1, fu, c, va, m, 1, s3.ab, m)
	be.Gemm(false, false, n, m, c, 1, fv, c, ua, m, 1, s3.ab, m)
	// ∂_u∂_v of Δ = (s/n)·T ⊙ σ'(Z), then ∂E/∂W = ΔᵀX.
	for i, tt := range s3.t {
		zui, zvi := zu[i], zv[i]
		s3.t[i] = sn * (s3.ab[i]*d1[i] + (tu[i]*zvi+tv[i]*zui)*d2[i] + tt*d3[i]*zui*zvi)
	}
	be.Gemm(true, false, m, d, n, 1, s3.t, m, t.x, d, 0, ow, d)
}
