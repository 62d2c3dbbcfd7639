package reference

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// QuadraticGD is the closed form of GD on a quadratic E = ½(θ−c)ᵀA(θ−c)
// (math.md O1 [L]): θ_k = c + (I − ηA)^k (θ₀ − c), evaluated through the
// eigendecomposition A = V diag(λ) Vᵀ, so that each mode contracts or grows
// by exactly (1 − ηλ_j)^k. It writes θ_k into dst (allocated when nil) and
// returns it.
func QuadraticGD(dst []float64, a *mat.SymDense, c, theta0 []float64, eta float64, k int) []float64 {
	return quadraticSpectral(dst, a, c, theta0, func(lambda float64) float64 {
		return math.Pow(1-eta*lambda, float64(k))
	})
}

// QuadraticGDLoss is the loss along GD on a quadratic (O1):
// E_k = ½ Σ_j λ_j (1 − ηλ_j)^{2k} c_{j,0}², with c_{j,0} the coordinates of
// θ₀ − c in the eigenbasis of A.
func QuadraticGDLoss(a *mat.SymDense, c, theta0 []float64, eta float64, k int) float64 {
	vals, _, coord := eigenCoordinates(a, c, theta0)
	var e float64
	for j, l := range vals {
		g := math.Pow(1-eta*l, float64(k))
		e += 0.5 * l * g * g * coord[j] * coord[j]
	}
	return e
}

// QuadraticFlow is gradient flow on a quadratic (O3 [L]):
// θ(t) = c + e^{−tA}(θ₀ − c).
func QuadraticFlow(dst []float64, a *mat.SymDense, c, theta0 []float64, t float64) []float64 {
	return quadraticSpectral(dst, a, c, theta0, func(lambda float64) float64 {
		return math.Exp(-t * lambda)
	})
}

// GDStable reports whether GD with step η on a quadratic with Hessian
// eigenvalues vals stays bounded from every start (O2 [L]):
// max_j |1 − ηλ_j| ≤ 1, i.e. 0 ≤ λ_j ≤ 2/η for all j.
func GDStable(vals []float64, eta float64) bool {
	for _, l := range vals {
		if math.Abs(1-eta*l) > 1 {
			return false
		}
	}
	return true
}

// eigenCoordinates returns the eigenvalues and eigenvectors of A and the
// coordinates of θ₀ − c in its eigenbasis.
func eigenCoordinates(a *mat.SymDense, c, theta0 []float64) (vals []float64, v *mat.Dense, coord []float64) {
	var es mat.EigenSym
	if !es.Factorize(a, true) {
		panic("reference: eigendecomposition failed")
	}
	vals = es.Values(nil)
	v = new(mat.Dense)
	es.VectorsTo(v)
	p := len(c)
	d := make([]float64, p)
	for i := range d {
		d[i] = theta0[i] - c[i]
	}
	coord = make([]float64, p)
	mat.NewVecDense(p, coord).MulVec(v.T(), mat.NewVecDense(p, d))
	return vals, v, coord
}

// quadraticSpectral returns c + V diag(g(λ)) Vᵀ (θ₀ − c).
func quadraticSpectral(dst []float64, a *mat.SymDense, c, theta0 []float64, g func(float64) float64) []float64 {
	p := a.SymmetricDim()
	if len(c) != p || len(theta0) != p {
		panic(fmt.Sprintf("reference: quadratic of dimension %d with len(c) = %d, len(θ₀) = %d", p, len(c), len(theta0)))
	}
	if dst == nil {
		dst = make([]float64, p)
	}
	vals, v, coord := eigenCoordinates(a, c, theta0)
	for j := range coord {
		coord[j] *= g(vals[j])
	}
	out := mat.NewVecDense(p, dst)
	out.MulVec(v, mat.NewVecDense(p, coord))
	for i := range dst {
		dst[i] += c[i]
	}
	return dst
}
