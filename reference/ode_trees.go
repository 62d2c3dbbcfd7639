package reference

import "math"

// RootedTree is a rooted tree in a forest built by RootedTrees: the order
// conditions of Runge–Kutta methods are indexed by these trees (Butcher;
// HNW I, §II.2).
type RootedTree struct {
	// Order is the number of vertices ρ(τ).
	Order int
	// Children lists the subtrees of the root as indices into the forest,
	// in non-increasing order (a multiset).
	Children []int
	// Gamma is the density γ(τ) = ρ(τ)·Π γ(children); the order condition
	// of τ is Σᵢ bᵢ Φᵢ(τ) = 1/γ(τ).
	Gamma float64
}

// RootedTrees returns every rooted tree with at most maxOrder vertices, each
// once, sorted by order. A tree of order n is a root with a multiset of
// subtrees whose orders sum to n − 1; choosing the subtrees by
// non-increasing index enumerates each multiset exactly once. The counts are
// 1, 1, 2, 4, 9, 20, 48, 115, 286, … (OEIS A000081).
func RootedTrees(maxOrder int) []RootedTree {
	var forest []RootedTree
	if maxOrder < 1 {
		return forest
	}
	forest = append(forest, RootedTree{Order: 1, Gamma: 1})
	for n := 2; n <= maxOrder; n++ {
		smaller := len(forest)
		var rec func(remaining, maxIdx int, cur []int)
		rec = func(remaining, maxIdx int, cur []int) {
			if remaining == 0 {
				g := float64(n)
				for _, c := range cur {
					g *= forest[c].Gamma
				}
				forest = append(forest, RootedTree{Order: n, Children: append([]int(nil), cur...), Gamma: g})
				return
			}
			for i := maxIdx; i >= 0; i-- {
				if o := forest[i].Order; o <= remaining {
					rec(remaining-o, i, append(cur, i))
				}
			}
		}
		rec(n-1, smaller-1, nil)
	}
	return forest
}

// odeElementaryWeights holds, for every tree of a forest and every stage i of a
// tableau, the internal elementary weight Φᵢ(τ) (Φᵢ(•) = 1,
// Φᵢ([τ₁,…,τₘ]) = Πₖ Σⱼ aᵢⱼ Φⱼ(τₖ)), the same quantity computed with |aᵢⱼ|,
// and the number K(τ) of roundings that separate the computed Φᵢ(τ) from its
// exact value for the exact coefficients.
//
// Rounding model (Higham, Accuracy and Stability of Numerical Algorithms,
// §3.1): each coefficient carries a relative representation error ≤ u, a
// dot product of length s adds γ_s relative to Σ|a||Φ|, and a product of m
// factors adds γ_{m−1}. Hence |fl(Φᵢ(τ)) − Φᵢ(τ)| ≤ γ_{K(τ)} |Φ|ᵢ(τ) with
// K(•) = 0 and K([τ₁,…,τₘ]) = Σₖ (K(τₖ) + s + 1) + (m − 1), to first order in u.
type odeElementaryWeights struct {
	phi, abs [][]float64
	k        []int
}

func newOdeElementaryWeights(forest []RootedTree, a [][]float64) odeElementaryWeights {
	s := len(a)
	w := odeElementaryWeights{
		phi: make([][]float64, len(forest)),
		abs: make([][]float64, len(forest)),
		k:   make([]int, len(forest)),
	}
	for ti, tr := range forest {
		phi := make([]float64, s)
		abs := make([]float64, s)
		for i := range phi {
			phi[i], abs[i] = 1, 1
		}
		k := 0
		for ci, c := range tr.Children {
			for i := range s {
				var d, da float64
				for j := 0; j < i; j++ {
					d += a[i][j] * w.phi[c][j]
					da += math.Abs(a[i][j]) * w.abs[c][j]
				}
				phi[i] *= d
				abs[i] *= da
			}
			k += w.k[c] + s + 1
			if ci > 0 {
				k++
			}
		}
		w.phi[ti], w.abs[ti], w.k[ti] = phi, abs, k
	}
	return w
}

// odeUnitRoundoff is u = 2⁻⁵³, the unit round-off of float64.
const odeUnitRoundoff = 0x1p-53

// odeGammaN is Higham's γₙ = nu/(1 − nu).
func odeGammaN(n int) float64 {
	nu := float64(n) * odeUnitRoundoff
	return nu / (1 - nu)
}

// conditionResidual returns Σᵢ wᵢΦᵢ(τ) − target and the round-off bound on
// it: γ_{K(τ)+s+1+extra}·Σᵢ |w|ᵢ |Φ|ᵢ(τ) + γ₂|target| (target is 1/γ(τ) or
// θ^ρ/γ(τ) with θ a short dyadic number, so it is rounded once), where wAbs bounds the
// magnitudes that carry representation errors in w (for example |B| + |E|
// when w = B − E) and extra counts roundings made in w itself.
func (ew odeElementaryWeights) conditionResidual(tree int, w, wAbs []float64, target float64, extra int) (res, bound float64) {
	var sum, sumAbs float64
	for i, wi := range w {
		sum += wi * ew.phi[tree][i]
		sumAbs += wAbs[i] * ew.abs[tree][i]
	}
	n := ew.k[tree] + len(w) + 1 + extra
	// The residual is itself one more rounding of sum − target.
	return sum - target, odeGammaN(n)*sumAbs + odeGammaN(2)*math.Abs(target)
}
