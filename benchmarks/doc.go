// Package benchmarks holds eoskit's `go test -bench` benchmarks of the hot
// kernels and of end-to-end steps, the saved results under results/, and
// the scripts that compare two builds with benchstat.
//
// Sub-benchmarks are named impl=<variant>/shape=<shape> (or
// method=…/problem=…), so that
//
//	go tool benchstat -col /impl results/<file>.txt
//
// puts the variants side by side. Every benchmark reports allocations and a
// throughput metric (GFLOP/s, ns/elem, hvps/op). Wall-clock figures on the
// shared 2-core machines are noisy: compare variants within one run, or two
// revisions with ab.sh (interleaved runs of both test binaries), and quote
// ratios. CI runs each benchmark once (-benchtime=1x) as a smoke test and
// gates only on deterministic figures (allocations, evaluation counts).
//
// Kernel shapes (kernel_test.go) are written <op flags>-<m>x<n>x<k> for GEMM
// (NT-500x512x32 is Z = X·Wᵀ of the two-layer network with n = 500 samples,
// d = 32 inputs, m = 512 neurons; TN-512x32x500 is its gradient Gᵀ·X) and
// <N|T>-<rows>x<cols> for GEMV. Building with -tags openblas (cgo,
// libopenblas-dev) adds the openblas variant to the same run.
//
// # Anchors
//
// The performance comparisons in the README and in the saved results named
// *-anchors.txt are against the Python performance anchors: scripts that
// measure what a researcher would run instead of eoskit (PyTorch autograd
// and hand-written NumPy on the CPU, SciPy's solve_ivp and eigsh, OpenBLAS
// dgemm) on the same problems, on the same machine, in the same session.
// They are references, not part of eoskit, and are kept outside this
// repository; the code refers to them by file name: common.py (the problem
// instance: SplitMix64 inputs, teacher and initialisation, rebuilt exactly
// by sim/data's Anchor and AnchorInit), w1_gd_step.py (a GD step of the
// two-layer network), w2_hvp.py (a Hessian-vector product), w3_sharpness.py
// (the top eigenvalue by eigsh and power iteration), w4_eos.py (2000 GD
// steps at the Edge of Stability with the sharpness every 10: the anchor-eos
// experiment), w5_ode.py (Arenstorf's orbit and a gradient flow), w6_blas.py
// and w6_peak.c (dgemm and the FMA peak). Commands that run them take their
// folder as an argument or $ANCHORS.
package benchmarks
