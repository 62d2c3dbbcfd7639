package data_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eoskit/eoskit/sim/data"
)

// The expected values in this file were computed by the Python anchors
// (the anchors' common.py, an independent implementation in pure Python
// integers and floats plus NumPy) with
//
//	/usr/bin/python3 sim/data/testdata/anchor_values.py /path/to/anchors
//
// and are printed with repr(), which round-trips float64 exactly.

const eps = 0x1p-52 // machine epsilon of float64

// ulpDiff returns |got − want| in units of the spacing of floats at want.
func ulpDiff(got, want float64) float64 {
	a := math.Abs(want)
	return math.Abs(got-want) / (math.Nextafter(a, math.Inf(1)) - a)
}

// normalULPs is the tolerance, in ulps, of one Box–Muller normal against the
// anchors. Integers and uniforms agree bit for bit, but math.Log, math.Sin and
// math.Cos (pure Go) and glibc's log, sin and cos each round within about one
// ulp and not always the same way; with the rounding of the square root and
// the product r·cos(t) the two can differ by a few ulps. Measured over the
// first 200000 normals of seed 1: 77% identical, worst 3 ulps (2.9ε relative).
const normalULPs = 4

func TestSplitMix64Uint64(t *testing.T) {
	// Integer arithmetic mod 2^64: must agree exactly.
	for _, tc := range []struct {
		seed uint64
		want [3]uint64
	}{
		{0, [3]uint64{16294208416658607535, 7960286522194355700, 487617019471545679}},
		{1, [3]uint64{10451216379200822465, 13757245211066428519, 17911839290282890590}},
		{2, [3]uint64{10905525725756348110, 13819372491320860226, 10987583248141275951}},
		{math.MaxUint64, [3]uint64{16490336266968443936, 16834447057089888969, 4048727598324417001}},
	} {
		var g rand.Source = data.NewSplitMix64(tc.seed) // usable with rand.New
		for i, w := range tc.want {
			if got := g.Uint64(); got != w {
				t.Errorf("seed %d output %d: got %d, want %d", tc.seed, i, got, w)
			}
		}
	}
}

func TestSplitMix64Uniform(t *testing.T) {
	// ((z>>11)+0.5)·2^-53 is one rounded addition and an exact scaling in
	// both languages: bit-identical.
	g := data.NewSplitMix64(1)
	for i, w := range []float64{0.566561575172281, 0.7457817572627012, 0.9710027535867962, 0.44435921705577214} {
		if got := g.Uniform(); got != w {
			t.Errorf("uniform %d: got %v, want %v", i, got, w)
		}
	}
}

func TestSplitMix64Normal(t *testing.T) {
	want := []float64{-0.028249746095854695, -1.065617648414326, -0.22791952286763517,
		0.08309416847150097, 0.10309095168573973, -1.2696620408584176, -0.5062040745113184,
		-0.073884947331568, 0.43214324082000827}
	g := data.NewSplitMix64(1)
	for i, w := range want {
		if got := g.Normal(); ulpDiff(got, w) > normalULPs {
			t.Errorf("normal %d: got %v, want %v (%v ulps, tolerance %d)", i, got, w, ulpDiff(got, w), normalULPs)
		}
	}
}

func TestSplitMix64NormalStream(t *testing.T) {
	// Sums over the first 100000 normals of seed 1 (math.fsum in Python,
	// exact to 1/2 ulp). A stream that lost or reordered one normal (the
	// Box–Muller spare) would be off by O(1) in the sum; rounding differences
	// are at most normalULPs·ε per |term| plus the error of this plain
	// left-to-right summation, γ_n·Σ|term| with n = 1e5 (≈ 1e5·ε relative to
	// Σ|term|), so the tolerance is (normalULPs+1e5)·ε·Σ|term| ≈ 1.8e-6
	// for the sum and ≈ 2.2e-6 for the sum of squares (whose terms carry
	// twice the relative error).
	const (
		n       = 100000
		wantSum = -162.57959423539577
		wantSq  = 99931.55930829569
		wantAbs = 79781.53151824219
	)
	z := data.NewSplitMix64(1).Normals(make([]float64, n))
	var sum, sq, abs float64
	for _, x := range z {
		sum += x
		sq += x * x
		abs += math.Abs(x)
	}
	for _, c := range []struct {
		name            string
		got, want, size float64
	}{
		{"sum", sum, wantSum, wantAbs},
		{"sum of |x|", abs, wantAbs, wantAbs},
		{"sum of squares", sq, wantSq, 2 * wantSq},
	} {
		tol := (normalULPs + n) * eps * c.size
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("%s of %d normals: got %v, want %v (tolerance %.2g)", c.name, n, c.got, c.want, tol)
		}
	}
}

func TestAnchorMatchesPython(t *testing.T) {
	teach, err := data.Anchor(data.AnchorN, data.AnchorD, data.AnchorTeacher)
	if err != nil {
		t.Fatal(err)
	}
	random, err := data.Anchor(data.AnchorN, data.AnchorD, data.AnchorRandom)
	if err != nil {
		t.Fatal(err)
	}
	small, err := data.Anchor(3, 2, data.AnchorTeacher)
	if err != nil {
		t.Fatal(err)
	}
	if teach.N != 500 || teach.D != 32 || teach.C != 1 {
		t.Fatalf("anchor shape n=%d d=%d c=%d, want 500, 32, 1", teach.N, teach.D, teach.C)
	}
	// X entries are normals: normalULPs (see above).
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"X[0,0]", teach.X[0], -0.028249746095854695},
		{"X[0,1]", teach.X[1], -1.065617648414326},
		{"X[0,2]", teach.X[2], -0.22791952286763517},
		{"X[0,3]", teach.X[3], 0.08309416847150097},
		{"X[123,17]", teach.X[123*32+17], -0.06864628868698532},
		{"X[499,31]", teach.X[499*32+31], -0.5453466736926224},
		{"random y[0]", random.Y[0], 0.019979106634035845},
		{"random y[1]", random.Y[1], -1.3782093800831883},
		{"random y[2]", random.Y[2], 1.38563952528207},
		{"random y[499]", random.Y[499], 0.9542815092832467},
		{"random X[499,31]", random.X[499*32+31], -0.5453466736926224},
		{"small X[2,1]", small.X[5], -1.2696620408584176},
	} {
		if d := ulpDiff(c.got, c.want); d > normalULPs {
			t.Errorf("%s: got %v, want %v (%v ulps, tolerance %d)", c.name, c.got, c.want, d, normalULPs)
		}
	}
	// Teacher labels y = Σ_k b_k tanh(u_k·x): NumPy sums the length-d dot
	// products in OpenBLAS's order and evaluates tanh with its own SIMD
	// routine (≤ 4 ulps), Go sums left to right. Worst-case bound
	// |Δy| ≤ Σ_k|b_k|·(2γ_d·Σ_l|u_kl x_l| + 5ε) + 2γ_4·Σ_k|b_k h_k|; for this
	// instance Σ|b_k| ≈ 3.3 and max Σ_l|u_kl x_l| ≈ 6.1, so about 3e-13;
	// typical rounding is √d·ε·Σ|b_k| ≈ 4e-15. Measured over all 500 labels:
	// at most 1.1e-15. Tolerance 1e-14: above any plausible rounding, far
	// below the O(0.1) change that one shifted normal would cause.
	const yTol = 1e-14
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"y[0]", teach.Y[0], 1.3144221009243444},
		{"y[1]", teach.Y[1], 1.7346392749665642},
		{"y[2]", teach.Y[2], 0.39157056975264326},
		{"y[3]", teach.Y[3], -0.08072303665711655},
		{"y[250]", teach.Y[250], 0.05144601875279342},
		{"y[499]", teach.Y[499], 1.4219546359661188},
		{"small y[0]", small.Y[0], 0.08384875531259173},
		{"small y[1]", small.Y[1], -0.17006881660665496},
		{"small y[2]", small.Y[2], 0.10822089796909196},
	} {
		if math.Abs(c.got-c.want) > yTol {
			t.Errorf("%s: got %v, want %v (difference %.2g, tolerance %g)", c.name, c.got, c.want, c.got-c.want, yTol)
		}
	}
}

func TestAnchorInitMatchesPython(t *testing.T) {
	const m, d = 8, 32
	theta := data.AnchorInit(m, d)
	if len(theta) != m*(d+1) {
		t.Fatalf("len(theta) = %d, want %d", len(theta), m*(d+1))
	}
	// W = normal/√d: the normal's normalULPs plus one rounding of the
	// division (½ ulp, rounded up to 1).
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"W[0,0]", theta[0], -0.11332297797557028, normalULPs + 1},
		{"W[0,1]", theta[1], -0.3509733336840891, normalULPs + 1},
		{"W[0,2]", theta[2], 0.15688593814062712, normalULPs + 1},
		{"W[7,31]", theta[7*d+31], 0.08746225449330994, normalULPs + 1},
		{"a[0]", theta[m*d], 0.21657145295438485, normalULPs},
		{"a[1]", theta[m*d+1], -0.5283162061466581, normalULPs},
		{"a[2]", theta[m*d+2], 0.12374727736746112, normalULPs},
		{"a[3]", theta[m*d+3], -0.23424756216075046, normalULPs},
		{"a[4]", theta[m*d+4], 1.0829708696555147, normalULPs},
		{"a[5]", theta[m*d+5], 1.5156751640212616, normalULPs},
		{"a[6]", theta[m*d+6], 0.29559940277435914, normalULPs},
		{"a[7]", theta[m*d+7], -0.11753810716563844, normalULPs},
	} {
		if u := ulpDiff(c.got, c.want); u > c.tol {
			t.Errorf("%s: got %v, want %v (%v ulps, tolerance %v)", c.name, c.got, c.want, u, c.tol)
		}
	}
}

func TestProbeVectorMatchesPython(t *testing.T) {
	const p = 8 * 33
	v := data.ProbeVector(p, data.AnchorSeedProbe)
	// NumPy's norm is √(ddot) in OpenBLAS's summation order, ours left to
	// right: each sum of p squares has relative error ≤ γ_p ≈ p·ε, halved by
	// the square root, so the normalisations differ by ≤ p·ε relative; plus
	// normalULPs on the entry itself.
	tol := (p + normalULPs) * eps
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"v[0]", v[0], 0.06142180524127746},
		{"v[1]", v[1], -0.049267197667081514},
		{"v[2]", v[2], -0.033421588386407734},
		{"v[263]", v[263], -0.04331859168768059},
	} {
		if r := math.Abs(c.got-c.want) / math.Abs(c.want); r > tol {
			t.Errorf("%s: got %v, want %v (relative %.2g, tolerance %.2g)", c.name, c.got, c.want, r, tol)
		}
	}
	var ss float64
	for _, x := range v {
		ss += x * x
	}
	// Unit norm up to the rounding of p divisions and the sum: p·ε.
	if math.Abs(ss-1) > p*eps {
		t.Errorf("‖v‖² = %v, want 1 within %.2g", ss, p*eps)
	}
}

func TestAnchorErrors(t *testing.T) {
	for _, tc := range []struct {
		n, d   int
		labels string
	}{
		{0, 32, data.AnchorTeacher},
		{500, -1, data.AnchorRandom},
		{500, 32, "noise"},
	} {
		if _, err := data.Anchor(tc.n, tc.d, tc.labels); !errors.Is(err, data.ErrInvalid) {
			t.Errorf("Anchor(%d, %d, %q): error %v, want one wrapping ErrInvalid", tc.n, tc.d, tc.labels, err)
		}
	}
}

func TestAnchorPrefix(t *testing.T) {
	// The first rows of X and the teacher do not depend on n: the instance
	// with n = 10 is the first ten rows of the one with n = 500, exactly
	// (same code path, same operations).
	big, err := data.Anchor(500, 32, data.AnchorTeacher)
	if err != nil {
		t.Fatal(err)
	}
	small, err := data.Anchor(10, 32, data.AnchorTeacher)
	if err != nil {
		t.Fatal(err)
	}
	for i := range small.X {
		if small.X[i] != big.X[i] {
			t.Fatalf("X[%d] differs: %v vs %v", i, small.X[i], big.X[i])
		}
	}
	for i := range small.Y {
		if small.Y[i] != big.Y[i] {
			t.Fatalf("y[%d] differs: %v vs %v", i, small.Y[i], big.Y[i])
		}
	}
}
