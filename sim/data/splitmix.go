package data

import "math"

// SplitMix64 is the random number generator of the Python anchors
// (their common.py): SplitMix64 integers, uniforms in the open
// interval (0,1) from their top 53 bits, and Box–Muller normals that use
// both outputs of a pair, the cosine one first.
//
// It implements math/rand/v2's Source, so rand.New(g) gives the usual
// methods on the same stream, but its own Uniform and Normal are the ones
// that match the anchors. A SplitMix64 is not safe for concurrent use.
type SplitMix64 struct {
	state    uint64
	spare    float64
	hasSpare bool
}

// NewSplitMix64 returns a generator seeded with seed.
func NewSplitMix64(seed uint64) *SplitMix64 {
	return &SplitMix64{state: seed}
}

// Uint64 returns the next 64-bit output.
func (g *SplitMix64) Uint64() uint64 {
	g.state += 0x9E3779B97F4A7C15
	z := g.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Uniform returns ((z>>11) + 0.5)·2⁻⁵³ for the next output z, rounded as
// the anchors round it: a uniform number in (0,1]. It is never 0 (so ln u is
// finite); it is 1 only when the top 53 bits of z are all ones (the tie
// k + ½ = 2⁵³ − ½ rounds to even), with probability 2⁻⁵³, as in the anchors.
func (g *SplitMix64) Uniform() float64 {
	return (float64(g.Uint64()>>11) + 0.5) * (1.0 / (1 << 53))
}

// Normal returns a standard normal number by the Box–Muller transform:
// two uniforms u1, u2 give r·cos(2πu2) (returned now) and r·sin(2πu2)
// (returned by the next call), r = √(−2 ln u1).
func (g *SplitMix64) Normal() float64 {
	if g.hasSpare {
		g.hasSpare = false
		return g.spare
	}
	u1 := g.Uniform()
	u2 := g.Uniform()
	r := math.Sqrt(-2 * math.Log(u1))
	t := 2 * math.Pi * u2
	s, c := math.Sincos(t)
	g.spare, g.hasSpare = r*s, true
	return r * c
}

// Normals fills dst with successive Normal values and returns it.
func (g *SplitMix64) Normals(dst []float64) []float64 {
	for i := range dst {
		dst[i] = g.Normal()
	}
	return dst
}
