package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randNormals(rng *rand.Rand, n int, scale float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = scale * rng.NormFloat64()
	}
	return s
}

func TestParseActivation(t *testing.T) {
	for _, f := range []Activation{ActTanh, ActGELU, ActReLU} {
		g, err := ParseActivation(f.String())
		if err != nil || g != f {
			t.Errorf("ParseActivation(%q) = %v, %v", f.String(), g, err)
		}
	}
	if _, err := ParseActivation("sigmoid"); err == nil {
		t.Error("ParseActivation(sigmoid) returned no error")
	}
}

// TestActivationDerivatives checks σ' and σ″ against central differences
// of σ and σ' with step δ = 1e-5: truncation δ²|σ‴|/6 ≲ 1e-11 and
// rounding ε|σ|/δ ≲ 1e-11 for |z| ≲ 8, so 1e-8 has a wide margin.
func TestActivationDerivatives(t *testing.T) {
	const delta, tol = 1e-5, 1e-8
	rng := rand.New(rand.NewPCG(21, 22))
	z := randNormals(rng, 257, 2)
	for _, f := range []Activation{ActTanh, ActGELU} {
		n := len(z)
		h, d1, d2 := make([]float64, n), make([]float64, n), make([]float64, n)
		f.Deriv2(h, d1, d2, z)
		zp, zm := make([]float64, n), make([]float64, n)
		for i, v := range z {
			zp[i], zm[i] = v+delta, v-delta
		}
		hp, hm, d1p, d1m := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		f.Deriv(hp, d1p, zp)
		f.Deriv(hm, d1m, zm)
		for i := range z {
			// zp − zm is not exactly 2δ in floating point; use the actual step.
			step := zp[i] - zm[i]
			if fd := (hp[i] - hm[i]) / step; math.Abs(fd-d1[i]) > tol {
				t.Errorf("%v: σ'(%v) = %v, central difference %v", f, z[i], d1[i], fd)
			}
			if fd := (d1p[i] - d1m[i]) / step; math.Abs(fd-d2[i]) > tol {
				t.Errorf("%v: σ″(%v) = %v, central difference %v", f, z[i], d2[i], fd)
			}
		}
		// Eval agrees with Deriv's h bit for bit, and in place.
		e := make([]float64, n)
		f.Eval(e, z)
		in := append([]float64(nil), z...)
		f.Eval(in, in)
		for i := range z {
			if e[i] != h[i] || in[i] != h[i] {
				t.Fatalf("%v: Eval(%v) = %v (in place %v), Deriv2's h %v", f, z[i], e[i], in[i], h[i])
			}
		}
	}
}

func TestReLU(t *testing.T) {
	z := []float64{-2, -0.0, 0, 1e-300, 3, math.Inf(1), math.Inf(-1)}
	wantH := []float64{0, 0, 0, 1e-300, 3, math.Inf(1), 0}
	wantD := []float64{0, 0, 0, 1, 1, 1, 0}
	n := len(z)
	h, d1, d2 := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range d2 {
		d2[i] = math.NaN()
	}
	ActReLU.Deriv2(h, d1, d2, z)
	for i := range z {
		if h[i] != wantH[i] || d1[i] != wantD[i] || d2[i] != 0 {
			t.Errorf("relu(%v): %v %v %v, want %v %v 0", z[i], h[i], d1[i], d2[i], wantH[i], wantD[i])
		}
	}
	nan := []float64{math.NaN()}
	ActReLU.Eval(nan, nan)
	if !math.IsNaN(nan[0]) {
		t.Errorf("relu(NaN) = %v", nan[0])
	}
}

// TestTanhFusedPasses checks the fused tanh passes against their
// definitions, bit for bit: h = Tanh(z), d1 = fma(−h, h, 1),
// d2 = (−2h)·d1, and TanhMulOuter = MulOuter on d1; on both kernel sets.
func TestTanhFusedPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	z := randNormals(rng, 3*chunk+5, 1.5)
	n := len(z)
	for _, s := range []isa{isaGeneric, detectISA()} {
		h, d1, d2 := make([]float64, n), make([]float64, n), make([]float64, n)
		ActTanh.deriv(s, h, d1, d2, z)
		for i, v := range z {
			hv := Tanh(v)
			if h[i] != hv || d1[i] != math.FMA(-hv, hv, 1) || d2[i] != float64(-2*hv)*d1[i] {
				t.Fatalf("%v: z=%v: h, d1, d2 = %v %v %v", s, v, h[i], d1[i], d2[i])
			}
		}
	}
	// Outer products on an m×n block with padded leading dimensions.
	const m, cols, ld = 7, 45, 48
	hm := randNormals(rng, (m-1)*ld+cols, 0.5)
	for i := range hm {
		hm[i] = Tanh(hm[i])
	}
	dm := make([]float64, len(hm))
	for i, v := range hm {
		dm[i] = math.FMA(-v, v, 1)
	}
	u, v := randNormals(rng, m, 1), randNormals(rng, cols, 1)
	g1 := make([]float64, len(hm))
	g2 := make([]float64, len(hm))
	for i := range g1 {
		g1[i], g2[i] = 7, 7 // sentinels in the padding
	}
	MulOuter(m, cols, 0.3, u, v, dm, ld, g1, ld)
	TanhMulOuter(m, cols, 0.3, u, v, hm, ld, g2, ld)
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("TanhMulOuter[%d] = %v, MulOuter on 1−h² %v", i, g2[i], g1[i])
		}
		if i%ld >= cols && g1[i] != 7 {
			t.Fatalf("padding element %d written", i)
		}
	}
	// Against the product in another order: three roundings each way, so
	// the two agree within 6 units of roundoff relative.
	for i := 0; i < m; i++ {
		for j := 0; j < cols; j++ {
			want := 0.3 * u[i] * (v[j] * dm[i*ld+j])
			if got := g1[i*ld+j]; math.Abs(got-want) > 6*0x1p-53*math.Abs(want) {
				t.Errorf("MulOuter[%d,%d] = %v, want %v", i, j, got, want)
			}
		}
	}
	// In place: g is d.
	MulOuter(m, cols, 0.3, u, v, dm, ld, dm, ld)
	for i := 0; i < m; i++ {
		for j := 0; j < cols; j++ {
			if dm[i*ld+j] != g1[i*ld+j] {
				t.Fatalf("in-place MulOuter differs at %d,%d", i, j)
			}
		}
	}
}

func TestActivationAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	z := randNormals(rng, 4096, 1)
	h, d1, d2 := make([]float64, len(z)), make([]float64, len(z)), make([]float64, len(z))
	u, v := randNormals(rng, 64, 1), randNormals(rng, 64, 1)
	for _, f := range []Activation{ActTanh, ActGELU, ActReLU} {
		if n := testing.AllocsPerRun(5, func() {
			f.Eval(h, z)
			f.Deriv(h, d1, z)
			f.Deriv2(h, d1, d2, z)
		}); n != 0 {
			t.Errorf("%v: %v allocations per call", f, n)
		}
	}
	if n := testing.AllocsPerRun(5, func() {
		MulOuter(64, 64, 1, u, v, h, 64, d1, 64)
		TanhMulOuter(64, 64, 1, u, v, h, 64, d1, 64)
		_ = Tanh(z[0])
	}); n != 0 {
		t.Errorf("outer products: %v allocations per call", n)
	}
}

func TestActivationPanics(t *testing.T) {
	z := make([]float64, 8)
	for name, f := range map[string]func(){
		"Eval short":      func() { ActTanh.Eval(z[:7], z) },
		"Deriv short":     func() { ActGELU.Deriv(z, z[:3], z) },
		"Deriv2 short":    func() { ActReLU.Deriv2(z, z, z[:1], z) },
		"MulOuter u":      func() { MulOuter(3, 2, 1, z[:2], z, z, 2, z, 2) },
		"TanhMulOuter ld": func() { TanhMulOuter(2, 3, 1, z, z, z, 2, z, 3) },
		"unknown":         func() { Activation(9).Eval(z, z) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestSpan(t *testing.T) {
	for _, total := range []int{1, 5, 6, 7, 500, 513} {
		for parts := 1; parts <= 4; parts++ {
			next := 0
			for p := 0; p < parts; p++ {
				lo, hi := span(p, parts, total, 6)
				if lo != next && hi > lo {
					t.Fatalf("span(%d, %d, %d): [%d, %d) after %d", p, parts, total, lo, hi, next)
				}
				if hi > lo {
					next = hi
					if lo%6 != 0 {
						t.Fatalf("span start %d not tile-aligned", lo)
					}
				}
			}
			if next != total {
				t.Fatalf("spans of %d over %d parts end at %d", total, parts, next)
			}
		}
	}
}
