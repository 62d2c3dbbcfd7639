// Package peak measures the float64 roof of one core of the machine the
// benchmarks run on: a loop of independent fused multiply-adds with nothing
// else in it, so that a kernel's GFLOP/s can be quoted as a fraction of the
// peak measured in the same run, under the same clock and the same
// neighbours, rather than of a figure from a data sheet.
//
// On amd64 with AVX2 and FMA3 the loop is twelve 4-wide VFMADD213PD chains
// (enough independent chains to cover the FMA latency on two pipes): the
// roof of the AVX2 kernels eoskit has, which is the machine's on CPUs whose
// widest FMA is 256 bits (on CPUs with two 512-bit FMA ports it is half the
// machine's). Elsewhere it is the same arithmetic in Go with math.FMA, 48
// independent scalar chains, a roof for scalar code only (Vector reports
// false). FMA runs on one goroutine: its figure is per core at any -cpu.
package peak
