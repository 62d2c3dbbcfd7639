package peak

import "math"

// Lanes is the number of independent accumulators of FMA: 12 vectors of 4.
const Lanes = 48

// FlopsPerIter is the number of floating-point operations of one iteration
// of FMA's loop: one fused multiply-add (two operations) per lane.
const FlopsPerIter = 2 * Lanes

// Multiplier and Addend define the chains: every lane runs
// acc = fma(acc, Multiplier, Addend) from acc = lane index, which converges
// to Addend/(1 − Multiplier) = 1 without overflow or subnormals, however
// long the loop.
const (
	Multiplier = 0.9990234375 // 1 − 2⁻¹⁰
	Addend     = 0x1p-10
)

// FMA runs n iterations of the loop and returns the sum of the lanes, in
// lane order (which keeps the loop from being optimised away and lets the
// tests check the arithmetic bit for bit against Reference).
func FMA(n int) float64 {
	if vector() {
		return run(n, fmaAsm)
	}
	return run(n, fmaGo)
}

// Vector reports whether FMA runs the vector loop (amd64 with AVX2 and
// FMA3). Otherwise its figure is a scalar roof.
func Vector() bool { return vector() }

// Reference is FMA's arithmetic in plain Go.
func Reference(n int) float64 { return run(n, fmaGo) }

// run starts lane i at i, runs n iterations of chains over the lanes and
// returns their sum in lane order.
func run(n int, chains func(int, *[Lanes]float64)) float64 {
	var acc [Lanes]float64
	for i := range acc {
		acc[i] = float64(i)
	}
	chains(n, &acc)
	var s float64
	for _, v := range acc {
		s += v
	}
	return s
}

// fmaGo runs the chains in Go, all lanes at every iteration so that they are
// independent instructions in flight (one lane after the other would measure
// the FMA latency instead of its throughput); each lane's operations are
// FMA's, so the results are the same bits.
func fmaGo(n int, acc *[Lanes]float64) {
	for range n {
		for i := range acc {
			acc[i] = math.FMA(acc[i], Multiplier, Addend)
		}
	}
}
