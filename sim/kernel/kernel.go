package kernel

import (
	"fmt"
	"sort"
)

// Backend is one implementation of the hot matrix kernels.
//
// Implementations must give results that are bit-identical for identical
// inputs, whatever GOMAXPROCS is, and must not allocate in steady state.
type Backend interface {
	// Name is the variant's name, as used in specs and benchmark names.
	Name() string
	// Gemm computes C = alpha·op(A)·op(B) + beta·C, with op(A) m×k,
	// op(B) k×n and C m×n, where op(X) is X or Xᵀ as tA, tB say.
	// When beta is zero, C need not be initialised (NaNs in C are ignored).
	Gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
	// Gemv computes y = alpha·op(A)·x + beta·y with A m×n (op(A) = Aᵀ when
	// tA). When beta is zero, y need not be initialised.
	Gemv(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64)
}

// constructors lists the variants compiled into this build, by name.
func constructors() map[string]func() Backend {
	m := map[string]func() Backend{
		"naive": func() Backend { return Naive{} },
		"gonum": func() Backend { return Gonum{} },
	}
	return m
}

// Names returns the names of the variants available in this build, sorted.
func Names() []string {
	var names []string
	for n := range constructors() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Get returns the variant with the given name; the empty name selects
// Default.
func Get(name string) (Backend, error) {
	if name == "" {
		return Default(), nil
	}
	c, ok := constructors()[name]
	if !ok {
		return nil, fmt.Errorf("kernel: unknown variant %q (have %v)", name, Names())
	}
	return c(), nil
}

// Default returns the fastest variant available in this build.
func Default() Backend { return Gonum{} }
