package kernel

import (
	"math"

	"github.com/eoskit/eoskit/sim/kernel/internal/avx"
)

// Constants of the fast tanh. For |x| < tanhSwitch, tanh x = x + x·z·P(z)
// with z = x² and P the degree-10 Chebyshev fit of (tanh √z − √z)/z^{3/2}
// on [0, tanhSwitch²] (error of z·P below 7e-18); otherwise
// tanh |x| = 1 − 2/(e^{2|x|} + 1) with e^y = 2^k·Q(r), k = round(y/ln2),
// r = y − k·ln2 (Cody–Waite, two parts) and Q the degree-11 Chebyshev fit
// of e^r on [−ln2/2, ln2/2] (relative error below 5e-18). |x| is clamped
// at 22, where tanh rounds to 1. The sign is copied from x at the end, so
// tanh(−0) = −0 and NaN propagates.
const (
	tanhSwitch = 0.5625
	tanhClamp  = 22.0
	expMagic   = 0x1.8p52 // adding it rounds to an integer held in the low bits
	negLn2Hi   = -0.6931471805599453
	negLn2Lo   = -(math.Ln2 - 0.6931471805599453)
	signBit    = 1 << 63
	expBias    = 1023 << 52
)

// Coefficients of P (tanhP0 is the constant term) and of Q.
const (
	tanhP0  = -0.3333333333333333
	tanhP1  = 0.13333333333332392
	tanhP2  = -0.0539682539670594
	tanhP3  = 0.021869488476962563
	tanhP4  = -0.008863234021529514
	tanhP5  = 0.003592105532132769
	tanhP6  = -0.0014556239774192678
	tanhP7  = 0.0005887537111834804
	tanhP8  = -0.00023410556936672797
	tanhP9  = 8.426522203958066e-05
	tanhP10 = -2.0026740085317684e-05
	expQ0   = 1.0
	expQ1   = 1.0
	expQ2   = 0.5000000000000019
	expQ3   = 0.1666666666666668
	expQ4   = 0.0416666666664881
	expQ5   = 0.008333333333319601
	expQ6   = 0.0013888888952314775
	expQ7   = 0.00019841269890047113
	expQ8   = 2.4801485482328494e-05
	expQ9   = 2.755724091857897e-06
	expQ10  = 2.763263963904103e-07
	expQ11  = 2.5110037605963777e-08
)

// Tanh returns tanh(x) within 2 ULP of math.Tanh (see the package tests for
// the measured bound), bit-identical to the vectorised slice kernel
// ActTanh.Eval, with Tanh(±0) = ±0, Tanh(±Inf) = ±1 and Tanh(NaN) = NaN.
//
// Tanh spells every fused multiply-add with math.FMA so that it is
// bit-identical to the assembly kernel on every platform (a hardware FMA
// on amd64 and arm64, a slow software one on CPUs without FMA). It is the
// scalar form, for a few values; the slice kernels are 10–20 times faster
// per element.
func Tanh(x float64) float64 {
	a := math.Abs(x)
	var res float64
	if a >= tanhSwitch {
		am := tanhClamp
		if a < tanhClamp {
			am = a
		}
		y := am + am
		t := math.FMA(y, math.Log2E, expMagic)
		kd := t - expMagic
		r := math.FMA(kd, negLn2Hi, y)
		r = math.FMA(kd, negLn2Lo, r)
		q := float64(expQ11)
		q = math.FMA(q, r, expQ10)
		q = math.FMA(q, r, expQ9)
		q = math.FMA(q, r, expQ8)
		q = math.FMA(q, r, expQ7)
		q = math.FMA(q, r, expQ6)
		q = math.FMA(q, r, expQ5)
		q = math.FMA(q, r, expQ4)
		q = math.FMA(q, r, expQ3)
		q = math.FMA(q, r, expQ2)
		q = math.FMA(q, r, expQ1)
		q = math.FMA(q, r, expQ0)
		scale := math.Float64frombits(math.Float64bits(t)<<52 + expBias)
		e := float64(q * scale)
		res = 1 - 2/(e+1)
	} else {
		z := float64(a * a)
		p := float64(tanhP10)
		p = math.FMA(p, z, tanhP9)
		p = math.FMA(p, z, tanhP8)
		p = math.FMA(p, z, tanhP7)
		p = math.FMA(p, z, tanhP6)
		p = math.FMA(p, z, tanhP5)
		p = math.FMA(p, z, tanhP4)
		p = math.FMA(p, z, tanhP3)
		p = math.FMA(p, z, tanhP2)
		p = math.FMA(p, z, tanhP1)
		p = math.FMA(p, z, tanhP0)
		res = math.FMA(float64(a*z), p, a)
	}
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
