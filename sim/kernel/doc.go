// Package kernel provides the dense matrix kernels that the two-layer
// network (and the kinetic particle system) spend their time in, behind one
// small interface with interchangeable variants selected at run time.
//
// All matrices are row-major, as in gonum's blas64: element (i, j) of an
// r×c matrix a with leading dimension lda ≥ c is a[i*lda+j].
package kernel
