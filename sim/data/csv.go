package data

import (
	"bufio"
	"errors"
	"io"
	"math"
	"strconv"
)

// maxCSVField is the longest field, in bytes, that a CSV file may hold: a
// float64 needs at most 24 characters in the shortest round-trip form and
// numpy.savetxt's "%.18e" writes 24; header names are short. A longer field
// (a binary file, a line of NULs in a sparse file) is refused as soon as it is
// seen, so that no line is ever held in memory whole.
const maxCSVField = 1 << 10

// csvPeek is how far ahead the first content line is searched for a comma to
// choose the separator.
const csvPeek = 64 << 10

// readCSV parses a numeric CSV file (see ReadArray) from r in two streaming
// passes: the first validates every field and counts the values without
// storing them, stopping at the first error or as soon as the count exceeds
// maxValues; the second, over the same bytes again, stores the values into an
// array allocated once at its exact size. So a file over the value limit, or
// one that is not a CSV text at all (a sparse file of NULs), is refused in
// bounded memory (the reader's buffer), and a valid file costs its values
// and nothing more. Every error message carries the 1-based line number in
// the file ("line N": header, comment and blank lines count) and, for a
// field, its 1-based column.
func readCSV(r io.ReadSeeker, maxValues int) (Array, error) {
	rows, cols, err := scanCSV(r, maxValues, nil)
	if err != nil {
		return Array{}, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return Array{}, err
	}
	data := make([]float64, rows*cols)
	changed := false
	rows2, cols2, err := scanCSV(r, len(data), func(i int, v float64) {
		if i < len(data) {
			data[i] = v
		} else {
			changed = true
		}
	})
	if err != nil || changed || rows2 != rows || cols2 != cols {
		return Array{}, invalidf("the file changed while it was read")
	}
	shape := []int{rows, cols}
	if cols == 1 {
		shape = shape[:1]
	}
	return matrixOf(data, shape), nil
}

// csvScanner reads the fields of a CSV text one at a time.
type csvScanner struct {
	br   *bufio.Reader
	line int  // 1-based number of the line being read
	sep  byte // ',' or ' ' (runs of blanks), chosen on the first content line
	buf  []byte
}

// errNUL reports a NUL byte: binary data, not CSV text.
var errNUL = errors.New("NUL byte")

// errLongField reports a field longer than maxCSVField.
var errLongField = errors.New("long field")

// scanCSV reads the CSV text of r, checking every field, and calls put (when
// not nil) with the index and value of each value in file order. It returns
// the number of data rows and of columns, or the first error.
func scanCSV(r io.Reader, maxValues int, put func(i int, v float64)) (rows, cols int, err error) {
	s := &csvScanner{br: bufio.NewReaderSize(r, csvPeek), buf: make([]byte, 0, maxCSVField)}
	if b, _ := s.br.Peek(3); string(b) == "\uFEFF" { // a byte-order mark from spreadsheets
		s.br.Discard(3)
	}
	cols = -1
	var (
		firstData int // line number of the first data row
		n         int // values so far
		first     = true
	)
	for {
		s.line++
		content, err := s.startLine()
		if err != nil {
			return 0, 0, s.wrap(err, 0)
		}
		if content == lineEOF {
			break
		}
		if content == lineSkip {
			continue
		}
		if s.sep == 0 {
			s.sep = s.chooseSep()
		}
		header := false // the first content line, until a field is a number
		var firstField string
		var headerValues int
		nf := 0 // fields on this line
		for more := true; more; {
			var f []byte
			f, more, err = s.field()
			if err != nil {
				return 0, 0, s.wrap(err, nf+1)
			}
			nf++
			if first && nf == 1 {
				first = false
				if _, err := strconv.ParseFloat(string(f), 64); err != nil {
					header, firstField = true, string(f)
					continue
				}
			}
			if header {
				// A line with some numbers is data, so a typo in the first
				// row is an error, not a silently dropped row: the first
				// field is then reported.
				if _, err := strconv.ParseFloat(string(f), 64); err == nil {
					headerValues++
				}
				continue
			}
			if cols >= 0 && nf > cols {
				continue // counted, reported at the end of the line
			}
			v, err := csvValue(f, s.line, nf)
			if err != nil {
				return 0, 0, err
			}
			if n == maxValues {
				return 0, 0, invalidf("line %d: more than %d values (the limit)", s.line, maxValues)
			}
			if put != nil {
				put(n, v)
			}
			n++
		}
		if header {
			if headerValues > 0 {
				_, err := csvValue([]byte(firstField), s.line, 1)
				return 0, 0, err
			}
			continue // a header row
		}
		if cols < 0 {
			cols, firstData = nf, s.line
		} else if nf != cols {
			return 0, 0, invalidf("line %d has %d fields, the first data line (line %d) has %d", s.line, nf, firstData, cols)
		}
		rows++
	}
	if rows == 0 {
		return 0, 0, invalidf("no data rows")
	}
	return rows, cols, nil
}

// csvValue parses field j of line num as a finite float64.
func csvValue(f []byte, num, j int) (float64, error) {
	v, err := strconv.ParseFloat(string(f), 64)
	switch {
	case len(f) == 0:
		return 0, invalidf("line %d, column %d is empty", num, j)
	case errors.Is(err, strconv.ErrRange):
		return 0, invalidf("line %d, column %d: %q is beyond the range of float64", num, j, f)
	case err != nil:
		return 0, invalidf("line %d, column %d: %q is not a number", num, j, f)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, invalidf("line %d, column %d is %v", num, j, v)
	}
	return v, nil
}

// wrap turns the scanner's own errors into messages naming the line (and
// the column, when col > 0); I/O errors pass unchanged.
func (s *csvScanner) wrap(err error, col int) error {
	switch {
	case errors.Is(err, errNUL):
		return invalidf("line %d holds a NUL byte: not a CSV text file", s.line)
	case errors.Is(err, errLongField):
		return invalidf("line %d, column %d: a field of more than %d bytes (not a number)", s.line, col, maxCSVField)
	}
	return err
}

// What a line starts with.
const (
	lineContent = iota // a line with fields
	lineSkip           // a blank or comment line, consumed
	lineEOF            // the end of the input
)

// startLine skips the blanks that start a line and reports what follows;
// blank lines and comment lines (starting with '#') are consumed whole.
func (s *csvScanner) startLine() (int, error) {
	for {
		c, err := s.br.ReadByte()
		switch {
		case err == io.EOF:
			return lineEOF, nil
		case err != nil:
			return 0, err
		case c == '\n':
			return lineSkip, nil
		case c == '#':
			return lineSkip, s.skipLine()
		case c == 0:
			return 0, errNUL
		case !blank(c):
			return lineContent, s.br.UnreadByte()
		}
	}
}

// skipLine consumes the rest of the line and its newline.
func (s *csvScanner) skipLine() error {
	for {
		_, err := s.br.ReadSlice('\n')
		if err == nil || err == io.EOF {
			return nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// chooseSep returns ',' when the line about to be read has a comma (within
// its first csvPeek bytes), and ' ' otherwise (fields separated by runs of
// spaces or tabs, the default of numpy.savetxt).
func (s *csvScanner) chooseSep() byte {
	b, _ := s.br.Peek(csvPeek) // fewer bytes at the end of the input
	for _, c := range b {
		switch c {
		case ',':
			return ','
		case '\n':
			return ' '
		}
	}
	return ' '
}

// field returns the next field of the current line, trimmed of blanks, and
// whether another field follows on the line; at the end of the line it
// consumes the newline. The returned slice is valid until the next call.
func (s *csvScanner) field() (f []byte, more bool, err error) {
	s.buf = s.buf[:0]
	for {
		c, err := s.br.ReadByte()
		switch {
		case err == io.EOF:
			return trimBlanks(s.buf), false, nil
		case err != nil:
			return nil, false, err
		case c == '\n':
			return trimBlanks(s.buf), false, nil
		case c == 0:
			return nil, false, errNUL
		case c == ',' && s.sep == ',':
			return trimBlanks(s.buf), true, nil
		case blank(c):
			if len(s.buf) == 0 {
				continue // leading blanks
			}
			if s.sep == ' ' {
				more, err := s.skipBlanks()
				return s.buf, more, err
			}
		}
		if len(s.buf) == maxCSVField {
			return nil, false, errLongField
		}
		s.buf = append(s.buf, c)
	}
}

// skipBlanks consumes a run of blanks after a whitespace-separated field and
// reports whether another field follows on the line (consuming the newline
// when none does).
func (s *csvScanner) skipBlanks() (bool, error) {
	for {
		c, err := s.br.ReadByte()
		switch {
		case err == io.EOF:
			return false, nil
		case err != nil:
			return false, err
		case c == '\n':
			return false, nil
		case !blank(c):
			return true, s.br.UnreadByte()
		}
	}
}

// blank reports whether c is a space, a tab or one of '\r', '\v', '\f' (the
// ASCII white space other than the newline).
func blank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

// trimBlanks removes trailing blanks (leading ones are never stored).
func trimBlanks(b []byte) []byte {
	for len(b) > 0 && blank(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
