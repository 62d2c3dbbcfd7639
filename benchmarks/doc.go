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
package benchmarks
