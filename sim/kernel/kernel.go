package kernel

import (
	"fmt"
	"sort"
)

// Backend is one implementation of the hot matrix kernels.
//
// Implementations must give results that are bit-identical for identical
// inputs, whatever GOMAXPROCS is, must not allocate in steady state and are
// safe for concurrent use.
type Backend interface {
	// Name is the variant's name, as used in specs and benchmark names.
	Name() string
	// Gemm computes C = alpha·op(A)·op(B) + beta·C, with op(A) m×k,
	// op(B) k×n and C m×n, where op(X) is X or Xᵀ as tA, tB say.
	// A is stored m×k (k×m when tA) with leading dimension lda, B is stored
	// k×n (n×k when tB) with leading dimension ldb, C is m×n with leading
	// dimension ldc.
	// When beta is zero, C need not be initialised (NaNs in C are ignored);
	// when alpha is zero or k is zero, A and B are not read.
	Gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
	// Gemv computes y = alpha·op(A)·x + beta·y with A m×n (op(A) = Aᵀ when
	// tA), x of length n (m when tA) and y of length m (n when tA).
	// When beta is zero, y need not be initialised; when alpha is zero, A
	// and x are not read.
	Gemv(tA bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64)
}

// variant is one entry of the list of variants compiled into a build.
type variant struct {
	name string
	make func() Backend
}

// variants lists the variants compiled into this build. The list depends on
// build tags only through optionalVariants, a build-tagged function.
func variants() []variant {
	v := []variant{
		{"naive", func() Backend { return Naive{} }},
		{"gonum", func() Backend { return Gonum{} }},
		{"tuned", func() Backend { return NewTuned() }},
		{"asm", func() Backend { return NewAsm() }},
	}
	return append(v, optionalVariants()...)
}

// Names returns the names of the variants available in this build, sorted.
func Names() []string {
	var names []string
	for _, v := range variants() {
		names = append(names, v.name)
	}
	sort.Strings(names)
	return names
}

// Get returns a new instance of the variant with the given name; the empty
// name selects Default. Each call returns a fresh Backend (the parallel
// variants own a small pool of helper goroutines, released when the Backend
// is garbage collected).
func Get(name string) (Backend, error) {
	if name == "" {
		return Default(), nil
	}
	for _, v := range variants() {
		if v.name == name {
			return v.make(), nil
		}
	}
	return nil, fmt.Errorf("kernel: unknown variant %q (have %v)", name, Names())
}

// Default returns the fastest variant available in every build: asm, which
// runs AVX2+FMA micro-kernels where the CPU has them and the tuned pure-Go
// kernels elsewhere, in parallel over up to GOMAXPROCS cores.
func Default() Backend { return NewAsm() }
