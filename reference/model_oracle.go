package reference

import "math"

// This file holds the closed forms of the design notes' model oracles
// (math.md §7, O8–O23). Each function names its oracle and tag.

// QuarticTwoCycle returns the period-2 orbit x₋ < x₊ of GD with step η on
// the quartic E = ¼(x²−1)² (O8 [L]): x_± = ½[√(1+3/η) ± √(1−1/η)]. ok is
// false when η ≤ 1 (no such cycle).
func QuarticTwoCycle(eta float64) (lo, hi float64, ok bool) {
	if !(eta > 1) {
		return 0, 0, false
	}
	m, a := QuarticCycleCenter(eta)
	return m - a, m + a, true
}

// QuarticCycleCenter returns the midpoint m = ½√(1+3/η) and the half
// amplitude a = ½√(1−1/η) of the quartic's 2-cycle (O8): the stationary
// point of the free energy F(m, a) = ½[E(m+a) + E(m−a)] − a²/η. Valid for
// η > 1.
func QuarticCycleCenter(eta float64) (m, a float64) {
	return 0.5 * math.Sqrt(1+3/eta), 0.5 * math.Sqrt(1-1/eta)
}

// QuarticCycleMultiplier returns the multiplier of the quartic's 2-cycle,
// (1−ηE″(x₊))(1−ηE″(x₋)) = 9 − 2(1+η)² (O8).
func QuarticCycleMultiplier(eta float64) float64 {
	return 9 - 2*(1+eta)*(1+eta)
}

// QuarticCycleStableMax is the upper end √5 − 1 of the window 1 < η < √5−1
// in which the quartic's 2-cycle is stable (|multiplier| < 1, O8).
const QuarticCycleStableMax = 1.2360679774997896964091736687312762354406 // √5 − 1

// UVBalancedTwoCycle returns the 2-cycle u₋ < u₊ of GD with step η on the
// scalar uv model E = ½(uv − y)² started balanced (u = v, y > 0): the
// balanced model is the quartic with step ηy, so u_± = √y·x_±(ηy) (O9 [D]).
func UVBalancedTwoCycle(eta, y float64) (lo, hi float64, ok bool) {
	lo, hi, ok = QuarticTwoCycle(eta * y)
	return math.Sqrt(y) * lo, math.Sqrt(y) * hi, ok
}

// UVHessian returns the Hessian [[v², 2uv−y], [2uv−y, u²]] of the scalar uv
// model at (u, v), row-major (O10 [L]).
func UVHessian(u, v, y float64) [4]float64 {
	off := 2*u*v - y
	return [4]float64{v * v, off, off, u * u}
}

// UVMinimumSharpness returns u² + v², the nonzero Hessian eigenvalue of the
// scalar uv model at a minimum uv = y (O10); the flattest minimum has
// sharpness 2|y| (u = v = √|y|), so stable minima exist iff η ≤ 1/|y|.
func UVMinimumSharpness(u, v float64) float64 { return u*u + v*v }

// UVImbalanceStep returns the imbalance D = |u|² − |v|² after one GD step of
// the width-m uv model with residual r: (1 − η²r²/m)·D (O11 [L], exact).
func UVImbalanceStep(d, r, eta float64, m int) float64 {
	return (1 - eta*eta*r*r/float64(m)) * d
}

// UVGFSSharpness returns the sharpness √(D² + 4y²), D = u² − v², of the
// minimum that gradient flow from (u, v) reaches (the "GF solution", O12
// [L]); GF conserves D.
func UVGFSSharpness(u, v, y float64) float64 {
	d := u*u - v*v
	return math.Sqrt(d*d + 4*y*y)
}

// CatapultStep advances the catapult recursions of the width-m uv model by
// one GD step (O13 [L], exact): with r = f − y,
//
//	f' = f − ηλr + η²r²f/m,   λ' = λ − 4ηrf/m + η²r²λ/m,
//
// where f = vᵀu/√m and λ = (|u|² + |v|²)/m.
func CatapultStep(f, lambda, y, eta float64, m int) (f2, lambda2 float64) {
	r := f - y
	mf := float64(m)
	return f - eta*lambda*r + eta*eta*r*r*f/mf, lambda - 4*eta*r*f/mf + eta*eta*r*r*lambda/mf
}

// CatapultRun iterates CatapultStep until |f − y| ≤ tol (convergence) or
// |f| exceeds 1e12 (divergence) or maxSteps pass. It returns the final λ
// and whether the run diverged (O13).
func CatapultRun(f0, lambda0, y, eta float64, m, maxSteps int, tol float64) (lambda float64, steps int, diverged bool) {
	f, lambda := f0, lambda0
	for steps = 0; steps < maxSteps; steps++ {
		if math.Abs(f-y) <= tol {
			return lambda, steps, false
		}
		if !(math.Abs(f) <= 1e12) {
			return lambda, steps, true
		}
		f, lambda = CatapultStep(f, lambda, y, eta, m)
	}
	return lambda, steps, !(math.Abs(f) <= 1e12)
}

// DeepScalarMinimumSharpness returns the sharpness y²·Σ_i 1/w_i² of the
// depth-L scalar network at a minimum ∏w_i = y (O14 [L]); the Hessian there
// is ∇f∇fᵀ.
func DeepScalarMinimumSharpness(w []float64, y float64) float64 {
	var s float64
	for _, wi := range w {
		s += 1 / (wi * wi)
	}
	return y * y * s
}

// DeepScalarBalancedSharpness returns L·|y|^{2−2/L}, the sharpness of the
// balanced minimum |w_i| = |y|^{1/L}, the flattest one (O14).
func DeepScalarBalancedSharpness(depth int, y float64) float64 {
	l := float64(depth)
	return l * math.Pow(math.Abs(y), 2-2/l)
}

// DeepScalarGFS returns the minimum that gradient flow from w reaches (the
// GF solution, O14 [L]) and its sharpness. GF conserves w_i² − w_j² and the
// signs, so the solution is w_i*² = w_i² + τ with ∏(w_i² + τ) = y²; the
// product is increasing in τ > −min w_i², and τ is found by bisection to
// full precision. It requires y ≠ 0 and w_i ≠ 0.
func DeepScalarGFS(w []float64, y float64) (wStar []float64, sharpness float64) {
	minSq := math.Inf(1)
	for _, wi := range w {
		minSq = math.Min(minSq, wi*wi)
	}
	// log ∏(w_i² + τ) − log y², increasing in τ.
	g := func(tau float64) float64 {
		var s float64
		for _, wi := range w {
			s += math.Log(wi*wi + tau)
		}
		return s - math.Log(y*y)
	}
	lo, hi := -minSq, 1.0
	for g(hi) < 0 {
		hi *= 2
	}
	for i := 0; i < 200; i++ {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if g(mid) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	tau := lo + (hi-lo)/2
	wStar = make([]float64, len(w))
	for i, wi := range w {
		wStar[i] = math.Copysign(math.Sqrt(wi*wi+tau), wi)
	}
	for _, ws := range wStar {
		sharpness += y * y / (ws * ws)
	}
	return wStar, sharpness
}

// MinimalistMinimumSharpness returns 2(x² + y²), the sharpness of
// E = ¼(x²y²−1)² at a minimum xy = ±1 (O16 [L]).
func MinimalistMinimumSharpness(x, y float64) float64 { return 2 * (x*x + y*y) }

// MinimalistGFSSharpness returns 2√((x²−y²)² + 4), the sharpness of the
// minimum gradient flow from (x, y) reaches (GF conserves x² − y², O16).
func MinimalistGFSSharpness(x, y float64) float64 {
	d := x*x - y*y
	return 2 * math.Sqrt(d*d+4)
}

// MinimalistEdgeImbalance returns the imbalance x² − y² = √(η⁻² − 4) of the
// minimum whose sharpness is exactly 2/η (O16); it needs η ≤ ½.
func MinimalistEdgeImbalance(eta float64) float64 {
	return math.Sqrt(1/(eta*eta) - 4)
}

// MatFactBalancedSharpness returns L·σ_max^{2−2/L}, the sharpness of deep
// matrix factorisation at a balanced global minimum of a target with largest
// singular value σ_max (O20 [D]).
func MatFactBalancedSharpness(depth int, sigmaMax float64) float64 {
	l := float64(depth)
	return l * math.Pow(sigmaMax, 2-2/l)
}

// MatFactCriticalSigma returns σ* = (2/(ηL))^{L/(2L−2)}, the largest σ_max(M)
// for which a global minimum with sharpness ≤ 2/η exists (O20 [D]); depth
// L ≥ 2.
func MatFactCriticalSigma(eta float64, depth int) float64 {
	l := float64(depth)
	return math.Pow(2/(eta*l), l/(2*l-2))
}

// TanhNeuronHessian returns the Hessian of E = ½(a·tanh(wx) − y)² (one tanh
// neuron, one example, one output; O23 [D]) in the layout [w, a] of
// model.TwoLayer, row-major: with σ = tanh(wx) and r = aσ − y,
//
//	H_ww = x²(a²σ'² + raσ″),  H_wa = x(aσσ' + rσ'),  H_aa = σ².
func TanhNeuronHessian(w, a, x, y float64) [4]float64 {
	s := math.Tanh(w * x)
	d1 := 1 - s*s
	d2 := -2 * s * d1
	r := a*s - y
	hww := x * x * (a*a*d1*d1 + r*a*d2)
	hwa := x * (a*s*d1 + r*d1)
	return [4]float64{hww, hwa, hwa, s * s}
}

// TanhNeuronEigenAtZero returns the Hessian eigenvalues (a² ± √(a⁴+4y²))/2
// of the single tanh neuron at w = 0 (x = 1), where H = [[a², −y], [−y, 0]]
// in the layout [w, a] (O23).
func TanhNeuronEigenAtZero(a, y float64) (lo, hi float64) {
	a2 := a * a
	s := math.Sqrt(a2*a2 + 4*y*y)
	return (a2 - s) / 2, (a2 + s) / 2
}
