package kernel

import (
	"fmt"
	"math"
)

// Activation is an elementwise nonlinearity σ with slice kernels for σ and
// its first two derivatives. The zero value is ActTanh.
//
// In every method the output slices must have the length of z; an output
// may be the very slice z (in-place evaluation) but must not overlap it
// otherwise, nor overlap another output.
type Activation uint8

const (
	// ActTanh is σ = tanh, evaluated by Tanh (within 3 ULP of math.Tanh),
	// with σ' = 1 − σ² and σ″ = −2σσ' computed from σ.
	ActTanh Activation = iota
	// ActGELU is the exact GELU σ(z) = z·Φ(z), Φ the standard normal CDF.
	ActGELU
	// ActReLU is σ(z) = max(z, 0), with σ'(0) = 0 and σ″ = 0.
	ActReLU
)

// String returns "tanh", "gelu" or "relu".
func (f Activation) String() string {
	switch f {
	case ActTanh:
		return "tanh"
	case ActGELU:
		return "gelu"
	case ActReLU:
		return "relu"
	}
	return fmt.Sprintf("Activation(%d)", uint8(f))
}

// ParseActivation returns the activation named by String's spelling.
func ParseActivation(name string) (Activation, error) {
	for _, f := range []Activation{ActTanh, ActGELU, ActReLU} {
		if f.String() == name {
			return f, nil
		}
	}
	return 0, fmt.Errorf("kernel: unknown activation %q (have tanh, gelu, relu)", name)
}

// chunk is the block length of the fused activation passes: the first pass
// over a chunk leaves it in L1 for the second.
const chunk = 512

func checkSameLen(z []float64, outs ...[]float64) {
	for _, o := range outs {
		if len(o) != len(z) {
			panic(fmt.Sprintf("kernel: activation output length %d != input length %d", len(o), len(z)))
		}
	}
}

// Eval writes h[i] = σ(z[i]).
func (f Activation) Eval(h, z []float64) {
	checkSameLen(z, h)
	switch f {
	case ActTanh:
		tanhSlice(detectISA(), h, z)
	case ActGELU:
		for i, v := range z {
			h[i] = float64(v * normCDF(v))
		}
	case ActReLU:
		for i, v := range z {
			h[i] = relu(v)
		}
	default:
		panic(fmt.Sprintf("kernel: unknown activation %d", uint8(f)))
	}
}

// Deriv writes h[i] = σ(z[i]) and d1[i] = σ'(z[i]) in one pass.
// For tanh d1 = 1 − h², rounded once (fma(−h, h, 1)).
func (f Activation) Deriv(h, d1, z []float64) {
	f.deriv(detectISA(), h, d1, nil, z)
}

// Deriv2 writes h = σ(z), d1 = σ'(z) and d2 = σ″(z) in one pass. For tanh
// d2 = (−2h)·d1 with d1 as in Deriv.
func (f Activation) Deriv2(h, d1, d2, z []float64) {
	checkSameLen(z, d2)
	f.deriv(detectISA(), h, d1, d2, z)
}

func (f Activation) deriv(s isa, h, d1, d2, z []float64) {
	checkSameLen(z, h, d1)
	switch f {
	case ActTanh:
		for lo := 0; lo < len(z); lo += chunk {
			hi := min(lo+chunk, len(z))
			hh, dd := h[lo:hi], d1[lo:hi]
			tanhSlice(s, hh, z[lo:hi])
			for i, v := range hh {
				dd[i] = math.FMA(-v, v, 1)
			}
			if d2 != nil {
				d2 := d2[lo:hi]
				for i, v := range hh {
					d2[i] = float64(-2*v) * dd[i]
				}
			}
		}
	case ActGELU:
		for i, v := range z {
			cdf := normCDF(v)
			pdf := normPDF(v)
			if d2 != nil {
				d2[i] = pdf * (2 - float64(v*v))
			}
			d1[i] = cdf + float64(v*pdf)
			h[i] = float64(v * cdf)
		}
	case ActReLU:
		for i, v := range z {
			d := 0.0
			if v > 0 {
				d = 1
			}
			if d2 != nil {
				d2[i] = 0
			}
			d1[i] = d
			h[i] = relu(v)
		}
	default:
		panic(fmt.Sprintf("kernel: unknown activation %d", uint8(f)))
	}
}

func relu(v float64) float64 {
	if v > 0 || v != v {
		return v
	}
	return 0
}

// normCDF is Φ(z) = erfc(−z/√2)/2, accurate in both tails.
func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// normPDF is φ(z) = exp(−z²/2)/√(2π).
func normPDF(z float64) float64 {
	return math.Exp(-0.5*float64(z*z)) * (1 / math.Sqrt(2*math.Pi))
}

// MulOuter writes g_ij = ((alpha·u_i)·v_j)·d_ij for the m×n matrices d and
// g (leading dimensions ldd, ldg); len(u) ≥ m, len(v) ≥ n. It is the
// backward pass's G = σ'(Z) ⊙ (c·r aᵀ) in one sweep. g may be d itself
// (with ldg = ldd).
func MulOuter(m, n int, alpha float64, u, v, d []float64, ldd int, g []float64, ldg int) {
	checkOuter(m, n, u, v, d, ldd, g, ldg)
	v = v[:n]
	for i := 0; i < m; i++ {
		s := float64(alpha * u[i])
		dr := d[i*ldd : i*ldd+n]
		gr := g[i*ldg : i*ldg+n]
		for j, vj := range v {
			gr[j] = float64(s*vj) * dr[j]
		}
	}
}

// TanhMulOuter writes g_ij = ((alpha·u_i)·v_j)·(1 − h_ij²) for the m×n
// matrices h = tanh(Z) and g: the tanh backward pass fused with the
// derivative, bit-identical to MulOuter applied to ActTanh.Deriv's d1.
// g may be h itself (with ldg = ldh).
func TanhMulOuter(m, n int, alpha float64, u, v, h []float64, ldh int, g []float64, ldg int) {
	checkOuter(m, n, u, v, h, ldh, g, ldg)
	v = v[:n]
	for i := 0; i < m; i++ {
		s := float64(alpha * u[i])
		hr := h[i*ldh : i*ldh+n]
		gr := g[i*ldg : i*ldg+n]
		for j, vj := range v {
			hv := hr[j]
			gr[j] = float64(s*vj) * math.FMA(-hv, hv, 1)
		}
	}
}

func checkOuter(m, n int, u, v, d []float64, ldd int, g []float64, ldg int) {
	if m < 0 || n < 0 {
		panic(fmt.Sprintf("kernel: negative dimension m=%d n=%d", m, n))
	}
	if len(u) < m || len(v) < n {
		panic(fmt.Sprintf("kernel: len(u) = %d, len(v) = %d for an %d×%d outer product", len(u), len(v), m, n))
	}
	checkMatrix("d", m, n, d, ldd)
	checkMatrix("g", m, n, g, ldg)
}
