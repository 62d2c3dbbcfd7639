package ode

import "math"

// weightedSum sets dst = Σⱼ w[j]·ks[j]. The terms are taken four at a time
// so that each pass over dst does four fused multiply-adds per element.
func weightedSum(dst, w []float64, ks [][]float64) {
	n := len(dst)
	if len(w) == 0 {
		clear(dst)
		return
	}
	j := 0
	switch len(w) % 4 {
	case 1:
		a0 := w[0]
		k0 := ks[0][:n]
		for i := range dst {
			dst[i] = a0 * k0[i]
		}
		j = 1
	case 2:
		a0, a1 := w[0], w[1]
		k0, k1 := ks[0][:n], ks[1][:n]
		for i := range dst {
			dst[i] = a0*k0[i] + a1*k1[i]
		}
		j = 2
	case 3:
		a0, a1, a2 := w[0], w[1], w[2]
		k0, k1, k2 := ks[0][:n], ks[1][:n], ks[2][:n]
		for i := range dst {
			dst[i] = a0*k0[i] + a1*k1[i] + a2*k2[i]
		}
		j = 3
	default:
		a0, a1, a2, a3 := w[0], w[1], w[2], w[3]
		k0, k1, k2, k3 := ks[0][:n], ks[1][:n], ks[2][:n], ks[3][:n]
		for i := range dst {
			dst[i] = a0*k0[i] + a1*k1[i] + a2*k2[i] + a3*k3[i]
		}
		j = 4
	}
	for ; j < len(w); j += 4 {
		a0, a1, a2, a3 := w[j], w[j+1], w[j+2], w[j+3]
		k0, k1, k2, k3 := ks[j][:n], ks[j+1][:n], ks[j+2][:n], ks[j+3][:n]
		for i := range dst {
			dst[i] += a0*k0[i] + a1*k1[i] + a2*k2[i] + a3*k3[i]
		}
	}
}

// lincomb sets dst = y + h·Σⱼ w[j]·ks[j]. The increment is summed before it
// is added to y, so y is rounded once. dst must not alias y or any ks[j].
func lincomb(dst, y []float64, h float64, w []float64, ks [][]float64) {
	if len(w) == 0 {
		copy(dst, y)
		return
	}
	weightedSum(dst, w, ks)
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = y[i] + h*dst[i]
	}
}

// allFinite reports whether every element of v is finite: x·0 is 0 for a
// finite x and NaN for ±Inf and NaN, and NaN propagates through the sum.
func allFinite(v []float64) bool {
	var s float64
	for _, x := range v {
		s += x * 0
	}
	return s == 0
}

const eps = 0x1p-52 // machine epsilon of float64

// brent returns a zero of g in the bracket [a, b] (g(a) = ga and g(b) = gb of
// opposite signs, or one of them zero) to within tol + 4ε|t| by Brent's
// method (R. P. Brent, Algorithms for Minimization without Derivatives, 1973,
// ch. 4: inverse quadratic interpolation safeguarded by bisection). evals
// counts the calls of g.
func brent(g func(float64) float64, a, b, ga, gb, tol float64, evals *int) float64 {
	if gb == 0 {
		return b
	}
	if ga == 0 {
		return a
	}
	c, gc := b, gb
	var d, e float64
	for range 200 {
		if (gb > 0) == (gc > 0) {
			c, gc = a, ga
			d = b - a
			e = d
		}
		if math.Abs(gc) < math.Abs(gb) {
			a, b, c = b, c, b
			ga, gb, gc = gb, gc, gb
		}
		tol1 := 2*eps*math.Abs(b) + 0.5*tol
		xm := 0.5 * (c - b)
		if math.Abs(xm) <= tol1 || gb == 0 {
			return b
		}
		if math.Abs(e) >= tol1 && math.Abs(ga) > math.Abs(gb) {
			s := gb / ga
			var p, q float64
			if a == c {
				p = 2 * xm * s
				q = 1 - s
			} else {
				q = ga / gc
				r := gb / gc
				p = s * (2*xm*q*(q-r) - (b-a)*(r-1))
				q = (q - 1) * (r - 1) * (s - 1)
			}
			if p > 0 {
				q = -q
			}
			p = math.Abs(p)
			if 2*p < math.Min(3*xm*q-math.Abs(tol1*q), math.Abs(e*q)) {
				e = d
				d = p / q
			} else {
				d = xm
				e = d
			}
		} else {
			d = xm
			e = d
		}
		a, ga = b, gb
		if math.Abs(d) > tol1 {
			b += d
		} else {
			b += math.Copysign(tol1, xm)
		}
		gb = g(b)
		*evals++
	}
	return b
}
