package reference

import (
	"fmt"
	"slices"
	"testing"
)

// TestRootedTrees checks the forest against known counts and densities.
func TestRootedTrees(t *testing.T) {
	forest := RootedTrees(9)
	// OEIS A000081: rooted trees with n vertices.
	want := []int{1, 1, 2, 4, 9, 20, 48, 115, 286}
	got := make([]int, 9)
	for _, tr := range forest {
		got[tr.Order-1]++
	}
	if !slices.Equal(got, want) {
		t.Fatalf("trees per order %v, want %v", got, want)
	}
	// Densities of the trees of order ≤ 4 (Butcher; HNW I, Table II.2.1):
	// •: 1; [•]: 2; [•,•]: 3, [[•]]: 6; [•,•,•]: 4, [•,[•]]: 8, [[•,•]]: 12, [[[•]]]: 24.
	var g4 []float64
	for _, tr := range forest[:8] {
		g4 = append(g4, tr.Gamma)
	}
	slices.Sort(g4)
	if w := []float64{1, 2, 3, 4, 6, 8, 12, 24}; !slices.Equal(g4, w) {
		t.Errorf("densities up to order 4: %v, want %v", g4, w)
	}
	// Every tree is a distinct multiset of children (no duplicates).
	seen := map[string]bool{}
	for i, tr := range forest {
		key := fmt.Sprint(tr.Order, tr.Children)
		if seen[key] {
			t.Errorf("tree %d duplicates an earlier tree", i)
		}
		seen[key] = true
		if !slices.IsSortedFunc(tr.Children, func(a, b int) int { return b - a }) {
			t.Errorf("tree %d: children %v not in non-increasing order", i, tr.Children)
		}
	}
	// The elementary weights of the 1-stage, 1-weight method (Euler) are
	// Φ(•) = 1 and 0 for every larger tree.
	ew := newOdeElementaryWeights(forest, [][]float64{{}})
	for i, tr := range forest {
		want := 0.0
		if tr.Order == 1 {
			want = 1
		}
		if ew.phi[i][0] != want {
			t.Errorf("Euler: Φ(tree %d) = %v, want %v", i, ew.phi[i][0], want)
		}
	}
}
