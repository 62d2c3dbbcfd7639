package data

import (
	"bytes"
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

// csvBuffer is the size of the reading buffer, and how far ahead the first
// content line is searched for a comma to choose the separator.
const csvBuffer = 64 << 10

// readCSV parses a numeric CSV file (see ReadArray) from r in two streaming
// passes: the first splits the text into fields and counts the values
// without parsing or storing them, stopping at the first structural error
// (a NUL byte: binary data; a field over 1 KiB; a ragged row) or as soon as
// the count exceeds maxValues; the second, over the same bytes again,
// parses and checks every value into an array allocated once at its exact
// size. So a file over the value limit, or one that is not a CSV text at all
// (a sparse file of NULs), is refused in bounded memory (the reader's
// buffer) and at the speed of a byte scan, and a valid file costs its values
// and nothing more. Every error message carries the 1-based line number in
// the file ("line N": header, comment and blank lines count) and, for a
// field, its 1-based column.
func readCSV(r io.ReadSeeker, maxValues int) (Array, error) {
	s := newCSVScanner(r)
	rows, cols, err := s.scan(maxValues, nil)
	if err != nil {
		return Array{}, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return Array{}, err
	}
	data := make([]float64, rows*cols)
	s.reset()
	changed := false
	rows2, cols2, err := s.scan(len(data), func(i int, v float64) {
		if i < len(data) {
			data[i] = v
		} else {
			changed = true
		}
	})
	if err != nil && (s.badValue || !errors.Is(err, ErrInvalid)) {
		return Array{}, err // a value that does not parse (first seen now), or an I/O error
	}
	if err != nil || changed || rows2 != rows || cols2 != cols {
		return Array{}, invalidf("the file changed while it was read")
	}
	shape := []int{rows, cols}
	if cols == 1 {
		shape = shape[:1]
	}
	return matrixOf(data, shape), nil
}

// csvScanner reads the fields of a CSV text one at a time from its own
// buffer (so that the inner loops index a slice).
type csvScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	err      error // the reader's error once buf is drained (io.EOF at the end)
	line     int   // 1-based number of the line being read
	sep      byte  // ',' or ' ' (runs of blanks), chosen on the first content line
	field    []byte
	badValue bool // the scan stopped at a value that does not parse
}

func newCSVScanner(r io.Reader) *csvScanner {
	return &csvScanner{r: r, buf: make([]byte, csvBuffer), field: make([]byte, 0, maxCSVField)}
}

// reset prepares a scan of the reader from its start (after a Seek).
func (s *csvScanner) reset() {
	s.pos, s.end, s.err, s.line, s.sep, s.badValue = 0, 0, nil, 0, 0, false
}

// fill reports whether there is an unread byte, reading more input when
// the buffer is drained.
func (s *csvScanner) fill() bool {
	if s.pos < s.end {
		return true
	}
	return s.refill()
}

// refill reads the next input into the drained buffer.
func (s *csvScanner) refill() bool {
	if s.err != nil {
		return false
	}
	s.pos, s.end = 0, 0
	for s.end == 0 && s.err == nil {
		s.end, s.err = s.r.Read(s.buf)
	}
	return s.end > 0
}

// errNUL reports a NUL byte: binary data, not CSV text.
var errNUL = errors.New("NUL byte")

// errLongField reports a field longer than maxCSVField.
var errLongField = errors.New("long field")

// scan reads the CSV text and returns the number of data rows and of
// columns, or the first error. With put nil it only splits and counts (the
// first pass); otherwise it parses and checks every value and calls put
// with its index and value, in file order.
func (s *csvScanner) scan(maxValues int, put func(i int, v float64)) (rows, cols int, err error) {
	if s.fill() && s.end-s.pos >= 3 && string(s.buf[s.pos:s.pos+3]) == "\uFEFF" {
		s.pos += 3 // a byte-order mark from spreadsheets
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
			f, more, err = s.next()
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
			if n == maxValues {
				return 0, 0, invalidf("line %d: more than %d values (the limit)", s.line, maxValues)
			}
			if put != nil {
				v, err := csvValue(f, s.line, nf)
				if err != nil {
					s.badValue = true
					return 0, 0, err
				}
				put(n, v)
			}
			n++
		}
		if header {
			if headerValues > 0 {
				_, err := csvValue([]byte(firstField), s.line, 1)
				s.badValue = true
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
	if len(f) == 0 {
		return 0, invalidf("line %d, column %d is empty", num, j)
	}
	v, err := strconv.ParseFloat(string(f), 64)
	switch {
	case err == nil && !math.IsNaN(v) && !math.IsInf(v, 0):
		return v, nil
	case errors.Is(err, strconv.ErrRange):
		return 0, invalidf("line %d, column %d: %q is beyond the range of float64", num, j, f)
	case err != nil:
		return 0, invalidf("line %d, column %d: %q is not a number", num, j, f)
	}
	return 0, invalidf("line %d, column %d is %v", num, j, v)
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
	for s.fill() {
		buf, pos, end := s.buf, s.pos, s.end
		for ; pos < end; pos++ {
			switch c := buf[pos]; {
			case c == '\n':
				s.pos = pos + 1
				return lineSkip, nil
			case c == '#':
				s.pos = pos
				return lineSkip, s.skipLine()
			case c == 0:
				s.pos = pos
				return 0, errNUL
			case !blank(c):
				s.pos = pos
				return lineContent, nil
			}
		}
		s.pos = pos
	}
	return lineEOF, s.readErr()
}

// readErr returns the reader's error, nil at the end of the input.
func (s *csvScanner) readErr() error {
	if s.err == io.EOF {
		return nil
	}
	return s.err
}

// skipLine consumes the rest of the line and its newline.
func (s *csvScanner) skipLine() error {
	for s.fill() {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
			s.pos += i + 1
			return nil
		}
		s.pos = s.end
	}
	return s.readErr()
}

// chooseSep returns ',' when the line about to be read has a comma (within
// the next csvBuffer bytes), and ' ' otherwise (fields separated by runs of
// spaces or tabs, the default of numpy.savetxt).
func (s *csvScanner) chooseSep() byte {
	// Move what is left to the front and fill the buffer, to look ahead.
	copy(s.buf, s.buf[s.pos:s.end])
	s.end -= s.pos
	s.pos = 0
	for s.end < len(s.buf) && s.err == nil {
		var m int
		m, s.err = s.r.Read(s.buf[s.end:])
		s.end += m
	}
	for _, c := range s.buf[:s.end] {
		switch c {
		case ',':
			return ','
		case '\n':
			return ' '
		}
	}
	return ' '
}

// next returns the next field of the current line, trimmed of blanks, and
// whether another field follows on the line; at the end of the line it
// consumes the newline. The returned slice (into the scanner's buffer, or
// a copy when the field straddles two reads) is valid until the next call.
func (s *csvScanner) next() (f []byte, more bool, err error) {
	s.field = s.field[:0]
	spilled := false // part of the field is in s.field
	comma := s.sep == ','
	for s.fill() {
		buf, pos, end := s.buf, s.pos, s.end
		if !spilled {
			for pos < end && blank(buf[pos]) {
				pos++ // leading blanks
			}
		}
		start := pos
		for ; pos < end; pos++ {
			c := buf[pos]
			if c == '\n' || c == 0 || (c == ',' && comma) || (!comma && blank(c)) {
				break
			}
		}
		if len(s.field)+pos-start > maxCSVField {
			s.pos = pos
			return nil, false, errLongField
		}
		if pos == end { // the field goes on in the next read
			s.field = append(s.field, buf[start:pos]...)
			spilled, s.pos = true, pos
			continue
		}
		f = buf[start:pos]
		if spilled {
			s.field = append(s.field, f...)
			f = s.field
		}
		switch buf[pos] {
		case '\n':
			s.pos = pos + 1
			return trimBlanks(f), false, nil
		case 0:
			s.pos = pos
			return nil, false, errNUL
		case ',':
			s.pos = pos + 1
			return trimBlanks(f), true, nil
		}
		s.pos = pos // a blank ending a whitespace-separated field
		more, err := s.skipBlanks()
		return f, more, err
	}
	return trimBlanks(s.field), false, s.readErr()
}

// skipBlanks consumes a run of blanks after a whitespace-separated field and
// reports whether another field follows on the line (consuming the newline
// when none does).
func (s *csvScanner) skipBlanks() (bool, error) {
	for s.fill() {
		buf, pos, end := s.buf, s.pos, s.end
		for ; pos < end; pos++ {
			if c := buf[pos]; c == '\n' {
				s.pos = pos + 1
				return false, nil
			} else if !blank(c) {
				s.pos = pos
				return true, nil
			}
		}
		s.pos = pos
	}
	return false, s.readErr()
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
