package data

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Array is a numeric array read from a file, as a matrix: Rows examples of
// Cols values, row-major in Data. Shape is the shape stored in the file
// (one entry for a 1-D array, which reads as one column; a .npy array of
// more than two dimensions reads as Shape[0] rows of the product of the
// other dimensions, in C order).
type Array struct {
	Rows, Cols int
	Data       []float64
	Shape      []int
}

// ReadArray reads a numeric array from a CSV (.csv, .txt) or NumPy (.npy)
// file, chosen by the extension (case-insensitive). Every value must be
// finite.
//
// CSV: one example a row. Fields are separated by commas or, when the first
// data line has no comma, by runs of spaces or tabs (the default of
// numpy.savetxt). Blank lines and lines starting with '#' are skipped. The
// first line is a header, and is skipped, if none of its fields is a number
// (a line with some numbers is data, so a typo in the first row is an error,
// not a silently dropped row); every other field must parse as a float64
// (strconv.ParseFloat).
// A single column reads as a 1-D array.
//
// NPY: format versions 1.0, 2.0 and 3.0; dtypes float64, float32, signed
// and unsigned integers of 1 to 8 bytes and bool, little- or big-endian,
// all converted to float64 (integers beyond 2⁵³ round); C or Fortran order
// (Fortran-order data is reordered); at least one dimension and one element.
//
// Errors name the file and what is wrong; malformed content wraps
// ErrInvalid.
func ReadArray(path string) (Array, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Array{}, fmt.Errorf("data: %w", err)
	}
	var a Array
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv", ".txt":
		a, err = decodeCSV(raw)
	case ".npy":
		a, err = decodeNPY(raw)
	default:
		return Array{}, invalidf("data: %s: unknown file type %q: want .csv, .txt or .npy", path, ext)
	}
	if err != nil {
		return Array{}, fmt.Errorf("data: %s: %w", path, err)
	}
	if i := firstNonFinite(a.Data); i >= 0 {
		return Array{}, fmt.Errorf("data: %s: %w", path,
			invalidf("row %d, column %d is %v", i/a.Cols+1, i%a.Cols+1, a.Data[i]))
	}
	return a, nil
}

// LoadFile returns the set with inputs read from xPath and targets from
// yPath (see ReadArray for the formats; the two may differ). Row s of each
// file is example s; x has d columns and y has c columns (a 1-D y, or a
// single CSV column, gives c = 1).
func LoadFile(xPath, yPath string) (*Set, error) {
	x, err := ReadArray(xPath)
	if err != nil {
		return nil, err
	}
	y, err := ReadArray(yPath)
	if err != nil {
		return nil, err
	}
	if x.Rows != y.Rows {
		return nil, invalidf("data: %s has %d rows (examples) but %s has %d", xPath, x.Rows, yPath, y.Rows)
	}
	s := &Set{N: x.Rows, D: x.Cols, C: y.Cols, X: x.Data, Y: y.Data,
		Source: fmt.Sprintf("file(x=%s, y=%s)", xPath, yPath)}
	return s, s.Validate()
}

// matrixOf returns the Array of data with the given file shape: 1-D arrays
// are one column, higher ones are shape[0] rows.
func matrixOf(data []float64, shape []int) Array {
	a := Array{Rows: shape[0], Cols: 1, Data: data, Shape: shape}
	for _, s := range shape[1:] {
		a.Cols *= s
	}
	return a
}
