package data

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
)

// decodeCSV parses a numeric CSV file (see ReadArray). Every error message
// carries the 1-based line number in the file ("line N": header, comment and
// blank lines count) and, for a field, its 1-based column.
func decodeCSV(raw []byte) (Array, error) { return decodeCSVMax(raw, MaxElements) }

// decodeCSVMax is decodeCSV refusing more than maxValues values.
func decodeCSVMax(raw []byte, maxValues int) (Array, error) {
	raw = bytes.TrimPrefix(raw, []byte("\uFEFF")) // a byte-order mark from spreadsheets
	var (
		data      []float64
		cols      = -1
		firstData int // line number of the first data row
		rows      int
		num       int // line number of line
		firstLine = true
		split     func(string) []string
	)
	// bytes.Lines converts one line at a time to a string: no copy of the
	// whole file.
	for b := range bytes.Lines(raw) {
		num++
		line := strings.TrimSpace(string(b)) // also the '\n' and a trailing '\r'
		if line == "" || line[0] == '#' {
			continue
		}
		if split == nil {
			if strings.Contains(line, ",") {
				split = func(s string) []string { return strings.Split(s, ",") }
			} else {
				split = strings.Fields
			}
		}
		fields := split(line)
		if firstLine {
			firstLine = false
			if noNumbers(fields) {
				continue // a header row
			}
		}
		if cols < 0 {
			cols, firstData = len(fields), num
		} else if len(fields) != cols {
			return Array{}, invalidf("line %d has %d fields, the first data line (line %d) has %d",
				num, len(fields), firstData, cols)
		}
		for j, f := range fields {
			f = strings.TrimSpace(f)
			v, err := strconv.ParseFloat(f, 64)
			switch {
			case f == "":
				return Array{}, invalidf("line %d, column %d is empty", num, j+1)
			case errors.Is(err, strconv.ErrRange):
				return Array{}, invalidf("line %d, column %d: %q is beyond the range of float64", num, j+1, f)
			case err != nil:
				return Array{}, invalidf("line %d, column %d: %q is not a number", num, j+1, f)
			case math.IsNaN(v) || math.IsInf(v, 0):
				return Array{}, invalidf("line %d, column %d is %v", num, j+1, v)
			}
			if len(data) == maxValues {
				return Array{}, invalidf("line %d: more than %d values (the limit)", num, maxValues)
			}
			data = append(data, v)
		}
		rows++
	}
	if rows == 0 {
		return Array{}, invalidf("no data rows")
	}
	shape := []int{rows, cols}
	if cols == 1 {
		shape = shape[:1]
	}
	return matrixOf(data, shape), nil
}

// noNumbers reports whether no field parses as a float64.
func noNumbers(fields []string) bool {
	for _, f := range fields {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err == nil {
			return false
		}
	}
	return true
}
