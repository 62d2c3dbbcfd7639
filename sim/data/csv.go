package data

import (
	"bytes"
	"strconv"
	"strings"
)

// decodeCSV parses a numeric CSV file (see ReadArray). Error messages carry
// 1-based line and column numbers.
func decodeCSV(raw []byte) (Array, error) {
	raw = bytes.TrimPrefix(raw, []byte("\uFEFF")) // a byte-order mark from spreadsheets
	var (
		data      []float64
		cols      = -1
		rows      int
		firstLine = true
		split     func(string) []string
	)
	for num, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line) // also a trailing '\r'
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
			cols = len(fields)
		} else if len(fields) != cols {
			return Array{}, invalidf("line %d has %d fields, the first data row has %d", num+1, len(fields), cols)
		}
		for j, f := range fields {
			f = strings.TrimSpace(f)
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				if f == "" {
					return Array{}, invalidf("line %d, column %d is empty", num+1, j+1)
				}
				return Array{}, invalidf("line %d, column %d: %q is not a number", num+1, j+1, f)
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
