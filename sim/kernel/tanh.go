package kernel

import (
	"math"

	"github.com/eoskit/eoskit/sim/kernel/internal/avx"
)

// Constants of the fast tanh. With y = 2|x| and E = e^y − 1,
// tanh|x| = E/(E + 2), which has no cancellation anywhere. E is computed as
// 2^k·(e^r − 1) + (2^k − 1) with k = round(y/ln2) (by the rounding magic),
// rh = y − k·ln2Hi and r = rh − k·ln2Lo (Cody–Waite, |r| ≤ ln2/2), and
// e^r − 1 = r + rh²·Q(rh) with Q the degree-10 Chebyshev fit of
// (e^r − 1 − r)/r² on [−ln2/2, ln2/2] (error below 1e-18 relative to
// e^r − 1), evaluated in Estrin form for a short dependency chain (using rh
// instead of r inside Q changes e^r − 1 by at most k·2e-17·rh, which E's
// factor 2/(E + 2) below damps to nothing). The terms 2^k·(e^r − 1) and
// 2^k − 1 have the same sign unless r < 0, and then 2^k·e^r − 1 ≥ 0.41, so
// E carries about 1.5 ULP; the ratio damps E's error by 2/(E + 2) and adds
// the roundings of E + 2 and of the division. |x| is clamped at 22, where
// tanh rounds to 1. The sign is copied from x at the end, so tanh(−0) = −0,
// and NaN propagates.
const (
	tanhClamp = 22.0
	expMagic  = 0x1.8p52 // adding it rounds to an integer held in the low bits
	log2E2    = 2 * math.Log2E
	ln2Hi     = 0x1.62e42fefa39efp-1
	negLn2Hi  = -ln2Hi
	negLn2Lo  = -(math.Ln2 - ln2Hi)
	signBit   = 1 << 63
	expBias   = 1023 << 52
)

// Coefficients of Q (tanhQ0 is the constant term).
const (
	tanhQ0  = 0.5
	tanhQ1  = 0.1666666666666667
	tanhQ2  = 0.04166666666666667
	tanhQ3  = 0.008333333333326141
	tanhQ4  = 0.0013888888888883752
	tanhQ5  = 0.00019841269874800493
	tanhQ6  = 2.4801587325533363e-05
	tanhQ7  = 2.7557255425746435e-06
	tanhQ8  = 2.7557273661348637e-07
	tanhQ9  = 2.5105206373957107e-08
	tanhQ10 = 2.0914679376584005e-09
)

// Tanh returns tanh(x) within 3 ULP of math.Tanh (2.5 ULP of the exact
// value; see the package tests for the measured bounds), bit-identical to
// the vectorised slice kernel ActTanh.Eval, with Tanh(±0) = ±0,
// Tanh(±Inf) = ±1, Tanh(x) = x for |x| < 2^-54 and Tanh(NaN) = NaN. It is
// odd exactly and monotone up to its rounding: it may step back by one ULP
// where the range reduction switches k, and by two near saturation.
//
// Tanh spells every fused multiply-add with math.FMA so that it is
// bit-identical to the assembly kernel on every platform (a hardware FMA
// on amd64 and arm64, a slow software one on CPUs without FMA). It is the
// scalar form, for a few values; the slice kernels are 10–20 times faster
// per element.
func Tanh(x float64) float64 {
	a := math.Abs(x)
	if a > tanhClamp {
		a = tanhClamp
	}
	y := a + a
	t := math.FMA(a, log2E2, expMagic)
	kd := t - expMagic
	rh := math.FMA(kd, negLn2Hi, y)
	r := math.FMA(kd, negLn2Lo, rh)
	r2 := float64(rh * rh)
	a0 := math.FMA(tanhQ1, rh, tanhQ0)
	a1 := math.FMA(tanhQ3, rh, tanhQ2)
	b0 := math.FMA(a1, r2, a0)
	a2 := math.FMA(tanhQ5, rh, tanhQ4)
	a3 := math.FMA(tanhQ7, rh, tanhQ6)
	b1 := math.FMA(a3, r2, a2)
	a4 := math.FMA(tanhQ9, rh, tanhQ8)
	b2 := math.FMA(tanhQ10, r2, a4)
	r4 := float64(r2 * r2)
	c0 := math.FMA(b1, r4, b0)
	r8 := float64(r4 * r4)
	q := math.FMA(b2, r8, c0)
	p := math.FMA(r2, q, r)                                          // e^r − 1
	scale := math.Float64frombits(math.Float64bits(t)<<52 + expBias) // 2^k
	e := math.FMA(scale, p, scale-1)                                 // e^y − 1
	res := e / (e + 2)
	return math.Float64frombits(math.Float64bits(res) | math.Float64bits(x)&signBit)
}

// tanhSlice writes dst[i] = Tanh(src[i]) with the given kernel set.
func tanhSlice(s isa, dst, src []float64) {
	n := len(src)
	dst = dst[:n]
	i := 0
	if s == isaAVX2 && n >= 4 {
		i = n &^ 3
		avx.Tanh(&dst[0], &src[0], i)
	}
	if s == isaAVX2 && i < n {
		var in, out [4]float64
		copy(in[:], src[i:])
		avx.Tanh(&out[0], &in[0], 4)
		copy(dst[i:], out[:n-i])
		return
	}
	for ; i < n; i++ {
		dst[i] = Tanh(src[i])
	}
}
