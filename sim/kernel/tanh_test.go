package kernel

import (
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/eoskit/eoskit/sim/kernel/internal/avx"
)

// tanhULPBound is the stated accuracy of Tanh: at most this many units in
// the last place from math.Tanh, everywhere. The measured maximum over the
// 1.6-million-point sweep is 3 ULP, at x ≈ 0.21 just above the first switch
// of k: math.Tanh is not correctly rounded either (0.91 ULP measured), and
// the two errors add. Against the 200-bit reference Tanh's own error stays
// below tanhTrueBound.
const tanhULPBound = 3

// tanhTrueBound bounds |Tanh(x) − tanh(x)| in ULPs of the exact value,
// measured against a 200-bit reference (2.27 ULP over 150 000 points in
// [0, 1.2], [0, 20] and [1e-6, 1]). The error budget of E/(E + 2): E carries
// the final rounding of e^r − 1 (0.5 ULP), amplified up to 1.2× where
// E = 2^k(1 + p) − 1 cancels (k = 1, p ≈ −0.29), plus its own rounding,
// all damped by 2/(E + 2) ≤ 1; the rounding of E + 2 is up to 2^-53
// relative, worth up to 1 ULP of a result just below a power of two; the
// division adds 0.5 ULP.
const tanhTrueBound = 2.5

// tanhStepBack bounds how far Tanh may step back between neighbouring
// arguments: where k switches (x = (j + 1/2)·ln2/2) the error pattern jumps
// by up to one ULP, and near saturation (x ≳ 18.4, where E ≥ 2^54 and
// E + 2 rounds to a multiple of 4) the result alternates between 1 and
// 1 − 2^-52 around the exact 1 − 2^-53. So Tanh is monotone up to 2 ULP.
const tanhStepBack = 2

// tanhSwitch is the first point where the range reduction's k changes
// (y = 2x = ln2/2, k from 0 to 1): just above it E = 2p + 1 with p ≈ −0.29
// has the largest cancellation.
const tanhSwitch = math.Ln2 / 4

// ulpDiff is the number of float64 values between a and b (0 when equal,
// both NaN counting as equal).
func ulpDiff(a, b float64) float64 {
	if math.IsNaN(a) && math.IsNaN(b) {
		return 0
	}
	ord := func(x float64) int64 {
		i := int64(math.Float64bits(x))
		if i < 0 {
			i = math.MinInt64 - i
		}
		return i
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return float64(d)
}

// tanhSweep returns a dense set of test points: a uniform grid on [0, 25],
// a log grid from the smallest subnormal to 1e300, points packed around the
// switch (0.5625) and the clamp (22), and random points; positive only (the
// tests add the negatives).
func tanhSweep(n int) []float64 {
	xs := make([]float64, 0, 3*n+400)
	for i := 0; i < n; i++ {
		xs = append(xs, 25*float64(i)/float64(n))
	}
	for i := 0; i < n; i++ {
		xs = append(xs, math.Pow(10, -323+623*float64(i)/float64(n)))
	}
	for _, s := range []float64{tanhSwitch, 3 * tanhSwitch, 5 * tanhSwitch, tanhClamp, 19.06, 1} {
		x := s
		for i := 0; i < 100; i++ {
			xs = append(xs, x)
			x = math.Nextafter(x, 0)
		}
		x = s
		for i := 0; i < 100; i++ {
			x = math.Nextafter(x, math.Inf(1))
			xs = append(xs, x)
		}
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < n; i++ {
		xs = append(xs, math.Abs(rng.NormFloat64())*2)
	}
	return xs
}

func sweepSize() int {
	if testing.Short() {
		return 20000
	}
	return 400000
}

func TestTanhAgainstMath(t *testing.T) {
	worst, at := 0.0, 0.0
	for _, x := range tanhSweep(sweepSize()) {
		for _, v := range []float64{x, -x} {
			if d := ulpDiff(Tanh(v), math.Tanh(v)); d > worst {
				worst, at = d, v
			}
		}
	}
	t.Logf("max |Tanh − math.Tanh| = %v ULP at x = %v", worst, at)
	if worst > tanhULPBound {
		t.Errorf("Tanh is %v ULP from math.Tanh at %v, bound %v", worst, at, tanhULPBound)
	}
}

// tanhBig returns tanh(x) to 200 bits: with y = 2|x|, tanh|x| = E/(E+2)
// where E = e^y − 1 = Σ_{n≥1} yⁿ/n! (summed directly, so no cancellation).
func tanhBig(x float64) *big.Float {
	const prec = 200
	y := new(big.Float).SetPrec(prec).SetFloat64(2 * math.Abs(x))
	sum := new(big.Float).SetPrec(prec)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	eps := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -prec)
	for n := int64(1); ; n++ {
		term.Mul(term, y)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(n))
		sum.Add(sum, term)
		if n > 2 && term.Cmp(new(big.Float).Mul(sum, eps)) < 0 {
			break
		}
	}
	den := new(big.Float).SetPrec(prec).Add(sum, big.NewFloat(2))
	r := new(big.Float).SetPrec(prec).Quo(sum, den)
	if x < 0 {
		r.Neg(r)
	}
	return r
}

// ulpErr is |f − exact| in units of the last place of exact.
func ulpErr(f float64, exact *big.Float) float64 {
	if exact.Sign() == 0 {
		return math.Abs(f)
	}
	diff := new(big.Float).SetPrec(200).Sub(new(big.Float).SetFloat64(f), exact)
	diff.Abs(diff)
	var m big.Float
	e := exact.MantExp(&m) // |exact| in [2^(e-1), 2^e): ulp = 2^(e-53)
	diff.SetMantExp(diff, 53-e)
	v, _ := diff.Float64()
	return v
}

func TestTanhAgainstExact(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(13, 14))
	var xs []float64
	for i := 0; i < n; i++ {
		xs = append(xs, rng.Float64()*20, math.Pow(10, -10+11*rng.Float64()))
	}
	for i, x := 0, tanhSwitch; i < 50; i++ {
		xs = append(xs, x, math.Nextafter(tanhSwitch, 0)-float64(i)*1e-12)
		x = math.Nextafter(x, 1)
	}
	worst, at, worstMath := 0.0, 0.0, 0.0
	for _, x := range xs {
		ex := tanhBig(x)
		if d := ulpErr(Tanh(x), ex); d > worst {
			worst, at = d, x
		}
		worstMath = max(worstMath, ulpErr(math.Tanh(x), ex))
	}
	t.Logf("max |Tanh − tanh| = %.3f ULP at x = %v (math.Tanh: %.3f ULP)", worst, at, worstMath)
	if worst > tanhTrueBound {
		t.Errorf("Tanh is %.3f ULP from the exact tanh at %v, bound %v", worst, at, tanhTrueBound)
	}
}

func TestTanhSpecialValues(t *testing.T) {
	negZero := math.Copysign(0, -1)
	exact := []struct{ x, want float64 }{
		{0, 0},
		{negZero, negZero},
		{math.Inf(1), 1},
		{math.Inf(-1), -1},
		{5e-324, 5e-324},   // tanh x = x − x³/3: x³/3 is far below half an ULP of x
		{-1e-310, -1e-310}, // subnormal
		{1e-300, 1e-300},
		{0x1p-55, 0x1p-55}, // E + 2 rounds to 2 and E = 2x exactly
		{tanhClamp, 1},     // tanh(22) = 1 − 1.6e-19 rounds to 1
		{30, 1},
		{1e300, 1},
		{-math.MaxFloat64, -1},
	}
	for _, c := range exact {
		got := Tanh(c.x)
		if math.Float64bits(got) != math.Float64bits(c.want) {
			t.Errorf("Tanh(%v) = %v, want %v (exactly, sign included)", c.x, got, c.want)
		}
	}
	if got := Tanh(math.NaN()); !math.IsNaN(got) {
		t.Errorf("Tanh(NaN) = %v", got)
	}
	// The switch point and its neighbours, tanh ≈ 0.17, and small
	// arguments where tanh x = x − x³/3 rounds to x or its neighbour: same
	// ULP bound as the sweep.
	for _, x := range []float64{math.Nextafter(tanhSwitch, 0), tanhSwitch, math.Nextafter(tanhSwitch, 1), 19.0, 19.1, 0.1, 1e-9, 1e-6} {
		if d := ulpDiff(Tanh(x), math.Tanh(x)); d > tanhULPBound {
			t.Errorf("Tanh(%v) = %v, math.Tanh %v: %v ULP", x, Tanh(x), math.Tanh(x), d)
		}
	}
}

// TestTanhOddAndMonotone checks oddness (exact: the sign is copied) and
// monotonicity up to tanhStepBack over the sweep, which packs points around
// the first switches of k.
func TestTanhOddAndMonotone(t *testing.T) {
	xs := tanhSweep(sweepSize() / 4)
	sort.Float64s(xs)
	prev := 0.0
	for _, x := range xs {
		y := Tanh(x)
		if math.Float64bits(Tanh(-x)) != math.Float64bits(-y) {
			t.Fatalf("Tanh(−%v) = %v ≠ −Tanh(%v) = %v", x, Tanh(-x), x, -y)
		}
		if y < prev && ulpDiff(y, prev) > tanhStepBack {
			t.Fatalf("Tanh decreases at %v: %v < %v by more than %v ULP", x, y, prev, tanhStepBack)
		}
		if y > 1 {
			t.Fatalf("Tanh(%v) = %v > 1", x, y)
		}
		prev = y
	}
}

// TestTanhKernelsAgree checks that the assembly kernel, the pure-Go Tanh
// and the slice paths (vector body and tail) give the same bits.
func TestTanhKernelsAgree(t *testing.T) {
	xs := tanhSweep(sweepSize())
	for i := range xs {
		if i%2 == 1 {
			xs[i] = -xs[i]
		}
	}
	xs = append(xs, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1))
	ref := make([]float64, len(xs))
	for i, x := range xs {
		ref[i] = Tanh(x)
	}
	sets := []isa{isaGeneric}
	if avx.Supported() {
		sets = append(sets, isaAVX2)
	} else {
		t.Log("no AVX2+FMA: only the pure-Go path is checked")
	}
	for _, s := range sets {
		// Lengths 0..9 exercise the vector body and the tail.
		for _, n := range []int{len(xs), 0, 1, 2, 3, 4, 5, 6, 7, 9} {
			got := make([]float64, n)
			tanhSlice(s, got, xs[len(xs)-n:])
			for i := range got {
				w := ref[len(xs)-n+i]
				if math.Float64bits(got[i]) != math.Float64bits(w) && !(math.IsNaN(got[i]) && math.IsNaN(w)) {
					t.Fatalf("%v, n=%d: tanh(%v) = %v, Tanh %v", s, n, xs[len(xs)-n+i], got[i], w)
				}
			}
		}
		// In place.
		h := append([]float64(nil), xs...)
		tanhSlice(s, h, h)
		for i := range h {
			if math.Float64bits(h[i]) != math.Float64bits(ref[i]) && !math.IsNaN(h[i]) {
				t.Fatalf("%v in place: tanh(%v) = %v, want %v", s, xs[i], h[i], ref[i])
			}
		}
	}
}
