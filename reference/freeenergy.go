package reference

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// This file holds the closed forms and identities of the free-energy models
// of the design notes (math.md §4, O4–O7, O17).

// ModelAQuadratic returns model A's state at time t on the quadratic
// E = ½(θ−c)ᵀA(θ−c) (O4 [D]): ∇³E = 0, so the model is linear and
// decoupled, θ(t) = c + e^{−tA}(θ₀ − c) and a(t) = e^{t(A − 2/η)}a₀. It
// is also model B's θ(t) and each column q_j(t) = e^{t(A − 2/η)}q_j(0) (so
// Σ(t) = e^{t(A−2/η)}Σ₀e^{t(A−2/η)}).
func ModelAQuadratic(a *mat.SymDense, c, theta0, amp0 []float64, eta, t float64) (theta, amp []float64) {
	theta = QuadraticFlow(nil, a, c, theta0, t)
	zero := make([]float64, len(c))
	amp = quadraticSpectral(nil, a, zero, amp0, func(lambda float64) float64 {
		return math.Exp(t * (lambda - 2/eta))
	})
	return theta, amp
}

// AmplitudeRates returns the log-growth of a period-2 amplitude along an
// eigenvector of eigenvalue λ per unit of time t = kη: GD's ln|ηλ − 1|/η
// and model A's λ − 2/η (O4 [D]). They are equal at ηλ = 2 and differ by
// O((ηλ − 2)²)/η around it.
func AmplitudeRates(lambda, eta float64) (gd, model float64) {
	return math.Log(math.Abs(eta*lambda-1)) / eta, lambda - 2/eta
}

// ValleyCycleResiduals returns the four equations of a GD 2-cycle θ̄ ± a
// of the valley toy E = ½(y + ζx)x² − ε(x + y) (O17 [D]: the sum and the
// difference of ∇E(θ̄+a) and ∇E(θ̄−a), whose sum vanishes and whose
// difference is 4a/η), as residuals that vanish on a cycle:
//
//	x̄² + a_x² − 2ε                 (y, sum)
//	a_y − ηx̄a_x/2                  (y, difference)
//	ȳ + 3ζx̄ − (2/η − ηx̄²/2)         (x, difference, divided by 2a_x ≠ 0)
//	x̄ȳ + a_x a_y + (3ζ − 1)ε        (x, sum, with the first)
//
// (the design notes quote the cycle at η = 0.3, ε = 0.01, ζ = 1 as
// x̄ = −0.0029946, ȳ = 6.675649, a_y = 6.3511e-5).
func ValleyCycleResiduals(zeta, eps, eta, xbar, ybar, ax, ay float64) [4]float64 {
	return [4]float64{
		xbar*xbar + ax*ax - 2*eps,
		ay - eta*xbar*ax/2,
		ybar + 3*zeta*xbar - (2/eta - eta*xbar*xbar/2),
		xbar*ybar + ax*ay + (3*zeta-1)*eps,
	}
}
