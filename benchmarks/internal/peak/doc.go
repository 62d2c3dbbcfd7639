// Package peak measures the floating-point roof of the machine the
// benchmarks run on: a loop of independent fused multiply-adds with nothing
// else in it, so that a kernel's GFLOP/s can be quoted as a fraction of the
// peak measured in the same run, under the same clock and the same
// neighbours, rather than of a figure from a data sheet.
//
// On amd64 with AVX2 and FMA3 the loop is twelve 4-wide VFMADD231PD chains
// (enough independent chains to cover the FMA latency on two pipes); on
// other machines it is the same arithmetic in Go with math.FMA, which is a
// roof for scalar code only and says so (Vector reports false).
package peak
