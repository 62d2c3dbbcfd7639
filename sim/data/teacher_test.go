package data_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/eoskit/eoskit/sim/data"
)

func TestTeacherRecipe(t *testing.T) {
	// Rebuild the labels from the documented recipe (PCG streams 1, 2, 3,
	// NormFloat64, U/√d then B row-major), summing in reverse order so the
	// arithmetic is not a copy of the implementation's. The two differ only
	// by summation order: |Δy| ≤ 2γ_d Σ|u x| Σ|b| + 2γ_k Σ|b h|, below
	// 1e-13 for these sizes (d = 7, k = 5, |b| ≲ 4, |u x| ≲ 4).
	const tol = 1e-13
	cfg := data.TeacherConfig{N: 40, D: 7, Width: 5, Outputs: 3, Noise: 0.1, Seed: 99}
	s, err := data.Teacher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 40 || s.D != 7 || s.C != 3 || len(s.X) != 280 || len(s.Y) != 120 {
		t.Fatalf("shape n=%d d=%d c=%d len(X)=%d len(Y)=%d", s.N, s.D, s.C, len(s.X), len(s.Y))
	}
	rx := rand.New(rand.NewPCG(99, 1))
	for i, x := range s.X {
		if w := rx.NormFloat64(); x != w { // the same draw: exact
			t.Fatalf("X[%d] = %v, want %v", i, x, w)
		}
	}
	rn := rand.New(rand.NewPCG(99, 2))
	u := make([]float64, 5*7)
	for i := range u {
		u[i] = rn.NormFloat64() / math.Sqrt(7)
	}
	b := make([]float64, 3*5)
	for i := range b {
		b[i] = rn.NormFloat64()
	}
	rz := rand.New(rand.NewPCG(99, 3))
	for j := range 40 {
		for o := range 3 {
			var f float64
			for k := 4; k >= 0; k-- {
				var z float64
				for l := 6; l >= 0; l-- {
					z += u[k*7+l] * s.X[j*7+l]
				}
				f += b[o*5+k] * math.Tanh(z)
			}
			f += 0.1 * rz.NormFloat64()
			if got := s.Y[j*3+o]; math.Abs(got-f) > tol {
				t.Errorf("y[%d][%d] = %v, want %v (tolerance %g)", j, o, got, f, tol)
			}
		}
	}
}

func TestTeacherDeterministicAndPrefix(t *testing.T) {
	a, err := data.Teacher(data.TeacherConfig{N: 100, D: 5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := data.Teacher(data.TeacherConfig{N: 100, D: 5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) {
		t.Error("same settings, different sets")
	}
	// Fewer examples: the first rows, bit for bit (same streams, same ops).
	p, err := data.Teacher(data.TeacherConfig{N: 10, D: 5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.X, a.X[:50]) || !slices.Equal(p.Y, a.Y[:10]) {
		t.Error("n=10 is not the first rows of n=100")
	}
	c, err := data.Teacher(data.TeacherConfig{N: 100, D: 5, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.X, c.X) || slices.Equal(a.Y, c.Y) {
		t.Error("seeds 3 and 4 give the same set")
	}
	if a.C != data.DefaultTeacherOutputs {
		t.Errorf("default outputs %d, want %d", a.C, data.DefaultTeacherOutputs)
	}
	r := data.TeacherConfig{N: 1, D: 1}.Resolved()
	if r.Width != data.DefaultTeacherWidth || r.Outputs != data.DefaultTeacherOutputs {
		t.Errorf("Resolved() = %+v", r)
	}
}

func TestTeacherStatistics(t *testing.T) {
	// x ~ N(0,1): the sample mean and variance of N·D = 40000 values have
	// standard errors 1/√40000 = 0.005 and √(2/40000) = 0.007; tolerance 5
	// standard errors (a fixed seed, so this cannot flake, but it would
	// catch a wrong scale or distribution).
	// The noise, seen through the difference of a noisy and a clean set
	// with the same seed, has standard deviation 0.3: relative standard
	// error 1/√(2·8000) ≈ 0.008, tolerance 5 of them.
	clean, err := data.Teacher(data.TeacherConfig{N: 8000, D: 5, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	noisy, err := data.Teacher(data.TeacherConfig{N: 8000, D: 5, Seed: 11, Noise: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	mean, variance := moments(clean.X)
	if math.Abs(mean) > 5*0.005 || math.Abs(variance-1) > 5*0.007 {
		t.Errorf("x mean %v variance %v, want 0 and 1", mean, variance)
	}
	diff := make([]float64, len(clean.Y))
	for i := range diff {
		diff[i] = noisy.Y[i] - clean.Y[i]
	}
	if _, v := moments(diff); math.Abs(math.Sqrt(v)/0.3-1) > 5*0.008 {
		t.Errorf("noise standard deviation %v, want 0.3", math.Sqrt(v))
	}
	// The labels are not constant (a zero teacher would pass the checks above).
	if _, v := moments(clean.Y); v < 1e-3 {
		t.Errorf("label variance %v: labels nearly constant", v)
	}
}

func moments(v []float64) (mean, variance float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(v))
}

func TestTeacherErrors(t *testing.T) {
	for _, cfg := range []data.TeacherConfig{
		{N: 0, D: 3},
		{N: 3, D: 0},
		{N: 3, D: 3, Width: -1},
		{N: 3, D: 3, Outputs: -2},
		{N: 3, D: 3, Noise: -0.1},
		{N: 3, D: 3, Noise: math.NaN()},
		{N: 3, D: 3, Noise: math.Inf(1)},
	} {
		if _, err := data.Teacher(cfg); !errors.Is(err, data.ErrInvalid) {
			t.Errorf("Teacher(%+v): error %v, want ErrInvalid", cfg, err)
		}
	}
}
