package kernel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/sim/kernel/internal/avx"
)

// rowLengths exercise the vector body (multiples of 8), the four-lane
// group and the scalar tail.
var rowLengths = []int{0, 1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 64, 513}

// rowISAs returns the kernel sets to compare: the pure-Go form always, the
// AVX2 kernels where the CPU has them.
func rowISAs(t *testing.T) []isa {
	if avx.Supported() {
		return []isa{isaGeneric, isaAVX2}
	}
	t.Log("no AVX2+FMA: only the pure-Go row passes are checked")
	return []isa{isaGeneric}
}

// rowInputs returns a row of pre-activations z (N(0, 1.5²), so that tanh
// runs through its whole range), h = tanh z, weights a, b and a direction
// row zd.
func rowInputs(rng *rand.Rand, n int) (z, h, a, b, zd []float64) {
	z = randNormals(rng, n, 1.5)
	h = make([]float64, n)
	for i, v := range z {
		h[i] = Tanh(v)
	}
	return z, h, randNormals(rng, n, 1), randNormals(rng, n, 1), randNormals(rng, n, 1)
}

func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v (bit for bit)", what, i, got[i], want[i])
		}
	}
}

// TestRowKernelsAgree checks that the AVX2 row kernels and their pure-Go
// forms give the same bits, out of place and in place.
func TestRowKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, n := range rowLengths {
		z, h, a, b, zd := rowInputs(rng, n)
		ga0 := randNormals(rng, n, 1)
		const c, cf, cr = 0.37, -0.011, 0.023
		type out struct {
			h, g, ga, sd, dd, ha []float64
			dot, hdot            float64
		}
		run := func(s isa, inPlace bool) out {
			var o out
			o.h = make([]float64, n)
			if inPlace {
				copy(o.h, z)
				o.dot = tanhDot(s, o.h, o.h, a)
			} else {
				o.dot = tanhDot(s, o.h, z, a)
			}
			o.ga = append([]float64(nil), ga0...)
			o.g = append([]float64(nil), h...)
			if inPlace {
				tanhGradRow(s, o.g, o.ga, o.g, a, c)
			} else {
				o.g = make([]float64, n)
				tanhGradRow(s, o.g, o.ga, h, a, c)
			}
			o.sd = append([]float64(nil), zd...)
			if inPlace {
				o.hdot = tanhHVPDot(s, o.sd, h, o.sd, a, b)
			} else {
				o.sd = make([]float64, n)
				o.hdot = tanhHVPDot(s, o.sd, h, zd, a, b)
			}
			o.ha = append([]float64(nil), ga0...)
			o.dd = append([]float64(nil), o.sd...)
			if inPlace {
				tanhHVPRow(s, o.dd, o.ha, h, o.dd, a, b, cf, cr)
			} else {
				o.dd = make([]float64, n)
				tanhHVPRow(s, o.dd, o.ha, h, o.sd, a, b, cf, cr)
			}
			return o
		}
		ref := run(isaGeneric, false)
		for _, s := range rowISAs(t) {
			for _, inPlace := range []bool{false, true} {
				o := run(s, inPlace)
				sameBits(t, s.String()+" TanhDot h", o.h, ref.h)
				sameBits(t, s.String()+" TanhDot", []float64{o.dot, o.hdot}, []float64{ref.dot, ref.hdot})
				sameBits(t, s.String()+" TanhGradRow g", o.g, ref.g)
				sameBits(t, s.String()+" TanhGradRow ga", o.ga, ref.ga)
				sameBits(t, s.String()+" TanhHVPDot sd", o.sd, ref.sd)
				sameBits(t, s.String()+" TanhHVPRow dd", o.dd, ref.dd)
				sameBits(t, s.String()+" TanhHVPRow ha", o.ha, ref.ha)
			}
		}
	}
}

// TestRowKernelsValues checks the row passes against their formulas
// written out with math.Tanh in plain float64. Tolerances: h against
// math.Tanh within tanhULPBound ULP; a dot product of n terms within
// (n+1)·4ε·Σ|terms| (summation order plus the few-ULP error of h);
// elementwise outputs within 8ε times the sum of the absolute values of
// their terms, where σ' = 1 − h² counts as 1 + h² (the reference's own
// rounding of h² is ε·h², large relative to σ' when |h| ≈ 1; each output
// takes at most four roundings).
func TestRowKernelsValues(t *testing.T) {
	const eps = 0x1p-52
	rng := rand.New(rand.NewPCG(43, 44))
	for _, n := range rowLengths {
		z, h, a, b, zd := rowInputs(rng, n)
		const c, cf, cr = 0.37, -0.011, 0.023
		hh := make([]float64, n)
		dot := TanhDot(hh, z, a)
		var want, abs float64
		for i, v := range z {
			m := math.Tanh(v)
			if d := ulpDiff(hh[i], m); d > tanhULPBound {
				t.Fatalf("n=%d: TanhDot h[%d] = %v, math.Tanh %v", n, i, hh[i], m)
			}
			want += m * a[i]
			abs += math.Abs(m * a[i])
		}
		if tol := float64(n+1) * 4 * eps * abs; math.Abs(dot-want) > tol {
			t.Errorf("n=%d: TanhDot = %v, want %v ± %v", n, dot, want, tol)
		}

		g, ga := make([]float64, n), make([]float64, n)
		TanhGradRow(g, ga, h, a, c)
		for i, v := range h {
			d1, d1abs := 1-v*v, 1+v*v
			if w := c * a[i] * d1; math.Abs(g[i]-w) > 8*eps*math.Abs(c*a[i])*d1abs {
				t.Fatalf("n=%d: TanhGradRow g[%d] = %v, want %v", n, i, g[i], w)
			}
			if w := c * v; math.Abs(ga[i]-w) > 8*eps*math.Abs(w) {
				t.Fatalf("n=%d: TanhGradRow ga[%d] = %v, want %v", n, i, ga[i], w)
			}
		}

		sd := make([]float64, n)
		hdot := TanhHVPDot(sd, h, zd, a, b)
		want, abs = 0, 0
		for i, v := range h {
			x := (1 - v*v) * zd[i]
			if math.Abs(sd[i]-x) > 8*eps*(1+v*v)*math.Abs(zd[i]) {
				t.Fatalf("n=%d: TanhHVPDot sd[%d] = %v, want %v", n, i, sd[i], x)
			}
			want += x*a[i] + v*b[i]
			abs += (1+v*v)*math.Abs(zd[i]*a[i]) + math.Abs(v*b[i])
		}
		if tol := float64(n+1) * 4 * eps * abs; math.Abs(hdot-want) > tol {
			t.Errorf("n=%d: TanhHVPDot = %v, want %v ± %v", n, hdot, want, tol)
		}

		dd, ha := make([]float64, n), make([]float64, n)
		TanhHVPRow(dd, ha, h, sd, a, b, cf, cr)
		for i, v := range h {
			d1, d1abs := 1-v*v, 1+v*v
			d2 := -2 * v * d1
			zdot := zd[i]
			w := cf*a[i]*d1 + cr*b[i]*d1 + cr*a[i]*d2*zdot
			wa := (math.Abs(cf*a[i]) + math.Abs(cr*b[i]) + math.Abs(2*cr*a[i]*v*zdot)) * d1abs
			if math.Abs(dd[i]-w) > 8*eps*wa {
				t.Fatalf("n=%d: TanhHVPRow dd[%d] = %v, want %v", n, i, dd[i], w)
			}
			wh := cf*v + cr*sd[i]
			if math.Abs(ha[i]-wh) > 8*eps*(math.Abs(cf*v)+math.Abs(cr*sd[i])) {
				t.Fatalf("n=%d: TanhHVPRow ha[%d] = %v, want %v", n, i, ha[i], wh)
			}
		}
	}
}

func TestRowKernelsPanic(t *testing.T) {
	x, y := make([]float64, 4), make([]float64, 5)
	mustPanic(t, "TanhDot", func() { TanhDot(x, x, y) })
	mustPanic(t, "TanhGradRow", func() { TanhGradRow(x, y, x, x, 1) })
	mustPanic(t, "TanhHVPDot", func() { TanhHVPDot(x, x, x, x, y) })
	mustPanic(t, "TanhHVPRow", func() { TanhHVPRow(x, x, x, y, x, x, 1, 1) })
}

func TestRowKernelsAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	z, h, a, b, zd := rowInputs(rng, 512)
	out, out2 := make([]float64, 512), make([]float64, 512)
	allocs := testing.AllocsPerRun(10, func() {
		TanhDot(out, z, a)
		TanhGradRow(out, out2, h, a, 0.5)
		TanhHVPDot(out, h, zd, a, b)
		TanhHVPRow(out2, out, h, zd, a, b, 0.1, 0.2)
	})
	if allocs != 0 {
		t.Errorf("row passes allocate %v per call", allocs)
	}
}
