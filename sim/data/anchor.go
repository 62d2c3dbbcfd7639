package data

import (
	"fmt"
	"math"
)

// The problem instance of the Python performance anchors
// (their common.py and w4_eos.py; the anchors are kept outside this
// repository, see the benchmarks package).
const (
	AnchorN            = 500 // examples
	AnchorD            = 32  // input dimension
	AnchorTeacherWidth = 4   // hidden width of the anchors' teacher

	AnchorSeedX       = 1 // SplitMix64 seed of the inputs X
	AnchorSeedTeacher = 2 // seed of the teacher's weights
	AnchorSeedInit    = 3 // seed of the student initialisation (AnchorInit)
	AnchorSeedProbe   = 4 // seed of the Lanczos / power-iteration start vector (ProbeVector)
	AnchorSeedLabels  = 5 // seed of the random labels (w4_eos.py)
)

// Labels of Anchor.
const (
	AnchorTeacher = "teacher" // y = Σ_k b_k tanh(u_k·x), the width-4 teacher of common.make_data
	AnchorRandom  = "random"  // y ~ N(0,1) iid from seed 5, the random labels of w4_eos.py
)

// Anchor returns the data of the Python anchors with n examples in dimension
// d (the anchors use n = AnchorN = 500, d = AnchorD = 32), with c = 1 output:
//
//	X (n×d row-major): SplitMix64(1) normals;
//	labels "teacher": U (4×d) = SplitMix64(2) normals / √d, then b (4) from the
//	same stream, y_j = Σ_k b_k tanh(U_k·x_j);
//	labels "random":  y = n SplitMix64(5) normals.
//
// The result agrees with common.make_data to a few ulps (see SplitMix64);
// the first rows of X do not depend on n.
func Anchor(n, d int, labels string) (*Set, error) {
	if n <= 0 || d <= 0 {
		return nil, invalidf("data: anchor with n=%d, d=%d: both must be positive", n, d)
	}
	s := &Set{N: n, D: d, C: 1, X: make([]float64, n*d), Y: make([]float64, n)}
	NewSplitMix64(AnchorSeedX).Normals(s.X)
	switch labels {
	case AnchorTeacher:
		g := NewSplitMix64(AnchorSeedTeacher)
		u := g.Normals(make([]float64, AnchorTeacherWidth*d))
		sd := math.Sqrt(float64(d))
		for i := range u {
			u[i] /= sd // the anchors divide by √d (not multiply by 1/√d)
		}
		b := g.Normals(make([]float64, AnchorTeacherWidth))
		teacherForward(s.Y, s.X, u, b, n, d, AnchorTeacherWidth, 1)
	case AnchorRandom:
		NewSplitMix64(AnchorSeedLabels).Normals(s.Y)
	default:
		return nil, invalidf("data: anchor labels %q: want %q or %q", labels, AnchorTeacher, AnchorRandom)
	}
	s.Source = fmt.Sprintf("anchor(n=%d, d=%d, labels=%s): the SplitMix64 problem of the Python performance anchors", n, d, labels)
	return s, s.Validate()
}

// AnchorInit returns the anchors' student initialisation (common.make_init)
// of a two-layer network of width m on d inputs, as the flat parameter
// vector θ = [vec(W) row-major, a] of length m(d+1): W (m×d) = SplitMix64(3)
// normals / √d, then a (m) from the same stream. This is also the layout of
// sim/model's two-layer network with one output.
func AnchorInit(m, d int) []float64 {
	if m <= 0 || d <= 0 {
		panic(fmt.Sprintf("data: AnchorInit with m=%d, d=%d: both must be positive", m, d))
	}
	theta := NewSplitMix64(AnchorSeedInit).Normals(make([]float64, m*(d+1)))
	sd := math.Sqrt(float64(d))
	for i := range theta[:m*d] {
		theta[i] /= sd
	}
	return theta
}

// ProbeVector returns the anchors' deterministic start vector for Lanczos or
// power iteration (common.probe_vector): p SplitMix64(seed) normals divided
// by their Euclidean norm. The anchors use seed AnchorSeedProbe.
func ProbeVector(p int, seed uint64) []float64 {
	if p <= 0 {
		panic(fmt.Sprintf("data: ProbeVector of length %d", p))
	}
	v := NewSplitMix64(seed).Normals(make([]float64, p))
	var ss float64
	for _, x := range v {
		ss += x * x
	}
	nrm := math.Sqrt(ss)
	for i := range v {
		v[i] /= nrm
	}
	return v
}
