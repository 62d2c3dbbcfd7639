package data

import "fmt"

// Inline returns the set with inputs x (one row per example, all rows of the
// same length d ≥ 1) and targets y (one row per example, all of the same
// length c ≥ 1). Both are copied. Errors wrap ErrInvalid and name the
// offending row or entry (ragged rows, non-finite values, a row count that
// differs between x and y).
func Inline(x, y [][]float64) (*Set, error) {
	n, d, xs, err := flatten("x", x)
	if err != nil {
		return nil, err
	}
	ny, c, ys, err := flatten("y", y)
	if err != nil {
		return nil, err
	}
	if ny != n {
		return nil, invalidf("data: inline: x has %d rows and y has %d: want one of each per example", n, ny)
	}
	s := &Set{N: n, D: d, C: c, X: xs, Y: ys,
		Source: fmt.Sprintf("inline(n=%d, d=%d, c=%d)", n, d, c)}
	return s, s.Validate()
}

// InlineScalar is Inline for one output (c = 1) given as a flat slice:
// y[s] is the target of example s.
func InlineScalar(x [][]float64, y []float64) (*Set, error) {
	n, d, xs, err := flatten("x", x)
	if err != nil {
		return nil, err
	}
	if len(y) != n {
		return nil, invalidf("data: inline: x has %d rows and y has %d values: want one of each per example", n, len(y))
	}
	if i := firstNonFinite(y); i >= 0 {
		return nil, invalidf("data: inline: y[%d] is %v", i, y[i])
	}
	s := &Set{N: n, D: d, C: 1, X: xs, Y: append([]float64(nil), y...),
		Source: fmt.Sprintf("inline(n=%d, d=%d, c=1)", n, d)}
	return s, s.Validate()
}

// flatten copies the rows of a into one row-major slice, checking that
// there is at least one row, that all rows have the same positive length
// and that every value is finite. name ("x" or "y") goes into errors.
func flatten(name string, a [][]float64) (rows, cols int, flat []float64, err error) {
	if len(a) == 0 {
		return 0, 0, nil, invalidf("data: inline: %s has no rows", name)
	}
	cols = len(a[0])
	if cols == 0 {
		return 0, 0, nil, invalidf("data: inline: %s[0] is empty", name)
	}
	flat = make([]float64, 0, len(a)*cols)
	for i, row := range a {
		if len(row) != cols {
			return 0, 0, nil, invalidf("data: inline: %s[%d] has %d values but %s[0] has %d (ragged rows)",
				name, i, len(row), name, cols)
		}
		if j := firstNonFinite(row); j >= 0 {
			return 0, 0, nil, invalidf("data: inline: %s[%d][%d] is %v", name, i, j, row[j])
		}
		flat = append(flat, row...)
	}
	return len(a), cols, flat, nil
}
