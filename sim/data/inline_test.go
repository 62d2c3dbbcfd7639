package data_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/eoskit/eoskit/sim/data"
)

func TestInline(t *testing.T) {
	x := [][]float64{{1, 2}, {3, 4}, {5, 6}}
	s, err := data.Inline(x, [][]float64{{1, 0}, {0, 1}, {1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 3 || s.D != 2 || s.C != 2 || !slices.Equal(s.X, []float64{1, 2, 3, 4, 5, 6}) ||
		!slices.Equal(s.Input(2), []float64{5, 6}) || !slices.Equal(s.Target(1), []float64{0, 1}) {
		t.Errorf("got %+v", s)
	}
	x[0][0] = 99 // the set holds a copy
	if s.X[0] != 1 {
		t.Error("Inline does not copy x")
	}
	v, err := data.InlineScalar([][]float64{{1}, {2}}, []float64{0.5, -0.5})
	if err != nil {
		t.Fatal(err)
	}
	if v.N != 2 || v.D != 1 || v.C != 1 || !slices.Equal(v.Y, []float64{0.5, -0.5}) {
		t.Errorf("got %+v", v)
	}
}

func TestInlineErrors(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		x, y [][]float64
		yv   []float64 // InlineScalar when y is nil
		msg  string
	}{
		{"no rows", nil, [][]float64{{1}}, nil, "x has no rows"},
		{"empty row", [][]float64{{}}, [][]float64{{1}}, nil, "x[0] is empty"},
		{"ragged x", [][]float64{{1, 2}, {3}}, [][]float64{{1}, {2}}, nil, "x[1] has 1 values but x[0] has 2"},
		{"ragged y", [][]float64{{1}, {3}}, [][]float64{{1}, {2, 3}}, nil, "y[1] has 2 values but y[0] has 1"},
		{"nan x", [][]float64{{1, nan}}, [][]float64{{1}}, nil, "x[0][1] is NaN"},
		{"inf y", [][]float64{{1}}, [][]float64{{math.Inf(1)}}, nil, "y[0][0] is +Inf"},
		{"rows", [][]float64{{1}, {2}}, [][]float64{{1}}, nil, "x has 2 rows and y has 1"},
		{"flat length", [][]float64{{1}, {2}}, nil, []float64{1, 2, 3}, "x has 2 rows and y has 3 values"},
		{"flat nan", [][]float64{{1}, {2}}, nil, []float64{1, nan}, "y[1] is NaN"},
	} {
		var err error
		if tc.y != nil {
			_, err = data.Inline(tc.x, tc.y)
		} else {
			_, err = data.InlineScalar(tc.x, tc.yv)
		}
		if !errors.Is(err, data.ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want ErrInvalid with %q", tc.name, err, tc.msg)
		}
	}
}

func TestSetValidate(t *testing.T) {
	ok := data.Set{N: 2, D: 1, C: 1, X: []float64{1, 2}, Y: []float64{3, 4}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid set: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*data.Set)
		msg  string
	}{
		{"n", func(s *data.Set) { s.N = 0 }, "0 examples"},
		{"d", func(s *data.Set) { s.D = 0 }, "input dimension 0"},
		{"c", func(s *data.Set) { s.C = -1 }, "output dimension -1"},
		{"len x", func(s *data.Set) { s.X = s.X[:1] }, "x has 1 values, want n·d = 2·1 = 2"},
		{"len y", func(s *data.Set) { s.Y = append(s.Y, 5) }, "y has 3 values"},
		{"nan x", func(s *data.Set) { s.X = []float64{1, math.NaN()} }, "x[1][0] is NaN"},
		{"inf y", func(s *data.Set) { s.Y = []float64{math.Inf(-1), 0} }, "y[0][0] is -Inf"},
	} {
		s := ok
		tc.edit(&s)
		if err := s.Validate(); !errors.Is(err, data.ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want ErrInvalid with %q", tc.name, err, tc.msg)
		}
	}
}

func TestSetRowPanics(t *testing.T) {
	s := data.Set{N: 2, D: 1, C: 1, X: []float64{1, 2}, Y: []float64{3, 4}}
	for _, f := range []func(){func() { s.Input(2) }, func() { s.Target(-1) }} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "data: ") {
					t.Errorf("panic %v, want one prefixed \"data: \"", r)
				}
			}()
			f()
		}()
	}
}
