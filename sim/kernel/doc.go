// Package kernel provides the dense kernels that the two-layer network (and
// the kinetic particle system) spend their time in: GEMM and GEMV behind one
// small interface with interchangeable variants selected at run time, and
// the activation passes (σ, σ', σ″ over slices, and the backward pass's
// outer-product scaling) fused to save sweeps over memory.
//
// # Matrices
//
// All matrices are row-major, as in gonum's blas64: element (i, j) of an
// r×c matrix a with leading dimension lda ≥ c is a[i*lda+j]. Backend.Gemm
// computes C = alpha·op(A)·op(B) + beta·C and Backend.Gemv
// y = alpha·op(A)·x + beta·y, BLAS-style (beta = 0 ignores C; alpha = 0 or
// k = 0 does not read A and B). Wrong lengths or leading dimensions panic.
//
// # Variants
//
// Get(name) returns a variant, Names lists those compiled in, Default is
// the fastest (asm):
//
//   - naive: the textbook triple loop, the reference of the tests.
//   - gonum: gonum's pure-Go BLAS (it allocates per large call).
//   - tuned: pure Go, GotoBLAS-style packing and cache blocking, a 6×8
//     register tile, goroutine parallelism over whole tiles.
//   - asm: tuned's driver with AVX2+FMA3 micro-kernels (internal/avx), chosen
//     by CPU feature detection; tuned's kernels where the CPU lacks them and
//     outside amd64.
//   - openblas: cgo to the system OpenBLAS (libopenblas-dev), single-threaded,
//     only in builds with -tags openblas.
//
// Every variant gives bit-identical results for identical inputs whatever
// GOMAXPROCS is (tuned and asm split the output by whole tiles, never along
// k, and each element runs the same operations whoever computes it), does
// not allocate in steady state (except gonum) and is safe for concurrent use.
// Different variants agree to rounding, within γ_{k+2}·(|α||A||B| + |β||C|)
// of the exact result. tuned and asm start helper goroutines lazily
// (runtime.NumCPU() − 1 per Backend value) that end when the Backend is
// garbage collected: keep one Backend and reuse it.
//
// # Tiles
//
// tuned and asm also implement Tiler: Tiles runs their TileRows×TileCols
// register-tile kernel over operands with free strides, and Parallel runs a
// caller's function for a fixed number of parts on their goroutines. A
// caller that keeps its operands in layouts the kernel reads directly can
// then skip the packing of every Gemm call and fuse its elementwise work
// between the products while the data is in cache; the two-layer network's
// tanh path does (sim/model). They implement GemvPairer too: two products
// y = A·x with one matrix in one pass over it, bit for bit two Gemv calls
// (GemvPair falls back to those for the other variants); the Hessian
// tracker's preconditioner uses it on its spectral cache (sim/hessian).
//
// # Activations
//
// Activation (ActTanh, ActGELU, ActReLU) evaluates σ, σ' and σ″ over
// slices (Eval, Deriv, Deriv2; outputs may be the input slice). Tanh is a
// fast tanh within 3 ULP of math.Tanh (2.5 ULP of the exact value),
// vectorised with AVX2 (1.6–1.7 ns per element on a 2.9 GHz AVX2 core against
// 22–24 ns for math.Tanh: benchmarks/results/2026-11-27T1258-kernels.txt)
// and bit-identical on every path. MulOuter and TanhMulOuter form the
// backward pass's G = σ'(Z) ⊙ (α·u vᵀ) in one sweep. The row passes
// TanhDot, TanhGradRow, TanhHVPDot and TanhHVPRow do all the elementwise
// work of a gradient or a Hessian-vector product of a one-output tanh
// network for one example, in one or two sweeps over its row.
//
// The two-layer network f(x) = s·Σ_i a_i σ(w_i·x) with data X (n×d), weights
// W (m×d), a (m), residual r = f − y and c = s/n needs, per gradient, the
// products below (with whole-matrix calls; sim/model runs them block by
// block of examples, with the row passes in place of the middle four):
//
//	b.Gemm(false, true, n, m, d, 1, X, d, W, d, 0, Z, m)   // Z = X·Wᵀ
//	kernel.ActTanh.Eval(H, Z)                              // H = tanh Z (Deriv also gives 1 − H²)
//	b.Gemv(false, n, m, s, H, m, a, 0, f)                  // f = s·H·a
//	b.Gemv(true, n, m, c, H, m, r, 0, ga)                  // g_a = c·Hᵀ·r
//	kernel.TanhMulOuter(n, m, c, r, a, H, m, G, m)         // G = (1 − H²) ⊙ (c·r aᵀ)
//	b.Gemm(true, false, m, d, n, 1, G, m, X, d, 0, gW, d)  // g_W = Gᵀ·X
package kernel
