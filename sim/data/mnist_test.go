package data_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/eoskit/eoskit/sim/data"
)

// digitOf returns the digit of example i of a one-hot set over classes.
func digitOf(t *testing.T, s *data.Set, i int, classes []int) int {
	t.Helper()
	y := s.Target(i)
	j := slices.Index(y, 1)
	ones := 0
	for _, v := range y {
		switch v {
		case 1:
			ones++
		case 0:
		default:
			t.Fatalf("target %d = %v is not one-hot", i, y)
		}
	}
	if ones != 1 {
		t.Fatalf("target %d = %v is not one-hot", i, y)
	}
	return classes[j]
}

func TestMNISTDefaults(t *testing.T) {
	s, err := data.MNIST(data.MNISTConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 500 || s.D != 784 || s.C != 10 {
		t.Fatalf("default set n=%d d=%d c=%d, want 500, 784, 10", s.N, s.D, s.C)
	}
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	// The first training labels of MNIST: 5 0 4 1 9 2 1 3 1 4.
	for i, want := range []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4} {
		if got := digitOf(t, s, i, all); got != want {
			t.Errorf("example %d is a %d, want %d", i, got, want)
		}
	}
	// Global standardisation: mean 0 and standard deviation 1 over all
	// N·D = 392000 values, up to the rounding of the plain sums that compute
	// them (worst case N·D·ε ≈ 9e-11 relative).
	mean, variance := moments(s.X)
	if math.Abs(mean) > 1e-10 || math.Abs(variance-1) > 1e-10 {
		t.Errorf("standardised mean %v variance %v, want 0 and 1", mean, variance)
	}
	r := data.MNISTConfig{}.Resolved()
	if r.N != 500 || !slices.Equal(r.Classes, all) || r.Standardize != data.StandardizeGlobal || r.Downsample || r.OneHot {
		t.Errorf("Resolved() = %+v", r)
	}
}

func TestMNISTPixels(t *testing.T) {
	// Unstandardised inputs are pixel/255. The usual MNIST normalisation
	// constants (mean 0.1307, standard deviation 0.3081 over the 60000
	// training images) hold for the first 5000 to within the spread of
	// per-image means (≈ 0.04/√5000 ≈ 6e-4): tolerance 0.003.
	s, err := data.MNIST(data.MNISTConfig{N: 5000, Standardize: data.StandardizeNone})
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := slices.Min(s.X), slices.Max(s.X)
	if lo != 0 || hi != 1 {
		t.Errorf("pixel range [%v, %v], want [0, 1] (bytes 0 and 255 both occur)", lo, hi)
	}
	for i, x := range s.X {
		if v := x * 255; v != math.Round(v) {
			t.Fatalf("x[%d]·255 = %v is not a byte value", i, v)
		}
	}
	mean, variance := moments(s.X)
	if math.Abs(mean-0.1307) > 0.003 || math.Abs(math.Sqrt(variance)-0.3081) > 0.003 {
		t.Errorf("pixel mean %v std %v, want ≈ 0.1307 and 0.3081", mean, math.Sqrt(variance))
	}
}

func TestMNISTTwoClasses(t *testing.T) {
	classes := []int{0, 1}
	pm, err := data.MNIST(data.MNISTConfig{N: 500, Classes: classes, Standardize: data.StandardizeNone})
	if err != nil {
		t.Fatal(err)
	}
	if pm.N != 500 || pm.C != 1 {
		t.Fatalf("n=%d c=%d, want 500, 1", pm.N, pm.C)
	}
	// The same examples, in order, as filtering the first 5000 of all
	// classes (which hold about 1050 zeros and ones).
	all, err := data.MNIST(data.MNISTConfig{N: 5000, Standardize: data.StandardizeNone})
	if err != nil {
		t.Fatal(err)
	}
	every := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	r := 0
	for i := 0; i < all.N && r < pm.N; i++ {
		d := digitOf(t, all, i, every)
		if d != 0 && d != 1 {
			continue
		}
		if !slices.Equal(pm.Input(r), all.Input(i)) {
			t.Fatalf("example %d of the [0 1] set is not example %d of all digits", r, i)
		}
		if want := float64(2*d - 1); pm.Y[r] != want { // 0 → −1, 1 → +1
			t.Fatalf("target %d = %v for digit %d, want %v", r, pm.Y[r], d, want)
		}
		r++
	}
	if r != pm.N {
		t.Fatalf("only %d zeros and ones among the first 5000", r)
	}
	// Order of Classes sets the sign, OneHot forces two columns.
	rev, err := data.MNIST(data.MNISTConfig{N: 500, Classes: []int{1, 0}, Standardize: data.StandardizeNone})
	if err != nil {
		t.Fatal(err)
	}
	oh, err := data.MNIST(data.MNISTConfig{N: 500, Classes: classes, OneHot: true, Standardize: data.StandardizeNone})
	if err != nil {
		t.Fatal(err)
	}
	if oh.C != 2 {
		t.Fatalf("one-hot c = %d, want 2", oh.C)
	}
	for i := range pm.N {
		if rev.Y[i] != -pm.Y[i] {
			t.Fatalf("classes [1 0]: target %d = %v, want %v", i, rev.Y[i], -pm.Y[i])
		}
		if d := digitOf(t, oh, i, classes); float64(2*d-1) != pm.Y[i] {
			t.Fatalf("one-hot example %d is a %d, ±1 target %v", i, d, pm.Y[i])
		}
	}
	// A 2-class subset of a few thousand fits in the embedded examples.
	if _, err := data.MNIST(data.MNISTConfig{N: 2000, Classes: []int{3, 8}}); err != nil {
		t.Errorf("2000 threes and eights: %v", err)
	}
}

func TestMNISTDownsample(t *testing.T) {
	// Each 14×14 input is the mean of a 2×2 block of the 28×28 one. The
	// block sum of four values k/255 (each rounded) differs from the exact
	// (k1+…+k4)/1020 by at most 4 roundings of values ≤ 1: tolerance 4ε.
	full, err := data.MNIST(data.MNISTConfig{N: 50, Standardize: data.StandardizeNone})
	if err != nil {
		t.Fatal(err)
	}
	half, err := data.MNIST(data.MNISTConfig{N: 50, Downsample: true, Standardize: data.StandardizeNone})
	if err != nil {
		t.Fatal(err)
	}
	if half.D != 196 {
		t.Fatalf("downsampled d = %d, want 196", half.D)
	}
	const tol = 4 * eps
	for s := range 50 {
		f, h := full.Input(s), half.Input(s)
		for a := range 14 {
			for b := range 14 {
				want := (f[(2*a)*28+2*b] + f[(2*a)*28+2*b+1] + f[(2*a+1)*28+2*b] + f[(2*a+1)*28+2*b+1]) / 4
				if got := h[a*14+b]; math.Abs(got-want) > tol {
					t.Fatalf("example %d pixel (%d,%d): %v, want %v", s, a, b, got, want)
				}
			}
		}
	}
	if !slices.Equal(half.Y, full.Y) {
		t.Error("downsampling changed the targets")
	}
}

func TestMNISTFeatureStandardize(t *testing.T) {
	s, err := data.MNIST(data.MNISTConfig{N: 300, Standardize: data.StandardizeFeature})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := data.MNIST(data.MNISTConfig{N: 300, Standardize: data.StandardizeNone})
	if err != nil {
		t.Fatal(err)
	}
	constant := 0
	col := make([]float64, s.N)
	for j := range s.D {
		for i := range s.N {
			col[i] = s.X[i*s.D+j]
		}
		rawLo, rawHi := math.Inf(1), math.Inf(-1)
		for i := range s.N {
			rawLo, rawHi = min(rawLo, raw.X[i*s.D+j]), max(rawHi, raw.X[i*s.D+j])
		}
		if rawLo == rawHi { // a constant pixel (a blank corner): all zero
			constant++
			if slices.ContainsFunc(col, func(v float64) bool { return v != 0 }) {
				t.Fatalf("constant pixel %d standardised to non-zero values", j)
			}
			continue
		}
		// Mean 0, variance 1 up to the rounding of sums of 300 terms
		// (≈ 300ε relative) amplified by the rescaling of rare pixels,
		// whose standardised values reach √300 ≈ 17: tolerance 1e-12.
		mean, variance := moments(col)
		if math.Abs(mean) > 1e-12 || math.Abs(variance-1) > 1e-12 {
			t.Fatalf("pixel %d: mean %v variance %v, want 0 and 1", j, mean, variance)
		}
	}
	if constant == 0 {
		t.Error("no constant pixel among 300 images: the zero-variance guard is untested")
	}
}

func TestMNISTErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg data.MNISTConfig
		msg string
	}{
		{data.MNISTConfig{N: -1}, "n = -1"},
		{data.MNISTConfig{Classes: []int{3}}, "at least two digits"},
		{data.MNISTConfig{Classes: []int{}}, "at least two digits"},
		{data.MNISTConfig{Classes: []int{1, 10}}, "class 10 is not a digit"},
		{data.MNISTConfig{Classes: []int{1, -1}}, "class -1 is not a digit"},
		{data.MNISTConfig{Classes: []int{2, 2}}, "class 2 listed twice"},
		{data.MNISTConfig{Standardize: "minmax"}, `standardize "minmax"`},
		{data.MNISTConfig{N: 3000, Classes: []int{0, 1}}, "3000 examples of digits [0 1] asked for"},
		{data.MNISTConfig{N: data.MNISTSubset + 1}, fmt.Sprintf("contain only %d", data.MNISTSubset)},
	} {
		if _, err := data.MNIST(tc.cfg); !errors.Is(err, data.ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("MNIST(%+v): error %v, want ErrInvalid with %q", tc.cfg, err, tc.msg)
		}
	}
	// All embedded examples can be used.
	if s, err := data.MNIST(data.MNISTConfig{N: data.MNISTSubset, Downsample: true}); err != nil || s.N != data.MNISTSubset {
		t.Errorf("all %d examples: %v", data.MNISTSubset, err)
	}
}
