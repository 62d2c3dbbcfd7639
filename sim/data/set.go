package data

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalid is wrapped by every error that reports invalid data (sizes that
// do not match, non-finite values, ragged rows, malformed files), so callers
// can tell bad input from an I/O failure with errors.Is.
var ErrInvalid = errors.New("invalid data")

// Set is a data set of N examples with D inputs and C outputs.
//
// X holds the inputs row-major (example s is X[s*D : (s+1)*D]) and Y the
// targets row-major (Y[s*C : (s+1)*C]). Source is a one-line description of
// where the data came from and how it was built, for logs and reports.
type Set struct {
	N, D, C int
	X, Y    []float64
	Source  string
}

// Validate reports whether s is a usable data set: N, D, C positive,
// len(X) = N·D, len(Y) = N·C and every value finite. The error names the
// first offending entry and wraps ErrInvalid.
func (s *Set) Validate() error {
	switch {
	case s.N <= 0:
		return invalidf("data: %d examples, need at least one", s.N)
	case s.D <= 0:
		return invalidf("data: input dimension %d, need at least one", s.D)
	case s.C <= 0:
		return invalidf("data: output dimension %d, need at least one", s.C)
	case len(s.X) != s.N*s.D:
		return invalidf("data: x has %d values, want n·d = %d·%d = %d", len(s.X), s.N, s.D, s.N*s.D)
	case len(s.Y) != s.N*s.C:
		return invalidf("data: y has %d values, want n·c = %d·%d = %d", len(s.Y), s.N, s.C, s.N*s.C)
	}
	if i := firstNonFinite(s.X); i >= 0 {
		return invalidf("data: x[%d][%d] is %v", i/s.D, i%s.D, s.X[i])
	}
	if i := firstNonFinite(s.Y); i >= 0 {
		return invalidf("data: y[%d][%d] is %v", i/s.C, i%s.C, s.Y[i])
	}
	return nil
}

// Input returns the inputs of example i, a slice of X (not a copy).
func (s *Set) Input(i int) []float64 {
	if i < 0 || i >= s.N {
		panic(fmt.Sprintf("data: example %d out of range [0,%d)", i, s.N))
	}
	return s.X[i*s.D : (i+1)*s.D : (i+1)*s.D]
}

// Target returns the targets of example i, a slice of Y (not a copy).
func (s *Set) Target(i int) []float64 {
	if i < 0 || i >= s.N {
		panic(fmt.Sprintf("data: example %d out of range [0,%d)", i, s.N))
	}
	return s.Y[i*s.C : (i+1)*s.C : (i+1)*s.C]
}

// String returns a one-line summary: the sizes and Source.
func (s *Set) String() string {
	return fmt.Sprintf("%d examples, d=%d, c=%d: %s", s.N, s.D, s.C, s.Source)
}

// firstNonFinite returns the index of the first NaN or ±Inf in v, or -1.
func firstNonFinite(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}

// invalidf formats an error that wraps ErrInvalid.
func invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// invalidError carries a message and unwraps to ErrInvalid.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }
func (e *invalidError) Unwrap() error { return ErrInvalid }
