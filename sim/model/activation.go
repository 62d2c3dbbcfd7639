package model

import (
	"fmt"
	"math"
)

// Activation is the activation function σ of a TwoLayer network.
type Activation int

// The activations. The zero value is invalid, so that a forgotten setting is
// an error rather than a silent default.
const (
	// Tanh is σ(z) = tanh z: odd and smooth.
	Tanh Activation = iota + 1
	// GELU is the exact Gaussian error linear unit σ(z) = z·Φ(z) with Φ the
	// standard normal distribution function (the erf form, not the tanh
	// approximation).
	GELU
	// ReLU is σ(z) = max(z, 0). It is not differentiable at 0 and its
	// curvature vanishes elsewhere: the model uses the almost-everywhere
	// derivatives σ'(z) = 1[z > 0] (so σ'(0) = 0) and σ″ = σ‴ = 0, which
	// are exact away from the kinks z = w_i·x_s = 0.
	ReLU
)

// String returns the activation's name as used in specs: "tanh", "gelu" or
// "relu".
func (a Activation) String() string {
	switch a {
	case Tanh:
		return "tanh"
	case GELU:
		return "gelu"
	case ReLU:
		return "relu"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation returns the activation with the given name ("tanh",
// "gelu" or "relu").
func ParseActivation(name string) (Activation, error) {
	for _, a := range []Activation{Tanh, GELU, ReLU} {
		if a.String() == name {
			return a, nil
		}
	}
	return 0, paramErr("twolayer", "activation", "unknown activation %q (want tanh, gelu or relu)", name)
}

func (a Activation) valid() bool { return a == Tanh || a == GELU || a == ReLU }

const (
	invSqrt2   = 0.70710678118654752440084436210484903928483593768847
	invSqrt2Pi = 0.39894228040143267793994605993438186847585863116493
)

// actValue writes σ(z) into s, element by element (s may alias z).
func actValue(a Activation, z, s []float64) {
	switch a {
	case Tanh:
		for i, x := range z {
			s[i] = math.Tanh(x)
		}
	case GELU:
		for i, x := range z {
			s[i] = x * 0.5 * math.Erfc(-x*invSqrt2)
		}
	case ReLU:
		for i, x := range z {
			s[i] = math.Max(x, 0)
		}
	}
}

// actDerivs writes σ(z), σ'(z) and σ″(z) into s, d1 and d2 (d2 may alias
// z; s and d1 may not). The values in s are bit-identical to actValue's.
func actDerivs(a Activation, z, s, d1, d2 []float64) {
	switch a {
	case Tanh:
		for i, x := range z {
			t := math.Tanh(x)
			dt := 1 - t*t
			s[i], d1[i], d2[i] = t, dt, -2*t*dt
		}
	case GELU:
		for i, x := range z {
			cdf := 0.5 * math.Erfc(-x*invSqrt2)
			pdf := invSqrt2Pi * math.Exp(-0.5*x*x)
			s[i], d1[i], d2[i] = x*cdf, cdf+x*pdf, pdf*(2-x*x)
		}
	case ReLU:
		for i, x := range z {
			if x > 0 {
				s[i], d1[i] = x, 1
			} else {
				s[i], d1[i] = math.Max(x, 0), 0
			}
			d2[i] = 0
		}
	}
}

// actHigher writes σ″(z) and σ‴(z) into d2 and d3.
func actHigher(a Activation, z, d2, d3 []float64) {
	switch a {
	case Tanh:
		for i, x := range z {
			t := math.Tanh(x)
			dt := 1 - t*t
			d2[i], d3[i] = -2*t*dt, dt*(6*t*t-2)
		}
	case GELU:
		for i, x := range z {
			pdf := invSqrt2Pi * math.Exp(-0.5*x*x)
			d2[i], d3[i] = pdf*(2-x*x), pdf*x*(x*x-4)
		}
	case ReLU:
		for i := range z {
			d2[i], d3[i] = 0, 0
		}
	}
}
